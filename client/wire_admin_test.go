package client_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/api"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
)

// The wire of the non-runtime API: hub, bots, integrations, interfaces,
// plugins, workspaces, members, account, usage, quotas, helpers,
// activities, files, tables and billing. Every request the client sends
// and every canned answer is also checked against api/openapi.bundle.yaml
// with kin-openapi, so the answers below are known to carry every
// property the spec requires and the requests to be what the spec asks.

const (
	waTS1 = "2026-01-02T03:04:05.000Z"
	waTS2 = "2026-01-02T03:04:06.000Z"
	// Bots, integrations, plugins and interfaces have IDs of 28 to 36
	// characters: UUIDs.
	waBotUUID    = "6c3f1f8e-2b7a-4d0e-9a51-3f2c7d9e8b10"
	waIntUUID    = "9e2d4c1a-7b3f-4a6e-8d50-1c2b3a4d5e6f"
	waIfaceUUID  = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
	waPluginUUID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
	waUserUUID   = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	waConvUUID   = "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
	waStateUUID  = "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b"
)

func waPtr[T any](v T) *T { return &v }

// ---- checking requests and answers against the spec

var (
	waSpecOnce sync.Once
	waSpecDoc  *openapi3.T
	waSpecErr  error
)

// waSpec loads and validates the bundled spec once for the package.
func waSpec(t testing.TB) *openapi3.T {
	t.Helper()
	waSpecOnce.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
		if err == nil {
			err = doc.Validate(context.Background())
		}
		waSpecDoc, waSpecErr = doc, err
	})
	require.NoError(t, waSpecErr)
	return waSpecDoc
}

// waRoute finds an operation of the spec by its operationId.
func waRoute(t testing.TB, opID string) *routers.Route {
	t.Helper()
	doc := waSpec(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == opID {
				return &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
			}
		}
	}
	require.Failf(t, "unknown operation", "no operation %q in the spec", opID)
	return nil
}

// waPathParams matches an escaped path against a path template and
// returns the unescaped parameters.
func waPathParams(t testing.TB, tmpl, rawPath string) map[string]string {
	t.Helper()
	ts, ps := strings.Split(tmpl, "/"), strings.Split(rawPath, "/")
	require.Len(t, ps, len(ts), "path %s does not fit %s", rawPath, tmpl)
	out := map[string]string{}
	for i, seg := range ts {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			v, err := url.PathUnescape(ps[i])
			require.NoError(t, err)
			out[seg[1:len(seg)-1]] = v
			continue
		}
		require.Equal(t, seg, ps[i], "path %s does not fit %s", rawPath, tmpl)
	}
	return out
}

// waCheckRequest validates a request the server received, sent to the
// escaped rawPath, against the operation's parameters (path, query,
// headers) and request body.
func waCheckRequest(t testing.TB, opID string, r seen, rawPath string) {
	t.Helper()
	route := waRoute(t, opID)
	u := &url.URL{Scheme: "http", Host: "api.test", Path: r.Path, RawPath: rawPath, RawQuery: r.Query}
	req, err := http.NewRequest(r.Method, u.String(), bytes.NewReader(r.Body))
	require.NoError(t, err)
	req.Header = r.Header.Clone()
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: waPathParams(t, route.Path, rawPath),
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
			SkipSettingDefaults: true,
			MultiError:          true,
		},
	}
	assert.NoError(t, openapi3filter.ValidateRequest(context.Background(), in), "%s: the request does not follow the spec", opID)
}

// waCheckAnswer validates a canned answer against the operation's
// response for that status.
func waCheckAnswer(t testing.TB, opID string, status int, body string) {
	t.Helper()
	route := waRoute(t, opID)
	req, err := http.NewRequest(route.Method, "http://api.test/", nil)
	require.NoError(t, err)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route},
		Status:                 status,
		Header:                 http.Header{"Content-Type": {"application/json"}},
		Body:                   io.NopCloser(strings.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	assert.NoError(t, openapi3filter.ValidateResponse(context.Background(), in), "%s: the canned answer does not follow the spec", opID)
}

// waRecorder is a recording server (newServer) that also keeps the raw
// request URI of each request, to see paths as escaped on the wire.
type waRecorder struct {
	*server
	mu   sync.Mutex
	uris []string
}

func waNewRecorder(t *testing.T, handler http.HandlerFunc) *waRecorder {
	t.Helper()
	rec := &waRecorder{}
	rec.server = newServer(t, func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.uris = append(rec.uris, r.RequestURI)
		rec.mu.Unlock()
		handler(w, r)
	})
	return rec
}

// rawPath returns the path of request i as sent, escapes included.
func (r *waRecorder) rawPath(t testing.TB, i int) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.Less(t, i, len(r.uris))
	p, _, _ := strings.Cut(r.uris[i], "?")
	return p
}

// ---- realistic answers

func waBotJSON(id, name string) string {
	return fmt.Sprintf(`{"id":%q,"createdAt":%q,"updatedAt":%q,"signingSecret":"whsec_5f2a9c",`+
		`"integrations":{%q:{"enabled":true,"name":"telegram","version":"0.6.2","webhookUrl":"https://webhook.botpress.cloud/3c1a","webhookId":"3c1a",`+
		`"configurationType":null,"configuration":{"botToken":"redacted"},"status":"registered","statusReason":null,"disabledChannels":[],`+
		`"id":%q,"createdAt":%q,"updatedAt":%q,"title":"Telegram","description":"Chat on Telegram","iconUrl":"https://cdn.botpress.cloud/telegram.svg",`+
		`"public":true,"visibility":"public","verificationStatus":"approved","lifecycleStatus":"published"}},`+
		`"plugins":{},"user":{"tags":{}},"conversation":{"tags":{}},"message":{"tags":{}},"states":{},`+
		`"configuration":{"data":{},"schema":{}},"events":{},"recurringEvents":{},"subscriptions":{"events":{}},"actions":{},`+
		`"tags":{"env":"prod"},"name":%q,"dev":false,"secrets":["API_KEY"],"alwaysAlive":false,"status":"active","medias":[],"type":"studio"}`,
		id, waTS1, waTS2, waIntUUID, waIntUUID, waTS1, waTS1, name)
}

func waWorkspaceJSON(id, name string) string {
	return fmt.Sprintf(`{"id":%q,"name":%q,"ownerId":%q,"createdAt":%q,"updatedAt":%q,"botCount":3,"billingVersion":"v4","plan":"team","blocked":false,"spendingLimit":100,"activeTrialId":null,"handle":"acme","isPublic":false}`,
		id, name, waUserUUID, waTS1, waTS2)
}

func waMemberJSON(id, role string) string {
	return fmt.Sprintf(`{"id":%q,"userId":%q,"email":"ada@example.com","createdAt":%q,"role":%q,"displayName":"Ada"}`, id, waUserUUID, waTS1, role)
}

func waAccountJSON(name string) string {
	return fmt.Sprintf(`{"account":{"id":%q,"email":"ada@example.com","displayName":%q,"emailVerified":true,"createdAt":%q}}`, waUserUUID, name, waTS1)
}

func waFileJSON(id, key string) string {
	return waFileWith(id, key, `"status":"indexing_completed"`)
}

