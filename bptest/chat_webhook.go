package bptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Webhook delivery of the Chat API's signals, as the Chat integration does
// it when its webhookUrl is configured (api/chat.yaml, x-botpress-webhook):
// every signal of every conversation, the same JSON a listenConversation
// stream carries, POSTed to the URL with the secret in x-secret-key.
//
// The integration posts each signal from the request that caused it and
// awaits the answer there; bptest posts from a goroutine of its own, so that
// a slow receiver never slows the call: the signals of a conversation are
// posted one at a time, in the order they happened; those of different
// conversations at once. Like the integration, bptest counts any 2xx as
// delivered and does not retry; it records each failed delivery
// (ChatWebhookFailures) and logs it (WithLogger). Faults:
// DropChatWebhookDeliveries loses signals; ChatWebhook.Deltas and
// ChatWebhook.DropAfterDeltas change the pieces of streamed replies as
// Fault.Deltas and Fault.DropStreamAfterDeltas change a stream's.

// Defaults of webhook delivery.
const (
	// DefaultChatWebhookTimeout bounds each delivery: the POST, its
	// answer's headers and the reading of its body.
	DefaultChatWebhookTimeout = 10 * time.Second
	// ChatWebhookBacklog is how many signals may wait for delivery, all
	// conversations together; past it a signal is not delivered, and a
	// failure is recorded.
	ChatWebhookBacklog = 10_000
	// chatWebhookFailuresKept bounds the failures ChatWebhookFailures
	// returns: the newest.
	chatWebhookFailuresKept = 1_000
	// chatWebhookAnswerBody bounds what is read of an answer's body.
	chatWebhookAnswerBody = 64 << 10
)

// ChatWebhook configures the webhook delivery of the Chat API's signals:
// the Chat integration's webhookUrl and webhookSecret settings, and how
// long each delivery may take.
type ChatWebhook struct {
	// URL is where the signals are POSTed (webhookUrl). As the
	// integration does, the POST goes to URL with its trailing slashes
	// trimmed and one "/" added: http://127.0.0.1:5000/hook becomes
	// http://127.0.0.1:5000/hook/.
	URL string
	// Secret is sent in the x-secret-key header of each delivery
	// (webhookSecret); none is sent when it is empty.
	Secret string
	// Timeout bounds each delivery; 0 means DefaultChatWebhookTimeout.
	// (The integration's HTTP client sets no timeout of its own: a
	// receiver that never answers holds the request that caused the
	// signal for as long as Botpress lets it run.)
	Timeout time.Duration
	// Deltas is a fault: it changes the message_stream_delta signals (the
	// pieces of streamed replies) delivered, as Fault.Deltas does on a
	// listenConversation stream: DeltasDrop, DeltasReorder or DeltasRepeat.
	// The pieces are counted per conversation, across replies; a piece
	// DeltasReorder holds for its pair goes out before the conversation's
	// next signal. The pieces not sent are not failures. "" sends them as
	// they are.
	Deltas DeltaFault
	// DropAfterDeltas is a fault: the rest of a streamed reply is lost
	// mid-reply, once per conversation, right after the conversation's
	// DropAfterDeltas-th piece (counted from its first, across replies,
	// those Deltas drops included). The reply's later pieces and its
	// message_stream_complete (or message_stream_abort) are not delivered,
	// each recorded as a failure; a piece DeltasReorder held is lost too.
	// The final message's message_created, and every signal after it, go
	// out as usual: a receiver gets the final message once, as
	// message_created only (an aborted reply gets no end at all). 0 means
	// never.
	DropAfterDeltas int
}

// ChatWebhookFailure is a delivery that failed: no answer within the
// timeout, an answer other than 2xx, a backlog full, a fault.
type ChatWebhookFailure struct {
	// Signal is the signal that was not delivered, as it would have been
	// POSTed: {"type": ..., "data": ...}.
	Signal json.RawMessage
	// Status is the receiver's answer, 0 when there was none.
	Status int
	// Err says what went wrong.
	Err string
}

// WithChatWebhook configures webhook delivery from the start: every
// signal of the Chat API is POSTed to hook.URL (see ChatWebhook and
// Server.SetChatWebhook).
func WithChatWebhook(hook ChatWebhook) Option {
	return func(s *settings) { s.chatWebhook = hook }
}

// SetChatWebhook configures webhook delivery, as saving the Chat
// integration's webhookUrl and webhookSecret does: the signals published
// from now on are POSTed to hook.URL with hook.Secret; those still waiting
// go where they were meant to. A zero ChatWebhook (an empty URL) stops
// delivery. The URL must be absolute http or https.
func (s *Server) SetChatWebhook(hook ChatWebhook) error {
	if err := checkChatWebhook(hook); err != nil {
		return err
	}
	s.chatWebhook.set(hook)
	return nil
}

// ChatWebhookFailures returns the deliveries that failed so far (the
// newest 1,000), oldest first.
func (s *Server) ChatWebhookFailures() []ChatWebhookFailure {
	w := s.chatWebhook
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]ChatWebhookFailure(nil), w.failures...)
}

