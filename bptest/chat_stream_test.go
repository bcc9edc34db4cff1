package bptest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// chatStream reads a listenConversation stream, event by event.
type chatStream struct {
	resp *http.Response
	sc   *bufio.Scanner
}

// chatSignal is one signal: its type and its data.
type chatSignal struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// listenChat opens a stream of a conversation as u. The request's deadline
// only keeps a broken test from hanging; every read waits for an event.
func listenChat(t *testing.T, u chatUser, conv string) *chatStream {
	t.Helper()
	resp, status := openChatStream(t, u, conv)
	require.Equal(t, 200, status)
	return resp
}

func openChatStream(t *testing.T, u chatUser, conv string) (*chatStream, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", u.srv.ChatURL()+"/conversations/"+conv+"/listen", nil)
	require.NoError(t, err)
	req.Header.Set("x-user-key", u.key)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode == 200 {
		assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	}
	return &chatStream{resp: resp, sc: bufio.NewScanner(resp.Body)}, resp.StatusCode
}

// frame reads the lines of the next event, up to the blank line that ends
// it; ok is false when the stream ends, err says how.
func (s *chatStream) frame() (lines []string, ok bool, err error) {
	for s.sc.Scan() {
		if s.sc.Text() == "" {
			return lines, true, nil
		}
		lines = append(lines, s.sc.Text())
	}
	return lines, false, s.sc.Err()
}

// signal reads the next signal, skipping keep-alives.
func (s *chatStream) signal(t *testing.T) chatSignal {
	t.Helper()
	for {
		lines, ok, err := s.frame()
		require.True(t, ok, "the stream ended: %v", err)
		require.Len(t, lines, 2, "an event is two lines: %q", lines)
		assert.Equal(t, "event: message", lines[0])
		data, found := strings.CutPrefix(lines[1], "data: ")
		require.True(t, found, lines[1])
		if data == "ping" {
			continue
		}
		var sig chatSignal
		require.NoError(t, json.Unmarshal([]byte(data), &sig), data)
		return sig
	}
}

// ends checks that the stream ends cleanly, after keep-alives at most.
func (s *chatStream) ends(t *testing.T) {
	t.Helper()
	for {
		lines, ok, err := s.frame()
		if !ok {
			assert.NoError(t, err, "ended cleanly, not dropped")
			assert.Empty(t, lines)
			return
		}
		require.Equal(t, []string{"event: message", "data: ping"}, lines, "no signal before the end")
	}
}

// dropped checks that the stream's connection is dropped.
func (s *chatStream) dropped(t *testing.T) {
	t.Helper()
	for {
		lines, ok, err := s.frame()
		if !ok {
			assert.Error(t, err, "dropped, not ended")
			return
		}
		if len(lines) == 2 && lines[1] == "data: ping" {
			continue
		}
		t.Fatalf("a signal before the drop: %q", lines)
	}
}

func TestChatListenFraming(t *testing.T) {
	srv := bptest.Start(t, bptest.WithChatKeepAlive(time.Millisecond))
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	ann.newConversation(`{"id":"room"}`)
	stream := listenChat(t, ann, "room")

	// Silence: a keep-alive, byte for byte.
	lines, ok, err := stream.frame()
	require.True(t, ok, err)
	assert.Equal(t, []string{"event: message", "data: ping"}, lines)

	m := ann.send("room", message.Text("hi"))
	for {
		lines, ok, err = stream.frame()
		require.True(t, ok, err)
		if lines[1] != "data: ping" {
			break
		}
	}
	require.Len(t, lines, 2)
	assert.Equal(t, "event: message", lines[0])
	data, _ := strings.CutPrefix(lines[1], "data: ")
	var sig chatgen.SignalMessageCreated
	require.NoError(t, json.Unmarshal([]byte(data), &sig), "one line of JSON")
	assert.Equal(t, chatgen.SignalMessageCreatedTypeMessageCreated, sig.Type)
	assert.Equal(t, m.ID, sig.Data.ID)
	assert.False(t, sig.Data.IsBot)
	assert.Equal(t, message.Text("hi"), sig.Data.Payload)
}

