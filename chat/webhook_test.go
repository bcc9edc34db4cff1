package chat_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/internal/testutil"
	"github.com/botpress-go/sdk/message"
)

// The webhook handler: what it answers, what it hands to the function, and
// the bounds it keeps whatever a sender does.

const hookSecret = "s3cret-of-the-hook"

const hookMessage = `{"type":"message_created","data":{"id":"msg_1","conversationId":"conv_1",` +
	`"createdAt":"2026-08-01T10:00:00.000Z","userId":"bot_user","payload":{"type":"text","text":"Hi"},"isBot":true}}`

// hookRequest is a delivery as the Chat integration sends it.
func hookRequest(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/hook/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(chat.HeaderSecretKey, hookSecret)
	return r
}

// recorded is a handler whose function records what it gets.
type recorded struct {
	mu   sync.Mutex
	sigs []chat.Signal
	err  error // what the function returns
}

func (rc *recorded) fn(_ context.Context, s chat.Signal) error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.sigs = append(rc.sigs, s)
	return rc.err
}

func (rc *recorded) got() []chat.Signal {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]chat.Signal(nil), rc.sigs...)
}

// slogTo logs to b, as text.
func slogTo(b *testutil.SyncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, nil))
}

func newHook(t *testing.T, rc *recorded, opts ...chat.WebhookOption) *chat.WebhookHandler {
	t.Helper()
	h, err := chat.NewWebhookHandler(hookSecret, rc.fn, opts...)
	require.NoError(t, err)
	return h
}

func TestWebhookHandlerArguments(t *testing.T) {
	fn := func(context.Context, chat.Signal) error { return nil }
	_, err := chat.NewWebhookHandler("", fn)
	assert.ErrorIs(t, err, chat.ErrMissingArgument)
	_, err = chat.NewWebhookHandler("s", nil)
	assert.ErrorIs(t, err, chat.ErrMissingArgument)
	_, err = chat.NewWebhookHandler("s", fn, chat.WithWebhookMaxBody(0))
	assert.ErrorContains(t, err, "body size")
	_, err = chat.NewWebhookHandler("s", fn, chat.WithWebhookReadTimeout(-time.Second))
	assert.ErrorContains(t, err, "read timeout")
	_, err = chat.NewWebhookHandler("s", fn, nil, chat.WithWebhookReadTimeout(0))
	assert.NoError(t, err)
}

// failReader fails the test if the body is read.
type failReader struct{ t *testing.T }

func (f failReader) Read([]byte) (int, error) {
	f.t.Error("the body was read")
	return 0, io.EOF
}

func TestWebhookHandlerAnswers(t *testing.T) {
	rc := &recorded{}
	h := newHook(t, rc)

	// A delivery: 204, the signal typed as Listen yields it.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, hookRequest(hookMessage))
	assert.Equal(t, http.StatusNoContent, w.Code)
	sigs := rc.got()
	require.Len(t, sigs, 1)
	m, ok := sigs[0].(*chat.MessageCreated)
	require.True(t, ok, "%T", sigs[0])
	assert.Equal(t, "msg_1", m.Message.ID)
	assert.True(t, m.IsBot)
	assert.False(t, m.Recovered)
	assert.Equal(t, &message.TextPayload{Text: "Hi"}, m.Message.Payload)

	// Without a Content-Type: only the body counts.
	r := hookRequest(hookMessage)
	r.Header.Del("Content-Type")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Equal(t, http.StatusNoContent, w.Code)

	// A type this package does not know: passed on, raw.
	w = httptest.NewRecorder()
	h.ServeHTTP(w, hookRequest(`{"type":"message_stream_rewind","data":{"streamId":"str_1"}}`))
	assert.Equal(t, http.StatusNoContent, w.Code)
	sigs = rc.got()
	require.Len(t, sigs, 3)
	u, ok := sigs[2].(*chat.UnknownSignal)
	require.True(t, ok, "%T", sigs[2])
	assert.Equal(t, "message_stream_rewind", u.Type())
	assert.JSONEq(t, `{"streamId":"str_1"}`, string(u.Data))

	refused := []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"GET", func() *http.Request {
			r := hookRequest("")
			r.Method = http.MethodGet
			return r
		}, http.StatusMethodNotAllowed},
		{"no secret", func() *http.Request {
			r := hookRequest("")
			r.Header.Del(chat.HeaderSecretKey)
			r.Body = io.NopCloser(failReader{t})
			return r
		}, http.StatusUnauthorized},
		{"wrong secret", func() *http.Request {
			r := hookRequest("")
			r.Header.Set(chat.HeaderSecretKey, hookSecret+"x")
			r.Body = io.NopCloser(failReader{t})
			return r
		}, http.StatusUnauthorized},
		{"secret's prefix", func() *http.Request {
			r := hookRequest("")
			r.Header.Set(chat.HeaderSecretKey, hookSecret[:4])
			r.Body = io.NopCloser(failReader{t})
			return r
		}, http.StatusUnauthorized},
		{"secret twice", func() *http.Request {
			r := hookRequest("")
			r.Header.Add(chat.HeaderSecretKey, hookSecret)
			r.Body = io.NopCloser(failReader{t})
			return r
		}, http.StatusUnauthorized},
		{"empty body", func() *http.Request { return hookRequest("") }, http.StatusBadRequest},
		{"not JSON", func() *http.Request { return hookRequest(`{"type":"message_created",`) }, http.StatusBadRequest},
		{"not an object", func() *http.Request { return hookRequest(`[1,2]`) }, http.StatusBadRequest},
		{"no type", func() *http.Request { return hookRequest(`{"data":{}}`) }, http.StatusBadRequest},
		{"no ID", func() *http.Request {
			return hookRequest(`{"type":"message_created","data":{"conversationId":"conv_1"}}`)
		}, http.StatusBadRequest},
		{"data of the wrong shape", func() *http.Request {
			return hookRequest(`{"type":"participant_added","data":[]}`)
		}, http.StatusBadRequest},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, c.req())
			assert.Equal(t, c.status, w.Code, w.Body.String())
		})
	}
	assert.Len(t, rc.got(), 3, "no refused delivery reaches the function")
	w = httptest.NewRecorder()
	r = hookRequest("")
	r.Method = http.MethodPut
	h.ServeHTTP(w, r)
	assert.Equal(t, http.MethodPost, w.Header().Get("Allow"))
}

