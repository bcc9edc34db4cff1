package bptest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
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

// hookReceiver records the webhook deliveries it gets; status, when set,
// picks its answer to each, and may block.
type hookReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []hookRequest
	status func(sig hookRequest) int
}

type hookRequest struct {
	Path, Secret, ContentType string
	Type                      string
	Data                      json.RawMessage
}

func newHookReceiver(t *testing.T, status func(hookRequest) int) *hookReceiver {
	t.Helper()
	h := &hookReceiver{status: status}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		body, err := io.ReadAll(r.Body)
		assert.NoError(t, err)
		assert.NoError(t, json.Unmarshal(body, &env), "%s", body)
		assert.Equal(t, http.MethodPost, r.Method)
		req := hookRequest{Path: r.URL.Path, Secret: r.Header.Get("x-secret-key"), ContentType: r.Header.Get("Content-Type"), Type: env.Type, Data: env.Data}
		h.mu.Lock()
		h.got = append(h.got, req)
		h.mu.Unlock()
		code := http.StatusOK
		if h.status != nil {
			code = h.status(req)
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) requests() []hookRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookRequest(nil), h.got...)
}

func (h *hookReceiver) types() []string {
	var out []string
	for _, r := range h.requests() {
		out = append(out, r.Type)
	}
	return out
}

func waitHook(t *testing.T, srv *bptest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, srv.WaitChatBot(ctx))
	require.NoError(t, srv.WaitChatWebhook(ctx))
}

// Every signal goes to the webhook, once, in order, with the secret, to the
// URL with one trailing slash, whether anyone listens or not.
func TestChatWebhookDelivery(t *testing.T) {
	hook := newHookReceiver(t, nil)
	srv := bptest.Start(t, bptest.WithChatWebhook(bptest.ChatWebhook{URL: hook.URL + "/botpress/hook", Secret: "s3cret"}))
	srv.OnMessage(bptest.EchoBot)
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	newChatUser(t, srv, `{"id":"bob"}`)
	ann.newConversation(`{"id":"room"}`)

	require.Equal(t, 200, ann.call("POST", "/conversations/room/participants", `{"userId":"bob"}`).status)
	m := ann.send("room", message.Text("hello"))
	waitHook(t, srv) // the echo before the event
	require.Equal(t, 201, ann.call("POST", "/events", `{"conversationId":"room","payload":{"k":"v"}}`).status)
	require.NoError(t, srv.SendChatEvent("room", map[string]any{"typing": true}))
	require.Equal(t, 200, ann.call("DELETE", "/messages/"+m.ID, nil).status)
	require.Equal(t, 200, ann.call("DELETE", "/conversations/room/participants/bob", nil).status)
	waitHook(t, srv)

	assert.Equal(t, []string{"participant_added", "message_created", "message_created", "event_created", "event_created",
		"message_deleted", "participant_removed"}, hook.types())
	for _, r := range hook.requests() {
		assert.Equal(t, "/botpress/hook/", r.Path)
		assert.Equal(t, "s3cret", r.Secret)
		assert.Equal(t, "application/json", r.ContentType)
	}
	reqs := hook.requests()
	assert.JSONEq(t, `{"conversationId":"room","participantId":"bob"}`, string(reqs[0].Data))
	assert.Contains(t, string(reqs[1].Data), `"isBot":false`)
	assert.Contains(t, string(reqs[2].Data), `"isBot":true`)
	assert.Equal(t, 7, srv.ChatWebhookDelivered())
	assert.Empty(t, srv.ChatWebhookFailures())

	// Turned off: nothing more is posted; no secret: no header.
	require.NoError(t, srv.SetChatWebhook(bptest.ChatWebhook{}))
	ann.send("room", message.Text("unseen"))
	waitHook(t, srv)
	assert.Len(t, hook.requests(), 7)
	require.NoError(t, srv.SetChatWebhook(bptest.ChatWebhook{URL: hook.URL + "/"}))
	require.NoError(t, srv.SendChatEvent("room", nil))
	waitHook(t, srv)
	reqs = hook.requests()
	require.Len(t, reqs, 8)
	assert.Equal(t, "/", reqs[7].Path)
	assert.Empty(t, reqs[7].Secret)

	assert.Error(t, srv.SetChatWebhook(bptest.ChatWebhook{URL: "ftp://example.com"}))
	assert.Error(t, srv.SetChatWebhook(bptest.ChatWebhook{URL: "http://x", Timeout: -1}))
	_, err := bptest.New(bptest.WithChatWebhook(bptest.ChatWebhook{URL: "example.com/hook"}))
	assert.Error(t, err)
}

