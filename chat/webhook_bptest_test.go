package chat_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
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

// End to end: bptest delivers the signals of its Chat API, as the Chat
// integration does, to a WebhookHandler behind an HTTP server; each comes
// typed, once, in the order of its conversation.

// hookLog is the function of the handler: what it got, by conversation.
type hookLog struct {
	mu     sync.Mutex
	byConv map[string][]string
	n      int
}

func (l *hookLog) fn(_ context.Context, s chat.Signal) error {
	var conv, line string
	switch s := s.(type) {
	case *chat.MessageCreated:
		conv = s.Message.ConversationID
		line = fmt.Sprintf("message_created bot=%v %s", s.IsBot, s.Message.Payload.(*message.TextPayload).Text)
	case *chat.EventCreated:
		conv = s.ConversationID
		line = fmt.Sprintf("event_created bot=%v %v", s.IsBot, s.Payload["step"])
	case *chat.ParticipantAdded:
		conv, line = s.ConversationID, "participant_added "+s.ParticipantID
	case *chat.ParticipantRemoved:
		conv, line = s.ConversationID, "participant_removed "+s.ParticipantID
	case *chat.MessageDeleted:
		conv, line = s.ConversationID, "message_deleted by "+s.UserID
	default:
		line = fmt.Sprintf("unexpected %T", s)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.byConv[conv] = append(l.byConv[conv], line)
	l.n++
	return nil
}

func (l *hookLog) get(conv string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.byConv[conv]...)
}

// hookServer serves h under /botpress/, where a webhookUrl of
// <URL>/botpress leads (the integration adds a "/").
func hookServer(t *testing.T, h http.Handler) *httptest.Server {
	mux := http.NewServeMux()
	mux.Handle("/botpress/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestWebhookFromBptest(t *testing.T) {
	ctx := guard(t)
	log := &hookLog{byConv: map[string][]string{}}
	h, err := chat.NewWebhookHandler(hookSecret, log.fn)
	require.NoError(t, err)
	recv := hookServer(t, h)
	srv := bptest.Start(t, bptest.WithChatWebhook(bptest.ChatWebhook{URL: recv.URL + "/botpress", Secret: hookSecret}))
	srv.OnMessage(bptest.EchoBot)
	ada, err := chat.Connect(ctx, "", chat.WithBaseURL(srv.ChatURL()), chat.WithEncryptionKey(srv.ChatEncryptionKey()), chat.WithUserID("ada"))
	require.NoError(t, err)
	_, err = chat.Connect(ctx, "", chat.WithBaseURL(srv.ChatURL()), chat.WithEncryptionKey(srv.ChatEncryptionKey()), chat.WithUserID("bob"))
	require.NoError(t, err)

	// Two conversations at once, each with every kind of signal.
	convs := []string{"room-1", "room-2"}
	var wg sync.WaitGroup
	for _, conv := range convs {
		_, err := ada.CreateConversation(ctx, chatgen.CreateConversationBody{ID: chat.Ptr(conv)})
		require.NoError(t, err)
		wg.Go(func() {
			_, err := ada.AddParticipant(ctx, conv, chatgen.AddParticipantBody{UserID: "bob"})
			assert.NoError(t, err)
			var first string
			for i := range 3 {
				sent, err := ada.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: conv, Payload: message.Text(fmt.Sprintf("%s #%d", conv, i))})
				if !assert.NoError(t, err) {
					return
				}
				if i == 0 {
					first = sent.Message.ID
				}
				// Each answered before the next: the order is the test's.
				assert.NoError(t, srv.WaitChatBot(ctx))
			}
			_, err = ada.CreateEvent(ctx, chatgen.CreateEventBody{ConversationID: conv, Payload: chatgen.EventPayload{"step": "typing"}})
			assert.NoError(t, err)
			assert.NoError(t, srv.SendChatEvent(conv, map[string]any{"step": "bot"}))
			assert.NoError(t, ada.DeleteMessage(ctx, first))
			assert.NoError(t, ada.RemoveParticipant(ctx, conv, "bob"))
		})
	}
	wg.Wait()
	require.NoError(t, srv.WaitChatBot(ctx))
	require.NoError(t, srv.WaitChatWebhook(ctx))

	for _, conv := range convs {
		want := []string{"participant_added bob"}
		for i := range 3 {
			text := fmt.Sprintf("%s #%d", conv, i)
			want = append(want, "message_created bot=false "+text, "message_created bot=true "+text)
		}
		want = append(want, "event_created bot=false typing", "event_created bot=true bot",
			"message_deleted by ada", "participant_removed bob")
		assert.Equal(t, want, log.get(conv), conv)
	}
	assert.Equal(t, 2*11, srv.ChatWebhookDelivered(), "each once")
	assert.Empty(t, srv.ChatWebhookFailures())

	// A sender with the wrong secret: 401, and nothing reaches the function.
	n := log.n
	require.NoError(t, srv.SetChatWebhook(bptest.ChatWebhook{URL: recv.URL + "/botpress", Secret: "not-" + hookSecret}))
	require.NoError(t, srv.SendChatEvent("room-1", nil))
	require.NoError(t, srv.WaitChatWebhook(ctx))
	f := srv.ChatWebhookFailures()
	require.Len(t, f, 1)
	assert.Equal(t, http.StatusUnauthorized, f[0].Status)
	log.mu.Lock()
	assert.Equal(t, n, log.n)
	log.mu.Unlock()
}

// A signal larger than the handler's bound: bptest's delivery gets 413.
func TestWebhookFromBptestTooLarge(t *testing.T) {
	ctx := guard(t)
	log := &hookLog{byConv: map[string][]string{}}
	h, err := chat.NewWebhookHandler(hookSecret, log.fn, chat.WithWebhookMaxBody(4096))
	require.NoError(t, err)
	recv := hookServer(t, h)
	srv := bptest.Start(t, bptest.WithChatWebhook(bptest.ChatWebhook{URL: recv.URL + "/botpress/", Secret: hookSecret}))
	c, err := chat.Connect(ctx, "", chat.WithBaseURL(srv.ChatURL()))
	require.NoError(t, err)
	conv, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{})
	require.NoError(t, err)
	_, err = c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: conv.Conversation.ID, Payload: message.Text(strings.Repeat("x", 5000))})
	require.NoError(t, err)
	_, err = c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: conv.Conversation.ID, Payload: message.Text("small")})
	require.NoError(t, err)
	require.NoError(t, srv.WaitChatWebhook(ctx))
	f := srv.ChatWebhookFailures()
	require.Len(t, f, 1)
	assert.Equal(t, http.StatusRequestEntityTooLarge, f[0].Status)
	assert.Equal(t, []string{"message_created bot=false small"}, log.get(conv.Conversation.ID))
}
