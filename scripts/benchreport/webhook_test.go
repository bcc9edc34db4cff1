package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const webhookSample = `loadavg: 0.50 0.40 0.30
goos: linux
goarch: amd64
pkg: github.com/botpress-go/sdk/chat
BenchmarkWebhook/senders=1-2         	   40000	     80000 ns/op	       320.0 body-B	     12500 signals/s	    9676 B/op	     133 allocs/op
BenchmarkWebhook/senders=16-2        	   60000	     40000 ns/op	       320.0 body-B	     25000 signals/s	    9711 B/op	     133 allocs/op
BenchmarkWebhookHandler-2            	  138241	     20000 ns/op	  16.00 MB/s	     50000 signals/s	    3584 B/op	      60 allocs/op
PASS
`

func TestWebhookReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chat-webhook.txt")
	if err := os.WriteFile(path, []byte(webhookSample), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := readWebhook(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Senders) != 2 || w.Handler == nil || w.Load != "0.50 0.40 0.30" {
		t.Fatalf("read %+v", w)
	}
	var b strings.Builder
	webhookMarkdown(func(f string, a ...any) { fmt.Fprintf(&b, f, a...) }, w)
	md := b.String()
	for _, want := range []string{
		"### Webhook signals into one Go handler",
		"320 bytes of JSON",
		"| 1 sender, over HTTP | **12,500** | 80.0 µs | 9.4 KiB in 133 allocations |",
		"| 16 senders, over HTTP | **25,000** | 40.0 µs |",
		"| The handler alone | **50,000** | 20.0 µs | 3.5 KiB in 60 allocations |",
		"Load average before they ran: 0.50 0.40 0.30",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("no %q in\n%s", want, md)
		}
	}
	if err := os.WriteFile(path, []byte("PASS\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readWebhook(path); err == nil {
		t.Error("a file without results is accepted")
	}
}
