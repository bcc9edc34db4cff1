package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// The bodies below are realistic answers, valid against api/openapi.yaml:
// every property the schema requires is present.

const wtStamps = `"createdAt":"2026-01-02T03:04:05.000Z","updatedAt":"2026-01-02T03:04:06.000Z"`

func wtPtr[T any](v T) *T { return &v }

func wtUserJSON(id string) string {
	return fmt.Sprintf(`{"id":%q,"name":"Ada","pictureUrl":"https://example.com/ada.png","tags":{"email":"ada@example.com"},%s}`, id, wtStamps)
}

func wtConversationJSON(id string) string {
	return fmt.Sprintf(`{"id":%q,"channel":"channel","integration":"webchat","tags":{"lang":"fr"},"currentTaskId":"task_1",%s}`, id, wtStamps)
}

func wtMessageJSON(id string) string {
	return fmt.Sprintf(`{"id":%q,"type":"text","payload":{"text":"hello"},"direction":"incoming","userId":"user_1","conversationId":"conv_1","tags":{"ref":"r1"},%s}`, id, wtStamps)
}

func wtEventJSON(id string) string {
	return fmt.Sprintf(`{"id":%q,"createdAt":"2026-01-02T03:04:05Z","type":"reminder","payload":{"n":1},"conversationId":"conv_1","status":"scheduled","failureReason":null}`, id)
}

func wtStateJSON(typ, name string) string {
	return fmt.Sprintf(`{"id":"state_1","botId":"bot_1","userId":"user_1","name":%q,"type":%q,"payload":{"step":2},%s}`, name, typ, wtStamps)
}

func wtTaskJSON(id string) string {
	return fmt.Sprintf(`{"id":%q,"title":"Book","description":"Book a room","type":"booking","data":{"room":"A"},"status":"pending","conversationId":"conv_1","timeoutAt":"2026-02-01T00:00:00Z","tags":{"k":"v"},%s}`, id, wtStamps)
}

func wtWorkflowJSON(id string) string {
	return fmt.Sprintf(`{"id":%q,"name":"onboarding","status":"in_progress","input":{"plan":"pro"},"output":{},"conversationId":"conv_1","timeoutAt":"2026-02-01T00:00:00Z","tags":{"k":"v"},%s}`, id, wtStamps)
}

// wtRecorder serves one canned answer and records the raw request URI of
// each request, which the shared server helper does not keep (it keeps the
// decoded path).
type wtRecorder struct {
	*server
	mu   sync.Mutex
	uris []string
}

func wtNewRecorder(t *testing.T, status int, answer string) *wtRecorder {
	t.Helper()
	rec := &wtRecorder{}
	rec.server = newServer(t, func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.uris = append(rec.uris, r.RequestURI)
		rec.mu.Unlock()
		reply(w, status, answer)
	})
	return rec
}

// rawPath returns the escaped path of request i, as sent on the wire.
func (r *wtRecorder) rawPath(i int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, _, _ := strings.Cut(r.uris[i], "?")
	return p
}

// wtCase is one call of the wire table.
type wtCase struct {
	name   string
	status int    // the success status the spec gives the operation
	answer string // the server's body
	method string
	path   string     // escaped path, as on the wire
	query  url.Values // nil: no query string at all
	body   string     // JSON the client must send; "": no body
	run    func(t *testing.T, ctx context.Context, c *client.Client)
}

