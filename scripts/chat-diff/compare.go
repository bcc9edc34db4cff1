package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Package is what scripts/chat-diff/extract.cjs reads in @botpress/chat
// (chat-package.json in the cache).
type Package struct {
	Package    string                `json:"package"`
	Version    string                `json:"version"`
	APIVersion string                `json:"apiVersion"`
	Operations map[string]*Operation `json:"operations"`
	Signals    map[string]*Schema    `json:"signals"`
}

// Operation is one operation of the package's generated client: the request
// it builds (dist/index.cjs) and the types of its request and answer (the
// declaration files).
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

func loadPackage(path string) (*Package, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p Package
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(p.Operations) == 0 {
		return nil, fmt.Errorf("%s: no operations", path)
	}
	return &p, nil
}

// userKeyHeader is the header the user key travels in; our spec declares it
// as the userKey security scheme, not as a parameter.
const userKeyHeader = "x-user-key"

// ourOp is one operation of our spec.
type ourOp struct {
	method, path string
	op           *openapi3.Operation
}

func (o ourOp) String() string { return fmt.Sprintf("%s (%s %s)", o.op.OperationID, o.method, o.path) }

func ourOperations(doc *openapi3.T) map[string]ourOp {
	out := map[string]ourOp{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			out[op.OperationID] = ourOp{strings.ToUpper(method), path, op}
		}
	}
	return out
}

// report is the outcome of a comparison.
type report struct {
	lines     []string
	matched   int
	compared  int
	signals   int
	signalsOK int
	knownList []knownDifference
	known     map[int][]string // index in knownList: where each was seen
	bad       bool
}

