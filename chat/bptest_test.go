package chat_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/api"
	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/chat/chatgen"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// The Chat client against bptest's Chat API: every operation on real state
// (spec-validated both ways by the server), the user's messages seen by the
// bot through the runtime API, and the listener across dropped streams.

// bpStart starts bptest with an echo bot and returns it with a client
// connected as a new user (the key createUser answers).
func bpStart(t *testing.T, opts ...bptest.Option) (*bptest.Server, *chat.Client) {
	t.Helper()
	srv := bptest.Start(t, opts...)
	srv.OnMessage(bptest.EchoBot)
	c, err := chat.Connect(guard(t), "", chat.WithBaseURL(srv.ChatURL()))
	require.NoError(t, err)
	t.Cleanup(func() { assert.Empty(t, srv.ResponseViolations(), "answers off the spec") })
	return srv, c
}

// TestOperationsAgainstBptest calls each of the 21 operations of the Chat
// API, in an order where each one has something to act on, and checks what
// it did through the other operations and the runtime API.
func TestOperationsAgainstBptest(t *testing.T) {
	ctx := guard(t)
	srv, c := bpStart(t)
	ada := c.UserID()
	require.NotEmpty(t, ada)
	// Bob connects with a key signed from the integration's encryption key.
	bob, err := chat.Connect(ctx, "", chat.WithBaseURL(srv.ChatURL()),
		chat.WithEncryptionKey(srv.ChatEncryptionKey()), chat.WithUserID("bob"))
	require.NoError(t, err)
	const conv = "support-1"
	var sent chatgen.Message
	var event chatgen.Event

	steps := []struct {
		op  string
		run func(t *testing.T)
	}{
		{"createUser", func(t *testing.T) {
			anon, err := chat.New("", chat.WithBaseURL(srv.ChatURL()))
			require.NoError(t, err)
			out, err := anon.CreateUser(ctx, chatgen.CreateUserBody{ID: chat.Ptr("carol"), Name: chat.Ptr("Carol")})
			require.NoError(t, err)
			assert.Equal(t, "carol", out.User.ID)
			assert.NotEmpty(t, out.Key)
			carol, err := chat.New("", chat.WithBaseURL(srv.ChatURL()), chat.WithUserKey(out.Key))
			require.NoError(t, err)
			me, err := carol.GetUser(ctx)
			require.NoError(t, err)
			assert.Equal(t, "Carol", *me.User.Name, "the key answered is the user's")
		}},
		{"getOrCreateUser", func(t *testing.T) {
			out, err := bob.GetOrCreateUser(ctx, chatgen.GetOrCreateUserBody{Name: chat.Ptr("Bob")})
			require.NoError(t, err)
			assert.Equal(t, "bob", out.User.ID)
		}},
		{"updateUser", func(t *testing.T) {
			out, err := c.UpdateUser(ctx, chatgen.UpdateUserBody{Name: chat.Ptr("Ada"), PictureURL: chat.Ptr("https://example.com/ada.png")})
			require.NoError(t, err)
			assert.Equal(t, "Ada", *out.User.Name)
		}},
		{"getUser", func(t *testing.T) {
			out, err := c.GetUser(ctx)
			require.NoError(t, err)
			assert.Equal(t, ada, out.User.ID)
			assert.Equal(t, "https://example.com/ada.png", *out.User.PictureURL)
		}},
		{"createConversation", func(t *testing.T) {
			out, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{ID: chat.Ptr(conv)})
			require.NoError(t, err)
			assert.Equal(t, conv, out.Conversation.ID)
		}},
		{"getOrCreateConversation", func(t *testing.T) {
			out, err := c.GetOrCreateConversation(ctx, chatgen.GetOrCreateConversationBody{ID: conv})
			require.NoError(t, err)
			assert.Equal(t, conv, out.Conversation.ID, "the existing one")
		}},
		{"getConversation", func(t *testing.T) {
			out, err := c.GetConversation(ctx, conv)
			require.NoError(t, err)
			assert.Equal(t, conv, out.Conversation.ID)
		}},
		{"listConversations", func(t *testing.T) {
			convs, err := chat.Collect(c.AllConversations(ctx, nil), 0)
			require.NoError(t, err)
			assert.Equal(t, []string{conv}, ids(convs, func(c chatgen.Conversation) string { return c.ID }))
			out, err := c.ListConversations(ctx, nil)
			require.NoError(t, err)
			assert.Len(t, out.Conversations, 1)
		}},
		{"addParticipant", func(t *testing.T) {
			out, err := c.AddParticipant(ctx, conv, chatgen.AddParticipantBody{UserID: "bob"})
			require.NoError(t, err)
			assert.Equal(t, "bob", out.Participant.ID)
		}},
		{"getParticipant", func(t *testing.T) {
			out, err := c.GetParticipant(ctx, conv, "bob")
			require.NoError(t, err)
			assert.Equal(t, "Bob", *out.Participant.Name)
		}},
		{"listParticipants", func(t *testing.T) {
			users, err := chat.Collect(c.AllParticipants(ctx, conv, nil), 0)
			require.NoError(t, err)
			assert.ElementsMatch(t, []string{ada, "bob"}, ids(users, func(u chatgen.User) string { return u.ID }))
			out, err := c.ListParticipants(ctx, conv, nil)
			require.NoError(t, err)
			assert.Len(t, out.Participants, 2)
		}},
		{"createMessage", func(t *testing.T) {
			out, err := bob.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: conv, Payload: message.Text("hello from bob"),
				Metadata: &chatgen.MessageMetadata{"ticket": "T-1"}})
			require.NoError(t, err)
			sent = out.Message
			assert.Equal(t, "bob", sent.UserID)
			require.NoError(t, srv.WaitChatBot(ctx))
			// The bot saw it through the runtime API, and answered.
			msgs, err := srv.Client().ListMessages(ctx, &gen.ListMessagesParams{})
			require.NoError(t, err)
			var texts []string
			for _, m := range msgs.Messages {
				p, err := message.Decode(m.Type, m.Payload)
				require.NoError(t, err)
				texts = append(texts, fmt.Sprintf("%s %s", m.Direction, p.(*message.TextPayload).Text))
			}
			assert.ElementsMatch(t, []string{"incoming hello from bob", "outgoing hello from bob"}, texts)
		}},
		{"getMessage", func(t *testing.T) {
			out, err := c.GetMessage(ctx, sent.ID)
			require.NoError(t, err)
			assert.Equal(t, "hello from bob", text(out.Message))
			assert.Equal(t, "T-1", (*out.Message.Metadata)["ticket"])
		}},
		{"listMessages", func(t *testing.T) {
			msgs, err := chat.Collect(c.AllMessages(ctx, conv, nil), 0)
			require.NoError(t, err)
			require.Len(t, msgs, 2, "bob's and the echo")
			authors := ids(msgs, func(m chatgen.Message) string { return m.UserID })
			assert.Contains(t, authors, "bob")
			assert.Contains(t, authors, srv.BotID, "the bot's echo, authored by the bot")
			out, err := c.ListMessages(ctx, conv, nil)
			require.NoError(t, err)
			assert.Len(t, out.Messages, 2)
		}},
		{"deleteMessage", func(t *testing.T) {
			require.NoError(t, bob.DeleteMessage(ctx, sent.ID))
			_, err := c.GetMessage(ctx, sent.ID)
			assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
		}},
		{"createEvent", func(t *testing.T) {
			out, err := c.CreateEvent(ctx, chatgen.CreateEventBody{ConversationID: conv, Payload: chatgen.EventPayload{"kind": "typing"}})
			require.NoError(t, err)
			event = out.Event
			assert.Equal(t, ada, event.UserID)
		}},
		{"getEvent", func(t *testing.T) {
			out, err := c.GetEvent(ctx, event.ID)
			require.NoError(t, err)
			assert.Equal(t, "typing", out.Event.Payload["kind"])
		}},
		{"listenConversation", func(t *testing.T) {
			lctx, stop := context.WithCancel(ctx)
			defer stop()
			got := make(chan string, 8)
			ended := make(chan error, 1)
			go func() {
				defer close(got)
				for s, err := range c.ListenConversation(lctx, conv) {
					if err != nil {
						ended <- err
						return
					}
					if m, ok := s.(*chat.MessageCreated); ok {
						got <- fmt.Sprintf("bot=%v %s", m.IsBot, text(m.Message))
					}
				}
			}()
			// The stream is open once the server counts it: then say something.
			waitFor(t, ctx, func() bool { return srv.ChatStreams() == 1 })
			_, err := bob.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: conv, Payload: message.Text("are you there?")})
			require.NoError(t, err)
			var seen []string
			for len(seen) < 2 {
				select {
				case s := <-got:
					seen = append(seen, s)
				case err := <-ended:
					t.Fatal(err)
				}
			}
			stop()
			for range got {
			}
			noReaderLeft(t)
			assert.Equal(t, []string{"bot=false are you there?", "bot=true are you there?"}, seen)
		}},
		{"removeParticipant", func(t *testing.T) {
			require.NoError(t, c.RemoveParticipant(ctx, conv, "bob"))
			_, err := c.GetParticipant(ctx, conv, "bob")
			assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
		}},
		{"deleteConversation", func(t *testing.T) {
			require.NoError(t, c.DeleteConversation(ctx, conv))
			_, err := c.GetConversation(ctx, conv)
			assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
		}},
		{"deleteUser", func(t *testing.T) {
			require.NoError(t, bob.DeleteUser(ctx))
			_, err := bob.GetUser(ctx)
			var apiErr *bperrors.APIError
			require.ErrorAs(t, err, &apiErr, "the key names a user that is gone")
			assert.Equal(t, "getUser", apiErr.Operation)
		}},
	}
	var covered []string
	for _, s := range steps {
		if !t.Run(s.op, s.run) {
			t.FailNow() // later steps build on this one
		}
		covered = append(covered, s.op)
	}
	assert.Equal(t, chatOperationIDs(t), slices.Sorted(slices.Values(covered)), "every operation of api/chat.yaml, once")
}

