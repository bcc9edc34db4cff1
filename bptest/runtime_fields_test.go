package bptest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// The fields @botpress/client 1.45.0 added to the runtime API: properties
// and attributes of users, properties and messageCount of conversations,
// meta.created of get-or-create, pageSize and the messageCount filters of
// the lists, expiry and expiresAt of states, captureObservation.

// TestRuntimeUserFields: properties and attributes are kept from creation,
// merged by updates and answered wherever the user appears.
func TestRuntimeUserFields(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()

	created, err := c.CreateUser(ctx, gen.CreateUserJSONRequestBody{
		Tags:       map[string]string{},
		Properties: map[string]string{"plan": "pro", "lang": "fr"},
		Attributes: map[string]string{"legacy": "1"},
	})
	require.NoError(t, err)
	u := created.User
	assert.Equal(t, map[string]string{"plan": "pro", "lang": "fr"}, u.Properties)
	assert.Equal(t, map[string]string{"legacy": "1"}, u.Attributes)

	got, err := c.GetUser(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, u.Properties, got.User.Properties)
	assert.Equal(t, u.Attributes, got.User.Attributes)

	// Update merges: a key set to null or "" goes, the others stay.
	upd, err := c.UpdateUser(ctx, u.ID, gen.UpdateUserJSONRequestBody{
		Properties: map[string]*string{"plan": nil, "lang": rtPtr("en"), "tz": rtPtr("UTC")},
		Attributes: map[string]*string{"legacy": rtPtr("")},
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"lang": "en", "tz": "UTC"}, upd.User.Properties)
	assert.Empty(t, upd.User.Attributes)
	got, err = c.GetUser(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, upd.User.Properties, got.User.Properties)

	// Left out, they are kept.
	upd, err = c.UpdateUser(ctx, u.ID, gen.UpdateUserJSONRequestBody{Name: nullable.NewNullableWithValue("Ada")})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"lang": "en", "tz": "UTC"}, upd.User.Properties)

	// Lists and participants carry them.
	list, err := c.ListUsers(ctx, nil)
	require.NoError(t, err)
	require.Len(t, list.Users, 1)
	assert.Equal(t, upd.User.Properties, list.Users[0].Properties)
	conv := rtConv(t, c, "dm", nil)
	added, err := c.AddParticipant(ctx, conv.ID, gen.AddParticipantJSONRequestBody{UserID: u.ID})
	require.NoError(t, err)
	assert.Equal(t, upd.User.Properties, added.Participant.Properties)
	part, err := c.GetParticipant(ctx, conv.ID, u.ID)
	require.NoError(t, err)
	assert.Equal(t, upd.User.Properties, part.Participant.Properties)
	parts, err := c.ListParticipants(ctx, conv.ID, nil)
	require.NoError(t, err)
	require.Len(t, parts.Participants, 1)
	assert.Equal(t, upd.User.Properties, parts.Participants[0].Properties)

	// get-or-create: created with its properties, then found as it is.
	goc := gen.GetOrCreateUserJSONRequestBody{
		Tags:       client.NullableStrings(map[string]string{"email": "ada@example.com"}),
		Properties: map[string]*string{"source": rtPtr("signup"), "gone": nil},
		Attributes: client.NullableStrings(map[string]string{"a": "b"}),
	}
	first, err := c.GetOrCreateUser(ctx, goc)
	require.NoError(t, err)
	assert.True(t, first.Meta.Created)
	assert.Equal(t, map[string]string{"source": "signup"}, first.User.Properties, "a null value sets nothing")
	assert.Equal(t, map[string]string{"a": "b"}, first.User.Attributes)
	goc.Properties = client.NullableStrings(map[string]string{"source": "other"})
	again, err := c.GetOrCreateUser(ctx, goc)
	require.NoError(t, err)
	assert.False(t, again.Meta.Created)
	assert.Equal(t, first.User.ID, again.User.ID)
	assert.Equal(t, map[string]string{"source": "signup"}, again.User.Properties, "found, not changed")

	// A user without any leaves them out.
	plain := rtUser(t, c, nil)
	assert.Nil(t, plain.Properties)
	assert.Nil(t, plain.Attributes)

	// initializeIncomingMessage creates its user and conversation with theirs.
	init, err := c.InitializeIncomingMessage(ctx, gen.InitializeIncomingMessageJSONRequestBody{
		User: &gen.InitializeIncomingMessageBody_User{
			Tags: map[string]string{"tgId": "7"}, DiscriminateByTags: []string{"tgId"},
			Properties: map[string]string{"via": "telegram"},
		},
		Conversation: &gen.InitializeIncomingMessageBody_Conversation{
			Channel: "dm", Tags: map[string]string{"chatId": "9"}, DiscriminateByTags: []string{"chatId"},
			Properties: map[string]string{"topic": "billing"},
		},
	}, client.WithIntegrationAlias("telegram"))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"via": "telegram"}, init.User.Properties)
	assert.Equal(t, map[string]string{"topic": "billing"}, init.Conversation.Properties)
}