// A slow receiver never holds up the calls; the signals of a conversation
// still arrive one at a time and in order, those of another conversation
// meanwhile.
func TestChatWebhookSlowReceiver(t *testing.T) {
	release := make(chan struct{})
	held := make(chan struct{}, 1)
	fastSeen := make(chan struct{}, 1)
	var inFlight sync.Map // conversation -> busy
	hook := newHookReceiver(t, func(r hookRequest) int {
		var d struct {
			ConversationID string `json:"conversationId"`
		}
		_ = json.Unmarshal(r.Data, &d)
		if _, busy := inFlight.LoadOrStore(d.ConversationID, true); busy {
			t.Errorf("two deliveries of %s at once", d.ConversationID)
		}
		defer inFlight.Delete(d.ConversationID)
		if d.ConversationID == "fast" {
			fastSeen <- struct{}{}
		}
		if d.ConversationID == "slow" {
			select {
			case held <- struct{}{}:
			default:
			}
			<-release
		}
		return http.StatusNoContent
	})
	srv := bptest.Start(t, bptest.WithChatWebhook(bptest.ChatWebhook{URL: hook.URL, Secret: "s"}))
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	ann.newConversation(`{"id":"slow"}`)
	ann.newConversation(`{"id":"fast"}`)
	var want []string
	for _, text := range []string{"1", "2", "3", "4", "5"} {
		want = append(want, ann.send("slow", message.Text(text)).ID)
	}
	<-held // the first delivery of "slow" is held by the receiver; the calls went on
	ann.send("fast", message.Text("meanwhile"))
	<-fastSeen // delivered while "slow" waits
	close(release)
	waitHook(t, srv)
	var got []string
	for _, r := range hook.requests() {
		var d struct{ ID, ConversationID string }
		require.NoError(t, json.Unmarshal(r.Data, &d))
		if d.ConversationID == "slow" {
			got = append(got, d.ID)
		}
	}
	assert.Equal(t, want, got, "in order, once each")
	assert.Equal(t, 6, srv.ChatWebhookDelivered())
}