func TestChatListenChecks(t *testing.T) {
	srv := bptest.Start(t)
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	bob, _ := newChatUser(t, srv, `{"id":"bob"}`)
	ann.newConversation(`{"id":"room"}`)
	for _, tc := range []struct {
		u      chatUser
		conv   string
		status int
	}{
		{bob, "room", 403},
		{ann, "nope", 404},
		{chatUser{t: t, srv: srv, key: "bad"}, "room", 401},
	} {
		_, status := openChatStream(t, tc.u, tc.conv)
		assert.Equal(t, tc.status, status, tc.conv)
	}
}

func TestChatSignals(t *testing.T) {
	srv := bptest.Start(t)
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	bob, _ := newChatUser(t, srv, `{"id":"bob"}`)
	ann.newConversation(`{"id":"room"}`)
	annStream := listenChat(t, ann, "room")

	ann.call("POST", "/conversations/room/participants", `{"userId":"bob"}`)
	sig := annStream.signal(t)
	assert.Equal(t, "participant_added", sig.Type)
	assert.JSONEq(t, `{"conversationId":"room","participantId":"bob"}`, string(sig.Data))
	bobStream := listenChat(t, bob, "room")

	var ev chatgen.CreateEventResponse
	a := bob.call("POST", "/events", `{"conversationId":"room","payload":{"clicked":"yes"}}`)
	require.Equal(t, 201, a.status, "%s", a.body)
	a.into(t, &ev)
	assert.Equal(t, "bob", ev.Event.UserID)
	assert.Equal(t, "room", ev.Event.ConversationID)
	for _, s := range []*chatStream{annStream, bobStream} {
		sig = s.signal(t)
		assert.Equal(t, "event_created", sig.Type)
		var d chatgen.SignalEventCreatedData
		require.NoError(t, json.Unmarshal(sig.Data, &d))
		assert.Equal(t, ev.Event.ID, d.ID.MustGet())
		assert.False(t, d.IsBot)
		assert.Equal(t, "yes", d.Payload["clicked"])
	}
	var got chatgen.GetEventResponse
	ann.call("GET", "/events/"+ev.Event.ID, nil).into(t, &got)
	assert.Equal(t, ev.Event, got.Event)
	rt, err := srv.Client().GetEvent(context.Background(), ev.Event.ID)
	require.NoError(t, err)
	assert.Equal(t, "custom", rt.Event.Type, "a runtime event of type custom")
	assert.Equal(t, map[string]any{"clicked": "yes"}, rt.Event.Payload["payload"])
	assert.Equal(t, 404, ann.call("GET", "/events/evt_nope", nil).status)

	// The bot's custom event (the integration's sendEvent action): no ID.
	require.NoError(t, srv.SendChatEvent("room", map[string]any{"typing": true}))
	for _, s := range []*chatStream{annStream, bobStream} {
		sig = s.signal(t)
		var d chatgen.SignalEventCreatedData
		require.NoError(t, json.Unmarshal(sig.Data, &d))
		assert.True(t, d.ID.IsNull())
		assert.True(t, d.IsBot)
		assert.Equal(t, srv.BotID, d.UserID)
	}
	assert.Error(t, srv.SendChatEvent("nope", nil))

	m := bob.send("room", message.Text("bye"))
	annStream.signal(t)
	bobStream.signal(t)
	assert.Equal(t, 200, bob.call("DELETE", "/messages/"+m.ID, nil).status)
	for _, s := range []*chatStream{annStream, bobStream} {
		sig = s.signal(t)
		assert.Equal(t, "message_deleted", sig.Type)
		assert.JSONEq(t, `{"id":"`+m.ID+`","conversationId":"room","userId":"bob"}`, string(sig.Data))
	}

	// Removed: Bob's stream ends without the signal; Ann gets it.
	assert.Equal(t, 200, ann.call("DELETE", "/conversations/room/participants/bob", nil).status)
	bobStream.ends(t)
	sig = annStream.signal(t)
	assert.Equal(t, "participant_removed", sig.Type)
	assert.JSONEq(t, `{"conversationId":"room","participantId":"bob"}`, string(sig.Data))
	assert.Equal(t, 1, srv.ChatStreams())

	// Closing the server ends the streams.
	require.NoError(t, srv.Close())
	annStream.ends(t)
}

