package chat_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/api"
	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/message"
)

// The wire table: one call of each of the 21 operations, checked against
// api/chat.yaml by kin-openapi (the route the request takes must be the
// operation's, and the request must be valid, user key included), and for
// the method, the escaped path, the headers and the body. The canned
// answers are checked against the spec too.

const (
	wtKey    = "user-key-for-wire-tests"
	wtStamps = `"createdAt":"2026-01-02T03:04:05.000Z","updatedAt":"2026-01-02T03:04:06.000Z"`
)

func wtUser(id string) string { return fmt.Sprintf(`{"id":%q,"name":"Ada",%s}`, id, wtStamps) }

func wtConv(id string) string { return fmt.Sprintf(`{"id":%q,%s}`, id, wtStamps) }

func wtMessage(id string) string {
	return fmt.Sprintf(`{"id":%q,"createdAt":"2026-01-02T03:04:05.000Z","payload":{"type":"text","text":"hi"},"userId":"user_1","conversationId":"conv_1"}`, id)
}

func wtEvent(id string) string {
	return fmt.Sprintf(`{"id":%q,"createdAt":"2026-01-02T03:04:05.000Z","payload":{"k":"v"},"userId":"user_1","conversationId":"conv_1"}`, id)
}

type wtCase struct {
	op     string // operationId
	status int
	answer string
	method string
	path   string // escaped, as on the wire
	query  string
	body   string // JSON the client must send; "": none
	run    func(t *testing.T, ctx context.Context, c *chat.Client)
}