// ChatWebhookDelivered returns how many signals the receiver accepted
// (answered 2xx) so far.
func (s *Server) ChatWebhookDelivered() int {
	w := s.chatWebhook
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.delivered
}

// WaitChatWebhook waits until every signal published so far has been
// delivered or has failed, or ctx is done. With WaitChatBot first, a test
// knows that every reply of the bot has reached its receiver.
func (s *Server) WaitChatWebhook(ctx context.Context) error {
	w := s.chatWebhook
	w.mu.Lock()
	idle := w.idle
	w.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// DropChatWebhookDeliveries is a fault: the next n signals are not
// delivered, as if their POSTs were lost; each is recorded as a failure
// ("dropped by the test"). The signals of the conversation after them go
// out as usual.
func (s *Server) DropChatWebhookDeliveries(n int) {
	w := s.chatWebhook
	w.mu.Lock()
	defer w.mu.Unlock()
	w.drop = max(n, 0)
}

func checkChatWebhook(hook ChatWebhook) error {
	if hook.URL == "" {
		return nil
	}
	if !strings.HasPrefix(hook.URL, "http://") && !strings.HasPrefix(hook.URL, "https://") {
		return fmt.Errorf("bptest: Chat webhook URL %q: must be absolute http or https", hook.URL)
	}
	if _, err := http.NewRequest(http.MethodPost, hookTarget(hook.URL), nil); err != nil {
		return fmt.Errorf("bptest: Chat webhook URL %q: %w", hook.URL, err)
	}
	if hook.Timeout < 0 {
		return fmt.Errorf("bptest: Chat webhook timeout %v: must not be negative", hook.Timeout)
	}
	switch hook.Deltas {
	case "", DeltasDrop, DeltasReorder, DeltasRepeat:
	default:
		return fmt.Errorf("bptest: Chat webhook delta fault %q: must be %q, %q or %q", hook.Deltas, DeltasDrop, DeltasReorder, DeltasRepeat)
	}
	if hook.DropAfterDeltas < 0 {
		return fmt.Errorf("bptest: Chat webhook DropAfterDeltas %d: must not be negative", hook.DropAfterDeltas)
	}
	return nil
}

// hookTarget is where the integration POSTs, given its webhookUrl: the URL
// with its trailing slashes trimmed, and "/" (its HTTP client joins the
// URL and the path "/").
func hookTarget(url string) string { return strings.TrimRight(url, "/") + "/" }

// chatWebhook delivers the signals.
type chatWebhook struct {
	srv    *Server
	client *http.Client
	ctx    context.Context // done when the server closes
	cancel context.CancelFunc
	wg     sync.WaitGroup // the conversations' senders

	mu        sync.Mutex // guards what follows
	hook      ChatWebhook
	queues    map[string][]hookDelivery // by runtime conversation, while its sender runs
	shaping   map[string]*hookShaping   // by runtime conversation, once a delta fault hit it
	pending   int                       // signals queued or being posted
	idle      chan struct{}             // closed while pending is 0
	delivered int
	failures  []ChatWebhookFailure
	drop      int
	closed    bool
}

// hookDelivery is one signal to deliver, with the settings in force when
// it was published.
type hookDelivery struct {
	hook ChatWebhook
	data []byte
}

func newChatWebhook(s *Server, hook ChatWebhook) *chatWebhook {
	ctx, cancel := context.WithCancel(context.Background())
	idle := make(chan struct{})
	close(idle)
	return &chatWebhook{
		srv: s, ctx: ctx, cancel: cancel, hook: hook, queues: map[string][]hookDelivery{}, shaping: map[string]*hookShaping{}, idle: idle,
		client: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
	}
}

func (w *chatWebhook) set(hook ChatWebhook) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.hook = hook
}

// deliver queues a signal of a runtime conversation for delivery; it never
// blocks. It is called in the order the signals happened.
func (w *chatWebhook) deliver(conv string, data []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.hook.URL == "" || w.closed {
		return
	}
	if w.drop > 0 {
		w.drop--
		w.failLocked(data, 0, "dropped by the test (DropChatWebhookDeliveries)")
		return
	}
	if w.pending >= ChatWebhookBacklog {
		w.failLocked(data, 0, fmt.Sprintf("not delivered: %d signals already wait for delivery", ChatWebhookBacklog))
		return
	}
	if w.pending == 0 {
		w.idle = make(chan struct{})
	}
	w.pending++
	q, running := w.queues[conv]
	w.queues[conv] = append(q, hookDelivery{hook: w.hook, data: data})
	if !running {
		w.wg.Add(1)
		go w.send(conv)
	}
}

