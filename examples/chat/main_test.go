package main

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/chat"
)

func guard(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Offline, a conversation with the bot: an echo, a choice answered by its
// number, and an answer of two messages printed before leaving.
func TestChatOffline(t *testing.T) {
	var out bytes.Buffer
	in := strings.NewReader("hello\n\nmenu\n1\nmenu\n2\n")
	require.NoError(t, run(guard(t), in, &out, func(string) string { return "" }))
	assert.Equal(t, `Talking to the offline bot (try: menu). Type a message, /quit to leave.
bot: You said: hello
bot: What can I do for you?
  1. Track my order
  2. Talk to a person
bot: Order 1042 left the warehouse this morning.
bot: What can I do for you?
  1. Track my order
  2. Talk to a person
bot: Someone from the team will take over.
bot: [Support] (Open a ticket: https://example.com/tickets/new)
`, out.String())
}

// /quit leaves before the end of the input.
func TestChatQuit(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(guard(t), strings.NewReader("hi\n/quit\nnot sent\n"), &out, func(string) string { return "" }))
	assert.NotContains(t, out.String(), "not sent")
	assert.Contains(t, out.String(), "bot: You said: hi\n")
}

// Against another server, as with botpress-mock's BP_CHAT_API_URL: here a
// bptest whose bot echoes, reached with a key signed from the encryption
// key (BP_CHAT_ENCRYPTION_KEY, BP_CHAT_USER_ID).
func TestChatAgainstAServer(t *testing.T) {
	srv := bptest.Start(t)
	srv.OnMessage(bptest.EchoBot)
	env := map[string]string{
		"BP_CHAT_API_URL":        srv.ChatURL(),
		"BP_CHAT_ENCRYPTION_KEY": srv.ChatEncryptionKey(),
		"BP_CHAT_USER_ID":        "ada",
	}
	var out bytes.Buffer
	require.NoError(t, run(guard(t), strings.NewReader("ping\n"), &out, func(k string) string { return env[k] }))
	assert.Equal(t, "Talking to "+srv.ChatURL()+". Type a message, /quit to leave.\nbot: ping\n", out.String())
	ada, err := chat.Connect(guard(t), "", chat.WithBaseURL(srv.ChatURL()), chat.WithUserKey(srv.ChatUserKey("ada")))
	require.NoError(t, err)
	convs, err := chat.Collect(ada.AllConversations(guard(t), nil), 0)
	require.NoError(t, err)
	assert.Len(t, convs, 1, "the conversation was ada's")
}

// Bad settings are clear errors.
func TestChatErrors(t *testing.T) {
	ctx := guard(t)
	err := run(ctx, strings.NewReader(""), &bytes.Buffer{}, func(k string) string {
		return map[string]string{"BP_CHAT_API_URL": "http://127.0.0.1:1/chat/x"}[k]
	})
	require.ErrorContains(t, err, "connecting")
	err = run(ctx, strings.NewReader(""), &bytes.Buffer{}, func(k string) string {
		return map[string]string{"BP_CHAT_USER_ID": "ada"}[k]
	})
	require.ErrorContains(t, err, "BP_CHAT_ENCRYPTION_KEY")
}

// writes records each write to it.
type writes struct {
	mu  sync.Mutex
	all []string
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.all = append(w.all, string(p))
	return len(p), nil
}

func (w *writes) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.all, "")
}

// Offline, the echo is streamed: its text grows on its line, a word per
// write, and the final message ends the line. (The second answer: once the
// first is printed, the listener's stream is open, so the second's pieces
// come live.)
func TestChatStreamedOffline(t *testing.T) {
	out := &writes{}
	require.NoError(t, run(guard(t), strings.NewReader("hello\nhow are you\n"), out, func(string) string { return "" }))
	assert.Equal(t, `Talking to the offline bot (try: menu). Type a message, /quit to leave.
bot: You said: hello
bot: You said: how are you
`, out.String())
	out.mu.Lock()
	defer out.mu.Unlock()
	want := []string{"bot: ", "You ", "said: ", "how ", "are ", "you", "\n"}
	assert.Subset(t, out.all, want)
	i := slices.Index(out.all, "how ")
	require.GreaterOrEqual(t, i, 3)
	assert.Equal(t, want, out.all[i-3:i+4], "the text grows a word at a time")
}

// Against a server whose bot streams, with pieces dropped, reordered,
// repeated, or the stream cut mid-reply: each answer is printed whole,
// once.
func TestChatStreamedFaults(t *testing.T) {
	for _, f := range []bptest.Fault{
		{Deltas: bptest.DeltasDrop}, {Deltas: bptest.DeltasReorder}, {Deltas: bptest.DeltasRepeat},
		{DropStreamAfterDeltas: 2, Times: 1},
	} {
		t.Run(fmt.Sprintf("%s%d", f.Deltas, f.DropStreamAfterDeltas), func(t *testing.T) {
			srv := bptest.Start(t)
			srv.OnMessage(bptest.StreamingEchoBot)
			f.Chat, f.Operation = true, "listenConversation"
			srv.InjectFault(f)
			env := map[string]string{
				"BP_CHAT_API_URL":        srv.ChatURL(),
				"BP_CHAT_ENCRYPTION_KEY": srv.ChatEncryptionKey(),
				"BP_CHAT_USER_ID":        "ada",
			}
			out := &writes{}
			require.NoError(t, run(guard(t), strings.NewReader("ping pong\none two three four\n"), out, func(k string) string { return env[k] }))
			assert.Equal(t, "Talking to "+srv.ChatURL()+". Type a message, /quit to leave.\nbot: ping pong\nbot: one two three four\n", out.String())
		})
	}
}
