package chat_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/message"
)

// opRecorder records the operation of every request: "GET /messages/{id}"
// is getMessage, "GET /conversations/{id}/messages" listMessages.
type opRecorder struct {
	mu  sync.Mutex
	ops []string
}

func (o *opRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	op := r.Method + " "
	switch p := r.URL.Path; {
	case strings.Contains(p, "/messages/"):
		op += "getMessage"
	case strings.HasSuffix(p, "/messages"):
		op += "listMessages"
	case strings.HasSuffix(p, "/listen"):
		op += "listen"
	default:
		op += p[strings.LastIndex(p, "/"):]
	}
	o.mu.Lock()
	o.ops = append(o.ops, op)
	o.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (o *opRecorder) count(op string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, s := range o.ops {
		if s == op {
			n++
		}
	}
	return n
}

// resumeServer starts bptest with clock, without a bot, and a conversation
// where the user said each of texts, the clock moving step between them.
func resumeServer(t *testing.T, clock *bptest.Clock, step time.Duration, texts ...string) (*bptest.Server, *chat.Client, string, []chatgen.Message) {
	t.Helper()
	ctx := guard(t)
	srv, c := bpStart(t, bptest.WithClock(clock.Now))
	srv.OnMessage(nil)
	conv, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{})
	require.NoError(t, err)
	var sent []chatgen.Message
	for _, s := range texts {
		clock.Advance(step)
		out, err := c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: conv.Conversation.ID, Payload: message.Text(s)})
		require.NoError(t, err)
		sent = append(sent, out.Message)
	}
	return srv, c, conv.Conversation.ID, sent
}

// collect ranges over Listen, calling each with the number of messages
// delivered so far and the last one's text, until each returns false; it
// returns the texts delivered, whether each was recovered, and the errors
// yielded.
func collect(t *testing.T, seq func(func(chat.Signal, error) bool), each func(n int, text string) bool) (texts []string, recovered []bool, errs []error) {
	t.Helper()
	for s, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		m, ok := s.(*chat.MessageCreated)
		if !ok {
			continue
		}
		texts = append(texts, text(m.Message))
		recovered = append(recovered, m.Recovered)
		if !each(len(texts), text(m.Message)) {
			break
		}
	}
	return texts, recovered, errs
}

// once the first stream of srv is open, say runs, on a goroutine of its
// own; the returned channel closes when it has.
func onceListening(ctx context.Context, srv *bptest.Server, say func()) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for srv.ChatStreams() == 0 {
			if ctx.Err() != nil {
				return
			}
			runtime.Gosched()
		}
		say()
	}()
	return done
}

// WithResumeAfterID delivers every message after the one named, once,
// oldest first, then the live ones; with listMessages only (no
// getMessage), against bptest, across a dropped stream.
func TestListenResumeAfterIDAgainstBptest(t *testing.T) {
	ctx := guard(t)
	clock := bptest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv, owner, convID, sent := resumeServer(t, clock, time.Second, "m0", "m1", "m2", "m3", "m4")
	rec := &opRecorder{}
	c, err := chat.New("", chat.WithBaseURL(srv.ChatURL()), chat.WithHTTPClient(&http.Client{Transport: rec}),
		chat.WithUserKey(owner.UserKey()))
	require.NoError(t, err)
	say := func(s string) {
		clock.Advance(time.Second)
		_, err := owner.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: convID, Payload: message.Text(s)})
		require.NoError(t, err)
	}
	texts, recovered, errs := collect(t, c.Listen(ctx, convID, fast(chat.WithResumeAfterID(sent[1].ID))...), func(n int, s string) bool {
		switch n {
		case 3:
			say("live 1")
		case 4:
			srv.DropChatStreams()
			say("while away")
			say("live 2")
		}
		return n < 6
	})
	require.Empty(t, errs)
	assert.Equal(t, []string{"m2", "m3", "m4", "live 1", "while away", "live 2"}, texts, "each once, in order")
	assert.Equal(t, []bool{true, true, true, false}, recovered[:4])
	assert.True(t, recovered[4], "said while the stream was down: recovered")
	assert.Equal(t, 0, rec.count("GET getMessage"), "no getMessage: the ID is found with listMessages")
	assert.Positive(t, rec.count("GET listMessages"))
	noReaderLeft(t)
}