// waFileWith is a file with its status and any further properties given
// as JSON members.
func waFileWith(id, key, members string) string {
	return fmt.Sprintf(`{"id":%q,"botId":"bot_1","key":%q,"url":"https://files.botpress.cloud/%s","size":1024,"contentType":"text/plain",`+
		`"tags":{"source":"upload"},"metadata":{"pages":3,"lang":null},"createdAt":%q,"updatedAt":%q,`+
		`"accessPolicies":["integrations"],"index":true,%s,"owner":{"type":"bot","id":"bot_1"}}`,
		id, key, key, waTS1, waTS2, members)
}

func waTableJSON(id, name string) string {
	return fmt.Sprintf(`{"id":%q,"name":%q,"factor":1,"keyColumn":null,"createdAt":%q,"updatedAt":%q,"schema":{"type":"object","additionalProperties":true,`+
		`"properties":{"title":{"type":"string","x-zui":{"index":0,"searchable":true}},"pages":{"type":"number","x-zui":{"index":1}}},"required":["title"]}}`,
		id, name, waTS1, waTS2)
}

func waRowJSON(id int, title string) string {
	return fmt.Sprintf(`{"id":%d,"createdAt":%q,"updatedAt":%q,"computed":{},"title":%q,"pages":12}`, id, waTS1, waTS2, title)
}

func waIntegrationSummaryJSON(id, name string) string {
	return fmt.Sprintf(`{"id":%q,"name":%q,"version":"1.2.0","createdAt":%q,"updatedAt":%q,"title":"Slack","description":"Talk on Slack",`+
		`"iconUrl":"https://cdn.botpress.cloud/slack.svg","public":true,"visibility":"public","verificationStatus":"approved","lifecycleStatus":"published"}`,
		id, name, waTS1, waTS2)
}

func waPublicIntegrationSummaryJSON(id, name string) string {
	s := waIntegrationSummaryJSON(id, name)
	return s[:len(s)-1] + `,"ownerWorkspace":{"id":"wkspace_botpress","handle":"botpress","name":"Botpress"},"meta":{"installs":1200,"views":5400}}`
}

// waIntegrationBody is the part of a full integration shared by the
// workspace's and the hub's answers.
func waIntegrationBody(id, name, version string) string {
	return fmt.Sprintf(`"id":%q,"createdAt":%q,"updatedAt":%q,"identifier":{},"url":"https://integrations.botpress.cloud/%s","signingSecret":"whsec_7d1e4b","name":%q,"version":%q,`+
		`"interfaces":{},"configuration":{"identifier":{"required":false},"schema":{"type":"object"}},"configurations":{},`+
		`"channels":{"channel":{"messages":{"text":{"schema":{"type":"object"}}},"conversation":{"tags":{"id":{}},"creation":{"enabled":false,"requiredTags":[]}},"message":{"tags":{"id":{}}}}},`+
		`"states":{},"events":{},"actions":{"sendEmail":{"input":{"schema":{"type":"object"}},"output":{"schema":{"type":"object"}}}},`+
		`"user":{"tags":{"id":{}},"creation":{"enabled":false,"requiredTags":[]}},"entities":{},"dev":false,"title":"Slack","description":"Talk on Slack",`+
		`"iconUrl":"https://cdn.botpress.cloud/slack.svg","readmeUrl":"https://cdn.botpress.cloud/slack.md","public":true,"visibility":"public",`+
		`"verificationStatus":"approved","lifecycleStatus":"published","secrets":["SLACK_SIGNING_SECRET"]`,
		id, waTS1, waTS2, name, name, version)
}

func waInterfaceJSON(id, name string) string {
	return fmt.Sprintf(`{"id":%q,"createdAt":%q,"updatedAt":%q,"name":%q,"version":"0.1.0","entities":{"item":{"schema":{"type":"object"}}},"events":{},`+
		`"actions":{},"channels":{},"title":"Listable","description":"Lists items","iconUrl":"","readmeUrl":"","public":false}`,
		id, waTS1, waTS2, name)
}

func waPluginSummaryJSON(id, name string) string {
	return fmt.Sprintf(`{"id":%q,"createdAt":%q,"updatedAt":%q,"name":%q,"version":"0.3.0","title":"Logger","description":"Logs every message",`+
		`"iconUrl":"","readmeUrl":"","public":false,"visibility":"private","lifecycleStatus":"published"}`,
		id, waTS1, waTS2, name)
}

// ---- the wire table

// waCase is one call of the admin wire table.
type waCase struct {
	name   string
	op     string // operationId in the spec
	method string
	path   string     // path as sent, escapes included
	query  url.Values // nil: no query string at all
	header map[string]string
	body   string // JSON the client must send; "": no body
	answer string
	run    func(t *testing.T, ctx context.Context, c *client.Client)
}

var (
	waWS  = map[string]string{"X-Workspace-Id": "ws_1"}
	waBot = map[string]string{"X-Bot-Id": "bot_1"}
)

