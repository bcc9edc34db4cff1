package bptest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

// rlClock is a clock that moves only when told to.
type rlClock struct {
	mu sync.Mutex
	t  time.Time
}

func newRLClock() *rlClock { return &rlClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *rlClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *rlClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// rlAnswer is what a raw request got.
type rlAnswer struct {
	status int
	header http.Header
	body   map[string]any
}

// rlDo sends a raw request with the server's token.
func rlDo(t *testing.T, srv *bptest.Server, method, path, body string) rlAnswer {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+srv.Token)
	req.Header.Set("x-bot-id", srv.BotID)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := rlAnswer{status: resp.StatusCode, header: resp.Header}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

// rlHeaders returns the three rate-limit headers of an answer.
func rlHeaders(a rlAnswer) [3]string {
	return [3]string{a.header.Get("RateLimit-Limit"), a.header.Get("RateLimit-Remaining"), a.header.Get("RateLimit-Reset")}
}

func TestRateLimitHeadersAndRefusal(t *testing.T) {
	clock := newRLClock()
	srv := bptest.Start(t, bptest.WithRateLimit(bptest.RateLimit{Requests: 3, Window: time.Second, Now: clock.now}))

	a := rlDo(t, srv, http.MethodPost, "/v1/chat/users", `{"tags":{"n":"1"}}`)
	assert.Equal(t, http.StatusCreated, a.status)
	assert.Equal(t, [3]string{"3", "2", "1"}, rlHeaders(a))
	clock.add(300 * time.Millisecond)
	a = rlDo(t, srv, http.MethodGet, "/v1/chat/users/user_missing", "")
	assert.Equal(t, http.StatusNotFound, a.status)
	assert.Equal(t, [3]string{"3", "1", "1"}, rlHeaders(a), "an error answer counts and carries the headers")
	clock.add(300 * time.Millisecond)
	a = rlDo(t, srv, http.MethodGet, "/v1/chat/users", "")
	assert.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, [3]string{"3", "0", "1"}, rlHeaders(a))

	// Full: refused, and not processed.
	clock.add(300 * time.Millisecond)
	a = rlDo(t, srv, http.MethodPost, "/v1/chat/users", `{"tags":{"n":"2"}}`)
	assert.Equal(t, http.StatusTooManyRequests, a.status)
	assert.Equal(t, [3]string{"3", "0", "1"}, rlHeaders(a))
	assert.Equal(t, "1", a.header.Get("Retry-After"), "100 ms until the first request leaves, rounded up")
	assert.Equal(t, "100", a.header.Get("Retry-After-Ms"))
	assert.Equal(t, "RateLimited", a.body["type"])
	assert.EqualValues(t, 429, a.body["code"])
	assert.NotEmpty(t, a.body["id"])
	assert.NotEmpty(t, a.body["message"])
	assert.Equal(t, bptest.RateLimitStats{Admitted: 3, Refused: 1}, srv.RateLimitStats())

	// The first request leaves the window a second after it came.
	clock.add(100 * time.Millisecond)
	a = rlDo(t, srv, http.MethodGet, "/v1/chat/users", "")
	assert.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, [3]string{"3", "0", "1"}, rlHeaders(a))
	var users struct {
		Users []gen.User `json:"users"`
	}
	raw, _ := json.Marshal(a.body)
	require.NoError(t, json.Unmarshal(raw, &users))
	require.Len(t, users.Users, 1, "the refused createUser created nothing")
	assert.Equal(t, "1", users.Users[0].Tags["n"])

	// Off: no headers, no limit.
	srv.SetRateLimit(bptest.RateLimit{})
	for range 5 {
		a = rlDo(t, srv, http.MethodGet, "/v1/chat/users", "")
		assert.Equal(t, http.StatusOK, a.status)
		assert.Empty(t, a.header.Get("RateLimit-Limit"))
	}
	assert.Equal(t, bptest.RateLimitStats{Admitted: 4, Refused: 1}, srv.RateLimitStats())
}

// TestRateLimitShortWindow: under a second, RateLimit-Reset keeps its
// milliseconds.
func TestRateLimitShortWindow(t *testing.T) {
	clock := newRLClock()
	srv := bptest.Start(t)
	srv.SetRateLimit(bptest.RateLimit{Requests: 2, Window: 100 * time.Millisecond, Now: clock.now})
	a := rlDo(t, srv, http.MethodGet, "/v1/chat/users", "")
	assert.Equal(t, [3]string{"2", "1", "0.1"}, rlHeaders(a))
	clock.add(30 * time.Millisecond)
	a = rlDo(t, srv, http.MethodGet, "/v1/chat/users", "")
	assert.Equal(t, [3]string{"2", "0", "0.1"}, rlHeaders(a), "until the newest leaves")
	clock.add(25*time.Millisecond + 500*time.Microsecond)
	a = rlDo(t, srv, http.MethodGet, "/v1/chat/users", "")
	assert.Equal(t, http.StatusTooManyRequests, a.status)
	assert.Equal(t, [3]string{"2", "0", "0.075"}, rlHeaders(a), "74.5 ms rounded up")
	assert.Equal(t, "1", a.header.Get("Retry-After"))
	assert.Equal(t, "45", a.header.Get("Retry-After-Ms"), "44.5 ms until the oldest leaves, rounded up")
	clock.add(45 * time.Millisecond)
	a = rlDo(t, srv, http.MethodGet, "/v1/chat/users", "")
	assert.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, [3]string{"2", "0", "0.1"}, rlHeaders(a))
}

