package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// rtSeq answers the n-th request (from 0) with steps[n]; the last step
// answers every request after it.
func rtSeq(steps ...http.HandlerFunc) http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i >= len(steps) {
			i = len(steps) - 1
		}
		steps[i](w, r)
	}
}

// rtStatus answers with status and body, plus the given header pairs.
func rtStatus(status int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		reply(w, status, body)
	}
}

// rtHijack closes the connection without answering: a network error for
// the client.
func rtHijack(w http.ResponseWriter, r *http.Request) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("response writer is not an http.Hijacker")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(err)
	}
	_ = conn.Close()
}

// rtHang blocks until the client goes away (or 5 s pass, so that a broken
// test cannot hang the server's Close).
func rtHang(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(rtHangFor):
	}
}

// rtHangFor is how long rtHang hangs when nothing cancels the request:
// far beyond the bounds the timeout tests check (rtCut), so that passing
// them proves the client cut the attempt, however loaded the machine.
const rtHangFor = 60 * time.Second

// rtCut bounds a call whose hung attempt the client must cut: generous,
// so that a loaded machine does not fail the test, and far below
// rtHangFor.
const rtCut = 15 * time.Second

// rtErr is an error body, numbered so the test can tell attempts apart.
func rtErr(status, n int) string {
	return fmt.Sprintf(`{"id":"err_%d","code":%d,"type":"Internal","message":"attempt %d"}`, n, status, n)
}

// rtTimes records when each request arrived, then hands it to next.
type rtTimes struct {
	mu sync.Mutex
	at []time.Time
}

func (rt *rtTimes) wrap(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		rt.mu.Lock()
		rt.at = append(rt.at, now)
		rt.mu.Unlock()
		next(w, r)
	}
}

func (rt *rtTimes) get() []time.Time {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]time.Time(nil), rt.at...)
}

// rtOp is one operation of each HTTP method, with a success body.
type rtOp struct {
	method string
	ok     string
	call   func(ctx context.Context, c *client.Client, opts ...client.Option) error
}

var rtUpdateBody = gen.UpdateUserJSONRequestBody{
	Name: nullable.NewNullableWithValue("Ada Lovelace"),
	Tags: client.NullableStrings(map[string]string{"channel": "web", "lang": "fr"}),
}

var rtMessageBody = gen.CreateMessageJSONRequestBody{
	ConversationID: "conv_1",
	UserID:         "user_1",
	Type:           "text",
	Payload:        message.Text("héllo, world"),
	Tags:           map[string]string{"k": "v"},
}

var rtPatchBody = gen.PatchStateJSONRequestBody{Payload: map[string]any{"count": 3.0}}

var rtOps = []rtOp{
	{http.MethodGet, `{"user":{"id":"u1"}}`, func(ctx context.Context, c *client.Client, opts ...client.Option) error {
		u, err := c.GetUser(ctx, "u1", opts...)
		if err == nil && u.User.ID != "u1" {
			return fmt.Errorf("got user %q", u.User.ID)
		}
		return err
	}},
	{http.MethodPut, `{"user":{"id":"u1"}}`, func(ctx context.Context, c *client.Client, opts ...client.Option) error {
		_, err := c.UpdateUser(ctx, "u1", rtUpdateBody, opts...)
		return err
	}},
	{http.MethodDelete, `{}`, func(ctx context.Context, c *client.Client, opts ...client.Option) error {
		return c.DeleteUser(ctx, "u1", opts...)
	}},
	{http.MethodPost, `{"message":{"id":"m1"}}`, func(ctx context.Context, c *client.Client, opts ...client.Option) error {
		_, err := c.CreateMessage(ctx, rtMessageBody, opts...)
		return err
	}},
	{http.MethodPatch, `{"state":{"id":"s1"}}`, func(ctx context.Context, c *client.Client, opts ...client.Option) error {
		_, err := c.PatchState(ctx, "user", "u1", "profile", rtPatchBody, opts...)
		return err
	}},
}

func rtGetUser(c *client.Client, opts ...client.Option) error {
	_, err := c.GetUser(context.Background(), "u1", opts...)
	return err
}

func rtAPIError(t *testing.T, err error) *bperrors.APIError {
	t.Helper()
	require.Error(t, err)
	var apiErr *bperrors.APIError
	require.ErrorAs(t, err, &apiErr)
	return apiErr
}

