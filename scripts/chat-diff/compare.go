package main

import (
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/botpress-go/sdk/scripts/internal/tsdiff"
)

// Package is what scripts/chat-diff/extract.cjs reads in @botpress/chat
// (chat-package.json in the cache).
type Package struct {
	Package    string                       `json:"package"`
	Version    string                       `json:"version"`
	APIVersion string                       `json:"apiVersion"`
	Operations map[string]*tsdiff.Operation `json:"operations"`
	Signals    map[string]*tsdiff.Schema    `json:"signals"`
}

func loadPackage(path string) (*Package, error) {
	var p Package
	if err := tsdiff.ReadJSON(path, &p); err != nil {
		return nil, err
	}
	if len(p.Operations) == 0 {
		return nil, fmt.Errorf("%s: no operations", path)
	}
	return &p, nil
}

// userKeyHeader is the header the user key travels in; our spec declares it
// as the userKey security scheme, not as a parameter.
const userKeyHeader = "x-user-key"

// compare writes the report of our spec against the package to w and says
// whether they agree, but for the known differences (knownDifferences,
// outside tests).
func compare(w io.Writer, doc *openapi3.T, pkg *Package, known []tsdiff.Known, verbose bool) (bool, error) {
	r := tsdiff.NewReport(known)
	ours := tsdiff.OurOperations(doc)

	if doc.Info.Version != pkg.APIVersion {
		r.Fail("DIFFERS info.version: %s in our spec, but %s@%s declares Chat API %s",
			doc.Info.Version, pkg.Package, pkg.Version, pkg.APIVersion)
	}

	matched, compared := 0, 0
	var signalSchema *openapi3.SchemaRef
	for _, name := range slices.Sorted(maps.Keys(ours)) {
		o := ours[name]
		p, ok := pkg.Operations[name]
		if !ok {
			r.Fail("NOT IN PACKAGE %s: in our spec, not in %s@%s", o, pkg.Package, pkg.Version)
			continue
		}
		compared++
		diffs, stream, err := compareOperation(doc, o, p)
		if err != nil {
			return false, fmt.Errorf("%s: %w", name, err)
		}
		if stream != nil {
			signalSchema = stream
		}
		if r.Record(name, o.String(), diffs) {
			matched++
		}
	}
	for _, name := range slices.Sorted(maps.Keys(pkg.Operations)) {
		if _, ok := ours[name]; !ok {
			p := pkg.Operations[name]
			r.Fail("MISSING %s (%s %s): in %s@%s, not in our spec", name, p.Method, p.Path, pkg.Package, pkg.Version)
		}
	}

	// Signals: each of the package's against the branch of our Signal union
	// of the same type.
	signals, signalsOK := 0, 0
	if signalSchema == nil {
		r.Fail("DIFFERS signals: no operation of our spec answers a text/event-stream of signals")
	} else {
		ourSignals, err := tsdiff.FromOpenAPI(signalSchema)
		if err != nil {
			return false, fmt.Errorf("signals: %w", err)
		}
		ob, err := tsdiff.Branches(ourSignals)
		if err != nil {
			return false, fmt.Errorf("our Signal union: %w", err)
		}
		for _, typ := range tsdiff.UnionKeys(pkg.Signals, ob) {
			signals++
			t, o := pkg.Signals[typ], ob[typ]
			var diffs []tsdiff.Difference
			switch {
			case o == nil:
				diffs = []tsdiff.Difference{{Part: "signal", What: tsdiff.OnlyTheirs}}
			case t == nil:
				diffs = []tsdiff.Difference{{Part: "signal", What: tsdiff.OnlyOurs}}
			default:
				diffs = tsdiff.DiffSchemas("signal", "", t, o)
			}
			if r.Record("signal "+typ, "signal "+typ, diffs) {
				signalsOK++
			}
		}
	}

	knownCount := r.Write(w, "scripts/chat-diff/known.go", verbose)
	fmt.Fprintf(w, "\n%s@%s: %d operations; ours: %d; both: %d\n", pkg.Package, pkg.Version, len(pkg.Operations), len(ours), compared)
	fmt.Fprintf(w, "%d of %d operations and %d of %d signals match %s@%s (%d known differences)\n",
		matched, len(ours), signalsOK, signals, pkg.Package, pkg.Version, knownCount)
	return !r.Bad && matched == len(ours) && signalsOK == signals, nil
}

// compareOperation lists how our operation differs from the package's. For
// the operation that answers an event stream, it returns the schema of the
// stream's signals instead of comparing the answer.
func compareOperation(doc *openapi3.T, o tsdiff.OurOp, p *tsdiff.Operation) ([]tsdiff.Difference, *openapi3.SchemaRef, error) {
	out, req, err := tsdiff.CompareRequest(o, p)
	if err != nil {
		return nil, nil, err
	}
	add := func(part, what string) { out = append(out, tsdiff.Difference{Part: part, What: what}) }

	// Headers: the user key is our security requirement.
	theirHeaders := tsdiff.OrEmpty(p.Headers)
	needsKey := slices.Contains(theirHeaders.Required, userKeyHeader)
	if _, declared := theirHeaders.Properties[userKeyHeader]; declared && !needsKey {
		add("headers", "the package sends "+userKeyHeader+" when it has one; our spec can only say always or never")
	}
	if needsKey != slices.Contains(p.Sent.Headers, userKeyHeader) {
		add("headers", "the package declares and sends "+userKeyHeader+" differently: the extraction is wrong")
	}
	if keyed := hasUserKey(doc, o.Op); keyed != needsKey {
		add("headers", fmt.Sprintf("%s: sent by the package %t, required by our spec (userKey security) %t", userKeyHeader, needsKey, keyed))
	}
	others := &tsdiff.Schema{Type: "object", Properties: map[string]*tsdiff.Schema{}}
	for name, s := range theirHeaders.Properties {
		if name != userKeyHeader {
			others.Properties[name] = s
			if slices.Contains(theirHeaders.Required, name) {
				others.Required = append(others.Required, name)
			}
		}
	}
	out = append(out, tsdiff.DiffSchemas("headers", "", others, req.Header)...)

	// Answer: the success response, or the event stream of signals.
	success := tsdiff.Success(o.Op)
	if success != nil {
		if mt := success.Content.Get("text/event-stream"); mt != nil {
			if p.Response.HasProperties() {
				add("answer", "an event stream in our spec, a JSON body in the package")
			}
			return out, mt.Schema, nil
		}
	}
	answer, err := tsdiff.CompareAnswer(success, p)
	if err != nil {
		return nil, nil, err
	}
	return append(out, answer...), nil, nil
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