func wtCases() []wtCase {
	const tsLater = "2026-03-01T09:00:00Z"
	later, _ := time.Parse(time.RFC3339, tsLater)
	return []wtCase{
		// ---- users
		{
			name: "CreateUser", status: 201, method: "POST", path: "/v1/chat/users",
			answer: `{"user":` + wtUserJSON("user_1") + `}`,
			body:   `{"name":"Ada","pictureUrl":"https://example.com/ada.png","tags":{"email":"ada@example.com"}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.CreateUser(ctx, gen.CreateUserJSONRequestBody{
					Name: wtPtr("Ada"), PictureURL: wtPtr("https://example.com/ada.png"),
					Tags: map[string]string{"email": "ada@example.com"},
				})
				require.NoError(t, err)
				assert.Equal(t, "user_1", out.User.ID)
				assert.Equal(t, "Ada", *out.User.Name)
				assert.Equal(t, 2026, out.User.CreatedAt.Year())
			},
		},
		{
			name: "GetUser", status: 200, method: "GET", path: "/v1/chat/users/user%2F1%20x",
			answer: `{"user":` + wtUserJSON("user/1 x") + `}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetUser(ctx, "user/1 x")
				require.NoError(t, err)
				assert.Equal(t, "user/1 x", out.User.ID)
				assert.Equal(t, map[string]string{"email": "ada@example.com"}, out.User.Tags)
			},
		},
		{
			name: "ListUsers", status: 200, method: "GET", path: "/v1/chat/users",
			query: url.Values{
				"conversationId": {"conv_1"}, "tags.email": {"ada@example.com"},
				"sortField": {"createdAt"}, "sortDirection": {"desc"},
				"rangeField": {"updatedAt"}, "afterDate": {"2026-01-01T00:00:00.000Z"},
			},
			answer: `{"users":[` + wtUserJSON("user_1") + `,` + wtUserJSON("user_2") + `],"meta":{"nextToken":"tok_2"}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.ListUsers(ctx, &gen.ListUsersParams{
					ConversationID: wtPtr("conv_1"),
					Tags:           map[string]string{"email": "ada@example.com"},
					SortField:      wtPtr(gen.DateFieldCreatedAt),
					SortDirection:  wtPtr(gen.SortDirectionDesc),
					RangeField:     wtPtr(gen.DateFieldUpdatedAt),
					AfterDate:      wtPtr(mustTime("2026-01-01T00:00:00.000Z")),
				})
				require.NoError(t, err)
				require.Len(t, out.Users, 2)
				assert.Equal(t, "user_2", out.Users[1].ID)
				require.NotNil(t, out.Meta.NextToken)
				assert.Equal(t, "tok_2", *out.Meta.NextToken)
			},
		},
		{
			name: "GetOrCreateUser", status: 200, method: "POST", path: "/v1/chat/users/get-or-create",
			answer: `{"user":` + wtUserJSON("user_1") + `}`,
			body:   `{"name":"Ada","tags":{"email":"ada@example.com"},"discriminateByTags":["email"]}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetOrCreateUser(ctx, gen.GetOrCreateUserJSONRequestBody{
					Name: wtPtr("Ada"), Tags: client.NullableStrings(map[string]string{"email": "ada@example.com"}),
					DiscriminateByTags: []string{"email"},
				})
				require.NoError(t, err)
				assert.Equal(t, "user_1", out.User.ID)
			},
		},
		{
			name: "UpdateUser", status: 200, method: "PUT", path: "/v1/chat/users/user_1",
			answer: `{"user":` + wtUserJSON("user_1") + `}`,
			// name unset is absent, pictureUrl set to null is sent as null.
			body: `{"pictureUrl":null,"tags":{"email":""}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.UpdateUser(ctx, "user_1", gen.UpdateUserJSONRequestBody{
					PictureURL: nullable.NewNullNullable[string](),
					Tags:       client.NullableStrings(map[string]string{"email": ""}),
				})
				require.NoError(t, err)
				assert.Equal(t, "user_1", out.User.ID)
				assert.Equal(t, 6, out.User.UpdatedAt.Second())
			},
		},
		{
			name: "DeleteUser", status: 200, method: "DELETE", path: "/v1/chat/users/user%3F1",
			answer: `{}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				require.NoError(t, c.DeleteUser(ctx, "user?1"))
			},
		},

		// ---- conversations
		{
			name: "CreateConversation", status: 201, method: "POST", path: "/v1/chat/conversations",
			answer: `{"conversation":` + wtConversationJSON("conv_1") + `}`,
			body:   `{"channel":"channel","tags":{"id":"123"}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.CreateConversation(ctx, gen.CreateConversationJSONRequestBody{
					Channel: "channel", Tags: map[string]string{"id": "123"},
				})
				require.NoError(t, err)
				assert.Equal(t, "conv_1", out.Conversation.ID)
				assert.Equal(t, "webchat", out.Conversation.Integration)
			},
		},
		{
			name: "GetConversation", status: 200, method: "GET", path: "/v1/chat/conversations/conv%201%23x",
			answer: `{"conversation":` + wtConversationJSON("conv 1#x") + `}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetConversation(ctx, "conv 1#x")
				require.NoError(t, err)
				assert.Equal(t, "conv 1#x", out.Conversation.ID)
				require.NotNil(t, out.Conversation.CurrentTaskID)
				assert.Equal(t, "task_1", *out.Conversation.CurrentTaskID)
			},
		},
		{
			name: "ListConversations", status: 200, method: "GET", path: "/v1/chat/conversations",
			query: url.Values{
				"tags.channel": {"web"}, "tags.lang": {"fr"}, "participantIds": {"u1", "u2"},
				"integrationName": {"webchat"}, "channel": {"channel"},
				"sortField": {"updatedAt"}, "sortDirection": {"asc"}, "nextToken": {"tok_1"},
			},
			answer: `{"conversations":[` + wtConversationJSON("conv_1") + `],"meta":{}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.ListConversations(ctx, &gen.ListConversationsParams{
					Tags:            map[string]string{"channel": "web", "lang": "fr"},
					ParticipantIDs:  []string{"u1", "u2"},
					IntegrationName: wtPtr("webchat"),
					Channel:         wtPtr("channel"),
					SortField:       wtPtr(gen.DateFieldUpdatedAt),
					SortDirection:   wtPtr(gen.SortDirectionAsc),
					NextToken:       wtPtr("tok_1"),
				})
				require.NoError(t, err)
				require.Len(t, out.Conversations, 1)
				assert.Equal(t, "fr", out.Conversations[0].Tags["lang"])
				assert.Nil(t, out.Meta.NextToken)
			},
		},
		{
			name: "GetOrCreateConversation", status: 200, method: "POST", path: "/v1/chat/conversations/get-or-create",
			answer: `{"conversation":` + wtConversationJSON("conv_1") + `}`,
			body:   `{"channel":"channel","tags":{"id":"123"},"discriminateByTags":["id"]}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetOrCreateConversation(ctx, gen.GetOrCreateConversationJSONRequestBody{
					Channel: "channel", Tags: client.NullableStrings(map[string]string{"id": "123"}), DiscriminateByTags: []string{"id"},
				})
				require.NoError(t, err)
				assert.Equal(t, "conv_1", out.Conversation.ID)
			},
		},
		{
			name: "UpdateConversation", status: 200, method: "PUT", path: "/v1/chat/conversations/conv_1",
			answer: `{"conversation":` + wtConversationJSON("conv_1") + `}`,
			body:   `{"currentTaskId":"task_1","tags":{"lang":"en"}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.UpdateConversation(ctx, "conv_1", gen.UpdateConversationJSONRequestBody{
					CurrentTaskID: wtPtr("task_1"), Tags: client.NullableStrings(map[string]string{"lang": "en"}),
				})
				require.NoError(t, err)
				assert.Equal(t, "channel", out.Conversation.Channel)
			},
		},
		{
			name: "DeleteConversation", status: 200, method: "DELETE", path: "/v1/chat/conversations/conv_1",
			answer: `{}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				require.NoError(t, c.DeleteConversation(ctx, "conv_1"))
			},
		},

		// ---- participants
		{
			name: "AddParticipant", status: 200, method: "POST", path: "/v1/chat/conversations/conv_1/participants",
			answer: `{"participant":` + wtUserJSON("user_2") + `}`,
			body:   `{"userId":"user_2"}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.AddParticipant(ctx, "conv_1", gen.AddParticipantJSONRequestBody{UserID: "user_2"})
				require.NoError(t, err)
				assert.Equal(t, "user_2", out.Participant.ID)
			},
		},
		{
			name: "GetParticipant", status: 200, method: "GET", path: "/v1/chat/conversations/conv%2F1/participants/user%201",
			answer: `{"participant":` + wtUserJSON("user 1") + `}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetParticipant(ctx, "conv/1", "user 1")
				require.NoError(t, err)
				assert.Equal(t, "user 1", out.Participant.ID)
				assert.Equal(t, "https://example.com/ada.png", *out.Participant.PictureURL)
			},
		},
		{
			name: "ListParticipants", status: 200, method: "GET", path: "/v1/chat/conversations/conv%2F1/participants",
			query:  url.Values{"nextToken": {"tok_1"}},
			answer: `{"participants":[` + wtUserJSON("user_1") + `],"meta":{"nextToken":"tok_2"}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.ListParticipants(ctx, "conv/1", &gen.ListParticipantsParams{NextToken: wtPtr("tok_1")})
				require.NoError(t, err)
				require.Len(t, out.Participants, 1)
				assert.Equal(t, "tok_2", *out.Meta.NextToken)
			},
		},
		{
			name: "RemoveParticipant", status: 200, method: "DELETE", path: "/v1/chat/conversations/conv_1/participants/user%2F2",
			answer: `{}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				require.NoError(t, c.RemoveParticipant(ctx, "conv_1", "user/2"))
			},
		},

		// ---- events
		{
			name: "CreateEvent", status: 201, method: "POST", path: "/v1/chat/events",
			answer: `{"event":` + wtEventJSON("evt_1") + `}`,
			body:   `{"type":"reminder","payload":{"n":1},"conversationId":"conv_1","schedule":{"dateTime":"2026-03-01T09:00:00.000Z"}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.CreateEvent(ctx, gen.CreateEventJSONRequestBody{
					Type: "reminder", Payload: map[string]any{"n": 1}, ConversationID: wtPtr("conv_1"),
					Schedule: &gen.CreateEventBody_Schedule{DateTime: wtPtr("2026-03-01T09:00:00.000Z")},
				})
				require.NoError(t, err)
				assert.Equal(t, "evt_1", out.Event.ID)
				assert.Equal(t, gen.EventStatusScheduled, out.Event.Status)
				assert.True(t, out.Event.FailureReason.IsNull())
			},
		},
		{
			name: "CreateEventDelay", status: 201, method: "POST", path: "/v1/chat/events",
			answer: `{"event":` + wtEventJSON("evt_2") + `}`,
			body:   `{"type":"reminder","payload":{},"schedule":{"delay":60000}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.CreateEvent(ctx, gen.CreateEventJSONRequestBody{
					Type: "reminder", Payload: map[string]any{},
					Schedule: &gen.CreateEventBody_Schedule{Delay: wtPtr(60000.0)},
				})
				require.NoError(t, err)
				assert.Equal(t, "evt_2", out.Event.ID)
			},
		},
		{
			name: "GetEvent", status: 200, method: "GET", path: "/v1/chat/events/evt_1",
			answer: `{"event":` + wtEventJSON("evt_1") + `}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetEvent(ctx, "evt_1")
				require.NoError(t, err)
				assert.Equal(t, "reminder", out.Event.Type)
				assert.Equal(t, "conv_1", *out.Event.ConversationID)
			},
		},
		{
			name: "ListEvents", status: 200, method: "GET", path: "/v1/chat/events",
			query:  url.Values{"type": {"reminder"}, "conversationId": {"conv_1"}, "status": {"scheduled"}, "workflowId": {"wf_1"}},
			answer: `{"events":[` + wtEventJSON("evt_1") + `,` + wtEventJSON("evt_2") + `],"meta":{}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.ListEvents(ctx, &gen.ListEventsParams{
					Type: wtPtr("reminder"), ConversationID: wtPtr("conv_1"),
					Status: wtPtr(gen.ListEventsParamsStatusScheduled), WorkflowID: wtPtr("wf_1"),
				})
				require.NoError(t, err)
				require.Len(t, out.Events, 2)
				assert.Equal(t, "evt_2", out.Events[1].ID)
			},
		},
		{
			name: "CancelScheduledEvent", status: 200, method: "DELETE", path: "/v1/chat/events/scheduled/evt_1",
			answer: `{}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				require.NoError(t, c.CancelScheduledEvent(ctx, "evt_1"))
			},
		},

		// ---- messages
		{
			name: "CreateMessage", status: 201, method: "POST", path: "/v1/chat/messages",
			answer: `{"message":` + wtMessageJSON("msg_1") + `}`,
			body:   `{"conversationId":"conv_1","userId":"user_1","type":"text","payload":{"text":"hello"},"tags":{"ref":"r1"},"origin":"synthetic"}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				// No Type: it is taken from the payload.
				out, err := c.CreateMessage(ctx, gen.CreateMessageJSONRequestBody{
					ConversationID: "conv_1", UserID: "user_1",
					Payload: message.Text("hello"), Tags: map[string]string{"ref": "r1"},
					Origin: wtPtr(gen.MessageOriginSynthetic),
				})
				require.NoError(t, err)
				assert.Equal(t, "msg_1", out.Message.ID)
				assert.Equal(t, gen.MessageDirectionIncoming, out.Message.Direction)
				p, err := message.Decode(out.Message.Type, out.Message.Payload)
				require.NoError(t, err)
				assert.Equal(t, message.Text("hello"), p)
			},
		},
		{
			name: "CreateMessage choice", status: 201, method: "POST", path: "/v1/chat/messages",
			answer: `{"message":` + wtMessageJSON("msg_1") + `}`,
			body: `{"conversationId":"conv_1","userId":"user_1","type":"choice","tags":{},
				"payload":{"text":"Billing or bug?","options":[{"label":"Billing","value":"billing"},{"label":"Bug","value":"bug"}]}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				_, err := c.CreateMessage(ctx, gen.CreateMessageJSONRequestBody{
					ConversationID: "conv_1", UserID: "user_1", Tags: map[string]string{},
					Payload: message.Choice("Billing or bug?", message.Option("Billing", "billing"), message.Option("Bug", "bug")),
				})
				require.NoError(t, err)
			},
		},
		{
			name: "CreateMessage bloc", status: 201, method: "POST", path: "/v1/chat/messages",
			answer: `{"message":` + wtMessageJSON("msg_1") + `}`,
			body: `{"conversationId":"conv_1","userId":"user_1","type":"bloc","tags":{},
				"payload":{"items":[{"type":"text","payload":{"text":"Here:"}},{"type":"image","payload":{"imageUrl":"https://x/i.png","title":"Map"}}]}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				img := message.Image("https://x/i.png")
				img.Title = "Map"
				_, err := c.CreateMessage(ctx, gen.CreateMessageJSONRequestBody{
					ConversationID: "conv_1", UserID: "user_1", Tags: map[string]string{},
					Payload: message.Bloc(message.Text("Here:"), img),
				})
				require.NoError(t, err)
			},
		},
		{
			// The escape hatch: any JSON, such as a map, under any type.
			name: "CreateMessage raw", status: 201, method: "POST", path: "/v1/chat/messages",
			answer: `{"message":` + wtMessageJSON("msg_1") + `}`,
			body:   `{"conversationId":"conv_1","userId":"user_1","type":"poll","tags":{},"payload":{"question":"Lunch?","n":2}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				fields, err := json.Marshal(map[string]any{"question": "Lunch?", "n": 2})
				require.NoError(t, err)
				_, err = c.CreateMessage(ctx, gen.CreateMessageJSONRequestBody{
					ConversationID: "conv_1", UserID: "user_1", Tags: map[string]string{},
					Payload: &message.Unknown{Type: "poll", Raw: fields},
				})
				require.NoError(t, err)
			},
		},
		{
			name: "GetMessage", status: 200, method: "GET", path: "/v1/chat/messages/msg%2F1",
			answer: `{"message":` + wtMessageJSON("msg/1") + `}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetMessage(ctx, "msg/1")
				require.NoError(t, err)
				assert.Equal(t, "msg/1", out.Message.ID)
				assert.Equal(t, "conv_1", out.Message.ConversationID)
			},
		},
		{
			name: "ListMessages", status: 200, method: "GET", path: "/v1/chat/messages",
			query:  url.Values{"conversationId": {"conv_1"}, "tags.ref": {"r1"}, "beforeDate": {"2026-02-01T00:00:00.000Z"}},
			answer: `{"messages":[` + wtMessageJSON("msg_1") + `],"meta":{"nextToken":"tok_2"}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.ListMessages(ctx, &gen.ListMessagesParams{
					ConversationID: wtPtr("conv_1"), Tags: map[string]string{"ref": "r1"},
					BeforeDate: wtPtr(mustTime("2026-02-01T00:00:00.000Z")),
				})
				require.NoError(t, err)
				require.Len(t, out.Messages, 1)
				assert.Equal(t, "tok_2", *out.Meta.NextToken)
			},
		},
		{
			name: "UpdateMessage", status: 200, method: "PUT", path: "/v1/chat/messages/msg_1",
			answer: `{"message":` + wtMessageJSON("msg_1") + `}`,
			body:   `{"payload":{"text":"edited"},"tags":{"edited":"true"}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.UpdateMessage(ctx, "msg_1", gen.UpdateMessageJSONRequestBody{
					Payload: message.Text("edited"), Tags: client.NullableStrings(map[string]string{"edited": "true"}),
				})
				require.NoError(t, err)
				assert.Equal(t, "msg_1", out.Message.ID)
			},
		},
		{
			name: "DeleteMessage", status: 200, method: "DELETE", path: "/v1/chat/messages/msg_1",
			answer: `{}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				require.NoError(t, c.DeleteMessage(ctx, "msg_1"))
			},
		},
		{
			name: "GetOrCreateMessage", status: 200, method: "POST", path: "/v1/chat/messages/get-or-create",
			answer: `{"message":` + wtMessageJSON("msg_1") + `}`,
			body:   `{"conversationId":"conv_1","userId":"user_1","type":"text","payload":{"text":"hello"},"tags":{"ref":"r1"},"discriminateByTags":["ref"]}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetOrCreateMessage(ctx, gen.GetOrCreateMessageJSONRequestBody{
					ConversationID: "conv_1", UserID: "user_1", Type: "text",
					Payload: message.Text("hello"), Tags: client.NullableStrings(map[string]string{"ref": "r1"}),
					DiscriminateByTags: []string{"ref"},
				})
				require.NoError(t, err)
				assert.Equal(t, map[string]string{"ref": "r1"}, out.Message.Tags)
			},
		},
		{
			name: "InitializeIncomingMessage", status: 200, method: "POST", path: "/v1/chat/initialize-incoming-message",
			answer: `{"user":` + wtUserJSON("user_1") + `,"conversation":` + wtConversationJSON("conv_1") + `,"message":` + wtMessageJSON("msg_1") + `}`,
			body: `{
				"conversation":{"channel":"channel","tags":{"id":"c1"},"discriminateByTags":["id"]},
				"user":{"tags":{"id":"u1"},"discriminateByTags":["id"],"name":"Ada"},
				"message":{"type":"text","payload":{"text":"hi"},"tags":{"id":"m1"},"discriminateByTags":["id"]}
			}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.InitializeIncomingMessage(ctx, gen.InitializeIncomingMessageJSONRequestBody{
					Conversation: &gen.InitializeIncomingMessageBody_Conversation{
						Channel: "channel", Tags: map[string]string{"id": "c1"}, DiscriminateByTags: []string{"id"},
					},
					User: &gen.InitializeIncomingMessageBody_User{
						Tags: map[string]string{"id": "u1"}, DiscriminateByTags: []string{"id"}, Name: wtPtr("Ada"),
					},
					Message: &gen.InitializeIncomingMessageBody_Message{
						Payload: message.Text("hi"),
						Tags:    map[string]string{"id": "m1"}, DiscriminateByTags: []string{"id"},
					},
				})
				require.NoError(t, err)
				assert.Equal(t, "user_1", out.User.ID)
				assert.Equal(t, "conv_1", out.Conversation.ID)
				require.NotNil(t, out.Message)
				assert.Equal(t, "msg_1", out.Message.ID)
			},
		},
		{
			name: "ImportMessages", status: 200, method: "POST", path: "/v1/chat/messages/import-messages",
			answer: `{"messages":[` + wtMessageJSON("msg_1") + `,` + wtMessageJSON("msg_2") + `]}`,
			body: `{"messages":[
				{"conversationId":"conv_1","userId":"user_1","type":"text","payload":{"text":"old"},"tags":{"ref":"r1"},"discriminateByTags":["ref"],"createdAt":"2025-06-01T12:00:00Z"}
			]}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.ImportMessages(ctx, gen.ImportMessagesJSONRequestBody{
					Messages: []gen.ImportMessagesBody_Messages{{
						ConversationID: "conv_1", UserID: "user_1",
						Payload: message.Text("old"), Tags: map[string]string{"ref": "r1"},
						DiscriminateByTags: []string{"ref"},
						CreatedAt:          time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC),
					}},
				})
				require.NoError(t, err)
				require.Len(t, out.Messages, 2)
				assert.Equal(t, "msg_2", out.Messages[1].ID)
			},
		},

		// ---- states
		{
			name: "GetState", status: 200, method: "GET", path: "/v1/chat/states/conversation/conv%2F1/agent%20memory",
			answer: `{"state":` + wtStateJSON("conversation", "agent memory") + `,"meta":{"cached":false}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetState(ctx, gen.StateTypeConversation, "conv/1", "agent memory")
				require.NoError(t, err)
				assert.Equal(t, "agent memory", out.State.Name)
				assert.Equal(t, gen.StateTypeConversation, out.State.Type)
				assert.False(t, out.Meta.Cached)
			},
		},
		{
			name: "SetState", status: 200, method: "POST", path: "/v1/chat/states/user/user_1/profile",
			answer: `{"state":` + wtStateJSON("user", "profile") + `}`,
			body:   `{"payload":{"step":2},"expiry":3600000}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.SetState(ctx, gen.StateTypeUser, "user_1", "profile", gen.SetStateJSONRequestBody{
					Payload: nullable.NewNullableWithValue(map[string]any{"step": 2}),
					Expiry:  nullable.NewNullableWithValue(3600000.0),
				})
				require.NoError(t, err)
				assert.Equal(t, float64(2), out.State.Payload["step"])
				assert.Equal(t, "bot_1", out.State.BotID)
			},
		},
		{
			name: "GetOrSetState", status: 200, method: "POST", path: "/v1/chat/states/bot/bot_1/settings/get-or-set",
			answer: `{"state":` + wtStateJSON("bot", "settings") + `,"meta":{"cached":true}}`,
			body:   `{"payload":{"step":1}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetOrSetState(ctx, gen.StateTypeBot, "bot_1", "settings", gen.GetOrSetStateJSONRequestBody{
					Payload: map[string]any{"step": 1},
				})
				require.NoError(t, err)
				assert.True(t, out.Meta.Cached)
				assert.Equal(t, gen.StateTypeBot, out.State.Type)
			},
		},
		{
			name: "PatchState", status: 200, method: "PATCH", path: "/v1/chat/states/workflow/wf_1/progress",
			answer: `{"state":` + wtStateJSON("workflow", "progress") + `}`,
			body:   `{"payload":{"step":3}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.PatchState(ctx, gen.StateTypeWorkflow, "wf_1", "progress", gen.PatchStateJSONRequestBody{
					Payload: map[string]any{"step": 3},
				})
				require.NoError(t, err)
				assert.Equal(t, "progress", out.State.Name)
			},
		},
		{
			name: "SetStateExpiry", status: 200, method: "POST", path: "/v1/chat/states/workflow/wflow_1/cache/expiry",
			answer: `{"state":` + wtStateJSON("workflow", "cache") + `}`,
			body:   `{"expiry":null}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.SetStateExpiry(ctx, gen.StateTypeWorkflow, "wflow_1", "cache", gen.SetStateExpiryJSONRequestBody{
					Expiry: nullable.NewNullNullable[float64](),
				})
				require.NoError(t, err)
				assert.Equal(t, gen.StateTypeWorkflow, out.State.Type)
			},
		},

		// ---- actions
		{
			name: "CallAction", status: 200, method: "POST", path: "/v1/chat/actions",
			answer: `{"output":{"ok":true,"ts":"1712"},"meta":{"cached":false}}`,
			body:   `{"type":"slack:sendMessage","input":{"channel":"#general","text":"hi"}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.CallAction(ctx, gen.CallActionJSONRequestBody{
					Type: "slack:sendMessage", Input: map[string]any{"channel": "#general", "text": "hi"},
				})
				require.NoError(t, err)
				assert.Equal(t, true, out.Output["ok"])
				assert.False(t, out.Meta.Cached)
			},
		},
		{
			name: "ConfigureIntegration", status: 200, method: "POST", path: "/v1/chat/integrations/configure",
			answer: `{}`,
			body:   `{"identifier":"acct_1","scheduleRegisterCall":"daily"}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				require.NoError(t, c.ConfigureIntegration(ctx, gen.ConfigureIntegrationJSONRequestBody{
					Identifier:           nullable.NewNullableWithValue("acct_1"),
					ScheduleRegisterCall: wtPtr(gen.ConfigureIntegrationBodyScheduleRegisterCallDaily),
				}))
			},
		},

		// ---- tasks
		{
			name: "CreateTask", status: 201, method: "POST", path: "/v1/chat/tasks",
			answer: `{"task":` + wtTaskJSON("task_1") + `}`,
			body:   `{"conversationId":"conv_1","type":"booking","title":"Book","timeoutAt":"2026-03-01T09:00:00Z","data":{"room":"A"}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.CreateTask(ctx, gen.CreateTaskJSONRequestBody{
					ConversationID: "conv_1", Type: "booking", Title: wtPtr("Book"),
					TimeoutAt: &later, Data: map[string]any{"room": "A"},
				})
				require.NoError(t, err)
				assert.Equal(t, "task_1", out.Task.ID)
				assert.Equal(t, gen.TaskStatusPending, out.Task.Status)
			},
		},
		{
			name: "GetTask", status: 200, method: "GET", path: "/v1/chat/tasks/task_1",
			answer: `{"task":` + wtTaskJSON("task_1") + `}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetTask(ctx, "task_1")
				require.NoError(t, err)
				assert.Equal(t, "Book a room", out.Task.Description)
				assert.Equal(t, time.February, out.Task.TimeoutAt.Month())
			},
		},
		{
			name: "UpdateTask", status: 200, method: "PUT", path: "/v1/chat/tasks/task_1",
			answer: `{"task":` + wtTaskJSON("task_1") + `}`,
			body:   `{"status":"completed","data":{"room":"B"}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.UpdateTask(ctx, "task_1", gen.UpdateTaskJSONRequestBody{
					Status: wtPtr(gen.TaskStatusCompleted), Data: map[string]any{"room": "B"},
				})
				require.NoError(t, err)
				assert.Equal(t, "booking", out.Task.Type)
			},
		},
		{
			name: "ListTasks", status: 200, method: "GET", path: "/v1/chat/tasks",
			query:  url.Values{"status": {"pending", "in_progress"}, "conversationId": {"conv_1"}, "type": {"booking"}},
			answer: `{"tasks":[` + wtTaskJSON("task_1") + `],"meta":{}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.ListTasks(ctx, &gen.ListTasksParams{
					Status:         []gen.TaskStatus{gen.TaskStatusPending, gen.TaskStatusInProgress},
					ConversationID: wtPtr("conv_1"), Type: wtPtr("booking"),
				})
				require.NoError(t, err)
				require.Len(t, out.Tasks, 1)
				assert.Equal(t, "v", out.Tasks[0].Tags["k"])
			},
		},
		{
			name: "DeleteTask", status: 200, method: "DELETE", path: "/v1/chat/tasks/task_1",
			answer: `{}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				require.NoError(t, c.DeleteTask(ctx, "task_1"))
			},
		},

		// ---- workflows
		{
			name: "CreateWorkflow", status: 201, method: "POST", path: "/v1/chat/workflows",
			answer: `{"workflow":` + wtWorkflowJSON("wf_1") + `}`,
			body:   `{"name":"onboarding","status":"pending","conversationId":"conv_1","input":{"plan":"pro"},"timeoutAt":"2026-03-01T09:00:00Z"}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.CreateWorkflow(ctx, gen.CreateWorkflowJSONRequestBody{
					Name: "onboarding", Status: gen.WorkflowStartStatusPending,
					ConversationID: wtPtr("conv_1"), Input: map[string]any{"plan": "pro"}, TimeoutAt: &later,
				})
				require.NoError(t, err)
				assert.Equal(t, "wf_1", out.Workflow.ID)
				assert.Equal(t, gen.WorkflowStatusInProgress, out.Workflow.Status)
			},
		},
		{
			name: "GetWorkflow", status: 200, method: "GET", path: "/v1/chat/workflows/wf_1",
			answer: `{"workflow":` + wtWorkflowJSON("wf_1") + `}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetWorkflow(ctx, "wf_1")
				require.NoError(t, err)
				assert.Equal(t, "pro", out.Workflow.Input["plan"])
				assert.Nil(t, out.Workflow.CompletedAt)
			},
		},
		{
			name: "UpdateWorkflow", status: 200, method: "PUT", path: "/v1/chat/workflows/wf_1",
			answer: `{"workflow":` + wtWorkflowJSON("wf_1") + `}`,
			body:   `{"status":"completed","output":{"ok":true}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.UpdateWorkflow(ctx, "wf_1", gen.UpdateWorkflowJSONRequestBody{
					Status: wtPtr(gen.UpdateWorkflowBodyStatusCompleted), Output: map[string]any{"ok": true},
				})
				require.NoError(t, err)
				assert.Equal(t, "onboarding", out.Workflow.Name)
			},
		},
		{
			name: "ListWorkflows", status: 200, method: "GET", path: "/v1/chat/workflows",
			query:  url.Values{"statuses": {"in_progress", "listening"}, "name": {"onboarding"}, "tags.k": {"v"}},
			answer: `{"workflows":[` + wtWorkflowJSON("wf_1") + `,` + wtWorkflowJSON("wf_2") + `],"meta":{"nextToken":"tok_2"}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.ListWorkflows(ctx, &gen.ListWorkflowsParams{
					Statuses: []gen.WorkflowStatus{gen.WorkflowStatusInProgress, gen.WorkflowStatusListening},
					Name:     wtPtr("onboarding"), Tags: map[string]string{"k": "v"},
				})
				require.NoError(t, err)
				require.Len(t, out.Workflows, 2)
				assert.Equal(t, "wf_2", out.Workflows[1].ID)
			},
		},
		{
			name: "GetOrCreateWorkflow", status: 200, method: "POST", path: "/v1/chat/workflows/get-or-create",
			answer: `{"workflow":` + wtWorkflowJSON("wf_1") + `}`,
			body:   `{"name":"onboarding","status":"pending","tags":{"k":"v"},"discriminateByTags":["k"],"discriminateByStatusGroup":"active"}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.GetOrCreateWorkflow(ctx, gen.GetOrCreateWorkflowJSONRequestBody{
					Name: "onboarding", Status: gen.WorkflowStartStatusPending,
					Tags: map[string]string{"k": "v"}, DiscriminateByTags: []string{"k"},
					DiscriminateByStatusGroup: wtPtr(gen.GetOrCreateWorkflowBodyDiscriminateByStatusGroupActive),
				})
				require.NoError(t, err)
				assert.Equal(t, "wf_1", out.Workflow.ID)
			},
		},
		{
			name: "DeleteWorkflow", status: 200, method: "DELETE", path: "/v1/chat/workflows/wf_1",
			answer: `{}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				require.NoError(t, c.DeleteWorkflow(ctx, "wf_1"))
			},
		},

		// ---- tags
		{
			name: "ListTagValues", status: 200, method: "GET", path: "/v1/chat/tags/channel%20id/values",
			query:  url.Values{"type": {"conversation"}, "nextToken": {"tok_1"}},
			answer: `{"tags":[{"value":"web"},{"value":"sms"}],"meta":{"nextToken":"tok_2"}}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				out, err := c.ListTagValues(ctx, "channel id", &gen.ListTagValuesParams{
					Type: gen.ListTagValuesParamsTypeConversation, NextToken: wtPtr("tok_1"),
				})
				require.NoError(t, err)
				assert.Equal(t, []gen.TagValue{{Value: "web"}, {Value: "sms"}}, out.Tags)
				assert.Equal(t, "tok_2", *out.Meta.NextToken)
			},
		},

		// ---- analytics
		{
			name: "TrackAnalytics", status: 200, method: "POST", path: "/v1/chat/analytics",
			answer: `{}`,
			body:   `{"name":"signup","count":2}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				require.NoError(t, c.TrackAnalytics(ctx, gen.TrackAnalyticsJSONRequestBody{Name: "signup", Count: 2}))
			},
		},
		{
			name: "CaptureObservation", status: 200, method: "POST", path: "/v1/chat/observations",
			answer: `{}`,
			body:   `{"name":"llm.call","data":{"tokens":12},"conversationId":"conv_1","traceId":"tr_1"}`,
			run: func(t *testing.T, ctx context.Context, c *client.Client) {
				require.NoError(t, c.CaptureObservation(ctx, gen.CaptureObservationJSONRequestBody{
					Name: "llm.call", Data: map[string]any{"tokens": 12},
					ConversationID: client.Ptr("conv_1"), TraceID: client.Ptr("tr_1"),
				}))
			},
		},
	}
}