// chatOperationIDs returns the operationIds of api/chat.yaml, sorted.
func chatOperationIDs(t *testing.T) []string {
	doc, err := openapi3.NewLoader().LoadFromData(api.Chat)
	require.NoError(t, err)
	var out []string
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			out = append(out, op.OperationID)
		}
	}
	require.Len(t, out, 21)
	return slices.Sorted(slices.Values(out))
}

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

// waitFor polls cond, yielding between looks, until it holds or ctx ends.
func waitFor(t *testing.T, ctx context.Context, cond func() bool) {
	t.Helper()
	for !cond() {
		if ctx.Err() != nil {
			t.Fatal("the condition never held")
		}
		runtime.Gosched()
	}
}

// Exactly once against bptest while its streams are dropped, every few
// signals by a fault and at random moments by the test, and a user and the
// echo bot keep talking: each message of the conversation is delivered
// once, the bot's marked IsBot, and cancelling leaves no reader behind.
func TestListenAgainstBptestDrops(t *testing.T) {
	ctx := guard(t)
	srv, c := bpStart(t)
	remove := srv.InjectFault(bptest.Fault{Chat: true, Operation: "listenConversation", DropStreamAfter: 3})
	defer remove()
	bob, err := chat.Connect(ctx, "", chat.WithBaseURL(srv.ChatURL()),
		chat.WithEncryptionKey(srv.ChatEncryptionKey()), chat.WithUserID("bob"))
	require.NoError(t, err)
	const conv, sends = "drops", 40
	_, err = c.CreateConversation(ctx, chatgen.CreateConversationBody{ID: chat.Ptr(conv)})
	require.NoError(t, err)
	_, err = c.AddParticipant(ctx, conv, chatgen.AddParticipantBody{UserID: "bob"})
	require.NoError(t, err)

	seen, reconnects := listenThroughDrops(t, ctx, srv, c, bob, conv, sends, func(i int) bool { return i%7 == 3 })
	t.Logf("%d messages, %d reconnections, %d faults", seen, reconnects, srv.FaultHits())
}