func waCases() []waCase {
	return []waCase{
		// ---- hub
		{
			name: "ListPublicIntegrations", op: "listPublicIntegrations", method: "GET", path: "/v1/admin/hub/integrations",
			query:  url.Values{"limit": {"20"}, "search": {"slack"}, "verificationStatus": {"approved"}, "sortBy": {"popularity"}, "direction": {"desc"}},
			answer: `{"integrations":[` + waPublicIntegrationSummaryJSON(waIntUUID, "slack") + `],"meta":{"nextToken":"tok_2"}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.ListPublicIntegrations(ctx, &gen.ListPublicIntegrationsParams{
					Limit: waPtr(20), Search: waPtr("slack"),
					VerificationStatus: waPtr(gen.VerificationStatusApproved),
					SortBy:             waPtr(gen.IntegrationSortFieldPopularity),
					Direction:          waPtr(gen.SortDirectionDesc),
				})
				require.NoError(t, err)
				require.Len(t, out.Integrations, 1)
				assert.Equal(t, "slack", out.Integrations[0].Name)
				assert.Equal(t, 1200, out.Integrations[0].Meta.Installs)
				require.NotNil(t, out.Meta.NextToken)
				assert.Equal(t, "tok_2", *out.Meta.NextToken)
			},
		},
		{
			name: "GetPublicIntegration", op: "getPublicIntegration", method: "GET", path: "/v1/admin/hub/integrations/slack/1.2.0",
			answer: `{"integration":{` + waIntegrationBody(waIntUUID, "slack", "1.2.0") +
				`,"ownerWorkspace":{"id":"wkspace_botpress","handle":null,"name":"Botpress"},"meta":{"installs":1200,"views":5400}}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetPublicIntegration(ctx, "slack", "1.2.0")
				require.NoError(t, err)
				assert.Equal(t, waIntUUID, out.Integration.ID)
				assert.Equal(t, "1.2.0", out.Integration.Version)
				assert.True(t, out.Integration.OwnerWorkspace.Handle.IsNull())
				assert.Contains(t, out.Integration.Actions, "sendEmail")
			},
		},

		// ---- bots
		{
			name: "CreateBot", op: "createBot", method: "POST", path: "/v1/admin/bots", header: waWS,
			body:   `{"name":"Support","tags":{"env":"prod"},"dev":false}`,
			answer: `{"bot":` + waBotJSON(waBotUUID, "Support") + `}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.CreateBot(ctx, gen.CreateBotJSONRequestBody{
					Name: waPtr("Support"), Tags: map[string]string{"env": "prod"}, Dev: waPtr(false),
				})
				require.NoError(t, err)
				assert.Equal(t, waBotUUID, out.Bot.ID)
				assert.Equal(t, "Support", out.Bot.Name)
				assert.Equal(t, "telegram", out.Bot.Integrations[waIntUUID].Name)
			},
		},
		{
			name: "GetBot", op: "getBot", method: "GET", path: "/v1/admin/bots/" + waBotUUID, header: waWS,
			answer: `{"bot":` + waBotJSON(waBotUUID, "Support") + `}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetBot(ctx, waBotUUID)
				require.NoError(t, err)
				assert.Equal(t, "whsec_5f2a9c", out.Bot.SigningSecret)
				assert.Equal(t, map[string]string{"env": "prod"}, out.Bot.Tags)
				assert.Equal(t, 2026, out.Bot.CreatedAt.Year())
			},
		},
		{
			name: "UpdateBot", op: "updateBot", method: "PUT", path: "/v1/admin/bots/" + waBotUUID, header: waWS,
			body:   `{"name":"Support v2","alwaysAlive":true,"tags":{"env":"staging"}}`,
			answer: `{"bot":` + waBotJSON(waBotUUID, "Support v2") + `}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.UpdateBot(ctx, waBotUUID, gen.UpdateBotJSONRequestBody{
					Name: waPtr("Support v2"), AlwaysAlive: waPtr(true), Tags: map[string]*string{"env": waPtr("staging")},
				})
				require.NoError(t, err)
				assert.Equal(t, "Support v2", out.Bot.Name)
			},
		},
		{
			name: "DeleteBot", op: "deleteBot", method: "DELETE", path: "/v1/admin/bots/" + waBotUUID, header: waWS,
			answer: `{}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				require.NoError(t, c.DeleteBot(ctx, waBotUUID))
			},
		},
		{
			name: "ListBots", op: "listBots", method: "GET", path: "/v1/admin/bots", header: waWS,
			query: url.Values{"dev": {"false"}, "tags.env": {"prod"}, "sortField": {"updatedAt"}, "sortDirection": {"desc"}},
			answer: fmt.Sprintf(`{"bots":[{"id":%q,"createdAt":%q,"updatedAt":%q,"name":"Support","tags":{"env":"prod"},"deployedAt":%q,"type":"studio"}],"meta":{}}`,
				waBotUUID, waTS1, waTS2, waTS2),
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.ListBots(ctx, &gen.ListBotsParams{
					Dev: waPtr(false), Tags: map[string]string{"env": "prod"},
					SortField:     waPtr(gen.DateFieldUpdatedAt),
					SortDirection: waPtr(gen.SortDirectionDesc),
				})
				require.NoError(t, err)
				require.Len(t, out.Bots, 1)
				assert.Equal(t, "Support", out.Bots[0].Name)
				assert.Nil(t, out.Meta.NextToken)
			},
		},
		{
			name: "GetBotLogs", op: "getBotLogs", method: "GET", path: "/v1/admin/bots/" + waBotUUID + "/logs", header: waWS,
			query: url.Values{"timeStart": {"2026-01-01T00:00:00.000Z"}, "timeEnd": {"2026-01-02T00:00:00.000Z"}, "level": {"error"}, "conversationId": {"conv_1"}},
			answer: `{"logs":[{"timestamp":"2026-01-01T10:00:00.000Z","level":"error","message":"handler failed","conversationId":"conv_1"}],` +
				`"nextToken":"logs_2"}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetBotLogs(ctx, waBotUUID, &gen.GetBotLogsParams{
					TimeStart: mustTime("2026-01-01T00:00:00.000Z"), TimeEnd: waPtr(mustTime("2026-01-02T00:00:00.000Z")),
					Level: waPtr("error"), ConversationID: waPtr("conv_1"),
				})
				require.NoError(t, err)
				require.Len(t, out.Logs, 1)
				assert.Equal(t, "handler failed", out.Logs[0].Message)
				require.NotNil(t, out.NextToken)
				assert.Equal(t, "logs_2", *out.NextToken)
			},
		},

		// ---- integrations
		{
			name: "ListIntegrations", op: "listIntegrations", method: "GET", path: "/v1/admin/integrations", header: waWS,
			query:  url.Values{"name": {"slack"}, "visibility": {"private"}, "dev": {"true"}},
			answer: `{"integrations":[` + waIntegrationSummaryJSON(waIntUUID, "slack") + `],"meta":{}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.ListIntegrations(ctx, &gen.ListIntegrationsParams{
					Name: waPtr("slack"), Visibility: waPtr(gen.ListIntegrationsParamsVisibilityPrivate), Dev: waPtr(true),
				})
				require.NoError(t, err)
				require.Len(t, out.Integrations, 1)
				assert.Equal(t, waIntUUID, out.Integrations[0].ID)
			},
		},
		{
			name: "GetIntegrationByName", op: "getIntegrationByName", method: "GET", path: "/v1/admin/integrations/slack/latest", header: waWS,
			answer: `{"integration":{` + waIntegrationBody(waIntUUID, "slack", "1.2.0") + `}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetIntegrationByName(ctx, "slack", "latest")
				require.NoError(t, err)
				assert.Equal(t, "1.2.0", out.Integration.Version)
				assert.Equal(t, []string{"SLACK_SIGNING_SECRET"}, out.Integration.Secrets)
			},
		},
		{
			name: "CreateIntegrationAPIKey", op: "createIntegrationApiKey", method: "POST", path: "/v1/admin/integrations/iaks", header: waWS,
			body:   `{"integrationId":"` + waIntUUID + `","note":"ci"}`,
			answer: `{"id":"iak_1","createdAt":"` + waTS1 + `","note":"ci","value":"bp_iak_secret"}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.CreateIntegrationAPIKey(ctx, gen.CreateIntegrationAPIKeyJSONRequestBody{IntegrationID: waIntUUID, Note: waPtr("ci")})
				require.NoError(t, err)
				assert.Equal(t, "bp_iak_secret", out.Value)
				assert.Equal(t, 2026, out.CreatedAt.Year())
			},
		},
		{
			name: "DeleteIntegration", op: "deleteIntegration", method: "DELETE", path: "/v1/admin/integrations/" + waIntUUID, header: waWS,
			answer: `{}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				require.NoError(t, c.DeleteIntegration(ctx, waIntUUID))
			},
		},

		// ---- interfaces
		{
			name: "CreateInterface", op: "createInterface", method: "POST", path: "/v1/admin/interfaces", header: waWS,
			body:   `{"name":"listable","version":"0.1.0","entities":{"item":{"schema":{"type":"object"}}}}`,
			answer: `{"interface":` + waInterfaceJSON(waIfaceUUID, "listable") + `}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.CreateInterface(ctx, gen.CreateInterfaceJSONRequestBody{
					Name: "listable", Version: "0.1.0",
					Entities: map[string]gen.CreateInterfaceBody_Entities{"item": {Schema: map[string]any{"type": "object"}}},
				})
				require.NoError(t, err)
				assert.Equal(t, waIfaceUUID, out.Interface.ID)
				assert.Contains(t, out.Interface.Entities, "item")
			},
		},
		{
			name: "GetInterface", op: "getInterface", method: "GET", path: "/v1/admin/interfaces/" + waIfaceUUID, header: waWS,
			answer: `{"interface":` + waInterfaceJSON(waIfaceUUID, "listable") + `}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetInterface(ctx, waIfaceUUID)
				require.NoError(t, err)
				assert.Equal(t, "listable", out.Interface.Name)
				assert.Equal(t, "0.1.0", out.Interface.Version)
			},
		},

		// ---- plugins
		{
			name: "ListPlugins", op: "listPlugins", method: "GET", path: "/v1/admin/plugins", header: waWS,
			query:  url.Values{"name": {"logger"}},
			answer: `{"plugins":[` + waPluginSummaryJSON(waPluginUUID, "logger") + `],"meta":{}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.ListPlugins(ctx, &gen.ListPluginsParams{Name: waPtr("logger")})
				require.NoError(t, err)
				require.Len(t, out.Plugins, 1)
				assert.Equal(t, "logger", out.Plugins[0].Name)
			},
		},
		{
			name: "GetPluginCode", op: "getPluginCode", method: "GET", path: "/v1/admin/plugins/" + waPluginUUID + "/code/node", header: waWS,
			answer: `{"code":"module.exports = {}"}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetPluginCode(ctx, waPluginUUID, gen.CodePlatformNode)
				require.NoError(t, err)
				assert.Equal(t, "module.exports = {}", out.Code)
			},
		},
		{
			name: "DeletePlugin", op: "deletePlugin", method: "DELETE", path: "/v1/admin/plugins/" + waPluginUUID, header: waWS,
			answer: `{}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				require.NoError(t, c.DeletePlugin(ctx, waPluginUUID))
			},
		},

		// ---- workspaces
		{
			name: "GetWorkspace", op: "getWorkspace", method: "GET", path: "/v1/admin/workspaces/ws_1", header: waWS,
			answer: waWorkspaceJSON("ws_1", "Acme"),
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetWorkspace(ctx, "ws_1")
				require.NoError(t, err)
				assert.Equal(t, "Acme", out.Name)
				assert.Equal(t, 3, out.BotCount)
				assert.True(t, out.ActiveTrialID.IsNull())
			},
		},
		{
			// updateWorkspace is a PUT, not a PATCH.
			name: "UpdateWorkspace", op: "updateWorkspace", method: "PUT", path: "/v1/admin/workspaces/ws_1", header: waWS,
			body:   `{"name":"Acme Inc","spendingLimit":250,"socialAccounts":["https://x.com/acme"]}`,
			answer: waWorkspaceJSON("ws_1", "Acme Inc"),
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.UpdateWorkspace(ctx, "ws_1", gen.UpdateWorkspaceJSONRequestBody{
					Name: waPtr("Acme Inc"), SpendingLimit: waPtr(250.0), SocialAccounts: []string{"https://x.com/acme"},
				})
				require.NoError(t, err)
				assert.Equal(t, "Acme Inc", out.Name)
			},
		},
		{
			name: "CheckHandleAvailability", op: "checkHandleAvailability", method: "PUT", path: "/v1/admin/workspaces/handle-availability",
			body:   `{"handle":"acme"}`,
			answer: `{"available":false,"suggestions":["acme-1","acme-hq"],"usedBy":"ws_9"}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.CheckHandleAvailability(ctx, gen.CheckHandleAvailabilityJSONRequestBody{Handle: "acme"})
				require.NoError(t, err)
				assert.False(t, out.Available)
				assert.Equal(t, []string{"acme-1", "acme-hq"}, out.Suggestions)
			},
		},
		{
			name: "GetAuditRecords", op: "getAuditRecords", method: "GET", path: "/v1/admin/workspaces/ws_1/audit-records", header: waWS,
			query: url.Values{"nextToken": {"audit_2"}},
			answer: fmt.Sprintf(`{"records":[{"id":"rec_1","recordedAt":%q,"userId":%q,"userEmail":"ada@example.com","resourceId":null,"action":"UPDATE_WORKSPACE"}],"meta":{}}`,
				waTS1, waUserUUID),
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetAuditRecords(ctx, "ws_1", &gen.GetAuditRecordsParams{NextToken: waPtr("audit_2")})
				require.NoError(t, err)
				require.Len(t, out.Records, 1)
				assert.Equal(t, "rec_1", out.Records[0].ID)
				assert.True(t, out.Records[0].ResourceID.IsNull())
			},
		},

		// ---- workspace members
		{
			name: "ListWorkspaceMembers", op: "listWorkspaceMembers", method: "GET", path: "/v1/admin/workspace-members", header: waWS,
			answer: `{"members":[` + waMemberJSON("mem_1", "owner") + `,` + waMemberJSON("mem_2", "developer") + `],"meta":{}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.ListWorkspaceMembers(ctx, nil)
				require.NoError(t, err)
				require.Len(t, out.Members, 2)
				assert.Equal(t, gen.WorkspaceMemberRoleDeveloper, out.Members[1].Role)
			},
		},
		{
			name: "UpdateWorkspaceMember", op: "updateWorkspaceMember", method: "PUT", path: "/v1/admin/workspace-members/mem_2", header: waWS,
			body:   `{"role":"manager"}`,
			answer: waMemberJSON("mem_2", "manager"),
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.UpdateWorkspaceMember(ctx, "mem_2", gen.UpdateWorkspaceMemberJSONRequestBody{
					Role: waPtr(gen.WorkspaceMemberRoleManager),
				})
				require.NoError(t, err)
				assert.Equal(t, "mem_2", out.ID)
				assert.Equal(t, gen.WorkspaceMemberRole("manager"), out.Role)
			},
		},
		{
			name: "DeleteWorkspaceMember", op: "deleteWorkspaceMember", method: "DELETE", path: "/v1/admin/workspace-members/mem_2", header: waWS,
			answer: `{}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				require.NoError(t, c.DeleteWorkspaceMember(ctx, "mem_2"))
			},
		},

		// ---- account
		{
			name: "GetAccount", op: "getAccount", method: "GET", path: "/v1/admin/account/me",
			answer: waAccountJSON("Ada"),
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetAccount(ctx)
				require.NoError(t, err)
				assert.Equal(t, "ada@example.com", out.Account.Email)
				assert.True(t, out.Account.EmailVerified)
			},
		},
		{
			name: "UpdateAccount", op: "updateAccount", method: "PUT", path: "/v1/admin/account/me",
			body:   `{"displayName":"Ada L."}`,
			answer: waAccountJSON("Ada L."),
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.UpdateAccount(ctx, gen.UpdateAccountJSONRequestBody{DisplayName: waPtr("Ada L.")})
				require.NoError(t, err)
				require.NotNil(t, out.Account.DisplayName)
				assert.Equal(t, "Ada L.", *out.Account.DisplayName)
			},
		},
		{
			// deleteAccount is a POST on the same path as getAccount.
			name: "DeleteAccount", op: "deleteAccount", method: "POST", path: "/v1/admin/account/me",
			body:   `{}`,
			answer: `{}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				require.NoError(t, c.DeleteAccount(ctx, gen.DeleteAccountJSONRequestBody{}))
			},
		},
		{
			name: "CreatePersonalAccessToken", op: "createPersonalAccessToken", method: "POST", path: "/v1/admin/account/pats",
			body:   `{"note":"laptop"}`,
			answer: `{"pat":{"id":"pat_1","createdAt":"` + waTS1 + `","note":"laptop","value":"bp_pat_secret"}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.CreatePersonalAccessToken(ctx, gen.CreatePersonalAccessTokenJSONRequestBody{Note: "laptop"})
				require.NoError(t, err)
				assert.Equal(t, "bp_pat_secret", out.Pat.Value)
			},
		},

		// ---- usage
		{
			name: "GetUsage", op: "getUsage", method: "GET", path: "/v1/admin/usages/" + waBotUUID, header: waWS,
			query:  url.Values{"type": {"invocation_calls"}, "period": {"2026-01"}},
			answer: `{"usage":{"id":"` + waBotUUID + `","period":"2026-01","value":1500,"quota":100000,"type":"invocation_calls"}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetUsage(ctx, waBotUUID, &gen.GetUsageParams{Type: gen.UsageTypeInvocationCalls, Period: waPtr("2026-01")})
				require.NoError(t, err)
				assert.Equal(t, 1500.0, out.Usage.Value)
				assert.Equal(t, 100000.0, out.Usage.Quota)
			},
		},
		{
			name: "GetMultipleUsages", op: "getMultipleUsages", method: "GET", path: "/v1/admin/usages/multiple", header: waWS,
			query: url.Values{"types": {"invocation_calls", "storage_count"}, "ids": {"bot_a", "bot_b"}},
			answer: `{"usages":[{"id":"bot_a","period":"2026-01","value":1,"quota":10,"type":"invocation_calls"},` +
				`{"id":"bot_b","period":"2026-01","value":2,"quota":10,"type":"storage_count"}]}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetMultipleUsages(ctx, &gen.GetMultipleUsagesParams{
					Types: []string{"invocation_calls", "storage_count"}, IDs: []string{"bot_a", "bot_b"},
				})
				require.NoError(t, err)
				require.Len(t, out.Usages, 2)
				assert.Equal(t, "bot_b", out.Usages[1].ID)
			},
		},

		// ---- quotas
		{
			name: "ChangeAISpendQuota", op: "changeAISpendQuota", method: "PUT", path: "/v1/admin/quotas/ai-spend", header: waWS,
			body:   `{"monthlySpendingLimit":42.5}`,
			answer: `{}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				require.NoError(t, c.ChangeAISpendQuota(ctx, gen.ChangeAISpendQuotaJSONRequestBody{MonthlySpendingLimit: 42.5}))
			},
		},

		// ---- helpers
		{
			name: "Introspect", op: "introspect", method: "POST", path: "/v1/admin/introspect",
			body:   `{"botId":"` + waBotUUID + `"}`,
			answer: `{"workspaceId":"ws_1","botId":"` + waBotUUID + `","userId":"` + waUserUUID + `"}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.Introspect(ctx, gen.IntrospectJSONRequestBody{BotID: waBotUUID})
				require.NoError(t, err)
				assert.Equal(t, "ws_1", out.WorkspaceID)
				assert.Equal(t, waUserUUID, out.UserID)
			},
		},
		{
			name: "RunVrl", op: "runVrl", method: "POST", path: "/v1/admin/helper/vrl",
			body:   `{"data":{"n":1},"script":".n = .n + 1"}`,
			answer: `{"data":{"n":2},"result":2}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.RunVrl(ctx, gen.RunVrlJSONRequestBody{Data: map[string]any{"n": 1}, Script: ".n = .n + 1"})
				require.NoError(t, err)
				assert.Equal(t, map[string]any{"n": 2.0}, out.Data)
				v, err := out.Result.Get()
				require.NoError(t, err)
				assert.Equal(t, 2.0, v)
			},
		},

		// ---- activities
		{
			name: "ListActivities", op: "listActivities", method: "GET", path: "/v1/admin/activities", header: waWS,
			query: url.Values{"taskId": {"task_1"}, "botId": {waBotUUID}},
			answer: `{"activities":[{"id":"act_1","description":"User said hi","taskId":"task_1","category":"user_message","data":{"text":"hi"},"createdAt":"` +
				waTS1 + `"}],"meta":{}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.ListActivities(ctx, &gen.ListActivitiesParams{TaskID: "task_1", BotID: waBotUUID})
				require.NoError(t, err)
				require.Len(t, out.Activities, 1)
				assert.Equal(t, "act_1", out.Activities[0].ID)
				assert.Equal(t, map[string]any{"text": "hi"}, out.Activities[0].Data)
			},
		},

		// ---- files (x-bot-id)
		{
			// tags is typed interface{} (schema {}); a map is sent as one
			// dotted key per tag. TestWireAdminFileTagsQuery has the other forms.
			name: "ListFiles", op: "listFiles", method: "GET", path: "/v1/files", header: waBot,
			query:  url.Values{"tags.source": {"upload"}, "tags.lang": {"fr"}, "ids": {"file_1", "file_2"}, "indexed": {"true"}, "sortField": {"createdAt"}},
			answer: `{"files":[` + waFileJSON("file_1", "docs/a.txt") + `,` + waFileJSON("file_2", "docs/b.txt") + `],"meta":{}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.ListFiles(ctx, &gen.ListFilesParams{
					Tags: map[string][]string{"source": {"upload"}, "lang": {"fr"}},
					IDs:  []string{"file_1", "file_2"}, Indexed: waPtr(true),
					SortField: waPtr(gen.ListFilesParamsSortFieldCreatedAt),
				})
				require.NoError(t, err)
				require.Len(t, out.Files, 2)
				assert.Equal(t, "docs/b.txt", out.Files[1].Key)
				assert.Equal(t, map[string]string{"source": "upload"}, out.Files[0].Tags)
			},
		},
		{
			name: "UpsertFile", op: "upsertFile", method: "PUT", path: "/v1/files", header: waBot,
			body:   `{"key":"docs/a.txt","size":1024,"contentType":"text/plain","index":true,"tags":{"source":"upload"},"accessPolicies":["integrations"]}`,
			answer: `{"file":` + waFileWith("file_1", "docs/a.txt", `"status":"upload_pending","uploadUrl":"https://s3.example.com/put?sig=abc"`) + `}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.UpsertFile(ctx, gen.UpsertFileJSONRequestBody{
					Key: "docs/a.txt", Size: 1024, ContentType: waPtr("text/plain"), Index: waPtr(true),
					Tags:           map[string]string{"source": "upload"},
					AccessPolicies: []gen.FileAccessPolicy{gen.FileAccessPolicyIntegrations},
				})
				require.NoError(t, err)
				assert.Equal(t, "https://s3.example.com/put?sig=abc", out.File.UploadURL)
				assert.Equal(t, gen.FileStatus("upload_pending"), out.File.Status)
			},
		},
		{
			name: "CopyFile", op: "copyFile", method: "POST", path: "/v1/files/docs%2Fa.txt/docs%2Fcopy.txt", header: map[string]string{"X-Bot-Id": "bot_1", "X-Destination-Bot-Id": "bot_2"},
			body:   `{"overwrite":true}`,
			answer: `{"file":` + waFileJSON("file_9", "docs/copy.txt") + `}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.CopyFile(ctx, "docs/a.txt", "docs/copy.txt", &gen.CopyFileParams{XDestinationBotID: waPtr("bot_2")},
					gen.CopyFileJSONRequestBody{Overwrite: waPtr(true)})
				require.NoError(t, err)
				assert.Equal(t, "file_9", out.File.ID)
				assert.Equal(t, "docs/copy.txt", out.File.Key)
			},
		},
		{
			name: "UpdateFileMetadata", op: "updateFileMetadata", method: "PUT", path: "/v1/files/file_1", header: waBot,
			// a nil tag value removes the tag: sent as null.
			body:   `{"tags":{"source":null,"reviewed":"yes"},"metadata":{"pages":3}}`,
			answer: `{"file":` + waFileJSON("file_1", "docs/a.txt") + `}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.UpdateFileMetadata(ctx, "file_1", gen.UpdateFileMetadataJSONRequestBody{
					Tags:     map[string]*string{"source": nil, "reviewed": waPtr("yes")},
					Metadata: map[string]any{"pages": 3},
				})
				require.NoError(t, err)
				assert.Equal(t, "file_1", out.File.ID)
			},
		},
		{
			name: "SearchFiles", op: "searchFiles", method: "GET", path: "/v1/files/search", header: waBot,
			query: url.Values{"query": {"refund policy"}, "tags.source": {"upload"}, "limit": {"5"}, "withContext": {"true"}},
			answer: fmt.Sprintf(`{"passages":[{"content":"Refunds within 30 days.","score":0.92,"meta":{"type":"chunk"},`+
				`"file":{"id":"file_1","key":"docs/a.txt","contentType":"text/plain","metadata":{},"tags":{"source":"upload"},"createdAt":%q,"updatedAt":%q}}]}`, waTS1, waTS2),
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.SearchFiles(ctx, &gen.SearchFilesParams{
					Query: "refund policy", Tags: map[string][]string{"source": {"upload"}}, Limit: waPtr(5), WithContext: waPtr(true),
				})
				require.NoError(t, err)
				require.Len(t, out.Passages, 1)
				assert.Equal(t, 0.92, out.Passages[0].Score)
				assert.Equal(t, "file_1", out.Passages[0].File.ID)
			},
		},
		{
			name: "DeleteFile", op: "deleteFile", method: "DELETE", path: "/v1/files/file_1", header: waBot,
			answer: `{}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				require.NoError(t, c.DeleteFile(ctx, "file_1"))
			},
		},

		// ---- tables (x-bot-id)
		{
			name: "CreateTable", op: "createTable", method: "POST", path: "/v1/tables", header: waBot,
			body:   `{"name":"docsTable","schema":{"type":"object","properties":{"title":{"type":"string"},"pages":{"type":"number"}}},"tags":{"team":"support"}}`,
			answer: `{"table":` + waTableJSON("table_1", "docsTable") + `}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.CreateTable(ctx, gen.CreateTableJSONRequestBody{
					Name: "docsTable",
					Schema: map[string]any{"type": "object", "properties": map[string]any{
						"title": map[string]any{"type": "string"}, "pages": map[string]any{"type": "number"},
					}},
					Tags: map[string]string{"team": "support"},
				})
				require.NoError(t, err)
				assert.Equal(t, "table_1", out.Table.ID)
				assert.Equal(t, "docsTable", out.Table.Name)
			},
		},
		{
			name: "GetTable", op: "getTable", method: "GET", path: "/v1/tables/docsTable", header: waBot,
			answer: `{"table":` + waTableJSON("table_1", "docsTable") + `,"rows":120,"stale":2,"indexing":0}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetTable(ctx, "docsTable")
				require.NoError(t, err)
				assert.Equal(t, 120, out.Rows)
				assert.Equal(t, 2, out.Stale)
			},
		},
		{
			name: "FindTableRows", op: "findTableRows", method: "POST", path: "/v1/tables/docsTable/rows/find", header: waBot,
			body:   `{"filter":{"pages":{"$gte":10}},"limit":2,"orderBy":"pages","orderDirection":"desc","select":["title"]}`,
			answer: `{"rows":[` + waRowJSON(7, "Guide") + `,` + waRowJSON(3, "FAQ") + `],"hasMore":true,"offset":0,"limit":2}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.FindTableRows(ctx, "docsTable", gen.FindTableRowsJSONRequestBody{
					Filter: map[string]any{"pages": map[string]any{"$gte": 10}}, Limit: waPtr(2),
					OrderBy: waPtr("pages"), OrderDirection: waPtr(gen.SortDirectionDesc),
					Select: []string{"title"},
				})
				require.NoError(t, err)
				require.Len(t, out.Rows, 2)
				assert.Equal(t, int64(7), out.Rows[0].ID)
				title, ok := out.Rows[1].Get("title")
				assert.True(t, ok)
				assert.Equal(t, "FAQ", title)
				assert.True(t, out.HasMore)
			},
		},
		{
			name: "UpdateTableRows", op: "updateTableRows", method: "PUT", path: "/v1/tables/docsTable/rows", header: waBot,
			body:   `{"rows":[{"id":7,"title":"Guide v2"}],"waitComputed":false}`,
			answer: `{"rows":[` + waRowJSON(7, "Guide v2") + `]}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				row := gen.UpdateTableRowsBody_Rows{ID: 7}
				row.Set("title", "Guide v2")
				out, err := c.UpdateTableRows(ctx, "docsTable", gen.UpdateTableRowsJSONRequestBody{
					Rows: []gen.UpdateTableRowsBody_Rows{row}, WaitComputed: waPtr(false),
				})
				require.NoError(t, err)
				require.Len(t, out.Rows, 1)
				title, _ := out.Rows[0].Get("title")
				assert.Equal(t, "Guide v2", title)
			},
		},
		{
			name: "DeleteTableRows", op: "deleteTableRows", method: "POST", path: "/v1/tables/docsTable/rows/delete", header: waBot,
			body:   `{"ids":[3,7]}`,
			answer: `{"deletedRows":2}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.DeleteTableRows(ctx, "docsTable", gen.DeleteTableRowsJSONRequestBody{IDs: []int64{3, 7}})
				require.NoError(t, err)
				assert.Equal(t, 2, out.DeletedRows)
			},
		},
		{
			name: "RenameTableColumn", op: "renameTableColumn", method: "PUT", path: "/v1/tables/docsTable/column", header: waBot,
			body:   `{"name":"pages","newName":"pageCount"}`,
			answer: `{"table":` + strings.ReplaceAll(waTableJSON("table_1", "docsTable"), `"pages"`, `"pageCount"`) + `}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.RenameTableColumn(ctx, "docsTable", gen.RenameTableColumnJSONRequestBody{Name: "pages", NewName: "pageCount"})
				require.NoError(t, err)
				assert.Equal(t, "table_1", out.Table.ID)
			},
		},
		{
			name: "DuplicateTable", op: "duplicateTable", method: "POST", path: "/v1/tables/table_1/duplicate", header: waBot,
			body:   `{"tableName":"docsTableCopy","schemaOnly":false}`,
			answer: `{"table":` + waTableJSON("table_2", "docsTableCopy") + `,"rows":120}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.DuplicateTable(ctx, "table_1", gen.DuplicateTableJSONRequestBody{TableName: waPtr("docsTableCopy"), SchemaOnly: waPtr(false)})
				require.NoError(t, err)
				assert.Equal(t, "table_2", out.Table.ID)
				assert.Equal(t, 120, out.Rows)
			},
		},

		// ---- billing
		{
			name: "GetBillingReadonly", op: "getBillingReadonly", method: "GET", path: "/v2/billing/readonly", header: waWS,
			answer: `{"planReadonly":true,"addonsReadonly":false}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetBillingReadonly(ctx)
				require.NoError(t, err)
				assert.True(t, out.PlanReadonly)
				assert.False(t, out.AddonsReadonly)
			},
		},
		{
			// listPlans answers a JSON array, not an object.
			name: "ListPlans", op: "listPlans", method: "GET", path: "/v2/billing/plans",
			answer: `[{"id":"plan_team","name":"Team","description":"For small teams",` +
				`"prices":{"month":{"amount":495,"currency":"usd"}},"features":{"bot_count":10}}]`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.ListPlans(ctx)
				require.NoError(t, err)
				require.NotNil(t, out)
				require.Len(t, *out, 1)
				assert.Equal(t, "plan_team", (*out)[0].ID)
				require.NotNil(t, (*out)[0].Prices.Month)
				assert.Equal(t, 495.0, (*out)[0].Prices.Month.Amount)
				assert.Nil(t, (*out)[0].Prices.Year)
				assert.Equal(t, 10.0, (*out)[0].Features["bot_count"])
			},
		},
		{
			name: "ListInvoices", op: "listInvoices", method: "GET", path: "/v2/billing/invoices", header: waWS,
			answer: `{"invoices":[{"id":"in_1","amount":495,"currency":"usd","status":"paid","createdAt":"` + waTS1 + `",` +
				`"periodStart":"2026-01-01T00:00:00.000Z","periodEnd":"2026-02-01T00:00:00.000Z","dueDate":null,"pdfUrl":"https://pay.example.com/in_1.pdf"}],"meta":{}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.ListInvoices(ctx, nil)
				require.NoError(t, err)
				require.Len(t, out.Invoices, 1)
				assert.Equal(t, 495.0, out.Invoices[0].Amount)
				assert.True(t, out.Invoices[0].DueDate.IsNull())
			},
		},

		// ---- runtime: patchState is the only PATCH of the whole spec.
		{
			name: "PatchState", op: "patchState", method: "PATCH", path: "/v1/chat/states/conversation/" + waConvUUID + "/profile", header: waBot,
			body: `{"payload":{"step":3}}`,
			answer: `{"state":{"id":"` + waStateUUID + `","createdAt":"` + waTS1 + `","updatedAt":"` + waTS2 + `","botId":"` + waBotUUID + `","conversationId":"` + waConvUUID + `",` +
				`"name":"profile","type":"conversation","payload":{"step":3,"lang":"fr"}}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.PatchState(ctx, gen.StateTypeConversation, waConvUUID, "profile", gen.PatchStateJSONRequestBody{Payload: map[string]any{"step": 3}})
				require.NoError(t, err)
				assert.Equal(t, map[string]any{"step": 3.0, "lang": "fr"}, out.State.Payload)
			},
		},
	}
}

