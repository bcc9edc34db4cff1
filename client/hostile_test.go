package client_test

// Tests of issue 18 (items 4 to 6): one prefix per message, retries of
// requests that never left, walkers that stop, and hostile servers.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/internal/testutil"
)

func TestOnePrefixPerMessage(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 400, `{"type":"InvalidPayload","message":"bad key"}`)
	})
	c := newClient(t, s, client.WithMaxRetries(0))
	ctx := context.Background()

	_, err := c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{Key: "x.txt"}, client.FileFromBytes([]byte("hi")))
	testutil.OnePrefix(t, err)
	assert.Equal(t, `botpress: uploading file "x.txt": upsertFile: 400 InvalidPayload: bad key`, err.Error())

	_, err = c.DownloadFile(ctx, "file_1", io.Discard)
	testutil.OnePrefix(t, err)

	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	_, err = c.GetBot(ctx2, "bot_1")
	testutil.OnePrefix(t, err)
	for _, err := range c.AllConversations(ctx2, nil) {
		testutil.OnePrefix(t, err)
	}
}

// A POST whose connection was refused never left: it is retried.
func TestRefusedPostIsRetried(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now: connections are refused
	var dials atomic.Int32
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, a)
	}}}
	c, err := client.New(client.WithToken(testToken), client.WithBaseURL("http://"+addr), client.WithHTTPClient(hc),
		client.WithMaxRetries(2), client.WithRetryDelay(time.Millisecond, 2*time.Millisecond))
	require.NoError(t, err)
	_, err = c.CreateUser(context.Background(), gen.CreateUserBody{})
	require.Error(t, err)
	testutil.OnePrefix(t, err)
	assert.EqualValues(t, 3, dials.Load(), "a refused POST is sent again: it never left")
}

// hugeChunk is what writeHuge repeats, made once so that the servers'
// allocations stay out of the measures.
var hugeChunk = bytes.Repeat([]byte("x"), 1<<20)

// writeHuge writes a JSON object of about n bytes whose message is n
// bytes of x, one chunk at a time, stopping when the client goes away.
func writeHuge(w http.ResponseWriter, status int, prefix string, n int) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(prefix)+n+1+strings.Count(prefix, "{")))
	w.WriteHeader(status)
	if _, err := io.WriteString(w, prefix); err != nil {
		return
	}
	for n > 0 {
		c := hugeChunk[:min(n, len(hugeChunk))]
		if _, err := w.Write(c); err != nil {
			return
		}
		n -= len(c)
	}
	_, _ = io.WriteString(w, `"`+strings.Repeat("}", strings.Count(prefix, "{")))
}

// An error answer of 101 MiB (over the 100 MiB a success answer may have)
// is still an *APIError with its status, and the error keeps a bounded
// part of it alive, not the whole body.
func TestHugeErrorAnswer(t *testing.T) {
	for _, size := range []int{99 << 20, 101 << 20} {
		t.Run(strconv.Itoa(size>>20)+"MiB", func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				writeHuge(w, http.StatusBadRequest, `{"type":"InvalidPayload","message":"`, size)
			})
			c := newClient(t, s)
			before := testutil.HeapInUse()
			_, err := c.GetBot(context.Background(), "bot_1")
			apiErr := errtAPIError(t, err)
			assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
			assert.LessOrEqual(t, len(apiErr.Body), bperrors.MaxBody)
			assert.LessOrEqual(t, len(apiErr.Message), bperrors.MaxBody+3)
			kept := int64(testutil.HeapInUse()) - int64(before)
			// Far from the 216 MiB of old, with room for what other
			// goroutines may hold when the heap is read.
			assert.Less(t, kept, int64(16<<20), "the error keeps %d bytes alive", kept)
			runtime.KeepAlive(apiErr)
		})
	}
}

// allocated is how many bytes f allocates in all (runtime.MemStats'
// TotalAlloc: a count, not a timing, so it does not depend on when the
// collector runs).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A large success answer is read with memory close to its size: one
// buffer of its size when its length is announced, twice its size when it
// is not; decoding it adds its string, once.
func TestLargeSuccessAnswerMemory(t *testing.T) {
	const size = 32 << 20
	for _, announced := range []bool{true, false} {
		t.Run(map[bool]string{true: "Content-Length", false: "chunked"}[announced], func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if !announced {
					w.Header().Set("Transfer-Encoding", "chunked")
					writeHugeChunked(w, `{"bot":{"id":"bot_1","name":"`, size)
					return
				}
				writeHuge(w, http.StatusOK, `{"bot":{"id":"bot_1","name":"`, size)
			})
			c := newClient(t, s)
			var bot *gen.GetBotResponse
			var err error
			n := allocated(func() { bot, err = c.GetBot(context.Background(), "bot_1") })
			require.NoError(t, err)
			require.Len(t, bot.Bot.Name, size)
			// The body, then the decoded name: 2 sizes; 3 without a length.
			// (with room for the server's own allocations, a few MiB).
			want := uint64(2*size + size/4)
			if !announced {
				want = 3*size + size/4
			}
			assert.LessOrEqual(t, n, want, "allocated %.1f times the answer's size", float64(n)/size)
		})
	}
}

