package chat_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/message"
)

// Streamed replies from bptest's bot, end to end over SSE: Listen's
// signals through Assemble, SendAndWait and SendAndStream, with the delta
// faults and a stream cut mid-reply.

// streamingBot streams "a", "b", "c" in answer to "hi", gives up "x", "y"
// in answer to "abort", then says "after"; it answers "start" never. When
// gate is not nil, it answers once gate is closed.
func streamingBot(gate <-chan struct{}) bptest.Bot {
	return func(ctx context.Context, m bptest.IncomingMessage) []message.Payload {
		if gate != nil {
			select {
			case <-gate:
			case <-ctx.Done():
				return nil
			}
		}
		switch m.Payload.(*message.TextPayload).Text {
		case "hi":
			return []message.Payload{bptest.StreamedText("a", "b", "c"), message.Text("after")}
		case "abort":
			return []message.Payload{bptest.AbortedStream("x", "y"), message.Text("after")}
		}
		return nil
	}
}

// gateTransport closes opened once a listenConversation stream has opened
// (its answer's headers came: the server has subscribed it) and the
// recovery after it read listMessages: what the bot says from then on
// comes live.
type gateTransport struct {
	mu        sync.Mutex
	listening bool
	once      sync.Once
	opened    chan struct{}
}

func (g *gateTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || resp.StatusCode != 200 {
		return resp, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case strings.HasSuffix(r.URL.Path, "/listen"):
		g.listening = true
	case strings.HasSuffix(r.URL.Path, "/messages") && r.Method == "GET" && g.listening:
		// The answer is read by the caller after this returns; the bot's
		// messages created from now on come after the page read.
		g.once.Do(func() { close(g.opened) })
	}
	return resp, err
}

// gated starts bptest whose streaming bot answers once the client's first
// stream is open and recovered, and returns a client of a new user and a conversation.
func gated(t *testing.T) (*bptest.Server, *chat.Client, string) {
	t.Helper()
	g := &gateTransport{opened: make(chan struct{})}
	srv := bptest.Start(t)
	srv.OnMessage(streamingBot(g.opened))
	c, err := chat.Connect(guard(t), "", chat.WithBaseURL(srv.ChatURL()), chat.WithHTTPClient(&http.Client{Transport: g}))
	require.NoError(t, err)
	conv, err := c.CreateConversation(guard(t), chatgen.CreateConversationBody{})
	require.NoError(t, err)
	return srv, c, conv.Conversation.ID
}

// converse listens, assembled, to a new conversation of a new user; once
// the stream is open (the user's "start" recovered), it sends text, and it
// returns a line per signal of the bot's answer, up to its message "after".
func converse(t *testing.T, srv *bptest.Server, text string, opts ...chat.ListenOption) []string {
	t.Helper()
	ctx := guard(t)
	c, err := chat.Connect(ctx, "", chat.WithBaseURL(srv.ChatURL()))
	require.NoError(t, err)
	conv, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{})
	require.NoError(t, err)
	convID := conv.Conversation.ID
	_, err = c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: convID, Payload: message.Text("start")})
	require.NoError(t, err)
	var out []string
	for s, err := range chat.Assemble(c.Listen(ctx, convID, fast(append(opts, chat.WithHistory())...)...)) {
		require.NoError(t, err)
		switch s := s.(type) {
		case *chat.MessageCreated:
			if !s.IsBot {
				if s.Message.Payload.(*message.TextPayload).Text == "start" {
					_, err = c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: convID, Payload: message.Text(text)})
					require.NoError(t, err)
				}
				continue
			}
			line := "message " + s.Message.Payload.(*message.TextPayload).Text
			if s.StreamID != "" {
				line += " streamed"
				assert.Equal(t, s.StreamID, chat.StreamIDOf(s.Message))
			}
			if s.Recovered {
				line += " recovered"
			}
			out = append(out, line)
			if s.Message.Payload.(*message.TextPayload).Text == "after" {
				return out
			}
		case *chat.StreamText:
			out = append(out, "text "+s.Text)
		case *chat.MessageStreamAbort:
			out = append(out, "abort")
		}
	}
	t.Fatal("Listen ended")
	return nil
}

// transports are Listen's two ways of listening: SSE (the default) and
// WebSocket.
var transports = []struct {
	name string
	opts []chat.ListenOption
}{
	{"sse", nil},
	{"websocket", []chat.ListenOption{chat.WithWebSocket()}},
}