// compare writes the report of our spec against the package to w and says
// whether they agree, but for the known differences (knownDifferences,
// outside tests).
func compare(w io.Writer, doc *openapi3.T, pkg *Package, known []knownDifference, verbose bool) (bool, error) {
	r := &report{knownList: known, known: map[int][]string{}}
	ours := ourOperations(doc)

	if doc.Info.Version != pkg.APIVersion {
		r.bad = true
		r.lines = append(r.lines, fmt.Sprintf("DIFFERS info.version: %s in our spec, but %s@%s declares Chat API %s",
			doc.Info.Version, pkg.Package, pkg.Version, pkg.APIVersion))
	}

	var names []string
	for name := range ours {
		names = append(names, name)
	}
	sort.Strings(names)
	var signalSchema *openapi3.SchemaRef
	for _, name := range names {
		o := ours[name]
		p, ok := pkg.Operations[name]
		if !ok {
			r.bad = true
			r.lines = append(r.lines, fmt.Sprintf("NOT IN PACKAGE %s: in our spec, not in %s@%s", o, pkg.Package, pkg.Version))
			continue
		}
		r.compared++
		diffs, stream, err := compareOperation(doc, o, p)
		if err != nil {
			return false, fmt.Errorf("%s: %w", name, err)
		}
		if stream != nil {
			signalSchema = stream
		}
		if r.record(o.String(), diffs) {
			r.matched++
		}
	}
	var missing []string
	for name := range pkg.Operations {
		if _, ok := ours[name]; !ok {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	for _, name := range missing {
		p := pkg.Operations[name]
		r.bad = true
		r.lines = append(r.lines, fmt.Sprintf("MISSING %s (%s %s): in %s@%s, not in our spec", name, p.Method, p.Path, pkg.Package, pkg.Version))
	}

	// Signals: each of the package's against the branch of our Signal union
	// of the same type.
	if signalSchema == nil {
		r.bad = true
		r.lines = append(r.lines, "DIFFERS signals: no operation of our spec answers a text/event-stream of signals")
	} else {
		ourSignals, err := fromOpenAPI(signalSchema)
		if err != nil {
			return false, fmt.Errorf("signals: %w", err)
		}
		ob, err := branches(ourSignals)
		if err != nil {
			return false, fmt.Errorf("our Signal union: %w", err)
		}
		for _, typ := range unionKeys(pkg.Signals, ob) {
			r.signals++
			t, o := pkg.Signals[typ], ob[typ]
			var diffs []Difference
			switch {
			case o == nil:
				diffs = []Difference{{Part: "signal", What: onlyTheirs}}
			case t == nil:
				diffs = []Difference{{Part: "signal", What: onlyOurs}}
			default:
				diffs = diffSchemas("signal", "", t, o)
			}
			if r.record("signal "+typ, diffs) {
				r.signalsOK++
			}
		}
	}

	for _, l := range r.lines {
		fmt.Fprintln(w, l)
	}
	knownCount := 0
	for i, k := range r.knownList {
		seen := r.known[i]
		knownCount += len(seen)
		if len(seen) == 0 {
			r.bad = true
			fmt.Fprintf(w, "STALE known difference %q: no longer found; remove it from scripts/chat-diff/known.go\n", k.Path+": "+k.What)
			continue
		}
		fmt.Fprintf(w, "KNOWN %s: %s, in %d places: %s\n", k.Path, k.What, len(seen), k.Reason)
		if verbose {
			for _, s := range seen {
				fmt.Fprintf(w, "    %s\n", s)
			}
		}
	}
	fmt.Fprintf(w, "\n%s@%s: %d operations; ours: %d; both: %d\n", pkg.Package, pkg.Version, len(pkg.Operations), len(ours), r.compared)
	fmt.Fprintf(w, "%d of %d operations and %d of %d signals match %s@%s (%d known differences)\n",
		r.matched, len(ours), r.signalsOK, r.signals, pkg.Package, pkg.Version, knownCount)
	ok := !r.bad && r.matched == len(ours) && r.signalsOK == r.signals
	return ok, nil
}

// record files the differences of one operation or signal, setting the
// known ones apart, and says whether none is left.
func (r *report) record(what string, diffs []Difference) bool {
	var left []string
	for _, d := range diffs {
		if i := knownIndex(r.knownList, d); i >= 0 {
			r.known[i] = append(r.known[i], what+": "+d.String())
			continue
		}
		left = append(left, d.String())
	}
	if len(left) == 0 {
		return true
	}
	r.bad = true
	r.lines = append(r.lines, "DIFFERS "+what)
	for _, l := range left {
		r.lines = append(r.lines, "    "+l)
	}
	return false
}

// compareOperation lists how our operation differs from the package's. For
// the operation that answers an event stream, it returns the schema of the
// stream's signals instead of comparing the answer.
func compareOperation(doc *openapi3.T, o ourOp, p *Operation) ([]Difference, *openapi3.SchemaRef, error) {
	var out []Difference
	add := func(part, what string) { out = append(out, Difference{Part: part, What: what}) }
	if o.method != p.Method {
		add("method", fmt.Sprintf("%s in the package, %s in our spec", p.Method, o.method))
	}
	if o.path != p.Path {
		add("path", fmt.Sprintf("%s in the package, %s in our spec", p.Path, o.path))
	}

	// Parameters, by where they go.
	params := map[string]*Schema{"path": {Type: "object"}, "query": {Type: "object"}, "header": {Type: "object"}}
	for _, ref := range o.op.Parameters {
		pv := ref.Value
		s, err := fromOpenAPI(pv.Schema)
		if err != nil {
			return nil, nil, err
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
	out = append(out, diffSchemas("path parameters", "", orEmpty(p.Params), params["path"])...)
	out = append(out, sentNames("path parameters", p.Sent.Params, params["path"])...)
	out = append(out, diffSchemas("query", "", orEmpty(p.Query), params["query"])...)
	out = append(out, sentNames("query", p.Sent.Query, params["query"])...)

	// Headers: the user key is our security requirement.
	theirHeaders := orEmpty(p.Headers)
	needsKey := slices.Contains(theirHeaders.Required, userKeyHeader)
	if _, declared := theirHeaders.Properties[userKeyHeader]; declared && !needsKey {
		add("headers", "the package sends "+userKeyHeader+" when it has one; our spec can only say always or never")
	}
	if needsKey != slices.Contains(p.Sent.Headers, userKeyHeader) {
		add("headers", "the package declares and sends "+userKeyHeader+" differently: the extraction is wrong")
	}
	if keyed := hasUserKey(doc, o.op); keyed != needsKey {
		add("headers", fmt.Sprintf("%s: sent by the package %t, required by our spec (userKey security) %t", userKeyHeader, needsKey, keyed))
	}
	others := &Schema{Type: "object", Properties: map[string]*Schema{}}
	for name, s := range theirHeaders.Properties {
		if name != userKeyHeader {
			others.Properties[name] = s
			if slices.Contains(theirHeaders.Required, name) {
				others.Required = append(others.Required, name)
			}
		}
	}
	out = append(out, diffSchemas("headers", "", others, params["header"])...)

	// Request body.
	ourBody := &Schema{Type: "object"}
	if rb := o.op.RequestBody; rb != nil && rb.Value != nil {
		mt := rb.Value.Content.Get("application/json")
		if mt == nil {
			add("request body", "not JSON in our spec")
		} else {
			s, err := fromOpenAPI(mt.Schema)
			if err != nil {
				return nil, nil, err
			}
			ourBody = s
		}
	}
	out = append(out, diffSchemas("request body", "", orEmpty(p.Body), ourBody)...)
	out = append(out, sentNames("request body", p.Sent.Body, ourBody)...)

	// Answer: the success response.
	var success *openapi3.Response
	for code, r := range o.op.Responses.Map() {
		if strings.HasPrefix(code, "2") && r.Value != nil {
			success = r.Value
		}
	}
	if success == nil {
		add("answer", "no success response in our spec")
		return out, nil, nil
	}
	if mt := success.Content.Get("text/event-stream"); mt != nil {
		if p.Response.hasProperties() {
			add("answer", "an event stream in our spec, a JSON body in the package")
		}
		return out, mt.Schema, nil
	}
	mt := success.Content.Get("application/json")
	if mt == nil {
		add("answer", "no JSON success body in our spec")
		return out, nil, nil
	}
	s, err := fromOpenAPI(mt.Schema)
	if err != nil {
		return nil, nil, err
	}
	out = append(out, diffSchemas("answer", "", orEmpty(p.Response), s)...)
	return out, nil, nil
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

// hasUserKey reports whether an operation of ours requires the userKey
// scheme, its own security or else the document's.
func hasUserKey(doc *openapi3.T, op *openapi3.Operation) bool {
	reqs := doc.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	for _, r := range reqs {
		if _, ok := r["userKey"]; ok {
			return true
		}
	}
	return false
}

func orEmpty(s *Schema) *Schema {
	if s == nil {
		return &Schema{Type: "object"}
	}
	return s
}
