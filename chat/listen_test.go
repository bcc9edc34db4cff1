package chat_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/chat/chatgen"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/internal/testutil"
	"github.com/botpress-go/sdk/message"
)

// guard is the context of a test that waits for events: its deadline only
// turns a hang into a failure.
func guard(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fast are the listen options of the tests: quick reconnections.
func fast(opts ...chat.ListenOption) []chat.ListenOption {
	return append([]chat.ListenOption{chat.WithReconnectDelay(time.Millisecond, 2*time.Millisecond)}, opts...)
}

// noReaderLeft fails the test if a goroutine is still running code of
// package chat (a listen's loop, a stream's watchdog) once the listens
// have returned. Package chat starts no goroutine of its own to read a
// stream; this checks that none is left either way. A goroutine that has
// just returned may still need a turn of the scheduler to be gone, which it
// is given (no sleep, no timer).
func noReaderLeft(t *testing.T) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for range 10_000 {
		if !strings.Contains(string(buf[:runtime.Stack(buf, true)]), "botpress-go/sdk/chat.") {
			return
		}
		runtime.Gosched()
	}
	t.Errorf("code of package chat is still running:\n%s", buf[:runtime.Stack(buf, true)])
}

func text(m chatgen.Message) string {
	if p, ok := m.Payload.(*message.TextPayload); ok {
		return p.Text
	}
	return fmt.Sprintf("%T", m.Payload)
}

// Exactly once across forced reconnections: streams close after two
// signals while messages keep being created, by the loop (live), by a
// concurrent writer, and between connections (those only listMessages
// serves). Every message created after Listen starts comes once, in
// creation order; none of the history does.
func TestListenExactlyOnceAcrossReconnects(t *testing.T) {
	for _, drop := range []int{1, 2, 7} {
		t.Run(fmt.Sprintf("drop after %d", drop), func(t *testing.T) { testExactlyOnce(t, drop) })
	}
}

func testExactlyOnce(t *testing.T, drop int) {
	ctx := guard(t)
	f := newFakeChat(t)
	f.dropAfter = drop
	for i := range 4 {
		f.say(fkBot, fmt.Sprintf("history %d", i))
	}
	const total = 60 // messages created after Listen starts
	var created atomic.Int32
	create := func(author, what string) bool {
		if created.Add(1) > total {
			return false
		}
		f.say(author, what)
		return true
	}
	c := f.client(t)
	reconnects := 0
	opts := fast(chat.WithOnReconnect(func(err error) {
		reconnects++
		// While no stream is open: only listMessages will tell.
		create(fkBot, "while away (bot)")
		create(fkUser, "while away (user)")
	}))
	var writer sync.WaitGroup
	writer.Add(1)
	go func() {
		defer writer.Done()
		<-f.connected
		for range 10 {
			create(fkBot, "concurrent")
			runtime.Gosched()
		}
	}()
	seen := map[string]bool{}
	var last time.Time
	recovered := 0
	listenCtx, stop := context.WithCancel(ctx)
	defer stop()
	for s, err := range c.Listen(listenCtx, fkConv, opts...) {
		require.NoError(t, err)
		m, ok := s.(*chat.MessageCreated)
		require.True(t, ok, "%T", s)
		require.False(t, seen[m.Message.ID], "%s delivered twice", m.Message.ID)
		require.False(t, strings.HasPrefix(text(m.Message), "history"), "history delivered: %s", m.Message.ID)
		seen[m.Message.ID] = true
		require.False(t, m.Message.CreatedAt.Before(last), "%s out of order", m.Message.ID)
		last = m.Message.CreatedAt
		assert.Equal(t, m.Message.UserID == fkBot, m.IsBot, "%s: IsBot (recovered %v)", m.Message.ID, m.Recovered)
		if m.Recovered {
			recovered++
		}
		create(fkUser, "live")
		if len(seen) == total {
			stop()
		}
	}
	writer.Wait()
	t.Logf("%d messages, %d recovered, %d reconnections", len(seen), recovered, reconnects)
	assert.Len(t, seen, total)
	assert.Positive(t, reconnects)
	assert.Positive(t, recovered, "some messages came from listMessages")
	noReaderLeft(t)
}