// Failed deliveries are recorded and not retried: an error answer, no
// answer within the timeout, a delivery dropped by the test.
func TestChatWebhookFailures(t *testing.T) {
	stuck := make(chan struct{})
	defer close(stuck)
	hook := newHookReceiver(t, func(r hookRequest) int {
		var d struct {
			Payload struct{ Text string } `json:"payload"`
		}
		_ = json.Unmarshal(r.Data, &d)
		switch d.Payload.Text {
		case "fail":
			return http.StatusInternalServerError
		case "stuck":
			<-stuck
		}
		return http.StatusOK
	})
	srv := bptest.Start(t, bptest.WithChatWebhook(bptest.ChatWebhook{URL: hook.URL, Secret: "s", Timeout: time.Second}))
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	ann.newConversation(`{"id":"room"}`)
	ann.send("room", message.Text("fail"))
	ann.send("room", message.Text("stuck"))
	srv.DropChatWebhookDeliveries(1)
	ann.send("room", message.Text("dropped"))
	ann.send("room", message.Text("fine"))
	waitHook(t, srv)

	failures := map[string]bptest.ChatWebhookFailure{}
	for _, f := range srv.ChatWebhookFailures() {
		var sig struct {
			Data struct {
				Payload struct{ Text string } `json:"payload"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(f.Signal, &sig))
		failures[sig.Data.Payload.Text] = f
	}
	require.Len(t, failures, 3)
	assert.Equal(t, 500, failures["fail"].Status)
	assert.Contains(t, failures["fail"].Err, "500")
	assert.Equal(t, 0, failures["dropped"].Status)
	assert.Contains(t, failures["dropped"].Err, "dropped")
	assert.Equal(t, 0, failures["stuck"].Status)
	assert.Contains(t, failures["stuck"].Err, "deadline")
	assert.Equal(t, 1, srv.ChatWebhookDelivered())
	assert.Equal(t, []string{"message_created", "message_created", "message_created"}, hook.types(), "fail, stuck, fine: never retried")
}

// Closing the server with deliveries waiting on a receiver that never
// answers returns, and leaves no sender behind.
func TestChatWebhookClose(t *testing.T) {
	stuck := make(chan struct{})
	held := make(chan struct{}, 1)
	hook := newHookReceiver(t, func(hookRequest) int {
		select {
		case held <- struct{}{}:
		default:
		}
		<-stuck
		return http.StatusOK
	})
	defer close(stuck)
	srv, err := bptest.New(bptest.WithChatWebhook(bptest.ChatWebhook{URL: hook.URL, Secret: "s"}))
	require.NoError(t, err)
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	ann.newConversation(`{"id":"room"}`)
	ann.send("room", message.Text("1"))
	ann.send("room", message.Text("2"))
	<-held
	require.NoError(t, srv.Close())
	require.NoError(t, srv.WaitChatWebhook(context.Background()), "nothing left waiting")
	assert.Len(t, srv.ChatWebhookFailures(), 2)
}

// A test of a webhook receiver: bptest delivers the signals of its Chat API
// to it, as the Chat integration does, and the test waits for them.
func ExampleWithChatWebhook() {
	var mu sync.Mutex
	var got []string
	h, err := chat.NewWebhookHandler("s3cret", func(_ context.Context, s chat.Signal) error {
		mu.Lock()
		defer mu.Unlock()
		if m, ok := s.(*chat.MessageCreated); ok {
			got = append(got, fmt.Sprintf("bot=%v %s", m.IsBot, m.Message.Payload.(*message.TextPayload).Text))
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	recv := httptest.NewServer(h) // the receiver, served where the integration posts
	defer recv.Close()

	srv, err := bptest.New(bptest.WithChatWebhook(bptest.ChatWebhook{URL: recv.URL + "/botpress", Secret: "s3cret"}))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.OnMessage(bptest.EchoBot)
	ctx := context.Background()
	c, err := chat.Connect(ctx, "", chat.WithBaseURL(srv.ChatURL()))
	if err != nil {
		log.Fatal(err)
	}
	conv, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: conv.Conversation.ID, Payload: message.Text("hello")}); err != nil {
		log.Fatal(err)
	}
	// The bot's reply created, then every signal delivered.
	if err := srv.WaitChatBot(ctx); err != nil {
		log.Fatal(err)
	}
	if err := srv.WaitChatWebhook(ctx); err != nil {
		log.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	fmt.Println(strings.Join(got, "\n"))
	fmt.Println("failed:", len(srv.ChatWebhookFailures()))
	// Output:
	// bot=false hello
	// bot=true hello
	// failed: 0
}

// The delta faults of webhook delivery, per conversation: pieces repeated,
// and each conversation's first reply cut after its second piece (its
// third piece and message_stream_complete lost, its message_created
// delivered); the next reply comes whole.
func TestChatWebhookDeltaFaults(t *testing.T) {
	hook := newHookReceiver(t, nil)
	srv := bptest.Start(t, bptest.WithChatWebhook(bptest.ChatWebhook{URL: hook.URL, Secret: "s", Deltas: bptest.DeltasRepeat, DropAfterDeltas: 2}))
	srv.OnMessage(func(context.Context, bptest.IncomingMessage) []message.Payload {
		return []message.Payload{bptest.StreamedText("a", "b", "c")}
	})
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	for _, conv := range []string{"r1", "r2"} {
		ann.newConversation(`{"id":"` + conv + `"}`)
		for range 2 {
			ann.send(conv, message.Text("hi"))
			waitHook(t, srv)
		}
	}
	byConv := map[string][]string{}
	for _, r := range hook.requests() {
		var d struct {
			ConversationID string `json:"conversationId"`
			Delta          string `json:"delta"`
			Message        struct {
				ConversationID string `json:"conversationId"`
			} `json:"message"` // message_stream_complete
		}
		require.NoError(t, json.Unmarshal(r.Data, &d))
		if d.ConversationID == "" {
			d.ConversationID = d.Message.ConversationID
		}
		byConv[d.ConversationID] = append(byConv[d.ConversationID], strings.TrimSpace(r.Type+" "+d.Delta))
	}
	require.Len(t, byConv, 2)
	user := "message_created"
	first := []string{user, "message_stream_delta a", "message_stream_delta a", "message_stream_delta b", "message_stream_delta b", "message_created"}
	second := []string{user, "message_stream_delta a", "message_stream_delta a", "message_stream_delta b", "message_stream_delta b",
		"message_stream_delta c", "message_stream_delta c", "message_stream_complete", "message_created"}
	for conv, got := range byConv {
		assert.Equal(t, append(first, second...), got, conv)
	}
	failures := srv.ChatWebhookFailures()
	require.Len(t, failures, 4, "per conversation: the third piece and message_stream_complete")
	for _, f := range failures {
		assert.Contains(t, f.Err, "DropAfterDeltas")
	}

	assert.ErrorContains(t, srv.SetChatWebhook(bptest.ChatWebhook{URL: hook.URL, Deltas: "shuffle"}), "shuffle")
	assert.ErrorContains(t, srv.SetChatWebhook(bptest.ChatWebhook{URL: hook.URL, DropAfterDeltas: -1}), "negative")
}
