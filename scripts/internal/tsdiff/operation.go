package tsdiff

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Operation is one operation of a package's generated client, as an extract
// script writes it: the request it builds (method, path, the names of what it
// puts in each part) and the types of its request and answer.
type Operation struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Sent names what the client puts in the request.
	Sent struct {
		Headers []string `json:"headers"`
		Query   []string `json:"query"`
		Params  []string `json:"params"`
		Body    []string `json:"body"`
	} `json:"sent"`
	Headers  *Schema `json:"headers"`
	Query    *Schema `json:"query"`
	Params   *Schema `json:"params"`
	Body     *Schema `json:"body"`
	Response *Schema `json:"response"`
}

// ReadJSON decodes the JSON file at path into v.
func ReadJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// OurOp is one operation of our spec.
type OurOp struct {
	Method, Path string
	Op           *openapi3.Operation
}

func (o OurOp) String() string { return fmt.Sprintf("%s (%s %s)", o.Op.OperationID, o.Method, o.Path) }

// OurOperations lists the operations of doc by operationId.
func OurOperations(doc *openapi3.T) map[string]OurOp {
	out := map[string]OurOp{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			out[op.OperationID] = OurOp{strings.ToUpper(method), path, op}
		}
	}
	return out
}

// Request is what CompareRequest makes of our operation's parameters, by
// where they go, for the caller to compare what it treats its own way
// (headers).
type Request struct {
	Path, Query, Header *Schema
}

// CompareRequest lists how our operation's method, path, path and query
// parameters and JSON request body differ from the package's. Our header
// parameters are returned, not compared: each package has its own rules
// for them.
func CompareRequest(o OurOp, p *Operation) ([]Difference, Request, error) {
	var out []Difference
	add := func(part, what string) { out = append(out, Difference{Part: part, What: what}) }
	if o.Method != p.Method {
		add("method", fmt.Sprintf("%s in the package, %s in our spec", p.Method, o.Method))
	}
	if o.Path != p.Path {
		add("path", fmt.Sprintf("%s in the package, %s in our spec", p.Path, o.Path))
	}

	params := map[string]*Schema{"path": {Type: "object"}, "query": {Type: "object"}, "header": {Type: "object"}}
	for _, ref := range o.Op.Parameters {
		pv := ref.Value
		s, err := FromOpenAPI(pv.Schema)
		if err != nil {
			return nil, Request{}, err
		}
		in := params[pv.In]
		if in == nil {
			add("parameters", fmt.Sprintf("%s is in %s, which the package never uses", pv.Name, pv.In))
			continue
		}
		if in.Properties == nil {
			in.Properties = map[string]*Schema{}
		}
		in.Properties[pv.Name] = s
		if pv.Required {
			in.Required = append(in.Required, pv.Name)
		}
	}
	out = append(out, DiffSchemas("path parameters", "", OrEmpty(p.Params), params["path"])...)
	out = append(out, sentNames("path parameters", p.Sent.Params, params["path"])...)
	out = append(out, DiffSchemas("query", "", OrEmpty(p.Query), params["query"])...)
	out = append(out, sentNames("query", p.Sent.Query, params["query"])...)

	ourBody := &Schema{Type: "object"}
	if rb := o.Op.RequestBody; rb != nil && rb.Value != nil {
		mt := rb.Value.Content.Get("application/json")
		if mt == nil {
			add("request body", "not JSON in our spec")
		} else {
			s, err := FromOpenAPI(mt.Schema)
			if err != nil {
				return nil, Request{}, err
			}
			ourBody = s
		}
	}
	out = append(out, DiffSchemas("request body", "", OrEmpty(p.Body), ourBody)...)
	out = append(out, sentNames("request body", p.Sent.Body, ourBody)...)
	return out, Request{params["path"], params["query"], params["header"]}, nil
}

// Success is the 2xx response of our operation, or nil.
func Success(op *openapi3.Operation) *openapi3.Response {
	var success *openapi3.Response
	for code, r := range op.Responses.Map() {
		if strings.HasPrefix(code, "2") && r.Value != nil {
			success = r.Value
		}
	}
	return success
}

// CompareAnswer lists how our JSON success body differs from the package's
// answer type.
func CompareAnswer(success *openapi3.Response, p *Operation) ([]Difference, error) {
	if success == nil {
		return []Difference{{Part: "answer", What: "no success response in our spec"}}, nil
	}
	mt := success.Content.Get("application/json")
	if mt == nil {
		if !p.Response.HasProperties() {
			return nil, nil // no body on either side
		}
		return []Difference{{Part: "answer", What: "no JSON success body in our spec"}}, nil
	}
	s, err := FromOpenAPI(mt.Schema)
	if err != nil {
		return nil, err
	}
	return DiffSchemas("answer", "", OrEmpty(p.Response), s), nil
}

// sentNames compares the names the package's client puts in a part of the
// request with the properties of ours, where the types alone might differ
// from what is sent.
func sentNames(part string, sent []string, ours *Schema) []Difference {
	var out []Difference
	for _, name := range sent {
		if _, ok := ours.Properties[name]; !ok {
			out = append(out, Difference{Part: part, Path: name, What: "sent by the package's client, not in our spec"})
		}
	}
	return out
}

// OrEmpty is s, or an object without properties when s is nil.
func OrEmpty(s *Schema) *Schema {
	if s == nil {
		return &Schema{Type: "object"}
	}
	return s
}