// A recovery that fails (listMessages answering 503 past the call's
// retries) is retried with the connection: still nothing lost or doubled.
func TestListenRecoveryFails(t *testing.T) {
	ctx := guard(t)
	f := newFakeChat(t)
	f.dropAfter = 1
	c := f.client(t)
	var reasons []error
	first := true
	seen := map[string]bool{}
	var missed []string
	go func() {
		<-f.connected
		f.say(fkBot, "first")
	}()
	for s, err := range c.Listen(ctx, fkConv, fast(chat.WithOnReconnect(func(err error) {
		reasons = append(reasons, err)
		if first {
			first = false
			// While away, and the next recovery fails: 1 try + 3 retries.
			missed = append(missed, f.say(fkBot, "a").ID, f.say(fkBot, "b").ID)
			f.mu.Lock()
			f.failLists = 4
			f.mu.Unlock()
		}
	}))...) {
		require.NoError(t, err)
		m := s.(*chat.MessageCreated)
		require.False(t, seen[m.Message.ID], "%s twice", m.Message.ID)
		seen[m.Message.ID] = true
		if len(seen) == 3 {
			break
		}
	}
	for _, id := range missed {
		assert.True(t, seen[id], id)
	}
	require.GreaterOrEqual(t, len(reasons), 2)
	var apiErr *bperrors.APIError
	require.True(t, errors.As(reasons[1], &apiErr), "%v", reasons[1])
	assert.Equal(t, 503, apiErr.StatusCode)
}

// A stream that sends nothing is dropped by the watchdog and reopened.
func TestListenWatchdog(t *testing.T) {
	ctx := guard(t)
	f := newFakeChat(t)
	f.listen = func(w http.ResponseWriter, r *http.Request) {
		fkStreamHeader(w)
		f.connected <- struct{}{}
		<-r.Context().Done()
		f.closed <- struct{}{}
	}
	c := f.client(t)
	reasons := make(chan error, 10)
	listenCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, err := range c.Listen(listenCtx, fkConv, fast(chat.WithWatchdog(20*time.Millisecond), chat.WithOnReconnect(func(err error) { reasons <- err }))...) {
			assert.NoError(t, err)
		}
	}()
	err := wait(t, ctx, reasons, "the watchdog")
	assert.ErrorIs(t, err, chat.ErrStreamSilent)
	wait(t, ctx, f.closed, "the silent stream closed")
	wait(t, ctx, f.connected, "the first stream")
	wait(t, ctx, f.connected, "a second stream")
	stop()
	wait(t, ctx, done, "Listen to end")
	noReaderLeft(t)

	// ListenConversation, one connection, yields the error.
	var got error
	for _, err := range c.ListenConversation(ctx, fkConv, chat.WithWatchdog(20*time.Millisecond)) {
		got = err
	}
	assert.ErrorIs(t, got, chat.ErrStreamSilent)
	testutil.OnePrefix(t, got) // not "botpress: listenConversation: botpress: the stream..."
}

// Keep-alives and comments keep a stream alive past the watchdog, and are
// never yielded.
func TestListenPingsKeepTheStreamAlive(t *testing.T) {
	ctx := guard(t)
	f := newFakeChat(t)
	f.listen = func(w http.ResponseWriter, r *http.Request) {
		fkStreamHeader(w)
		// Keep-alives back to back, for longer than the 3 s watchdog:
		// without them the stream would be taken for dead. (Watchdogs of
		// 250 ms and then 1 s were cut by a loaded machine's scheduling
		// alone, under -race with a load average of 16 on 2 cores.)
		start := time.Now()
		for i := 0; time.Since(start) < 4*time.Second; i++ {
			ping := "event: message\ndata: ping\n\n"
			if i%2 == 1 {
				ping = ": keep-alive\n\n"
			}
			if !fkWrite(w, ping) {
				return
			}
		}
		fkWrite(w, `data: {"type":"participant_added","data":{"conversationId":"conv_1","participantId":"user_2"}}`+"\n\n")
		<-r.Context().Done()
	}
	c := f.client(t)
	reconnected := false
	for s, err := range c.Listen(ctx, fkConv, fast(chat.WithWatchdog(3*time.Second), chat.WithOnReconnect(func(error) { reconnected = true }))...) {
		require.NoError(t, err)
		assert.Equal(t, &chat.ParticipantAdded{SignalParticipantData: chatgen.SignalParticipantData{ConversationID: fkConv, ParticipantID: "user_2"}}, s)
		break
	}
	assert.False(t, reconnected, "the keep-alives did not keep the stream")
	noReaderLeft(t)
}