// TestWireAdmin runs every call of the table against a recording server
// and checks what went on the wire, that the request and the canned
// answer follow the spec, and what the call decoded.
func TestWireAdmin(t *testing.T) {
	for _, tc := range waCases() {
		t.Run(tc.name, func(t *testing.T) {
			waCheckAnswer(t, tc.op, 200, tc.answer)
			s := waNewRecorder(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, tc.answer) })
			c := newClient(t, s.server, client.WithWorkspaceID("ws_1"))
			tc.run(t, context.Background(), c)

			reqs := s.requests()
			require.Len(t, reqs, 1, "one request")
			r := reqs[0]
			route := waRoute(t, tc.op)
			assert.Equal(t, tc.method, r.Method)
			assert.Equal(t, strings.ToUpper(route.Method), tc.method, "the spec's method")
			assert.Equal(t, tc.path, s.rawPath(t, 0))
			if tc.query == nil {
				assert.Empty(t, r.Query, "no query string")
			} else {
				got, err := url.ParseQuery(r.Query)
				require.NoError(t, err)
				assert.Equal(t, tc.query, got)
			}
			assert.Equal(t, []string{"Bearer " + testToken}, r.Header.Values("Authorization"))
			for k, v := range tc.header {
				assert.Equal(t, []string{v}, r.Header.Values(k), "header %s", k)
			}
			if tc.body == "" {
				assert.Empty(t, r.Body, "no body")
			} else {
				assert.JSONEq(t, tc.body, string(r.Body))
				assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			}
			waCheckRequest(t, tc.op, r, s.rawPath(t, 0))
		})
	}
}