// TestWireOperations checks method, path, query, headers and body of a
// representative call of every runtime section, and the decoding of the
// spec's success answer.
func TestWireOperations(t *testing.T) {
	for _, tc := range wtCases() {
		t.Run(tc.name, func(t *testing.T) {
			rec := wtNewRecorder(t, tc.status, tc.answer)
			c := newClient(t, rec.server)
			tc.run(t, context.Background(), c)

			reqs := rec.requests()
			require.Len(t, reqs, 1, "exactly one request")
			r := reqs[0]
			assert.Equal(t, tc.method, r.Method)
			assert.Equal(t, tc.path, rec.rawPath(0), "escaped path on the wire")
			if tc.query == nil {
				assert.Empty(t, r.Query, "no query string")
			} else {
				got, err := url.ParseQuery(r.Query)
				require.NoError(t, err)
				assert.Equal(t, tc.query, got, "query %q", r.Query)
			}
			assert.Equal(t, []string{"Bearer " + testToken}, r.Header.Values("Authorization"))
			assert.Equal(t, []string{"bot_1"}, r.Header.Values("X-Bot-Id"))
			assert.Equal(t, "application/json", r.Header.Get("Accept"))
			if tc.body != "" {
				assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
				assert.JSONEq(t, tc.body, string(r.Body))
			} else {
				assert.Empty(t, r.Body, "no body")
				if tc.method == http.MethodGet {
					assert.Empty(t, r.Header.Get("Content-Type"), "no Content-Type on a GET")
				}
			}
		})
	}
}