func TestRetryGetSucceedsAfterTwo503(t *testing.T) {
	t.Parallel()
	s := newServer(t, rtSeq(
		rtStatus(503, rtErr(503, 1)),
		rtStatus(503, rtErr(503, 2)),
		rtStatus(200, `{"user":{"id":"u1","name":"Ada"}}`),
	))
	c := newClient(t, s)
	u, err := c.GetUser(context.Background(), "u1")
	require.NoError(t, err)
	assert.Equal(t, "u1", u.User.ID)
	require.NotNil(t, u.User.Name)
	assert.Equal(t, "Ada", *u.User.Name)
	reqs := s.requests()
	require.Len(t, reqs, 3)
	for _, r := range reqs {
		assert.Equal(t, http.MethodGet, r.Method)
		assert.Equal(t, "/v1/chat/users/u1", r.Path)
		// Every attempt carries the same authentication and scope.
		assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
		assert.Equal(t, "bot_1", r.Header.Get("x-bot-id"))
	}
}

func TestRetryDefaultIsThreeRetriesThenLastError(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 503, rtErr(503, int(n.Add(1))))
	})
	c := newClient(t, s)
	err := rtGetUser(c)
	apiErr := rtAPIError(t, err)
	assert.Len(t, s.requests(), 4, "default: 1 attempt + 3 retries")
	assert.Equal(t, 503, apiErr.StatusCode)
	assert.Equal(t, "attempt 4", apiErr.Message, "the error of the last attempt is returned")
	assert.Equal(t, "err_4", apiErr.ID)
	assert.Equal(t, "getUser", apiErr.Operation)
	assert.Equal(t, http.MethodGet, apiErr.Method)
	assert.Equal(t, "/v1/chat/users/u1", apiErr.Path)
	assert.ErrorIs(t, err, bperrors.ErrInternal)
}

func TestRetryMaxRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		retries  int
		perCall  bool
		attempts int
	}{
		{0, false, 1},
		{1, false, 2},
		{5, false, 6},
		{0, true, 1},
		{5, true, 6},
	} {
		t.Run(fmt.Sprintf("retries=%d/perCall=%v", tc.retries, tc.perCall), func(t *testing.T) {
			t.Parallel()
			s := newServer(t, rtStatus(503, rtErr(503, 0)))
			var err error
			if tc.perCall {
				err = rtGetUser(newClient(t, s), client.WithMaxRetries(tc.retries))
			} else {
				err = rtGetUser(newClient(t, s, client.WithMaxRetries(tc.retries)))
			}
			assert.Equal(t, 503, rtAPIError(t, err).StatusCode)
			assert.Len(t, s.requests(), tc.attempts)
		})
	}
}

func TestRetryPerCallMaxRetriesDoesNotStick(t *testing.T) {
	t.Parallel()
	s := newServer(t, rtStatus(503, rtErr(503, 0)))
	c := newClient(t, s)
	require.Error(t, rtGetUser(c, client.WithMaxRetries(0)))
	require.Len(t, s.requests(), 1)
	require.Error(t, rtGetUser(c))
	assert.Len(t, s.requests(), 1+4, "the next call uses the client's default again")
}

func TestRetryByStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status  int
		retried bool
	}{
		{429, true}, {500, true}, {502, true}, {503, true}, {504, true},
		{400, false}, {401, false}, {403, false}, {404, false}, {409, false}, {422, false},
	} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			t.Parallel()
			s := newServer(t, rtStatus(tc.status, rtErr(tc.status, 1)))
			err := rtGetUser(newClient(t, s, client.WithMaxRetries(2)))
			assert.Equal(t, tc.status, rtAPIError(t, err).StatusCode)
			want := 1
			if tc.retried {
				want = 3
			}
			assert.Len(t, s.requests(), want)
		})
	}
}

func TestRetry429ThenSuccess(t *testing.T) {
	t.Parallel()
	s := newServer(t, rtSeq(
		rtStatus(429, `{"type":"RateLimited","message":"slow down"}`),
		rtStatus(200, `{"user":{"id":"u1"}}`),
	))
	require.NoError(t, rtGetUser(newClient(t, s)))
	assert.Len(t, s.requests(), 2)
}

