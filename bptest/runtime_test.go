package bptest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// rtUnknownID is shaped like an ID (28 to 36 characters) and names nothing.
const rtUnknownID = "zzz_00000000000000000000000000"

func rtPtr[T any](v T) *T { return &v }

// rtStatus asserts that err is an API error with this status.
func rtStatus(t *testing.T, err error, status int) {
	t.Helper()
	var apiErr *bperrors.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, status, apiErr.StatusCode, apiErr.Message)
}

func rtUser(t *testing.T, c *client.Client, tags map[string]string) gen.User {
	t.Helper()
	if tags == nil {
		tags = map[string]string{}
	}
	r, err := c.CreateUser(context.Background(), gen.CreateUserJSONRequestBody{Tags: tags})
	require.NoError(t, err)
	return r.User
}

func rtConv(t *testing.T, c *client.Client, channel string, tags map[string]string) gen.Conversation {
	t.Helper()
	if tags == nil {
		tags = map[string]string{}
	}
	r, err := c.CreateConversation(context.Background(), gen.CreateConversationJSONRequestBody{Channel: channel, Tags: tags})
	require.NoError(t, err)
	return r.Conversation
}

func rtMsg(t *testing.T, c *client.Client, conv, user, text string, tags map[string]string) gen.Message {
	t.Helper()
	if tags == nil {
		tags = map[string]string{}
	}
	r, err := c.CreateMessage(context.Background(), gen.CreateMessageJSONRequestBody{
		ConversationID: conv, UserID: user, Payload: message.Text(text), Tags: tags,
	})
	require.NoError(t, err)
	return r.Message
}

func convID(c gen.Conversation) string { return c.ID }
func msgID(m gen.Message) string       { return m.ID }
func userID(u gen.User) string         { return u.ID }

func TestRuntimeConversations(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t, bptest.WithPageSize(2))
	c := srv.Client()

	created, err := c.CreateConversation(ctx, gen.CreateConversationJSONRequestBody{
		Channel: "dm", Tags: map[string]string{"room": "1", "lang": "en"},
	}, client.WithIntegrationAlias("telegram"))
	require.NoError(t, err)
	conv := created.Conversation
	assert.Len(t, conv.ID, 31)
	assert.Equal(t, "dm", conv.Channel)
	assert.Equal(t, "telegram", conv.Integration)
	assert.Equal(t, map[string]string{"room": "1", "lang": "en"}, conv.Tags)

	got, err := c.GetConversation(ctx, conv.ID)
	require.NoError(t, err)
	assert.Equal(t, conv.ID, got.Conversation.ID)
	assert.Equal(t, conv.Tags, got.Conversation.Tags)

	_, err = c.GetConversation(ctx, rtUnknownID)
	rtStatus(t, err, 404)

	// Update: tags merge, an empty value removes a key; currentTaskId must name a task.
	task, err := c.CreateTask(ctx, gen.CreateTaskJSONRequestBody{ConversationID: conv.ID, Type: "support"})
	require.NoError(t, err)
	upd, err := c.UpdateConversation(ctx, conv.ID, gen.UpdateConversationJSONRequestBody{
		Tags: client.NullableStrings(map[string]string{"lang": "", "topic": "billing"}), CurrentTaskID: rtPtr(task.Task.ID),
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"room": "1", "topic": "billing"}, upd.Conversation.Tags)
	require.NotNil(t, upd.Conversation.CurrentTaskID)
	assert.Equal(t, task.Task.ID, *upd.Conversation.CurrentTaskID)
	assert.False(t, upd.Conversation.UpdatedAt.Before(conv.UpdatedAt))
	_, err = c.UpdateConversation(ctx, conv.ID, gen.UpdateConversationJSONRequestBody{CurrentTaskID: rtPtr(rtUnknownID)})
	rtStatus(t, err, 404)
	_, err = c.UpdateConversation(ctx, rtUnknownID, gen.UpdateConversationJSONRequestBody{})
	rtStatus(t, err, 404)

	// Delete: gone, and so are its messages and participants.
	u := rtUser(t, c, nil)
	m := rtMsg(t, c, conv.ID, u.ID, "hi", nil)
	require.NoError(t, c.DeleteConversation(ctx, conv.ID))
	_, err = c.GetConversation(ctx, conv.ID)
	rtStatus(t, err, 404)
	_, err = c.GetMessage(ctx, m.ID)
	rtStatus(t, err, 404)
	_, err = c.GetParticipant(ctx, conv.ID, u.ID)
	rtStatus(t, err, 404)
	rtStatus(t, c.DeleteConversation(ctx, conv.ID), 404)
	all := hubAll(t, c.AllMessages(ctx, nil))
	assert.Empty(t, all)
}

