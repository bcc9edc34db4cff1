package bptest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// answer is a JSON answer with its status. It implements the response
// interface of every operation (canned.gen.go), so any handler can return
// it.
type answer struct {
	status int
	body   []byte
	// example marks an answer made up from the spec, not from state.
	example bool
}

// ExampleHeader is the header, set to "true", of an answer that is a fixed
// example built from the spec, not something the server keeps: the
// operation has no stateful implementation in bptest yet. The server logs
// such answers too, and refuses them with 501 in strict mode (WithStrict).
const ExampleHeader = "X-Bptest-Example"

func (a answer) write(w http.ResponseWriter) error {
	if a.example {
		w.Header().Set(ExampleHeader, "true")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	_, err := w.Write(a.body)
	return err
}

// examples builds, once per operation, an example of its success answer
// from the spec: every required property, with values that satisfy the
// schema (enums, formats, lengths, bounds).
type examples struct {
	doc   *openapi3.T
	ops   map[string]*openapi3.Operation
	mu    sync.Mutex
	cache map[string][]byte
}

func newExamples(doc *openapi3.T) *examples {
	ops := map[string]*openapi3.Operation{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ops[op.OperationID] = op
		}
	}
	return &examples{doc: doc, ops: ops, cache: map[string][]byte{}}
}

// answer returns the example answer of an operation.
func (e *examples) answer(operationID string, status int) (answer, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	body, ok := e.cache[operationID]
	if !ok {
		op := e.ops[operationID]
		if op == nil {
			return answer{}, fmt.Errorf("no operation %s in the spec", operationID)
		}
		r := op.Responses.Status(status)
		if r == nil || r.Value == nil || r.Value.Content.Get("application/json") == nil {
			return answer{}, fmt.Errorf("%s has no JSON answer for %d", operationID, status)
		}
		v := example(r.Value.Content.Get("application/json").Schema.Value, 0)
		var err error
		if body, err = json.Marshal(v); err != nil {
			return answer{}, err
		}
		e.cache[operationID] = body
	}
	return answer{status: status, body: body}, nil
}

// example answers an operation that bptest keeps no state for with its
// example, marked with ExampleHeader and logged through the server's
// logger; in strict mode it refuses it instead, with 501 naming the
// operation.
func (c canned) example(ctx context.Context, operationID string, status int) (answer, error) {
	if c.srv != nil && c.srv.settings.strict {
		return answer{}, errorf(http.StatusNotImplemented, "Unknown",
			"bptest keeps no state for %s and answers it only with a fixed example: strict mode (WithStrict) refuses it", operationID)
	}
	if c.srv != nil && c.srv.settings.logger != nil {
		c.srv.settings.logger.LogAttrs(ctx, slog.LevelWarn, "example answer",
			slog.String("operation", operationID), slog.String("header", ExampleHeader+": true"))
	}
	a, err := c.examples.answer(operationID, status)
	a.example = true
	return a, err
}

// exampleTime is the instant every example date-time holds.
const exampleTime = "2026-01-01T00:00:00.000Z"

// example returns a value that satisfies s.
func example(s *openapi3.Schema, depth int) any {
	if s == nil {
		return nil
	}
	if s.Example != nil {
		return s.Example
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	if s.Default != nil {
		return s.Default
	}
	switch {
	case s.Type.Is("object") || (s.Type == nil && len(s.Properties) > 0):
		out := map[string]any{}
		if depth > 8 {
			return out
		}
		for _, name := range s.Required {
			if p := s.Properties[name]; p != nil {
				out[name] = example(p.Value, depth+1)
			}
		}
		return out
	case s.Type.Is("array"):
		n := int(s.MinItems)
		out := make([]any, 0, n)
		for range n {
			out = append(out, example(s.Items.Value, depth+1))
		}
		return out
	case s.Type.Is("string"):
		return exampleString(s)
	case s.Type.Is("integer"), s.Type.Is("number"):
		v := 0.0
		if s.Min != nil {
			v = *s.Min
			if s.ExclusiveMin.IsTrue() {
				v++
			}
		} else if s.Max != nil && *s.Max < 0 {
			v = *s.Max
			if s.ExclusiveMax.IsTrue() {
				v--
			}
		}
		return v
	case s.Type.Is("boolean"):
		return false
	}
	if s.Nullable {
		return nil
	}
	return map[string]any{}
}

func exampleString(s *openapi3.Schema) string {
	switch s.Format {
	case "date-time":
		return exampleTime
	case "date":
		return exampleTime[:10]
	case "uri", "url":
		return "https://example.com/"
	case "email":
		return "user@example.com"
	case "uuid":
		return "00000000-0000-4000-8000-000000000000"
	}
	v := "example"
	if n := int(s.MinLength); len(v) < n {
		v += strings.Repeat("x", n-len(v))
	}
	if s.MaxLength != nil && uint64(len(v)) > *s.MaxLength {
		v = v[:*s.MaxLength]
	}
	return v
}
