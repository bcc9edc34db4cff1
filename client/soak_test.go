//go:build soak

package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// The soak test sends many calls through one client, from many
// goroutines, to bptest with faults injected (429 with a short
// Retry-After, 500 and 503, latency, dropped connections), then checks
// that every call ended as a success or a classified error, that no write
// was duplicated or lost, and that goroutines, file descriptors and memory
// came back to where they were.
//
//	go test -tags soak -run TestSoak -v ./client
//	SOAK_CALLS=20000 SOAK_REPORT=soak.json go test -tags soak -run TestSoak -v -timeout 30m ./client
//
// SOAK_CALLS sets the number of calls (100000), SOAK_WORKERS the number
// of goroutines (64), SOAK_REPORT a file to write the summary to as JSON.

// soakEnvInt reads a positive integer from the environment.
func soakEnvInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// soakCounting counts the requests the client sends, retries included.
type soakCounting struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (s *soakCounting) RoundTrip(r *http.Request) (*http.Response, error) {
	s.n.Add(1)
	return s.next.RoundTrip(r)
}

// soakFDs counts the open file descriptors of the process; -1 where
// /proc/self/fd does not exist.
func soakFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}

// soakHeap returns HeapInuse after a full collection.
func soakHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// soakClassify names the kind of a call's error; ok is false for an error
// the SDK should not return: unclassified, or a malformed answer from a
// server whose answers are all valid.
func soakClassify(err error) (kind string, ok bool) {
	var apiErr *bperrors.APIError
	var urlErr *url.Error
	var netErr net.Error
	switch {
	case errors.As(err, &apiErr):
		return "api_" + strconv.Itoa(apiErr.StatusCode), true
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "context", true
	case errors.Is(err, client.ErrMalformedResponse):
		return "malformed", false
	case errors.As(err, &urlErr), errors.As(err, &netErr),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "transport", true
	}
	return "unclassified", false
}

// The operations of the mix.
const (
	soakGetUser        = "getUser"
	soakGetMissingUser = "getUser (missing)"
	soakListUsers      = "listUsers"
	soakCreateUser     = "createUser"
	soakCreateMessage  = "createMessage"
)

// soakOpStats is what happened to the calls of one operation.
type soakOpStats struct {
	Calls     int            `json:"calls"`
	Successes int            `json:"successes"`
	Errors    map[string]int `json:"errors,omitempty"`
}

// soakWorker is what one goroutine saw; merged at the end.
type soakWorker struct {
	ops        map[string]*soakOpStats
	bad        []string // errors that are not classified, or panics
	usersOK    []string // tags of the users created
	usersErr   []string // tags of the createUser calls that failed
	messagesOK []string
	messageErr []string
	ambiguous  int // writes that failed in a way that may have been applied
}

func (w *soakWorker) record(op string, err error) (failed bool) {
	s := w.ops[op]
	if s == nil {
		s = &soakOpStats{Errors: map[string]int{}}
		w.ops[op] = s
	}
	s.Calls++
	if err == nil {
		s.Successes++
		return false
	}
	kind, ok := soakClassify(err)
	s.Errors[kind]++
	if !ok {
		w.bad = append(w.bad, fmt.Sprintf("%s: %s: %v", op, kind, err))
	}
	return true
}

// soakReport is the summary, as written to SOAK_REPORT.
type soakReport struct {
	Calls            int                     `json:"calls"`
	Workers          int                     `json:"workers"`
	DurationSeconds  float64                 `json:"duration_seconds"`
	CallsPerSecond   float64                 `json:"calls_per_second"`
	Successes        int                     `json:"successes"`
	ErrorsByKind     map[string]int          `json:"errors_by_kind"`
	Operations       map[string]*soakOpStats `json:"operations"`
	Requests         int64                   `json:"requests"`
	Retries          int64                   `json:"retries"`
	FaultHits        int                     `json:"fault_hits"`
	UsersCreated     int                     `json:"users_created"`
	UsersOnServer    int                     `json:"users_on_server"`
	MessagesCreated  int                     `json:"messages_created"`
	MessagesOnServer int                     `json:"messages_on_server"`
	AmbiguousWrites  int                     `json:"ambiguous_writes"`
	Goroutines       map[string]int          `json:"goroutines"`
	FDs              map[string]int          `json:"fds"`
	HeapInuseMiB     map[string]float64      `json:"heap_inuse_mib"`
	// HeapInuseLessStoreMiB is HeapInuseMiB less StoreBytesPerWrite for
	// every write of the run: the memory of the client and the server's
	// machinery, without the server's data.
	HeapInuseLessStoreMiB map[string]float64 `json:"heap_inuse_less_store_mib"`
	StoreBytesPerWrite    float64            `json:"store_bytes_per_write"`
	GoVersion             string             `json:"go_version"`
	GOMAXPROCS            int                `json:"gomaxprocs"`
}

