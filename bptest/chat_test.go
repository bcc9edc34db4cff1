package bptest_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// chatUser calls the Chat API of srv as the user whose key it holds.
type chatUser struct {
	t   *testing.T
	srv *bptest.Server
	key string
}

// chatAnswer is a raw answer of the Chat API.
type chatAnswer struct {
	status int
	body   []byte
}

// into decodes a success answer's body.
func (a chatAnswer) into(t *testing.T, v any) {
	t.Helper()
	require.Less(t, a.status, 300, "answer: %d %s", a.status, a.body)
	require.NoError(t, json.Unmarshal(a.body, v), "%s", a.body)
}

// errorType returns the type of an error answer.
func (a chatAnswer) errorType(t *testing.T) string {
	t.Helper()
	var e struct {
		Code int    `json:"code"`
		Type string `json:"type"`
	}
	require.NoError(t, json.Unmarshal(a.body, &e), "%s", a.body)
	assert.Equal(t, a.status, e.Code)
	return e.Type
}

// call sends a request to the Chat API: body is JSON text, or a value to encode.
func (u chatUser) call(method, path string, body any) chatAnswer {
	u.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(u.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, u.srv.ChatURL()+path, rd)
	require.NoError(u.t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if u.key != "" {
		req.Header.Set("x-user-key", u.key)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(u.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(u.t, err)
	return chatAnswer{status: resp.StatusCode, body: data}
}

// newChatUser creates a user through createUser and returns it with its key.
func newChatUser(t *testing.T, srv *bptest.Server, body string) (chatUser, chatgen.User) {
	t.Helper()
	var out chatgen.CreateUserResponse
	a := chatUser{t: t, srv: srv}.call("POST", "/users", body)
	require.Equal(t, 201, a.status, "%s", a.body)
	a.into(t, &out)
	return chatUser{t: t, srv: srv, key: out.Key}, out.User
}

// newChatConversation creates a conversation of u.
func (u chatUser) newConversation(body string) chatgen.Conversation {
	u.t.Helper()
	var out chatgen.CreateConversationResponse
	a := u.call("POST", "/conversations", body)
	require.Equal(u.t, 201, a.status, "%s", a.body)
	a.into(u.t, &out)
	return out.Conversation
}

// send sends a message of u.
func (u chatUser) send(conv string, p message.Payload) chatgen.Message {
	u.t.Helper()
	var out chatgen.CreateMessageResponse
	a := u.call("POST", "/messages", chatgen.CreateMessageBody{ConversationID: conv, Payload: p})
	require.Equal(u.t, 201, a.status, "%s", a.body)
	a.into(u.t, &out)
	return out.Message
}

// signKey signs claims as an HS256 JWT with secret, as a client holding the
// encryption key does.
func signKey(t *testing.T, secret string, claims map[string]any) string {
	t.Helper()
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body, err := json.Marshal(claims)
	require.NoError(t, err)
	unsigned := header + "." + base64.RawURLEncoding.EncodeToString(body)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(unsigned))
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func TestChatURL(t *testing.T) {
	srv := bptest.Start(t, bptest.WithChatWebhookID("hook-42"))
	assert.Equal(t, srv.URL+"/chat/hook-42", srv.ChatURL())
	assert.Equal(t, "hook-42", srv.ChatWebhookID())
	assert.Equal(t, bptest.DefaultChatEncryptionKey, srv.ChatEncryptionKey())

	resp, err := http.Get(srv.ChatURL() + "/hello/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "the official client checks the URL with GET /hello/")

	other := chatUser{t: t, srv: srv}
	req, _ := http.NewRequest("GET", srv.URL+"/chat/another-hook/users/me", nil)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 404, resp.StatusCode, "an unknown webhook ID")
	a := other.call("GET", "/nothing-here", nil)
	assert.Equal(t, 404, a.status)
	assert.Equal(t, "ResourceNotFound", a.errorType(t))
	a = other.call("PATCH", "/users/me", "{}")
	assert.Equal(t, 405, a.status)
	assert.Equal(t, "MethodNotFound", a.errorType(t))

	for _, bad := range []bptest.Option{bptest.WithChatWebhookID(""), bptest.WithChatWebhookID("a/b"),
		bptest.WithChatKeepAlive(0), bptest.WithChatEncryptionKey("")} {
		_, err := bptest.New(bad)
		assert.Error(t, err)
	}
}

func TestChatAuth(t *testing.T) {
	srv := bptest.Start(t)
	ann, user := newChatUser(t, srv, `{"name":"Ann"}`)
	assert.Equal(t, 200, ann.call("GET", "/users/me", nil).status, "the key createUser issued")

	for name, key := range map[string]string{
		"missing":         "",
		"not a JWT":       "nope",
		"wrong signature": signKey(t, "another secret", map[string]any{"id": user.ID}),
		"no id":           signKey(t, srv.ChatEncryptionKey(), map[string]any{"sub": user.ID}),
		"expired":         signKey(t, srv.ChatEncryptionKey(), map[string]any{"id": user.ID, "exp": time.Now().Add(-time.Hour).Unix()}),
		"tampered":        ann.key[:len(ann.key)-2] + "xx",
	} {
		a := chatUser{t: t, srv: srv, key: key}.call("GET", "/users/me", nil)
		assert.Equal(t, 401, a.status, name)
		assert.Equal(t, "Unauthorized", a.errorType(t), name)
		assert.NotContains(t, string(a.body), srv.ChatEncryptionKey(), "the error never holds the secret")
	}

	// A key the client signs itself with the encryption key: getOrCreateUser
	// makes the user, under the ID the key names.
	own := chatUser{t: t, srv: srv, key: signKey(t, srv.ChatEncryptionKey(), map[string]any{"id": "bob-1", "iat": 1})}
	var got chatgen.GetOrCreateUserResponse
	a := own.call("POST", "/users/get-or-create", `{"name":"Bob"}`)
	require.Equal(t, 201, a.status, "%s", a.body)
	a.into(t, &got)
	assert.Equal(t, "bob-1", got.User.ID)
	assert.Equal(t, "Bob", *got.User.Name)
	assert.Equal(t, srv.ChatUserKey("bob-1") != "", true)
	byHelper := chatUser{t: t, srv: srv, key: srv.ChatUserKey("bob-1")}
	var me chatgen.GetUserResponse
	byHelper.call("GET", "/users/me", nil).into(t, &me)
	assert.Equal(t, "bob-1", me.User.ID, "ChatUserKey signs as a client would")

	// A key for a user that does not exist yet: only getOrCreateUser accepts it.
	ghost := chatUser{t: t, srv: srv, key: srv.ChatUserKey("ghost")}
	a = ghost.call("GET", "/users/me", nil)
	assert.Equal(t, 404, a.status)
	assert.Equal(t, "ResourceNotFound", a.errorType(t))
	a = chatUser{t: t, srv: srv, key: srv.ChatUserKey("not a valid id!")}.call("POST", "/users/get-or-create", `{}`)
	assert.Equal(t, 400, a.status, "IDs of the caller's choosing are checked")
}

func TestChatOwnEncryptionKey(t *testing.T) {
	srv := bptest.Start(t, bptest.WithChatEncryptionKey("my secret"))
	a := chatUser{t: t, srv: srv}.call("POST", "/users", `{}`)
	assert.Equal(t, 401, a.status, "createUser is refused when the keys are the owner's")
	assert.Equal(t, "Unauthorized", a.errorType(t))

	u := chatUser{t: t, srv: srv, key: signKey(t, "my secret", map[string]any{"id": "u-1"})}
	assert.Equal(t, 201, u.call("POST", "/users/get-or-create", `{}`).status)
	assert.Equal(t, 200, u.call("GET", "/users/me", nil).status)
	wrong := chatUser{t: t, srv: srv, key: signKey(t, bptest.DefaultChatEncryptionKey, map[string]any{"id": "u-1"})}
	assert.Equal(t, 401, wrong.call("GET", "/users/me", nil).status, "signed with another key")
}

func TestChatUsers(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()

	ann, created := newChatUser(t, srv, `{"id":"ann","name":"Ann","pictureUrl":"https://pic/ann","profile":"{\"plan\":\"pro\"}"}`)
	assert.Equal(t, "ann", created.ID, "the ID of the caller's choosing")
	assert.Equal(t, `{"plan":"pro"}`, *created.Profile)
	a := chatUser{t: t, srv: srv}.call("POST", "/users", `{"id":"ann"}`)
	assert.Equal(t, 409, a.status)
	assert.Equal(t, "AlreadyExists", a.errorType(t))
	assert.Equal(t, 400, chatUser{t: t, srv: srv}.call("POST", "/users", `{"id":"a b"}`).status)
	assert.Equal(t, 400, chatUser{t: t, srv: srv}.call("POST", "/users", `{"id":"`+strings.Repeat("x", 71)+`"}`).status)

	// The Chat user is a runtime user, with its own ID and tags.
	users, err := c.ListUsers(ctx, &gen.ListUsersParams{})
	require.NoError(t, err)
	require.Len(t, users.Users, 1)
	rt := users.Users[0]
	assert.NotEqual(t, "ann", rt.ID)
	assert.Equal(t, "ann", rt.Tags["fid"])
	assert.Equal(t, `{"plan":"pro"}`, rt.Tags["profile"])
	assert.Equal(t, "Ann", *rt.Name)

	var upd chatgen.UpdateUserResponse
	ann.call("PUT", "/users/me", `{"name":"Annie","profile":"p2"}`).into(t, &upd)
	assert.Equal(t, "Annie", *upd.User.Name)
	assert.Equal(t, "p2", *upd.User.Profile)
	assert.Equal(t, "https://pic/ann", *upd.User.PictureURL, "fields left out keep their value")
	got, err := c.GetUser(ctx, rt.ID)
	require.NoError(t, err)
	assert.Equal(t, "Annie", *got.User.Name, "seen through the runtime API")

	var again chatgen.GetOrCreateUserResponse
	ann.call("POST", "/users/get-or-create", `{"name":"Ann again"}`).into(t, &again)
	assert.Equal(t, "ann", again.User.ID)
	assert.Equal(t, "Ann again", *again.User.Name, "get-or-create sets what it is sent")

	// A user made without an ID has its runtime ID.
	_, plain := newChatUser(t, srv, `{}`)
	_, err = c.GetUser(ctx, plain.ID)
	assert.NoError(t, err)

	assert.Equal(t, 200, ann.call("DELETE", "/users/me", "{}").status, "a DELETE with {} as the official client sends")
	assert.Equal(t, 404, ann.call("GET", "/users/me", nil).status)
	_, err = c.GetUser(ctx, rt.ID)
	assert.Error(t, err, "deleted in the runtime API too")
	_, created = newChatUser(t, srv, `{"id":"ann"}`)
	assert.Equal(t, "ann", created.ID, "the ID is free again")
}

func TestChatConversations(t *testing.T) {
	srv := bptest.Start(t, bptest.WithPageSize(2))
	c := srv.Client()
	ctx := context.Background()
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	bob, _ := newChatUser(t, srv, `{"id":"bob"}`)

	first := ann.newConversation(`{"id":"c-1"}`)
	assert.Equal(t, "c-1", first.ID)
	a := ann.call("POST", "/conversations", `{"id":"c-1"}`)
	assert.Equal(t, 409, a.status)
	second := ann.newConversation(`{}`)
	var third chatgen.GetOrCreateConversationResponse
	a = ann.call("POST", "/conversations/get-or-create", `{"id":"c-3"}`)
	require.Equal(t, 201, a.status)
	a.into(t, &third)
	assert.Equal(t, "c-3", third.Conversation.ID)
	var same chatgen.GetOrCreateConversationResponse
	ann.call("POST", "/conversations/get-or-create", `{"id":"c-3"}`).into(t, &same)
	assert.Equal(t, third.Conversation.CreatedAt, same.Conversation.CreatedAt, "found, not made again")
	a = bob.call("POST", "/conversations/get-or-create", `{"id":"c-3"}`)
	assert.Equal(t, 403, a.status, "someone else's conversation")
	assert.Equal(t, "Forbidden", a.errorType(t))
	bob.newConversation(`{}`)

	// The runtime side: a conversation of the chat integration's channel,
	// owned by the user's runtime ID, who takes part in it.
	rt, err := c.GetConversation(ctx, second.ID)
	require.NoError(t, err)
	assert.Equal(t, "chat", rt.Conversation.Integration)
	assert.Equal(t, "channel", rt.Conversation.Channel)
	owner := rt.Conversation.Tags["owner"]
	users, err := c.ListUsers(ctx, &gen.ListUsersParams{ConversationID: &second.ID})
	require.NoError(t, err)
	require.Len(t, users.Users, 1)
	assert.Equal(t, owner, users.Users[0].ID)
	assert.Equal(t, "ann", users.Users[0].Tags["fid"])

	// Lists: the user's own, newest first, two a page.
	var page chatgen.ListConversationsResponse
	ann.call("GET", "/conversations", nil).into(t, &page)
	require.Len(t, page.Conversations, 2)
	assert.Equal(t, "c-3", page.Conversations[0].ID)
	assert.Equal(t, second.ID, page.Conversations[1].ID)
	require.NotNil(t, page.Meta.NextToken)
	var rest chatgen.ListConversationsResponse
	ann.call("GET", "/conversations?nextToken="+*page.Meta.NextToken, nil).into(t, &rest)
	require.Len(t, rest.Conversations, 1)
	assert.Equal(t, "c-1", rest.Conversations[0].ID)
	assert.Nil(t, rest.Meta.NextToken)
	assert.Equal(t, 400, ann.call("GET", "/conversations?nextToken=forged", nil).status)

	var got chatgen.GetConversationResponse
	ann.call("GET", "/conversations/c-1", nil).into(t, &got)
	assert.Equal(t, "c-1", got.Conversation.ID)
	assert.Equal(t, 403, bob.call("GET", "/conversations/c-1", nil).status, "not a participant")
	assert.Equal(t, 404, ann.call("GET", "/conversations/nope", nil).status)

	assert.Equal(t, 403, bob.call("DELETE", "/conversations/c-1", nil).status, "only the owner deletes")
	assert.Equal(t, 200, ann.call("DELETE", "/conversations/c-1", nil).status)
	assert.Equal(t, 404, ann.call("GET", "/conversations/c-1", nil).status)
	assert.Equal(t, "c-1", ann.newConversation(`{"id":"c-1"}`).ID, "the ID is free again")
}

func TestChatParticipants(t *testing.T) {
	srv := bptest.Start(t)
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	bob, _ := newChatUser(t, srv, `{"id":"bob"}`)
	cat, _ := newChatUser(t, srv, `{}`)
	conv := ann.newConversation(`{"id":"room"}`)

	var added chatgen.AddParticipantResponse
	a := ann.call("POST", "/conversations/room/participants", `{"userId":"bob"}`)
	require.Equal(t, 200, a.status, "%s", a.body)
	a.into(t, &added)
	assert.Equal(t, "bob", added.Participant.ID)
	assert.Equal(t, 403, bob.call("POST", "/conversations/room/participants", `{"userId":"ann"}`).status, "only the owner adds")
	assert.Equal(t, 404, ann.call("POST", "/conversations/room/participants", `{"userId":"nobody"}`).status)

	var list chatgen.ListParticipantsResponse
	bob.call("GET", "/conversations/room/participants", nil).into(t, &list)
	require.Len(t, list.Participants, 2, "a participant lists them")
	assert.Equal(t, "ann", list.Participants[0].ID)
	assert.Equal(t, "bob", list.Participants[1].ID)
	assert.Equal(t, 403, cat.call("GET", "/conversations/room/participants", nil).status)

	var one chatgen.GetParticipantResponse
	ann.call("GET", "/conversations/room/participants/bob", nil).into(t, &one)
	assert.Equal(t, "bob", one.Participant.ID)
	assert.Equal(t, 403, bob.call("GET", "/conversations/room/participants/ann", nil).status, "only the owner gets one")
	assert.Equal(t, 404, ann.call("GET", "/conversations/room/participants/nobody", nil).status)

	// Bob may now read and write in the room.
	var got chatgen.GetConversationResponse
	bob.call("GET", "/conversations/"+conv.ID, nil).into(t, &got)
	bob.send("room", message.Text("hi"))

	a = ann.call("DELETE", "/conversations/room/participants/ann", nil)
	assert.Equal(t, 400, a.status, "the owner cannot be removed")
	assert.Equal(t, "InvalidPayload", a.errorType(t))
	assert.Equal(t, 403, bob.call("DELETE", "/conversations/room/participants/bob", nil).status)
	assert.Equal(t, 200, ann.call("DELETE", "/conversations/room/participants/bob", nil).status)
	assert.Equal(t, 404, ann.call("DELETE", "/conversations/room/participants/bob", nil).status)
	assert.Equal(t, 403, bob.call("GET", "/conversations/room", nil).status, "removed")
}

func TestChatMessages(t *testing.T) {
	srv := bptest.Start(t, bptest.WithPageSize(2))
	c := srv.Client()
	ctx := context.Background()
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	bob, _ := newChatUser(t, srv, `{"id":"bob"}`)
	ann.newConversation(`{"id":"room"}`)

	// Every standard type goes through, in the Chat API's wire form.
	payloads := []message.Payload{
		message.Text("hi"), message.Markdown("**hi**"), message.Image("https://i"), message.Audio("https://a"),
		message.Video("https://v"), message.File("https://f"), message.Location(1.5, 2.5),
		message.Card("T", message.URLAction("go", "https://x")), message.Carousel(message.Card("A"), message.Card("B")),
		message.Choice("?", message.Option("yes", "y")), message.Dropdown("?", message.Option("no", "n")),
		message.Bloc(message.Text("a"), message.Image("https://b")),
	}
	var sent []chatgen.Message
	for _, p := range payloads {
		m := ann.send("room", p)
		assert.Equal(t, "ann", m.UserID)
		assert.Equal(t, "room", m.ConversationID)
		assert.Equal(t, p, m.Payload, p.MessageType())
		sent = append(sent, m)
	}

	// The runtime sees each as its type and its payload without the type.
	rt, err := c.GetMessage(ctx, sent[0].ID)
	require.NoError(t, err)
	assert.Equal(t, "text", rt.Message.Type)
	assert.JSONEq(t, `{"text":"hi"}`, string(rt.Message.Payload))
	assert.Equal(t, gen.MessageDirectionIncoming, rt.Message.Direction)
	rt, err = c.GetMessage(ctx, sent[11].ID)
	require.NoError(t, err)
	assert.Equal(t, "bloc", rt.Message.Type)
	assert.JSONEq(t, `{"items":[{"type":"text","payload":{"text":"a"}},{"type":"image","payload":{"imageUrl":"https://b"}}]}`, string(rt.Message.Payload))

	// Metadata rides inside the runtime payload, as the integration keeps it.
	var withMeta chatgen.CreateMessageResponse
	ann.call("POST", "/messages", `{"conversationId":"room","payload":{"type":"text","text":"m"},"metadata":{"k":"v"}}`).into(t, &withMeta)
	assert.Equal(t, "v", (*withMeta.Message.Metadata)["k"])
	rt, err = c.GetMessage(ctx, withMeta.Message.ID)
	require.NoError(t, err)
	assert.JSONEq(t, `{"text":"m","metadata":{"k":"v"}}`, string(rt.Message.Payload))

	// The spec checks payloads: an unknown type, a missing field.
	for _, bad := range []string{
		`{"conversationId":"room","payload":{"type":"sticker","id":"x"}}`,
		`{"conversationId":"room","payload":{"type":"text"}}`,
		`{"conversationId":"room"}`,
	} {
		a := ann.call("POST", "/messages", bad)
		assert.Equal(t, 400, a.status, bad)
		assert.Equal(t, "InvalidPayload", a.errorType(t), bad)
	}
	assert.Equal(t, 403, bob.call("POST", "/messages", chatgen.CreateMessageBody{ConversationID: "room", Payload: message.Text("x")}).status)
	assert.Equal(t, 404, ann.call("POST", "/messages", chatgen.CreateMessageBody{ConversationID: "nope", Payload: message.Text("x")}).status)

	var one chatgen.GetMessageResponse
	ann.call("GET", "/messages/"+sent[3].ID, nil).into(t, &one)
	assert.Equal(t, message.Audio("https://a"), one.Message.Payload)
	assert.Equal(t, 403, bob.call("GET", "/messages/"+sent[3].ID, nil).status)
	assert.Equal(t, 404, ann.call("GET", "/messages/msg_nope", nil).status)

	// Lists: newest first, by pages, all 13.
	var all []chatgen.Message
	path := "/conversations/room/messages"
	for {
		var page chatgen.ListMessagesResponse
		ann.call("GET", path, nil).into(t, &page)
		assert.LessOrEqual(t, len(page.Messages), 2)
		all = append(all, page.Messages...)
		if page.Meta.NextToken == nil {
			break
		}
		path = "/conversations/room/messages?nextToken=" + *page.Meta.NextToken
	}
	require.Len(t, all, 13)
	assert.Equal(t, withMeta.Message.ID, all[0].ID)
	assert.Equal(t, sent[0].ID, all[12].ID)
	assert.Equal(t, 403, bob.call("GET", "/conversations/room/messages", nil).status)

	// Only the sender deletes.
	ann.call("POST", "/conversations/room/participants", `{"userId":"bob"}`)
	assert.Equal(t, 403, bob.call("DELETE", "/messages/"+sent[0].ID, nil).status)
	assert.Equal(t, 200, ann.call("DELETE", "/messages/"+sent[0].ID, nil).status)
	assert.Equal(t, 404, ann.call("GET", "/messages/"+sent[0].ID, nil).status)
	_, err = c.GetMessage(ctx, sent[0].ID)
	assert.Error(t, err, "gone from the runtime API too")
}

func TestChatRuntimeMessagesMirrored(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	conv := ann.newConversation(`{"id":"room"}`)
	rtConv, err := c.ListConversations(ctx, &gen.ListConversationsParams{})
	require.NoError(t, err)
	require.Len(t, rtConv.Conversations, 1)
	rtID := rtConv.Conversations[0].ID
	assert.NotEqual(t, conv.ID, rtID)

	// The bot writes through the runtime API; the user reads it through Chat.
	stream := listenChat(t, ann, "room")
	users, err := c.ListUsers(ctx, &gen.ListUsersParams{})
	require.NoError(t, err)
	annRT := users.Users[0].ID
	bot, err := c.CreateMessage(ctx, gen.CreateMessageBody{
		ConversationID: rtID, UserID: annRT, Type: "choice", Tags: map[string]string{},
		Payload: message.Choice("Tea?", message.Option("Yes", "y")),
	})
	require.NoError(t, err)
	sig := stream.signal(t)
	assert.Equal(t, "message_created", sig.Type)
	var data chatgen.SignalMessageCreatedData
	require.NoError(t, json.Unmarshal(sig.Data, &data))
	assert.True(t, data.IsBot)
	assert.Equal(t, bot.Message.ID, data.ID)
	assert.Equal(t, "room", data.ConversationID, "the Chat API's IDs")
	assert.Equal(t, "ann", data.UserID)
	assert.Equal(t, message.Choice("Tea?", message.Option("Yes", "y")), data.Payload)

	// An integration's message (incoming) is not signalled, but listed; a
	// custom type is neither.
	_, err = c.CreateMessage(ctx, gen.CreateMessageBody{
		ConversationID: rtID, UserID: annRT, Type: "text", Tags: map[string]string{}, Payload: message.Text("from the integration"),
	}, client.WithIntegrationID("intver_chat000000000000000000"))
	require.NoError(t, err)
	_, err = c.CreateMessage(ctx, gen.CreateMessageBody{
		ConversationID: rtID, UserID: annRT, Type: "sticker", Tags: map[string]string{}, Payload: &message.Unknown{Type: "sticker", Raw: json.RawMessage(`{"id":1}`)},
	})
	require.NoError(t, err)
	mine := ann.send("room", message.Text("next"))
	sig = stream.signal(t)
	require.NoError(t, json.Unmarshal(sig.Data, &data))
	assert.Equal(t, mine.ID, data.ID, "the next signal is the user's own message")
	assert.False(t, data.IsBot)

	var list chatgen.ListMessagesResponse
	ann.call("GET", "/conversations/room/messages", nil).into(t, &list)
	require.Len(t, list.Messages, 3, "the custom type is left out")
	assert.Equal(t, mine.ID, list.Messages[0].ID)
	assert.Equal(t, message.Text("from the integration"), list.Messages[1].Payload)
	assert.Equal(t, bot.Message.ID, list.Messages[2].ID)

	// The runtime API deletes the conversation: the stream ends.
	require.NoError(t, c.DeleteConversation(ctx, rtID))
	stream.ends(t)
}
