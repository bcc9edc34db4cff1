package client

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/api"
	"github.com/botpress-go/sdk/internal/transport"
)

type nsInner struct {
	Tags  map[string]string `json:"tags"`
	Notes []string          `json:"notes,omitempty"`
}

type nsBody struct {
	Tags     map[string]string           `json:"tags"`
	IDs      []string                    `json:"ids"`
	Optional map[string]string           `json:"optional,omitempty"`
	Inner    nsInner                     `json:"inner"`
	Ptr      *nsInner                    `json:"ptr,omitempty"`
	List     []nsInner                   `json:"list"`
	ByKey    map[string]nsInner          `json:"byKey,omitempty"`
	Null     nullable.Nullable[[]string] `json:"null"`
	Free     any                         `json:"free"`
	Skipped  map[string]string           `json:"-"`
	private  map[string]string
}

func TestNilSafe(t *testing.T) {
	in := nsBody{
		Ptr:   &nsInner{},
		List:  []nsInner{{}, {Tags: map[string]string{"a": "b"}}},
		ByKey: map[string]nsInner{"k": {}},
		Null:  nullable.NewNullNullable[[]string](),
	}
	before, err := json.Marshal(in)
	require.NoError(t, err)
	out, err := json.Marshal(transport.NilSafe(in))
	require.NoError(t, err)
	assert.JSONEq(t, `{"tags":{},"ids":[],"inner":{"tags":{}},"ptr":{"tags":{}},
		"list":[{"tags":{}},{"tags":{"a":"b"}}],"byKey":{"k":{"tags":{}}},"null":null,"free":null}`, string(out))
	after, err := json.Marshal(in)
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after), "what the caller passed is not changed")
	assert.Nil(t, in.Ptr.Tags)
	assert.Nil(t, in.List[0].Tags)

	// A pointer to the body works the same; set fields are kept as they are.
	set := &nsBody{Tags: map[string]string{"x": "1"}, IDs: []string{"a"}, List: []nsInner{}}
	out, err = json.Marshal(transport.NilSafe(set))
	require.NoError(t, err)
	assert.JSONEq(t, `{"tags":{"x":"1"},"ids":["a"],"inner":{"tags":{}},"list":[],"null":null,"free":null}`, string(out))

	// Types with nothing to fill come back as they are.
	plain := struct {
		A string `json:"a"`
	}{"x"}
	assert.Equal(t, plain, transport.NilSafe(plain))
	assert.Nil(t, transport.NilSafe(nil))
	m := map[string]any{"k": nil}
	assert.Equal(t, m, transport.NilSafe(m))
}

// nsRecursive is a type that refers to itself, as some schemas do.
type nsRecursive struct {
	Children []nsRecursive `json:"children"`
	Next     *nsRecursive  `json:"next,omitempty"`
}

func TestNilSafeRecursive(t *testing.T) {
	out, err := json.Marshal(transport.NilSafe(nsRecursive{Next: &nsRecursive{Children: []nsRecursive{{}}}}))
	require.NoError(t, err)
	assert.JSONEq(t, `{"children":[],"next":{"children":[{"children":[]}]}}`, string(out))
}

