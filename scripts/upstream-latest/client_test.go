package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/botpress-go/sdk/scripts/internal/tsdiff"
	"github.com/botpress-go/sdk/scripts/internal/upstream"
)

func loadFixtureClient(t *testing.T) *upstream.Client {
	t.Helper()
	c, err := upstream.LoadClient("../client-diff/testdata/fixture/client-package.json")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A newer release of the client that adds, changes and removes one
// operation each is reported operation by operation, field by field.
func TestClientChangelog(t *testing.T) {
	base, rev := loadFixtureClient(t), loadFixtureClient(t)
	rev.Version = "1.3.0"
	rev.Operations["deleteThing"] = &tsdiff.Operation{Method: "DELETE", Path: "/v1/things/{id}"}
	rev.Operations["getThing"].Response.Properties["thing"].Properties["color"] = &tsdiff.Schema{Type: "string"}
	delete(rev.Operations, "copyThing")

	var out bytes.Buffer
	s := clientChangelog(&out, base, rev)
	if want := (summary{added: 1, changed: 1, removed: 1}); s != want {
		t.Errorf("summary = %+v, want %+v", s, want)
	}
	for _, l := range []string{
		"ADDED   deleteThing (DELETE /v1/things/{id})",
		"CHANGED getThing (GET /v1/things/{id})\n    answer: thing.color: in 1.3.0, not in 1.2.3",
		"REMOVED copyThing (POST /v1/things/{id}/copy)",
	} {
		if !strings.Contains(out.String(), l) {
			t.Errorf("the changelog lacks %q:\n%s", l, out.String())
		}
	}

	out.Reset()
	if s := clientChangelog(&out, base, loadFixtureClient(t)); s != (summary{}) || out.Len() != 0 {
		t.Errorf("a release compared with itself: %+v, %q", s, out.String())
	}
}

func TestSummaryLine(t *testing.T) {
	got := summaryLine(
		release{"@botpress/client", "1.45.0", "1.46.0", summary{added: 2, changed: 1}},
		release{"@botpress/api", "1.70.2", "1.70.2", summary{}})
	want := "api/openapi.yaml follows @botpress/client 1.45.0 and @botpress/api 1.70.2; " +
		"newest @botpress/client 1.46.0 is newer: 2 operations added, 1 changed, 0 removed; " +
		"newest @botpress/api 1.70.2 is the one followed: 0 operations added, 0 changed, 0 removed"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if l := summaryLine(release{"p", "1.10.0", "1.9.9", summary{}}); !strings.Contains(l, "newest p 1.9.9 is older") {
		t.Errorf("1.9.9 is older than 1.10.0: %s", l)
	}
}
