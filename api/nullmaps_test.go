package api_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/client"
)

// bodyTypes finds, for every operation, the Go types of its JSON request
// body and of its success answer, from the methods of *client.Client: each
// takes (ctx, path parameters..., [params,] [body,] opts...) and returns
// (*<Op>Response, error) or error. The body is the argument before opts
// whose type is a JSON body (gen.<Op>Body). The key
// is the operation's name in lower case, which is how an operationId and
// its Go name (initialisms in capitals) compare.
func bodyTypes(t *testing.T) map[string]struct{ request, answer reflect.Type } {
	t.Helper()
	out := map[string]struct{ request, answer reflect.Type }{}
	typ := reflect.TypeFor[*client.Client]()
	for i := 0; i < typ.NumMethod(); i++ {
		m := typ.Method(i)
		if m.Type.NumIn() < 3 || !m.Type.IsVariadic() {
			continue
		}
		var types struct{ request, answer reflect.Type }
		if in := m.Type.In(m.Type.NumIn() - 2); in.Kind() != reflect.Pointer && in.PkgPath() == "github.com/botpress-go/sdk/gen" &&
			!strings.HasSuffix(in.Name(), "Params") {
			types.request = in
		}
		if m.Type.NumOut() == 2 && m.Type.Out(0).Kind() == reflect.Pointer {
			types.answer = m.Type.Out(0).Elem()
		}
		out[strings.ToLower(m.Name)] = types
	}
	return out
}

// step is one move down a JSON document: into a property, into a map's
// value (key "k") or into an array's element.
type step struct {
	property string
	mapValue bool
	element  bool
}

func (s step) String() string {
	switch {
	case s.mapValue:
		return "<key>"
	case s.element:
		return "[]"
	}
	return s.property
}

func pathString(path []step) string {
	parts := make([]string, len(path))
	for i, s := range path {
		parts[i] = s.String()
	}
	return strings.Join(parts, ".")
}

// nullableMaps lists the paths, from the top of schema, of every map value
// (additionalProperties) that the spec declares nullable. Each path ends
// with the map-value step.
func nullableMaps(schema *openapi3.SchemaRef) [][]step {
	var out [][]step
	seen := map[*openapi3.Schema]int{}
	var walk func(s *openapi3.SchemaRef, path []step)
	walk = func(s *openapi3.SchemaRef, path []step) {
		if s == nil || s.Value == nil || seen[s.Value] > 1 {
			return // a recursive schema is followed twice at most
		}
		seen[s.Value]++
		defer func() { seen[s.Value]-- }()
		v := s.Value
		if ap := v.AdditionalProperties.Schema; ap != nil && ap.Value != nil {
			inner := append(append([]step(nil), path...), step{mapValue: true})
			if ap.Value.Nullable {
				out = append(out, inner)
			}
			walk(ap, inner)
		}
		names := make([]string, 0, len(v.Properties))
		for name := range v.Properties {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			walk(v.Properties[name], append(append([]step(nil), path...), step{property: name}))
		}
		if v.Items != nil {
			walk(v.Items, append(append([]step(nil), path...), step{element: true}))
		}
		for _, group := range []openapi3.SchemaRefs{v.AllOf, v.AnyOf, v.OneOf} {
			for _, member := range group {
				walk(member, path)
			}
		}
	}
	walk(schema, nil)
	return out
}

// document builds the smallest JSON document that reaches the end of path
// and puts null there.
func document(path []step) any {
	var value any
	for i := len(path) - 1; i >= 0; i-- {
		switch s := path[i]; {
		case s.mapValue:
			value = map[string]any{"k": value}
		case s.element:
			value = []any{value}
		default:
			value = map[string]any{s.property: value}
		}
	}
	return value
}

// follow goes down path in a decoded JSON document and says whether the
// last step lands on a null that is present.
func follow(doc any, path []step) (found bool, what string) {
	for i, s := range path {
		last := i == len(path)-1
		switch {
		case s.element:
			list, ok := doc.([]any)
			if !ok || len(list) != 1 {
				return false, "no one-element array at " + pathString(path[:i+1])
			}
			doc = list[0]
		default:
			key := s.property
			if s.mapValue {
				key = "k"
			}
			object, ok := doc.(map[string]any)
			if !ok {
				return false, "no object at " + pathString(path[:i])
			}
			v, present := object[key]
			if !present {
				return false, "no key " + key + " at " + pathString(path[:i+1])
			}
			if last {
				if v != nil {
					b, _ := json.Marshal(v)
					return false, "null became " + string(b)
				}
				return true, ""
			}
			doc = v
		}
	}
	return false, "empty path"
}

// TestNullableMapValuesSurvive walks the spec for every map whose values
// may be null (deleting an entry of a definition is sent as "key": null),
// and checks, on the generated Go type of the body or answer that holds it,
// that a null value decodes and encodes again as null, not as {} or as an
// object of zero values. A nullable map value added to the spec that the
// generated code cannot carry fails here.
func TestNullableMapValuesSurvive(t *testing.T) {
	doc := load(t)
	types := bodyTypes(t)
	checked := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			goTypes, ok := types[strings.ToLower(op.OperationID)]
			require.True(t, ok, "%s %s: no generated method for %s", method, path, op.OperationID)
			bodies := map[string]struct {
				schema *openapi3.SchemaRef
				goType reflect.Type
			}{}
			if rb := op.RequestBody; rb != nil && rb.Value != nil {
				if mt := rb.Value.Content.Get("application/json"); mt != nil {
					bodies["request"] = struct {
						schema *openapi3.SchemaRef
						goType reflect.Type
					}{mt.Schema, goTypes.request}
				}
			}
			for code, r := range op.Responses.Map() {
				if !strings.HasPrefix(code, "2") || r.Value == nil {
					continue
				}
				if mt := r.Value.Content.Get("application/json"); mt != nil {
					bodies["answer"] = struct {
						schema *openapi3.SchemaRef
						goType reflect.Type
					}{mt.Schema, goTypes.answer}
				}
			}
			for which, body := range bodies {
				for _, p := range nullableMaps(body.schema) {
					name := op.OperationID + " " + which + " " + pathString(p)
					if !assert.NotNil(t, body.goType, "%s: no Go type", name) {
						continue
					}
					checked++
					in, err := json.Marshal(document(p))
					require.NoError(t, err)
					v := reflect.New(body.goType)
					if !assert.NoError(t, json.Unmarshal(in, v.Interface()), "%s: decoding %s", name, in) {
						continue
					}
					out, err := json.Marshal(v.Interface())
					if !assert.NoError(t, err, "%s: encoding", name) {
						continue
					}
					var back any
					d := json.NewDecoder(bytes.NewReader(out))
					require.NoError(t, d.Decode(&back))
					found, what := follow(back, p)
					assert.True(t, found, "%s (%s): %s decodes into %s and encodes as %s: %s", name, body.goType, in, body.goType, out, what)
				}
			}
		}
	}
	// The spec has dozens of them (definitions in updateBot,
	// updateIntegration, updateInterface, updatePlugin; file metadata...).
	assert.Greater(t, checked, 50)
	t.Logf("%d nullable map values checked", checked)
}