// TestRetry429AnyMethod: a request the rate limiter refused was not
// processed, so a 429 is retried whatever the method, POST and PATCH
// included, with the same body; a 503 to a POST or a PATCH is not (see
// TestRetryByMethod).
func TestRetry429AnyMethod(t *testing.T) {
	t.Parallel()
	for _, op := range rtOps {
		t.Run(op.method, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, rtSeq(
				rtStatus(429, `{"id":"err_rl","code":429,"type":"RateLimited","message":"Too many requests"}`,
					"RateLimit-Limit", "100", "RateLimit-Remaining", "0", "RateLimit-Reset", "0.001"),
				rtStatus(429, `{"type":"RateLimited"}`, "retry-after-ms", "1"),
				rtStatus(200, op.ok),
			))
			require.NoError(t, op.call(context.Background(), newClient(t, s)))
			reqs := s.requests()
			require.Len(t, reqs, 3)
			for i, r := range reqs {
				assert.Equal(t, op.method, r.Method)
				assert.Equal(t, string(reqs[0].Body), string(r.Body), "attempt %d sends the same body", i+1)
			}
		})
	}
}

// TestRetry429Wait: the wait after a 429 is Retry-After, else
// RateLimit-Reset, else the backoff; a wait longer than WithMaxRetryAfter
// ends the retries. A 5xx does not wait for RateLimit-Reset.
func TestRetry429Wait(t *testing.T) {
	t.Parallel()
	const max = time.Second
	for _, tc := range []struct {
		name    string
		status  int
		header  []string
		retried bool
	}{
		{"Retry-After wins over RateLimit-Reset", 429, []string{"retry-after-ms", "1", "RateLimit-Reset", "120"}, true},
		{"RateLimit-Reset longer than the max", 429, []string{"RateLimit-Remaining", "0", "RateLimit-Reset", "120"}, false},
		{"RateLimit-Reset 0 means the backoff", 429, []string{"RateLimit-Remaining", "0", "RateLimit-Reset", "0"}, true},
		{"bad RateLimit-Reset means the backoff", 429, []string{"RateLimit-Reset", "soon"}, true},
		{"no header means the backoff", 429, nil, true},
		{"a 503 ignores RateLimit-Reset", 503, []string{"RateLimit-Remaining", "0", "RateLimit-Reset", "120"}, true},
		{"a 503 honours Retry-After", 503, []string{"Retry-After", "120"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, rtSeq(rtStatus(tc.status, rtErr(tc.status, 1), tc.header...), rtStatus(200, `{"user":{"id":"u1"}}`)))
			err := rtGetUser(newClient(t, s, client.WithMaxRetryAfter(max)))
			if tc.retried {
				require.NoError(t, err)
				assert.Len(t, s.requests(), 2)
				return
			}
			assert.Equal(t, tc.status, rtAPIError(t, err).StatusCode)
			assert.Len(t, s.requests(), 1)
		})
	}
}

func TestRetry429WaitsForRateLimitReset(t *testing.T) {
	t.Parallel()
	var times rtTimes
	s := newServer(t, times.wrap(rtSeq(
		rtStatus(429, `{"type":"RateLimited"}`, "RateLimit-Limit", "100", "RateLimit-Remaining", "0", "RateLimit-Reset", "0.2"),
		rtStatus(200, `{"message":{"id":"m1"}}`),
	)))
	_, err := newClient(t, s).CreateMessage(context.Background(), rtMessageBody)
	require.NoError(t, err)
	at := times.get()
	require.Len(t, at, 2)
	assert.GreaterOrEqual(t, at[1].Sub(at[0]), 190*time.Millisecond, "RateLimit-Reset: 0.2 must be honoured")
}

// TestRetry429ErrorCarriesRateLimit: the 429 that ends the retries tells
// the caller what the server said about the limit.
func TestRetry429ErrorCarriesRateLimit(t *testing.T) {
	t.Parallel()
	s := newServer(t, rtStatus(429, `{"id":"err_rl","code":429,"type":"RateLimited","message":"Too many requests"}`,
		"RateLimit-Limit", "100", "RateLimit-Remaining", "0", "RateLimit-Reset", "1", "retry-after-ms", "2"))
	_, err := newClient(t, s, client.WithMaxRetries(2)).CreateMessage(context.Background(), rtMessageBody)
	apiErr := rtAPIError(t, err)
	assert.ErrorIs(t, err, bperrors.ErrRateLimited)
	assert.Len(t, s.requests(), 3, "a POST refused with 429 is retried")
	require.NotNil(t, apiErr.RateLimit)
	assert.Equal(t, bperrors.RateLimit{Limit: 100, Remaining: 0, Reset: time.Second, HasLimit: true, HasRemaining: true, HasReset: true}, *apiErr.RateLimit)
	assert.True(t, apiErr.HasRetryAfter)
	assert.Equal(t, 2*time.Millisecond, apiErr.RetryAfter)
}

