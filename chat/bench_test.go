package chat_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/message"
)

// BenchmarkListeners opens many listeners (chat.Client.Listen), each as its
// own user, spread over conversations, and measures what they cost and how
// fast a message reaches them:
//
//   - bytes/listener: the process's resident memory (RSS) after opening
//     them all, less before, divided by their number, after a collection
//     that returns freed memory (debug.FreeOSMemory), as the Node figure
//     is measured (scripts/bench-ts/listeners.mjs);
//   - heap+stack-B/listener: the same delta of Go's live heap objects and
//     goroutine stacks (runtime/metrics);
//   - stack-B/listener (the stacks' share of it), goroutines/listener;
//   - p50-ns, p99-ns: the delivery latency, from just before a user's
//     createMessage to each listener of the conversation receiving it; one
//     op is one message, sent once the previous one reached every listener
//     of its conversation, round robin over the conversations, after a
//     warm-up of two messages per conversation.
//
// The server is botpress-mock in another process when BENCH_CHAT_URL (its
// BP_CHAT_API_URL) and BENCH_CHAT_KEY (its BP_CHAT_ENCRYPTION_KEY) are set:
// then the memory is the client's alone. Start it with -bot-reply none and
// -quiet. Without them, the benchmark starts bptest in this process, with
// fewer listeners, and its name starts with inprocess/: its memory figures
// include the server's share of each stream and are not the client's.
// BENCH_LISTENERS (10,000 cross-process, 200 in process) and
// BENCH_CONVERSATIONS (listeners ÷ 100, at least 1) change the layout.
// BENCH_WS=1 listens over WebSocket (chat.WithWebSocket) instead of SSE,
// BENCH_H2C=1 over unencrypted HTTP/2 (SSE only: a WebSocket needs
// HTTP/1.1).
//
//	go test ./chat -run '^$' -bench Listeners -benchtime 1000x
//	BENCH_WS=1 go test ./chat -run '^$' -bench Listeners -benchtime 1000x
func BenchmarkListeners(b *testing.B) {
	url, key := os.Getenv("BENCH_CHAT_URL"), os.Getenv("BENCH_CHAT_KEY")
	name, listeners := "", 10_000
	if url == "" {
		srv, err := bptest.New(bptest.WithResponseValidation(false), bptest.WithPageSize(100))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { srv.Close() })
		url, key, name, listeners = srv.ChatURL(), srv.ChatEncryptionKey(), "inprocess/", 200
	} else if key == "" {
		b.Fatal("BENCH_CHAT_URL is set but not BENCH_CHAT_KEY (botpress-mock's BP_CHAT_ENCRYPTION_KEY)")
	}
	listeners = benchEnvInt(b, "BENCH_LISTENERS", listeners)
	convs := benchEnvInt(b, "BENCH_CONVERSATIONS", max(1, listeners/100))
	if convs > listeners {
		b.Fatalf("%d conversations for %d listeners", convs, listeners)
	}
	lb := newListenBench(b, url, key, listeners, convs)
	b.Run(fmt.Sprintf("%slisteners=%d/conversations=%d", name, listeners, convs), lb.deliver)
	lb.close()
}

// listenBench is the state of BenchmarkListeners: the listeners, open.
type listenBench struct {
	b       *testing.B
	url     string
	convs   []string
	per     []int        // listeners per conversation
	sender  *chat.Client // the owner of every conversation, who sends
	current atomic.Pointer[benchRound]
	errs    chan error
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	tr      *http.Transport
	opts    []chat.ListenOption // WithWebSocket under BENCH_WS

	rss, heapStack, stacks, goroutines float64 // per listener
	openSeconds                        float64
}

// benchRound is one message on its way to the listeners of a conversation.
type benchRound struct {
	seq   int
	start time.Time
	lat   []time.Duration
	n     atomic.Int32
	done  chan struct{}
}

// openedKey is the context key of the function the transport calls when a
// listener's stream is open (the server answered 200 to listenConversation,
// having subscribed it first): how opening is paced and known to be done,
// on events and not on time.
type openedKey struct{}

// openHook calls the function in the request's context, if any, when a
// listenConversation request gets a 200 (SSE) or a 101 (WebSocket).
type openHook struct{ next http.RoundTripper }

func (h openHook) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := h.next.RoundTrip(r)
	if err == nil && (resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusSwitchingProtocols) && strings.HasSuffix(r.URL.Path, "/listen") {
		if f, ok := r.Context().Value(openedKey{}).(func()); ok {
			f()
		}
	}
	return resp, err
}

// benchOpenConcurrency bounds the listeners being opened at once.
const benchOpenConcurrency = 64