// TestNilSafeCoversTheSpec walks the request body of every operation in
// the spec beside the Go type the client takes for it, and checks that
// every required, non-nullable object or array property, at any depth,
// cannot go out as null: nilSafe fills it (a map or a slice without
// omitempty) or Go cannot make it nil (a struct). A property added to the
// spec whose Go type could still be null fails here.
func TestNilSafeCoversTheSpec(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	require.NoError(t, err)
	bodies := map[string]*openapi3.Schema{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
				bodies[op.OperationID] = mt.Schema.Value
			}
		}
	}
	// Method names are operationIds with initialisms (createBotApiKey:
	// CreateBotAPIKey): match them without case.
	byLower := map[string]string{}
	for id := range bodies {
		byLower[strings.ToLower(id)] = id
	}
	checked := map[string]bool{}
	typ := reflect.TypeFor[*Client]()
	for i := range typ.NumMethod() {
		m := typ.Method(i)
		opID, ok := byLower[strings.ToLower(m.Name)]
		if !ok {
			continue
		}
		schema := bodies[opID]
		// (receiver, ctx, path parameters..., body, opts...)
		body := m.Type.In(m.Type.NumIn() - 2)
		var problems []string
		nsWalk(schema, body, "body", map[string]bool{}, &problems)
		assert.Empty(t, problems, "%s: required containers that could be sent as null", opID)
		checked[opID] = true

		// And for real: the zero body, made nil-safe, sends {} or [] for
		// every required container at the top.
		data, err := json.Marshal(transport.NilSafe(reflect.Zero(body).Interface()))
		if err != nil {
			continue // a zero value some field refuses, such as an empty email
		}
		var got map[string]json.RawMessage
		if json.Unmarshal(data, &got) != nil {
			continue // not an object body
		}
		for _, name := range schema.Required {
			p := schema.Properties[name]
			if p == nil || p.Value.Nullable || !(p.Value.Type.Is("object") || p.Value.Type.Is("array")) {
				continue
			}
			if f, ok := body.FieldByNameFunc(func(n string) bool { return strings.EqualFold(n, name) }); ok && f.Type.Kind() == reflect.Interface {
				continue // a message payload, which the caller must give
			}
			if raw, ok := got[name]; ok {
				assert.NotEqual(t, "null", string(raw), "%s: required %s sent as null", opID, name)
			}
		}
	}
	for opID := range bodies {
		assert.True(t, checked[opID], "%s: no typed method found for this operation with a body", opID)
	}
}

// nsWalk compares schema s with Go type t at path, adding a problem for
// each required non-nullable container t could encode as null.
func nsWalk(s *openapi3.Schema, t reflect.Type, path string, seen map[string]bool, problems *[]string) {
	if s == nil {
		return
	}
	key := fmt.Sprintf("%p/%v", s, t)
	if seen[key] {
		return
	}
	seen[key] = true
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case s.Type.Is("array") && s.Items != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		nsWalk(s.Items.Value, t.Elem(), path+"[]", seen, problems)
	case t.Kind() == reflect.Map && !t.Implements(reflect.TypeFor[json.Marshaler]()):
		if s.AdditionalProperties.Schema != nil {
			nsWalk(s.AdditionalProperties.Schema.Value, t.Elem(), path+".*", seen, problems)
		}
	case t.Kind() == reflect.Struct:
		fields := map[string]reflect.StructField{}
		for i := range t.NumField() {
			f := t.Field(i)
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
				fields[name] = f
			}
		}
		required := map[string]bool{}
		for _, r := range s.Required {
			required[r] = true
		}
		for name, p := range s.Properties {
			f, ok := fields[name]
			if !ok || p.Value == nil {
				continue
			}
			ps := p.Value
			container := ps.Type.Is("object") || ps.Type.Is("array")
			if required[name] && container && !ps.Nullable {
				fieldRequired, _ := transport.JSONField(f)
				ft := f.Type
				switch {
				case ft.Kind() == reflect.Struct:
				case ft.Kind() == reflect.Interface:
					// A message payload: there is no empty one to send, the
					// caller must give it (the API refuses null, naming it).
				case transport.IsContainer(ft) && fieldRequired:
				default:
					*problems = append(*problems, fmt.Sprintf("%s.%s (%v)", path, name, ft))
				}
			}
			nsWalk(ps, f.Type, path+"."+name, seen, problems)
		}
	}
}

// The check above must see nested bodies: make sure it reports a made-up
// body whose required array lives behind a pointer that Go can leave nil.
func TestNilSafeCoversTheSpecFindsProblems(t *testing.T) {
	s := &openapi3.Schema{Type: &openapi3.Types{"object"}, Required: []string{"items"}, Properties: openapi3.Schemas{
		"items": {Value: &openapi3.Schema{Type: &openapi3.Types{"array"}, Items: &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{"string"}}}}},
	}}
	type bad struct {
		Items *[]string `json:"items"`
	}
	var problems []string
	nsWalk(s, reflect.TypeFor[bad](), "body", map[string]bool{}, &problems)
	assert.Equal(t, []string{"body.items (*[]string)"}, problems)
}