func TestRuntimeGetOrCreateConversation(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()
	body := gen.GetOrCreateConversationJSONRequestBody{Channel: "dm", Tags: client.NullableStrings(map[string]string{"chatId": "42", "title": "a"})}

	first, err := c.GetOrCreateConversation(ctx, body)
	require.NoError(t, err)
	second, err := c.GetOrCreateConversation(ctx, body)
	require.NoError(t, err)
	assert.Equal(t, first.Conversation.ID, second.Conversation.ID)

	// Other tags (all of them are compared): a new conversation.
	body.Tags = client.NullableStrings(map[string]string{"chatId": "42", "title": "b"})
	third, err := c.GetOrCreateConversation(ctx, body)
	require.NoError(t, err)
	assert.NotEqual(t, first.Conversation.ID, third.Conversation.ID)

	// discriminateByTags: only chatId is compared.
	body.Tags = client.NullableStrings(map[string]string{"chatId": "42", "title": "c"})
	body.DiscriminateByTags = []string{"chatId"}
	fourth, err := c.GetOrCreateConversation(ctx, body)
	require.NoError(t, err)
	assert.Equal(t, first.Conversation.ID, fourth.Conversation.ID)

	// Another channel is another conversation.
	body.Channel = "group"
	fifth, err := c.GetOrCreateConversation(ctx, body)
	require.NoError(t, err)
	assert.NotEqual(t, first.Conversation.ID, fifth.Conversation.ID)
	again, err := c.GetOrCreateConversation(ctx, body)
	require.NoError(t, err)
	assert.Equal(t, fifth.Conversation.ID, again.Conversation.ID)

	// Another bot has conversations of its own.
	srv.AddBot("bot_other000000000000000000000")
	c2 := srv.Client(client.WithBotID("bot_other000000000000000000000"))
	_, err = c2.GetConversation(ctx, first.Conversation.ID)
	rtStatus(t, err, 404)
	theirs, err := c2.GetOrCreateConversation(ctx, body)
	require.NoError(t, err)
	assert.NotEqual(t, fifth.Conversation.ID, theirs.Conversation.ID)
	assert.Len(t, hubAll(t, c2.AllConversations(ctx, nil)), 1)
}