func TestRetryNotFoundIsNotRetried(t *testing.T) {
	t.Parallel()
	s := newServer(t, rtStatus(404, `{"id":"err_nf","code":404,"type":"ResourceNotFound","message":"User not found"}`))
	err := rtGetUser(newClient(t, s))
	apiErr := rtAPIError(t, err)
	assert.Equal(t, 404, apiErr.StatusCode)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	assert.Len(t, s.requests(), 1)
}

// TestRetryByMethod: idempotent methods are retried on 5xx and on network
// errors; POST and PATCH only when the call says WithIdempotent.
func TestRetryByMethod(t *testing.T) {
	t.Parallel()
	failures := []struct {
		name string
		fail http.HandlerFunc
		api  bool
	}{
		{"503", rtStatus(503, rtErr(503, 1)), true},
		{"network", rtHijack, false},
	}
	for _, op := range rtOps {
		for _, f := range failures {
			for _, idem := range []bool{false, true} {
				name := fmt.Sprintf("%s/%s/idempotent=%v", op.method, f.name, idem)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					s := newServer(t, rtSeq(f.fail, rtStatus(200, op.ok)))
					c := newClient(t, s)
					var opts []client.Option
					if idem {
						opts = append(opts, client.WithIdempotent())
					}
					err := op.call(context.Background(), c, opts...)
					retried := idem || (op.method != http.MethodPost && op.method != http.MethodPatch)
					reqs := s.requests()
					for _, r := range reqs {
						assert.Equal(t, op.method, r.Method)
					}
					if retried {
						assert.NoError(t, err)
						assert.Len(t, reqs, 2)
						return
					}
					require.Error(t, err)
					assert.Len(t, reqs, 1, "%s must not be retried", op.method)
					var apiErr *bperrors.APIError
					if f.api {
						require.ErrorAs(t, err, &apiErr)
						assert.Equal(t, 503, apiErr.StatusCode)
					} else {
						assert.False(t, errors.As(err, &apiErr), "a network error is no APIError: %v", err)
					}
				})
			}
		}
	}
}

func TestRetryIdempotentOnNewFails(t *testing.T) {
	t.Parallel()
	c, err := client.New(client.WithToken(testToken), client.WithIdempotent())
	require.Error(t, err)
	assert.Nil(t, c)
	assert.Contains(t, err.Error(), "WithIdempotent")
}

func TestRetryResendsBodyIntact(t *testing.T) {
	t.Parallel()
	t.Run("PUT", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, rtSeq(
			rtStatus(503, rtErr(503, 1)),
			rtHijack,
			rtStatus(502, rtErr(502, 3)),
			rtStatus(200, `{"user":{"id":"u1"}}`),
		))
		_, err := newClient(t, s).UpdateUser(context.Background(), "u1", rtUpdateBody)
		require.NoError(t, err)
		want, err := json.Marshal(rtUpdateBody)
		require.NoError(t, err)
		reqs := s.requests()
		require.Len(t, reqs, 4)
		for i, r := range reqs {
			assert.Equal(t, http.MethodPut, r.Method)
			assert.Equal(t, string(want), string(r.Body), "attempt %d", i+1)
			assert.JSONEq(t, `{"name":"Ada Lovelace","tags":{"channel":"web","lang":"fr"}}`, string(r.Body))
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		}
	})
	t.Run("POST idempotent", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, rtSeq(
			rtStatus(503, rtErr(503, 1)),
			rtStatus(503, rtErr(503, 2)),
			rtStatus(200, `{"message":{"id":"m1"}}`),
		))
		_, err := newClient(t, s).CreateMessage(context.Background(), rtMessageBody, client.WithIdempotent())
		require.NoError(t, err)
		want, err := json.Marshal(rtMessageBody)
		require.NoError(t, err)
		reqs := s.requests()
		require.Len(t, reqs, 3)
		for i, r := range reqs {
			assert.Equal(t, string(want), string(r.Body), "attempt %d", i+1)
		}
	})
}

