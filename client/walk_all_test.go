package client_test

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
)

// Every page walker of the client, on the same three pages: two items,
// then an empty page that still carries a next token, then one item.

// The page tokens the server hands out. The second one needs escaping.
const (
	waTok2 = "tok 2/+="
	waTok3 = "tok3"
)

// waWalker is one page walker.
type waWalker struct {
	name     string // the method, All...
	op       string // operationId of the list call it walks
	path     string // path as sent, escapes included
	itemsKey string // property of the answer holding the items
	topToken bool   // the next token is at the answer's top level, not in meta
	ids      [3]string
	item     func(id string) string // JSON of one item; nil: the items are the ids as strings
	query    url.Values             // sent on every page when the walk is given params, besides nextToken
	required bool                   // params are required: nil params must fail
	// walk starts the walker, with the row's params or with nil ones.
	walk func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error]
}

// waIDs maps a typed walk to strings identifying its items.
func waIDs[T any](seq iter.Seq2[T, error], id func(T) string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for v, err := range seq {
			var s string
			if err == nil {
				s = id(v)
			}
			if !yield(s, err) {
				return
			}
		}
	}
}

func waSelf(s string) string { return s }

// waUUIDs returns three UUIDs that differ in their first group.
func waUUIDs(group uint32) [3]string {
	var out [3]string
	for i := range out {
		out[i] = fmt.Sprintf("%08x-1b2c-4d3e-8f40-5a6b7c8d9e%02d", group, i+1)
	}
	return out
}

