package main

import (
	"bytes"
	"os"
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
	fixturePackage = "testdata/fixture/client-package.json"
)

func fixture(t *testing.T) (*openapi3.T, *upstream.Client) {
	t.Helper()
	doc, err := upstream.Load(fixtureSpec)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := upstream.LoadClient(fixturePackage)
	if err != nil {
		t.Fatal(err)
	}
	return doc, pkg
}

func runCompare(t *testing.T, doc *openapi3.T, pkg *upstream.Client, known []tsdiff.Known) (upstream.ClientResult, string) {
	t.Helper()
	var out bytes.Buffer
	res, err := upstream.CompareClient(&out, doc, pkg, known, true)
	if err != nil {
		t.Fatal(err)
	}
	return res, out.String()
}

func TestCompareMatching(t *testing.T) {
	doc, pkg := fixture(t)
	res, out := runCompare(t, doc, pkg, nil)
	if !res.OK {
		t.Fatalf("the fixture should match:\n%s", out)
	}
	difftest.Contains(t, out,
		"DEPRECATED polishThing (POST /v1/things/{id}/polish): not in @example/client@1.2.3 (Botpress removed it), deprecated in our spec",
		"4 of 4 operations of @example/client@1.2.3 match ours field by field (0 known differences)")
	if strings.Contains(out, "DIFFERS") {
		t.Errorf("unexpected difference:\n%s", out)
	}
}

// Each change to the package's description, or to our spec, is reported
// where it is, and fails the comparison.
func TestCompareDetects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pkg    func(p *upstream.Client)
		spec   func(doc *openapi3.T)
		want   []string
		differ []string
	}{{
		name: "method", pkg: func(p *upstream.Client) { p.Operations["listThings"].Method = "POST" },
		want: []string{"DIFFERS listThings (GET /v1/things)\n    method: POST in the package, GET in our spec"},
	}, {
		name: "path", pkg: func(p *upstream.Client) { p.Operations["getThing"].Path = "/v1/thing/{id}" },
		want: []string{"path: /v1/thing/{id} in the package, /v1/things/{id} in our spec"},
	}, {
		name: "answer field added upstream", pkg: func(p *upstream.Client) {
			p.Operations["getThing"].Response.Properties["thing"].Properties["color"] = &tsdiff.Schema{Type: "string"}
		},
		want:   []string{"DIFFERS getThing (GET /v1/things/{id})\n    answer: thing.color: in the package, not in our spec"},
		differ: []string{"getThing"},
	}, {
		name: "answer field of ours only", spec: func(doc *openapi3.T) {
			doc.Paths.Value("/v1/things").Get.Responses.Value("200").Value.Content.Get("application/json").Schema.Value.
				Properties["things"].Value.Items.Value.Properties["size"] = openapi3.NewIntegerSchema().NewRef()
		},
		want: []string{"answer: things[].size: in our spec, not in the package"},
	}, {
		name: "became required", pkg: func(p *upstream.Client) {
			owner := p.Operations["getThing"].Response.Properties["thing"]
			owner.Required = append(owner.Required, "owner")
		},
		want: []string{"answer: thing.owner: required in the package, optional in our spec"},
	}, {
		name: "kind", pkg: func(p *upstream.Client) {
			p.Operations["getThing"].Response.Properties["thing"].Properties["size"] = &tsdiff.Schema{Type: "string"}
		},
		want: []string{"answer: thing.size: type string in the package, number in our spec"},
	}, {
		name: "enum value", pkg: func(p *upstream.Client) {
			kind := p.Operations["getThing"].Response.Properties["thing"].Properties["kind"]
			kind.Enum = append(kind.Enum, "huge")
		},
		want: []string{"answer: thing.kind: values [big huge small] in the package, [big small] in our spec"},
	}, {
		name: "nullable", pkg: func(p *upstream.Client) {
			p.Operations["getThing"].Response.Properties["thing"].Properties["owner"].Nullable = false
		},
		want: []string{"answer: thing.owner: nullable: false in the package, true in our spec"},
	}, {
		name: "map values", pkg: func(p *upstream.Client) {
			p.Operations["copyThing"].Body.Properties["labels"].AdditionalProperties.Nullable = false
		},
		want: []string{"request body: labels{*}: nullable: false in the package, true in our spec"},
	}, {
		name: "query parameter", pkg: func(p *upstream.Client) {
			op := p.Operations["listThings"]
			op.Query.Properties["sortField"] = &tsdiff.Schema{Type: "string"}
			op.Sent.Query = append(op.Sent.Query, "sortField")
		},
		want: []string{"query: sortField: in the package, not in our spec", "query: sortField: sent by the package's client, not in our spec"},
	}, {
		name: "header", pkg: func(p *upstream.Client) {
			delete(p.Operations["copyThing"].Headers.Properties, "x-destination-bot-id")
			p.Operations["copyThing"].Headers.Required = nil
		},
		want: []string{"headers: x-destination-bot-id: in our spec, not in the package"},
	}, {
		name: "new operation", pkg: func(p *upstream.Client) {
			p.Operations["deleteThing"] = &tsdiff.Operation{Method: "DELETE", Path: "/v1/things/{id}"}
		},
		want: []string{"MISSING deleteThing (DELETE /v1/things/{id}): in @example/client@1.2.3, not in our spec"},
	}, {
		name: "removed operation not deprecated", pkg: func(p *upstream.Client) { delete(p.Operations, "copyThing") },
		want: []string{"NOT IN PACKAGE copyThing (POST /v1/things/{id}/copy): in our spec, not in @example/client@1.2.3; mark it deprecated if Botpress removed it"},
	}, {
		name: "definitions version", pkg: func(p *upstream.Client) { p.APIVersion = "9.9.0" },
		want: []string{"DIFFERS info.version: 9.8.7 in our spec, but @example/client@1.2.3 was built from definitions 9.9.0"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			doc, pkg := fixture(t)
			if tc.pkg != nil {
				tc.pkg(pkg)
			}
			if tc.spec != nil {
				tc.spec(doc)
			}
			res, out := runCompare(t, doc, pkg, nil)
			if res.OK {
				t.Errorf("the change went unnoticed:\n%s", out)
			}
			difftest.Contains(t, out, tc.want...)
			for _, op := range tc.differ {
				if !strings.Contains(strings.Join(res.Differing, ","), op) {
					t.Errorf("Differing %v lacks %s", res.Differing, op)
				}
			}
		})
	}
}