// TestRuntimeConversationProperties: kept from creation, merged by
// updates, answered by every read.
func TestRuntimeConversationProperties(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()

	created, err := c.CreateConversation(ctx, gen.CreateConversationJSONRequestBody{
		Channel: "dm", Tags: map[string]string{}, Properties: map[string]string{"topic": "billing", "prio": "high"},
	})
	require.NoError(t, err)
	conv := created.Conversation
	assert.Equal(t, map[string]string{"topic": "billing", "prio": "high"}, conv.Properties)

	upd, err := c.UpdateConversation(ctx, conv.ID, gen.UpdateConversationJSONRequestBody{
		Properties: map[string]*string{"prio": nil, "agent": rtPtr("bob")},
		Tags:       map[string]*string{"lang": rtPtr("fr")},
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"topic": "billing", "agent": "bob"}, upd.Conversation.Properties)
	assert.Equal(t, map[string]string{"lang": "fr"}, upd.Conversation.Tags)
	upd, err = c.UpdateConversation(ctx, conv.ID, gen.UpdateConversationJSONRequestBody{
		Tags: map[string]*string{"lang": nil},
	})
	require.NoError(t, err)
	assert.Empty(t, upd.Conversation.Tags, "a null tag is removed")
	assert.Equal(t, map[string]string{"topic": "billing", "agent": "bob"}, upd.Conversation.Properties, "left out, kept")

	got, err := c.GetConversation(ctx, conv.ID)
	require.NoError(t, err)
	assert.Equal(t, upd.Conversation.Properties, got.Conversation.Properties)
	list, err := c.ListConversations(ctx, nil)
	require.NoError(t, err)
	require.Len(t, list.Conversations, 1)
	assert.Equal(t, upd.Conversation.Properties, list.Conversations[0].Properties)

	goc := gen.GetOrCreateConversationJSONRequestBody{
		Channel: "dm", Tags: client.NullableStrings(map[string]string{"chatId": "1"}),
		Properties: client.NullableStrings(map[string]string{"topic": "sales"}),
	}
	first, err := c.GetOrCreateConversation(ctx, goc)
	require.NoError(t, err)
	assert.True(t, first.Meta.Created)
	assert.Equal(t, map[string]string{"topic": "sales"}, first.Conversation.Properties)
	again, err := c.GetOrCreateConversation(ctx, goc)
	require.NoError(t, err)
	assert.False(t, again.Meta.Created)
	assert.Equal(t, first.Conversation.ID, again.Conversation.ID)
}