func waWalkers() []waWalker {
	stamps := fmt.Sprintf(`"createdAt":%q,"updatedAt":%q`, waTS1, waTS2)
	return []waWalker{
		// ---- admin
		{
			name: "AllActivities", op: "listActivities", path: "/v1/admin/activities", itemsKey: "activities", required: true,
			ids: [3]string{"act_1", "act_2", "act_3"},
			item: func(id string) string {
				return fmt.Sprintf(`{"id":%q,"description":"Called getUser","taskId":"task_1","category":"action","data":{"action":"getUser"},"createdAt":%q}`, id, waTS1)
			},
			query: url.Values{"taskId": {"task_1"}, "botId": {waBotUUID}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListActivitiesParams
				if params {
					p = &gen.ListActivitiesParams{TaskID: "task_1", BotID: waBotUUID}
				}
				return waIDs(c.AllActivities(ctx, p), func(v gen.Activity) string { return v.ID })
			},
		},
		{
			name: "AllBots", op: "listBots", path: "/v1/admin/bots", itemsKey: "bots", ids: waUUIDs(0xb0),
			item: func(id string) string {
				return fmt.Sprintf(`{"id":%q,%s,"name":"Support","tags":{"env":"prod"},"type":"studio"}`, id, stamps)
			},
			query: url.Values{"tags.env": {"prod"}, "dev": {"false"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListBotsParams
				if params {
					p = &gen.ListBotsParams{Tags: map[string]string{"env": "prod"}, Dev: waPtr(false)}
				}
				return waIDs(c.AllBots(ctx, p), func(v gen.BotSummary) string { return v.ID })
			},
		},
		{
			name: "AllActionRuns", op: "listActionRuns", path: "/v1/admin/bots/" + waBotUUID + "/action-runs", itemsKey: "data", required: true,
			ids: [3]string{"sendMessage", "getUser", "createTicket"},
			item: func(id string) string {
				return fmt.Sprintf(`{"timestamp":%q,"actionType":%q,"integrationName":"zendesk","input":{"id":"1"},"output":{"ok":true},"status":"SUCCESS","durationMs":41,"cached":false}`, waTS1, id)
			},
			query: url.Values{"integrationName": {"zendesk"}, "timestampFrom": {"2026-01-01T00:00:00.000Z"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListActionRunsParams
				if params {
					p = &gen.ListActionRunsParams{IntegrationName: "zendesk", TimestampFrom: waPtr(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
				}
				return waIDs(c.AllActionRuns(ctx, waBotUUID, p), func(v gen.ActionRun) string { return v.ActionType })
			},
		},
		{
			name: "AllBotIssues", op: "listBotIssues", path: "/v1/admin/bots/" + waBotUUID + "/issues", itemsKey: "issues",
			ids: [3]string{"issue_1", "issue_2", "issue_3"},
			item: func(id string) string {
				return fmt.Sprintf(`{"id":%q,"code":"runtime_error","createdAt":%q,"lastSeenAt":%q,"title":"Handler failed","description":"The message handler threw",`+
					`"groupedData":{"handler":{"raw":"onMessage"}},"eventsCount":4,"category":"user_code","resolutionLink":null}`, id, waTS1, waTS2)
			},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListBotIssuesParams
				if params {
					p = &gen.ListBotIssuesParams{}
				}
				return waIDs(c.AllBotIssues(ctx, waBotUUID, p), func(v gen.ListedIssue) string { return v.ID })
			},
		},
		{
			name: "AllBotLogs", op: "getBotLogs", path: "/v1/admin/bots/" + waBotUUID + "/logs", itemsKey: "logs", topToken: true, required: true,
			ids: [3]string{"bot started", "message handled", "bot stopped"},
			item: func(id string) string {
				return fmt.Sprintf(`{"timestamp":%q,"level":"info","message":%q}`, waTS1, id)
			},
			query: url.Values{"timeStart": {"2026-01-01T00:00:00.000Z"}, "timeEnd": {"2026-01-02T00:00:00.000Z"}, "level": {"info"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.GetBotLogsParams
				if params {
					p = &gen.GetBotLogsParams{TimeStart: mustTime("2026-01-01T00:00:00.000Z"), TimeEnd: waPtr(mustTime("2026-01-02T00:00:00.000Z")), Level: waPtr("info")}
				}
				return waIDs(c.AllBotLogs(ctx, waBotUUID, p), func(v gen.LogEntry) string { return v.Message })
			},
		},
		{
			name: "AllPublicIntegrations", op: "listPublicIntegrations", path: "/v1/admin/hub/integrations", itemsKey: "integrations", ids: waUUIDs(0x1a),
			item:  func(id string) string { return waPublicIntegrationSummaryJSON(id, "slack") },
			query: url.Values{"search": {"slack"}, "limit": {"2"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListPublicIntegrationsParams
				if params {
					p = &gen.ListPublicIntegrationsParams{Search: waPtr("slack"), Limit: waPtr(2)}
				}
				return waIDs(c.AllPublicIntegrations(ctx, p), func(v gen.PublicIntegrationSummary) string { return v.ID })
			},
		},
		{
			name: "AllPublicInterfaces", op: "listPublicInterfaces", path: "/v1/admin/hub/interfaces", itemsKey: "interfaces", ids: waUUIDs(0x1f),
			item:  waInterfaceSummaryJSON,
			query: url.Values{"name": {"listable"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListPublicInterfacesParams
				if params {
					p = &gen.ListPublicInterfacesParams{Name: waPtr("listable")}
				}
				return waIDs(c.AllPublicInterfaces(ctx, p), func(v gen.InterfaceSummary) string { return v.ID })
			},
		},
		{
			name: "AllPublicPlugins", op: "listPublicPlugins", path: "/v1/admin/hub/plugins", itemsKey: "plugins", ids: waUUIDs(0x9a),
			item:  func(id string) string { return waPluginSummaryJSON(id, "logger") },
			query: url.Values{"name": {"logger"}, "version": {"0.3.0"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListPublicPluginsParams
				if params {
					p = &gen.ListPublicPluginsParams{Name: waPtr("logger"), Version: waPtr("0.3.0")}
				}
				return waIDs(c.AllPublicPlugins(ctx, p), func(v gen.PluginSummary) string { return v.ID })
			},
		},
		{
			name: "AllIntegrations", op: "listIntegrations", path: "/v1/admin/integrations", itemsKey: "integrations", ids: waUUIDs(0x2a),
			item:  func(id string) string { return waIntegrationSummaryJSON(id, "slack") },
			query: url.Values{"visibility": {"private"}, "dev": {"true"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListIntegrationsParams
				if params {
					p = &gen.ListIntegrationsParams{Visibility: waPtr(gen.ListIntegrationsParamsVisibilityPrivate), Dev: waPtr(true)}
				}
				return waIDs(c.AllIntegrations(ctx, p), func(v gen.IntegrationSummary) string { return v.ID })
			},
		},
		{
			name: "AllIntegrationLogs", op: "getIntegrationLogs", path: "/v1/admin/integrations/" + waIntUUID + "/logs", itemsKey: "logs", topToken: true, required: true,
			ids: [3]string{"webhook received", "action called", "webhook answered"},
			item: func(id string) string {
				return fmt.Sprintf(`{"timestamp":%q,"level":"debug","message":%q,"userId":"user_1"}`, waTS1, id)
			},
			query: url.Values{"timeStart": {"2026-01-01T00:00:00.000Z"}, "userId": {"user_1"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.GetIntegrationLogsParams
				if params {
					p = &gen.GetIntegrationLogsParams{TimeStart: mustTime("2026-01-01T00:00:00.000Z"), UserID: waPtr("user_1")}
				}
				return waIDs(c.AllIntegrationLogs(ctx, waIntUUID, p), func(v gen.LogEntry) string { return v.Message })
			},
		},
		{
			name: "AllInterfaces", op: "listInterfaces", path: "/v1/admin/interfaces", itemsKey: "interfaces", ids: waUUIDs(0x2f),
			item:  waInterfaceSummaryJSON,
			query: url.Values{"version": {"0.1.0"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListInterfacesParams
				if params {
					p = &gen.ListInterfacesParams{Version: waPtr("0.1.0")}
				}
				return waIDs(c.AllInterfaces(ctx, p), func(v gen.InterfaceSummary) string { return v.ID })
			},
		},
		{
			name: "AllPlugins", op: "listPlugins", path: "/v1/admin/plugins", itemsKey: "plugins", ids: waUUIDs(0x3a),
			item:  func(id string) string { return waPluginSummaryJSON(id, "logger") },
			query: url.Values{"name": {"logger"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListPluginsParams
				if params {
					p = &gen.ListPluginsParams{Name: waPtr("logger")}
				}
				return waIDs(c.AllPlugins(ctx, p), func(v gen.PluginSummary) string { return v.ID })
			},
		},
		{
			name: "AllUsageActivity", op: "listUsageActivity", path: "/v1/admin/usages/" + waBotUUID + "/activity", itemsKey: "data", required: true,
			ids: [3]string{"2026-01-01T10:00:00.000Z", "2026-01-01T11:00:00.000Z", "2026-01-01T12:00:00.000Z"},
			item: func(id string) string {
				return fmt.Sprintf(`{"timestamp":%q,"value":3,"period":"2026-01","metadata":{"conversationId":"conv_1"}}`, id)
			},
			query: url.Values{"type": {"ai_spend"}, "timestampUntil": {"2026-01-31T00:00:00.000Z"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListUsageActivityParams
				if params {
					p = &gen.ListUsageActivityParams{Type: gen.UsageTypeAiSpend, TimestampUntil: waPtr(mustTime("2026-01-31T00:00:00.000Z"))}
				}
				return waIDs(c.AllUsageActivity(ctx, waBotUUID, p), func(v gen.UsageActivity) string { return v.Timestamp.Format("2006-01-02T15:04:05.000Z") })
			},
		},
		{
			name: "AllUsageActivityDaily", op: "listUsageActivityDaily", path: "/v1/admin/usages/ws_1/daily-activity", itemsKey: "data", required: true,
			ids: [3]string{"2026-01-01", "2026-01-02", "2026-01-03"},
			item: func(id string) string {
				return fmt.Sprintf(`{"key":"ws_1","date":%q,"value":12}`, id)
			},
			query: url.Values{"type": {"always_alive"}, "dateFrom": {"2026-01-01"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListUsageActivityDailyParams
				if params {
					p = &gen.ListUsageActivityDailyParams{Type: gen.UsageTypeAlwaysAlive, DateFrom: waPtr("2026-01-01")}
				}
				return waIDs(c.AllUsageActivityDaily(ctx, "ws_1", p), func(v gen.DailyUsageActivity) string { return v.Date })
			},
		},
		{
			name: "AllWorkspaceMembers", op: "listWorkspaceMembers", path: "/v1/admin/workspace-members", itemsKey: "members",
			ids:  [3]string{"mem_1", "mem_2", "mem_3"},
			item: func(id string) string { return waMemberJSON(id, "viewer") },
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListWorkspaceMembersParams
				if params {
					p = &gen.ListWorkspaceMembersParams{}
				}
				return waIDs(c.AllWorkspaceMembers(ctx, p), func(v gen.ListedWorkspaceMember) string { return v.ID })
			},
		},
		{
			name: "AllWorkspaces", op: "listWorkspaces", path: "/v1/admin/workspaces", itemsKey: "workspaces",
			ids:   [3]string{"ws_1", "ws_2", "ws_3"},
			item:  func(id string) string { return waWorkspaceJSON(id, "Acme") },
			query: url.Values{"handle": {"acme"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListWorkspacesParams
				if params {
					p = &gen.ListWorkspacesParams{Handle: waPtr("acme")}
				}
				return waIDs(c.AllWorkspaces(ctx, p), func(v gen.ListedWorkspace) string { return v.ID })
			},
		},
		{
			name: "AllPublicWorkspaces", op: "listPublicWorkspaces", path: "/v1/admin/workspaces/public", itemsKey: "workspaces",
			ids: [3]string{"ws_1", "ws_2", "ws_3"},
			item: func(id string) string {
				return fmt.Sprintf(`{"id":%q,"name":"Acme",%s,"handle":"acme","about":"We build bots"}`, id, stamps)
			},
			query: url.Values{"workspaceIds": {"ws_1", "ws_2", "ws_3"}, "search": {"acme"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListPublicWorkspacesParams
				if params {
					p = &gen.ListPublicWorkspacesParams{WorkspaceIDs: []string{"ws_1", "ws_2", "ws_3"}, Search: waPtr("acme")}
				}
				return waIDs(c.AllPublicWorkspaces(ctx, p), func(v gen.PublicWorkspace) string { return v.ID })
			},
		},
		{
			name: "AllAuditRecords", op: "getAuditRecords", path: "/v1/admin/workspaces/ws_1/audit-records", itemsKey: "records",
			ids: [3]string{"rec_1", "rec_2", "rec_3"},
			item: func(id string) string {
				return fmt.Sprintf(`{"id":%q,"recordedAt":%q,"userId":%q,"resourceId":%q,"action":"UPDATE_BOT"}`, id, waTS1, waUserUUID, waBotUUID)
			},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.GetAuditRecordsParams
				if params {
					p = &gen.GetAuditRecordsParams{}
				}
				return waIDs(c.AllAuditRecords(ctx, "ws_1", p), func(v gen.AuditRecord) string { return v.ID })
			},
		},

		// ---- runtime
		{
			name: "AllConversations", op: "listConversations", path: "/v1/chat/conversations", itemsKey: "conversations", ids: waUUIDs(0xc0),
			item: func(id string) string {
				return fmt.Sprintf(`{"id":%q,%s,"channel":"channel","integration":"webchat","tags":{"lang":"fr"},"messageCount":2}`, id, stamps)
			},
			query: url.Values{"tags.lang": {"fr"}, "participantIds": {"u1", "u2"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListConversationsParams
				if params {
					p = &gen.ListConversationsParams{Tags: map[string]string{"lang": "fr"}, ParticipantIDs: []string{"u1", "u2"}}
				}
				return waIDs(c.AllConversations(ctx, p), func(v gen.Conversation) string { return v.ID })
			},
		},
		{
			name: "AllParticipants", op: "listParticipants", path: "/v1/chat/conversations/" + waConvUUID + "/participants", itemsKey: "participants", ids: waUUIDs(0xa0),
			item: waWalkUserJSON,
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListParticipantsParams
				if params {
					p = &gen.ListParticipantsParams{}
				}
				return waIDs(c.AllParticipants(ctx, waConvUUID, p), func(v gen.User) string { return v.ID })
			},
		},
		{
			name: "AllEvents", op: "listEvents", path: "/v1/chat/events", itemsKey: "events", ids: waUUIDs(0xe0),
			item: func(id string) string {
				return fmt.Sprintf(`{"id":%q,"createdAt":%q,"type":"reminder","payload":{"n":1},"status":"scheduled","failureReason":null}`, id, waTS1)
			},
			query: url.Values{"type": {"reminder"}, "status": {"scheduled"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListEventsParams
				if params {
					p = &gen.ListEventsParams{Type: waPtr("reminder"), Status: waPtr(gen.ListEventsParamsStatusScheduled)}
				}
				return waIDs(c.AllEvents(ctx, p), func(v gen.Event) string { return v.ID })
			},
		},
		{
			name: "AllMessages", op: "listMessages", path: "/v1/chat/messages", itemsKey: "messages", ids: waUUIDs(0xf0),
			item: func(id string) string {
				return fmt.Sprintf(`{"id":%q,%s,"type":"text","payload":{"text":"hello"},"direction":"incoming","userId":%q,"conversationId":%q,"tags":{}}`,
					id, stamps, waUserUUID, waConvUUID)
			},
			query: url.Values{"conversationId": {waConvUUID}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListMessagesParams
				if params {
					p = &gen.ListMessagesParams{ConversationID: waPtr(waConvUUID)}
				}
				return waIDs(c.AllMessages(ctx, p), func(v gen.Message) string { return v.ID })
			},
		},
		{
			name: "AllTagValues", op: "listTagValues", path: "/v1/chat/tags/channel/values", itemsKey: "tags", required: true,
			ids:   [3]string{"web", "telegram", "slack"},
			item:  func(id string) string { return fmt.Sprintf(`{"value":%q}`, id) },
			query: url.Values{"type": {"conversation"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListTagValuesParams
				if params {
					p = &gen.ListTagValuesParams{Type: gen.ListTagValuesParamsTypeConversation}
				}
				return waIDs(c.AllTagValues(ctx, "channel", p), func(v gen.TagValue) string { return v.Value })
			},
		},
		{
			name: "AllTasks", op: "listTasks", path: "/v1/chat/tasks", itemsKey: "tasks", ids: waUUIDs(0x7a),
			item: func(id string) string {
				return fmt.Sprintf(`{"id":%q,"title":"Book","description":"Book a room","type":"booking","data":{},"status":"pending","timeoutAt":%q,%s,"tags":{}}`,
					id, waTS2, stamps)
			},
			query: url.Values{"status": {"pending", "blocked"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListTasksParams
				if params {
					p = &gen.ListTasksParams{Status: []gen.TaskStatus{gen.TaskStatusPending, gen.TaskStatusBlocked}}
				}
				return waIDs(c.AllTasks(ctx, p), func(v gen.Task) string { return v.ID })
			},
		},
		{
			name: "AllUsers", op: "listUsers", path: "/v1/chat/users", itemsKey: "users", ids: waUUIDs(0x05),
			item:  waWalkUserJSON,
			query: url.Values{"tags.email": {"ada@example.com"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListUsersParams
				if params {
					p = &gen.ListUsersParams{Tags: map[string]string{"email": "ada@example.com"}}
				}
				return waIDs(c.AllUsers(ctx, p), func(v gen.User) string { return v.ID })
			},
		},
		{
			name: "AllWorkflows", op: "listWorkflows", path: "/v1/chat/workflows", itemsKey: "workflows", ids: waUUIDs(0x3f),
			item: func(id string) string {
				return fmt.Sprintf(`{"id":%q,"name":"onboarding","status":"in_progress","input":{},"output":{},%s,"timeoutAt":%q,"tags":{}}`, id, stamps, waTS2)
			},
			query: url.Values{"name": {"onboarding"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListWorkflowsParams
				if params {
					p = &gen.ListWorkflowsParams{Name: waPtr("onboarding")}
				}
				return waIDs(c.AllWorkflows(ctx, p), func(v gen.Workflow) string { return v.ID })
			},
		},

		// ---- files
		{
			name: "AllFiles", op: "listFiles", path: "/v1/files", itemsKey: "files",
			ids:   [3]string{"file_1", "file_2", "file_3"},
			item:  func(id string) string { return waFileJSON(id, "docs/"+id+".txt") },
			query: url.Values{"tags.source": {"upload"}, "indexed": {"true"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListFilesParams
				if params {
					p = &gen.ListFilesParams{Tags: map[string][]string{"source": {"upload"}}, Indexed: waPtr(true)}
				}
				return waIDs(c.AllFiles(ctx, p), func(v gen.ListedFile) string { return v.ID })
			},
		},
		{
			name: "AllKnowledgeBases", op: "listKnowledgeBases", path: "/v1/files/knowledge-bases", itemsKey: "knowledgeBases",
			ids: [3]string{"kb_1", "kb_2", "kb_3"},
			item: func(id string) string {
				return fmt.Sprintf(`{"id":%q,"name":"Support docs","createdAt":%q,"tags":{"team":"support"}}`, id, waTS1)
			},
			query: url.Values{"tags.team": {"support"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListKnowledgeBasesParams
				if params {
					p = &gen.ListKnowledgeBasesParams{Tags: map[string][]string{"team": {"support"}}}
				}
				return waIDs(c.AllKnowledgeBases(ctx, p), func(v gen.KnowledgeBase) string { return v.ID })
			},
		},
		{
			name: "AllFileTags", op: "listFileTags", path: "/v1/files/tags", itemsKey: "tags",
			ids: [3]string{"source", "lang", "team"},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListFileTagsParams
				if params {
					p = &gen.ListFileTagsParams{}
				}
				return waIDs(c.AllFileTags(ctx, p), waSelf)
			},
		},
		{
			name: "AllFileTagValues", op: "listFileTagValues", path: "/v1/files/tags/source%20type/values", itemsKey: "values",
			ids: [3]string{"upload", "crawl", "api"},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListFileTagValuesParams
				if params {
					p = &gen.ListFileTagValuesParams{}
				}
				return waIDs(c.AllFileTagValues(ctx, "source type", p), waSelf)
			},
		},
		{
			name: "AllFilePassages", op: "listFilePassages", path: "/v1/files/file_1/passages", itemsKey: "passages",
			ids: [3]string{"psg_1", "psg_2", "psg_3"},
			item: func(id string) string {
				return fmt.Sprintf(`{"id":%q,"content":"Refunds are accepted within 30 days.","meta":{"type":"chunk","pageNumber":1}}`, id)
			},
			query: url.Values{"limit": {"2"}},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListFilePassagesParams
				if params {
					p = &gen.ListFilePassagesParams{Limit: waPtr(2)}
				}
				return waIDs(c.AllFilePassages(ctx, "file_1", p), func(v gen.FilePassage) string { return v.ID })
			},
		},

		// ---- billing
		{
			name: "AllInvoices", op: "listInvoices", path: "/v2/billing/invoices", itemsKey: "invoices",
			ids: [3]string{"in_1", "in_2", "in_3"},
			item: func(id string) string {
				return fmt.Sprintf(`{"id":%q,"amount":495,"currency":"usd","status":"paid","createdAt":%q,"periodStart":null,"periodEnd":null,"dueDate":null,"pdfUrl":null}`, id, waTS1)
			},
			walk: func(ctx context.Context, c *client.Client, params bool) iter.Seq2[string, error] {
				var p *gen.ListInvoicesParams
				if params {
					p = &gen.ListInvoicesParams{}
				}
				return waIDs(c.AllInvoices(ctx, p), func(v gen.ListedInvoice) string { return v.ID })
			},
		},
	}
}

func waInterfaceSummaryJSON(id string) string {
	return fmt.Sprintf(`{"id":%q,"createdAt":%q,"updatedAt":%q,"name":"listable","version":"0.1.0","title":"Listable","description":"Lists items",`+
		`"iconUrl":"","readmeUrl":"","public":true}`, id, waTS1, waTS2)
}

func waWalkUserJSON(id string) string {
	return fmt.Sprintf(`{"id":%q,"createdAt":%q,"updatedAt":%q,"name":"Ada","tags":{"email":"ada@example.com"}}`, id, waTS1, waTS2)
}

// waPages returns the three answers of a walker, keyed by the nextToken
// that asks for them ("" for the first page).
func waPages(w waWalker) map[string]string {
	items := func(ids ...string) string {
		parts := make([]string, len(ids))
		for i, id := range ids {
			if w.item == nil {
				parts[i] = fmt.Sprintf("%q", id)
			} else {
				parts[i] = w.item(id)
			}
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	page := func(list, next string) string {
		switch {
		case w.topToken && next != "":
			return fmt.Sprintf(`{%q:%s,"nextToken":%q}`, w.itemsKey, list, next)
		case w.topToken:
			return fmt.Sprintf(`{%q:%s}`, w.itemsKey, list)
		case next != "":
			return fmt.Sprintf(`{%q:%s,"meta":{"nextToken":%q}}`, w.itemsKey, list, next)
		}
		return fmt.Sprintf(`{%q:%s,"meta":{}}`, w.itemsKey, list)
	}
	return map[string]string{
		"":     page(items(w.ids[0], w.ids[1]), waTok2),
		waTok2: page(items(), waTok3),
		waTok3: page(items(w.ids[2]), ""),
	}
}

// waServePages serves a walker's pages by nextToken; an unknown token
// gets a 400.
func waServePages(t *testing.T, w waWalker) *waRecorder {
	t.Helper()
	pages := waPages(w)
	return waNewRecorder(t, func(rw http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Query().Get("nextToken")]
		if !ok {
			reply(rw, 400, `{"id":"err_1","code":400,"type":"InvalidPayload","message":"unknown nextToken"}`)
			return
		}
		reply(rw, 200, body)
	})
}

// waDrain ranges over a walk, turning a panic into a test failure.
func waDrain(t *testing.T, seq iter.Seq2[string, error]) (ids []string, errs []error) {
	t.Helper()
	waNoPanic(t, func() {
		for id, err := range seq {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			ids = append(ids, id)
		}
	})
	return ids, errs
}

// waCheckPages checks the three requests of a walk: the path, the token,
// and the query the walk must repeat on every page.
func waCheckPages(t *testing.T, w waWalker, s *waRecorder, query url.Values) {
	t.Helper()
	reqs := s.requests()
	require.Len(t, reqs, 3, "exactly three requests")
	for i, r := range reqs {
		assert.Equal(t, "GET", r.Method, "page %d", i+1)
		assert.Equal(t, w.path, s.rawPath(t, i), "page %d", i+1)
		got, err := url.ParseQuery(r.Query)
		require.NoError(t, err)
		want := url.Values{}
		for k, v := range query {
			want[k] = v
		}
		switch i {
		case 1:
			want.Set("nextToken", waTok2)
		case 2:
			want.Set("nextToken", waTok3)
		}
		assert.Equal(t, want, got, "query of page %d", i+1)
		assert.Equal(t, []string{"Bearer " + testToken}, r.Header.Values("Authorization"), "page %d", i+1)
		waCheckRequest(t, w.op, r, s.rawPath(t, i))
	}
}

// TestWalkAllThreePages runs every walker over two items, an empty page
// that still has a next token, and one item.
func TestWalkAllThreePages(t *testing.T) {
	for _, w := range waWalkers() {
		t.Run(w.name, func(t *testing.T) {
			for _, body := range waPages(w) {
				waCheckAnswer(t, w.op, 200, body)
			}
			s := waServePages(t, w)
			c := newClient(t, s.server, client.WithWorkspaceID("ws_1"))
			ids, errs := waDrain(t, w.walk(context.Background(), c, true))
			assert.Empty(t, errs)
			assert.Equal(t, w.ids[:], ids, "every item, in order")
			if len(errs) == 0 {
				waCheckPages(t, w, s, w.query)
			}
		})
	}
}

// TestWalkAllNilParams checks each walker given nil params: a walker
// whose list call has required params yields one ErrMissingArgument and
// sends nothing; the others walk the same three pages with no filter.
func TestWalkAllNilParams(t *testing.T) {
	for _, w := range waWalkers() {
		t.Run(w.name, func(t *testing.T) {
			s := waServePages(t, w)
			c := newClient(t, s.server, client.WithWorkspaceID("ws_1"))
			ids, errs := waDrain(t, w.walk(context.Background(), c, false))
			if w.required {
				assert.Empty(t, ids)
				if assert.Len(t, errs, 1, "one error") {
					assert.ErrorIs(t, errs[0], client.ErrMissingArgument)
				}
				assert.Empty(t, s.requests(), "nothing sent")
				return
			}
			assert.Empty(t, errs)
			assert.Equal(t, w.ids[:], ids)
			if len(errs) == 0 && len(ids) == 3 {
				waCheckPages(t, w, s, nil)
			}
		})
	}
}

// TestWalkAllRequiredMatchesSpec checks that the walkers marked as
// needing params are exactly those whose list call has a required query
// parameter in the spec.
func TestWalkAllRequiredMatchesSpec(t *testing.T) {
	for _, w := range waWalkers() {
		route := waRoute(t, w.op)
		required := false
		for _, p := range route.Operation.Parameters {
			if p.Value.In == "query" && p.Value.Required {
				required = true
			}
		}
		assert.Equal(t, required, w.required, "%s (%s)", w.name, w.op)
		if len(w.query) > 0 || required {
			for _, p := range route.Operation.Parameters {
				if p.Value.In == "query" && p.Value.Required {
					assert.Contains(t, w.query, p.Value.Name, "%s: the required %s is checked on every page", w.name, p.Value.Name)
				}
			}
		}
	}
}

// TestWalkAllCoversEveryWalker checks that the table has one row per All*
// method of the client, found by reflection. (Each walker ranges over its
// operation's *Pages iterator, so the rows test those too.)
func TestWalkAllCoversEveryWalker(t *testing.T) {
	var methods []string
	typ := reflect.TypeOf(&client.Client{})
	for i := range typ.NumMethod() {
		// AllTableRows pages by offset (TestAllTableRows).
		if name := typ.Method(i).Name; strings.HasPrefix(name, "All") && name != "AllTableRows" {
			methods = append(methods, name)
		}
	}
	sort.Strings(methods)
	var rows []string
	for _, w := range waWalkers() {
		rows = append(rows, w.name)
	}
	require.Len(t, rows, 32)
	sort.Strings(rows)
	assert.Equal(t, methods, rows)
}
