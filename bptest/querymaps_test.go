package bptest_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

// derefClient is a client of srv made with client.New, as a program would.
func derefClient(t *testing.T, srv *bptest.Server) *client.Client {
	t.Helper()
	c, err := client.New(client.WithBaseURL(srv.URL), client.WithToken(srv.Token), client.WithWorkspaceID(srv.WorkspaceID))
	require.NoError(t, err)
	return c
}

// TestDereferencedMissingInterfaces: a required map parameter with no
// dotted key is still refused, 400 InvalidQuery naming it, by both
// operations that take one.
func TestDereferencedMissingInterfaces(t *testing.T) {
	srv := bptest.Start(t)
	c := derefClient(t, srv)
	ctx := context.Background()
	p, err := c.CreatePlugin(ctx, gen.CreatePluginJSONRequestBody{Name: "triage", Version: "1.0.0"})
	require.NoError(t, err)

	var apiErr *bperrors.APIError
	for name, call := range map[string]func(map[string]string) error{
		"getDereferencedPlugin": func(m map[string]string) error {
			_, err := c.GetDereferencedPlugin(ctx, p.Plugin.ID, &gen.GetDereferencedPluginParams{Interfaces: m})
			return err
		},
		"getDereferencedPublicPluginById": func(m map[string]string) error {
			_, err := c.GetDereferencedPublicPluginByID(ctx, p.Plugin.ID, &gen.GetDereferencedPublicPluginByIDParams{Interfaces: m})
			return err
		},
	} {
		for _, m := range []map[string]string{nil, {}} {
			err := call(m)
			require.ErrorIs(t, err, bperrors.ErrInvalidQuery, "%s with interfaces %#v", name, m)
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
			assert.Contains(t, apiErr.Message, `parameter "interfaces" in query`, name)
			assert.Contains(t, apiErr.Message, "required", name)
		}
	}
	assert.Empty(t, srv.ResponseViolations())
}

// derefPublic creates a public plugin with a tracker interface and a
// public integration implementing it; it answers their IDs.
func derefPublic(t *testing.T, c *client.Client) (plugin, integration string) {
	t.Helper()
	ctx := context.Background()
	integ, err := c.CreateIntegration(ctx, gen.CreateIntegrationJSONRequestBody{
		Name: "linear", Version: "1.0.0", Public: admPtr(true),
		Interfaces: map[string]gen.CreateIntegrationBody_Interfaces{"tracker": {ID: derefTracker}},
	})
	require.NoError(t, err)
	p, err := c.CreatePlugin(ctx, gen.CreatePluginJSONRequestBody{
		Name: "triage", Version: "1.0.0", Public: admPtr(true),
		Dependencies: &gen.CreatePluginBody_Dependencies{Interfaces: map[string]gen.CreatePluginBody_Dependencies_Interfaces{
			"tracker": {ID: admPtr(derefTracker)},
		}},
	})
	require.NoError(t, err)
	return p.Plugin.ID, integ.Integration.ID
}

// TestDereferencedPublicPlugin: the Hub's operation reads its map too
// (hub_test.go tests what it answers).
func TestDereferencedPublicPlugin(t *testing.T) {
	srv := bptest.Start(t)
	c := derefClient(t, srv)
	plugin, integ := derefPublic(t, c)
	got, err := c.GetDereferencedPublicPluginByID(context.Background(), plugin,
		&gen.GetDereferencedPublicPluginByIDParams{Interfaces: map[string]string{"tracker": integ}})
	require.NoError(t, err)
	assert.Equal(t, plugin, got.Plugin.ID)
	assert.Empty(t, srv.ResponseViolations())
}

// TestQueryMapsOnTheWire: a map parameter comes as dotted keys, one per
// entry; the same parameter undotted, or an entry given twice, is refused
// with 400 InvalidQuery naming it, optional maps (tags) included.
func TestQueryMapsOnTheWire(t *testing.T) {
	srv := bptest.Start(t)
	c := derefClient(t, srv)
	plugin, integ := derefPublic(t, c)
	deref := "/v1/admin/plugins/" + plugin + "/dereferenced?"
	for _, tc := range []struct {
		path, param string
		status      int
		typ         string
	}{
		{"/v1/admin/hub/plugins/" + plugin + "/dereferenced?" + url.Values{"interfaces.tracker": {integ}}.Encode(), "", http.StatusOK, ""},
		{deref + url.Values{"interfaces": {"tracker"}}.Encode(), "interfaces", http.StatusBadRequest, "InvalidQuery"},
		{deref + url.Values{"interfaces.tracker": {"a", "b"}}.Encode(), "interfaces", http.StatusBadRequest, "InvalidQuery"},
		{"/v1/admin/bots?" + url.Values{"tags.env": {"prod"}}.Encode(), "", http.StatusOK, ""},
		{"/v1/admin/bots?" + url.Values{"tags": {"env"}}.Encode(), "tags", http.StatusBadRequest, "InvalidQuery"},
		{"/v1/admin/bots?" + url.Values{"tags.env": {"prod", "dev"}}.Encode(), "tags", http.StatusBadRequest, "InvalidQuery"},
	} {
		status, body := admRaw(t, srv, http.MethodGet, tc.path, "")
		assert.Equal(t, tc.status, status, "%s: %v", tc.path, body)
		if tc.typ != "" {
			assert.Equal(t, tc.typ, body["type"], tc.path)
		}
		if tc.param != "" {
			assert.Contains(t, body["message"], `parameter "`+tc.param+`" in query`, tc.path)
		}
	}
	assert.Empty(t, srv.ResponseViolations())
}
