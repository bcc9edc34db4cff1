//go:build soak

package chat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/message"
)

// The listen soak: many listeners (each its own user) while users talk to
// the echo bot at a steady pace, and every listen stream is dropped every
// few seconds, by the server after so many signals
// (Fault.DropStreamAfter, as botpress-mock -fault
// chat,op=listenConversation,drop-stream-after=N does) and at random moments
// by the test (DropChatStreams). At the end every listener must have had
// every message of its conversation, as listMessages lists them, exactly
// once, and the goroutines and open files of the process must have stayed
// flat while it ran, and come back to where they were once the listeners
// are closed. The server is bptest in this process: the goroutines and
// files counted are the client's and the server's.
//
//	go test -tags soak ./chat -run TestListenSoak -v
//	SOAK_DURATION=2m SOAK_REPORT=$PWD/chat-soak.json go test -tags soak ./chat -run TestListenSoak -v -timeout 10m
//
// SOAK_DURATION (20s), SOAK_LISTENERS (100), SOAK_CONVERSATIONS (5),
// SOAK_RATE (messages users send per second, 25: as many bot messages
// again), SOAK_DROP_EVERY (3s: about how often each stream is dropped);
// SOAK_REPORT, a file to write the summary to as JSON.

// listenSoakReport is the summary, as written to SOAK_REPORT.
type listenSoakReport struct {
	DurationSeconds   float64 `json:"duration_seconds"`
	Listeners         int     `json:"listeners"`
	Conversations     int     `json:"conversations"`
	UserMessages      int     `json:"user_messages"`
	BotMessages       int     `json:"bot_messages"`
	BotMessagesPerSec float64 `json:"bot_messages_per_second"`
	Messages          int     `json:"messages"`
	Expected          int     `json:"deliveries_expected"`
	Delivered         int     `json:"deliveries"`
	Recovered         int     `json:"deliveries_recovered"`
	Lost              int     `json:"lost"`
	Duplicated        int     `json:"duplicated"`
	Unknown           int     `json:"unknown"`
	DropStreamAfter   int     `json:"drop_stream_after"`
	// Reconnections counts the streams lost: each was dropped by the
	// server after DropStreamAfter signals (ServerDrops) or by the test
	// (TestDrops).
	Reconnections      int64          `json:"reconnections"`
	ServerDrops        int64          `json:"server_drops"`
	TestDrops          int            `json:"test_drops"`
	ReconnectsPerSec   float64        `json:"reconnections_per_listener_per_minute"`
	Goroutines         map[string]int `json:"goroutines"`
	FDs                map[string]int `json:"fds"`
	GoVersion          string         `json:"go_version"`
	GOMAXPROCS         int            `json:"gomaxprocs"`
	DropEverySeconds   float64        `json:"drop_every_seconds"`
	SampleEverySeconds float64        `json:"sample_every_seconds"`
}

// soakListener is what one listener got.
type soakListener struct {
	conv      int
	mu        sync.Mutex
	got       map[string]int // message ID → deliveries
	unique    atomic.Int64
	recovered atomic.Int64
}