// listenThroughDrops listens to conv with c while sender sends sends
// messages to the echo bot, the first half one at a time after the echo of
// the one before was delivered (so that streams carry signals until
// dropped), the second half in a burst (so that recoveries find many), and
// the test drops bptest's streams after the sends for which drop holds.
// It checks that each message is delivered once, the bot's marked IsBot,
// that cancelling leaves no reader behind, that every message of the
// conversation was delivered, and that Listen reconnected; it returns how
// many messages were delivered and how many reconnections there were.
func listenThroughDrops(t *testing.T, ctx context.Context, srv *bptest.Server, c, sender *chat.Client, conv string, sends int, drop func(i int) bool, opts ...chat.ListenOption) (delivered int, reconnects int64) {
	t.Helper()
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	var reconnected atomic.Int64
	type delivery struct {
		id    string
		isBot bool
		user  string
	}
	got := make(chan delivery)
	listened := make(chan error, 1)
	go func() {
		defer close(listened)
		opts := fast(append(slices.Clip(opts), chat.WithOnReconnect(func(error) { reconnected.Add(1) }))...)
		for s, err := range c.Listen(lctx, conv, opts...) {
			if err != nil {
				listened <- err
				return
			}
			if m, ok := s.(*chat.MessageCreated); ok {
				select {
				case got <- delivery{m.Message.ID, m.IsBot, m.Message.UserID}:
				case <-lctx.Done():
					return
				}
			}
		}
	}()
	waitFor(t, ctx, func() bool { return srv.ChatStreams() == 1 })

	echoed := make(chan struct{}, sends)
	sendDone := make(chan error, 1)
	go func() {
		for i := range sends {
			if i > 0 && i < sends/2 {
				<-echoed
			}
			if _, err := sender.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: conv, Payload: message.Text(fmt.Sprintf("m%d", i))}); err != nil {
				sendDone <- err
				return
			}
			if drop(i) {
				srv.DropChatStreams()
			}
		}
		sendDone <- srv.WaitChatBot(ctx)
	}()
	seen := map[string]int{}
	for len(seen) < 2*sends {
		select {
		case d := <-got:
			seen[d.id]++
			assert.Equal(t, d.user == srv.BotID, d.isBot, "%s: IsBot", d.id)
			require.Equal(t, 1, seen[d.id], "%s delivered twice", d.id)
			if d.isBot {
				echoed <- struct{}{}
			}
		case err := <-listened:
			t.Fatalf("Listen ended: %v", err)
		}
	}
	require.NoError(t, <-sendDone)
	stop()
	require.NoError(t, <-listened)
	noReaderLeft(t)

	all, err := chat.Collect(c.AllMessages(ctx, conv, nil), 0)
	require.NoError(t, err)
	assert.ElementsMatch(t, ids(all, func(m chatgen.Message) string { return m.ID }), slices.Collect(maps.Keys(seen)), "every message of the conversation, once")
	assert.Positive(t, reconnected.Load())
	return len(seen), reconnected.Load()
}