// The function's error is a 500, whose body does not carry its text.
func TestWebhookHandlerFunctionError(t *testing.T) {
	rc := &recorded{err: errors.New("database down: password=hunter2")}
	var logs testutil.SyncBuffer
	h := newHook(t, rc, chat.WithWebhookLogger(slogTo(&logs)))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, hookRequest(hookMessage))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.NotContains(t, w.Body.String(), "hunter2")
	assert.Contains(t, logs.String(), "database down")
	assert.Len(t, rc.got(), 1)

	// Refusals are logged, never with the secret.
	r := hookRequest(hookMessage)
	r.Header.Set(chat.HeaderSecretKey, "guess")
	h.ServeHTTP(httptest.NewRecorder(), r)
	assert.Contains(t, logs.String(), "status=401")
	assert.NotContains(t, logs.String(), hookSecret)
	assert.NotContains(t, logs.String(), "guess")
}

// endless is a body that never ends, counting what is read of it.
type endless struct{ n atomic.Int64 }

func (e *endless) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = ' '
	}
	e.n.Add(int64(len(b)))
	return len(b), nil
}

// A body larger than the bound is a 413, having read at most the bound and
// one byte of it; none when its Content-Length says so.
func TestWebhookHandlerBodyBound(t *testing.T) {
	rc := &recorded{}
	const max = 64 << 10
	h := newHook(t, rc, chat.WithWebhookMaxBody(max))

	body := &endless{}
	r := hookRequest("")
	r.Body = io.NopCloser(body)
	r.ContentLength = -1
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	assert.LessOrEqual(t, body.n.Load(), int64(max+1))

	r = hookRequest("")
	r.Body = io.NopCloser(failReader{t})
	r.ContentLength = max + 1
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)

	// The default bound, 1 MiB: what the handler allocates for a body that
	// never ends is bounded too (all its allocations summed, the buffer's
	// growth included).
	hd := newHook(t, rc)
	body = &endless{}
	r = hookRequest("")
	r.Body = io.NopCloser(body)
	r.ContentLength = -1
	w = httptest.NewRecorder()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	hd.ServeHTTP(w, r)
	runtime.ReadMemStats(&after)
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	assert.LessOrEqual(t, body.n.Load(), int64(chat.DefaultWebhookMaxBody+1))
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8*chat.DefaultWebhookMaxBody))

	// Exactly the bound is accepted.
	pad := max - len(hookMessage)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, hookRequest(hookMessage+strings.Repeat(" ", pad)))
	assert.Equal(t, http.StatusNoContent, w.Code)
	assert.Len(t, rc.got(), 1)

	// Over a connection: a chunked body that never ends gets its 413, and
	// the server closes the connection instead of reading on.
	srv := httptest.NewServer(h)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		fmt.Fprintf(conn, "POST /hook/ HTTP/1.1\r\nHost: x\r\n%s: %s\r\nTransfer-Encoding: chunked\r\n\r\n", chat.HeaderSecretKey, hookSecret)
		chunk := fmt.Sprintf("%x\r\n%s\r\n", 4096, strings.Repeat(" ", 4096))
		for {
			if _, err := io.WriteString(conn, chunk); err != nil {
				return
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.True(t, resp.Close, "the server closes the connection")
	conn.Close()
	<-writerDone
}

// A sender that stops in the middle of its body is answered 408 once the
// read timeout has passed, and its connection closed; the function is not
// called.
func TestWebhookHandlerSlowBody(t *testing.T) {
	rc := &recorded{}
	h := newHook(t, rc, chat.WithWebhookReadTimeout(50*time.Millisecond))
	srv := httptest.NewServer(h)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	// Headers, and 10 bytes of the 100 announced; then nothing.
	fmt.Fprintf(conn, "POST /hook/ HTTP/1.1\r\nHost: x\r\n%s: %s\r\nContent-Length: 100\r\n\r\n%s", chat.HeaderSecretKey, hookSecret, hookMessage[:10])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	assert.Empty(t, rc.got())
}

// Slowloris: a sender that never finishes its headers never reaches the
// handler; the server's ReadHeaderTimeout, which the handler's
// documentation asks for, cuts it.
func TestWebhookHandlerSlowHeaders(t *testing.T) {
	rc := &recorded{}
	srv := httptest.NewUnstartedServer(newHook(t, rc))
	srv.Config.ReadHeaderTimeout = 50 * time.Millisecond
	srv.Start()
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	fmt.Fprintf(conn, "POST /hook/ HTTP/1.1\r\nHost: x\r\n%s: %s\r\n", chat.HeaderSecretKey, hookSecret) // and no more
	// The server closes the connection once the timeout has passed.
	_, err = io.ReadAll(conn)
	assert.NoError(t, err, "closed by the server")
	assert.Empty(t, rc.got())
}

// The read timeout bounds the body, not the function: a function slower
// than the read timeout still answers, and its context is not cancelled.
// Both kinds of body: of a known length, and chunked (read to its end).
func TestWebhookHandlerSlowFunction(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			var ctxErr error
			h, err := chat.NewWebhookHandler(hookSecret, func(ctx context.Context, s chat.Signal) error {
				// Longer than the read timeout, unless the context ends.
				select {
				case <-ctx.Done():
					ctxErr = ctx.Err()
				case <-time.After(300 * time.Millisecond):
				}
				return nil
			}, chat.WithWebhookReadTimeout(50*time.Millisecond))
			require.NoError(t, err)
			srv := httptest.NewServer(h)
			defer srv.Close()
			var body io.Reader = strings.NewReader(hookMessage)
			if chunked {
				body = io.MultiReader(body) // no length known: sent chunked
			}
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/hook/", body)
			require.NoError(t, err)
			req.Header.Set(chat.HeaderSecretKey, hookSecret)
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusNoContent, resp.StatusCode)
			assert.NoError(t, ctxErr)
		})
	}
}

