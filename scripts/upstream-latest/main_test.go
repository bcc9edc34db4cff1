package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/botpress-go/sdk/scripts/internal/upstream"
	"github.com/getkin/kin-openapi/openapi3"
)

func loadDoc(t *testing.T, path string) *openapi3.T {
	t.Helper()
	doc, err := upstream.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestChangelog compares two small releases whose differences are known:
// see the comment at the top of testdata/revision.yaml.
func TestChangelog(t *testing.T) {
	var out bytes.Buffer
	s, err := changelog(&out, loadDoc(t, "testdata/base.yaml"), loadDoc(t, "testdata/revision.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	if want := (summary{added: 2, changed: 3, removed: 2}); s != want {
		t.Errorf("summary = %+v, want %+v", s, want)
	}
	var heads []string
	for _, l := range strings.Split(out.String(), "\n") {
		if l != "" && !strings.HasPrefix(l, " ") {
			heads = append(heads, l)
		}
	}
	want := []string{
		"ADDED   getF (GET /v1/f)",
		"ADDED   updateA (PUT /v1/a)",
		"CHANGED createB (POST /v1/b): request",
		"CHANGED getC (GET /v1/c): answer",
		"CHANGED patchG (PATCH /v1/g/{id}): request, answer",
		"REMOVED deleteD (DELETE /v1/d)",
		"REMOVED getE (GET /v1/e)",
	}
	if strings.Join(heads, "\n") != strings.Join(want, "\n") {
		t.Errorf("operations:\n%s\nwant:\n%s", strings.Join(heads, "\n"), strings.Join(want, "\n"))
	}
	// The details are oasdiff's changelog, under their operation.
	for _, d := range []string{"kind", "size", "dryRun"} {
		if !strings.Contains(out.String(), d) {
			t.Errorf("no changelog line names %q", d)
		}
	}
}

// TestChangelogSame: a release compared with itself changes nothing.
func TestChangelogSame(t *testing.T) {
	var out bytes.Buffer
	s, err := changelog(&out, loadDoc(t, "testdata/revision.yaml"), loadDoc(t, "testdata/revision.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if s != (summary{}) || out.Len() != 0 {
		t.Errorf("summary = %+v, output %q; want nothing", s, out.String())
	}
}