func newListenBench(b *testing.B, url, key string, listeners, convs int) *listenBench {
	ctx := context.Background()
	prefix := "bench" + strconv.FormatInt(time.Now().UnixNano(), 36)
	lb := &listenBench{b: b, url: url, errs: make(chan error, 1)}
	if os.Getenv("BENCH_WS") != "" {
		lb.opts = []chat.ListenOption{chat.WithWebSocket()}
	}
	// The setup's requests go through their own transport, closed before
	// the baseline.
	setupTr := &http.Transport{MaxIdleConnsPerHost: benchOpenConcurrency}
	setupHC := &http.Client{Transport: setupTr}
	var err error
	lb.sender, err = chat.Connect(ctx, "", chat.WithBaseURL(url), chat.WithHTTPClient(setupHC),
		chat.WithEncryptionKey(key), chat.WithUserID(prefix+"-sender"))
	if err != nil {
		b.Fatal(err)
	}
	for i := range convs {
		id := fmt.Sprintf("%s-c%d", prefix, i)
		if _, err := lb.sender.CreateConversation(ctx, chatgen.CreateConversationJSONRequestBody{ID: chat.Ptr(id)}); err != nil {
			b.Fatal(err)
		}
		lb.convs = append(lb.convs, id)
	}
	lb.per = make([]int, convs)
	users := make([]string, listeners)
	for i := range users {
		users[i] = fmt.Sprintf("%s-u%d", prefix, i)
		lb.per[i%convs]++
	}
	// Each listener's user is created (getOrCreateUser, with a key signed
	// here) and made a participant of its conversation.
	if err := benchParallel(listeners, benchOpenConcurrency, func(i int) error {
		if _, err := chat.Connect(ctx, "", chat.WithBaseURL(url), chat.WithHTTPClient(setupHC),
			chat.WithEncryptionKey(key), chat.WithUserID(users[i])); err != nil {
			return err
		}
		_, err := lb.sender.AddParticipant(ctx, lb.convs[i%convs], chatgen.AddParticipantJSONRequestBody{UserID: users[i]})
		return err
	}); err != nil {
		b.Fatal(err)
	}
	setupTr.CloseIdleConnections()

	// The listeners' transport: shared, as an app would share one, with an
	// idle pool as large as the opening concurrency so that the calls made
	// while opening (listMessages) reuse connections, and buffers of 1 KiB
	// instead of 4 (see chat.WithHTTPClient).
	lb.tr = &http.Transport{MaxIdleConnsPerHost: benchOpenConcurrency, ReadBufferSize: 1024, WriteBufferSize: 1024}
	if os.Getenv("BENCH_H2C") != "" && lb.opts == nil {
		// HTTP/2 without TLS (botpress-mock -h2c): the streams share
		// connections, as over TLS with a server that offers HTTP/2.
		lb.tr.Protocols = new(http.Protocols)
		lb.tr.Protocols.SetUnencryptedHTTP2(true)
	}
	hc := &http.Client{Transport: openHook{lb.tr}}
	lctx, cancel := context.WithCancel(ctx)
	lb.cancel = cancel
	round0 := make([]*benchRound, convs)
	for i := range round0 {
		round0[i] = &benchRound{seq: -1}
	}

	before := benchMemory()
	start := time.Now()
	slots := make(chan struct{}, benchOpenConcurrency)
	for i, user := range users {
		slots <- struct{}{}
		c, err := chat.New("", chat.WithBaseURL(url), chat.WithHTTPClient(hc),
			chat.WithEncryptionKey(key), chat.WithUserID(user))
		if err != nil {
			b.Fatal(err)
		}
		var once sync.Once
		opened := func() { once.Do(func() { <-slots }) }
		lb.wg.Add(1)
		go lb.listen(context.WithValue(lctx, openedKey{}, opened), c, lb.convs[i%convs])
		select {
		case err := <-lb.errs:
			b.Fatal(err)
		default:
		}
	}
	for range benchOpenConcurrency {
		select {
		case slots <- struct{}{}:
		case err := <-lb.errs:
			b.Fatal(err)
		}
	}
	lb.openSeconds = time.Since(start).Seconds()
	after := benchMemory()
	if f := os.Getenv("BENCH_HEAPPROFILE"); f != "" {
		// The live heap with the listeners open, for go tool pprof
		// (with -memprofilerate 1 to see every allocation).
		w, err := os.Create(f)
		if err == nil {
			err = errors.Join(pprof.Lookup("heap").WriteTo(w, 0), w.Close())
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	n := float64(listeners)
	lb.rss = (after.rss - before.rss) / n
	lb.heapStack = (after.heapStack - before.heapStack) / n
	lb.goroutines = (after.goroutines - before.goroutines) / n
	lb.stacks = (after.stacks - before.stacks) / n
	b.Logf("%d listeners (websocket: %t) over %d conversations open in %.1f s: RSS %.0f B/listener, heap+stack %.0f B/listener (stacks %.0f), %.2f goroutines/listener",
		listeners, lb.opts != nil, convs, lb.openSeconds, lb.rss, lb.heapStack, lb.stacks, lb.goroutines)
	return lb
}

// listen is one listener: it hands each message of a round to the round.
func (lb *listenBench) listen(ctx context.Context, c *chat.Client, conv string) {
	defer lb.wg.Done()
	for s, err := range c.Listen(ctx, conv, lb.opts...) {
		if err != nil {
			select {
			case lb.errs <- fmt.Errorf("listener of %s: %w", conv, err):
			default:
			}
			return
		}
		m, ok := s.(*chat.MessageCreated)
		if !ok {
			continue
		}
		now := time.Now()
		p, ok := m.Message.Payload.(*message.TextPayload)
		if !ok {
			continue
		}
		seq, err := strconv.Atoi(strings.TrimPrefix(p.Text, "bench "))
		if err != nil {
			continue
		}
		if r := lb.current.Load(); r != nil && r.seq == seq {
			i := r.n.Add(1) - 1
			if int(i) < len(r.lat) {
				r.lat[i] = now.Sub(r.start)
			}
			if int(i) == len(r.lat)-1 {
				close(r.done)
			}
		}
	}
}

// send sends message seq to conversation i and waits until each of its
// listeners has it; it returns the latencies.
func (lb *listenBench) send(ctx context.Context, seq int) ([]time.Duration, error) {
	i := seq % len(lb.convs)
	r := &benchRound{seq: seq, lat: make([]time.Duration, lb.per[i]), done: make(chan struct{})}
	r.start = time.Now()
	lb.current.Store(r)
	if _, err := lb.sender.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: lb.convs[i], Payload: message.Text("bench " + strconv.Itoa(seq))}); err != nil {
		return nil, err
	}
	timeout := time.NewTimer(time.Minute)
	defer timeout.Stop()
	select {
	case <-r.done:
		return r.lat, nil
	case err := <-lb.errs:
		return nil, err
	case <-timeout.C:
		return nil, fmt.Errorf("message %d reached %d of %d listeners in a minute", seq, r.n.Load(), len(r.lat))
	}
}