// TestRuntimeMessageCount: a conversation counts the messages it holds,
// whichever way they came or went.
func TestRuntimeMessageCount(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()
	conv := rtConv(t, c, "dm", nil)
	other := rtConv(t, c, "dm", nil)
	u := rtUser(t, c, nil)
	count := func(id string) int {
		t.Helper()
		got, err := c.GetConversation(ctx, id)
		require.NoError(t, err)
		return got.Conversation.MessageCount
	}
	assert.Equal(t, 0, conv.MessageCount)

	m1 := rtMsg(t, c, conv.ID, u.ID, "one", map[string]string{"ext": "1"})
	rtMsg(t, c, conv.ID, u.ID, "two", nil)
	rtMsg(t, c, other.ID, u.ID, "elsewhere", nil)
	assert.Equal(t, 2, count(conv.ID))
	assert.Equal(t, 1, count(other.ID))

	// get-or-create counts what it creates, not what it finds.
	goc := gen.GetOrCreateMessageJSONRequestBody{
		ConversationID: conv.ID, UserID: u.ID, Payload: message.Text("x"),
		Tags: client.NullableStrings(map[string]string{"ext": "9"}), DiscriminateByTags: []string{"ext"},
	}
	made, err := c.GetOrCreateMessage(ctx, goc)
	require.NoError(t, err)
	assert.True(t, made.Meta.Created)
	found, err := c.GetOrCreateMessage(ctx, gen.GetOrCreateMessageJSONRequestBody{
		ConversationID: conv.ID, UserID: u.ID, Type: "text",
		Tags: client.NullableStrings(map[string]string{"ext": "9"}), DiscriminateByTags: []string{"ext"},
	})
	require.NoError(t, err, "no payload is needed to find a message")
	assert.False(t, found.Meta.Created)
	assert.Equal(t, made.Message.ID, found.Message.ID)
	_, err = c.GetOrCreateMessage(ctx, gen.GetOrCreateMessageJSONRequestBody{
		ConversationID: conv.ID, UserID: u.ID, Type: "text",
		Tags: client.NullableStrings(map[string]string{"ext": "10"}), DiscriminateByTags: []string{"ext"},
	})
	rtStatus(t, err, 400)
	assert.Equal(t, 3, count(conv.ID))

	// Imported messages count; importing them again does not.
	item := gen.ImportMessagesBody_Messages{
		ConversationID: conv.ID, UserID: u.ID, Payload: message.Text("old"),
		Tags: map[string]string{"ext": "imp"}, CreatedAt: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC),
		DiscriminateByTags: []string{"ext"},
	}
	for range 2 {
		_, err = c.ImportMessages(ctx, gen.ImportMessagesJSONRequestBody{Messages: []gen.ImportMessagesBody_Messages{item}})
		require.NoError(t, err)
	}
	assert.Equal(t, 4, count(conv.ID))

	// Updating does not count; deleting does.
	_, err = c.UpdateMessage(ctx, m1.ID, gen.UpdateMessageJSONRequestBody{Tags: client.NullableStrings(map[string]string{"k": "v"})})
	require.NoError(t, err)
	assert.Equal(t, 4, count(conv.ID))
	require.NoError(t, c.DeleteMessage(ctx, m1.ID))
	assert.Equal(t, 3, count(conv.ID))
	assert.Equal(t, 1, count(other.ID))

	// Every answer that shows the conversation shows the count.
	list, err := c.ListConversations(ctx, nil)
	require.NoError(t, err)
	counts := map[string]int{}
	for _, cv := range list.Conversations {
		counts[cv.ID] = cv.MessageCount
	}
	assert.Equal(t, map[string]int{conv.ID: 3, other.ID: 1}, counts)
	upd, err := c.UpdateConversation(ctx, conv.ID, gen.UpdateConversationJSONRequestBody{})
	require.NoError(t, err)
	assert.Equal(t, 3, upd.Conversation.MessageCount)
	init, err := c.InitializeIncomingMessage(ctx, gen.InitializeIncomingMessageJSONRequestBody{
		UserID: &u.ID, ConversationID: &conv.ID,
		Message: &gen.InitializeIncomingMessageBody_Message{
			Payload: message.Text("in"), Tags: map[string]string{"ext": "in"}, DiscriminateByTags: []string{"ext"},
		},
	}, client.WithIntegrationAlias("telegram"))
	require.NoError(t, err)
	assert.Equal(t, 4, init.Conversation.MessageCount, "with the message this call created")
}

// TestRuntimeMessageCountChat: the Chat API's messages are the runtime's.
func TestRuntimeMessageCountChat(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()
	ann, _ := newChatUser(t, srv, `{"name":"Ann"}`)
	conv := ann.newConversation(`{}`)
	sent := ann.send(conv.ID, message.Text("hi"))
	ann.send(conv.ID, message.Text("there"))
	got, err := c.GetConversation(ctx, conv.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, got.Conversation.MessageCount)

	require.Equal(t, 200, ann.call("DELETE", "/messages/"+sent.ID, nil).status)
	got, err = c.GetConversation(ctx, conv.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, got.Conversation.MessageCount)
}