// TestWireOperationsCoverEverySection makes sure the table keeps covering
// every operation the brief lists.
func TestWireOperationsCoverEverySection(t *testing.T) {
	want := []string{
		"CreateUser", "GetUser", "ListUsers", "GetOrCreateUser", "UpdateUser", "DeleteUser",
		"CreateConversation", "GetConversation", "ListConversations", "GetOrCreateConversation", "UpdateConversation", "DeleteConversation",
		"AddParticipant", "GetParticipant", "ListParticipants", "RemoveParticipant",
		"CreateEvent", "GetEvent", "ListEvents", "CancelScheduledEvent",
		"CreateMessage", "GetMessage", "ListMessages", "UpdateMessage", "DeleteMessage", "GetOrCreateMessage", "InitializeIncomingMessage", "ImportMessages",
		"GetState", "SetState", "GetOrSetState", "PatchState", "SetStateExpiry",
		"CallAction", "ConfigureIntegration",
		"CreateTask", "GetTask", "UpdateTask", "ListTasks", "DeleteTask",
		"CreateWorkflow", "GetWorkflow", "UpdateWorkflow", "ListWorkflows", "GetOrCreateWorkflow", "DeleteWorkflow",
		"ListTagValues", "TrackAnalytics", "CaptureObservation",
	}
	have := map[string]bool{}
	for _, tc := range wtCases() {
		have[tc.name] = true
	}
	for _, name := range want {
		assert.True(t, have[name], "no wire case for %s", name)
	}
}

