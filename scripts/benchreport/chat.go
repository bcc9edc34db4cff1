package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// The Chat API's listeners: BenchmarkListeners (chat/bench_test.go)
// against botpress-mock in another process, scripts/bench-ts/listeners.mjs
// (@botpress/chat) against the same process, and the listen soak
// (chat/soak_test.go).

// chatMemoryGoal is the target of Go's memory per listener ÷ Node's.
const chatMemoryGoal = 0.2

// ChatTS is what scripts/bench-ts/listeners.mjs prints.
type ChatTS struct {
	Client                   string  `json:"client"`
	ClientVersion            string  `json:"clientVersion"`
	Node                     string  `json:"node"`
	Listeners                int     `json:"listeners"`
	Conversations            int     `json:"conversations"`
	Messages                 int     `json:"messages"`
	Samples                  int     `json:"samples"`
	OpenSeconds              float64 `json:"openSeconds"`
	RSSBytesPerListener      float64 `json:"rssBytesPerListener"`
	HeapUsedBytesPerListener float64 `json:"heapUsedBytesPerListener"`
	NsPerMessage             float64 `json:"nsPerMessage"`
	P50Ns                    float64 `json:"p50Ns"`
	P99Ns                    float64 `json:"p99Ns"`
}

// Chat is everything the "Chat listeners" section shows; nil parts were
// not measured.
type Chat struct {
	Go                   *GoBench // the cross-process BenchmarkListeners
	GoListeners, GoConvs int
	GoH2                 *GoBench // the same over unencrypted HTTP/2 (BENCH_H2C)
	GoWS                 *GoBench // the same over WebSocket (BENCH_WS)
	TS                   *ChatTS
	Soak                 map[string]float64
	Commands             []string
	Target               Target
	Webhook              *Webhook // webhook.go
}

// readChat reads the chat results; empty paths are left out.
func readChat(goPath, goH2Path, tsPath, soakPath, cmdPath string) (*Chat, error) {
	if goPath == "" && tsPath == "" && soakPath == "" {
		return nil, nil
	}
	c := &Chat{}
	if goPath != "" {
		b, err := readListeners(goPath)
		if err != nil {
			return nil, err
		}
		c.Go = b
		fmt.Sscanf(strings.TrimPrefix(b.Name, "BenchmarkListeners/"), "listeners=%d/conversations=%d", &c.GoListeners, &c.GoConvs)
	}
	if goH2Path != "" {
		b, err := readListeners(goH2Path)
		if err != nil {
			return nil, err
		}
		c.GoH2 = b
	}
	if tsPath != "" {
		data, err := os.ReadFile(tsPath)
		if err != nil {
			return nil, err
		}
		c.TS = &ChatTS{}
		if err := json.Unmarshal(data, c.TS); err != nil {
			return nil, fmt.Errorf("%s: %w", tsPath, err)
		}
	}
	if soakPath != "" {
		data, err := os.ReadFile(soakPath)
		if err != nil {
			return nil, err
		}
		kvs, err := flattenJSON(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", soakPath, err)
		}
		c.Soak = map[string]float64{}
		for _, kv := range kvs {
			if v, err := strconv.ParseFloat(kv.Value, 64); err == nil {
				c.Soak[kv.Key] = v
			}
		}
	}
	if cmdPath != "" {
		data, err := os.ReadFile(cmdPath)
		if err != nil {
			return nil, err
		}
		for l := range strings.Lines(string(data)) {
			if l = strings.TrimRight(l, "\r\n"); strings.TrimSpace(l) != "" {
				c.Commands = append(c.Commands, l)
			}
		}
	}
	c.Target = Target{Kind: "Memory per listener, Go ÷ Node", Op: "listen", Target: "≤ " + trimFloat(chatMemoryGoal)}
	if c.Go != nil && c.TS != nil {
		c.Target.Conc = fmt.Sprintf("%s vs %s listeners", fmtInt(float64(c.GoListeners)), fmtInt(float64(c.TS.Listeners)))
		g, n := metric(c.Go, "bytes/listener"), c.TS.RSSBytesPerListener
		if ok(g) && ok(n) && n > 0 {
			c.Target.Measured = true
			c.Target.Value = g / n
			c.Target.Met = c.Target.Value <= chatMemoryGoal
			c.Target.Detail = fmt.Sprintf("%s vs %s B", fmtInt(g), fmtInt(n))
		}
	}
	return c, nil
}

