package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/botpress-go/sdk/scripts/internal/difftest"
	"github.com/botpress-go/sdk/scripts/internal/tsdiff"
	"github.com/botpress-go/sdk/scripts/internal/upstream"
)

const (
	fixtureSpec    = "testdata/fixture/spec.yaml"
	fixturePackage = "testdata/fixture/chat-package.json"
)

// fixtureKnown is the known differences of the fixture: its image payload
// has a title that the package's does not.
var fixtureKnown = []tsdiff.Known{{Path: "{image}.title", What: tsdiff.OnlyOurs, Reason: "the fixture's"}}

func fixture(t *testing.T) (*openapi3.T, *Package) {
	t.Helper()
	doc, err := upstream.Load(fixtureSpec)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := loadPackage(fixturePackage)
	if err != nil {
		t.Fatal(err)
	}
	return doc, pkg
}

func runCompare(t *testing.T, doc *openapi3.T, pkg *Package, known []tsdiff.Known) (bool, string) {
	t.Helper()
	var out bytes.Buffer
	ok, err := compare(&out, doc, pkg, known, true)
	if err != nil {
		t.Fatal(err)
	}
	return ok, out.String()
}

func TestCompareMatching(t *testing.T) {
	doc, pkg := fixture(t)
	ok, out := runCompare(t, doc, pkg, fixtureKnown)
	if !ok {
		t.Fatalf("the fixture should match:\n%s", out)
	}
	difftest.Contains(t, out,
		"KNOWN {image}.title: in our spec, not in the package, in 2 places: the fixture's",
		"    sendNote (POST /things/{id}/notes): request body: payload{image}.title: in our spec, not in the package",
		"    signal note_sent: signal: data.payload{image}.title: in our spec, not in the package",
		"4 of 4 operations and 2 of 2 signals match @example/chat@1.2.3 (2 known differences)")
	if strings.Contains(out, "DIFFERS") {
		t.Errorf("unexpected difference:\n%s", out)
	}
}

func TestCompareUnknownAndStaleKnownDifferences(t *testing.T) {
	doc, pkg := fixture(t)
	ok, out := runCompare(t, doc, pkg, nil)
	if ok {
		t.Error("an image title the package lacks should fail without a known difference")
	}
	difftest.Contains(t, out, "DIFFERS sendNote (POST /things/{id}/notes)\n    request body: payload{image}.title: in our spec, not in the package")

	ok, out = runCompare(t, doc, pkg, append(fixtureKnown, tsdiff.Known{Path: "{video}.title", What: tsdiff.OnlyOurs}))
	if ok {
		t.Error("a stale known difference should fail")
	}
	difftest.Contains(t, out, `STALE known difference "{video}.title: in our spec, not in the package"`)
}

// A whole signal only in our spec is a known difference when an entry names
// that signal with an empty Path, and such an entry matches nothing inside
// a signal both have.
func TestCompareSignalOnlyOurs(t *testing.T) {
	only := tsdiff.Known{Operation: "signal thing_renamed", What: tsdiff.OnlyOurs, Reason: "newer than the package"}

	doc, pkg := fixture(t)
	delete(pkg.Signals, "thing_renamed")
	ok, out := runCompare(t, doc, pkg, fixtureKnown)
	if ok {
		t.Errorf("a signal only ours should fail without a known difference:\n%s", out)
	}
	difftest.Contains(t, out, "DIFFERS signal thing_renamed\n    signal: in our spec, not in the package")

	ok, out = runCompare(t, doc, pkg, append(fixtureKnown, only))
	if !ok {
		t.Errorf("a signal only ours, known, should pass:\n%s", out)
	}
	difftest.Contains(t, out,
		"KNOWN signal thing_renamed: in our spec, not in the package, in 1 places: newer than the package",
		"2 of 2 signals match")

	// The package has the signal but lacks a property of ours: the entry
	// for the whole signal does not hide it, and is stale.
	doc, pkg = fixture(t)
	delete(pkg.Signals["thing_renamed"].Properties["data"].Properties, "size")
	ok, out = runCompare(t, doc, pkg, append(fixtureKnown, only))
	if ok {
		t.Errorf("a property only ours should not be hidden by an entry for the whole signal:\n%s", out)
	}
	difftest.Contains(t, out,
		"DIFFERS signal thing_renamed\n    signal: data.size: in our spec, not in the package",
		`STALE known difference "signal thing_renamed: in our spec, not in the package"`)
}

