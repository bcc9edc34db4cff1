package main

import (
	"fmt"
	"os"
	"strings"
)

// The Chat API's webhook receiver: BenchmarkWebhook and
// BenchmarkWebhookHandler (chat/webhook_bench_test.go), shown in the
// "Chat listeners" section beside the listeners' figures.

// Webhook is what the webhook part of the section shows.
type Webhook struct {
	Senders []*GoBench // BenchmarkWebhook/senders=N, in the order run
	Handler *GoBench   // BenchmarkWebhookHandler, nil when not run
	Load    string     // the load average before they ran (a "loadavg: " line scripts/bench writes), or ""
}

// readWebhook reads the output of `go test ./chat -bench Webhook`.
func readWebhook(path string) (*Webhook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	run, err := parseGo(strings.NewReader(string(data)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	w := &Webhook{}
	for l := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "loadavg:"); ok {
			w.Load = strings.TrimSpace(v)
		}
	}
	for _, b := range run.Benches {
		switch {
		case strings.HasPrefix(b.Name, "BenchmarkWebhook/senders="):
			w.Senders = append(w.Senders, b)
		case b.Name == "BenchmarkWebhookHandler":
			w.Handler = b
		}
	}
	if len(w.Senders) == 0 {
		return nil, fmt.Errorf("%s: no BenchmarkWebhook/senders=... result", path)
	}
	return w, nil
}

// webhookMarkdown writes the webhook part of the "Chat listeners" section.
func webhookMarkdown(p func(string, ...any), w *Webhook) {
	p("### Webhook signals into one Go handler\n\n")
	p("A bot's Chat integration can POST every signal to a URL (its `webhookUrl`) in place of the streams above:\n")
	p("one `chat.WebhookHandler` then takes the signals of every conversation. `BenchmarkWebhook`\n")
	p("(`chat/webhook_bench_test.go`): parallel senders POST `message_created` signals (a user's text message,\n")
	p("%s bytes of JSON, with `x-secret-key`, as the integration sends them) over keep-alive connections, one per\n",
		fmtInt(metric(w.Senders[0], "body-B")))
	p("sender, to an `httptest` server running the handler, whose function only counts them. Senders and server share\n")
	p("the process and its cores: the figures are a floor of what the handler takes, and the allocations are the\n")
	p("sender's and the server's together. `BenchmarkWebhookHandler` calls the handler alone, without a network: its\n")
	p("own cost per delivery (the secret checked, the body read, the signal decoded into a `*chat.MessageCreated`).\n\n")
	p("| | Signals per second | Time per signal | Allocated per signal |\n|---|---:|---:|---:|\n")
	row := func(name string, b *GoBench) {
		p("| %s | **%s** | %s | %s in %s allocations |\n", name, fmtInt(metric(b, "signals/s")),
			fmtMicros(metric(b, "ns/op")), fmtBytes(metric(b, "B/op")), fmtInt(metric(b, "allocs/op")))
	}
	for _, b := range w.Senders {
		n := strings.TrimPrefix(b.Name, "BenchmarkWebhook/senders=")
		name := n + " senders"
		if n == "1" {
			name = "1 sender"
		}
		row(name+", over HTTP", b)
	}
	if w.Handler != nil {
		row("The handler alone", w.Handler)
	}
	p("\n")
	if len(w.Senders) > 1 {
		first, best := metric(w.Senders[0], "signals/s"), 0.0
		for _, b := range w.Senders[1:] {
			best = max(best, metric(b, "signals/s"))
		}
		if ok(first) && ok(best) && best <= first {
			p("More senders did not give more signals per second here: the senders, the server and any other work\n")
			p("on the machine share its %d cores, so these runs say what one handler takes at the least, not how far it\n", w.Senders[0].Procs)
			p("scales on a machine of its own.\n\n")
		}
	}
	var names []string
	for _, b := range w.Senders {
		names = append(names, fmt.Sprintf("`%s-%d`: %s", b.Name, b.Procs, fmtInt(float64(b.N))))
	}
	p("Iterations (signals): %s.", strings.Join(names, ", "))
	if w.Load != "" {
		p(" Load average before they ran: %s (1, 5, 15 min).", w.Load)
	}
	p("\n\n")
}

// fmtMicros writes nanoseconds as microseconds.
func fmtMicros(ns float64) string {
	if !ok(ns) {
		return "–"
	}
	return fmtFloat(ns/1e3, 1) + " µs"
}