// TestRuntimeMessageCountFilter: listConversations keeps the conversations
// whose count is within minMessageCount and maxMessageCount.
func TestRuntimeMessageCountFilter(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()
	u := rtUser(t, c, nil)
	byCount := map[int]string{}
	for n := range 4 {
		conv := rtConv(t, c, "dm", nil)
		for range n {
			rtMsg(t, c, conv.ID, u.ID, "m", nil)
		}
		byCount[n] = conv.ID
	}
	ids := func(p *gen.ListConversationsParams) []string {
		t.Helper()
		return hubIDs(hubAll(t, c.AllConversations(ctx, p)), convID)
	}
	assert.ElementsMatch(t, []string{byCount[2], byCount[3]}, ids(&gen.ListConversationsParams{MinMessageCount: rtPtr(2)}))
	assert.ElementsMatch(t, []string{byCount[0], byCount[1]}, ids(&gen.ListConversationsParams{MaxMessageCount: rtPtr(1)}))
	assert.ElementsMatch(t, []string{byCount[1], byCount[2]},
		ids(&gen.ListConversationsParams{MinMessageCount: rtPtr(1), MaxMessageCount: rtPtr(2)}))
	assert.Empty(t, ids(&gen.ListConversationsParams{MinMessageCount: rtPtr(4)}))
	assert.Len(t, ids(&gen.ListConversationsParams{MinMessageCount: rtPtr(0)}), 4)
	_, err := c.ListConversations(ctx, &gen.ListConversationsParams{MinMessageCount: rtPtr(-1)})
	rtStatus(t, err, 400)

	// With the other filters, and the sort options.
	asc := ids(&gen.ListConversationsParams{
		MaxMessageCount: rtPtr(2), SortField: rtPtr(gen.DateFieldCreatedAt),
		SortDirection: rtPtr(gen.SortDirectionAsc),
	})
	assert.Equal(t, []string{byCount[0], byCount[1], byCount[2]}, asc)
	desc := ids(&gen.ListConversationsParams{MaxMessageCount: rtPtr(2), ParticipantIDs: []string{u.ID}})
	assert.Equal(t, []string{byCount[2], byCount[1]}, desc, "newest first; only conversations u wrote in")
}

// TestRuntimePageSize: the lists answer pageSize items a page, at most the
// server's maximum; left out, the server's page size.
func TestRuntimePageSize(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t, bptest.WithPageSize(2), bptest.WithMaxPageSize(4))
	c := srv.Client()
	conv := rtConv(t, c, "dm", map[string]string{"k": "a"})
	u := rtUser(t, c, map[string]string{"k": "a"})
	for i := range 5 {
		rtConv(t, c, "dm", map[string]string{"k": string(rune('b' + i))})
		rtUser(t, c, nil)
		rtMsg(t, c, conv.ID, u.ID, "m", map[string]string{"k": string(rune('b' + i))})
		_, err := c.CreateEvent(ctx, gen.CreateEventJSONRequestBody{Type: "ping", Payload: map[string]any{}})
		require.NoError(t, err)
		_, err = c.CreateWorkflow(ctx, gen.CreateWorkflowJSONRequestBody{Name: "w", Status: gen.WorkflowStartStatusPending})
		require.NoError(t, err)
	}
	for _, o := range hubAll(t, c.AllUsers(ctx, nil)) {
		_, err := c.AddParticipant(ctx, conv.ID, gen.AddParticipantJSONRequestBody{UserID: o.ID})
		require.NoError(t, err)
	}

	for _, size := range []struct{ asked, want int }{{1, 1}, {3, 3}, {50, 4}} {
		msgs, err := c.ListMessages(ctx, &gen.ListMessagesParams{PageSize: rtPtr(size.asked)})
		require.NoError(t, err)
		assert.Len(t, msgs.Messages, size.want, "listMessages pageSize %d", size.asked)
		assert.NotNil(t, msgs.Meta.NextToken)
		convs, err := c.ListConversations(ctx, &gen.ListConversationsParams{PageSize: rtPtr(size.asked)})
		require.NoError(t, err)
		assert.Len(t, convs.Conversations, size.want, "listConversations pageSize %d", size.asked)
		users, err := c.ListUsers(ctx, &gen.ListUsersParams{PageSize: rtPtr(size.asked)})
		require.NoError(t, err)
		assert.Len(t, users.Users, size.want, "listUsers pageSize %d", size.asked)
		parts, err := c.ListParticipants(ctx, conv.ID, &gen.ListParticipantsParams{PageSize: rtPtr(size.asked)})
		require.NoError(t, err)
		assert.Len(t, parts.Participants, size.want, "listParticipants pageSize %d", size.asked)
		events, err := c.ListEvents(ctx, &gen.ListEventsParams{PageSize: rtPtr(size.asked)})
		require.NoError(t, err)
		assert.Len(t, events.Events, size.want, "listEvents pageSize %d", size.asked)
		wfs, err := c.ListWorkflows(ctx, &gen.ListWorkflowsParams{PageSize: rtPtr(size.asked)})
		require.NoError(t, err)
		assert.Len(t, wfs.Workflows, size.want, "listWorkflows pageSize %d", size.asked)
		tags, err := c.ListTagValues(ctx, "k", &gen.ListTagValuesParams{Type: gen.ListTagValuesParamsTypeConversation, PageSize: rtPtr(size.asked)})
		require.NoError(t, err)
		assert.Len(t, tags.Tags, size.want, "listTagValues pageSize %d", size.asked)
	}

	// Left out: the server's page size.
	msgs, err := c.ListMessages(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, msgs.Messages, 2)

	// The walkers pass it on, and every item comes once.
	all := hubAll(t, c.AllMessages(ctx, &gen.ListMessagesParams{PageSize: rtPtr(3), ConversationID: &conv.ID}))
	assert.Len(t, all, 5)
	_, err = c.ListMessages(ctx, &gen.ListMessagesParams{PageSize: rtPtr(0)})
	rtStatus(t, err, 400)
}

