package client_test

// Benchmarks of the SDK's hot paths, against internal/benchserver. Their
// output is meant for benchstat:
//
//	go test ./client -run '^$' -bench . -benchtime 2s -count 10 | tee new.txt
//	benchstat old.txt new.txt
//
// The server is the one $BENCH_SERVER_URL names, a running
// internal/cmd/benchserver started with -pages 500,5000 (scripts/bench
// starts one and points every client it compares at it, the TypeScript
// client included). Only when that variable is unset does a benchmark serve
// internal/benchserver from its own process, so that `go test -bench`
// alone works; its server's allocations then count in allocs/op.
//
// BenchmarkGetConversation and BenchmarkCreateMessage send the same request
// through the SDK (sdk) and through a careful hand-written net/http client
// (nethttp) doing the same work: the same headers, the answer decoded into
// the same gen struct, over one shared *http.Client; so the difference
// between the two is the SDK's own cost. Each warms up (the connection
// pool filled, a few calls made) before the timer starts.
//
// Every benchmark reports allocations. None asserts a timing.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/internal/benchserver"
	"github.com/botpress-go/sdk/message"
)

const (
	benchToken  = "bp_bak_bench-token-0123456789"
	benchBotID  = "bot_01HZXW3D9P4V7Q2M8K5N6R1T0Y"
	benchConvID = "conv_01HZXW3D9P4V7Q2M8K5N6R1T0Y"
	benchUserID = "user_01HZXW3D9P4V7Q2M8K5N6R1T0Y"
	benchMsgID  = "msg_01HZXW3D9P4V7Q2M8K5N6R1T0Y"

	// benchGoroutines is how many goroutines the par32 benchmarks run.
	benchGoroutines = 32

	// benchServerEnv names the variable holding the URL of the benchserver
	// the benchmarks call.
	benchServerEnv = "BENCH_SERVER_URL"
)

// benchEnv is an SDK client of a benchserver, with the server's URL and
// the *http.Client the SDK client uses.
type benchEnv struct {
	base string
	hc   *http.Client
	sdk  *client.Client
}

// benchHTTPClient is the one *http.Client both sides of a comparison use: a
// transport tuned for many concurrent calls to one host, so that neither
// side waits for connections or reopens them.
func benchHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 nil, // the server is local; ignore HTTP_PROXY
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}}
}

// benchServer returns the URL of the benchserver to call: $BENCH_SERVER_URL
// when set, or else one served from this process until b ends, with walks
// of the given numbers of pages of 20 messages.
func benchServer(b *testing.B, walks ...int) string {
	b.Helper()
	if u := os.Getenv(benchServerEnv); u != "" {
		return strings.TrimRight(u, "/")
	}
	// The handler needs the server's own URL, known once the listener
	// exists: hence the unstarted server.
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	ts.Config.Handler = benchserver.New(20, walks...).Handler(base)
	ts.Start()
	b.Cleanup(ts.Close)
	return base
}

// benchStart returns an SDK client of base (the server's URL, followed by
// a /pages/{n} prefix for a walk of n pages) and its *http.Client, closed
// when b ends.
func benchStart(b *testing.B, base string) *benchEnv {
	b.Helper()
	hc := benchHTTPClient()
	b.Cleanup(hc.CloseIdleConnections)
	sdk, err := client.New(
		client.WithToken(benchToken),
		client.WithBaseURL(base),
		client.WithBotID(benchBotID),
		client.WithHTTPClient(hc),
	)
	if err != nil {
		b.Fatal(err)
	}
	return &benchEnv{base: base, hc: hc, sdk: sdk}
}

// benchParallelism is the b.SetParallelism argument that makes RunParallel
// start at least benchGoroutines goroutines: RunParallel starts
// parallelism×GOMAXPROCS of them, so this is 32/GOMAXPROCS rounded up
// (exactly 32 goroutines when GOMAXPROCS divides 32, as with 1, 2, 4, 8, 16
// or 32 CPUs; 33 with 3).
func benchParallelism() int {
	procs := runtime.GOMAXPROCS(0)
	return (benchGoroutines + procs - 1) / procs
}