func TestRuntimeListConversations(t *testing.T) {
	ctx := context.Background()
	clock := bptest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv := bptest.Start(t, bptest.WithPageSize(2), bptest.WithClock(clock.Now))
	c := srv.Client()
	alice, bob := rtUser(t, c, nil), rtUser(t, c, nil)

	a := rtConv(t, c, "dm", map[string]string{"kind": "support"})
	clock.Advance(5 * time.Millisecond)
	middle := clock.Now()
	clock.Advance(5 * time.Millisecond)
	b := rtConv(t, c, "group", map[string]string{"kind": "sales"})
	d, err := c.CreateConversation(ctx, gen.CreateConversationJSONRequestBody{
		Channel: "dm", Tags: map[string]string{"kind": "support"}, IntegrationName: rtPtr("whatsapp"),
	})
	require.NoError(t, err)
	e := d.Conversation

	for _, p := range [][2]string{{a.ID, alice.ID}, {a.ID, bob.ID}, {b.ID, alice.ID}} {
		_, err := c.AddParticipant(ctx, p[0], gen.AddParticipantJSONRequestBody{UserID: p[1]})
		require.NoError(t, err)
	}

	list := func(p *gen.ListConversationsParams) []string {
		t.Helper()
		return hubIDs(hubAll(t, c.AllConversations(ctx, p)), convID)
	}
	assert.Equal(t, []string{e.ID, b.ID, a.ID}, list(nil), "newest first")
	assert.Equal(t, []string{a.ID, b.ID, e.ID}, list(&gen.ListConversationsParams{
		SortDirection: rtPtr(gen.SortDirectionAsc)}))
	assert.Equal(t, []string{e.ID, a.ID}, list(&gen.ListConversationsParams{Tags: map[string]string{"kind": "support"}}))
	assert.Equal(t, []string{b.ID}, list(&gen.ListConversationsParams{Channel: rtPtr("group")}))
	assert.Equal(t, []string{e.ID}, list(&gen.ListConversationsParams{IntegrationName: rtPtr("whatsapp")}))
	assert.Equal(t, []string{b.ID, a.ID}, list(&gen.ListConversationsParams{ParticipantIDs: []string{alice.ID}}))
	assert.Equal(t, []string{a.ID}, list(&gen.ListConversationsParams{ParticipantIDs: []string{alice.ID, bob.ID}}))
	assert.Equal(t, []string{e.ID, b.ID}, list(&gen.ListConversationsParams{AfterDate: rtPtr(middle)}))
	assert.Equal(t, []string{a.ID}, list(&gen.ListConversationsParams{BeforeDate: rtPtr(middle)}))
	assert.Empty(t, list(&gen.ListConversationsParams{Tags: map[string]string{"kind": "nope"}}))

	// updatedAt order: touching a moves it to the front.
	clock.Advance(time.Millisecond)
	_, err = c.UpdateConversation(ctx, a.ID, gen.UpdateConversationJSONRequestBody{Tags: client.NullableStrings(map[string]string{"x": "1"})})
	require.NoError(t, err)
	assert.Equal(t, []string{a.ID, e.ID, b.ID}, list(&gen.ListConversationsParams{
		SortField: rtPtr(gen.DateFieldUpdatedAt)}))

	// A token this server did not give.
	_, err = c.ListConversations(ctx, &gen.ListConversationsParams{NextToken: rtPtr("garbage")})
	rtStatus(t, err, 400)
}

func TestRuntimeParticipants(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t, bptest.WithPageSize(2))
	c := srv.Client()
	conv := rtConv(t, c, "dm", nil)
	var users []gen.User
	for range 5 {
		u := rtUser(t, c, nil)
		users = append(users, u)
		r, err := c.AddParticipant(ctx, conv.ID, gen.AddParticipantJSONRequestBody{UserID: u.ID})
		require.NoError(t, err)
		assert.Equal(t, u.ID, r.Participant.ID)
	}
	// Adding twice is harmless.
	_, err := c.AddParticipant(ctx, conv.ID, gen.AddParticipantJSONRequestBody{UserID: users[0].ID})
	require.NoError(t, err)

	got := hubAll(t, c.AllParticipants(ctx, conv.ID, nil))
	assert.Equal(t, hubIDs(users, userID), hubIDs(got, userID), "in the order they joined")

	p, err := c.GetParticipant(ctx, conv.ID, users[2].ID)
	require.NoError(t, err)
	assert.Equal(t, users[2].ID, p.Participant.ID)

	outsider := rtUser(t, c, nil)
	_, err = c.GetParticipant(ctx, conv.ID, outsider.ID)
	rtStatus(t, err, 404)
	_, err = c.GetParticipant(ctx, rtUnknownID, users[0].ID)
	rtStatus(t, err, 404)
	_, err = c.AddParticipant(ctx, conv.ID, gen.AddParticipantJSONRequestBody{UserID: rtUnknownID})
	rtStatus(t, err, 404)
	_, err = c.AddParticipant(ctx, rtUnknownID, gen.AddParticipantJSONRequestBody{UserID: outsider.ID})
	rtStatus(t, err, 404)
	_, err = c.ListParticipants(ctx, rtUnknownID, nil)
	rtStatus(t, err, 404)

	require.NoError(t, c.RemoveParticipant(ctx, conv.ID, users[2].ID))
	_, err = c.GetParticipant(ctx, conv.ID, users[2].ID)
	rtStatus(t, err, 404)
	rtStatus(t, c.RemoveParticipant(ctx, conv.ID, users[2].ID), 404)
	rtStatus(t, c.RemoveParticipant(ctx, rtUnknownID, users[0].ID), 404)
	got = hubAll(t, c.AllParticipants(ctx, conv.ID, nil))
	assert.Equal(t, []string{users[0].ID, users[1].ID, users[3].ID, users[4].ID}, hubIDs(got, userID))

	// listUsers sees the same participants.
	listed := hubAll(t, c.AllUsers(ctx, &gen.ListUsersParams{ConversationID: &conv.ID}))
	assert.ElementsMatch(t, hubIDs(got, userID), hubIDs(listed, userID))
}

