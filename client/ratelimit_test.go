package client_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// rlScale is the size of TestRateLimitManyWriters.
type rlScale struct {
	calls, workers int
	limit          int           // requests bptest admits per window
	window         time.Duration // bptest's sliding window
	rps            float64       // the pacer's rate: the limit, per second
}

// rlFull is what the issue asks for: 2,000 calls at Botpress's 100
// requests per second, 20 s at least. RATELIMIT_FULL=1 runs it.
var rlFull = rlScale{calls: 2000, workers: 32, limit: 100, window: time.Second, rps: 100}

// rlDefault is the same test ten times faster, for every run of the tests:
// the same calls and writers, the same 100 requests per window, but a
// window of 100 ms, so 1,000 requests a second and 2 s at least. Its window
// is shorter than a second, so bptest's RateLimit-Reset has milliseconds.
var rlDefault = rlScale{calls: 2000, workers: 32, limit: 100, window: 100 * time.Millisecond, rps: 1000}

// TestRateLimitManyWriters sends createMessage calls from many goroutines
// through one client to bptest limited as Botpress is. Without a pacer the
// server refuses requests with 429 and the client retries them (POSTs
// included); with WithRateLimit at the server's rate, the server refuses
// none. Either way every call succeeds and the server holds each message
// exactly once.
func TestRateLimitManyWriters(t *testing.T) {
	scale := rlDefault
	if os.Getenv("RATELIMIT_FULL") != "" {
		scale = rlFull
	}
	t.Run("retries", func(t *testing.T) {
		t.Parallel()
		// Whether the writers outrun the limit depends on the machine's
		// speed; a burst at the start does not. The server's clock stands
		// still for the first limit+workers requests, so that the window
		// is full when they come and at least workers of them are refused,
		// then runs on from there.
		clock := &rlBurstClock{still: scale.limit + scale.workers}
		refused, requests := rlManyWriters(t, scale, clock.now, nil)
		t.Logf("%d calls, %d requests, %d refused with 429", scale.calls, requests, refused)
		assert.GreaterOrEqual(t, refused, scale.workers, "the burst at the start was refused")
		assert.Equal(t, int64(scale.calls+refused), requests, "every 429 was retried, and nothing else")
	})
	t.Run("pacer", func(t *testing.T) {
		t.Parallel()
		refused, requests := rlManyWriters(t, scale, nil, []client.Option{client.WithRateLimit(scale.rps, 1)})
		t.Logf("%d calls, %d requests, %d refused with 429", scale.calls, requests, refused)
		assert.Zero(t, refused, "the pacer kept every request within the limit")
		assert.Equal(t, int64(scale.calls), requests)
	})
}

// rlBurstClock is a clock that stands still for its first still readings,
// then runs at the pace of the real one from where it stood.
type rlBurstClock struct {
	mu    sync.Mutex
	still int
	reads int
	start time.Time // the time it stands at
	since time.Time // real time when it started to run
}

func (c *rlBurstClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	real := time.Now()
	if c.reads == 0 {
		c.start = real
	}
	c.reads++
	if c.reads <= c.still {
		return c.start
	}
	if c.since.IsZero() {
		c.since = real
	}
	return c.start.Add(real.Sub(c.since))
}

// rlCounting counts the requests a client sends, retries included.
type rlCounting struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *rlCounting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// rlManyWriters runs the calls and checks what the server holds. The
// server's rate limit reads clock (nil for the real one). It returns how
// many requests the server refused with 429, and how many the client sent.
func rlManyWriters(t *testing.T, scale rlScale, clock func() time.Time, opts []client.Option) (refused int, requests int64) {
	ctx := context.Background()
	// Answers are not checked against the spec: other tests do, and here
	// it would take most of the time under the race detector.
	srv := bptest.Start(t, bptest.WithPageSize(100), bptest.WithResponseValidation(false))
	setup := srv.Client()
	user, err := setup.CreateUser(ctx, gen.CreateUserJSONRequestBody{Tags: map[string]string{}})
	require.NoError(t, err)
	conv, err := setup.CreateConversation(ctx, gen.CreateConversationJSONRequestBody{Channel: "web", Tags: map[string]string{}})
	require.NoError(t, err)

	transport := &http.Transport{MaxIdleConnsPerHost: scale.workers}
	t.Cleanup(transport.CloseIdleConnections)
	counting := &rlCounting{next: transport}
	opts = append([]client.Option{
		client.WithHTTPClient(&http.Client{Transport: counting}),
		// Enough retries that no call runs out of them while 32 writers
		// compete for the window.
		client.WithMaxRetries(1000),
	}, opts...)
	c := srv.Client(opts...)

	srv.SetRateLimit(bptest.RateLimit{Requests: scale.limit, Window: scale.window, Now: clock})
	var next atomic.Int64
	errs := make(chan error, scale.calls)
	var wg sync.WaitGroup
	for range scale.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= scale.calls {
					return
				}
				_, err := c.CreateMessage(ctx, gen.CreateMessageJSONRequestBody{
					ConversationID: conv.Conversation.ID, UserID: user.User.ID,
					Payload: message.Text(fmt.Sprintf("message %d", i)),
				})
				if err != nil {
					errs <- fmt.Errorf("message %d: %w", i, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if failed++; failed <= 10 {
			t.Errorf("a call failed: %v", err)
		}
	}
	require.Zero(t, failed, "calls failed")
	stats := srv.RateLimitStats()
	requests = counting.n.Load()
	assert.Equal(t, int64(stats.Admitted+stats.Refused), requests, "the server saw every request the client sent")

	// Every message is on the server exactly once.
	srv.SetRateLimit(bptest.RateLimit{})
	seen := make(map[string]int, scale.calls)
	n := 0
	for m, err := range setup.AllMessages(ctx, &gen.ListMessagesParams{ConversationID: &conv.Conversation.ID}) {
		require.NoError(t, err)
		n++
		p, err := message.Decode(m.Type, m.Payload)
		require.NoError(t, err)
		text, ok := p.(*message.TextPayload)
		require.True(t, ok, "a text message: %T", p)
		seen[text.Text]++
	}
	assert.Equal(t, scale.calls, n, "messages on the server")
	for i := range scale.calls {
		if k := seen[fmt.Sprintf("message %d", i)]; k != 1 {
			t.Errorf("message %d is on the server %d times", i, k)
		}
	}
	return stats.Refused, requests
}
