package transport

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzFillURL checks that fillURL gives the URL url.Parse makes of the
// base followed by the path with its parameters escaped, whether it
// takes its short way (nothing to escape) or not.
func FuzzFillURL(f *testing.F) {
	for _, s := range [][2]string{
		{"", "conv_01HZ"}, {"prefix/", "a/b"}, {"x%20y/", "a b"}, {"ü/", "ü"}, {"a%2Fb/", "id"},
		{"p//", "a%2Fb"}, {"", "a+b:c"}, {"", ";,="}, {"", "%"}, {"", "..."}, {"", "~-._"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, prefix, id string) {
		if id == "" || id == "." || id == ".." {
			return // CheckPath refuses them
		}
		_, base, err := ResolveBase("http://api.test:8080/" + prefix)
		if err != nil {
			return
		}
		var got url.URL
		require.NoError(t, fillURL(&got, base, "/v1/chat/conversations/%s/x", []string{id}))
		want, err := url.Parse(base.raw + "v1/chat/conversations/" + url.PathEscape(id) + "/x")
		require.NoError(t, err)
		assert.Equal(t, *want, got, "base %q, id %q", base.raw, id)
	})
}