// Ending the loop or cancelling ctx closes the connection and leaves no
// goroutine behind; ctx ending is not an error.
func TestListenEndsCleanly(t *testing.T) {
	for _, how := range []string{"cancel", "break"} {
		t.Run(how, func(t *testing.T) {
			ctx := guard(t)
			f := newFakeChat(t)
			c := f.client(t)
			listenCtx, cancel := context.WithCancel(ctx)
			defer cancel()
			done := make(chan struct{})
			got := make(chan chat.Signal, 10)
			go func() {
				defer close(done)
				for s, err := range c.Listen(listenCtx, fkConv) {
					assert.NoError(t, err)
					got <- s
					if how == "break" {
						break
					}
				}
			}()
			wait(t, ctx, f.connected, "the stream")
			f.say(fkBot, "hello")
			s := wait(t, ctx, got, "a signal")
			assert.Equal(t, "hello", text(s.(*chat.MessageCreated).Message))
			if how == "cancel" {
				cancel()
			}
			wait(t, ctx, done, "Listen to end")
			wait(t, ctx, f.closed, "the server to see the connection closed")
			noReaderLeft(t)
		})
	}
}

// Signals that cannot be read are skipped without harm; an unknown type
// comes as *UnknownSignal; an event too large drops the stream, and the
// message it carried is recovered.
func TestListenMalformedSignals(t *testing.T) {
	ctx := guard(t)
	f := newFakeChat(t)
	var conns atomic.Int32
	f.listen = func(w http.ResponseWriter, r *http.Request) {
		if conns.Add(1) > 1 {
			f.stream(w, r)
			return
		}
		fkStreamHeader(w)
		// After the first look and the recovery: the message created
		// below is on no list the client read.
		<-f.listed
		<-f.listed
		for _, ev := range []string{
			"data: {not json\n\n",
			"data: null\n\n",
			"data: []\n\n",
			"data: \"text\"\n\n",
			"data: {}\n\n",
			`data: {"type":"message_created"}` + "\n\n",
			`data: {"type":"message_created","data":{}}` + "\n\n",
			`data: {"type":"message_created","data":"x"}` + "\n\n",
			`data: {"type":"message_created","data":{"id":7}}` + "\n\n",
			`data: {"type":"message_created","data":{"id":"m","createdAt":"yesterday"}}` + "\n\n",
			`data: {"type":"participant_added","data":{"participantId":null}}` + "\n\n",
			`data: {"type":"message_deleted","data":[1,2]}` + "\n\n",
			`data: {"type":"event_created","data":{"conversationId":"conv_1","payload":"not an object"}}` + "\n\n",
			"event: other\ndata: {\"type\":\"participant_added\",\"data\":{\"conversationId\":\"c\",\"participantId\":\"u\"}}\n\n",
			`data: {"type":"future_thing","data":[1]}` + "\n\n",
			"data: {\"type\":\"message_deleted\",\r\ndata: \"data\":{\"id\":\"msg_x\",\"conversationId\":\"conv_1\",\"userId\":\"u\"}}\r\n\r\n",
		} {
			fkWrite(w, ev)
		}
		// Too large: the stream is dropped; the message is in the store.
		m := f.say(fkBot, "big one")
		fkWrite(w, `data: {"type":"message_created","data":{"id":"`+m.ID+`","pad":"`+strings.Repeat("x", 2048)+`"}}`+"\n\n")
		<-r.Context().Done()
	}
	c := f.client(t)
	var got []string
	reasons := []error{}
	for s, err := range c.Listen(ctx, fkConv, fast(chat.WithMaxSignalSize(1024), chat.WithOnReconnect(func(err error) { reasons = append(reasons, err) }))...) {
		require.NoError(t, err)
		switch s := s.(type) {
		case *chat.UnknownSignal:
			got = append(got, "unknown "+s.Type()+" "+string(s.Data))
		case *chat.MessageDeleted:
			got = append(got, "deleted "+s.ID)
		case *chat.MessageCreated:
			got = append(got, fmt.Sprintf("created %s recovered=%v bot=%v", text(s.Message), s.Recovered, s.IsBot))
		default:
			got = append(got, fmt.Sprintf("%T", s))
		}
		if len(got) == 3 {
			break
		}
	}
	assert.Equal(t, []string{"unknown future_thing [1]", "deleted msg_x", "created big one recovered=true bot=true"}, got)
	require.Len(t, reasons, 1)
	assert.ErrorContains(t, reasons[0], "larger than allowed")
}

