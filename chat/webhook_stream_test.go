package chat_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/message"
)

// Streamed replies from bptest's bot, end to end through the webhook: bptest
// delivers the signals to a WebhookHandler whose function feeds an
// Assembler, with the delta faults of the webhook path (ChatWebhook.Deltas)
// and a reply cut mid-way (ChatWebhook.DropAfterDeltas).

// hookAssembly is a webhook receiver's function: it feeds an Assembler and
// keeps a line per signal the Assembler gives back for the bot's replies.
type hookAssembly struct {
	asm   *chat.Assembler
	mu    sync.Mutex
	lines []string
	last  map[string]string // StreamText.Text by stream: the text only grows
	fails []string
}

func newHookAssembly() *hookAssembly {
	return &hookAssembly{asm: &chat.Assembler{}, last: map[string]string{}}
}

func (h *hookAssembly) fn(_ context.Context, s chat.Signal) error {
	for _, out := range h.asm.Add(s) {
		h.mu.Lock()
		switch out := out.(type) {
		case *chat.StreamText:
			if len(out.Text) <= len(h.last[out.StreamID]) || out.Text[:len(h.last[out.StreamID])] != h.last[out.StreamID] {
				h.fails = append(h.fails, "text "+out.Text+" after "+h.last[out.StreamID])
			}
			h.last[out.StreamID] = out.Text
			h.lines = append(h.lines, "text "+out.Text)
		case *chat.MessageCreated:
			if out.IsBot {
				line := "message " + out.Message.Payload.(*message.TextPayload).Text
				if out.StreamID != "" {
					line += " streamed"
				}
				h.lines = append(h.lines, line)
			}
		case *chat.MessageStreamAbort:
			h.lines = append(h.lines, "abort")
		}
		h.mu.Unlock()
	}
	return nil
}

func (h *hookAssembly) get(t *testing.T) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	assert.Empty(t, h.fails, "the text only grows")
	return append([]string(nil), h.lines...)
}

// hookConverse starts bptest with its streaming bot, delivering by webhook
// (hook, with the receiver's URL and secret filled in) to a handler feeding
// an Assembler; it says each text in turn to the bot in a new conversation,
// waiting for the bot's reply and its delivery, and returns the receiver's
// lines and bptest.
func hookConverse(t *testing.T, hook bptest.ChatWebhook, texts ...string) ([]string, *bptest.Server) {
	t.Helper()
	ctx := guard(t)
	recvd := newHookAssembly()
	h, err := chat.NewWebhookHandler(hookSecret, recvd.fn)
	require.NoError(t, err)
	recv := hookServer(t, h)
	hook.URL, hook.Secret = recv.URL+"/botpress", hookSecret
	srv := bptest.Start(t, bptest.WithChatWebhook(hook))
	srv.OnMessage(streamingBot(nil))
	c, err := chat.Connect(ctx, "", chat.WithBaseURL(srv.ChatURL()))
	require.NoError(t, err)
	conv, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{})
	require.NoError(t, err)
	for _, text := range texts {
		_, err = c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: conv.Conversation.ID, Payload: message.Text(text)})
		require.NoError(t, err)
		require.NoError(t, srv.WaitChatBot(ctx))
	}
	require.NoError(t, srv.WaitChatWebhook(ctx))
	assert.Empty(t, srv.ResponseViolations())
	return recvd.get(t), srv
}

// The text grows piece by piece, the final message comes once (delivered
// twice: message_stream_complete, message_created), with each delta fault.
func TestWebhookStreamedReply(t *testing.T) {
	for _, tc := range deltaFaultReplies {
		t.Run(tc.name, func(t *testing.T) {
			got, srv := hookConverse(t, bptest.ChatWebhook{Deltas: tc.fault}, "hi")
			assert.Equal(t, tc.want, got)
			assert.Empty(t, srv.ChatWebhookFailures())
			sent := map[bptest.DeltaFault]int{"": 3, bptest.DeltasDrop: 2, bptest.DeltasReorder: 3, bptest.DeltasRepeat: 6}[tc.fault]
			// The user's message, the pieces, complete, the final message, "after".
			assert.Equal(t, 1+sent+1+1+1, srv.ChatWebhookDelivered())
		})
	}
}

// A reply cut mid-way, after two pieces: its third piece and its
// message_stream_complete are lost (two failures), the final message comes
// once, as message_created only. Once per conversation: the next reply
// comes whole.
func TestWebhookStreamedReplyCut(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault bptest.DeltaFault
		want  []string
	}{
		{"in order", "", []string{"text a", "text ab", "message abc streamed", "message after"}},
		// Cut after the first piece, held for its pair: lost with the rest.
		{"reordered", bptest.DeltasReorder, []string{"message abc streamed", "message after"}},
		// Pieces counted as they come, before they are repeated.
		{"repeated", bptest.DeltasRepeat, []string{"text a", "text ab", "message abc streamed", "message after"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cut := 2
			if tc.fault == bptest.DeltasReorder {
				cut = 1
			}
			got, srv := hookConverse(t, bptest.ChatWebhook{Deltas: tc.fault, DropAfterDeltas: cut}, "hi", "hi")
			second := []string{"text a", "text ab", "text abc", "message abc streamed", "message after"}
			if tc.fault == bptest.DeltasReorder {
				second = []string{"text ab", "text abc", "message abc streamed", "message after"}
			}
			assert.Equal(t, append(tc.want, second...), got)
			var lost []string
			for _, f := range srv.ChatWebhookFailures() {
				var env struct{ Type string }
				require.NoError(t, json.Unmarshal(f.Signal, &env))
				lost = append(lost, env.Type)
				assert.Contains(t, f.Err, "DropAfterDeltas")
			}
			want := []string{"message_stream_delta", "message_stream_complete"}
			if tc.fault == bptest.DeltasReorder {
				want = []string{"message_stream_delta", "message_stream_delta", "message_stream_delta", "message_stream_complete"}
			}
			assert.Equal(t, want, lost)
		})
	}
}

// An abort comes as a value, no final message; cut mid-way, the abort is
// lost with the rest of the reply, and the receiver gets no end of it.
func TestWebhookStreamedReplyAbort(t *testing.T) {
	got, _ := hookConverse(t, bptest.ChatWebhook{}, "abort")
	assert.Equal(t, []string{"text x", "text xy", "abort", "message after"}, got)

	got, srv := hookConverse(t, bptest.ChatWebhook{DropAfterDeltas: 1}, "abort")
	assert.Equal(t, []string{"text x", "message after"}, got)
	assert.Len(t, srv.ChatWebhookFailures(), 2, "the second piece and the abort")
}
