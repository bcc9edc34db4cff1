package bptest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/botpress-go/sdk/api"
)

// Message payloads: the runtime spec keeps a message's payload a free
// object, as the API does, but the API refuses a payload of a standard type
// (text, image, choice, ...) that lacks what the type needs. The server
// checks them against the schemas of api/messages.yaml: a payload whose
// message type has a schema there must match it (400 InvalidPayload naming
// the field); any other type is accepted as is.
//
// Where payloads are is read from the spec: a property whose x-go-type is
// message.Payload (api/sections/messages.yaml), or Payload inside
// api/messages.yaml (the parts of a bloc), holds a payload whose type is its
// sibling property "type".

// payloadSchemas are the schemas of api/messages.yaml, by the message type
// each describes (its x-botpress-message-type).
type payloadSchemas map[string]*openapi3.Schema

// loadPayloadSchemas reads api/messages.yaml.
func loadPayloadSchemas() (payloadSchemas, error) {
	doc, err := openapi3.NewLoader().LoadFromData(api.Messages)
	if err != nil {
		return nil, fmt.Errorf("bptest: loading the message payload schemas: %w", err)
	}
	out := payloadSchemas{}
	for name, ref := range doc.Components.Schemas {
		if ref.Value == nil {
			continue
		}
		if typ, ok := ref.Value.Extensions["x-botpress-message-type"].(string); ok {
			if out[typ] != nil {
				return nil, fmt.Errorf("bptest: two payload schemas for message type %s (one is %s)", typ, name)
			}
			out[typ] = ref.Value
		}
	}
	return out, nil
}

// isPayloadProperty reports whether a property of a schema holds a message
// payload.
func isPayloadProperty(s *openapi3.Schema) bool {
	t, _ := s.Extensions["x-go-type"].(string)
	return t == "message.Payload" || t == "Payload"
}

// carriesPayload reports whether a JSON body of this schema can hold a
// message payload.
func carriesPayload(s *openapi3.Schema, seen map[*openapi3.Schema]bool) bool {
	if s == nil || seen[s] {
		return false
	}
	seen[s] = true
	for _, ref := range s.Properties {
		if ref.Value != nil && (isPayloadProperty(ref.Value) || carriesPayload(ref.Value, seen)) {
			return true
		}
	}
	return s.Items != nil && carriesPayload(s.Items.Value, seen)
}

// payloadOperations lists the operations whose JSON body can hold a message
// payload, with the schema of that body.
func payloadOperations(doc *openapi3.T) map[string]*openapi3.Schema {
	out := map[string]*openapi3.Schema{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			mt := op.RequestBody.Value.Content.Get("application/json")
			if mt == nil || mt.Schema == nil {
				continue
			}
			if carriesPayload(mt.Schema.Value, map[*openapi3.Schema]bool{}) {
				out[op.OperationID] = mt.Schema.Value
			}
		}
	}
	return out
}

// checkBody checks the message payloads of a JSON request body of the
// given schema, decoded (v).
func (ps payloadSchemas) checkBody(schema *openapi3.Schema, v any) *apiError {
	return ps.walk(schema, v, "")
}

// walk finds the payloads in v, a JSON value of schema s at path, and
// checks them.
func (ps payloadSchemas) walk(s *openapi3.Schema, v any, path string) *apiError {
	if s == nil {
		return nil
	}
	switch v := v.(type) {
	case map[string]any:
		for _, name := range sortedKeys(s.Properties) {
			child, ok := v[name]
			prop := s.Properties[name].Value
			if !ok || prop == nil {
				continue
			}
			at := joinPath(path, name)
			if isPayloadProperty(prop) {
				typ, _ := v["type"].(string)
				if err := ps.check(typ, child, at); err != nil {
					return err
				}
				continue
			}
			if err := ps.walk(prop, child, at); err != nil {
				return err
			}
		}
	case []any:
		if s.Items == nil {
			return nil
		}
		for i, x := range v {
			if err := ps.walk(s.Items.Value, x, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// check checks payload v, at path, of message type typ: against the type's
// schema when it has one, then the payloads it holds (a bloc's parts).
func (ps payloadSchemas) check(typ string, v any, path string) *apiError {
	s := ps[typ]
	if s == nil {
		return nil // not a standard type: accepted as is
	}
	if at := missing(s, v, path); at != "" {
		return invalidPayload("%s is required for %s message", at, withArticle(typ))
	}
	if err := s.VisitJSON(v); err != nil {
		var se *openapi3.SchemaError
		at, reason := path, err.Error()
		if errors.As(err, &se) {
			for _, p := range se.JSONPointer() {
				at = joinPath(at, p)
			}
			reason = se.Reason
		}
		return invalidPayload("%s: %s, in %s message", at, reason, withArticle(typ))
	}
	return ps.walk(s, v, path)
}

// checkRaw checks a payload given as JSON.
func (ps payloadSchemas) checkRaw(typ string, raw []byte, path string) *apiError {
	if ps[typ] == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return invalidPayload("%s is not JSON: %v", path, err)
	}
	return ps.check(typ, v, path)
}

// missing returns the path of the first required property that v, a JSON
// value of schema s at path, lacks or holds as null; or "".
func missing(s *openapi3.Schema, v any, path string) string {
	if s == nil {
		return ""
	}
	switch v := v.(type) {
	case map[string]any:
		for _, name := range s.Required {
			if x, ok := v[name]; !ok || x == nil {
				return joinPath(path, name)
			}
		}
		for _, name := range sortedKeys(s.Properties) {
			if x, ok := v[name]; ok && s.Properties[name].Value != nil {
				if at := missing(s.Properties[name].Value, x, joinPath(path, name)); at != "" {
					return at
				}
			}
		}
	case []any:
		if s.Items != nil {
			for i, x := range v {
				if at := missing(s.Items.Value, x, fmt.Sprintf("%s[%d]", path, i)); at != "" {
					return at
				}
			}
		}
	}
	return ""
}

// joinPath appends a property name, or an array index, to a path written
// as messages[0].payload.text.
func joinPath(path, name string) string {
	if _, err := strconv.Atoi(name); err == nil {
		return path + "[" + name + "]"
	}
	if path == "" {
		return name
	}
	return path + "." + name
}

// withArticle puts "a" or "an" before a message type: "a text", "an image".
func withArticle(typ string) string {
	if typ != "" && strings.ContainsRune("aeiou", rune(typ[0])) {
		return "an " + typ
	}
	return "a " + typ
}