// SendAndWait against bptest's echo bot, and the errors a user sees.
func TestSendAndWaitAgainstBptest(t *testing.T) {
	ctx := guard(t)
	srv, c := bpStart(t)
	conv, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{})
	require.NoError(t, err)
	reply, err := c.SendAndWait(ctx, conv.Conversation.ID, message.Text("ping"))
	require.NoError(t, err)
	assert.Equal(t, "ping", text(*reply))
	assert.Equal(t, srv.BotID, reply.UserID)

	choice := message.Choice("Pick one", message.Option("Yes", "yes"), message.Option("No", "no"))
	reply, err = c.SendAndWait(ctx, conv.Conversation.ID, choice)
	require.NoError(t, err)
	assert.Equal(t, choice, reply.Payload, "typed payloads both ways")

	_, err = c.GetConversation(ctx, "nope")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)

	// The bridge's 200 carrying an error is an error too.
	remove := srv.InjectFault(bptest.Fault{Chat: true, Operation: "getUser", Status: 403, ErrorIn200: true})
	_, err = c.GetUser(ctx)
	remove()
	var apiErr *bperrors.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 403, apiErr.StatusCode)

	bad, err := chat.New("", chat.WithBaseURL(srv.ChatURL()), chat.WithUserKey("not-a-key"))
	require.NoError(t, err)
	_, err = bad.GetUser(ctx)
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 401, apiErr.StatusCode)
	assert.NotContains(t, err.Error(), "not-a-key", "the key never shows in errors")
}

// A listener that started on an empty conversation and has delivered more
// than its dedup memory holds delivers none of the old messages again after
// a reconnection: the recovery stops at the newest delivered, less the
// lookback.
func TestListenEmptyStartNoRedelivery(t *testing.T) {
	ctx := guard(t)
	clock := bptest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv, c := bpStart(t, bptest.WithClock(clock.Now))
	srv.OnMessage(nil) // no bot: only the user's messages
	conv, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{})
	require.NoError(t, err)
	convID := conv.Conversation.ID

	lctx, stop := context.WithCancel(ctx)
	defer stop()
	got := make(chan string)
	go func() {
		defer close(got)
		for s, err := range c.Listen(lctx, convID, fast(chat.WithLookback(time.Second), chat.WithDedup(time.Second, 2))...) {
			if err != nil {
				return
			}
			if m, ok := s.(*chat.MessageCreated); ok {
				select {
				case got <- text(m.Message):
				case <-lctx.Done():
					return
				}
			}
		}
	}()
	waitFor(t, ctx, func() bool { return srv.ChatStreams() == 1 })
	say := func(s string) {
		clock.Advance(time.Minute)
		_, err := c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: convID, Payload: message.Text(s)})
		require.NoError(t, err)
	}
	for i := range 5 {
		say(fmt.Sprint("old ", i))
		assert.Equal(t, fmt.Sprint("old ", i), <-got)
	}
	srv.DropChatStreams()
	say("new")
	assert.Equal(t, "new", <-got, "the first delivery after the reconnection")
	stop()
	for range got {
	}
	noReaderLeft(t)
}