// writeHugeChunked is writeHuge without a Content-Length, flushing each
// chunk.
func writeHugeChunked(w http.ResponseWriter, prefix string, n int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, prefix)
	for n > 0 {
		c := hugeChunk[:min(n, len(hugeChunk))]
		if _, err := w.Write(c); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		n -= len(c)
	}
	_, _ = io.WriteString(w, `"}}`)
}

// A redirect that leaves the origin carries none of the headers the client
// was given: not the token, nor the scope headers, nor WithHeader's.
func TestRedirectDropsEveryGivenHeader(t *testing.T) {
	other := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"bot":{"id":"bot_1"}}`)
	})
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	})
	c := newClient(t, s, client.WithWorkspaceID("wkspace_1"), client.WithIntegrationID("intver_1"),
		client.WithIntegrationAlias("alias"), client.WithHeader("X-Custom", "mine"))
	_, err := c.GetBot(context.Background(), "bot_1")
	require.NoError(t, err)
	got := other.last(t).Header
	for _, h := range []string{"Authorization", "X-Bot-Id", "X-Workspace-Id", "X-Integration-Id", "X-Integration-Alias", "X-Custom"} {
		assert.Empty(t, got.Get(h), "%s followed the redirect to another origin", h)
	}
	assert.NotEmpty(t, got.Get("User-Agent"))
	// The first request had them all.
	first := s.last(t).Header
	assert.Equal(t, "bot_1", first.Get("X-Bot-Id"))
	assert.Equal(t, "mine", first.Get("X-Custom"))
}

// A token the server echoes back is masked everywhere in the error: its
// metadata and header too.
func TestEchoedTokenMaskedEverywhere(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo", r.Header.Get("Authorization"))
		reply(w, 401, `{"type":"Unauthorized","message":"bad","metadata":{"token":"`+testToken+`","list":["`+testToken+`"],"`+testToken+`":1}}`)
	})
	c := newClient(t, s)
	_, err := c.GetBot(context.Background(), "bot_1")
	apiErr := errtAPIError(t, err)
	assert.NotContains(t, fmt.Sprint(apiErr.Metadata), testToken)
	assert.NotContains(t, fmt.Sprint(apiErr.Header), testToken)
	assert.Contains(t, fmt.Sprint(apiErr.Metadata), "[token]")
	assert.Equal(t, "Bearer [token]", apiErr.Header.Get("X-Echo"))
}

// hang is a handler that never answers until the test ends.
func hang(t *testing.T) http.HandlerFunc {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // runs before the server's Close
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
}

// guard is a context that ends long after any bound under test, so that
// a regression fails the test instead of hanging it.
func guard(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Downloads honour WithTimeout as an idle timeout: a host that never
// answers, or stops sending, fails the download.
func TestDownloadIdleTimeout(t *testing.T) {
	ctx := guard(t)
	hung := newServer(t, hang(t))
	c := newClient(t, hung, client.WithTimeout(50*time.Millisecond))

	_, err := c.DownloadURL(ctx, hung.URL+"/file", io.Discard)
	require.ErrorIs(t, err, client.ErrIdleTimeout)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	require.NoError(t, ctx.Err(), "the call's own timeout ended it, not the test's")
	testutil.OnePrefix(t, err)

	_, err = c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{Key: "a.txt"}, client.FileFromURL(hung.URL+"/file"))
	require.ErrorIs(t, err, client.ErrIdleTimeout)
	require.NoError(t, ctx.Err())

	// Stopping in the middle of the body.
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	stalls := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		_, _ = w.Write([]byte("0123456789"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	var got bytes.Buffer
	n, err := c.DownloadURL(ctx, stalls.URL+"/file", &got)
	require.ErrorIs(t, err, client.ErrIdleTimeout)
	require.NoError(t, ctx.Err())
	assert.EqualValues(t, 10, n)
}

// slowWriter takes longer than the timeout over its first write: the time
// the caller spends with the data is not the host's. (The pause is the
// consumer's pace under test, not a synchronisation.)
type slowWriter struct {
	d time.Duration
	n int
}

func (w *slowWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		time.Sleep(w.d)
	}
	w.n += len(p)
	return len(p), nil
}

// A download that keeps receiving data is not cut by the timeout, however
// long it takes in all.
func TestDownloadStreamsPastTheTimeout(t *testing.T) {
	const chunks = 4
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		for range chunks {
			_, _ = w.Write(bytes.Repeat([]byte("y"), 64<<10))
			w.(http.Flusher).Flush()
		}
	})
	// A timeout long enough for a loaded machine to hand over the data,
	// which the one slow write outlasts twice.
	c := newClient(t, s, client.WithTimeout(500*time.Millisecond))
	w := &slowWriter{d: time.Second}
	n, err := c.DownloadURL(guard(t), s.URL+"/file", w)
	require.NoError(t, err)
	assert.EqualValues(t, chunks*64<<10, n)
}

// WithMaxElapsed bounds a whole call: a Retry-After longer than what is
// left ends the call with the answer at once, and a hung server fails it.
func TestMaxElapsed(t *testing.T) {
	ctx := guard(t)
	var calls atomic.Int32
	limited := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "59")
		reply(w, 429, `{"type":"RateLimited","message":"slow down"}`)
	})
	c := newClient(t, limited, client.WithMaxElapsed(time.Second))
	_, err := c.GetBot(ctx, "bot_1")
	apiErr := errtAPIError(t, err)
	assert.Equal(t, 429, apiErr.StatusCode)
	assert.EqualValues(t, 1, calls.Load(), "no wait of 59 s within a bound of 1 s")
	require.NoError(t, ctx.Err())

	hung := newServer(t, hang(t))
	c = newClient(t, hung, client.WithMaxElapsed(100*time.Millisecond))
	_, err = c.GetBot(ctx, "bot_1")
	require.ErrorIs(t, err, client.ErrMaxElapsed)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	require.NoError(t, ctx.Err())
	testutil.OnePrefix(t, err)

	_, err = client.New(client.WithToken(testToken), client.WithMaxElapsed(-1))
	assert.Error(t, err)
}

// conversationsPage is a page of n conversations numbered from first,
// followed by the page token next ("" on the last page).
func conversationsPage(first, n int, next string) string {
	var b strings.Builder
	b.WriteString(`{"conversations":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"conv_%d","channel":"c","integration":"i","tags":{},"createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z"}`, first+i)
	}
	b.WriteString(`],"meta":{`)
	if next != "" {
		fmt.Fprintf(&b, `"nextToken":%q`, next)
	}
	b.WriteString(`}}`)
	return b.String()
}

// A walk stops as soon as its context ends: cancelled at item 150 of
// pages of 100, it yields no item after, only the context's error.
func TestWalkStopsAtOnceWhenCancelled(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("nextToken"))
		reply(w, 200, conversationsPage(page*100, 100, strconv.Itoa(page+1)))
	})
	c := newClient(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, last := testutil.CancelAt(c.AllConversations(ctx, nil), 150, cancel, func(n int, conv gen.Conversation) {
		assert.Equal(t, fmt.Sprintf("conv_%d", n-1), conv.ID)
	})
	assert.Equal(t, 150, n, "no item after the cancel")
	require.ErrorIs(t, last, context.Canceled)
	testutil.OnePrefix(t, last)
	assert.Len(t, s.requests(), 2)
}

// A server that hands empty pages with fresh tokens forever does not keep
// a walk going: it ends with ErrEmptyPages after the bound.
func TestWalkEndlessEmptyPages(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("nextToken"))
		reply(w, 200, conversationsPage(0, 0, strconv.Itoa(page+1)))
	})
	for _, tc := range []struct {
		opts []client.Option
		want int
	}{
		{nil, client.DefaultMaxEmptyPages},
		{[]client.Option{client.WithMaxEmptyPages(5)}, 5},
	} {
		c := newClient(t, s, tc.opts...)
		before := len(s.requests())
		pages := 0
		var last error
		for page, err := range c.ListConversationsPages(context.Background(), nil) {
			if err != nil {
				last = err
				break
			}
			assert.Empty(t, page.Items)
			pages++
		}
		require.ErrorIs(t, last, client.ErrEmptyPages)
		testutil.OnePrefix(t, last)
		assert.Equal(t, tc.want, pages)
		assert.Equal(t, tc.want, len(s.requests())-before)
	}
	// WithMaxEmptyPages(0): no bound; the loop decides.
	pages := 0
	for _, err := range newClient(t, s, client.WithMaxEmptyPages(0)).ListConversationsPages(context.Background(), nil) {
		require.NoError(t, err)
		if pages++; pages == client.DefaultMaxEmptyPages+20 {
			break
		}
	}
	_, err := client.New(client.WithToken(testToken), client.WithMaxEmptyPages(-1))
	assert.Error(t, err)
	// A run of empty pages shorter than the bound, then items, is fine.
	s2 := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("nextToken"))
		switch {
		case page < 4:
			reply(w, 200, conversationsPage(0, 0, strconv.Itoa(page+1)))
		case page == 4:
			reply(w, 200, conversationsPage(0, 3, ""))
		}
	})
	got, err := client.Collect(newClient(t, s2, client.WithMaxEmptyPages(5)).AllConversations(context.Background(), nil), 0)
	require.NoError(t, err)
	assert.Len(t, got, 3)
}

// A missing required parameter is named: the Params struct's field.
func TestMissingArgumentNamesTheField(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, `{}`) })
	c := newClient(t, s)
	ctx := context.Background()
	for _, err := range c.AllBotLogs(ctx, "bot_1", nil) {
		require.ErrorIs(t, err, client.ErrMissingArgument)
		assert.Contains(t, err.Error(), "GetBotLogsParams.TimeStart")
		testutil.OnePrefix(t, err)
	}
	_, err := c.GetBotLogs(ctx, "bot_1", &gen.GetBotLogsParams{})
	require.ErrorIs(t, err, client.ErrMissingArgument)
	assert.Contains(t, err.Error(), "GetBotLogsParams.TimeStart")
	assert.Empty(t, s.requests(), "nothing sent")
}