// TestWireListConversationsQuery checks the dotted tag keys and the
// repeated participantIds key.
func TestWireListConversationsQuery(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"conversations":[],"meta":{}}`)
	})
	c := newClient(t, s)
	_, err := c.ListConversations(context.Background(), &gen.ListConversationsParams{
		Tags:           map[string]string{"channel": "web", "lang": "fr"},
		ParticipantIDs: []string{"u1", "u2"},
	})
	require.NoError(t, err)
	raw := s.last(t).Query
	got, err := url.ParseQuery(raw)
	require.NoError(t, err)
	assert.Equal(t, url.Values{
		"participantIds": {"u1", "u2"},
		"tags.channel":   {"web"},
		"tags.lang":      {"fr"},
	}, got)
	assert.Contains(t, raw, "tags.channel=web")
	assert.Contains(t, raw, "tags.lang=fr")
	assert.Equal(t, 2, strings.Count(raw, "participantIds=u"), "the key repeats: %s", raw)
	assert.NotContains(t, got, "channel", "no plain form-exploded tag key")
	assert.NotContains(t, raw, "u1,u2", "no comma-joined array")
	assert.Len(t, strings.Split(raw, "&"), 4, "exactly four pairs: %s", raw)
}

// TestWireQuerySpecialCharacters checks that tag keys and values, and
// other query values, are URL-encoded.
func TestWireQuerySpecialCharacters(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"messages":[],"meta":{}}`)
	})
	c := newClient(t, s)
	tags := map[string]string{
		"a b&c":    "x=y/z ü",
		"url":      "https://example.com/?q=1#frag",
		"plus+pct": "50%+",
	}
	_, err := c.ListMessages(context.Background(), &gen.ListMessagesParams{
		Tags: tags, ConversationID: wtPtr("conv 1&2"),
	})
	require.NoError(t, err)
	raw := s.last(t).Query
	got, err := url.ParseQuery(raw)
	require.NoError(t, err, "query %q", raw)
	assert.Equal(t, url.Values{
		"tags.a b&c":     {"x=y/z ü"},
		"tags.url":       {"https://example.com/?q=1#frag"},
		"tags.plus+pct":  {"50%+"},
		"conversationId": {"conv 1&2"},
	}, got)
	assert.Len(t, strings.Split(raw, "&"), 4, "the & inside keys and values is escaped: %s", raw)
	assert.NotContains(t, raw, " ")
	assert.NotContains(t, raw, "#")
	assert.Contains(t, raw, "tags.a+b%26c=x%3Dy%2Fz+%C3%BC")
}

