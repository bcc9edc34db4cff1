package transport

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// NilSafe returns body with every required map or slice that is nil made
// empty, so that it is sent as {} or [] rather than null, which the API
// refuses ("Value is not nullable"). A field is required when its json tag
// has no omitempty: that is how the generated types mark what the spec
// requires. It looks through structs, pointers, slices and map values, at
// any depth, and never writes to what the caller passed: a value that needs
// a change is copied first (and only then). Values of interface type
// (free-form JSON) and types with their own MarshalJSON that are not
// structs (such as nullable.Nullable) are left as they are.
func NilSafe(body any) any {
	if body == nil {
		return nil
	}
	v := reflect.ValueOf(body)
	p := planOf(v.Type())
	if p == nil {
		return body
	}
	if nv, changed := p.fill(v); changed {
		return nv.Interface()
	}
	return body
}

var marshalerType = reflect.TypeFor[json.Marshaler]()

// nilSafeTypes caches, per type, whether a value of it can hold a required
// nil map or slice; most bodies cannot, and then cost one lookup.
var nilSafeTypes sync.Map // reflect.Type → bool

func needsNilSafe(t reflect.Type) bool {
	if v, ok := nilSafeTypes.Load(t); ok {
		return v.(bool)
	}
	need := scanNilSafe(t, map[reflect.Type]bool{})
	nilSafeTypes.Store(t, need)
	return need
}

// scanNilSafe answers needsNilSafe for t; visiting guards against
// recursive types, which cannot add anything not already seen.
func scanNilSafe(t reflect.Type, visiting map[reflect.Type]bool) bool {
	if visiting[t] {
		return false
	}
	visiting[t] = true
	defer delete(visiting, t)
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return scanNilSafe(t.Elem(), visiting)
	case reflect.Map:
		return !t.Implements(marshalerType) && scanNilSafe(t.Elem(), visiting)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			required, ok := JSONField(f)
			if !ok {
				continue
			}
			if required && IsContainer(f.Type) {
				return true
			}
			if scanNilSafe(f.Type, visiting) {
				return true
			}
		}
	}
	return false
}

// JSONField reads f's json tag: whether f is encoded at all, and whether
// it is required (no omitempty).
func JSONField(f reflect.StructField) (required, ok bool) {
	if !f.IsExported() {
		return false, false
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return false, false
	}
	// The options after the name, read one at a time with Cut: no
	// allocation (NilSafe reads the tags of every body at every call).
	_, opts, _ := strings.Cut(tag, ",")
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == "omitempty" || o == "omitzero" {
			return false, true
		}
	}
	return true, true
}

// IsContainer reports whether a nil value of t is encoded as null where
// the API wants {} or []: maps and slices without their own MarshalJSON.
func IsContainer(t reflect.Type) bool {
	return (t.Kind() == reflect.Map || t.Kind() == reflect.Slice) && !t.Implements(marshalerType)
}

// plan is what fillNil does with a value of one type that needsNilSafe:
// made once per type (planOf) so that a body is walked without reading
// struct tags or looking at fields that cannot need a change. For a
// struct, fields lists only the fields that can; for a pointer, slice,
// array or map, the element needs a walk.
type plan struct {
	kind   reflect.Kind
	fields []fieldPlan
}

// fieldPlan is a struct field that can need a change: a required
// container (fill: made empty when nil), or a value to walk (walk).
type fieldPlan struct {
	index int
	typ   reflect.Type
	fill  bool
	walk  bool
}

// plans caches planOf, per type; a type that needs nothing has a nil plan.
var plans sync.Map // reflect.Type → *plan

// planOf returns the plan of t, nil when no value of t can need a change.
func planOf(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	var p *plan
	if needsNilSafe(t) {
		p = &plan{kind: t.Kind()}
		if t.Kind() == reflect.Struct {
			for i := range t.NumField() {
				f := t.Field(i)
				required, ok := JSONField(f)
				if !ok {
					continue
				}
				fill := required && IsContainer(f.Type)
				walk := needsNilSafe(f.Type)
				if fill || walk {
					p.fields = append(p.fields, fieldPlan{index: i, typ: f.Type, fill: fill, walk: walk})
				}
			}
		}
	}
	plans.Store(t, p)
	return p
}

// fillNil returns v with required nil containers made empty, and whether
// anything changed; when nothing did, it returns v itself.
func fillNil(v reflect.Value) (reflect.Value, bool) {
	p := planOf(v.Type())
	if p == nil {
		return v, false
	}
	return p.fill(v)
}

// fill is fillNil for a value of the plan's type.
func (p *plan) fill(v reflect.Value) (reflect.Value, bool) {
	t := v.Type()
	switch p.kind {
	case reflect.Pointer:
		if v.IsNil() {
			return v, false
		}
		elem, changed := fillNil(v.Elem())
		if !changed {
			return v, false
		}
		ptr := reflect.New(t.Elem())
		ptr.Elem().Set(elem)
		return ptr, true
	case reflect.Slice, reflect.Array:
		var out reflect.Value
		for i := range v.Len() {
			elem, changed := fillNil(v.Index(i))
			if !changed {
				continue
			}
			if !out.IsValid() {
				out = copyList(v)
			}
			out.Index(i).Set(elem)
		}
		if out.IsValid() {
			return out, true
		}
		return v, false
	case reflect.Map:
		if v.IsNil() {
			return v, false
		}
		var out reflect.Value
		iter := v.MapRange()
		for iter.Next() {
			val, changed := fillNil(iter.Value())
			if !changed {
				continue
			}
			if !out.IsValid() {
				out = reflect.MakeMapWithSize(t, v.Len())
				for k := v.MapRange(); k.Next(); {
					out.SetMapIndex(k.Key(), k.Value())
				}
			}
			out.SetMapIndex(iter.Key(), val)
		}
		if out.IsValid() {
			return out, true
		}
		return v, false
	case reflect.Struct:
		var out reflect.Value
		set := func(i int, x reflect.Value) {
			if !out.IsValid() {
				out = reflect.New(t).Elem()
				out.Set(v)
			}
			out.Field(i).Set(x)
		}
		for _, f := range p.fields {
			fv := v.Field(f.index)
			if f.fill && fv.IsNil() {
				if f.typ.Kind() == reflect.Map {
					set(f.index, reflect.MakeMap(f.typ))
				} else {
					set(f.index, reflect.MakeSlice(f.typ, 0, 0))
				}
				continue
			}
			if f.walk {
				if nv, changed := fillNil(fv); changed {
					set(f.index, nv)
				}
			}
		}
		if out.IsValid() {
			return out, true
		}
	}
	return v, false
}

// copyList returns a copy of the slice or array v.
func copyList(v reflect.Value) reflect.Value {
	if v.Kind() == reflect.Array {
		out := reflect.New(v.Type()).Elem()
		out.Set(v)
		return out
	}
	out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
	reflect.Copy(out, v)
	return out
}