func TestRuntimeMessages(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t, bptest.WithPageSize(2))
	c := srv.Client()
	conv := rtConv(t, c, "dm", nil)
	other := rtConv(t, c, "dm", nil)
	u := rtUser(t, c, nil)

	m := rtMsg(t, c, conv.ID, u.ID, "hello", map[string]string{"ext": "1"})
	assert.Len(t, m.ID, 30)
	assert.Equal(t, conv.ID, m.ConversationID)
	assert.Equal(t, u.ID, m.UserID)
	assert.Equal(t, gen.MessageDirectionOutgoing, m.Direction, "the bot's own message")
	assert.Equal(t, "text", m.Type, "taken from the payload")
	assert.JSONEq(t, `{"text":"hello"}`, m.Payload.String())

	// The author became a participant.
	_, err := c.GetParticipant(ctx, conv.ID, u.ID)
	require.NoError(t, err)

	// An integration's message is incoming.
	in, err := c.CreateMessage(ctx, gen.CreateMessageJSONRequestBody{
		ConversationID: conv.ID, UserID: u.ID, Payload: message.Text("yo"),
		Tags: map[string]string{}, Origin: rtPtr(gen.MessageOriginSynthetic),
		Schedule: &gen.CreateMessageBody_Schedule{Delay: rtPtr(1000.0)},
	}, client.WithIntegrationID("intver_000000000000000000000000"))
	require.NoError(t, err)
	assert.Equal(t, gen.MessageDirectionIncoming, in.Message.Direction)
	require.NotNil(t, in.Message.Origin)
	assert.Equal(t, gen.MessageOriginSynthetic, *in.Message.Origin)

	// Unknown conversation or user.
	_, err = c.CreateMessage(ctx, gen.CreateMessageJSONRequestBody{
		ConversationID: rtUnknownID, UserID: u.ID, Payload: message.Text("x"), Tags: map[string]string{}})
	rtStatus(t, err, 404)
	_, err = c.CreateMessage(ctx, gen.CreateMessageJSONRequestBody{
		ConversationID: conv.ID, UserID: rtUnknownID, Payload: message.Text("x"), Tags: map[string]string{}})
	rtStatus(t, err, 404)

	got, err := c.GetMessage(ctx, m.ID)
	require.NoError(t, err)
	assert.Equal(t, m.Payload, got.Message.Payload)
	_, err = c.GetMessage(ctx, rtUnknownID)
	rtStatus(t, err, 404)

	// Update merges tags (null removes one) and replaces the payload.
	upd, err := c.UpdateMessage(ctx, m.ID, gen.UpdateMessageJSONRequestBody{
		Tags: client.NullableStrings(map[string]string{"edited": "yes"}), Payload: message.Text("hello!")})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"ext": "1", "edited": "yes"}, upd.Message.Tags)
	p, err := message.Decode(upd.Message.Type, upd.Message.Payload)
	require.NoError(t, err)
	assert.Equal(t, message.Text("hello!"), p)
	upd, err = c.UpdateMessage(ctx, m.ID, gen.UpdateMessageJSONRequestBody{Tags: map[string]*string{"ext": nil}})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"edited": "yes"}, upd.Message.Tags)
	assert.JSONEq(t, `{"text":"hello!"}`, upd.Message.Payload.String(), "left out, the payload is kept")
	_, err = c.UpdateMessage(ctx, rtUnknownID, gen.UpdateMessageJSONRequestBody{Tags: client.NullableStrings(map[string]string{})})
	rtStatus(t, err, 404)

	// get-or-create: the same message twice, within its conversation.
	goc := gen.GetOrCreateMessageJSONRequestBody{
		ConversationID: conv.ID, UserID: u.ID, Payload: message.Text("x"),
		Tags: client.NullableStrings(map[string]string{"ext": "99", "n": "1"}), DiscriminateByTags: []string{"ext"},
	}
	g1, err := c.GetOrCreateMessage(ctx, goc)
	require.NoError(t, err)
	goc.Tags = client.NullableStrings(map[string]string{"ext": "99", "n": "2"})
	g2, err := c.GetOrCreateMessage(ctx, goc)
	require.NoError(t, err)
	assert.Equal(t, g1.Message.ID, g2.Message.ID)
	goc.ConversationID = other.ID
	g3, err := c.GetOrCreateMessage(ctx, goc)
	require.NoError(t, err)
	assert.NotEqual(t, g1.Message.ID, g3.Message.ID)

	// Filters.
	list := func(p *gen.ListMessagesParams) []string {
		t.Helper()
		return hubIDs(hubAll(t, c.AllMessages(ctx, p)), msgID)
	}
	assert.Equal(t, []string{g3.Message.ID, g1.Message.ID, in.Message.ID, m.ID}, list(nil), "newest first")
	assert.Equal(t, []string{g1.Message.ID, in.Message.ID, m.ID}, list(&gen.ListMessagesParams{ConversationID: &conv.ID}))
	assert.Equal(t, []string{g3.Message.ID}, list(&gen.ListMessagesParams{ConversationID: &other.ID}))
	assert.Equal(t, []string{g3.Message.ID, g1.Message.ID}, list(&gen.ListMessagesParams{Tags: map[string]string{"ext": "99"}}))
	assert.Equal(t, []string{m.ID}, list(&gen.ListMessagesParams{Tags: map[string]string{"edited": "yes"}}))
	future := time.Now().Add(time.Hour)
	assert.Empty(t, list(&gen.ListMessagesParams{AfterDate: &future}))
	assert.Len(t, list(&gen.ListMessagesParams{BeforeDate: &future}), 4)
	_, err = c.ListMessages(ctx, &gen.ListMessagesParams{ConversationID: rtPtr(rtUnknownID)})
	rtStatus(t, err, 404)

	require.NoError(t, c.DeleteMessage(ctx, m.ID))
	_, err = c.GetMessage(ctx, m.ID)
	rtStatus(t, err, 404)
	rtStatus(t, c.DeleteMessage(ctx, m.ID), 404)
}