func TestChatStreamFaults(t *testing.T) {
	srv := bptest.Start(t)
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	ann.newConversation(`{"id":"room"}`)

	// The usual faults, on the listen operation.
	srv.InjectFault(bptest.Fault{Chat: true, Operation: "listenConversation", Status: 503, Times: 1})
	_, status := openChatStream(t, ann, "room")
	assert.Equal(t, 503, status)
	remove := srv.InjectFault(bptest.Fault{Chat: true, Operation: "listenConversation", Drop: true, Times: 1})
	ctx := context.Background()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.ChatURL()+"/conversations/room/listen", nil)
	req.Header.Set("x-user-key", ann.key)
	_, err := http.DefaultClient.Do(req)
	assert.Error(t, err, "dropped before answering")
	remove()

	// A main API fault leaves the Chat API alone, and the other way round.
	srv.InjectFault(bptest.Fault{Operation: "getUser", Status: 500})
	assert.Equal(t, 200, ann.call("GET", "/users/me", nil).status)
	srv.InjectFault(bptest.Fault{Chat: true, Operation: "listUsers", Status: 500})
	_, err = srv.Client().ListUsers(ctx, &gen.ListUsersParams{})
	assert.NoError(t, err)

	// An error in a 200, as the Chat API sometimes answers.
	srv.InjectFault(bptest.Fault{Chat: true, Operation: "getConversation", Status: 403, ErrorIn200: true, Times: 1})
	a := ann.call("GET", "/conversations/room", nil)
	assert.Equal(t, 200, a.status)
	assert.JSONEq(t, `{"code":403,"type":"Forbidden"}`, string(jsonPick(t, a.body, "code", "type")))
	assert.Equal(t, 200, ann.call("GET", "/conversations/room", nil).status)

	// DropStreamAfter: two signals, then the connection drops.
	srv.InjectFault(bptest.Fault{Chat: true, Operation: "listenConversation", DropStreamAfter: 2, Times: 1})
	stream := listenChat(t, ann, "room")
	for _, text := range []string{"one", "two", "three"} {
		ann.send("room", message.Text(text))
	}
	assert.Equal(t, "message_created", stream.signal(t).Type)
	assert.Equal(t, "message_created", stream.signal(t).Type)
	stream.dropped(t)

	// DropChatStreams drops every open stream.
	s1, s2 := listenChat(t, ann, "room"), listenChat(t, ann, "room")
	assert.Equal(t, 2, srv.ChatStreams())
	assert.Equal(t, 2, srv.DropChatStreams())
	assert.Equal(t, 0, srv.ChatStreams())
	s1.dropped(t)
	s2.dropped(t)
	again := listenChat(t, ann, "room")
	ann.send("room", message.Text("after"))
	assert.Equal(t, "message_created", again.signal(t).Type, "a new stream works")
}

