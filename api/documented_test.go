package api_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEveryFieldDocumented lists what has no description in the embedded
// bundle: operations, inline parameters and inline properties (a property
// that is a bare $ref takes its description from its target). The Spectral
// rule "documented" of .spectral.yaml checks the same in the authored files,
// with file and line.
func TestEveryFieldDocumented(t *testing.T) {
	doc := load(t)
	var missing []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if strings.TrimSpace(op.Description) == "" {
				missing = append(missing, fmt.Sprintf("operation %s %s", method, path))
			}
		}
	}
	// A generic walk of the document as JSON sees every nesting (items,
	// additionalProperties, oneOf branches...) without listing them.
	raw, err := json.Marshal(doc)
	require.NoError(t, err)
	var tree any
	require.NoError(t, json.Unmarshal(raw, &tree))
	missing = append(missing, undocumented(tree, "")...)
	if len(missing) == 0 {
		return
	}
	sort.Strings(missing)
	const show = 100
	list := missing
	if len(list) > show {
		list = list[:show]
	}
	more := ""
	if len(missing) > show {
		more = fmt.Sprintf("\n... and %d more", len(missing)-show)
	}
	t.Errorf("%d places have no description:\n%s%s", len(missing), strings.Join(list, "\n"), more)
}

// undocumented returns the JSON pointers of the inline properties and
// parameters under node (at pointer at) that have no description.
func undocumented(node any, at string) []string {
	var out []string
	switch n := node.(type) {
	case map[string]any:
		if props, ok := n["properties"].(map[string]any); ok {
			for name, p := range props {
				if lacksDescription(p) {
					out = append(out, "property "+at+"/properties/"+escape(name))
				}
			}
		}
		if params, ok := n["parameters"].([]any); ok {
			for i, p := range params {
				if lacksDescription(p) {
					name, _ := p.(map[string]any)["name"].(string)
					out = append(out, fmt.Sprintf("parameter %s/parameters/%d (%s)", at, i, name))
				}
			}
		}
		for k, v := range n {
			// A properties map is not a schema: go straight to each
			// property's schema, so that a property named "properties"
			// is not read as the map of another schema.
			if props, ok := v.(map[string]any); ok && k == "properties" {
				for name, p := range props {
					out = append(out, undocumented(p, at+"/properties/"+escape(name))...)
				}
				continue
			}
			out = append(out, undocumented(v, at+"/"+escape(k))...)
		}
	case []any:
		for i, v := range n {
			out = append(out, undocumented(v, at+"/"+strconv.Itoa(i))...)
		}
	}
	return out
}

// lacksDescription reports whether v is an inline object (not a $ref)
// without a non-empty description.
func lacksDescription(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	if _, ref := m["$ref"]; ref {
		return false
	}
	d, _ := m["description"].(string)
	return strings.TrimSpace(d) == ""
}

// escape writes a key as a JSON pointer segment.
func escape(key string) string {
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}