// readListeners reads the cross-process BenchmarkListeners result of a go
// test output.
func readListeners(path string) (*GoBench, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	run, err := parseGo(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var found *GoBench
	for _, b := range run.Benches {
		if strings.HasPrefix(b.Name, "BenchmarkListeners/listeners=") {
			found = b
		}
	}
	if found == nil {
		return nil, fmt.Errorf("%s: no cross-process BenchmarkListeners result (BenchmarkListeners/listeners=...)", path)
	}
	return found, nil
}

// fmtMs writes nanoseconds as milliseconds.
func fmtMs(ns float64) string {
	if !ok(ns) {
		return "–"
	}
	return strconv.FormatFloat(ns/1e6, 'f', 1, 64) + " ms"
}

// chatMarkdown writes the "Chat listeners" section.
func chatMarkdown(p func(string, ...any), c *Chat) {
	p("## Chat listeners\n\n")
	p("Many listeners of the Chat API in one process: Go's `chat.Client.Listen` (`BenchmarkListeners` in\n")
	p("`chat/bench_test.go`) and the official client `@botpress/chat`'s `listenConversation`\n")
	p("(`scripts/bench-ts/listeners.mjs`), against one botpress-mock process (`-bot-reply none -page-size 100 -h2c`), started\n")
	p("by scripts/bench, the clients in another process, one after the other. Each listener is its own user (a key\n")
	p("signed with the encryption key), a participant of its conversation, with its own client; 100 listeners per\n")
	p("conversation on both sides, opened 64 at a time. Memory per listener is the process's resident memory (RSS) once\n")
	p("every listener is connected, less before the first was opened, divided by their number, each read after a full\n")
	p("collection (Go: `runtime.GC` and `debug.FreeOSMemory`; Node: `gc()` under `--expose-gc`). Delivery latency runs\n")
	p("from just before a user's `createMessage` to each listener of the conversation having the message; one message\n")
	p("at a time, round robin over the conversations, after a warm-up of two messages per conversation. The Go\n")
	p("listeners share one `*http.Client` whose transport has 1 KiB read and write buffers and keeps up to 64 idle\n")
	p("connections (see `chat.WithHTTPClient`); the Node client runs with its own defaults. Both speak HTTP/1.1: one\n")
	p("connection per listener; the Go listeners are measured over HTTP/2 too, when the report has that run.\n\n")
	if c.Go == nil && c.TS == nil {
		p("Not measured.\n\n")
	} else {
		// One column per Go run: over HTTP/1.1, and over HTTP/2 and
		// WebSocket when measured.
		gos := []*GoBench{c.Go}
		heads := []string{"Go, `chat.Client.Listen`"}
		if c.GoH2 != nil || c.GoWS != nil {
			heads = []string{"Go, HTTP/1.1"}
		}
		if c.GoH2 != nil {
			heads = append(heads, "Go, HTTP/2 (h2c)")
			gos = append(gos, c.GoH2)
		}
		if c.GoWS != nil {
			heads = append(heads, "Go, WebSocket")
			gos = append(gos, c.GoWS)
		}
		goCols := func(f func(*GoBench) string) string {
			var cols []string
			for _, g := range gos {
				if g == nil {
					cols = append(cols, "–")
				} else {
					cols = append(cols, f(g))
				}
			}
			return strings.Join(cols, " | ")
		}
		tsCol := func(f func(*ChatTS) string) string {
			if c.TS == nil {
				return "–"
			}
			return f(c.TS)
		}
		tsName := "@botpress/chat"
		if c.TS != nil {
			tsName = c.TS.Client + " " + c.TS.ClientVersion + " (Node " + c.TS.Node + ")"
		}
		p("| | %s | %s |\n|---|%s---:|\n", strings.Join(heads, " | "), tsName, strings.Repeat("---:|", len(gos)))
		p("| Listeners | %s | %s |\n",
			goCols(func(*GoBench) string {
				return fmt.Sprintf("%s over %s conversations", fmtInt(float64(c.GoListeners)), fmtInt(float64(c.GoConvs)))
			}),
			tsCol(func(t *ChatTS) string {
				return fmt.Sprintf("%s over %s conversations", fmtInt(float64(t.Listeners)), fmtInt(float64(t.Conversations)))
			}))
		p("| **Memory per listener (RSS)** | %s | **%s** |\n", goCols(func(g *GoBench) string { return "**" + fmtBytes(metric(g, "bytes/listener")) + "**" }),
			tsCol(func(t *ChatTS) string { return fmtBytes(t.RSSBytesPerListener) }))
		p("| Heap per listener (Go: heap objects and goroutine stacks; Node: `heapUsed`) | %s | %s |\n",
			goCols(func(g *GoBench) string { return fmtBytes(metric(g, "heap+stack-B/listener")) }),
			tsCol(func(t *ChatTS) string { return fmtBytes(t.HeapUsedBytesPerListener) }))
		p("| of which goroutine stacks | %s | – |\n", goCols(func(g *GoBench) string { return fmtBytes(metric(g, "stack-B/listener")) }))
		p("| Goroutines per listener | %s | – |\n", goCols(func(g *GoBench) string { return fmtFloat(metric(g, "goroutines/listener"), 2) }))
		p("| Time to open them all | %s | %s |\n", goCols(func(g *GoBench) string { return fmtFloat(metric(g, "open-s"), 1) + " s" }),
			tsCol(func(t *ChatTS) string { return fmtFloat(t.OpenSeconds, 1) + " s" }))
		p("| Delivery latency p50 | %s | %s |\n", goCols(func(g *GoBench) string { return fmtMs(metric(g, "p50-ns")) }), tsCol(func(t *ChatTS) string { return fmtMs(t.P50Ns) }))
		p("| Delivery latency p99 | %s | %s |\n", goCols(func(g *GoBench) string { return fmtMs(metric(g, "p99-ns")) }), tsCol(func(t *ChatTS) string { return fmtMs(t.P99Ns) }))
		p("| One message to all its listeners | %s | %s |\n", goCols(func(g *GoBench) string { return fmtMs(metric(g, "ns/op")) }), tsCol(func(t *ChatTS) string { return fmtMs(t.NsPerMessage) }))
		p("| Latency samples (messages × listeners) | %s | %s |\n", goCols(func(g *GoBench) string { return fmtInt(metric(g, "samples")) }),
			tsCol(func(t *ChatTS) string { return fmtInt(float64(t.Samples)) }))
		p("\n")
		t := c.Target
		if t.Measured {
			verdict := "**missed**"
			if t.Met {
				verdict = "met"
			}
			p("Memory per listener, Go at %s ÷ Node at %s: **%s** (%s); target %s: %s.\n", fmtInt(float64(c.GoListeners)),
				fmtInt(float64(c.TS.Listeners)), fmtRatio(t.Value), t.Detail, t.Target, verdict)
			p("Node's resident memory grows in steps (V8 reserves its heap by pages), so its figure per listener moves from\n")
			p("one run to the next more than Go's; its `heapUsed` per listener is the steadier one.\n")
			if !t.Met {
				p("Over HTTP/1.1 a Go listener holds a connection of `net/http`, with its two goroutines (`readLoop`,\n")
				p("`writeLoop`) and their stacks, and the goroutine that consumes `Listen`, reading the stream on its own stack:\n")
				p("the stacks alone (%s) weigh more than a whole Node listener, which is a socket and a few objects on one event\n",
					fmtBytes(metric(c.Go, "stack-B/listener")))
				p("loop. Package chat starts no goroutine of its own per listener (the stream is read on the consumer's goroutine)\n")
				p("and keeps its own buffer at 1 KiB; what is left is `net/http`'s per-connection cost.")
				if c.GoH2 != nil {
					p(" Over HTTP/2 (botpress-mock `-h2c`,\n")
					p("`BENCH_H2C=1`: unencrypted, as a TLS server that offers HTTP/2 would be) the streams share a few connections,\n")
					p("but `net/http` still keeps a goroutine per stream besides the consumer's (%s goroutines per listener): %s.",
						fmtFloat(metric(c.GoH2, "goroutines/listener"), 2), fmtBytes(metric(c.GoH2, "bytes/listener")))
				}
				p("\nA goroutine that blocks reading its stream is the least a listener costs with `net/http`, and its stack alone\n")
				p("is about half a Node listener: a fifth would take an event loop of our own in place of `net/http`, which we chose\n")
				p("not to write.")
			}
			p("\n\n")
		}
		if c.GoWS != nil {
			p("The WebSocket column listens with `chat.WithWebSocket()` (`BENCH_WS=1`), one HTTP/1.1 connection per listener\n")
			p("taken over by `github.com/coder/websocket` once the handshake is done: `net/http` keeps no goroutine for it, and\n")
			p("the frames are read on the consumer's goroutine (%s goroutines per listener): %s per listener.\n\n",
				fmtFloat(metric(c.GoWS, "goroutines/listener"), 2), fmtBytes(metric(c.GoWS, "bytes/listener")))
		}
		if c.Go != nil {
			p("`%s-%d`: %s iterations (messages).\n\n", c.Go.Name, c.Go.Procs, fmtInt(float64(c.Go.N)))
		}
	}
	if c.Webhook != nil {
		webhookMarkdown(p, c.Webhook)
	}
	if len(c.Soak) > 0 {
		s := c.Soak
		p("### Listening through dropped streams\n\n")
		p("The listen soak (`chat/soak_test.go`, `go test -tags soak ./chat -run TestListenSoak`, summary in `$SOAK_REPORT`):\n")
		p("listeners, each its own user, while users talk to the echo bot at a steady pace and every stream is dropped every\n")
		p("few seconds, by the server after so many signals (bptest's `Fault.DropStreamAfter`, as `botpress-mock -fault\n")
		p("chat,op=listenConversation,drop-stream-after=N`) and at random moments by the test (`DropChatStreams`). At the end\n")
		p("every listener's deliveries are checked against `listMessages`. bptest runs in the test's process: the goroutines\n")
		p("and open files counted are the client's and the server's (a connection is two files and three goroutines),\n")
		p("sampled every second. The start and the end are sampled with no idle connection in the pool, the end once every\n")
		p("listener has caught up; the highest sample also counts the recoveries under way after the test dropped every\n")
		p("stream at once (up to a connection per listener), where a leak would grow with the thousands of reconnections.\n\n")
		v := func(k string) float64 {
			if x, found := s[k]; found {
				return x
			}
			return math.NaN()
		}
		p("| | |\n|---|---:|\n")
		p("| Duration | %s s |\n", fmtFloat(v("duration_seconds"), 0))
		p("| Listeners | %s over %s conversations |\n", fmtInt(v("listeners")), fmtInt(v("conversations")))
		p("| Messages of the users, of the bot | %s, %s (%s bot messages/s) |\n", fmtInt(v("user_messages")), fmtInt(v("bot_messages")), fmtFloat(v("bot_messages_per_second"), 1))
		p("| Deliveries expected (each message to each listener of its conversation) | %s |\n", fmtInt(v("deliveries_expected")))
		p("| Deliveries | %s (%s recovered with `listMessages` after a reconnection) |\n", fmtInt(v("deliveries")), fmtInt(v("deliveries_recovered")))
		p("| **Lost, duplicated** | **%s, %s** |\n", fmtInt(v("lost")), fmtInt(v("duplicated")))
		p("| Streams lost and reopened | %s (%s per listener a minute) |\n", fmtInt(v("reconnections")), fmtFloat(v("reconnections_per_listener_per_minute"), 1))
		p("| of which dropped by the server after %s signals, by the test | %s, %s |\n", fmtInt(v("drop_stream_after")), fmtInt(v("server_drops")), fmtInt(v("test_drops")))
		p("| Goroutines: at the start, highest, at the end | %s, %s, %s |\n", fmtInt(v("goroutines.start")), fmtInt(v("goroutines.max")), fmtInt(v("goroutines.end")))
		p("| Open files: at the start, highest, at the end | %s, %s, %s |\n", fmtInt(v("fds.start")), fmtInt(v("fds.max")), fmtInt(v("fds.end")))
		p("| Goroutines, open files: before the listeners, after they ended | %s and %s, %s and %s |\n",
			fmtInt(v("goroutines.before")), fmtInt(v("fds.before")), fmtInt(v("goroutines.after")), fmtInt(v("fds.after")))
		p("\n")
	}
	if len(c.Commands) > 0 {
		p("```sh\n")
		for _, l := range c.Commands {
			p("%s\n", l)
		}
		p("```\n\n")
	}
}