// Many senders at once, over a server (run with -race).
func TestWebhookHandlerConcurrent(t *testing.T) {
	rc := &recorded{}
	srv := httptest.NewServer(newHook(t, rc))
	defer srv.Close()
	const senders, each = 8, 25
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() {
			for j := range each {
				body := strings.Replace(hookMessage, "msg_1", fmt.Sprintf("msg_%d_%d", i, j), 1)
				req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
				req.Header.Set(chat.HeaderSecretKey, hookSecret)
				resp, err := srv.Client().Do(req)
				if !assert.NoError(t, err) {
					return
				}
				resp.Body.Close()
				assert.Equal(t, http.StatusNoContent, resp.StatusCode)
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, s := range rc.got() {
		seen[s.(*chat.MessageCreated).Message.ID] = true
	}
	assert.Len(t, seen, senders*each)
}

// FuzzWebhookHandler: no body makes the handler panic, and every answer is
// one of those documented.
func FuzzWebhookHandler(f *testing.F) {
	for _, s := range []string{hookMessage, "", "null", "[]", `{"type":1}`, `{"type":"message_created","data":null}`,
		`{"type":"message_stream_complete","data":{"streamId":"s","message":{"id":"m","payload":{"type":"card"}}}}`,
		`{"type":"event_created","data":{"conversationId":"c","payload":7}}`, "\xff\xfe"} {
		f.Add([]byte(s))
	}
	h, err := chat.NewWebhookHandler(hookSecret, func(context.Context, chat.Signal) error { return nil }, chat.WithWebhookMaxBody(4096))
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, hookRequest(string(body)))
		switch w.Code {
		case http.StatusNoContent, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d for %q", w.Code, body)
		}
	})
}