func TestSoak(t *testing.T) {
	calls := soakEnvInt(t, "SOAK_CALLS", 100000)
	workers := soakEnvInt(t, "SOAK_WORKERS", 64)
	ctx := context.Background()

	srv := bptest.Start(t, bptest.WithSeed(1), bptest.WithPageSize(100))
	transport := &http.Transport{
		MaxIdleConns:        2 * workers,
		MaxIdleConnsPerHost: 2 * workers,
		IdleConnTimeout:     90 * time.Second,
	}
	counting := &soakCounting{next: transport}
	c := srv.Client(
		client.WithHTTPClient(&http.Client{Transport: counting}),
		client.WithRetryDelay(time.Millisecond, 10*time.Millisecond),
		client.WithTimeout(30*time.Second),
	)

	// What the calls read and write to, made before any fault.
	const seedUsers = 50
	seedIDs := make([]string, seedUsers)
	for i := range seedIDs {
		u, err := c.CreateUser(ctx, gen.CreateUserJSONRequestBody{Tags: map[string]string{"kind": "seed"}})
		if err != nil {
			t.Fatal(err)
		}
		seedIDs[i] = u.User.ID
	}
	conv, err := c.CreateConversation(ctx, gen.CreateConversationJSONRequestBody{Channel: "soak", Tags: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	convID := conv.Conversation.ID

	// What one write costs the server's store, which shares the heap with
	// the client: measured on writes like those of the run, so that the
	// heap check can leave the store out.
	const calibration = 1000
	before := soakHeap()
	for i := range calibration {
		tags := map[string]string{"calibration": strconv.Itoa(i)}
		if _, err := c.CreateUser(ctx, gen.CreateUserJSONRequestBody{Tags: tags}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateMessage(ctx, gen.CreateMessageJSONRequestBody{
			ConversationID: convID, UserID: seedIDs[i%seedUsers],
			Payload: message.Text("calibration"), Tags: tags,
		}); err != nil {
			t.Fatal(err)
		}
	}
	perWrite := max(0, float64(soakHeap())-float64(before)) / (2 * calibration)
	t.Logf("the server's store takes about %.0f bytes per write", perWrite)

	// The baseline: no connection open, the server idle.
	transport.CloseIdleConnections()
	time.Sleep(200 * time.Millisecond)
	baseGoroutines, baseFDs := runtime.NumGoroutine(), soakFDs()
	heap := map[string]float64{}       // HeapInuse, MiB
	clientHeap := map[string]float64{} // HeapInuse less the store's writes of the run, MiB
	goroutines := map[string]int{"before": baseGoroutines}
	var heapMu sync.Mutex
	var writes atomic.Int64 // successful writes of the run
	sample := func(label string) {
		h := float64(soakHeap())
		w := writes.Load()
		n := runtime.NumGoroutine()
		own := (h - perWrite*float64(w)) / (1 << 20)
		heapMu.Lock()
		heap[label], clientHeap[label] = h/(1<<20), own
		goroutines[label] = n
		heapMu.Unlock()
		t.Logf("at %s of the calls: HeapInuse %.1f MiB, %.1f MiB without the %d writes stored, %d goroutines",
			label, h/(1<<20), own, w, n)
	}

	removes := []func(){
		srv.InjectFault(bptest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Millisecond, Rate: 0.03}),
		srv.InjectFault(bptest.Fault{Status: http.StatusServiceUnavailable, Rate: 0.02}),
		srv.InjectFault(bptest.Fault{Status: http.StatusInternalServerError, Rate: 0.01}),
		srv.InjectFault(bptest.Fault{Latency: 2 * time.Millisecond, Rate: 0.05}),
		srv.InjectFault(bptest.Fault{Drop: true, Rate: 0.01}),
	}

	var next, done atomic.Int64
	at10, at50 := int64(calls/10), int64(calls/2)
	results := make([]*soakWorker, workers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		res := &soakWorker{ops: map[string]*soakOpStats{}}
		results[w] = res
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for {
				i := next.Add(1) - 1
				if i >= int64(calls) {
					return
				}
				func() {
					defer func() {
						if p := recover(); p != nil {
							res.bad = append(res.bad, fmt.Sprintf("call %d panicked: %v", i, p))
						}
					}()
					tag := "c" + strconv.FormatInt(i, 10)
					// 55% getUser, 5% getUser of a missing user, 20%
					// listUsers, 10% createUser, 10% createMessage. The
					// server's store shares the heap and grows with every
					// write (about 0.7 KiB each), so writes are kept to a
					// fifth of the calls for the heap check to see the
					// client rather than the store.
					switch n := i % 20; {
					case n < 11:
						_, err := c.GetUser(ctx, seedIDs[rng.IntN(seedUsers)])
						res.record(soakGetUser, err)
					case n < 12:
						_, err := c.GetUser(ctx, "user_missing"+tag)
						var apiErr *bperrors.APIError
						if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound {
							err = nil // the expected answer
						} else if err == nil {
							err = errors.New("a missing user was found")
						}
						res.record(soakGetMissingUser, err)
					case n < 16:
						_, err := c.ListUsers(ctx, &gen.ListUsersParams{Tags: map[string]string{"kind": "seed"}})
						res.record(soakListUsers, err)
					case n < 18:
						_, err := c.CreateUser(ctx, gen.CreateUserJSONRequestBody{Tags: map[string]string{"soak": tag}})
						if res.record(soakCreateUser, err) {
							res.usersErr = append(res.usersErr, tag)
							if kind, _ := soakClassify(err); kind == "context" {
								res.ambiguous++ // given up on: maybe applied
							}
						} else {
							res.usersOK = append(res.usersOK, tag)
							writes.Add(1)
						}
					default:
						_, err := c.CreateMessage(ctx, gen.CreateMessageJSONRequestBody{
							ConversationID: convID, UserID: seedIDs[rng.IntN(seedUsers)],
							Payload: message.Text("soak " + tag), Tags: map[string]string{"soak": tag},
						})
						if res.record(soakCreateMessage, err) {
							res.messageErr = append(res.messageErr, tag)
							if kind, _ := soakClassify(err); kind == "context" {
								res.ambiguous++
							}
						} else {
							res.messagesOK = append(res.messagesOK, tag)
							writes.Add(1)
						}
					}
				}()
				switch done.Add(1) {
				case at10:
					sample("10%")
				case at50:
					sample("50%")
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sample("100%")
	faultHits := srv.FaultHits()
	for _, remove := range removes {
		remove()
	}

	// Merge what the workers saw.
	rep := soakReport{
		Calls: calls, Workers: workers, DurationSeconds: elapsed.Seconds(),
		CallsPerSecond: float64(calls) / elapsed.Seconds(),
		ErrorsByKind:   map[string]int{}, Operations: map[string]*soakOpStats{},
		Requests: counting.n.Load(), FaultHits: faultHits,
		GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0),
	}
	var bad, usersOK, usersErr, messagesOK, messagesErr []string
	total := 0
	for _, r := range results {
		bad = append(bad, r.bad...)
		usersOK, usersErr = append(usersOK, r.usersOK...), append(usersErr, r.usersErr...)
		messagesOK, messagesErr = append(messagesOK, r.messagesOK...), append(messagesErr, r.messageErr...)
		rep.AmbiguousWrites += r.ambiguous
		for op, s := range r.ops {
			m := rep.Operations[op]
			if m == nil {
				m = &soakOpStats{Errors: map[string]int{}}
				rep.Operations[op] = m
			}
			m.Calls += s.Calls
			m.Successes += s.Successes
			total += s.Calls
			rep.Successes += s.Successes
			for k, n := range s.Errors {
				m.Errors[k] += n
				rep.ErrorsByKind[k] += n
			}
		}
	}
	// The requests before the baseline are not calls of the run.
	rep.Requests -= seedUsers + 1 + 2*calibration
	rep.Retries = rep.Requests - int64(calls)
	rep.UsersCreated, rep.MessagesCreated = len(usersOK), len(messagesOK)

	if total != calls {
		t.Errorf("%d calls ended, %d were made", total, calls)
	}
	for i, b := range bad {
		if i == 20 {
			t.Errorf("... and %d more", len(bad)-20)
			break
		}
		t.Errorf("a call did not end as a success or a classified error: %s", b)
	}

	// Count the writes on the server. A dropped connection (bptest drops
	// before running the operation) and an error status both leave
	// nothing behind, and a POST is retried only after a 429, which
	// refused it before running it, so the server holds exactly the
	// writes that succeeded: no duplicate, none lost. Only a write given
	// up on (a timeout) could have been applied unseen.
	onServer := func(kind string, seq func(yield func(map[string]string, error) bool)) map[string]int {
		counts := map[string]int{}
		for tags, err := range seq {
			if err != nil {
				t.Fatalf("listing the %s: %v", kind, err)
			}
			if v, ok := tags["soak"]; ok {
				counts[v]++
			}
		}
		return counts
	}
	users := onServer("users", func(yield func(map[string]string, error) bool) {
		for u, err := range c.AllUsers(ctx, nil) {
			if !yield(u.Tags, err) {
				return
			}
		}
	})
	messages := onServer("messages", func(yield func(map[string]string, error) bool) {
		for m, err := range c.AllMessages(ctx, &gen.ListMessagesParams{ConversationID: &convID}) {
			if !yield(m.Tags, err) {
				return
			}
		}
	})
	for n := range users {
		rep.UsersOnServer += users[n]
	}
	for n := range messages {
		rep.MessagesOnServer += messages[n]
	}
	soakCheckWrites(t, "user", users, usersOK, usersErr, rep.AmbiguousWrites)
	soakCheckWrites(t, "message", messages, messagesOK, messagesErr, rep.AmbiguousWrites)

	// Goroutines and file descriptors come back to the baseline once the
	// client's idle connections are closed.
	transport.CloseIdleConnections()
	var afterGoroutines, afterFDs int
	for deadline := time.Now().Add(10 * time.Second); ; {
		afterGoroutines, afterFDs = runtime.NumGoroutine(), soakFDs()
		if afterGoroutines <= baseGoroutines && afterFDs <= baseFDs || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	goroutines["after"] = afterGoroutines
	rep.Goroutines = goroutines
	rep.FDs = map[string]int{"before": baseFDs, "after": afterFDs}
	rep.HeapInuseMiB = heap
	rep.HeapInuseLessStoreMiB = clientHeap
	rep.StoreBytesPerWrite = perWrite
	if afterGoroutines > baseGoroutines {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutine leak: %d before, %d after\n%s", baseGoroutines, afterGoroutines, buf[:runtime.Stack(buf, true)])
	}
	if baseFDs >= 0 && afterFDs > baseFDs {
		t.Errorf("file descriptor leak: %d before, %d after", baseFDs, afterFDs)
	} else if baseFDs < 0 {
		t.Log("no /proc/self/fd: file descriptors not counted")
	}
	// Memory stays flat: the heap, less what the server stored, is at
	// most twice at 50% and 100% of the calls what it was at 10%.
	for _, label := range []string{"50%", "100%"} {
		if clientHeap[label] > 2*clientHeap["10%"] {
			t.Errorf("HeapInuse less the store grew from %.1f MiB at 10%% to %.1f MiB at %s (raw: %.1f to %.1f MiB)",
				clientHeap["10%"], clientHeap[label], label, heap["10%"], heap[label])
		}
	}

	kinds := make([]string, 0, len(rep.ErrorsByKind))
	for k := range rep.ErrorsByKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	t.Logf("soak: %d calls from %d goroutines in %v (%.0f calls/s), %d successes", calls, workers, elapsed.Round(time.Millisecond), rep.CallsPerSecond, rep.Successes)
	for _, k := range kinds {
		t.Logf("soak:   error %s: %d", k, rep.ErrorsByKind[k])
	}
	ops := make([]string, 0, len(rep.Operations))
	for op := range rep.Operations {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		s := rep.Operations[op]
		t.Logf("soak:   %-18s %6d calls, %6d ok, errors %v", op, s.Calls, s.Successes, s.Errors)
	}
	t.Logf("soak: %d requests (%d retries), %d fault hits", rep.Requests, rep.Retries, rep.FaultHits)
	t.Logf("soak: users created %d, on the server %d; messages created %d, on the server %d; ambiguous writes %d",
		rep.UsersCreated, rep.UsersOnServer, rep.MessagesCreated, rep.MessagesOnServer, rep.AmbiguousWrites)
	t.Logf("soak: goroutines %v, fds %v", rep.Goroutines, rep.FDs)
	t.Logf("soak: HeapInuse MiB %v; less the store (%.0f B per write) %v", soakRound(rep.HeapInuseMiB), perWrite, soakRound(rep.HeapInuseLessStoreMiB))
	if path := os.Getenv("SOAK_REPORT"); path != "" {
		out, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("soak: report written to %s", path)
	}
}

// soakCheckWrites compares the writes found on the server (tag → count)
// with the calls' outcomes.
func soakCheckWrites(t *testing.T, kind string, server map[string]int, ok, failed []string, ambiguous int) {
	t.Helper()
	for tag, n := range server {
		if n > 1 {
			t.Errorf("%s %s is on the server %d times: a write was repeated", kind, tag, n)
		}
	}
	for _, tag := range ok {
		if server[tag] == 0 {
			t.Errorf("%s %s was created but is not on the server", kind, tag)
		}
	}
	applied := 0
	for _, tag := range failed {
		if server[tag] > 0 {
			applied++
		}
	}
	if applied > ambiguous {
		t.Errorf("%d %ss whose call failed are on the server (only %d calls were given up on)", applied, kind, ambiguous)
	}
	if len(server) != len(ok)+applied {
		t.Errorf("%d %ss on the server, %d created", len(server), kind, len(ok))
	}
}

// soakRound rounds MiB figures to one decimal for the log.
func soakRound(m map[string]float64) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = strconv.FormatFloat(v, 'f', 1, 64)
	}
	return out
}