func TestChatBot(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	var mu sync.Mutex
	var seen []bptest.IncomingMessage
	srv.OnMessage(func(_ context.Context, m bptest.IncomingMessage) []message.Payload {
		mu.Lock()
		seen = append(seen, m)
		mu.Unlock()
		text := m.Payload.(*message.TextPayload).Text
		return []message.Payload{message.Text(strings.ToUpper(text)), message.Choice("More?", message.Option("Yes", "y"))}
	})
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	ann.newConversation(`{"id":"room"}`)
	stream := listenChat(t, ann, "room")

	var sent chatgen.CreateMessageResponse
	ann.call("POST", "/messages", `{"conversationId":"room","payload":{"type":"text","text":"hello"},"metadata":{"k":1}}`).into(t, &sent)
	var own chatgen.SignalMessageCreatedData
	require.NoError(t, json.Unmarshal(stream.signal(t).Data, &own))
	assert.Equal(t, sent.Message.ID, own.ID, "the user's message is signalled first")
	var r1, r2 chatgen.SignalMessageCreatedData
	require.NoError(t, json.Unmarshal(stream.signal(t).Data, &r1))
	require.NoError(t, json.Unmarshal(stream.signal(t).Data, &r2))
	assert.True(t, r1.IsBot)
	assert.Equal(t, message.Text("HELLO"), r1.Payload)
	assert.Equal(t, message.Choice("More?", message.Option("Yes", "y")), r2.Payload)
	assert.Equal(t, srv.BotID, r1.UserID, "the bot is the author")
	assert.Equal(t, "room", r1.ConversationID)

	mu.Lock()
	require.Len(t, seen, 1)
	in := seen[0]
	mu.Unlock()
	assert.Equal(t, sent.Message.ID, in.ID)
	assert.Equal(t, "room", in.ConversationID)
	assert.Equal(t, "ann", in.UserID)
	assert.NotEmpty(t, in.RuntimeConversationID)
	assert.NotEqual(t, "room", in.RuntimeConversationID)
	assert.NotEmpty(t, in.RuntimeUserID)
	assert.Equal(t, message.Text("hello"), in.Payload)
	assert.EqualValues(t, 1, in.Metadata["k"])

	// The replies are the bot's messages in both APIs.
	var list chatgen.ListMessagesResponse
	ann.call("GET", "/conversations/room/messages", nil).into(t, &list)
	require.Len(t, list.Messages, 3)
	assert.Equal(t, r2.ID, list.Messages[0].ID)
	rt, err := c.GetMessage(ctx, r1.ID)
	require.NoError(t, err)
	assert.Equal(t, gen.MessageDirectionOutgoing, rt.Message.Direction)
	assert.Equal(t, "text", rt.Message.Type)
	assert.Equal(t, in.RuntimeConversationID, rt.Message.ConversationID)

	// WaitChatBot: every message answered. The bot answers apart from the
	// requests, so its echoes may come after ann's later messages: only
	// each echo after its message, and the echoes in order, are certain.
	srv.OnMessage(bptest.EchoBot)
	for _, text := range []string{"a", "b", "c"} {
		ann.send("room", message.Text(text))
	}
	require.NoError(t, srv.WaitChatBot(ctx))
	ann.call("GET", "/conversations/room/messages", nil).into(t, &list)
	require.Len(t, list.Messages, 9)
	assert.Equal(t, message.Text("c"), list.Messages[0].Payload, "the echo of the last message, last")
	assert.Equal(t, srv.BotID, list.Messages[0].UserID)
	var anns, echoes []string
	for i := 5; i >= 0; i-- { // oldest first
		m := list.Messages[i]
		text := m.Payload.(*message.TextPayload).Text
		if m.UserID == "ann" {
			anns = append(anns, text)
		} else {
			assert.Equal(t, srv.BotID, m.UserID)
			assert.Contains(t, anns, text, "the echo of %q after it", text)
			echoes = append(echoes, text)
		}
	}
	assert.Equal(t, []string{"a", "b", "c"}, anns)
	assert.Equal(t, []string{"a", "b", "c"}, echoes, "answered in order")

	// No script: no answer.
	srv.OnMessage(nil)
	ann.send("room", message.Text("anyone?"))
	require.NoError(t, srv.WaitChatBot(ctx))
	ann.call("GET", "/conversations/room/messages", nil).into(t, &list)
	assert.Len(t, list.Messages, 10)
}

// A message is answered by the script that was set when it was sent, even
// if it still waits its turn when the script changes.
func TestChatBotScriptOfTheMessage(t *testing.T) {
	srv := bptest.Start(t)
	ctx := context.Background()
	started, release := make(chan struct{}), make(chan struct{})
	srv.OnMessage(func(ctx context.Context, m bptest.IncomingMessage) []message.Payload {
		text := m.Payload.(*message.TextPayload).Text
		if text == "first" {
			close(started)
			select { // held until released, or the server closes
			case <-release:
			case <-ctx.Done():
			}
		}
		return []message.Payload{message.Text("old " + text)}
	})
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	ann.newConversation(`{"id":"room"}`)
	ann.send("room", message.Text("first"))
	<-started // the script holds "first": "second" waits its turn
	ann.send("room", message.Text("second"))
	srv.OnMessage(func(_ context.Context, m bptest.IncomingMessage) []message.Payload {
		return []message.Payload{message.Text("new " + m.Payload.(*message.TextPayload).Text)}
	})
	ann.send("room", message.Text("third"))
	close(release)
	require.NoError(t, srv.WaitChatBot(ctx))
	var list chatgen.ListMessagesResponse
	ann.call("GET", "/conversations/room/messages", nil).into(t, &list)
	var replies []message.Payload
	for _, m := range slices.Backward(list.Messages) {
		if m.UserID == srv.BotID {
			replies = append(replies, m.Payload)
		}
	}
	assert.Equal(t, []message.Payload{message.Text("old first"), message.Text("old second"), message.Text("new third")}, replies)

	// A message sent before the script is removed is still answered.
	started, release = make(chan struct{}), make(chan struct{})
	srv.OnMessage(func(ctx context.Context, m bptest.IncomingMessage) []message.Payload {
		if m.Payload.(*message.TextPayload).Text == "first" {
			close(started)
			select {
			case <-release:
			case <-ctx.Done():
			}
		}
		return []message.Payload{message.Text("answered")}
	})
	ann.send("room", message.Text("first"))
	<-started
	ann.send("room", message.Text("queued"))
	srv.OnMessage(nil)
	ann.send("room", message.Text("unanswered"))
	close(release)
	require.NoError(t, srv.WaitChatBot(ctx))
	ann.call("GET", "/conversations/room/messages", nil).into(t, &list)
	require.Len(t, list.Messages, 11, "two answers, none to the message sent with no script")
	assert.Equal(t, message.Text("answered"), list.Messages[0].Payload)
	assert.Equal(t, message.Text("answered"), list.Messages[1].Payload)
	assert.Equal(t, message.Text("unanswered"), list.Messages[2].Payload)
}