// TestRateLimitConcurrent: with the clock standing still, exactly the
// limit gets through, whatever the number of goroutines.
func TestRateLimitConcurrent(t *testing.T) {
	clock := newRLClock()
	srv := bptest.Start(t)
	srv.SetRateLimit(bptest.RateLimit{Requests: 25, Now: clock.now})
	c := srv.Client(client.WithMaxRetries(0))
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				_, err := c.GetAccount(context.Background())
				status := 200
				var apiErr *bperrors.APIError
				if errors.As(err, &apiErr) {
					status = apiErr.StatusCode
				}
				mu.Lock()
				statuses[status]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, map[int]int{200: 25, 429: 55}, statuses)
	assert.Equal(t, bptest.RateLimitStats{Admitted: 25, Refused: 55}, srv.RateLimitStats())
}

// TestRateLimitSDKView: what the SDK makes of the headers.
func TestRateLimitSDKView(t *testing.T) {
	clock := newRLClock()
	srv := bptest.Start(t, bptest.WithRateLimit(bptest.RateLimit{Requests: 1, Window: time.Second, Now: clock.now}))
	c := srv.Client(client.WithMaxRetries(0))
	_, err := c.GetAccount(context.Background())
	require.NoError(t, err)
	clock.add(250 * time.Millisecond)
	_, err = c.GetAccount(context.Background())
	require.ErrorIs(t, err, bperrors.ErrRateLimited)
	var apiErr *bperrors.APIError
	require.ErrorAs(t, err, &apiErr)
	require.NotNil(t, apiErr.RateLimit)
	assert.Equal(t, bperrors.RateLimit{Limit: 1, Remaining: 0, Reset: time.Second, HasLimit: true, HasRemaining: true, HasReset: true}, *apiErr.RateLimit)
	assert.True(t, apiErr.HasRetryAfter)
	assert.Equal(t, 750*time.Millisecond, apiErr.RetryAfter)
}

// TestRateLimitStorageNotCounted: the file storage is another service.
func TestRateLimitStorageNotCounted(t *testing.T) {
	srv := bptest.Start(t, bptest.WithRateLimit(bptest.RateLimit{Requests: 1000}))
	c := srv.Client()
	ctx := context.Background()
	_, err := c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{Key: "a.txt"}, client.FileFromBytes([]byte("hello")))
	require.NoError(t, err)
	assert.Equal(t, bptest.RateLimitStats{Admitted: 1}, srv.RateLimitStats(), "upsertFile only, not the PUT to storage")
}

// TestRateLimitClockBack: a clock that goes back does no harm.
func TestRateLimitClockBack(t *testing.T) {
	clock := newRLClock()
	srv := bptest.Start(t)
	srv.SetRateLimit(bptest.RateLimit{Requests: 2, Window: time.Second, Now: clock.now})
	rlDo(t, srv, http.MethodGet, "/v1/chat/users", "")
	clock.add(-time.Hour)
	a := rlDo(t, srv, http.MethodGet, "/v1/chat/users", "")
	assert.Equal(t, http.StatusOK, a.status)
	a = rlDo(t, srv, http.MethodGet, "/v1/chat/users", "")
	assert.Equal(t, http.StatusTooManyRequests, a.status)
	assert.NotEmpty(t, a.header.Get("RateLimit-Reset"))
	assert.NotContains(t, a.header.Get("RateLimit-Reset"), "-")
}

// The server limits requests as the API does: here 2 a second, on a clock
// that stands still so that the window never moves.
func ExampleServer_SetRateLimit() {
	srv, err := bptest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	now := time.Now()
	srv.SetRateLimit(bptest.RateLimit{Requests: 2, Window: time.Second, Now: func() time.Time { return now }})

	c := srv.Client(client.WithMaxRetries(0))
	for range 3 {
		_, err := c.GetAccount(context.Background())
		var apiErr *bperrors.APIError
		if errors.As(err, &apiErr) {
			fmt.Println(apiErr.StatusCode, apiErr.Type, "- remaining:", apiErr.RateLimit.Remaining, "- retry after:", apiErr.RetryAfter)
			continue
		}
		fmt.Println("ok")
	}
	fmt.Printf("%+v\n", srv.RateLimitStats())
	// Output:
	// ok
	// ok
	// 429 RateLimited - remaining: 0 - retry after: 1s
	// {Admitted:2 Refused:1}
}