// Messages created in the same millisecond as the one named are told apart
// by listMessages' order: those listed before it (newer) are delivered,
// those after it (older) never are, not even by a later recovery.
func TestListenResumeAfterIDSameInstant(t *testing.T) {
	ctx := guard(t)
	clock := bptest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv, c, convID, sent := resumeServer(t, clock, 0, "a", "b", "c", "d", "e", "f")
	for _, m := range sent[1:] {
		require.True(t, m.CreatedAt.Equal(sent[0].CreatedAt), "one instant")
	}
	texts, _, errs := collect(t, c.Listen(ctx, convID, fast(chat.WithResumeAfterID(sent[2].ID))...), func(n int, s string) bool {
		if n == 3 {
			srv.DropChatStreams()
			_, err := c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: convID, Payload: message.Text("g")})
			require.NoError(t, err)
		}
		return n < 4
	})
	require.Empty(t, errs)
	assert.Equal(t, []string{"d", "e", "f", "g"}, texts, "then the new one, never a, b or c")
	noReaderLeft(t)
}

// An ID that is not in the conversation ends Listen with
// ErrResumeNotFound once listMessages is read to its end, not retried; one
// that is further than the bound, with ErrRecoveryLimit.
func TestListenResumeAfterIDNotFound(t *testing.T) {
	ctx := guard(t)
	clock := bptest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	_, c, convID, sent := resumeServer(t, clock, time.Second, "m0", "m1", "m2", "m3", "m4")
	all := func(int, string) bool { return true }

	texts, _, errs := collect(t, c.Listen(ctx, convID, fast(chat.WithResumeAfterID("msg_not_here"))...), all)
	assert.Empty(t, texts)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], chat.ErrResumeNotFound)
	assert.ErrorContains(t, errs[0], `message "msg_not_here" is not among the messages of conversation`)

	texts, _, errs = collect(t, c.Listen(ctx, convID, fast(chat.WithResumeAfterID(sent[0].ID), chat.WithRecoveryLimit(10, 3))...), all)
	assert.Empty(t, texts)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], chat.ErrRecoveryLimit)
	assert.ErrorContains(t, errs[0], fmt.Sprintf("more than 3 messages of listMessages without reaching message %q", sent[0].ID))
	noReaderLeft(t)
}

// WithResumeAfterTime delivers the messages created strictly after the
// time, oldest first, then the live ones; the zero time is the whole
// history.
func TestListenResumeAfterTime(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(minutes int) time.Time { return start.Add(time.Duration(minutes) * time.Minute) } // m0 is said at 1
	for _, tc := range []struct {
		name  string
		after time.Time
		want  []string
	}{
		{"at a message", at(2), []string{"m2", "m3", "live"}},
		{"between two", at(2).Add(time.Second), []string{"m2", "m3", "live"}},
		{"before all", at(0), []string{"m0", "m1", "m2", "m3", "live"}},
		{"zero: from the beginning", time.Time{}, []string{"m0", "m1", "m2", "m3", "live"}},
		{"after all", at(4), []string{"live"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := guard(t)
			clock := bptest.NewClock(start)
			srv, c, convID, sent := resumeServer(t, clock, time.Minute, "m0", "m1", "m2", "m3")
			require.Equal(t, at(2), sent[1].CreatedAt)
			lctx, stop := context.WithCancel(ctx)
			defer stop()
			said := onceListening(lctx, srv, func() {
				clock.Advance(time.Minute)
				_, err := c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: convID, Payload: message.Text("live")})
				assert.NoError(t, err)
			})
			texts, _, errs := collect(t, c.Listen(lctx, convID, fast(chat.WithResumeAfterTime(tc.after))...), func(n int, s string) bool {
				return n < len(tc.want)
			})
			stop()
			<-said
			require.Empty(t, errs)
			assert.Equal(t, tc.want, texts)
			noReaderLeft(t)
		})
	}
}