// TestWireQueryUnsetParamsAbsent checks that nil or empty optional
// parameters send no key at all.
func TestWireQueryUnsetParamsAbsent(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/conversations"):
			reply(w, 200, `{"conversations":[],"meta":{}}`)
		case strings.HasSuffix(r.URL.Path, "/tasks"):
			reply(w, 200, `{"tasks":[],"meta":{}}`)
		default:
			reply(w, 200, `{"users":[],"meta":{}}`)
		}
	})
	c := newClient(t, s)
	ctx := context.Background()

	_, err := c.ListConversations(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, s.last(t).Query, "nil params")

	_, err = c.ListConversations(ctx, &gen.ListConversationsParams{})
	require.NoError(t, err)
	assert.Empty(t, s.last(t).Query, "zero params")

	_, err = c.ListConversations(ctx, &gen.ListConversationsParams{
		Tags: map[string]string{}, ParticipantIDs: []string{},
	})
	require.NoError(t, err)
	assert.Empty(t, s.last(t).Query, "empty map and slice")

	_, err = c.ListConversations(ctx, &gen.ListConversationsParams{Channel: wtPtr("web")})
	require.NoError(t, err)
	assert.Equal(t, "channel=web", s.last(t).Query, "only the one set")

	_, err = c.ListTasks(ctx, &gen.ListTasksParams{})
	require.NoError(t, err)
	assert.Empty(t, s.last(t).Query)

	// Header parameters never travel in the query.
	_, err = c.ListUsers(ctx, &gen.ListUsersParams{XBotID: wtPtr("bot_2"), XIntegrationID: wtPtr("int_2")})
	require.NoError(t, err)
	assert.Empty(t, s.last(t).Query, "header params are not query params")
}

