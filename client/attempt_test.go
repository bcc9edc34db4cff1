package client_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/client"
)

// atTransport records the context of every request it is given, and
// answers with the next of statuses (200 once they run out).
type atTransport struct {
	mu       sync.Mutex
	statuses []int
	ctxs     []context.Context
}

func (t *atTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ctxs = append(t.ctxs, req.Context())
	status, body := http.StatusOK, `{"conversation":{"id":"conv_1"}}`
	if len(t.statuses) > 0 {
		status, t.statuses = t.statuses[0], t.statuses[1:]
		body = `{"code":503,"type":"Unavailable","message":"later"}`
	}
	if req.Body != nil {
		_ = req.Body.Close()
	}
	return &http.Response{
		StatusCode: status,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(body)),
		Request:    req,
	}, nil
}

// atClient is a client whose requests go to rt, with a per-attempt timeout
// of timeout.
func atClient(t *testing.T, rt http.RoundTripper, timeout time.Duration) *client.Client {
	t.Helper()
	c, err := client.New(client.WithToken(testToken), client.WithBaseURL("http://api.test"),
		client.WithHTTPClient(&http.Client{Transport: rt}), client.WithTimeout(timeout),
		client.WithRetryDelay(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	return c
}

// TestAttemptTimeoutAppliesWhenTheCallerAllowsLonger checks that an
// attempt runs under the per-attempt timeout when the caller's context has
// no deadline, or a later one: the context the transport sees ends at the
// timeout, not at the caller's deadline.
func TestAttemptTimeoutAppliesWhenTheCallerAllowsLonger(t *testing.T) {
	const timeout = time.Hour
	for _, tc := range []struct {
		name     string
		deadline time.Duration // from now; 0 for none
	}{
		{"no deadline", 0},
		{"deadline later than the timeout", 10 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			var callerDeadline time.Time
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				callerDeadline = time.Now().Add(tc.deadline)
				ctx, cancel = context.WithDeadline(ctx, callerDeadline)
				defer cancel()
			}
			rt := &atTransport{}
			c := atClient(t, rt, timeout)
			before := time.Now()
			_, err := c.GetConversation(ctx, "conv_1")
			after := time.Now()
			require.NoError(t, err)
			require.Len(t, rt.ctxs, 1)
			got := rt.ctxs[0]
			assert.True(t, got != ctx, "the attempt runs under a context of its own")
			d, ok := got.Deadline()
			require.True(t, ok, "the attempt's context has a deadline")
			assert.False(t, d.Before(before.Add(timeout)), "deadline %v, before the timeout from the call's start", d)
			assert.False(t, d.After(after.Add(timeout)), "deadline %v, after the timeout from the call's end", d)
			if !callerDeadline.IsZero() {
				assert.True(t, d.Before(callerDeadline))
			}
			assert.ErrorIs(t, got.Err(), context.Canceled, "the attempt's context is released once the call returns")
		})
	}
}

// TestAttemptTimeoutSkippedWhenTheCallerEndsSooner checks that an attempt
// runs under the caller's own context, with no context of its own, when
// that ends no later than the per-attempt timeout would, or when there is
// no timeout; retries included.
func TestAttemptTimeoutSkippedWhenTheCallerEndsSooner(t *testing.T) {
	for _, tc := range []struct {
		name     string
		timeout  time.Duration
		deadline time.Duration // from now; 0 for none
	}{
		{"deadline sooner than the timeout", time.Hour, time.Minute},
		{"no timeout, no deadline", 0, 0},
		{"no timeout, a deadline", 0, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			var callerDeadline time.Time
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				callerDeadline = time.Now().Add(tc.deadline)
				ctx, cancel = context.WithDeadline(ctx, callerDeadline)
				defer cancel()
			}
			rt := &atTransport{statuses: []int{http.StatusServiceUnavailable}}
			c := atClient(t, rt, tc.timeout)
			_, err := c.GetConversation(ctx, "conv_1")
			require.NoError(t, err)
			require.Len(t, rt.ctxs, 2, "one retry")
			for i, got := range rt.ctxs {
				assert.True(t, got == ctx, "attempt %d runs under the caller's context", i+1)
				d, ok := got.Deadline()
				assert.Equal(t, !callerDeadline.IsZero(), ok)
				assert.True(t, d.Equal(callerDeadline), "attempt %d: deadline %v, want the caller's %v", i+1, d, callerDeadline)
			}
		})
	}
}

// TestAttemptTimeoutEachRetry checks that every attempt of a retried call
// gets a context of its own, each with the timeout.
func TestAttemptTimeoutEachRetry(t *testing.T) {
	rt := &atTransport{statuses: []int{http.StatusServiceUnavailable, http.StatusServiceUnavailable}}
	c := atClient(t, rt, time.Hour)
	ctx := context.Background()
	_, err := c.GetConversation(ctx, "conv_1")
	require.NoError(t, err)
	require.Len(t, rt.ctxs, 3)
	for i, got := range rt.ctxs {
		assert.True(t, got != ctx, "attempt %d", i+1)
		_, ok := got.Deadline()
		assert.True(t, ok, "attempt %d has a deadline", i+1)
		for j := range i {
			assert.True(t, got != rt.ctxs[j], "attempts %d and %d share a context", j+1, i+1)
		}
	}
}