func TestRuntimeInitializeIncomingMessage(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client(client.WithIntegrationAlias("telegram"))
	body := gen.InitializeIncomingMessageJSONRequestBody{
		User: &gen.InitializeIncomingMessageBody_User{
			Tags: map[string]string{"tgId": "7", "handle": "ada"}, DiscriminateByTags: []string{"tgId"}, Name: rtPtr("Ada"),
		},
		Conversation: &gen.InitializeIncomingMessageBody_Conversation{
			Channel: "dm", Tags: map[string]string{"chatId": "9"}, DiscriminateByTags: []string{"chatId"},
		},
		Message: &gen.InitializeIncomingMessageBody_Message{
			Payload: message.Text("hi"), Tags: map[string]string{"msgId": "1"}, DiscriminateByTags: []string{"msgId"},
		},
	}
	first, err := c.InitializeIncomingMessage(ctx, body)
	require.NoError(t, err)
	require.NotNil(t, first.Message)
	assert.Equal(t, "Ada", *first.User.Name)
	assert.Equal(t, "telegram", first.Conversation.Integration)
	assert.Equal(t, first.User.ID, first.Message.UserID)
	assert.Equal(t, first.Conversation.ID, first.Message.ConversationID)
	assert.Equal(t, gen.MessageDirectionIncoming, first.Message.Direction)
	_, err = c.GetParticipant(ctx, first.Conversation.ID, first.User.ID)
	require.NoError(t, err)

	// Same call: same three resources.
	second, err := c.InitializeIncomingMessage(ctx, body)
	require.NoError(t, err)
	assert.Equal(t, first.User.ID, second.User.ID)
	assert.Equal(t, first.Conversation.ID, second.Conversation.ID)
	assert.Equal(t, first.Message.ID, second.Message.ID)

	// A new message in the same conversation, by ID this time, and no message at all.
	third, err := c.InitializeIncomingMessage(ctx, gen.InitializeIncomingMessageJSONRequestBody{
		UserID: &first.User.ID, ConversationID: &first.Conversation.ID,
		Message: &gen.InitializeIncomingMessageBody_Message{
			Payload: message.Text("again"), Tags: map[string]string{"msgId": "2"}, DiscriminateByTags: []string{"msgId"},
		},
	})
	require.NoError(t, err)
	assert.Equal(t, first.Conversation.ID, third.Conversation.ID)
	assert.NotEqual(t, first.Message.ID, third.Message.ID)
	fourth, err := c.InitializeIncomingMessage(ctx, gen.InitializeIncomingMessageJSONRequestBody{
		UserID: &first.User.ID, ConversationID: &first.Conversation.ID,
	})
	require.NoError(t, err)
	assert.Nil(t, fourth.Message)

	msgs := hubAll(t, c.AllMessages(ctx, &gen.ListMessagesParams{ConversationID: &first.Conversation.ID}))
	assert.Len(t, msgs, 2)
	users := hubAll(t, c.AllUsers(ctx, nil))
	assert.Len(t, users, 1)

	// Unknown IDs, and neither an ID nor a description.
	_, err = c.InitializeIncomingMessage(ctx, gen.InitializeIncomingMessageJSONRequestBody{
		UserID: rtPtr(rtUnknownID), ConversationID: &first.Conversation.ID})
	rtStatus(t, err, 404)
	_, err = c.InitializeIncomingMessage(ctx, gen.InitializeIncomingMessageJSONRequestBody{
		UserID: &first.User.ID, ConversationID: rtPtr(rtUnknownID)})
	rtStatus(t, err, 404)
	_, err = c.InitializeIncomingMessage(ctx, gen.InitializeIncomingMessageJSONRequestBody{UserID: &first.User.ID})
	rtStatus(t, err, 400)
}

