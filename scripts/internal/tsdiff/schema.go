// Package tsdiff compares an OpenAPI document of ours with what an official
// TypeScript client of Botpress declares (its operations' requests and
// answers, read from its types by an extract script into a small
// JSON-Schema-like form), and lists every difference on the wire.
package tsdiff

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Schema is the small JSON-Schema-like form both sides are compared in:
// what scripts/chat-diff/extract.cjs writes for the package's TypeScript
// types, and what FromOpenAPI makes of our schemas. Only what travels on the
// wire is kept: kinds, enums, nullability, property names, required sets,
// array items and union branches. Type "" with nothing else is any value.
type Schema struct {
	Type                 string             `json:"type,omitempty"`
	Enum                 []any              `json:"enum,omitempty"`
	Nullable             bool               `json:"nullable,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	AnyOf                []*Schema          `json:"anyOf,omitempty"`
	AdditionalProperties *Schema            `json:"additionalProperties,omitempty"`
}

func (s *Schema) IsAny() bool {
	return s == nil || (s.Type == "" && len(s.AnyOf) == 0 && len(s.Properties) == 0 && s.Items == nil && len(s.Enum) == 0)
}

// HasProperties reports whether s describes an object with at least one
// property.
func (s *Schema) HasProperties() bool { return s != nil && len(s.Properties) > 0 }

// FromOpenAPI converts one of our schemas. allOf parts are merged into one
// object; oneOf and anyOf become AnyOf.
func FromOpenAPI(ref *openapi3.SchemaRef) (*Schema, error) {
	return convert(ref, 0)
}

func convert(ref *openapi3.SchemaRef, depth int) (*Schema, error) {
	if depth > 40 {
		return nil, fmt.Errorf("schema nested too deep (a cycle?) at %s", ref.Ref)
	}
	if ref == nil || ref.Value == nil {
		return &Schema{}, nil
	}
	v := ref.Value
	out := &Schema{Nullable: v.Nullable}
	if v.Type != nil {
		if types := v.Type.Slice(); len(types) == 1 {
			out.Type = types[0]
		} else if len(types) > 1 {
			return nil, fmt.Errorf("schema %s has several types %v", ref.Ref, types)
		}
	}
	if out.Type == "integer" {
		out.Type = "number"
	}
	for _, e := range v.Enum {
		out.Enum = append(out.Enum, e)
	}
	if len(v.Properties) > 0 {
		out.Properties = map[string]*Schema{}
		for name, p := range v.Properties {
			s, err := convert(p, depth+1)
			if err != nil {
				return nil, err
			}
			out.Properties[name] = s
		}
	}
	out.Required = slices.Clone(v.Required)
	if v.Items != nil {
		s, err := convert(v.Items, depth+1)
		if err != nil {
			return nil, err
		}
		out.Items = s
	}
	if v.AdditionalProperties.Schema != nil {
		s, err := convert(v.AdditionalProperties.Schema, depth+1)
		if err != nil {
			return nil, err
		}
		out.AdditionalProperties = s
	}
	for _, b := range slices.Concat(v.OneOf, v.AnyOf) {
		s, err := convert(b, depth+1)
		if err != nil {
			return nil, err
		}
		out.AnyOf = append(out.AnyOf, s)
	}
	for _, part := range v.AllOf {
		s, err := convert(part, depth+1)
		if err != nil {
			return nil, err
		}
		merge(out, s)
	}
	if out.Type == "" && len(out.Properties) > 0 {
		out.Type = "object"
	}
	return out, nil
}

// merge adds b to a, as allOf means: both hold. A property in both is
// merged in turn.
func merge(a, b *Schema) {
	if a.Type == "" {
		a.Type = b.Type
	}
	if len(a.Enum) == 0 {
		a.Enum = b.Enum
	}
	a.Nullable = a.Nullable || b.Nullable
	for name, p := range b.Properties {
		if a.Properties == nil {
			a.Properties = map[string]*Schema{}
		}
		if q, ok := a.Properties[name]; ok {
			merge(q, p)
		} else {
			a.Properties[name] = p
		}
	}
	for _, r := range b.Required {
		if !slices.Contains(a.Required, r) {
			a.Required = append(a.Required, r)
		}
	}
	switch {
	case a.Items == nil:
		a.Items = b.Items
	case b.Items != nil:
		merge(a.Items, b.Items)
	}
	if a.AdditionalProperties == nil {
		a.AdditionalProperties = b.AdditionalProperties
	}
	a.AnyOf = append(a.AnyOf, b.AnyOf...)
}

// Difference is one way our spec and the package disagree.
type Difference struct {
	// Part is where in the operation: "request body", "answer", "path", ...
	Part string
	// Path is the place in the JSON: payload{image}.title; {x} is the
	// branch of a union whose type is x, [] an array's element.
	Path string
	// What the difference is.
	What string
}

func (d Difference) String() string {
	if d.Path == "" {
		return d.Part + ": " + d.What
	}
	return d.Part + ": " + d.Path + ": " + d.What
}

// The wording of property differences, which known differences match.
const (
	OnlyOurs     = "in our spec, not in the package"
	OnlyTheirs   = "in the package, not in our spec"
	RequiredOurs = "required in our spec, optional in the package"
	RequiredThem = "required in the package, optional in our spec"
)

// DiffSchemas lists how ours differs from theirs (the package's).
func DiffSchemas(part, path string, theirs, ours *Schema) []Difference {
	var out []Difference
	add := func(p, what string) { out = append(out, Difference{Part: part, Path: p, What: what}) }
	var walk func(path string, t, o *Schema)
	walk = func(path string, t, o *Schema) {
		if t.IsAny() || o.IsAny() {
			return
		}
		if t.Nullable != o.Nullable {
			add(path, fmt.Sprintf("nullable: %t in the package, %t in our spec", t.Nullable, o.Nullable))
		}
		if len(t.AnyOf) > 0 || len(o.AnyOf) > 0 {
			tb, terr := Branches(t)
			ob, oerr := Branches(o)
			if terr != nil || oerr != nil {
				add(path, fmt.Sprintf("unions differ: the package's %s, ours %s", describeUnion(t, terr), describeUnion(o, oerr)))
				return
			}
			for _, k := range UnionKeys(tb, ob) {
				switch tv, ov := tb[k], ob[k]; {
				case ov == nil:
					add(Join(path, "{"+k+"}"), OnlyTheirs)
				case tv == nil:
					add(Join(path, "{"+k+"}"), OnlyOurs)
				default:
					walk(Join(path, "{"+k+"}"), tv, ov)
				}
			}
			return
		}
		if t.Type != o.Type {
			add(path, fmt.Sprintf("type %s in the package, %s in our spec", orAny(t.Type), orAny(o.Type)))
			return
		}
		if te, oe := enumStrings(t.Enum), enumStrings(o.Enum); !slices.Equal(te, oe) {
			add(path, fmt.Sprintf("values %v in the package, %v in our spec", te, oe))
		}
		for _, name := range UnionKeys(t.Properties, o.Properties) {
			tp, op := t.Properties[name], o.Properties[name]
			p := Join(path, name)
			switch {
			case op == nil:
				add(p, OnlyTheirs)
			case tp == nil:
				add(p, OnlyOurs)
			default:
				treq, oreq := slices.Contains(t.Required, name), slices.Contains(o.Required, name)
				if treq && !oreq {
					add(p, RequiredThem)
				} else if oreq && !treq {
					add(p, RequiredOurs)
				}
				walk(p, tp, op)
			}
		}
		if t.Items != nil && o.Items != nil {
			walk(path+"[]", t.Items, o.Items)
		}
		// A map's values: {*} stands for any key.
		switch ta, oa := t.AdditionalProperties, o.AdditionalProperties; {
		case ta != nil && oa != nil:
			walk(Join(path, "{*}"), ta, oa)
		case ta != nil && !ta.IsAny() && len(o.Properties) == 0:
			add(Join(path, "{*}"), "a map in the package, not in our spec")
		case oa != nil && !oa.IsAny() && len(t.Properties) == 0:
			add(Join(path, "{*}"), "a map in our spec, not in the package")
		}
	}
	walk(path, theirs, ours)
	return out
}

// branches keys the branches of a union by the one value of their type
// property (a lone schema is a union of one).
func Branches(s *Schema) (map[string]*Schema, error) {
	list := s.AnyOf
	if len(list) == 0 {
		list = []*Schema{s}
	}
	out := map[string]*Schema{}
	for _, b := range list {
		t := b.Properties["type"]
		if t == nil || len(t.Enum) != 1 {
			return nil, fmt.Errorf("a branch without a single type value")
		}
		k := fmt.Sprint(t.Enum[0])
		if out[k] != nil {
			return nil, fmt.Errorf("two branches of type %s", k)
		}
		out[k] = b
	}
	return out, nil
}

func describeUnion(s *Schema, err error) string {
	if err != nil {
		return "(" + err.Error() + ")"
	}
	if len(s.AnyOf) == 0 {
		return "a single " + orAny(s.Type)
	}
	return fmt.Sprintf("one of %d", len(s.AnyOf))
}

func UnionKeys[V any](a, b map[string]V) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func enumStrings(e []any) []string {
	out := make([]string, len(e))
	for i, v := range e {
		out[i] = fmt.Sprint(v)
	}
	sort.Strings(out)
	return out
}

func orAny(t string) string {
	if t == "" {
		return "any"
	}
	return t
}

func Join(path, name string) string {
	if path == "" || strings.HasPrefix(name, "{") {
		return path + name
	}
	return path + "." + name
}