// With WithResumeAfter, Listen first delivers what came after the message
// given, then the live signals.
func TestListenResumeAfter(t *testing.T) {
	ctx := guard(t)
	f := newFakeChat(t)
	var history []chatgen.Message
	for i := range 7 {
		history = append(history, f.say(fkBot, fmt.Sprintf("m%d", i)))
	}
	c := f.client(t)
	var got []string
	for s, err := range c.Listen(ctx, fkConv, chat.WithResumeAfter(history[1])) {
		require.NoError(t, err)
		m := s.(*chat.MessageCreated)
		got = append(got, fmt.Sprintf("%s %v", text(m.Message), m.Recovered))
		if len(got) == 5 {
			f.say(fkUser, "live")
		}
		if len(got) == 6 {
			break
		}
	}
	assert.Equal(t, []string{"m2 true", "m3 true", "m4 true", "m5 true", "m6 true", "live false"}, got)
}

// Errors that will not pass end Listen with the API's error; those that may
// are retried.
func TestListenErrors(t *testing.T) {
	ctx := guard(t)
	for _, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter)
		want   error
	}{
		{"403", func(w http.ResponseWriter) {
			fkReply(w, 403, `{"code":403,"type":"Forbidden","message":"not a participant"}`)
		}, bperrors.ErrForbidden},
		{"error in a 200", func(w http.ResponseWriter) {
			fkReply(w, 200, `{"code":404,"type":"ResourceNotFound","message":"Conversation not found"}`)
		}, bperrors.ErrResourceNotFound},
		{"not a stream", func(w http.ResponseWriter) { fkReply(w, 200, `{"hello":1}`) }, chat.ErrNotEventStream},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeChat(t)
			var n atomic.Int32
			f.listen = func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					// First a 503 with Retry-After, which is retried.
					w.Header().Set("Retry-After", "0")
					fkReply(w, 503, `{"code":503,"type":"Unknown","message":"busy"}`)
					return
				}
				tc.answer(w)
			}
			c := f.client(t)
			var errs []error
			for s, err := range c.Listen(ctx, fkConv, fast()...) {
				assert.Nil(t, s)
				errs = append(errs, err)
			}
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], tc.want)
			assert.EqualValues(t, 2, n.Load())
		})
	}

	t.Run("gives up", func(t *testing.T) {
		f := newFakeChat(t)
		f.listen = func(w http.ResponseWriter, r *http.Request) { fkReply(w, 502, `bad gateway`) }
		var errs []error
		for _, err := range f.client(t).Listen(ctx, fkConv, fast(chat.WithMaxReconnects(3))...) {
			errs = append(errs, err)
		}
		require.Len(t, errs, 1)
		var apiErr *bperrors.APIError
		require.True(t, errors.As(errs[0], &apiErr))
		assert.Equal(t, 502, apiErr.StatusCode)
		assert.Contains(t, errs[0].Error(), "gave up after 3 reconnections")
	})
}