// benchWarm runs do from n goroutines at once, so that the connection pool
// holds n open connections before the timer starts.
func benchWarm(b *testing.B, n int, do func(context.Context) error) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 4 {
				if err := do(context.Background()); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// benchModes runs do as b/seq, one call after the other, and as b/par32,
// from benchGoroutines goroutines at once. Besides ns/op, each reports
// cpu-ns/op: the CPU time (user and system, all threads) the benchmark's
// process used per call while timed, which other processes on the machine
// disturb far less than the wall time. With $BENCH_SERVER_URL set, that is
// the client's alone; otherwise it includes the server's.
func benchModes(b *testing.B, do func(context.Context) error) {
	b.Run("seq", func(b *testing.B) {
		benchWarm(b, 1, do)
		ctx := context.Background()
		b.ReportAllocs()
		cpu := benchStartCPU(b)
		for range b.N {
			if err := do(ctx); err != nil {
				b.Fatal(err)
			}
		}
		cpu()
	})
	b.Run("par32", func(b *testing.B) {
		benchWarm(b, benchGoroutines, do)
		ctx := context.Background()
		b.ReportAllocs()
		b.SetParallelism(benchParallelism())
		cpu := benchStartCPU(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := do(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
		cpu()
	})
}

// benchStartCPU resets b's timer and returns a function that stops it and
// reports the process's CPU time per op since, as cpu-ns/op (nothing where
// the platform does not tell).
func benchStartCPU(b *testing.B) (stop func()) {
	start, ok := benchCPUTime()
	b.ResetTimer()
	return func() {
		b.StopTimer()
		end, _ := benchCPUTime()
		if ok && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

// benchSetHeaders sets on a hand-written request the headers the SDK sends:
// the token, the bot, Accept and User-Agent (and the callers add
// Content-Type to a request with a body), so that both sides put the same
// request on the wire.
func benchSetHeaders(h http.Header) {
	h.Set("Authorization", "Bearer "+benchToken)
	h.Set(client.HeaderBotID, benchBotID)
	h.Set("Accept", "application/json")
	h.Set("User-Agent", client.DefaultUserAgent())
}

// benchDo is the sending half of a careful hand-written client: it sends
// req, turns a non-2xx answer into an error, decodes a 2xx answer's JSON
// into out, and drains the body so that the connection is reused.
func benchDo(hc *http.Client, req *http.Request, out any) error {
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, msg)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, client.MaxResponseBody)).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decoding the answer: %w", req.Method, req.URL.Path, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return nil
}

// benchGetConversation is getConversation written by hand with net/http.
func benchGetConversation(ctx context.Context, hc *http.Client, base, id string) (*gen.GetConversationResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/chat/conversations/"+url.PathEscape(id), nil)
	if err != nil {
		return nil, err
	}
	benchSetHeaders(req.Header)
	out := new(gen.GetConversationResponse)
	if err := benchDo(hc, req, out); err != nil {
		return nil, err
	}
	return out, nil
}

// benchCreateMessage is createMessage written by hand with net/http.
func benchCreateMessage(ctx context.Context, hc *http.Client, base string, body gen.CreateMessageJSONRequestBody) (*gen.CreateMessageResponse, error) {
	buf, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/chat/messages", bytes.NewReader(buf))
	if err != nil {
		return nil, err
	}
	benchSetHeaders(req.Header)
	req.Header.Set("Content-Type", "application/json")
	out := new(gen.CreateMessageResponse)
	if err := benchDo(hc, req, out); err != nil {
		return nil, err
	}
	return out, nil
}

// benchCheckID fails a call whose answer does not carry the expected ID.
func benchCheckID(got, want string) error {
	if got != want {
		return fmt.Errorf("got ID %q, want %q", got, want)
	}
	return nil
}

// BenchmarkGetConversation compares one GET through the SDK and through
// net/http: BenchmarkGetConversation/{sdk,nethttp}/{seq,par32}.
func BenchmarkGetConversation(b *testing.B) {
	env := benchStart(b, benchServer(b))
	b.Run("sdk", func(b *testing.B) {
		benchModes(b, func(ctx context.Context) error {
			res, err := env.sdk.GetConversation(ctx, benchConvID)
			if err != nil {
				return err
			}
			return benchCheckID(res.Conversation.ID, benchConvID)
		})
	})
	b.Run("nethttp", func(b *testing.B) {
		benchModes(b, func(ctx context.Context) error {
			res, err := benchGetConversation(ctx, env.hc, env.base, benchConvID)
			if err != nil {
				return err
			}
			return benchCheckID(res.Conversation.ID, benchConvID)
		})
	})
}

// benchMessage is the body both sides of BenchmarkCreateMessage send.
func benchMessage() gen.CreateMessageJSONRequestBody {
	return gen.CreateMessageJSONRequestBody{
		ConversationID: benchConvID,
		UserID:         benchUserID,
		Payload:        message.Text("Hello"),
		Tags:           map[string]string{"channel": "web"},
	}
}

// BenchmarkCreateMessage compares one POST with a JSON body through the SDK
// and through net/http: BenchmarkCreateMessage/{sdk,nethttp}/{seq,par32}.
func BenchmarkCreateMessage(b *testing.B) {
	env := benchStart(b, benchServer(b))
	body := benchMessage()
	b.Run("sdk", func(b *testing.B) {
		benchModes(b, func(ctx context.Context) error {
			res, err := env.sdk.CreateMessage(ctx, body)
			if err != nil {
				return err
			}
			return benchCheckID(res.Message.ID, benchMsgID)
		})
	})
	b.Run("nethttp", func(b *testing.B) {
		benchModes(b, func(ctx context.Context) error {
			res, err := benchCreateMessage(ctx, env.hc, env.base, body)
			if err != nil {
				return err
			}
			return benchCheckID(res.Message.ID, benchMsgID)
		})
	})
}

// benchTable is the table BenchmarkCreateTableRows writes to.
const benchTable = "LeadsTable"

// benchRows are the rows both sides of BenchmarkCreateTableRows send.
func benchRows() []map[string]any {
	rows := make([]map[string]any, benchserver.RowsPerWrite)
	for i := range rows {
		rows[i] = map[string]any{"name": fmt.Sprint("lead ", i), "email": fmt.Sprintf("lead%d@example.com", i), "score": i * 7}
	}
	return rows
}

// benchCreateTableRows is createTableRows written by hand with net/http.
func benchCreateTableRows(ctx context.Context, hc *http.Client, base string, body gen.CreateTableRowsJSONRequestBody) (*gen.CreateTableRowsResponse, error) {
	buf, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/tables/"+url.PathEscape(benchTable)+"/rows", bytes.NewReader(buf))
	if err != nil {
		return nil, err
	}
	benchSetHeaders(req.Header)
	req.Header.Set("Content-Type", "application/json")
	out := new(gen.CreateTableRowsResponse)
	if err := benchDo(hc, req, out); err != nil {
		return nil, err
	}
	return out, nil
}

// benchCheckRows fails a createTableRows call whose answer does not hold
// the rows written.
func benchCheckRows(res *gen.CreateTableRowsResponse) error {
	if len(res.Rows) != benchserver.RowsPerWrite {
		return fmt.Errorf("got %d rows, want %d", len(res.Rows), benchserver.RowsPerWrite)
	}
	return nil
}

// BenchmarkCreateTableRows compares a table write, 20 rows in one POST,
// through the SDK and through net/http:
// BenchmarkCreateTableRows/{sdk,nethttp}/{seq,par32}; sdk is the
// generated CreateTableRows, the one call bare net/http makes too (the
// InsertRows helper would split and spread larger writes).
func BenchmarkCreateTableRows(b *testing.B) {
	env := benchStart(b, benchServer(b))
	body := gen.CreateTableRowsJSONRequestBody{Rows: benchRows()}
	b.Run("sdk", func(b *testing.B) {
		benchModes(b, func(ctx context.Context) error {
			res, err := env.sdk.CreateTableRows(ctx, benchTable, body)
			if err != nil {
				return err
			}
			return benchCheckRows(res)
		})
	})
	b.Run("nethttp", func(b *testing.B) {
		benchModes(b, func(ctx context.Context) error {
			res, err := benchCreateTableRows(ctx, env.hc, env.base, body)
			if err != nil {
				return err
			}
			return benchCheckRows(res)
		})
	})
}

// benchCanned is a RoundTripper that answers at once, as internal/benchserver
// would, without a network or a server: getConversation with
// benchserver.Conversation, createTableRows with benchserver.Rows, anything
// else (createMessage) with benchserver.Message, after reading and closing
// the request's body as a transport does.
type benchCanned struct{}

func (benchCanned) RoundTrip(req *http.Request) (*http.Response, error) {
	status, body := http.StatusOK, benchserver.Conversation
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
		status, body = http.StatusCreated, benchserver.Message
		if strings.HasPrefix(req.URL.Path, "/v1/tables/") {
			status, body = http.StatusOK, benchserver.Rows
		}
	}
	return &http.Response{
		StatusCode:    status,
		Header:        http.Header{"Content-Type": {"application/json"}},
		ContentLength: int64(len(body)),
		Body:          io.NopCloser(bytes.NewReader(body)),
		Request:       req,
	}, nil
}

// BenchmarkOverhead measures what the clients cost on their own: the calls
// of BenchmarkGetConversation and BenchmarkCreateMessage, one after the
// other, through an *http.Client whose transport answers at once
// (benchCanned), so that neither a network nor a server (nor other work on
// the machine waking them up) is in the figures:
// BenchmarkOverhead/{getConversation,createMessage}/{sdk,nethttp}. On a busy
// machine, cpu-ns/op (the CPU time used per call) is the steadier figure.
func BenchmarkOverhead(b *testing.B) {
	hc := &http.Client{Transport: benchCanned{}}
	const base = "http://api.test"
	sdk, err := client.New(client.WithToken(benchToken), client.WithBaseURL(base),
		client.WithBotID(benchBotID), client.WithHTTPClient(hc))
	if err != nil {
		b.Fatal(err)
	}
	body := benchMessage()
	run := func(b *testing.B, do func(context.Context) error) {
		ctx := context.Background()
		if err := do(ctx); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		cpu := benchStartCPU(b)
		for range b.N {
			if err := do(ctx); err != nil {
				b.Fatal(err)
			}
		}
		cpu()
	}
	b.Run("getConversation/sdk", func(b *testing.B) {
		run(b, func(ctx context.Context) error {
			res, err := sdk.GetConversation(ctx, benchConvID)
			if err != nil {
				return err
			}
			return benchCheckID(res.Conversation.ID, benchConvID)
		})
	})
	b.Run("getConversation/nethttp", func(b *testing.B) {
		run(b, func(ctx context.Context) error {
			res, err := benchGetConversation(ctx, hc, base, benchConvID)
			if err != nil {
				return err
			}
			return benchCheckID(res.Conversation.ID, benchConvID)
		})
	})
	b.Run("createMessage/sdk", func(b *testing.B) {
		run(b, func(ctx context.Context) error {
			res, err := sdk.CreateMessage(ctx, body)
			if err != nil {
				return err
			}
			return benchCheckID(res.Message.ID, benchMsgID)
		})
	})
	b.Run("createMessage/nethttp", func(b *testing.B) {
		run(b, func(ctx context.Context) error {
			res, err := benchCreateMessage(ctx, hc, base, body)
			if err != nil {
				return err
			}
			return benchCheckID(res.Message.ID, benchMsgID)
		})
	})
	rows := gen.CreateTableRowsJSONRequestBody{Rows: benchRows()}
	b.Run("createTableRows/sdk", func(b *testing.B) {
		run(b, func(ctx context.Context) error {
			res, err := sdk.CreateTableRows(ctx, benchTable, rows)
			if err != nil {
				return err
			}
			return benchCheckRows(res)
		})
	})
	b.Run("createTableRows/nethttp", func(b *testing.B) {
		run(b, func(ctx context.Context) error {
			res, err := benchCreateTableRows(ctx, hc, base, rows)
			if err != nil {
				return err
			}
			return benchCheckRows(res)
		})
	})
}

// The runtime/metrics samples the walk benchmark reads.
const (
	benchHeapObjects = "/memory/classes/heap/objects:bytes" // live and not yet swept objects
	benchHeapLive    = "/gc/heap/live:bytes"                // marked live by the last GC
)

// benchHeap reads the two heap metrics.
func benchHeap(s []metrics.Sample) (objects, live uint64) {
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

// benchSampleHeap samples the heap every millisecond until the returned
// function is called, which returns the highest values seen.
func benchSampleHeap() (stop func() (objects, live uint64)) {
	done := make(chan struct{})
	result := make(chan [2]uint64, 1)
	go func() {
		s := []metrics.Sample{{Name: benchHeapObjects}, {Name: benchHeapLive}}
		var peak [2]uint64
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			o, l := benchHeap(s)
			peak[0], peak[1] = max(peak[0], o), max(peak[1], l)
			select {
			case <-t.C:
			case <-done:
				o, l := benchHeap(s)
				result <- [2]uint64{max(peak[0], o), max(peak[1], l)}
				return
			}
		}
	}()
	return func() (uint64, uint64) {
		close(done)
		p := <-result
		return p[0], p[1]
	}
}

// benchWalk ranges over all messages and returns how many it saw.
func benchWalk(ctx context.Context, c *client.Client) (int, error) {
	n := 0
	for m, err := range c.AllMessages(ctx, nil) {
		if err != nil {
			return n, err
		}
		if m.ID == "" {
			return n, fmt.Errorf("message %d has no ID", n)
		}
		n++
	}
	return n, nil
}

// BenchmarkWalk ranges over AllMessages, one page of 20 messages per
// request: BenchmarkWalk/pages=500 walks 10,000 messages, pages=5000
// 100,000. Besides the time and allocations of one whole walk it reports:
//
//   - items/s, messages walked per second;
//   - peak-heap-B, the highest heap in use during the walks (live objects
//     and garbage not yet swept, sampled every millisecond), above the
//     heap in use after a GC just before them;
//   - peak-live-B, the highest live heap found by a GC during the walks,
//     above the live heap before them: what the walk keeps.
//
// A walk keeps one page in memory, so both peaks should be about the same
// for 500 and 5,000 pages. Both walks call one server, under the prefixes
// /pages/500 and /pages/5000 (when it runs in this process, its
// precomputed pages, about 33 MB, are on the same heap during both walks,
// so that the baseline and the GC's pacing, which sets how much garbage
// piles up before a collection, are the same for both).
func BenchmarkWalk(b *testing.B) {
	const pageSize = 20
	sizes := []int{500, 5000}
	server := benchServer(b, sizes...)
	envs := map[int]*benchEnv{}
	for _, pages := range sizes {
		envs[pages] = benchStart(b, fmt.Sprintf("%s/pages/%d", server, pages))
	}
	for _, pages := range sizes {
		b.Run(fmt.Sprintf("pages=%d", pages), func(b *testing.B) {
			env := envs[pages]
			ctx := context.Background()
			want := pages * pageSize
			// Warm-up: a first page, which opens the connection.
			if _, err := env.sdk.ListMessages(ctx, nil); err != nil {
				b.Fatal(err)
			}
			s := []metrics.Sample{{Name: benchHeapObjects}, {Name: benchHeapLive}}
			runtime.GC()
			baseObjects, baseLive := benchHeap(s)
			stop := benchSampleHeap()
			b.ReportAllocs()
			b.ResetTimer()
			items := 0
			for range b.N {
				n, err := benchWalk(ctx, env.sdk)
				if err != nil {
					b.Fatal(err)
				}
				if n != want {
					b.Fatalf("walked %d messages, want %d", n, want)
				}
				items += n
			}
			b.StopTimer()
			peakObjects, peakLive := stop()
			b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
			b.ReportMetric(float64(peakObjects-min(peakObjects, baseObjects)), "peak-heap-B")
			b.ReportMetric(float64(peakLive-min(peakLive, baseLive)), "peak-live-B")
		})
	}
}