// TestWireListTasksStatusRepeats checks that the status array repeats its key.
func TestWireListTasksStatusRepeats(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"tasks":[],"meta":{}}`)
	})
	c := newClient(t, s)
	_, err := c.ListTasks(context.Background(), &gen.ListTasksParams{
		Status: []gen.TaskStatus{
			gen.TaskStatusPending, gen.TaskStatusInProgress, gen.TaskStatusBlocked,
		},
	})
	require.NoError(t, err)
	raw := s.last(t).Query
	assert.Equal(t, "status=pending&status=in_progress&status=blocked", raw, "one key per status, in order")
}

// TestWireListTagValuesRequiresParams checks that the required type query
// parameter cannot be left out: nil params fail before sending.
func TestWireListTagValuesRequiresParams(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"tags":[],"meta":{}}`)
	})
	c := newClient(t, s)
	ctx := context.Background()

	out, err := c.ListTagValues(ctx, "channel", nil)
	require.ErrorIs(t, err, client.ErrMissingArgument)
	assert.Nil(t, out)

	_, err = c.ListTagValues(ctx, "", &gen.ListTagValuesParams{Type: gen.ListTagValuesParamsTypeUser})
	require.ErrorIs(t, err, client.ErrMissingArgument)

	assert.Empty(t, s.requests(), "nothing sent")

	_, err = c.ListTagValues(ctx, "channel", &gen.ListTagValuesParams{Type: gen.ListTagValuesParamsTypeMessage})
	require.NoError(t, err)
	assert.Equal(t, "type=message", s.last(t).Query)
	assert.Equal(t, "/v1/chat/tags/channel/values", s.last(t).Path)
}