// TestRuntimeStateExpiryFields: a state with an expiry answers it and when
// it runs out; patchState can change it.
func TestRuntimeStateExpiryFields(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	srv := bptest.Start(t, bptest.WithClock(func() time.Time { return now }))
	c := srv.Client()
	u := rtUser(t, c, nil)

	set, err := c.SetState(ctx, gen.StateTypeUser, u.ID, "s", gen.SetStateJSONRequestBody{
		Payload: nullable.NewNullableWithValue(map[string]any{"a": 1.0}), Expiry: nullable.NewNullableWithValue(60000.0),
	})
	require.NoError(t, err)
	require.NotNil(t, set.State.Expiry)
	assert.Equal(t, 60000.0, *set.State.Expiry)
	require.NotNil(t, set.State.ExpiresAt)
	assert.True(t, now.Add(time.Minute).Equal(*set.State.ExpiresAt))

	now = now.Add(30 * time.Second)
	got, err := c.GetState(ctx, gen.StateTypeUser, u.ID, "s")
	require.NoError(t, err)
	assert.True(t, now.Add(30*time.Second).Equal(*got.State.ExpiresAt), "a read does not restart it")

	patched, err := c.PatchState(ctx, gen.StateTypeUser, u.ID, "s", gen.PatchStateJSONRequestBody{
		Payload: map[string]any{"b": 2.0}, Expiry: nullable.NewNullableWithValue(120000.0),
	})
	require.NoError(t, err)
	assert.Equal(t, 120000.0, *patched.State.Expiry)
	assert.True(t, now.Add(2*time.Minute).Equal(*patched.State.ExpiresAt))
	assert.Equal(t, map[string]any{"a": 1.0, "b": 2.0}, patched.State.Payload)

	// Left out, the expiry is kept; null removes it.
	patched, err = c.PatchState(ctx, gen.StateTypeUser, u.ID, "s", gen.PatchStateJSONRequestBody{Payload: map[string]any{}})
	require.NoError(t, err)
	assert.Equal(t, 120000.0, *patched.State.Expiry)
	patched, err = c.PatchState(ctx, gen.StateTypeUser, u.ID, "s", gen.PatchStateJSONRequestBody{
		Payload: map[string]any{}, Expiry: nullable.NewNullNullable[float64](),
	})
	require.NoError(t, err)
	assert.Nil(t, patched.State.Expiry)
	assert.Nil(t, patched.State.ExpiresAt)

	exp, err := c.SetStateExpiry(ctx, gen.StateTypeUser, u.ID, "s", gen.SetStateExpiryJSONRequestBody{
		Expiry: nullable.NewNullableWithValue(1000.0),
	})
	require.NoError(t, err)
	assert.Equal(t, 1000.0, *exp.State.Expiry)
	gos, err := c.GetOrSetState(ctx, gen.StateTypeUser, u.ID, "s", gen.GetOrSetStateJSONRequestBody{Payload: map[string]any{}})
	require.NoError(t, err)
	assert.Equal(t, 1000.0, *gos.State.Expiry)
	now = now.Add(time.Second)
	_, err = c.GetState(ctx, gen.StateTypeUser, u.ID, "s")
	rtStatus(t, err, 404)

	// Without an expiry, none is answered.
	plain, err := c.GetOrSetState(ctx, gen.StateTypeUser, u.ID, "p", gen.GetOrSetStateJSONRequestBody{Payload: map[string]any{}})
	require.NoError(t, err)
	assert.Nil(t, plain.State.Expiry)
	assert.Nil(t, plain.State.ExpiresAt)

	// There are no task states any more.
	_, err = c.GetState(ctx, gen.StateType("task"), "task_x", "s")
	rtStatus(t, err, 400)
}

