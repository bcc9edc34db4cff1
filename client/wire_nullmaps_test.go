package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
)

// Deleting an entry of a definition map: the update operations take null in
// place of an entry (a tag, a channel, an action, a dependency...) to remove
// it. In Go those map values are pointers, and a nil value must reach the
// wire as null, not as {} or as an object of zero values.

func wnPluginJSON(id, name string) string {
	return fmt.Sprintf(`{"id":%q,"createdAt":%q,"updatedAt":%q,"name":%q,"version":"0.3.0","configuration":{"schema":{}},`+
		`"states":{},"events":{},"actions":{},"dependencies":{"interfaces":{},"integrations":{}},"user":{"tags":{}},"conversation":{"tags":{}},`+
		`"message":{"tags":{}},"title":"Logger","description":"Logs every message","iconUrl":"","readmeUrl":"","public":false,"visibility":"private","lifecycleStatus":"published"}`,
		id, waTS1, waTS2, name)
}

// TestWireNullMapEntries sends, through the client, one update per
// operation with an entry set to nil, and checks the exact bytes sent and
// that the request follows the spec (kin-openapi accepts the null).
func TestWireNullMapEntries(t *testing.T) {
	cases := []struct {
		name, op, path, body, answer string
		run                          func(ctx context.Context, c *client.Client) error
	}{
		{
			// The example: removing a channel of an integration.
			name: "UpdateIntegration", op: "updateIntegration", path: "/v1/admin/integrations/" + waIntUUID,
			body:   `{"channels":{"old":null}}`,
			answer: `{"integration":{` + waIntegrationBody(waIntUUID, "slack", "1.2.0") + `}}`,
			run: func(ctx context.Context, c *client.Client) error {
				_, err := c.UpdateIntegration(ctx, waIntUUID, gen.UpdateIntegrationJSONRequestBody{
					Channels: map[string]*gen.ChannelDefinitionUpdate{"old": nil},
				})
				return err
			},
		},
		{
			name: "UpdateIntegrationNested", op: "updateIntegration", path: "/v1/admin/integrations/" + waIntUUID,
			body:   `{"channels":{"chat":{"conversation":{"tags":{"old":null}},"title":"Chat"}},"user":{"tags":{"old":null}}}`,
			answer: `{"integration":{` + waIntegrationBody(waIntUUID, "slack", "1.2.0") + `}}`,
			run: func(ctx context.Context, c *client.Client) error {
				_, err := c.UpdateIntegration(ctx, waIntUUID, gen.UpdateIntegrationJSONRequestBody{
					Channels: map[string]*gen.ChannelDefinitionUpdate{"chat": {
						Title:        waPtr("Chat"),
						Conversation: &gen.ChannelDefinitionUpdate_Conversation{Tags: map[string]*gen.TagDefinitionUpdate{"old": nil}},
					}},
					User: &gen.UpdateIntegrationBody_User{Tags: map[string]*gen.TagDefinitionUpdate{"old": nil}},
				})
				return err
			},
		},
		{
			name: "ValidateIntegrationUpdate", op: "validateIntegrationUpdate", path: "/v1/admin/integrations/" + waIntUUID + "/validate",
			body:   `{"states":{"old":null}}`,
			answer: `{}`,
			run: func(ctx context.Context, c *client.Client) error {
				return c.ValidateIntegrationUpdate(ctx, waIntUUID, gen.ValidateIntegrationUpdateJSONRequestBody{
					States: map[string]*gen.IntegrationStateDefinitionUpdate{"old": nil},
				})
			},
		},
		{
			name: "UpdateBot", op: "updateBot", path: "/v1/admin/bots/" + waBotUUID,
			body:   `{"user":{"tags":{"email":null,"name":{"title":"Name"}}}}`,
			answer: `{"bot":` + waBotJSON(waBotUUID, "Support") + `}`,
			run: func(ctx context.Context, c *client.Client) error {
				_, err := c.UpdateBot(ctx, waBotUUID, gen.UpdateBotJSONRequestBody{
					User: &gen.UpdateBotBody_User{Tags: map[string]*gen.TagDefinitionUpdate{"email": nil, "name": {Title: waPtr("Name")}}},
				})
				return err
			},
		},
		{
			name: "UpdateInterface", op: "updateInterface", path: "/v1/admin/interfaces/" + waIfaceUUID,
			body:   `{"actions":{"list":null}}`,
			answer: `{"interface":` + waInterfaceJSON(waIfaceUUID, "listable") + `}`,
			run: func(ctx context.Context, c *client.Client) error {
				_, err := c.UpdateInterface(ctx, waIfaceUUID, gen.UpdateInterfaceJSONRequestBody{
					Actions: map[string]*gen.ActionDefinitionUpdate{"list": nil},
				})
				return err
			},
		},
		{
			name: "UpdatePlugin", op: "updatePlugin", path: "/v1/admin/plugins/" + waPluginUUID,
			body:   `{"dependencies":{"integrations":{"slack":null}}}`,
			answer: `{"plugin":` + wnPluginJSON(waPluginUUID, "logger") + `}`,
			run: func(ctx context.Context, c *client.Client) error {
				_, err := c.UpdatePlugin(ctx, waPluginUUID, gen.UpdatePluginJSONRequestBody{
					Dependencies: &gen.UpdatePluginBody_Dependencies{Integrations: map[string]*gen.PluginDependencyUpdate{"slack": nil}},
				})
				return err
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			waCheckAnswer(t, tc.op, 200, tc.answer)
			s := waNewRecorder(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, tc.answer) })
			c := newClient(t, s.server, client.WithWorkspaceID("ws_1"))
			require.NoError(t, tc.run(context.Background(), c))
			reqs := s.requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, "PUT", reqs[0].Method)
			assert.Equal(t, tc.path, s.rawPath(t, 0))
			assert.Equal(t, tc.body, string(reqs[0].Body), "bytes on the wire")
			waCheckRequest(t, tc.op, reqs[0], s.rawPath(t, 0))
		})
	}
}

