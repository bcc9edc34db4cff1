package client

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
)

// aiTransport records every request it is given and answers with the next
// of statuses (200 once they run out).
type aiTransport struct {
	mu       sync.Mutex
	statuses []int
	reqs     []*http.Request
}

func (t *aiTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.reqs = append(t.reqs, req)
	status := http.StatusOK
	if len(t.statuses) > 0 {
		status, t.statuses = t.statuses[0], t.statuses[1:]
	}
	return &http.Response{
		StatusCode: status,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(`{"conversation":{"id":"conv_1"}}`)),
		Request:    req,
	}, nil
}

type aiKey struct{}

// TestFirstAttemptSendsTheBuiltRequest checks that the request newRequest
// builds is the one the transport gets for the first attempt, not a copy,
// carrying the context the attempt runs under (the caller's own when no
// per-attempt context is needed); and that a retry sends a copy with a
// context of its own and the same URL and header.
func TestFirstAttemptSendsTheBuiltRequest(t *testing.T) {
	for _, tc := range []struct {
		name        string
		timeout     time.Duration
		callerLimit time.Duration // the caller's deadline, from now; 0 for none
		own         bool          // whether the attempt needs a context of its own
	}{
		{"no timeout", 0, 0, false},
		{"caller's deadline sooner than the timeout", time.Hour, time.Minute, false},
		{"timeout", time.Hour, 0, true},
		{"timeout sooner than the caller's deadline", time.Hour, 2 * time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := &aiTransport{statuses: []int{http.StatusServiceUnavailable}}
			c, err := New(WithToken("bp_pat_test"), WithBaseURL("http://api.test/prefix"),
				WithHTTPClient(&http.Client{Transport: rt}), WithTimeout(tc.timeout),
				WithRetryDelay(time.Millisecond, time.Millisecond))
			require.NoError(t, err)
			ctx := context.WithValue(context.Background(), aiKey{}, "caller")
			if tc.callerLimit > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.callerLimit)
				defer cancel()
			}
			var built []*http.Request
			build := func(ctx context.Context, base *endpoint) (*http.Request, error) {
				r, err := newRequest(ctx, base, "GET", nil, "/v1/chat/conversations/%s", "conv_1")
				built = append(built, r)
				return r, err
			}
			op := operation{name: "getConversation", method: "GET", path: "/v1/chat/conversations/{id}"}
			_, err = c.send(ctx, op, build, nil)
			require.NoError(t, err)
			require.Len(t, built, 1, "the request is built once")
			require.Len(t, rt.reqs, 2, "one retry")

			first, retry := rt.reqs[0], rt.reqs[1]
			assert.Same(t, built[0], first, "the first attempt sends the request built, not a copy")
			if tc.own {
				assert.True(t, first.Context() != ctx, "the first attempt has a context of its own")
				assert.Equal(t, "caller", first.Context().Value(aiKey{}), "derived from the caller's")
			} else {
				assert.True(t, first.Context() == ctx, "the first attempt runs under the caller's context")
			}
			assert.NotSame(t, first, retry, "a retry sends a copy")
			assert.Same(t, first.URL, retry.URL)
			assert.Equal(t, "http://api.test/prefix/v1/chat/conversations/conv_1", retry.URL.String())
			assert.Equal(t, first.Header, retry.Header)
			if tc.own {
				assert.True(t, retry.Context() != first.Context(), "the retry has a context of its own")
			} else {
				assert.True(t, retry.Context() == ctx)
			}
		})
	}
}