func TestRuntimeImportMessages(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()
	conv := rtConv(t, c, "dm", nil)
	u := rtUser(t, c, nil)
	old := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	item := func(ext string, at time.Time) gen.ImportMessagesBody_Messages {
		return gen.ImportMessagesBody_Messages{
			ConversationID: conv.ID, UserID: u.ID, Payload: message.Text(ext),
			Tags: map[string]string{"ext": ext}, CreatedAt: at, DiscriminateByTags: []string{"ext"},
		}
	}
	r, err := c.ImportMessages(ctx, gen.ImportMessagesJSONRequestBody{Messages: []gen.ImportMessagesBody_Messages{
		item("a", old), item("b", old.Add(time.Minute)),
	}})
	require.NoError(t, err)
	require.Len(t, r.Messages, 2)
	assert.True(t, r.Messages[0].CreatedAt.Equal(old))
	assert.Equal(t, gen.MessageDirectionIncoming, r.Messages[0].Direction)

	// Importing again does not duplicate; a new message lists before old ones.
	live := rtMsg(t, c, conv.ID, u.ID, "now", nil)
	again, err := c.ImportMessages(ctx, gen.ImportMessagesJSONRequestBody{Messages: []gen.ImportMessagesBody_Messages{item("a", old)}})
	require.NoError(t, err)
	assert.Equal(t, r.Messages[0].ID, again.Messages[0].ID)
	msgs := hubAll(t, c.AllMessages(ctx, nil))
	assert.Equal(t, []string{live.ID, r.Messages[1].ID, r.Messages[0].ID}, hubIDs(msgs, msgID), "by creation date, newest first")

	// One bad item: nothing imported.
	bad := item("c", old)
	bad.ConversationID = rtUnknownID
	_, err = c.ImportMessages(ctx, gen.ImportMessagesJSONRequestBody{Messages: []gen.ImportMessagesBody_Messages{item("d", old), bad}})
	rtStatus(t, err, 404)
	assert.Len(t, hubAll(t, c.AllMessages(ctx, nil)), 3)
}

