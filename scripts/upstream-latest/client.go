package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/botpress-go/sdk/scripts/internal/tsdiff"
	"github.com/botpress-go/sdk/scripts/internal/upstream"
)

// clientChangelog writes what rev, a release of @botpress/client, changes
// compared with base, operation by operation (sorted as the @botpress/api
// changelog is: added, changed, removed), field by field for the changed
// ones, and counts it.
func clientChangelog(w io.Writer, base, rev *upstream.Client) summary {
	var s summary
	var added, changed, removed []string
	for _, id := range slices.Sorted(maps.Keys(rev.Operations)) {
		r := rev.Operations[id]
		b, ok := base.Operations[id]
		if !ok {
			added = append(added, fmt.Sprintf("ADDED   %s (%s %s)", id, r.Method, r.Path))
			continue
		}
		lines := operationChanges(b, r, base.Version, rev.Version)
		if len(lines) > 0 {
			changed = append(changed, fmt.Sprintf("CHANGED %s (%s %s)", id, r.Method, r.Path))
			for _, l := range lines {
				changed = append(changed, "    "+l)
			}
			s.changed++
		}
	}
	for _, id := range slices.Sorted(maps.Keys(base.Operations)) {
		if _, ok := rev.Operations[id]; !ok {
			b := base.Operations[id]
			removed = append(removed, fmt.Sprintf("REMOVED %s (%s %s)", id, b.Method, b.Path))
		}
	}
	s.added, s.removed = len(added), len(removed)
	all := slices.Concat(added, changed, removed)
	for _, l := range all {
		fmt.Fprintln(w, l)
	}
	if len(all) > 0 {
		fmt.Fprintln(w)
	}
	return s
}

// operationChanges lists how one operation differs between two releases,
// in the words of tsdiff with "the package" the newer release and "our
// spec" the older.
func operationChanges(b, r *tsdiff.Operation, oldVersion, newVersion string) []string {
	var diffs []tsdiff.Difference
	if b.Method != r.Method || b.Path != r.Path {
		diffs = append(diffs, tsdiff.Difference{Part: "request", What: fmt.Sprintf("%s %s in the package, %s %s in our spec", r.Method, r.Path, b.Method, b.Path)})
	}
	for _, part := range []struct {
		name     string
		old, new *tsdiff.Schema
	}{
		{"headers", b.Headers, r.Headers}, {"query", b.Query, r.Query}, {"path parameters", b.Params, r.Params},
		{"request body", b.Body, r.Body}, {"answer", b.Response, r.Response},
	} {
		diffs = append(diffs, tsdiff.DiffSchemas(part.name, "", tsdiff.OrEmpty(part.new), tsdiff.OrEmpty(part.old))...)
	}
	words := strings.NewReplacer("the package", newVersion, "our spec", oldVersion)
	out := make([]string, len(diffs))
	for i, d := range diffs {
		out[i] = words.Replace(d.String())
	}
	return out
}
