package client_test

import (
	"context"
	"math"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/client"
)

// A rate so low that, once the burst is spent, the next token is decades
// away: a call that needs one waits until its context ends.
const pcNever = 1e-9

// pcOK answers every request with a user, and the given header pairs.
func pcOK(header ...string) http.HandlerFunc {
	return rtStatus(200, `{"user":{"id":"u1"}}`, header...)
}

// pcDeadline is a context that ends soon: for calls that must not get
// through.
func pcDeadline(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	t.Cleanup(cancel)
	return ctx
}

func TestRateLimitOptionInvalid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rps   float64
		burst int
	}{
		{0, 1}, {-1, 1}, {math.NaN(), 1}, {math.Inf(1), 1}, {10, 0}, {10, -1},
	} {
		_, err := client.New(client.WithToken(testToken), client.WithRateLimit(tc.rps, tc.burst))
		assert.Error(t, err, "WithRateLimit(%v, %d)", tc.rps, tc.burst)
	}
}

// TestRateLimitPerCallRefused: the pacer is the client's; a call given
// WithRateLimit fails before sending, whether or not the client has one.
func TestRateLimitPerCallRefused(t *testing.T) {
	t.Parallel()
	s := newServer(t, pcOK())
	for _, c := range []*client.Client{newClient(t, s), newClient(t, s, client.WithRateLimit(10, 1))} {
		err := rtGetUser(c, client.WithRateLimit(10, 1))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "WithRateLimit applies to a client")
	}
	assert.Empty(t, s.requests())
}

// TestRateLimitShared: one bucket for every goroutine and every call,
// per-call options or not.
func TestRateLimitShared(t *testing.T) {
	t.Parallel()
	s := newServer(t, pcOK())
	c := newClient(t, s, client.WithRateLimit(pcNever, 3))
	var wg sync.WaitGroup
	for _, opts := range [][]client.Option{nil, {client.WithHeader("X-Call", "2")}, {client.WithTimeout(time.Minute)}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, rtGetUser(c, opts...))
		}()
	}
	wg.Wait()
	require.Len(t, s.requests(), 3, "the burst of 3")
	for _, opts := range [][]client.Option{nil, {client.WithHeader("X-Call", "4")}} {
		_, err := c.GetUser(pcDeadline(t), "u1", opts...)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "waiting for the rate limit")
	}
	assert.Len(t, s.requests(), 3, "nothing sent without a token")
}

func TestRateLimitCancelWhileWaiting(t *testing.T) {
	t.Parallel()
	s := newServer(t, pcOK())
	c := newClient(t, s, client.WithRateLimit(pcNever, 1))
	require.NoError(t, rtGetUser(c))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := c.GetUser(ctx, "u1")
		done <- err
	}()
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	assert.Len(t, s.requests(), 1)
}

// TestRateLimitPacesRetries: a retry takes a token like any attempt.
func TestRateLimitPacesRetries(t *testing.T) {
	t.Parallel()
	s := newServer(t, rtSeq(rtStatus(503, rtErr(503, 1)), pcOK()))
	c := newClient(t, s, client.WithRateLimit(pcNever, 1))
	_, err := c.GetUser(pcDeadline(t), "u1")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Len(t, s.requests(), 1, "the retry waited for a token")
}

// TestRateLimitHoldsWhenNoneRemain: an answer saying the window is spent
// holds the next requests until it resets, unless that is further away
// than WithMaxRetryAfter.
func TestRateLimitHoldsWhenNoneRemain(t *testing.T) {
	t.Parallel()
	t.Run("held", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, pcOK("RateLimit-Limit", "100", "RateLimit-Remaining", "0", "RateLimit-Reset", "30"))
		c := newClient(t, s, client.WithRateLimit(1000, 10))
		require.NoError(t, rtGetUser(c))
		_, err := c.GetUser(pcDeadline(t), "u1")
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Len(t, s.requests(), 1)
	})
	t.Run("without RateLimit-Reset, Retry-After", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, pcOK("RateLimit-Remaining", "0", "Retry-After", "30"))
		c := newClient(t, s, client.WithRateLimit(1000, 10))
		require.NoError(t, rtGetUser(c))
		_, err := c.GetUser(pcDeadline(t), "u1")
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Len(t, s.requests(), 1)
	})
	t.Run("reset further than WithMaxRetryAfter", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, pcOK("RateLimit-Limit", "100", "RateLimit-Remaining", "0", "RateLimit-Reset", "3600"))
		c := newClient(t, s, client.WithRateLimit(1000, 10))
		for range 3 {
			require.NoError(t, rtGetUser(c))
		}
		assert.Len(t, s.requests(), 3)
	})
	t.Run("plenty remaining", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, pcOK("RateLimit-Limit", "100", "RateLimit-Remaining", "11", "RateLimit-Reset", "3600"))
		c := newClient(t, s, client.WithRateLimit(1000, 10), client.WithMaxRetryAfter(2*time.Hour))
		for range 3 {
			require.NoError(t, rtGetUser(c))
		}
		assert.Len(t, s.requests(), 3)
	})
	t.Run("a 429 holds the other calls", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, rtStatus(429, `{"type":"RateLimited"}`, "RateLimit-Limit", "100", "RateLimit-Remaining", "0", "RateLimit-Reset", "30"))
		c := newClient(t, s, client.WithRateLimit(1000, 10), client.WithMaxRetries(0))
		require.Error(t, rtGetUser(c))
		_, err := c.GetUser(pcDeadline(t), "u1")
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Len(t, s.requests(), 1)
	})
}

// TestRateLimitSpreadsLowBudget: with 1 request remaining of 100 until a
// reset 0.2 s away, requests go 0.1 s apart.
func TestRateLimitSpreadsLowBudget(t *testing.T) {
	t.Parallel()
	var times rtTimes
	s := newServer(t, times.wrap(pcOK("RateLimit-Limit", "100", "RateLimit-Remaining", "1", "RateLimit-Reset", "0.2")))
	c := newClient(t, s, client.WithRateLimit(1000, 10))
	for range 3 {
		require.NoError(t, rtGetUser(c))
	}
	at := times.get()
	require.Len(t, at, 3)
	for i := 1; i < len(at); i++ {
		assert.GreaterOrEqual(t, at[i].Sub(at[i-1]), 95*time.Millisecond, "request %d", i+1)
	}
}
