package bptest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

const (
	derefTracker = "intface_trackerinterface00000000" // an interface version: issue trackers
	derefChat    = "intface_chatinterface00000000000" // another: chat
)

// derefIntegration creates an integration implementing the tracker
// interface, its entity item standing for the integration's entity named
// entity, whose schema is schema.
func derefIntegration(t *testing.T, c *client.Client, name, entity string, schema map[string]any) string {
	t.Helper()
	i, err := c.CreateIntegration(context.Background(), gen.CreateIntegrationJSONRequestBody{
		Name: name, Version: "1.0.0",
		Entities: map[string]gen.CreateIntegrationBody_Entities{entity: {Schema: schema}},
		Interfaces: map[string]gen.CreateIntegrationBody_Interfaces{"tracker": {
			ID:       derefTracker,
			Entities: map[string]gen.CreateIntegrationBody_Interfaces_Entities{"item": {Name: entity}},
		}},
	})
	require.NoError(t, err)
	return i.Integration.ID
}

func derefRef(alias, entity string) map[string]any {
	return map[string]any{"$ref": "interface:" + alias + "/entities/" + entity}
}

// TestGetDereferencedPlugin: the interfaces map, sent as
// interfaces.ALIAS=INTEGRATION_ID, picks the integration whose entity
// replaces each reference to the interface's entity.
func TestGetDereferencedPlugin(t *testing.T) {
	srv := bptest.Start(t)
	c := derefClient(t, srv)
	ctx := context.Background()

	issue := map[string]any{"type": "object", "properties": map[string]any{"title": map[string]any{"type": "string"}}}
	ticket := map[string]any{"type": "object", "properties": map[string]any{"subject": map[string]any{"type": "string"}}, "required": []any{"subject"}}
	linear := derefIntegration(t, c, "linear", "issue", issue)
	zendesk := derefIntegration(t, c, "zendesk", "ticket", ticket)

	p, err := c.CreatePlugin(ctx, gen.CreatePluginJSONRequestBody{
		Name: "triage", Version: "1.0.0",
		Dependencies: &gen.CreatePluginBody_Dependencies{Interfaces: map[string]gen.CreatePluginBody_Dependencies_Interfaces{
			"tracker": {ID: admPtr(derefTracker)},
		}},
		Configuration: &gen.CreatePluginBody_Configuration{Schema: map[string]any{
			"type": "object", "properties": map[string]any{"defaults": map[string]any{"type": "array", "items": derefRef("tracker", "item")}},
		}},
		Actions: map[string]gen.CreatePluginBody_Actions{"file": {
			Input: gen.CreatePluginBody_Actions_Input{Schema: map[string]any{
				"type": "object", "properties": map[string]any{"item": derefRef("tracker", "item"), "priority": map[string]any{"type": "number"}},
			}},
			Output: gen.CreatePluginBody_Actions_Output{Schema: map[string]any{"type": "object"}},
		}},
		Events: map[string]gen.CreatePluginBody_Events{"filed": {Schema: derefRef("tracker", "item")}},
	})
	require.NoError(t, err)
	id := p.Plugin.ID

	got, err := c.GetDereferencedPlugin(ctx, id, &gen.GetDereferencedPluginParams{Interfaces: map[string]string{"tracker": linear}})
	require.NoError(t, err)
	d := got.Plugin
	assert.Equal(t, id, d.ID)
	assert.Equal(t, issue, d.Actions["file"].Input.Schema["properties"].(map[string]any)["item"])
	assert.Equal(t, map[string]any{"type": "number"}, d.Actions["file"].Input.Schema["properties"].(map[string]any)["priority"])
	assert.Equal(t, issue, d.Events["filed"].Schema)
	assert.Equal(t, issue, d.Configuration.Schema["properties"].(map[string]any)["defaults"].(map[string]any)["items"])
	assert.Equal(t, derefTracker, d.Dependencies.Interfaces["tracker"].ID, "the dependencies are answered as they are")

	// Another integration implementing the interface answers its own entity.
	got, err = c.GetDereferencedPlugin(ctx, id, &gen.GetDereferencedPluginParams{Interfaces: map[string]string{"tracker": zendesk}})
	require.NoError(t, err)
	assert.Equal(t, ticket, got.Plugin.Events["filed"].Schema)
	assert.Equal(t, ticket, got.Plugin.Actions["file"].Input.Schema["properties"].(map[string]any)["item"])

	// The plugin itself keeps its references.
	plain, err := c.GetPlugin(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, derefRef("tracker", "item"), plain.Plugin.Events["filed"].Schema)

	// What the map names must exist and fit the plugin.
	var apiErr *bperrors.APIError
	_, err = c.GetDereferencedPlugin(ctx, id, &gen.GetDereferencedPluginParams{Interfaces: map[string]string{"tracker": linear, "crm": linear}})
	require.ErrorIs(t, err, bperrors.ErrResourceNotFound, "an alias the plugin has no interface under")
	require.ErrorAs(t, err, &apiErr)
	assert.Contains(t, apiErr.Message, `"crm"`)
	_, err = c.GetDereferencedPlugin(ctx, id, &gen.GetDereferencedPluginParams{Interfaces: map[string]string{"tracker": "intver_nosuchintegration0000000"}})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, "an unknown integration")
	_, err = c.GetDereferencedPlugin(ctx, "plugver_nosuchplugin000000000000", &gen.GetDereferencedPluginParams{Interfaces: map[string]string{"tracker": linear}})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, "an unknown plugin")

	other, err := c.CreateIntegration(ctx, gen.CreateIntegrationJSONRequestBody{
		Name: "slack", Version: "1.0.0",
		Interfaces: map[string]gen.CreateIntegrationBody_Interfaces{"chat": {ID: derefChat}},
	})
	require.NoError(t, err)
	_, err = c.GetDereferencedPlugin(ctx, id, &gen.GetDereferencedPluginParams{Interfaces: map[string]string{"tracker": other.Integration.ID}})
	require.ErrorIs(t, err, bperrors.ErrInvalidQuery, "an integration that does not implement the interface")
	require.ErrorAs(t, err, &apiErr)
	assert.Contains(t, apiErr.Message, "interfaces.tracker")

	// Each interface of the plugin needs its integration.
	two, err := c.CreatePlugin(ctx, gen.CreatePluginJSONRequestBody{
		Name: "bridge", Version: "1.0.0",
		Dependencies: &gen.CreatePluginBody_Dependencies{Interfaces: map[string]gen.CreatePluginBody_Dependencies_Interfaces{
			"tracker": {ID: admPtr(derefTracker)}, "chat": {ID: admPtr(derefChat)},
		}},
	})
	require.NoError(t, err)
	_, err = c.GetDereferencedPlugin(ctx, two.Plugin.ID, &gen.GetDereferencedPluginParams{Interfaces: map[string]string{"tracker": linear}})
	require.ErrorIs(t, err, bperrors.ErrInvalidQuery)
	require.ErrorAs(t, err, &apiErr)
	assert.Contains(t, apiErr.Message, "interfaces.chat")
	both, err := c.GetDereferencedPlugin(ctx, two.Plugin.ID, &gen.GetDereferencedPluginParams{Interfaces: map[string]string{"tracker": linear, "chat": other.Integration.ID}})
	require.NoError(t, err)
	assert.Equal(t, two.Plugin.ID, both.Plugin.ID)

	// A reference the chosen integration cannot resolve.
	dangling, err := c.CreatePlugin(ctx, gen.CreatePluginJSONRequestBody{
		Name: "dangling", Version: "1.0.0",
		Dependencies: &gen.CreatePluginBody_Dependencies{Interfaces: map[string]gen.CreatePluginBody_Dependencies_Interfaces{
			"tracker": {ID: admPtr(derefTracker)},
		}},
		Events: map[string]gen.CreatePluginBody_Events{"closed": {Schema: derefRef("tracker", "comment")}},
	})
	require.NoError(t, err)
	_, err = c.GetDereferencedPlugin(ctx, dangling.Plugin.ID, &gen.GetDereferencedPluginParams{Interfaces: map[string]string{"tracker": linear}})
	require.ErrorIs(t, err, bperrors.ErrReferenceNotFound)
	require.ErrorAs(t, err, &apiErr)
	assert.Contains(t, apiErr.Message, "interface:tracker/entities/comment")

	assert.Empty(t, srv.ResponseViolations())
}
