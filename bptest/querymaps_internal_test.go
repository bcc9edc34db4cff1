package bptest

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestQueryMapIndex: the pipeline knows every object-typed query parameter
// of the spec, and each operation with a required one has a wrapper that
// binds all of the operation's parameters (the generated wrapper refuses
// such an operation).
func TestQueryMapIndex(t *testing.T) {
	spec, err := parsedSpec()
	require.NoError(t, err)
	found := map[string][]string{}
	wrapped := map[string]bool{}
	for path, item := range spec.doc.Paths.Map() {
		for method, op := range item.Operations() {
			pattern := method + " " + path
			var want, required []string
			for _, p := range op.Parameters {
				if p.Value.In == "query" && p.Value.Schema != nil && p.Value.Schema.Value.Type.Is("object") {
					want = append(want, p.Value.Name)
					if p.Value.Required {
						required = append(required, p.Value.Name)
					}
				}
			}
			for _, p := range item.Parameters {
				assert.False(t, isQueryMap(p.Value), "%s: a map parameter of the path; newQueryMapIndex reads it, check the rest", pattern)
			}
			var got []string
			if mo := spec.queryMaps[op]; mo != nil {
				for _, p := range mo.params {
					got = append(got, p.Name)
				}
				assert.Len(t, mo.op.Parameters, len(op.Parameters)-len(mo.params), pattern)
			}
			assert.Equal(t, want, got, pattern)
			if len(want) > 0 {
				found[op.OperationID] = want
			}
			if len(required) == 0 {
				continue
			}
			w, ok := requiredMapWrappers[pattern]
			if !assert.True(t, ok, "%s (%s) has a required map parameter %v: add it to requiredMapWrappers", pattern, op.OperationID, required) {
				continue
			}
			wrapped[pattern] = true
			var all []string
			for _, p := range append(item.Parameters, op.Parameters...) {
				all = append(all, p.Value.Name)
			}
			slices.Sort(all)
			binds := slices.Sorted(slices.Values(w.binds))
			assert.Equal(t, all, binds, "%s: the wrapper binds every parameter", pattern)
		}
	}
	for pattern := range requiredMapWrappers {
		assert.True(t, wrapped[pattern], "requiredMapWrappers has %s, which takes no required map", pattern)
	}
	for _, op := range []string{"listBots", "listUsers", "listConversations", "listMessages", "listTables"} {
		assert.Equal(t, []string{"tags"}, found[op], op)
	}
	for _, op := range []string{"getDereferencedPlugin", "getDereferencedPublicPluginById"} {
		assert.Equal(t, []string{"interfaces"}, found[op], op)
	}
}