// send posts the signals of a conversation, one at a time, until none is
// left.
func (w *chatWebhook) send(conv string) {
	defer w.wg.Done()
	for {
		w.mu.Lock()
		q := w.queues[conv]
		if len(q) == 0 {
			delete(w.queues, conv)
			w.mu.Unlock()
			return
		}
		d := q[0]
		q[0] = hookDelivery{}
		w.queues[conv] = q[1:]
		sh := w.shaping[conv]
		if sh == nil && (d.hook.Deltas != "" || d.hook.DropAfterDeltas > 0) {
			sh = &hookShaping{}
			w.shaping[conv] = sh
		}
		w.mu.Unlock()

		// The shaping of a conversation is used by its one sender at a
		// time (a sender starts and ends under w.mu).
		out, lost := [][]byte{d.data}, [][]byte(nil)
		if sh != nil {
			out, lost = sh.shape(d)
		}
		for _, data := range out {
			status, err := w.post(hookDelivery{hook: d.hook, data: data})
			w.mu.Lock()
			if err == nil {
				w.delivered++
			} else {
				w.failLocked(data, status, err.Error())
			}
			w.mu.Unlock()
		}

		w.mu.Lock()
		for _, data := range lost {
			w.failLocked(data, 0, "lost mid-reply by the test (ChatWebhook.DropAfterDeltas)")
		}
		if w.pending--; w.pending == 0 {
			close(w.idle)
		}
		w.mu.Unlock()
	}
}

// hookShaping applies the delta faults of ChatWebhook to the signals of
// one conversation, with the deltaShaper of listenConversation streams.
type hookShaping struct {
	shaper deltaShaper
	cut    bool   // DropAfterDeltas has cut a reply
	lost   string // the stream being lost, until it ends
}

// shape returns the signals to post for one, in order, and those lost to
// DropAfterDeltas.
func (h *hookShaping) shape(d hookDelivery) (out, lost [][]byte) {
	if h.lost != "" {
		typ, stream := streamSignal(d.data)
		if stream == h.lost {
			if typ != "message_stream_delta" {
				h.lost = "" // its end: complete or abort
			}
			return nil, [][]byte{d.data}
		}
	}
	h.shaper.faults = streamFaults{deltas: d.hook.Deltas}
	if !h.cut {
		h.shaper.faults.dropAfterDeltas = d.hook.DropAfterDeltas
	}
	out, cut := h.shaper.shape(d.data)
	if cut {
		h.cut = true
		_, h.lost = streamSignal(d.data)
		if held := h.shaper.flush(); held != nil { // held for its pair: lost with the rest
			lost = append(lost, held)
		}
	}
	return out, lost
}

// streamSignal returns the type of a signal and, for the signals of
// streamed replies, their stream's ID.
func streamSignal(data []byte) (typ, stream string) {
	var env struct {
		Type string `json:"type"`
		Data struct {
			StreamID string `json:"streamId"`
		} `json:"data"`
	}
	if json.Unmarshal(data, &env) != nil {
		return "", ""
	}
	switch env.Type {
	case "message_stream_delta", "message_stream_complete", "message_stream_abort":
		return env.Type, env.Data.StreamID
	}
	return env.Type, ""
}

// post makes one delivery and returns the receiver's status.
func (w *chatWebhook) post(d hookDelivery) (int, error) {
	if w.ctx.Err() != nil {
		return 0, fmt.Errorf("not delivered: the server closed")
	}
	timeout := d.hook.Timeout
	if timeout == 0 {
		timeout = DefaultChatWebhookTimeout
	}
	ctx, cancel := context.WithTimeout(w.ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hookTarget(d.hook.URL), bytes.NewReader(d.data))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/plain, */*")
	req.Header.Set("User-Agent", "bptest-chat-webhook")
	if d.hook.Secret != "" {
		req.Header.Set("x-secret-key", d.hook.Secret)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("POST %s: %w", req.URL.Redacted(), unwrapURLError(err))
	}
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, chatWebhookAnswerBody))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("POST %s: answered %s", req.URL.Redacted(), resp.Status)
	}
	if err != nil {
		return resp.StatusCode, fmt.Errorf("POST %s: reading the answer: %w", req.URL.Redacted(), err)
	}
	return resp.StatusCode, nil
}

// unwrapURLError drops the *url.Error around a transport error, which
// repeats the method and URL.
func unwrapURLError(err error) error {
	if u, ok := err.(*url.Error); ok {
		return u.Err
	}
	return err
}

// failLocked records and logs a failed delivery; w.mu is held.
func (w *chatWebhook) failLocked(data []byte, status int, why string) {
	if len(w.failures) == chatWebhookFailuresKept {
		copy(w.failures, w.failures[1:])
		w.failures = w.failures[:len(w.failures)-1]
	}
	w.failures = append(w.failures, ChatWebhookFailure{Signal: json.RawMessage(data), Status: status, Err: why})
	if l := w.srv.settings.logger; l != nil {
		var env struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(data, &env)
		l.LogAttrs(context.Background(), slog.LevelWarn, "chat webhook delivery failed",
			slog.String("type", env.Type), slog.Int("status", status), slog.String("error", why))
	}
}

// close stops delivery: the signals still waiting are dropped, the POSTs
// under way cancelled, and close waits for the senders to return.
func (w *chatWebhook) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.cancel()
	w.wg.Wait()
	w.client.CloseIdleConnections()
}