func TestRetryAfterSeconds(t *testing.T) {
	t.Parallel()
	var times rtTimes
	s := newServer(t, times.wrap(rtSeq(
		rtStatus(429, `{"type":"RateLimited","message":"slow down"}`, "Retry-After", "1"),
		rtStatus(200, `{"user":{"id":"u1"}}`),
	)))
	require.NoError(t, rtGetUser(newClient(t, s)))
	at := times.get()
	require.Len(t, at, 2)
	gap := at[1].Sub(at[0])
	assert.GreaterOrEqual(t, gap, 950*time.Millisecond, "Retry-After: 1 must be honoured")
	assert.Less(t, gap, 2500*time.Millisecond)
}

func TestRetryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	var times rtTimes
	var whenNano atomic.Int64
	first := func(w http.ResponseWriter, r *http.Request) {
		// An HTTP date has whole seconds: pick one 0.3 s to 1.3 s ahead.
		when := time.Now().Add(1300 * time.Millisecond).Truncate(time.Second)
		whenNano.Store(when.UnixNano())
		w.Header().Set("Retry-After", when.UTC().Format(http.TimeFormat))
		reply(w, 503, rtErr(503, 1))
	}
	s := newServer(t, times.wrap(rtSeq(first, rtStatus(200, `{"user":{"id":"u1"}}`))))
	require.NoError(t, rtGetUser(newClient(t, s)))
	at := times.get()
	require.Len(t, at, 2)
	when := time.Unix(0, whenNano.Load())
	assert.False(t, at[1].Before(when.Add(-20*time.Millisecond)),
		"retried at %v, before the Retry-After date %v", at[1], when)
	gap := at[1].Sub(at[0])
	assert.GreaterOrEqual(t, gap, 250*time.Millisecond, "waited only the backoff, not the Retry-After date")
	assert.Less(t, gap, 2500*time.Millisecond)
}

func TestRetryAfterMs(t *testing.T) {
	t.Parallel()
	var times rtTimes
	s := newServer(t, times.wrap(rtSeq(
		rtStatus(429, `{"type":"RateLimited"}`, "retry-after-ms", "200"),
		rtStatus(200, `{"user":{"id":"u1"}}`),
	)))
	require.NoError(t, rtGetUser(newClient(t, s)))
	at := times.get()
	require.Len(t, at, 2)
	gap := at[1].Sub(at[0])
	assert.GreaterOrEqual(t, gap, 190*time.Millisecond, "retry-after-ms: 200 must be honoured")
	assert.Less(t, gap, 1500*time.Millisecond)
}

func TestRetryAfterLongerThanMaxStops(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		header []string
		max    time.Duration
	}{
		{"seconds", []string{"Retry-After", "120"}, time.Second},
		{"ms", []string{"retry-after-ms", "5000"}, time.Second},
		{"date", []string{"Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}, time.Minute},
		{"default max is 60s", []string{"Retry-After", "61"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, rtStatus(429, `{"id":"err_rl","type":"RateLimited","message":"slow down"}`, tc.header...))
			var opts []client.Option
			if tc.max > 0 {
				opts = append(opts, client.WithMaxRetryAfter(tc.max))
			}
			start := time.Now()
			err := rtGetUser(newClient(t, s, opts...))
			assert.Less(t, time.Since(start), time.Second, "must not wait")
			apiErr := rtAPIError(t, err)
			assert.Equal(t, 429, apiErr.StatusCode)
			assert.ErrorIs(t, err, bperrors.ErrRateLimited)
			assert.Len(t, s.requests(), 1)
		})
	}
}

func TestRetryNetworkErrorOnGet(t *testing.T) {
	t.Parallel()
	t.Run("then success", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, rtSeq(rtHijack, rtStatus(200, `{"user":{"id":"u1"}}`)))
		require.NoError(t, rtGetUser(newClient(t, s)))
		assert.Len(t, s.requests(), 2)
	})
	t.Run("every attempt fails", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, rtHijack)
		err := rtGetUser(newClient(t, s))
		require.Error(t, err)
		var apiErr *bperrors.APIError
		assert.False(t, errors.As(err, &apiErr))
		assert.Len(t, s.requests(), 4)
		assert.Contains(t, err.Error(), "getUser")
	})
}