func wtCases() []wtCase {
	return []wtCase{
		{op: "createUser", status: 201, method: "POST", path: "/users",
			answer: `{"user":` + wtUser("user_1") + `,"key":"k1"}`, body: `{"id":"user_1","name":"Ada"}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				out, err := c.CreateUser(ctx, chatgen.CreateUserBody{ID: chat.Ptr("user_1"), Name: chat.Ptr("Ada")})
				require.NoError(t, err)
				assert.Equal(t, "k1", out.Key)
				assert.Equal(t, "user_1", out.User.ID)
			}},
		{op: "getUser", status: 200, method: "GET", path: "/users/me", answer: `{"user":` + wtUser("user_1") + `}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				out, err := c.GetUser(ctx)
				require.NoError(t, err)
				assert.Equal(t, "Ada", *out.User.Name)
			}},
		{op: "updateUser", status: 200, method: "PUT", path: "/users/me", answer: `{"user":` + wtUser("user_1") + `}`,
			body: `{"name":"Ada","profile":"{}"}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				_, err := c.UpdateUser(ctx, chatgen.UpdateUserBody{Name: chat.Ptr("Ada"), Profile: chat.Ptr("{}")})
				require.NoError(t, err)
			}},
		{op: "deleteUser", status: 200, method: "DELETE", path: "/users/me", answer: `{}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) { require.NoError(t, c.DeleteUser(ctx)) }},
		{op: "getOrCreateUser", status: 201, method: "POST", path: "/users/get-or-create", answer: `{"user":` + wtUser("user_1") + `}`,
			body: `{"pictureUrl":"https://example.com/a.png"}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				_, err := c.GetOrCreateUser(ctx, chatgen.GetOrCreateUserBody{PictureURL: chat.Ptr("https://example.com/a.png")})
				require.NoError(t, err)
			}},
		{op: "createConversation", status: 201, method: "POST", path: "/conversations", answer: `{"conversation":` + wtConv("conv_1") + `}`,
			body: `{}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				out, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{})
				require.NoError(t, err)
				assert.Equal(t, "conv_1", out.Conversation.ID)
			}},
		{op: "listConversations", status: 200, method: "GET", path: "/conversations", query: "nextToken=t+1",
			answer: `{"conversations":[` + wtConv("conv_1") + `],"meta":{"nextToken":"t2"}}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				out, err := c.ListConversations(ctx, &chatgen.ListConversationsParams{NextToken: chat.Ptr("t 1")})
				require.NoError(t, err)
				assert.Equal(t, "t2", *out.Meta.NextToken)
			}},
		{op: "getOrCreateConversation", status: 201, method: "POST", path: "/conversations/get-or-create",
			answer: `{"conversation":` + wtConv("conv 1") + `}`, body: `{"id":"conv 1"}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				_, err := c.GetOrCreateConversation(ctx, chatgen.GetOrCreateConversationBody{ID: "conv 1"})
				require.NoError(t, err)
			}},
		{op: "getConversation", status: 200, method: "GET", path: "/conversations/conv%2F1%20x", answer: `{"conversation":` + wtConv("conv/1 x") + `}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				out, err := c.GetConversation(ctx, "conv/1 x")
				require.NoError(t, err)
				assert.Equal(t, "conv/1 x", out.Conversation.ID)
			}},
		{op: "deleteConversation", status: 200, method: "DELETE", path: "/conversations/conv_1", answer: `{}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				require.NoError(t, c.DeleteConversation(ctx, "conv_1"))
			}},
		{op: "listenConversation", status: 200, method: "GET", path: "/conversations/conv_1/listen",
			answer: "event: message\ndata: {\"type\":\"message_created\",\"data\":" + strings.Replace(wtMessage("msg_1"), `{"id"`, `{"isBot":true,"id"`, 1) + "}\n\n",
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				var got []chat.Signal
				for s, err := range c.ListenConversation(ctx, "conv_1") {
					require.NoError(t, err)
					got = append(got, s)
				}
				require.Len(t, got, 1)
				m := got[0].(*chat.MessageCreated)
				assert.True(t, m.IsBot)
				assert.Equal(t, &message.TextPayload{Text: "hi"}, m.Message.Payload)
			}},
		{op: "listMessages", status: 200, method: "GET", path: "/conversations/conv_1/messages",
			answer: `{"messages":[` + wtMessage("msg_2") + `,` + wtMessage("msg_1") + `],"meta":{}}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				out, err := c.ListMessages(ctx, "conv_1", nil)
				require.NoError(t, err)
				require.Len(t, out.Messages, 2)
				assert.Equal(t, &message.TextPayload{Text: "hi"}, out.Messages[0].Payload)
			}},
		{op: "addParticipant", status: 200, method: "POST", path: "/conversations/conv_1/participants",
			answer: `{"participant":` + wtUser("user_2") + `}`, body: `{"userId":"user_2"}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				_, err := c.AddParticipant(ctx, "conv_1", chatgen.AddParticipantBody{UserID: "user_2"})
				require.NoError(t, err)
			}},
		{op: "listParticipants", status: 200, method: "GET", path: "/conversations/conv_1/participants",
			answer: `{"participants":[` + wtUser("user_2") + `],"meta":{}}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				out, err := c.ListParticipants(ctx, "conv_1", nil)
				require.NoError(t, err)
				assert.Equal(t, "user_2", out.Participants[0].ID)
			}},
		{op: "getParticipant", status: 200, method: "GET", path: "/conversations/conv_1/participants/user_2",
			answer: `{"participant":` + wtUser("user_2") + `}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				_, err := c.GetParticipant(ctx, "conv_1", "user_2")
				require.NoError(t, err)
			}},
		{op: "removeParticipant", status: 200, method: "DELETE", path: "/conversations/conv_1/participants/user_2", answer: `{}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				require.NoError(t, c.RemoveParticipant(ctx, "conv_1", "user_2"))
			}},
		{op: "createMessage", status: 201, method: "POST", path: "/messages", answer: `{"message":` + wtMessage("msg_1") + `}`,
			body: `{"conversationId":"conv_1","payload":{"type":"choice","text":"Pick","options":[{"label":"A","value":"a"}]},"metadata":{"ref":1}}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				out, err := c.CreateMessage(ctx, chatgen.CreateMessageBody{
					ConversationID: "conv_1",
					Payload:        &message.ChoicePayload{Text: "Pick", Options: []message.ChoiceOption{{Label: "A", Value: "a"}}},
					Metadata:       &chatgen.MessageMetadata{"ref": 1},
				})
				require.NoError(t, err)
				assert.Equal(t, "msg_1", out.Message.ID)
			}},
		{op: "getMessage", status: 200, method: "GET", path: "/messages/msg_1", answer: `{"message":` + wtMessage("msg_1") + `}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				_, err := c.GetMessage(ctx, "msg_1")
				require.NoError(t, err)
			}},
		{op: "deleteMessage", status: 200, method: "DELETE", path: "/messages/msg_1", answer: `{}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				require.NoError(t, c.DeleteMessage(ctx, "msg_1"))
			}},
		{op: "createEvent", status: 201, method: "POST", path: "/events", answer: `{"event":` + wtEvent("evt_1") + `}`,
			body: `{"conversationId":"conv_1","payload":{}}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				// A nil payload, required, goes out as {}.
				_, err := c.CreateEvent(ctx, chatgen.CreateEventBody{ConversationID: "conv_1"})
				require.NoError(t, err)
			}},
		{op: "getEvent", status: 200, method: "GET", path: "/events/evt_1", answer: `{"event":` + wtEvent("evt_1") + `}`,
			run: func(t *testing.T, ctx context.Context, c *chat.Client) {
				out, err := c.GetEvent(ctx, "evt_1")
				require.NoError(t, err)
				assert.Equal(t, chatgen.EventPayload{"k": "v"}, out.Event.Payload)
			}},
	}
}

// wtSeen is one request as the spec server saw it.
type wtSeen struct {
	op      string // the operationId the spec routes it to
	method  string
	rawPath string
	query   string
	header  http.Header
	body    string
	invalid error // what kin-openapi found wrong with it
}

// wtSpecServer answers every request with status and answer, after routing
// it with the spec and validating it.
func wtSpecServer(t *testing.T, status int, answer string) (*httptest.Server, func() []wtSeen) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.Chat)
	require.NoError(t, err)
	var (
		mu   sync.Mutex
		seen []wtSeen
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s := wtSeen{method: r.Method, rawPath: r.URL.EscapedPath(), query: r.URL.RawQuery, header: r.Header.Clone(), body: string(body)}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		router, err := legacy.NewRouter(wtRouteOnPaths(doc))
		if err == nil {
			// Route on the escaped path, so that a parameter holding a
			// slash stays one segment.
			probe := r.Clone(r.Context())
			probe.URL.Path, probe.URL.RawPath = r.URL.EscapedPath(), ""
			route, params, rerr := router.FindRoute(probe)
			for k, v := range params {
				if u, err := url.PathUnescape(v); err == nil {
					params[k] = u
				}
			}
			if rerr != nil {
				s.invalid = rerr
			} else {
				s.op = route.Operation.OperationID
				s.invalid = openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
					Request: r, PathParams: params, Route: route,
					Options: &openapi3filter.Options{AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
						if in.RequestValidationInput.Request.Header.Get(in.SecurityScheme.Name) == "" {
							return fmt.Errorf("no %s", in.SecurityScheme.Name)
						}
						return nil
					}},
				})
			}
		} else {
			s.invalid = err
		}
		mu.Lock()
		seen = append(seen, s)
		mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "/listen") {
			w.Header().Set("Content-Type", "text/event-stream")
		} else {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []wtSeen {
		mu.Lock()
		defer mu.Unlock()
		return append([]wtSeen(nil), seen...)
	}
}

// wtRouteOnPaths returns doc without servers: routes on paths alone.
func wtRouteOnPaths(doc *openapi3.T) *openapi3.T {
	d := *doc
	d.Servers = nil
	return &d
}

// TestWireOperations checks every operation's request against the spec
// and the table, and the decoding of its answer.
func TestWireOperations(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.Chat)
	require.NoError(t, err)
	for _, tc := range wtCases() {
		t.Run(tc.op, func(t *testing.T) {
			srv, requests := wtSpecServer(t, tc.status, tc.answer)
			c, err := chat.New("", chat.WithBaseURL(srv.URL), chat.WithUserKey(wtKey), chat.WithUserAgent("wire-test"))
			require.NoError(t, err)
			tc.run(t, context.Background(), c)

			reqs := requests()
			require.Len(t, reqs, 1, "exactly one request")
			r := reqs[0]
			assert.NoError(t, r.invalid, "the spec refuses the request")
			assert.Equal(t, tc.op, r.op, "the spec routes the request to another operation")
			assert.Equal(t, tc.method, r.method)
			assert.Equal(t, tc.path, r.rawPath)
			assert.Equal(t, tc.query, r.query)
			assert.Equal(t, "wire-test", r.header.Get("User-Agent"))
			op := wtFindOp(doc, tc.op)
			require.NotNil(t, op)
			if op.Security != nil && len(*op.Security) == 0 {
				assert.Empty(t, r.header.Values(chat.HeaderUserKey), "an operation without security sends no key")
			} else {
				assert.Equal(t, []string{wtKey}, r.header.Values(chat.HeaderUserKey))
			}
			if tc.op == "listenConversation" {
				assert.Equal(t, "text/event-stream", r.header.Get("Accept"))
			} else {
				assert.Equal(t, "application/json", r.header.Get("Accept"))
				wtCheckAnswer(t, op, tc)
			}
			if tc.body != "" {
				assert.Equal(t, "application/json", r.header.Get("Content-Type"))
				assert.JSONEq(t, tc.body, r.body)
			} else {
				assert.Empty(t, r.body)
			}
		})
	}
}

// wtCheckAnswer checks the canned answer against the operation's success
// response in the spec, so that the table decodes what the API sends.
func wtCheckAnswer(t *testing.T, op *openapi3.Operation, tc wtCase) {
	t.Helper()
	res := op.Responses.Status(tc.status)
	require.NotNil(t, res, "%s: the spec has no %d answer", tc.op, tc.status)
	mt := res.Value.Content.Get("application/json")
	require.NotNil(t, mt)
	var v any
	require.NoError(t, jsonUnmarshal(tc.answer, &v))
	assert.NoError(t, mt.Schema.Value.VisitJSON(v), "%s: the canned answer does not match the spec", tc.op)
}

func wtFindOp(doc *openapi3.T, id string) *openapi3.Operation {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID == id {
				return op
			}
		}
	}
	return nil
}

// TestWireCoversTheSpec: the table has one case per operation of the spec.
func TestWireCoversTheSpec(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.Chat)
	require.NoError(t, err)
	have := map[string]int{}
	for _, tc := range wtCases() {
		have[tc.op]++
	}
	n := 0
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			n++
			assert.Equal(t, 1, have[op.OperationID], "cases for %s", op.OperationID)
			delete(have, op.OperationID)
		}
	}
	assert.Equal(t, 21, n)
	assert.Empty(t, have, "cases for operations the spec does not have")
}