// SendAndWait returns the bot's answer, even when it comes before the
// stream is open, and never an answer older than the message sent.
func TestSendAndWait(t *testing.T) {
	ctx := guard(t)
	t.Run("answer before the stream", func(t *testing.T) {
		f := newFakeChat(t)
		f.say(fkBot, "an old answer")
		f.onCreate = func(f *fakeChat, m chatgen.Message) { f.say(fkBot, "echo: "+text(m)) }
		reply, err := f.client(t).SendAndWait(ctx, fkConv, &message.TextPayload{Text: "hi"})
		require.NoError(t, err)
		assert.Equal(t, "echo: hi", text(*reply))
	})
	t.Run("answer on the stream", func(t *testing.T) {
		f := newFakeChat(t)
		f.onCreate = func(f *fakeChat, m chatgen.Message) {
			go func() {
				<-f.connected
				f.say(fkUser, "the user again")
				f.say(fkBot, "late echo: "+text(m))
			}()
		}
		reply, err := f.client(t).SendAndWait(ctx, fkConv, &message.TextPayload{Text: "hey"})
		require.NoError(t, err)
		assert.Equal(t, "late echo: hey", text(*reply))
	})
	t.Run("no answer", func(t *testing.T) {
		f := newFakeChat(t)
		_, err := f.client(t).SendAndWait(ctx, fkConv, &message.TextPayload{Text: "anyone?"}, chat.WithReplyTimeout(30*time.Millisecond))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		noReaderLeft(t)
	})
}

// The walkers follow meta.nextToken.
func TestAllMessages(t *testing.T) {
	ctx := guard(t)
	f := newFakeChat(t)
	for i := range 7 {
		f.say(fkBot, fmt.Sprintf("m%d", i))
	}
	c := f.client(t)
	msgs, err := chat.Collect(c.AllMessages(ctx, fkConv, nil), 0)
	require.NoError(t, err)
	require.Len(t, msgs, 7)
	assert.Equal(t, "m6", text(msgs[0]), "newest first")
	pages := 0
	for page, err := range c.ListMessagesPages(ctx, fkConv, nil) {
		require.NoError(t, err)
		pages++
		if page.Last() {
			assert.Len(t, page.Items, 1)
		}
	}
	assert.Equal(t, 3, pages)
	users, err := chat.Collect(c.AllParticipants(ctx, fkConv, nil), 0)
	require.NoError(t, err)
	assert.Equal(t, fkUser, users[0].ID)
}

// The stream request carries the user key and asks for an event stream;
// the signals keep their types.
func TestListenConversationSignals(t *testing.T) {
	ctx := guard(t)
	f := newFakeChat(t)
	var header http.Header
	f.listen = func(w http.ResponseWriter, r *http.Request) {
		header = r.Header.Clone()
		fkStreamHeader(w)
		io.WriteString(w, "\xEF\xBB\xBFid: 7\nretry: 10\nevent: message\ndata: "+
			`{"type":"event_created","data":{"id":null,"createdAt":"2026-01-01T00:00:00Z","payload":{"k":1},"conversationId":"conv_1","userId":"u","isBot":false}}`+"\n\n"+
			`data: {"type":"participant_removed","data":{"conversationId":"conv_1","participantId":"user_2"}}`+"\r\r")
	}
	c := f.client(t)
	var got []chat.Signal
	for s, err := range c.ListenConversation(ctx, fkConv) {
		require.NoError(t, err)
		got = append(got, s)
	}
	require.Len(t, got, 2)
	ev := got[0].(*chat.EventCreated)
	assert.Equal(t, chatgen.EventPayload{"k": float64(1)}, ev.Payload)
	assert.True(t, ev.ID.IsNull())
	assert.Equal(t, chat.TypeParticipantRemoved, got[1].Type())
	assert.Equal(t, "text/event-stream", header.Get("Accept"))
	assert.Equal(t, c.UserKey(), header.Get(chat.HeaderUserKey))
}