// The scope headers that a client's configuration sets are not compared:
// the fixture's getThing and getAISpend declare x-bot-id and x-workspace-id
// and still match.
func TestScopeHeadersLeftOut(t *testing.T) {
	doc, pkg := fixture(t)
	if p := doc.Paths.Value("/v2/billing/ai-spend").Get.Parameters; len(p) != 1 || p[0].Value.Name != "x-workspace-id" {
		t.Fatal("the fixture's getAISpend should declare x-workspace-id")
	}
	if res, out := runCompare(t, doc, pkg, nil); !res.OK {
		t.Fatalf("scope headers were compared:\n%s", out)
	}
}

func TestKnownDifferences(t *testing.T) {
	doc, pkg := fixture(t)
	pkg.Operations["getThing"].Response.Properties["thing"].Properties["color"] = &tsdiff.Schema{Type: "string"}
	known := []tsdiff.Known{{Operation: "getThing", Path: "thing.color", What: tsdiff.OnlyTheirs, Reason: "the fixture's"}}
	res, out := runCompare(t, doc, pkg, known)
	if !res.OK {
		t.Fatalf("a known difference should not fail:\n%s", out)
	}
	difftest.Contains(t, out, "KNOWN getThing: thing.color: in the package, not in our spec, in 1 places: the fixture's")

	// The same entry for another operation does not match, and is stale.
	known[0].Operation = "listThings"
	res, out = runCompare(t, doc, pkg, known)
	if res.OK {
		t.Error("a known difference of another operation should not hide this one")
	}
	difftest.Contains(t, out, `STALE known difference "listThings: thing.color: in the package, not in our spec"`)
}

// The repository's known.yaml parses, and every entry has a reason.
func TestKnownFile(t *testing.T) {
	if _, err := loadKnown("known.yaml"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "known.yaml")
	if err := os.WriteFile(bad, []byte("- path: a.b\n  what: in our spec, not in the package\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadKnown(bad); err == nil || !strings.Contains(err.Error(), "needs what and reason") {
		t.Errorf("an entry without a reason was accepted: %v", err)
	}
}

// TestExtract runs extract.cjs on the made-up package of the fixture (a
// source map carrying the generated operation files, and declarations) and
// checks that it reads what client-package.json holds. It needs node and
// the repository's node_modules (npm ci), as CI has; without them it is
// skipped.
func TestExtract(t *testing.T) {
	difftest.Check(t, "extract.cjs", filepath.Join("testdata", "fixture", "package"), fixturePackage)

	// An operation the declarations do not declare is refused: the layout
	// has changed, and a silent partial read would hide operations.
	pkgDir := filepath.Join(t.TempDir(), "package")
	if err := os.CopyFS(pkgDir, os.DirFS(filepath.Join("testdata", "fixture", "package"))); err != nil {
		t.Fatal(err)
	}
	dts := filepath.Join(pkgDir, "dist", "index.d.ts")
	data, err := os.ReadFile(dts)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dts, bytes.ReplaceAll(data, []byte("readonly listThings"), []byte("readonly listThing")), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := difftest.Run(t, "extract.cjs", pkgDir)
	if err == nil || !strings.Contains(stderr, "dist/index.d.ts does not declare listThings") {
		t.Errorf("extract.cjs should refuse an undeclared operation: %v\n%s", err, stderr)
	}
}