func TestRuntimeTagValues(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t, bptest.WithPageSize(2))
	c := srv.Client()
	for _, lang := range []string{"en", "fr", "en", "de", "es", "fr"} {
		rtConv(t, c, "dm", map[string]string{"lang": lang})
	}
	rtConv(t, c, "dm", map[string]string{"other": "x"})
	u := rtUser(t, c, map[string]string{"lang": "pt"})
	conv := rtConv(t, c, "dm", nil)
	rtMsg(t, c, conv.ID, u.ID, "x", map[string]string{"lang": "it"})

	values := func(typ gen.ListTagValuesParamsType) []string {
		t.Helper()
		var out []string
		for _, v := range hubAll(t, c.AllTagValues(ctx, "lang", &gen.ListTagValuesParams{Type: typ})) {
			out = append(out, v.Value)
		}
		return out
	}
	assert.Equal(t, []string{"en", "fr", "de", "es"}, values(gen.ListTagValuesParamsTypeConversation))
	assert.Equal(t, []string{"pt"}, values(gen.ListTagValuesParamsTypeUser))
	assert.Equal(t, []string{"it"}, values(gen.ListTagValuesParamsTypeMessage))

	page, err := c.ListTagValues(ctx, "lang", &gen.ListTagValuesParams{Type: gen.ListTagValuesParamsTypeConversation})
	require.NoError(t, err)
	assert.Len(t, page.Tags, 2)
	assert.NotNil(t, page.Meta.NextToken)

	none, err := c.ListTagValues(ctx, "missing", &gen.ListTagValuesParams{Type: gen.ListTagValuesParamsTypeUser})
	require.NoError(t, err)
	assert.Empty(t, none.Tags)
	assert.Nil(t, none.Meta.NextToken)
}