func TestChatBotScriptPanics(t *testing.T) {
	srv, err := bptest.New()
	require.NoError(t, err)
	defer srv.Close()
	srv.OnMessage(func(context.Context, bptest.IncomingMessage) []message.Payload { panic("boom") })
	ann, _ := newChatUser(t, srv, `{}`)
	conv := ann.newConversation(`{}`)
	ann.send(conv.ID, message.Text("hi"))
	require.NoError(t, srv.WaitChatBot(context.Background()))
	require.Len(t, srv.ResponseViolations(), 1)
	assert.Contains(t, srv.ResponseViolations()[0], "boom")
	assert.Equal(t, 201, ann.call("POST", "/messages", chatgen.CreateMessageBody{ConversationID: conv.ID, Payload: message.Text("still up")}).status)
}

// jsonPick keeps the named fields of a JSON object.
func jsonPick(t *testing.T, data []byte, keys ...string) []byte {
	t.Helper()
	var all map[string]any
	require.NoError(t, json.Unmarshal(data, &all))
	out := map[string]any{}
	for _, k := range keys {
		out[k] = all[k]
	}
	b, err := json.Marshal(out)
	require.NoError(t, err)
	return b
}

// Many users sending at once: the stream carries every message once, in
// the order the server stored them.
func TestChatConcurrentSenders(t *testing.T) {
	srv := bptest.Start(t, bptest.WithPageSize(100))
	owner, _ := newChatUser(t, srv, `{"id":"owner"}`)
	owner.newConversation(`{"id":"room"}`)
	const senders, each = 8, 10
	users := make([]chatUser, senders)
	for i := range users {
		users[i], _ = newChatUser(t, srv, `{}`)
		var u chatgen.GetUserResponse
		users[i].call("GET", "/users/me", nil).into(t, &u)
		require.Equal(t, 200, owner.call("POST", "/conversations/room/participants", `{"userId":"`+u.User.ID+`"}`).status)
	}
	stream := listenChat(t, owner, "room")
	var wg sync.WaitGroup
	errs := make(chan error, senders*each)
	for _, u := range users {
		wg.Add(1)
		go func() { // no require off the test's goroutine: errors are collected
			defer wg.Done()
			for i := range each {
				body := `{"conversationId":"room","payload":{"type":"text","text":"` + strings.Repeat("x", i+1) + `"}}`
				req, _ := http.NewRequest("POST", srv.ChatURL()+"/messages", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("x-user-key", u.key)
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode != 201 {
						err = fmt.Errorf("createMessage: %d", resp.StatusCode)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(errs) }()
	for err := range errs {
		require.NoError(t, err)
	}
	var got []string
	for len(got) < senders*each {
		sig := stream.signal(t)
		if sig.Type != "message_created" {
			continue
		}
		var d chatgen.SignalMessageCreatedData
		require.NoError(t, json.Unmarshal(sig.Data, &d))
		got = append(got, d.ID)
	}
	var list chatgen.ListMessagesResponse
	owner.call("GET", "/conversations/room/messages", nil).into(t, &list)
	require.Len(t, list.Messages, senders*each)
	for i, m := range list.Messages {
		assert.Equal(t, m.ID, got[len(got)-1-i], "signal order is storage order")
	}
}