// TestWireMissingPathParams checks that an empty path parameter fails with
// ErrMissingArgument before anything is sent.
func TestWireMissingPathParams(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{}`)
	})
	c := newClient(t, s)
	ctx := context.Background()
	calls := map[string]func() error{
		"GetUser":    func() error { _, err := c.GetUser(ctx, ""); return err },
		"DeleteUser": func() error { return c.DeleteUser(ctx, "") },
		"UpdateConversation": func() error {
			_, err := c.UpdateConversation(ctx, "", gen.UpdateConversationJSONRequestBody{})
			return err
		},
		"GetParticipant id":     func() error { _, err := c.GetParticipant(ctx, "", "u1"); return err },
		"GetParticipant userId": func() error { _, err := c.GetParticipant(ctx, "c1", ""); return err },
		"RemoveParticipant":     func() error { return c.RemoveParticipant(ctx, "c1", "") },
		"ListParticipants":      func() error { _, err := c.ListParticipants(ctx, "", nil); return err },
		"CancelScheduledEvent":  func() error { return c.CancelScheduledEvent(ctx, "") },
		"GetState type":         func() error { _, err := c.GetState(ctx, "", "u1", "n"); return err },
		"GetState name": func() error {
			_, err := c.GetState(ctx, gen.StateTypeUser, "u1", "")
			return err
		},
		"SetStateExpiry id": func() error {
			_, err := c.SetStateExpiry(ctx, gen.StateTypeUser, "", "n", gen.SetStateExpiryJSONRequestBody{})
			return err
		},
		"GetMessage":     func() error { _, err := c.GetMessage(ctx, ""); return err },
		"UpdateTask":     func() error { _, err := c.UpdateTask(ctx, "", gen.UpdateTaskJSONRequestBody{}); return err },
		"DeleteWorkflow": func() error { return c.DeleteWorkflow(ctx, "") },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			assert.ErrorIs(t, call(), client.ErrMissingArgument)
		})
	}
	assert.Empty(t, s.requests(), "nothing sent")
}

// TestWireParamsHeaderOverridesClient checks that header fields of a
// params struct win over the client's scope headers, and are sent once.
func TestWireParamsHeaderOverridesClient(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"users":[],"meta":{}}`)
	})
	c := newClient(t, s, client.WithIntegrationID("int_client"), client.WithIntegrationAlias("alias_client"))
	ctx := context.Background()

	_, err := c.ListUsers(ctx, &gen.ListUsersParams{
		XBotID:            wtPtr("bot_override"),
		XIntegrationID:    wtPtr("int_override"),
		XIntegrationAlias: wtPtr("alias_override"),
	})
	require.NoError(t, err)
	h := s.last(t).Header
	assert.Equal(t, []string{"bot_override"}, h.Values("X-Bot-Id"))
	assert.Equal(t, []string{"int_override"}, h.Values("X-Integration-Id"))
	assert.Equal(t, []string{"alias_override"}, h.Values("X-Integration-Alias"))

	// Unset header fields leave the client's values.
	_, err = c.ListUsers(ctx, &gen.ListUsersParams{XBotID: wtPtr("bot_override")})
	require.NoError(t, err)
	h = s.last(t).Header
	assert.Equal(t, []string{"bot_override"}, h.Values("X-Bot-Id"))
	assert.Equal(t, []string{"int_client"}, h.Values("X-Integration-Id"))
	assert.Equal(t, []string{"alias_client"}, h.Values("X-Integration-Alias"))

	// No params: the client's.
	_, err = c.ListUsers(ctx, nil)
	require.NoError(t, err)
	h = s.last(t).Header
	assert.Equal(t, []string{"bot_1"}, h.Values("X-Bot-Id"))
	assert.Equal(t, []string{"int_client"}, h.Values("X-Integration-Id"))
	assert.Equal(t, []string{"Bearer " + testToken}, h.Values("Authorization"))
}

// TestWireAcceptsSpecSuccessStatus checks that a create answered 201 and a
// delete answered 200 with an empty object succeed, and that a 200 with
// the create body also decodes (any 2xx is a success).
func TestWireAcceptsSpecSuccessStatus(t *testing.T) {
	for _, status := range []int{200, 201} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				reply(w, status, `{"task":`+wtTaskJSON("task_1")+`}`)
			})
			c := newClient(t, s)
			out, err := c.CreateTask(context.Background(), gen.CreateTaskJSONRequestBody{ConversationID: "conv_1", Type: "booking"})
			require.NoError(t, err)
			assert.Equal(t, "task_1", out.Task.ID)
		})
	}
}

// TestWireDotSegmentPathParams checks that a path parameter made of dots
// stays the parameter: "." and ".." must not be resolved as URL dot
// segments, which would send the call to another path (DeleteUser("..")
// would become DELETE /v1/chat/). The call may refuse such an argument, or
// send the dots percent-encoded.
func TestWireDotSegmentPathParams(t *testing.T) {
	cases := []struct {
		name string
		call func(ctx context.Context, c *client.Client) error
		want string
	}{
		{"DeleteUser ..", func(ctx context.Context, c *client.Client) error { return c.DeleteUser(ctx, "..") }, "/v1/chat/users/%2E%2E"},
		{"GetUser .", func(ctx context.Context, c *client.Client) error { _, err := c.GetUser(ctx, "."); return err }, "/v1/chat/users/%2E"},
		{"RemoveParticipant ..", func(ctx context.Context, c *client.Client) error {
			return c.RemoveParticipant(ctx, "..", "user_1")
		}, "/v1/chat/conversations/%2E%2E/participants/user_1"},
		{"GetState name ..", func(ctx context.Context, c *client.Client) error {
			_, err := c.GetState(ctx, gen.StateTypeUser, "user_1", "..")
			return err
		}, "/v1/chat/states/user/user_1/%2E%2E"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := wtNewRecorder(t, 200, `{}`)
			err := tc.call(context.Background(), newClient(t, rec.server))
			if len(rec.requests()) == 0 {
				require.Error(t, err, "neither sent nor refused")
				return
			}
			require.Len(t, rec.requests(), 1)
			assert.True(t, strings.EqualFold(tc.want, rec.rawPath(0)), "sent to %s, want %s", rec.rawPath(0), tc.want)
		})
	}
}