// TestRuntimeWorkflowFields: meta.created of getOrCreateWorkflow, and
// updateWorkflow removing a tag by null.
func TestRuntimeWorkflowFields(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()
	body := gen.GetOrCreateWorkflowJSONRequestBody{
		Name: "w", Status: gen.WorkflowStartStatusPending, Tags: map[string]string{"k": "1", "x": "y"},
	}
	first, err := c.GetOrCreateWorkflow(ctx, body)
	require.NoError(t, err)
	assert.True(t, first.Meta.Created)
	again, err := c.GetOrCreateWorkflow(ctx, body)
	require.NoError(t, err)
	assert.False(t, again.Meta.Created)
	assert.Equal(t, first.Workflow.ID, again.Workflow.ID)

	upd, err := c.UpdateWorkflow(ctx, first.Workflow.ID, gen.UpdateWorkflowJSONRequestBody{
		Tags: map[string]*string{"k": nil, "z": rtPtr("2")},
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"x": "y", "z": "2"}, upd.Workflow.Tags)
}

// TestRuntimeCaptureObservation: accepted when it has a name and data.
func TestRuntimeCaptureObservation(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()
	require.NoError(t, c.CaptureObservation(ctx, gen.CaptureObservationJSONRequestBody{
		Name: "llm.call", Data: map[string]any{"tokens": 12.0},
		ID: rtPtr("ctx-1"), ConversationID: rtPtr("conv_1"), TraceID: rtPtr("tr_1"),
	}))
	require.NoError(t, c.CaptureObservation(ctx, gen.CaptureObservationJSONRequestBody{Name: "n"}),
		"the client sends a nil data map as {}")

	// The package client cannot send what follows: raw requests.
	for body, want := range map[string]int{
		`{"name":"x","data":{"k":[1]}}`:        200,
		`{"name":"x"}`:                         400,
		`{"data":{}}`:                          400,
		`{"name":"x","data":null}`:             400,
		`{"name":"x","data":{},"userId":7}`:    400,
		`{"name":"x","data":{},"unknown":"u"}`: 400,
	} {
		req, err := http.NewRequest("POST", srv.URL+"/v1/chat/observations", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+srv.Token)
		req.Header.Set("x-bot-id", srv.BotID)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, want, resp.StatusCode, "%s: %s", body, out)
	}
}

// TestRuntimeSeedFields: seeded users and conversations keep their
// properties; a conversation's messageCount is counted from the seed's
// messages, whatever the seed says.
func TestRuntimeSeedFields(t *testing.T) {
	seed, err := bptest.DecodeSeedData(strings.NewReader(`{"bots":{"bot_seeded0000000000000000000":{
		"users":[{"id":"user_seeded000000000000000000","tags":{},"properties":{"plan":"pro"}}],
		"conversations":[{"id":"conv_seeded000000000000000000","channel":"web","integration":"webchat","tags":{},
			"messageCount":7,"properties":{"topic":"t"}}],
		"messages":[{"conversationId":"conv_seeded000000000000000000","userId":"user_seeded000000000000000000","type":"text","payload":{"text":"hi"}}]}}}`))
	require.NoError(t, err)
	srv := bptest.Start(t, bptest.WithBotID("bot_seeded0000000000000000000"), bptest.WithSeedData(seed))
	c := srv.Client()
	ctx := context.Background()
	u, err := c.GetUser(ctx, "user_seeded000000000000000000")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"plan": "pro"}, u.User.Properties)
	conv, err := c.GetConversation(ctx, "conv_seeded000000000000000000")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"topic": "t"}, conv.Conversation.Properties)
	assert.Equal(t, 1, conv.Conversation.MessageCount)
}