// Walking a list while resources are created between its pages: every
// resource that existed when the walk began comes exactly once.
func TestRuntimePaginationWhileCreating(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t, bptest.WithPageSize(2))
	c := srv.Client()
	u := rtUser(t, c, nil)

	var convs []string
	for i := range 7 {
		convs = append(convs, rtConv(t, c, "dm", map[string]string{"i": fmt.Sprint(i)}).ID)
	}
	want := make([]string, len(convs))
	for i, id := range convs {
		want[len(convs)-1-i] = id // newest first
	}
	var seen []string
	for conv, err := range c.AllConversations(ctx, nil) {
		require.NoError(t, err)
		seen = append(seen, conv.ID)
		if len(seen)%2 == 0 { // a page was consumed: the next fetch comes after this
			rtConv(t, c, "dm", map[string]string{"late": "yes"})
		}
	}
	assert.Equal(t, want, seen)

	target := convs[0]
	var msgs []string
	for i := range 9 {
		msgs = append(msgs, rtMsg(t, c, target, u.ID, fmt.Sprint(i), nil).ID)
	}
	var wantMsgs []string
	for i := len(msgs) - 1; i >= 0; i-- {
		wantMsgs = append(wantMsgs, msgs[i])
	}
	var seenMsgs []string
	for m, err := range c.AllMessages(ctx, &gen.ListMessagesParams{ConversationID: &target}) {
		require.NoError(t, err)
		seenMsgs = append(seenMsgs, m.ID)
		if len(seenMsgs)%2 == 0 {
			rtMsg(t, c, target, u.ID, "late", nil)
		}
	}
	assert.Equal(t, wantMsgs, seenMsgs)

	// Oldest-first lists (participants) take in what is added behind the
	// walk, still without repeating anything.
	conv := rtConv(t, c, "dm", nil)
	var members []string
	for range 3 {
		p := rtUser(t, c, nil)
		_, err := c.AddParticipant(ctx, conv.ID, gen.AddParticipantJSONRequestBody{UserID: p.ID})
		require.NoError(t, err)
		members = append(members, p.ID)
	}
	var walked []string
	for p, err := range c.AllParticipants(ctx, conv.ID, nil) {
		require.NoError(t, err)
		walked = append(walked, p.ID)
		if len(members) < 6 {
			n := rtUser(t, c, nil)
			_, err := c.AddParticipant(ctx, conv.ID, gen.AddParticipantJSONRequestBody{UserID: n.ID})
			require.NoError(t, err)
			members = append(members, n.ID)
		}
	}
	assert.Equal(t, members, walked)
}

func TestRuntimeConcurrentMessages(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t, bptest.WithPageSize(7))
	c := srv.Client()
	conv := rtConv(t, c, "dm", nil)

	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	ids := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each goroutine is its own user, got-or-created concurrently
			// with the others, and posts one message.
			u, err := c.GetOrCreateUser(ctx, gen.GetOrCreateUserJSONRequestBody{Tags: client.NullableStrings(map[string]string{"n": fmt.Sprint(i % 10)})})
			if err != nil {
				errs <- err
				return
			}
			m, err := c.CreateMessage(ctx, gen.CreateMessageJSONRequestBody{
				ConversationID: conv.ID, UserID: u.User.ID,
				Payload: message.Text(fmt.Sprint(i)), Tags: map[string]string{"i": fmt.Sprint(i)},
			})
			if err != nil {
				errs <- err
				return
			}
			ids[i] = m.Message.ID
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	msgs := hubAll(t, c.AllMessages(ctx, &gen.ListMessagesParams{ConversationID: &conv.ID}))
	require.Len(t, msgs, n)
	assert.ElementsMatch(t, ids, hubIDs(msgs, msgID))
	unique := map[string]bool{}
	for _, m := range msgs {
		unique[m.ID] = true
	}
	assert.Len(t, unique, n)
	parts := hubAll(t, c.AllParticipants(ctx, conv.ID, nil))
	assert.Len(t, parts, 10, "ten distinct users, each a participant once")
}

func TestRuntimeConcurrentGetOrCreateConversation(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()
	const n = 30
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]int{}
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.GetOrCreateConversation(ctx, gen.GetOrCreateConversationJSONRequestBody{
				Channel: "dm", Tags: client.NullableStrings(map[string]string{"chatId": "same"})})
			if !assert.NoError(t, err) {
				return
			}
			mu.Lock()
			got[r.Conversation.ID]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	assert.Len(t, got, 1, "one conversation for all")
	all := hubAll(t, c.AllConversations(ctx, nil))
	assert.Len(t, all, 1)
}