func TestListenSoak(t *testing.T) {
	duration := 20 * time.Second
	if v := os.Getenv("SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("SOAK_DURATION=%q: want a positive duration", v)
		}
		duration = d
	}
	dropEvery := 3 * time.Second
	if v := os.Getenv("SOAK_DROP_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("SOAK_DROP_EVERY=%q: want a positive duration", v)
		}
		dropEvery = d
	}
	nListeners := benchEnvInt(t, "SOAK_LISTENERS", 100)
	nConvs := benchEnvInt(t, "SOAK_CONVERSATIONS", 5)
	rate := benchEnvInt(t, "SOAK_RATE", 25)
	// Each stream carries its conversation's user messages and their
	// echoes: 2 × rate ÷ conversations signals a second.
	dropAfter := max(1, int(dropEvery.Seconds()*2*float64(rate)/float64(nConvs)))

	ctx, cancel := context.WithTimeout(context.Background(), duration+5*time.Minute)
	defer cancel()
	srv := bptest.Start(t, bptest.WithPageSize(100), bptest.WithResponseValidation(false))
	srv.OnMessage(bptest.EchoBot)
	key := srv.ChatEncryptionKey()
	const pool = 16 // idle connections kept, each two files and three goroutines in this process
	tr := &http.Transport{MaxIdleConnsPerHost: pool, ReadBufferSize: 1024, WriteBufferSize: 1024}
	hc := &http.Client{Transport: tr}
	opts := func(user string) []chat.Option {
		return []chat.Option{chat.WithBaseURL(srv.ChatURL()), chat.WithHTTPClient(hc), chat.WithEncryptionKey(key), chat.WithUserID(user)}
	}

	// The baseline: nothing open yet but the server.
	baseGoroutines, baseFDs := runtime.NumGoroutine(), openFDs()

	// One owner per conversation, who sends; the listeners' users, made
	// participants.
	owners := make([]*chat.Client, nConvs)
	convs := make([]string, nConvs)
	for i := range nConvs {
		c, err := chat.Connect(ctx, "", opts(fmt.Sprintf("soak-owner-%d", i))...)
		if err != nil {
			t.Fatal(err)
		}
		conv, err := c.CreateConversation(ctx, chatgen.CreateConversationJSONRequestBody{ID: chat.Ptr(fmt.Sprintf("soak-%d", i))})
		if err != nil {
			t.Fatal(err)
		}
		owners[i], convs[i] = c, conv.Conversation.ID
	}
	listeners := make([]*soakListener, nListeners)
	clients := make([]*chat.Client, nListeners)
	if err := benchParallel(nListeners, 16, func(i int) error {
		c, err := chat.Connect(ctx, "", opts(fmt.Sprintf("soak-user-%d", i))...)
		if err != nil {
			return err
		}
		clients[i] = c
		listeners[i] = &soakListener{conv: i % nConvs, got: map[string]int{}}
		_, err = owners[i%nConvs].AddParticipant(ctx, convs[i%nConvs], chatgen.AddParticipantJSONRequestBody{UserID: c.UserID()})
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// Each listener starts after a first message of its conversation (so
	// that where it starts is known), and is open once it has that
	// message's echo.
	firsts := make([]chatgen.Message, nConvs)
	for i, c := range owners {
		m, err := c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: convs[i], Payload: message.Text("soak start")})
		if err != nil {
			t.Fatal(err)
		}
		firsts[i] = m.Message
	}
	lctx, stopListeners := context.WithCancel(ctx)
	defer stopListeners()
	var reconnections atomic.Int64
	progress := make(chan struct{}, 1)
	failed := make(chan error, nListeners)
	var wg sync.WaitGroup
	for i, l := range listeners {
		wg.Go(func() {
			for s, err := range clients[i].Listen(lctx, convs[l.conv], chat.WithResumeAfter(firsts[l.conv]),
				chat.WithOnReconnect(func(error) { reconnections.Add(1) })) {
				if err != nil {
					failed <- fmt.Errorf("listener %d: %w", i, err)
					return
				}
				m, ok := s.(*chat.MessageCreated)
				if !ok {
					continue
				}
				l.mu.Lock()
				l.got[m.Message.ID]++
				first := l.got[m.Message.ID] == 1
				l.mu.Unlock()
				if first {
					l.unique.Add(1)
				}
				if m.Recovered {
					l.recovered.Add(1)
				}
				select {
				case progress <- struct{}{}:
				default:
				}
			}
		})
	}
	// waitAll waits until every listener has want(conversation) messages.
	waitAll := func(want func(conv int) int64, what string) {
		t.Helper()
		for {
			done := true
			for _, l := range listeners {
				if l.unique.Load() < want(l.conv) {
					done = false
					break
				}
			}
			if done {
				return
			}
			select {
			case <-progress:
			case err := <-failed:
				t.Fatal(err)
			case <-ctx.Done():
				t.Fatalf("%s: not every listener got its messages", what)
			}
		}
	}
	if err := srv.WaitChatBot(ctx); err != nil {
		t.Fatal(err)
	}
	waitAll(func(int) int64 { return 1 }, "opening") // the first message's echo

	// The run: faults on, a steady flow, samples every second.
	remove := srv.InjectFault(bptest.Fault{Chat: true, Operation: "listenConversation", DropStreamAfter: dropAfter})
	goroutines := map[string]int{"before": baseGoroutines}
	fds := map[string]int{"before": baseFDs}
	sample := func(label string) {
		g, f := runtime.NumGoroutine(), openFDs()
		if label != "" {
			goroutines[label], fds[label] = g, f
		}
		goroutines["max"] = max(goroutines["max"], g)
		fds["max"] = max(fds["max"], f)
	}
	// The start and the end are sampled with no idle connection in the
	// pool, and at the end once every listener has caught up; the highest
	// sample, taken every second while streams are dropped, counts the
	// recoveries under way too: up to a connection per listener.
	tr.CloseIdleConnections()
	sample("start")
	var sent atomic.Int64
	sendErr := make(chan error, 1)
	testDrops := 0
	start := time.Now()
	func() {
		pace := time.NewTicker(time.Second / time.Duration(rate))
		defer pace.Stop()
		every := time.NewTicker(time.Second)
		defer every.Stop()
		end := time.NewTimer(duration)
		defer end.Stop()
		rng := rand.New(rand.NewPCG(1, 2))
		nextDrop := time.NewTimer(dropEvery/2 + time.Duration(rng.Int64N(int64(dropEvery))))
		defer nextDrop.Stop()
		var senders sync.WaitGroup
		defer senders.Wait()
		for {
			select {
			case <-pace.C:
				n := int(sent.Add(1))
				i := n % nConvs
				senders.Go(func() {
					_, err := owners[i].CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: convs[i], Payload: message.Text("soak " + strconv.Itoa(n))})
					if err != nil {
						select {
						case sendErr <- err:
						default:
						}
					}
				})
			case <-every.C:
				sample("")
			case <-nextDrop.C:
				testDrops += srv.DropChatStreams()
				nextDrop.Reset(dropEvery/2 + time.Duration(rng.Int64N(int64(dropEvery))))
			case err := <-failed:
				t.Fatal(err)
			case <-end.C:
				return
			}
		}
	}()
	elapsed := time.Since(start)
	select {
	case err := <-sendErr:
		t.Fatal(err)
	default:
	}
	if err := srv.WaitChatBot(ctx); err != nil {
		t.Fatal(err)
	}
	remove()

	// What each conversation holds, as listMessages lists it.
	expected := make([]map[string]bool, nConvs)
	for i, c := range owners {
		expected[i] = map[string]bool{}
		for m, err := range c.AllMessages(ctx, convs[i], nil) {
			if err != nil {
				t.Fatal(err)
			}
			if m.ID != firsts[i].ID && !m.CreatedAt.Before(firsts[i].CreatedAt) {
				expected[i][m.ID] = true
			}
		}
	}
	waitAll(func(conv int) int64 { return int64(len(expected[conv])) }, "the end")
	tr.CloseIdleConnections()
	sample("end")
	stopListeners()
	wg.Wait()

	rep := listenSoakReport{
		DurationSeconds: elapsed.Seconds(), Listeners: nListeners, Conversations: nConvs,
		UserMessages: int(sent.Load()), DropStreamAfter: dropAfter, TestDrops: testDrops,
		Reconnections: reconnections.Load(), GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		DropEverySeconds: dropEvery.Seconds(), SampleEverySeconds: 1,
	}
	for _, e := range expected {
		rep.Messages += len(e)
	}
	rep.ServerDrops = rep.Reconnections - int64(testDrops)
	rep.BotMessages = rep.Messages - rep.UserMessages - nConvs // less the first echoes
	rep.BotMessagesPerSec = float64(rep.BotMessages) / elapsed.Seconds()
	rep.ReconnectsPerSec = float64(rep.Reconnections) / float64(nListeners) / elapsed.Minutes()
	for i, l := range listeners {
		want := expected[l.conv]
		rep.Expected += len(want)
		rep.Recovered += int(l.recovered.Load())
		for id, n := range l.got {
			rep.Delivered += n
			switch {
			case !want[id]:
				rep.Unknown++
				t.Errorf("listener %d got %s, not a message of its conversation since it started", i, id)
			case n > 1:
				rep.Duplicated += n - 1
				t.Errorf("listener %d got %s %d times", i, id, n)
			}
		}
		for id := range want {
			if l.got[id] == 0 {
				rep.Lost++
				t.Errorf("listener %d never got %s", i, id)
			}
		}
	}

	// Back to the baseline once everything is closed. The server ends its
	// side of each connection on its own goroutines: wait for them, up to
	// a bound.
	tr.CloseIdleConnections()
	var afterGoroutines, afterFDs int
	settle := time.NewTicker(20 * time.Millisecond)
	defer settle.Stop()
	for deadline := time.Now().Add(10 * time.Second); ; {
		afterGoroutines, afterFDs = runtime.NumGoroutine(), openFDs()
		if afterGoroutines <= baseGoroutines && afterFDs <= baseFDs || time.Now().After(deadline) {
			break
		}
		<-settle.C
	}
	goroutines["after"], fds["after"] = afterGoroutines, afterFDs
	rep.Goroutines, rep.FDs = goroutines, fds

	// Flat: at the end, at most a tenth of the listeners' connections and
	// the pool's above the start (a reconnection under way, the server's
	// side of an idle connection just closed); while it ran, at most a
	// connection per listener and the pool's (the recoveries after the
	// test dropped every stream at once), where a leak of one per
	// reconnection would be thousands. A connection is two files and three
	// goroutines in this process: the client's and the server's.
	if limit := goroutines["start"] + 3*(nListeners/10+pool); goroutines["end"] > limit {
		t.Errorf("goroutines grew: %v (limit at the end %d)", goroutines, limit)
	}
	if limit := goroutines["start"] + 3*(nListeners+pool); goroutines["max"] > limit {
		t.Errorf("goroutines grew: %v (limit %d)", goroutines, limit)
	}
	if limit := fds["start"] + 2*(nListeners/10+pool); fds["start"] >= 0 && fds["end"] > limit {
		t.Errorf("open files grew: %v (limit at the end %d)", fds, limit)
	}
	if limit := fds["start"] + 2*(nListeners+pool); fds["start"] >= 0 && fds["max"] > limit {
		t.Errorf("open files grew: %v (limit %d)", fds, limit)
	}
	if afterGoroutines > baseGoroutines {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutine leak: %d before, %d after\n%s", baseGoroutines, afterGoroutines, buf[:runtime.Stack(buf, true)])
	}
	if afterFDs > baseFDs {
		t.Errorf("file descriptor leak: %d before, %d after", baseFDs, afterFDs)
	}
	if rep.Reconnections == 0 {
		t.Error("no stream was dropped")
	}

	t.Logf("listen soak: %.1f s, %d listeners over %d conversations; %d user messages, %d bot messages (%.1f/s)",
		rep.DurationSeconds, nListeners, nConvs, rep.UserMessages, rep.BotMessages, rep.BotMessagesPerSec)
	t.Logf("listen soak: %d deliveries of %d expected (%d recovered), %d lost, %d duplicated, %d unknown",
		rep.Delivered, rep.Expected, rep.Recovered, rep.Lost, rep.Duplicated, rep.Unknown)
	t.Logf("listen soak: %d streams lost and reopened (%.1f per listener a minute): %d dropped by the server after %d signals, %d by the test",
		rep.Reconnections, rep.ReconnectsPerSec, rep.ServerDrops, dropAfter, rep.TestDrops)
	t.Logf("listen soak: goroutines %v, open files %v", goroutines, fds)
	if path := os.Getenv("SOAK_REPORT"); path != "" {
		out, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("listen soak: report written to %s", path)
	}
}