// TestWireAdminCoverage checks that the table has a call for every
// section of the non-runtime API and for every HTTP method of the spec,
// and that each call expects the scope headers its operation declares.
func TestWireAdminCoverage(t *testing.T) {
	doc := waSpec(t)
	sections, methods := map[string]bool{}, map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			methods[method] = true
			if !strings.HasPrefix(path, "/v1/chat/") {
				sections[op.Tags[0]] = true
			}
		}
	}
	coveredSections, coveredMethods := map[string]bool{}, map[string]bool{}
	for _, tc := range waCases() {
		route := waRoute(t, tc.op)
		coveredMethods[route.Method] = true
		if !strings.HasPrefix(route.Path, "/v1/chat/") {
			coveredSections[route.Operation.Tags[0]] = true
		}
		for _, p := range route.Operation.Parameters {
			switch name := p.Value.Name; name {
			case "x-workspace-id", "x-bot-id", "x-destination-bot-id":
				assert.Contains(t, tc.header, http.CanonicalHeaderKey(name), "%s: the spec declares %s", tc.name, name)
			}
		}
	}
	assert.Equal(t, waKeys(sections), waKeys(coveredSections), "sections")
	assert.Equal(t, []string{"DELETE", "GET", "PATCH", "POST", "PUT"}, waKeys(methods), "the spec's methods")
	assert.Equal(t, waKeys(methods), waKeys(coveredMethods), "methods")
}

func waKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestWireAdminBillingWorkspaceHeader checks the x-workspace-id header
// that billing requires: the client's value is sent, a call's option
// wins, ListInvoices' params win when set, and without any workspace the
// call fails before sending.
func TestWireAdminBillingWorkspaceHeader(t *testing.T) {
	t.Setenv(client.EnvWorkspaceID, "")
	ctx := context.Background()
	s := waNewRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/billing/readonly" {
			reply(w, 200, `{"billingReadonly":false}`)
			return
		}
		reply(w, 200, `{"invoices":[],"meta":{}}`)
	})
	header := func() []string { return s.last(t).Header.Values("X-Workspace-Id") }

	withWS := newClient(t, s.server, client.WithWorkspaceID("ws_1"))
	_, err := withWS.GetBillingReadonly(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"ws_1"}, header(), "the client's workspace")
	waCheckRequest(t, "getBillingReadonly", s.last(t), s.rawPath(t, 0))

	_, err = withWS.GetBillingReadonly(ctx, client.WithWorkspaceID("ws_2"))
	require.NoError(t, err)
	assert.Equal(t, []string{"ws_2"}, header(), "the call's option wins")

	_, err = withWS.ListInvoices(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"ws_1"}, header(), "nil params: the client's workspace")

	_, err = withWS.ListInvoices(ctx, &gen.ListInvoicesParams{})
	require.NoError(t, err)
	assert.Equal(t, []string{"ws_1"}, header(), "params with an empty workspace: the client's")

	_, err = withWS.ListInvoices(ctx, &gen.ListInvoicesParams{XWorkspaceID: "ws_3"})
	require.NoError(t, err)
	assert.Equal(t, []string{"ws_3"}, header(), "the params' workspace wins, sent once")

	noWS := newClient(t, s.server)
	_, err = noWS.ListInvoices(ctx, &gen.ListInvoicesParams{XWorkspaceID: "ws_3"})
	require.NoError(t, err)
	assert.Equal(t, []string{"ws_3"}, header(), "the params' workspace without a client one")

	before := len(s.requests())
	out, err := noWS.GetBillingReadonly(ctx)
	assert.ErrorIs(t, err, client.ErrMissingArgument, "no workspace at all")
	assert.Nil(t, out)
	_, err = noWS.ListInvoices(ctx, nil)
	assert.ErrorIs(t, err, client.ErrMissingArgument, "no workspace at all")
	_, err = noWS.ListInvoices(ctx, &gen.ListInvoicesParams{})
	assert.ErrorIs(t, err, client.ErrMissingArgument, "an empty workspace in params")
	assert.Len(t, s.requests(), before, "nothing sent without the required header")
}