// Each change to the package's description is reported where it is.
func TestCompareDetects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(p *Package)
		want   []string
	}{{
		"method", func(p *Package) { p.Operations["listThings"].Method = "POST" },
		[]string{"DIFFERS listThings (GET /things)\n    method: POST in the package, GET in our spec"},
	}, {
		"path", func(p *Package) { p.Operations["sendNote"].Path = "/things/{id}/note" },
		[]string{"path: /things/{id}/note in the package, /things/{id}/notes in our spec"},
	}, {
		"answer property missing from ours", func(p *Package) {
			thing := p.Operations["createThing"].Response.Properties["thing"]
			thing.Properties["color"] = &tsdiff.Schema{Type: "string"}
		},
		[]string{"DIFFERS createThing (POST /things)\n    answer: thing.color: in the package, not in our spec"},
	}, {
		"answer property only ours", func(p *Package) {
			delete(p.Operations["listThings"].Response.Properties["things"].Items.Properties, "size")
		},
		[]string{"answer: things[].size: in our spec, not in the package"},
	}, {
		"required", func(p *Package) {
			thing := p.Operations["createThing"].Response.Properties["thing"]
			thing.Required = append(thing.Required, "name")
		},
		[]string{"answer: thing.name: required in the package, optional in our spec"},
	}, {
		"optional", func(p *Package) { p.Operations["createThing"].Response.Required = []string{"thing"} },
		[]string{"answer: key: required in our spec, optional in the package"},
	}, {
		"kind", func(p *Package) {
			p.Operations["createThing"].Response.Properties["thing"].Properties["size"] = &tsdiff.Schema{Type: "string"}
		},
		[]string{"answer: thing.size: type string in the package, number in our spec"},
	}, {
		"nullable", func(p *Package) { p.Signals["note_sent"].Properties["data"].Properties["id"].Nullable = false },
		[]string{"DIFFERS signal note_sent\n    signal: data.id: nullable: false in the package, true in our spec"},
	}, {
		"union branch", func(p *Package) {
			payload := p.Operations["sendNote"].Body.Properties["payload"]
			payload.AnyOf = append(payload.AnyOf, &tsdiff.Schema{Type: "object", Properties: map[string]*tsdiff.Schema{
				"type": {Type: "string", Enum: []any{"video"}}, "videoUrl": {Type: "string"}}})
		},
		[]string{"request body: payload{video}: in the package, not in our spec"},
	}, {
		"query parameter", func(p *Package) {
			p.Operations["listThings"].Query.Properties["limit"] = &tsdiff.Schema{Type: "number"}
			p.Operations["listThings"].Sent.Query = append(p.Operations["listThings"].Sent.Query, "limit")
		},
		[]string{"query: limit: in the package, not in our spec", "query: limit: sent by the package's client, not in our spec"},
	}, {
		"user key sent where we need none", func(p *Package) {
			op := p.Operations["createThing"]
			op.Headers.Properties[userKeyHeader] = &tsdiff.Schema{Type: "string"}
			op.Headers.Required = []string{userKeyHeader}
			op.Sent.Headers = []string{userKeyHeader}
		},
		[]string{"DIFFERS createThing (POST /things)\n    headers: x-user-key: sent by the package true, required by our spec (userKey security) false"},
	}, {
		"other header", func(p *Package) {
			op := p.Operations["listThings"]
			op.Headers.Properties["x-user-id"] = &tsdiff.Schema{Type: "string"}
			op.Headers.Required = append(op.Headers.Required, "x-user-id")
		},
		[]string{"headers: x-user-id: in the package, not in our spec"},
	}, {
		"operation missing", func(p *Package) {
			p.Operations["deleteThing"] = &tsdiff.Operation{Method: "DELETE", Path: "/things/{id}"}
		},
		[]string{"MISSING deleteThing (DELETE /things/{id}): in @example/chat@1.2.3, not in our spec"},
	}, {
		"operation only ours", func(p *Package) { delete(p.Operations, "sendNote") },
		[]string{"NOT IN PACKAGE sendNote (POST /things/{id}/notes): in our spec, not in @example/chat@1.2.3"},
	}, {
		"signal only theirs", func(p *Package) {
			p.Signals["thing_deleted"] = &tsdiff.Schema{Type: "object", Properties: map[string]*tsdiff.Schema{
				"type": {Type: "string", Enum: []any{"thing_deleted"}}}}
		},
		[]string{"DIFFERS signal thing_deleted\n    signal: in the package, not in our spec", "2 of 3 signals"},
	}, {
		"api version", func(p *Package) { p.APIVersion = "2.1.0" },
		[]string{"DIFFERS info.version: 2.0.0 in our spec, but @example/chat@1.2.3 declares Chat API 2.1.0"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			doc, pkg := fixture(t)
			tc.change(pkg)
			ok, out := runCompare(t, doc, pkg, fixtureKnown)
			if ok {
				t.Errorf("the change went unnoticed:\n%s", out)
			}
			difftest.Contains(t, out, tc.want...)
		})
	}
}

func TestFromOpenAPIMergesAllOf(t *testing.T) {
	doc, _ := fixture(t)
	s, err := tsdiff.FromOpenAPI(doc.Components.Schemas["NoteImage"])
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(s)
	want := `{"type":"object","properties":{"imageUrl":{"type":"string"},"title":{"type":"string"},` +
		`"type":{"type":"string","enum":["image"]}},"required":["imageUrl","type"]}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestExtract runs extract.cjs on the made-up package of the fixture and
// checks that it reads what chat-package.json holds. It needs node and the
// repository's node_modules (npm ci), as CI has; without them it is skipped.
func TestExtract(t *testing.T) {
	difftest.Check(t, "extract.cjs", filepath.Join("testdata", "fixture", "package"), fixturePackage)
}