var benchSeq atomic.Int64 // message numbers, across the runs of the benchmark

func (lb *listenBench) deliver(b *testing.B) {
	ctx := context.Background()
	// Warm-up: two messages per conversation.
	for range 2 * len(lb.convs) {
		if _, err := lb.send(ctx, int(benchSeq.Add(1)-1)); err != nil {
			b.Fatal(err)
		}
	}
	// A message's conversation is its number modulo the conversations:
	// start the measured ones at a multiple.
	for benchSeq.Load()%int64(len(lb.convs)) != 0 {
		benchSeq.Add(1)
	}
	var all []time.Duration
	b.ResetTimer()
	for b.Loop() {
		lat, err := lb.send(ctx, int(benchSeq.Add(1)-1))
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, lat...)
	}
	b.StopTimer()
	slices.Sort(all)
	b.ReportMetric(float64(percentile(all, 0.50)), "p50-ns")
	b.ReportMetric(float64(percentile(all, 0.99)), "p99-ns")
	b.ReportMetric(lb.rss, "bytes/listener")
	b.ReportMetric(lb.heapStack, "heap+stack-B/listener")
	b.ReportMetric(lb.stacks, "stack-B/listener")
	b.ReportMetric(lb.goroutines, "goroutines/listener")
	b.ReportMetric(lb.openSeconds, "open-s")
	b.ReportMetric(float64(len(all)), "samples")
}

func (lb *listenBench) close() {
	lb.cancel()
	lb.wg.Wait()
	lb.tr.CloseIdleConnections()
}

// percentile returns the q-quantile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// benchMem is the process's memory at one moment, after a collection
// that returned the freed memory to the system.
type benchMem struct {
	rss, heapStack, goroutines float64
	stacks                     float64
}

func benchMemory() benchMem {
	runtime.GC()
	debug.FreeOSMemory()
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(samples)
	m := benchMem{goroutines: float64(runtime.NumGoroutine()), rss: float64(processRSS())}
	for _, s := range samples {
		if s.Value.Kind() == metrics.KindUint64 {
			m.heapStack += float64(s.Value.Uint64())
		}
	}
	m.stacks = float64(samples[1].Value.Uint64())
	return m
}

// processRSS returns the resident memory of the process in bytes, from
// /proc/self/statm; 0 where it cannot be read.
func processRSS() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// openFDs counts the open file descriptors of the process; -1 where
// /proc/self/fd does not exist.
func openFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}

// benchParallel runs f(0) ... f(n-1) on at most conc goroutines and
// returns the first error.
func benchParallel(n, conc int, f func(i int) error) error {
	var next atomic.Int64
	var first error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(n, conc) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					first = errors.Join(first, fmt.Errorf("item %d: %w", i, err))
					mu.Unlock()
					next.Store(int64(n)) // stop the others
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// benchEnvInt reads a positive integer from the environment.
func benchEnvInt(tb testing.TB, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		tb.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}