// waNoPanic runs f, turning a panic into a test failure so that one bad
// call does not stop the whole test binary.
func waNoPanic(t testing.TB, f func()) (ok bool) {
	t.Helper()
	defer func() {
		if v := recover(); v != nil {
			t.Errorf("panic: %v", v)
			ok = false
		}
	}()
	f()
	return true
}

// TestWireAdminFileTagsQuery checks the forms the untyped tags filter of
// listFiles, searchFiles and listKnowledgeBases takes on the wire: one
// dotted key per tag, the key repeated for a list of values (both as the
// spec describes), a dotted not for exclusions, and nothing when unset.
func TestWireAdminFileTagsQuery(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/files/search":
			reply(w, 200, `{"passages":[]}`)
		case "/v1/files/knowledge-bases":
			reply(w, 200, `{"knowledgeBases":[],"meta":{}}`)
		default:
			reply(w, 200, `{"files":[],"meta":{}}`)
		}
	})
	c := newClient(t, s)
	ctx := context.Background()
	cases := []struct {
		name string
		tags map[string][]string
		want url.Values
	}{
		{"one value each", map[string][]string{"source": {"upload"}, "lang": {"fr"}}, url.Values{"tags.source": {"upload"}, "tags.lang": {"fr"}}},
		{"list of values", map[string][]string{"lang": {"fr", "en"}}, url.Values{"tags.lang": {"fr", "en"}}},
		{"not", map[string][]string{"status.not": {"draft"}}, url.Values{"tags.status.not": {"draft"}}},
		{"not a list", map[string][]string{"status.not": {"draft", "old"}}, url.Values{"tags.status.not": {"draft", "old"}}},
		{"unset", nil, url.Values{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			check := func(what string, extra url.Values, call func() error) {
				t.Helper()
				before := len(s.requests())
				var err error
				if !waNoPanic(t, func() { err = call() }) {
					return
				}
				if !assert.NoError(t, err, what) || !assert.Len(t, s.requests(), before+1, what) {
					return
				}
				got, err := url.ParseQuery(s.last(t).Query)
				require.NoError(t, err)
				want := url.Values{}
				for k, v := range tc.want {
					want[k] = v
				}
				for k, v := range extra {
					want[k] = v
				}
				assert.Equal(t, want, got, what)
			}
			check("listFiles", nil, func() error {
				_, err := c.ListFiles(ctx, &gen.ListFilesParams{Tags: tc.tags})
				return err
			})
			check("searchFiles", url.Values{"query": {"q"}}, func() error {
				_, err := c.SearchFiles(ctx, &gen.SearchFilesParams{Query: "q", Tags: tc.tags})
				return err
			})
			check("listKnowledgeBases", nil, func() error {
				_, err := c.ListKnowledgeBases(ctx, &gen.ListKnowledgeBasesParams{Tags: tc.tags})
				return err
			})
		})
	}
}