// WithHistory delivers what was said before the loop started, once, then
// the live messages.
func TestListenWithHistory(t *testing.T) {
	ctx := guard(t)
	srv, c := bpStart(t)
	conv, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{})
	require.NoError(t, err)
	convID := conv.Conversation.ID
	_, err = c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: convID, Payload: message.Text("before")})
	require.NoError(t, err)
	require.NoError(t, srv.WaitChatBot(ctx))
	var seen []string
	for s, err := range c.Listen(ctx, convID, chat.WithHistory()) {
		require.NoError(t, err)
		m, ok := s.(*chat.MessageCreated)
		if !ok {
			continue
		}
		seen = append(seen, fmt.Sprintf("bot=%v recovered=%v %s", m.IsBot, m.Recovered, text(m.Message)))
		if len(seen) == 2 {
			_, err = c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: convID, Payload: message.Text("after")})
			require.NoError(t, err)
		}
		if len(seen) == 4 {
			break
		}
	}
	assert.Equal(t, []string{
		"bot=false recovered=true before", "bot=true recovered=true before",
		"bot=false recovered=false after", "bot=true recovered=false after",
	}, seen)
	noReaderLeft(t)
}

// protoRecorder records the protocol of every answer.
type protoRecorder struct {
	rt     http.RoundTripper
	mu     sync.Mutex
	protos map[string]int
}

func (p *protoRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := p.rt.RoundTrip(r)
	if err == nil {
		p.mu.Lock()
		p.protos[resp.Proto]++
		p.mu.Unlock()
	}
	return resp, err
}

// Over HTTP/2 (bptest.WithUnencryptedHTTP2, a transport set for it), many
// listeners share a connection; a stream reset by a fault is reconnected
// and recovered like a dropped connection: exactly once still.
func TestListenOverHTTP2(t *testing.T) {
	ctx := guard(t)
	srv, c := bpStart(t, bptest.WithUnencryptedHTTP2())
	remove := srv.InjectFault(bptest.Fault{Chat: true, Operation: "listenConversation", DropStreamAfter: 2})
	defer remove()
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	defer tr.CloseIdleConnections()
	rec := &protoRecorder{rt: tr, protos: map[string]int{}}
	hc := &http.Client{Transport: rec}
	conv, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{})
	require.NoError(t, err)
	convID := conv.Conversation.ID

	const listeners, sends = 5, 6
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	type delivery struct {
		listener int
		id       string
	}
	got := make(chan delivery)
	var wg sync.WaitGroup
	for i := range listeners {
		u, err := chat.Connect(ctx, "", chat.WithBaseURL(srv.ChatURL()), chat.WithHTTPClient(hc),
			chat.WithEncryptionKey(srv.ChatEncryptionKey()), chat.WithUserID(fmt.Sprint("h2-", i)))
		require.NoError(t, err)
		_, err = c.AddParticipant(ctx, convID, chatgen.AddParticipantBody{UserID: u.UserID()})
		require.NoError(t, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s, err := range u.Listen(lctx, convID, fast(chat.WithHistory())...) {
				if err != nil {
					return
				}
				if m, ok := s.(*chat.MessageCreated); ok {
					select {
					case got <- delivery{i, m.Message.ID}:
					case <-lctx.Done():
						return
					}
				}
			}
		}()
	}
	waitFor(t, ctx, func() bool { return srv.ChatStreams() == listeners })
	for i := range sends {
		_, err := c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: convID, Payload: message.Text(fmt.Sprint("h2 ", i))})
		require.NoError(t, err)
	}
	seen := map[delivery]bool{}
	for len(seen) < listeners*2*sends { // each message and its echo, to each listener
		var d delivery
		select {
		case d = <-got:
		case <-ctx.Done():
			t.Fatalf("%d deliveries of %d", len(seen), listeners*2*sends)
		}
		require.False(t, seen[d], "%v delivered twice", d)
		seen[d] = true
	}
	stop()
	wg.Wait()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	assert.Positive(t, rec.protos["HTTP/2.0"])
	assert.Zero(t, rec.protos["HTTP/1.1"], "every answer over HTTP/2")
	noReaderLeft(t)
}