func TestRetryContextCancelledDuringBackoff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		header []string
	}{
		{"Retry-After", []string{"Retry-After", "30"}},
		{"backoff", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan struct{}, 10)
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				for i := 0; i+1 < len(tc.header); i += 2 {
					w.Header().Set(tc.header[i], tc.header[i+1])
				}
				reply(w, 503, rtErr(503, 1))
				got <- struct{}{}
			})
			// Without Retry-After, a 30 s backoff keeps the client waiting.
			c := newClient(t, s, client.WithRetryDelay(30*time.Second, 30*time.Second))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				<-got // the 503 is sent: the client reads it, then waits 30 s
				cancel()
			}()
			start := time.Now()
			_, err := c.GetUser(ctx, "u1")
			elapsed := time.Since(start)
			require.Error(t, err)
			assert.ErrorIs(t, err, context.Canceled)
			assert.Less(t, elapsed, 2*time.Second)
			s.Close() // waits for any request still being handled
			assert.Len(t, s.requests(), 1, "no request after the cancel")
		})
	}
}

func TestRetryContextDeadlineDuringBackoff(t *testing.T) {
	t.Parallel()
	s := newServer(t, rtStatus(503, rtErr(503, 1), "Retry-After", "30"))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := newClient(t, s).GetUser(ctx, "u1")
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Len(t, s.requests(), 1)
}

func TestRetryContextCancelledInFlight(t *testing.T) {
	t.Parallel()
	got := make(chan struct{}, 10)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		got <- struct{}{}
		rtHang(w, r)
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-got
		cancel()
	}()
	start := time.Now()
	_, err := newClient(t, s).GetUser(ctx, "u1")
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 2*time.Second)
	s.Close() // waits for any request still being handled
	assert.Len(t, s.requests(), 1, "a cancelled call is not retried")
}

func TestRetryContextCancelledBeforeCall(t *testing.T) {
	t.Parallel()
	s := newServer(t, rtStatus(200, `{"user":{"id":"u1"}}`))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newClient(t, s).GetUser(ctx, "u1")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, s.requests())
}

// TestRetryPerAttemptTimeout: where an attempt after a hung one must
// succeed, the timeout leaves room for a loaded machine (-race, 2 cores).
func TestRetryPerAttemptTimeout(t *testing.T) {
	t.Parallel()
	t.Run("hang on first attempt, then fast", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, rtSeq(rtHang, rtStatus(200, `{"user":{"id":"u1"}}`)))
		start := time.Now()
		require.NoError(t, rtGetUser(newClient(t, s, client.WithTimeout(time.Second))))
		assert.Less(t, time.Since(start), rtCut)
		assert.Len(t, s.requests(), 2)
	})
	t.Run("per call", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, rtSeq(rtHang, rtStatus(200, `{"user":{"id":"u1"}}`)))
		start := time.Now()
		require.NoError(t, rtGetUser(newClient(t, s), client.WithTimeout(time.Second)))
		assert.Less(t, time.Since(start), rtCut)
		assert.Len(t, s.requests(), 2)
	})
	t.Run("hang while sending the body, then fast", func(t *testing.T) {
		t.Parallel()
		slowBody := func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			_, _ = w.Write([]byte(`{"user":`))
			w.(http.Flusher).Flush()
			rtHang(w, r)
		}
		s := newServer(t, rtSeq(slowBody, rtStatus(200, `{"user":{"id":"u1"}}`)))
		start := time.Now()
		require.NoError(t, rtGetUser(newClient(t, s, client.WithTimeout(time.Second))))
		assert.Less(t, time.Since(start), rtCut)
		assert.Len(t, s.requests(), 2)
	})
	t.Run("every attempt hangs", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, rtHang)
		start := time.Now()
		err := rtGetUser(newClient(t, s, client.WithTimeout(30*time.Millisecond), client.WithMaxRetries(1)))
		require.Error(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), rtCut)
		assert.Len(t, s.requests(), 2)
	})
	t.Run("POST is not retried after a timeout", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, rtSeq(rtHang, rtStatus(200, `{"message":{"id":"m1"}}`)))
		_, err := newClient(t, s, client.WithTimeout(50*time.Millisecond)).CreateMessage(context.Background(), rtMessageBody)
		require.Error(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Len(t, s.requests(), 1)
	})
}