// TestWireAdminCopyFileDestinationHeader checks that copyFile's
// x-destination-bot-id comes from its params only, and that the client's
// bot stays the source.
func TestWireAdminCopyFileDestinationHeader(t *testing.T) {
	answer := `{"file":` + waFileJSON("file_9", "b.txt") + `}`
	s := waNewRecorder(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, answer) })
	c := newClient(t, s.server)
	ctx := context.Background()

	_, err := c.CopyFile(ctx, "a.txt", "b.txt", &gen.CopyFileParams{XDestinationBotID: waPtr("bot_dest")}, gen.CopyFileJSONRequestBody{})
	require.NoError(t, err)
	h := s.last(t).Header
	assert.Equal(t, []string{"bot_dest"}, h.Values("X-Destination-Bot-Id"))
	assert.Equal(t, []string{"bot_1"}, h.Values("X-Bot-Id"))

	_, err = c.CopyFile(ctx, "a.txt", "b.txt", nil, gen.CopyFileJSONRequestBody{})
	require.NoError(t, err)
	assert.Empty(t, s.last(t).Header.Values("X-Destination-Bot-Id"), "no destination: copy inside the bot")

	_, err = c.CopyFile(ctx, "a.txt", "b.txt", &gen.CopyFileParams{XDestinationBotID: waPtr("bot_dest"), XBotID: waPtr("bot_src")}, gen.CopyFileJSONRequestBody{})
	require.NoError(t, err)
	h = s.last(t).Header
	assert.Equal(t, []string{"bot_dest"}, h.Values("X-Destination-Bot-Id"))
	assert.Equal(t, []string{"bot_src"}, h.Values("X-Bot-Id"), "the params' source bot wins")
	waCheckRequest(t, "copyFile", s.last(t), s.rawPath(t, 2))
}

// TestWireAdminArrayAnswers checks the two operations whose answer is a
// JSON array rather than an object.
func TestWireAdminArrayAnswers(t *testing.T) {
	addons := `[{"id":"addon_hitl","name":"Human in the loop","description":"Hand conversations to agents",` +
		`"increments":{"collaborator_count":1},"prices":{"monthly":{"amount":25,"currency":"usd","interval":"month"}}}]`
	waCheckAnswer(t, "listAddons", 200, addons)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, addons) })
	c := newClient(t, s)
	out, err := c.ListAddons(context.Background())
	require.NoError(t, err, "a spec-valid array answer")
	require.NotNil(t, out)
	require.Len(t, *out, 1)
	assert.Equal(t, "addon_hitl", (*out)[0].ID)
	assert.Equal(t, 1.0, (*out)[0].Increments["collaborator_count"])
	assert.Equal(t, gen.BillingIntervalMonth, (*out)[0].Prices["monthly"].Interval)
}
