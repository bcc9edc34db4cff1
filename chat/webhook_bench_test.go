package chat_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/botpress-go/sdk/chat"
)

// Webhook signals per second into one Go handler: parallel senders POST
// message_created signals, as the Chat integration delivers them, over
// keep-alive connections to an httptest server running a WebhookHandler
// whose function only counts them. Senders and server share the process
// and its cores, so the figure is a floor of what the handler takes; the
// allocations are the sender's and the server's together.
// BenchmarkWebhookHandler is the handler alone, without a network: what
// each delivery costs it.

// benchHookBody is a typical delivery: a user's text message.
var benchHookBody = []byte(`{"type":"message_created","data":{"id":"msg_01JBENCH0000000000000000","conversationId":` +
	`"conv_01JBENCH000000000000000","createdAt":"2026-12-07T14:00:00.000Z","userId":"user_01JBENCH0000000000000",` +
	`"payload":{"type":"text","text":"Hello, I would like to know where my order is."},"metadata":{"source":"web"},"isBot":false}}`)

func BenchmarkWebhook(b *testing.B) {
	for _, senders := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			var got atomic.Int64
			h, err := chat.NewWebhookHandler(hookSecret, func(_ context.Context, s chat.Signal) error {
				if _, ok := s.(*chat.MessageCreated); ok {
					got.Add(1)
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.MaxIdleConnsPerHost = senders
			tr.MaxConnsPerHost = senders
			hc := &http.Client{Transport: tr}
			defer tr.CloseIdleConnections()
			send := func() error {
				req, err := http.NewRequest(http.MethodPost, srv.URL+"/hook/", bytes.NewReader(benchHookBody))
				if err != nil {
					return err
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(chat.HeaderSecretKey, hookSecret)
				resp, err := hc.Do(req)
				if err != nil {
					return err
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusNoContent {
					return fmt.Errorf("status %d", resp.StatusCode)
				}
				return nil
			}
			// Warm up: one connection per sender.
			warm := make(chan error, senders)
			for range senders {
				go func() { warm <- send() }()
			}
			for range senders {
				if err := <-warm; err != nil {
					b.Fatal(err)
				}
			}
			got.Store(0)
			b.SetParallelism((senders + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := send(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			if n := got.Load(); n != int64(b.N) {
				b.Fatalf("%d signals handled of %d sent", n, b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signals/s")
			b.ReportMetric(float64(len(benchHookBody)), "body-B")
		})
	}
}

func BenchmarkWebhookHandler(b *testing.B) {
	h, err := chat.NewWebhookHandler(hookSecret, func(context.Context, chat.Signal) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/hook/", nil)
	req.Header.Set(chat.HeaderSecretKey, hookSecret)
	rd := bytes.NewReader(benchHookBody)
	req.ContentLength = int64(len(benchHookBody))
	w := &nopWriter{h: http.Header{}}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchHookBody)))
	for b.Loop() {
		rd.Reset(benchHookBody)
		req.Body = io.NopCloser(rd)
		w.code = 0
		h.ServeHTTP(w, req)
		if w.code != http.StatusNoContent {
			b.Fatalf("status %d", w.code)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signals/s")
}

// nopWriter is a ResponseWriter that keeps the status alone.
type nopWriter struct {
	h    http.Header
	code int
}

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nopWriter) WriteHeader(code int)        { w.code = code }