// wnRoundTrip decodes doc into a T and encodes it again: the result must
// be the same bytes. doc is written with its keys in the order Go writes
// them (struct fields and map keys sorted).
func wnRoundTrip[T any](t *testing.T, doc string) {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal([]byte(doc), &v))
	out, err := json.Marshal(v)
	require.NoError(t, err)
	assert.Equal(t, doc, string(out))
}

// TestNullMapEntriesRoundTrip decodes, for each operation, a body with a
// null entry in every map of the operation that takes one (next to entries
// that are set), and checks that encoding it again gives the same bytes.
// bptest decodes requests into these types, so this is also what it sees.
func TestNullMapEntriesRoundTrip(t *testing.T) {
	t.Run("updateBot", func(t *testing.T) {
		wnRoundTrip[gen.UpdateBotJSONRequestBody](t, `{"actions":{"greet":null},"conversation":{"tags":{"topic":null}},`+
			`"events":{"ping":null,"pong":{"attributes":{"team":null},"schema":{}}},"integrations":{"telegram":null},`+
			`"message":{"tags":{"lang":null}},"plugins":{"crm":null},"recurringEvents":{"tick":null},"states":{"profile":null},`+
			`"subscriptions":{"events":{"message_created":null}},"user":{"tags":{"email":null,"name":{"title":"Name"}}}}`)
	})
	integration := `{"actions":{"old":null},"attributes":{"team":null},` +
		`"channels":{"chat":{"conversation":{"tags":{"old":null}},"message":{"tags":{"old":null}},"messages":{"old":null}},"old":null},` +
		`"configurations":{"old":null},"entities":{"old":null},"events":{"old":null},"interfaces":{"old":null},` +
		`"secrets":{"OLD":null},"states":{"old":null},"user":{"tags":{"old":null}}}`
	t.Run("updateIntegration", func(t *testing.T) {
		wnRoundTrip[gen.UpdateIntegrationJSONRequestBody](t, integration)
	})
	t.Run("validateIntegrationUpdate", func(t *testing.T) {
		wnRoundTrip[gen.ValidateIntegrationUpdateJSONRequestBody](t, integration)
	})
	t.Run("updateInterface", func(t *testing.T) {
		wnRoundTrip[gen.UpdateInterfaceJSONRequestBody](t, `{"actions":{"old":null},"attributes":{"team":null},`+
			`"channels":{"chat":{"messages":{"old":null}},"old":null},"entities":{"old":null},"events":{"old":null}}`)
	})
	t.Run("updatePlugin", func(t *testing.T) {
		wnRoundTrip[gen.UpdatePluginJSONRequestBody](t, `{"actions":{"old":null},"attributes":{"team":null},"conversation":{"tags":{"old":null}},`+
			`"dependencies":{"integrations":{"old":null},"interfaces":{"old":null}},"events":{"old":null},"states":{"old":null},`+
			`"user":{"tags":{"old":null}}}`)
	})
	t.Run("updateFileMetadata", func(t *testing.T) {
		wnRoundTrip[gen.UpdateFileMetadataJSONRequestBody](t, `{"metadata":{"pages":3},"tags":{"old":null,"source":"upload"}}`)
	})
	t.Run("updateKnowledgeBase", func(t *testing.T) {
		wnRoundTrip[gen.UpdateKnowledgeBaseJSONRequestBody](t, `{"name":"Docs","tags":{"old":null}}`)
	})
}