// deltaFaultReplies are the lines converse and hookConverse give for the
// streaming bot's reply to "hi" with each delta fault, whether the signals
// come by Listen or by webhook.
var deltaFaultReplies = []struct {
	name  string
	fault bptest.DeltaFault
	want  []string
}{
	{"in order", "", []string{"text a", "text ab", "text abc", "message abc streamed", "message after"}},
	{"dropped", bptest.DeltasDrop, []string{"text a", "message abc streamed", "message after"}},
	{"reordered", bptest.DeltasReorder, []string{"text ab", "text abc", "message abc streamed", "message after"}},
	{"repeated", bptest.DeltasRepeat, []string{"text a", "text ab", "text abc", "message abc streamed", "message after"}},
}

// The text grows piece by piece, the final message comes once (Listen
// yields it twice: message_stream_complete, message_created), with each of
// the delta faults, over SSE and over WebSocket.
func TestStreamedReply(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) { testStreamedReply(t, tr.opts) })
	}
}

func testStreamedReply(t *testing.T, opts []chat.ListenOption) {
	for _, tc := range deltaFaultReplies {
		t.Run(tc.name, func(t *testing.T) {
			srv := bptest.Start(t)
			srv.OnMessage(streamingBot(nil))
			if tc.fault != "" {
				srv.InjectFault(bptest.Fault{Chat: true, Operation: "listenConversation", Deltas: tc.fault})
			}
			assert.Equal(t, tc.want, converse(t, srv, "hi", opts...))
			assert.Empty(t, srv.ResponseViolations())
		})
	}
}

// The stream cut mid-reply, after two pieces: Listen reconnects (here once
// the bot is done: message_stream_complete is lost with the stream) and
// recovers the final message with listMessages, once.
func TestStreamedReplyCut(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) { testStreamedReplyCut(t, tr.opts) })
	}
}

func testStreamedReplyCut(t *testing.T, opts []chat.ListenOption) {
	srv := bptest.Start(t)
	srv.OnMessage(streamingBot(nil))
	srv.InjectFault(bptest.Fault{Chat: true, Operation: "listenConversation", DropStreamAfterDeltas: 2, Times: 1})
	ctx := guard(t)
	reconnects := 0
	got := converse(t, srv, "hi", append(opts, chat.WithOnReconnect(func(error) {
		reconnects++
		require.NoError(t, srv.WaitChatBot(ctx))
	}))...)
	assert.Equal(t, []string{"text a", "text ab", "message abc streamed recovered", "message after recovered"}, got)
	assert.Equal(t, 1, reconnects)
}

// An abort comes as a value; no final message.
func TestStreamedReplyAbort(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			srv := bptest.Start(t)
			srv.OnMessage(streamingBot(nil))
			assert.Equal(t, []string{"text x", "text xy", "abort", "message after"}, converse(t, srv, "abort", tr.opts...))
		})
	}
}

// SendAndWait returns a streamed reply's final message; SendAndStream shows
// its text growing first.
func TestSendAndStream(t *testing.T) {
	ctx := guard(t)
	_, c, conv := gated(t)
	m, err := c.SendAndWait(ctx, conv, message.Text("hi"), fast()...)
	require.NoError(t, err)
	assert.Equal(t, message.Text("abc"), m.Payload)
	assert.NotEmpty(t, chat.StreamIDOf(*m))

	_, c, conv = gated(t)
	var texts []string
	m, err = c.SendAndStream(ctx, conv, message.Text("hi"), func(s *chat.StreamText) { texts = append(texts, s.Text) }, fast()...)
	require.NoError(t, err)
	assert.Equal(t, message.Text("abc"), m.Payload)
	assert.Equal(t, []string{"a", "ab", "abc"}, texts)

	_, c, conv = gated(t)
	_, err = c.SendAndStream(ctx, conv, message.Text("abort"), nil, fast()...)
	require.ErrorIs(t, err, chat.ErrStreamAborted)
	assert.ErrorContains(t, err, "sendAndStream")
}

// SendAndStream with each fault, and with the stream cut mid-reply: the
// final message comes, whatever the pieces did.
func TestSendAndStreamFaults(t *testing.T) {
	for _, f := range []bptest.Fault{
		{Deltas: bptest.DeltasDrop}, {Deltas: bptest.DeltasReorder}, {Deltas: bptest.DeltasRepeat},
		{DropStreamAfterDeltas: 1, Times: 1},
	} {
		t.Run(fmt.Sprintf("%s%d", f.Deltas, f.DropStreamAfterDeltas), func(t *testing.T) {
			ctx := guard(t)
			srv, c, conv := gated(t)
			f.Chat, f.Operation = true, "listenConversation"
			srv.InjectFault(f)
			var last string
			m, err := c.SendAndStream(ctx, conv, message.Text("hi"), func(s *chat.StreamText) {
				assert.True(t, strings.HasPrefix(s.Text, last), "grows: %q after %q", s.Text, last)
				last = s.Text
			}, fast()...)
			require.NoError(t, err)
			assert.Equal(t, message.Text("abc"), m.Payload)
			assert.NotEmpty(t, last, "some text came before")
		})
	}
}
