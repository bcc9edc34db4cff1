package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `goos: linux
goarch: amd64
pkg: github.com/botpress-go/sdk/client
cpu: AMD EPYC 7B13
BenchmarkGetConversation/sdk/seq-2         	   60000	     40000 ns/op	    7100 B/op	      85 allocs/op
BenchmarkGetConversation/sdk/seq-2         	   60000	     42000 ns/op	    7100 B/op	      85 allocs/op
BenchmarkGetConversation/sdk/seq-2         	   60000	     50000 ns/op	    7100 B/op	      85 allocs/op
BenchmarkWalk/pages=500
    bench_test.go:12: a log line
BenchmarkWalk/pages=500-2                  	      10	 150000000 ns/op	     66666 items/s	   3355443 peak-heap-B	 50000000 B/op	  700000 allocs/op
BenchmarkUploadFilePath                    	      30	  70000000 ns/op	 958.72 MB/s	  180000 B/op	     300 allocs/op
PASS
ok  	github.com/botpress-go/sdk/client	40.1s
`

func TestParseGo(t *testing.T) {
	r, err := parseGo(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if r.GOOS != "linux" || r.GOARCH != "amd64" || r.CPU != "AMD EPYC 7B13" {
		t.Errorf("header: %q %q %q", r.GOOS, r.GOARCH, r.CPU)
	}
	if len(r.Benches) != 3 {
		t.Fatalf("got %d benchmarks, want 3", len(r.Benches))
	}
	g := r.Bench("BenchmarkGetConversation/sdk/seq")
	if g == nil || g.Procs != 2 || g.Runs != 3 || g.Metrics["ns/op"] != 42000 {
		t.Errorf("GetConversation: %+v", g)
	}
	w := r.Bench("BenchmarkWalk/pages=500")
	if w == nil || w.Metrics["items/s"] != 66666 || w.Metrics["peak-heap-B"] != 3355443 {
		t.Errorf("Walk: %+v", w)
	}
	u := r.Bench("BenchmarkUploadFilePath")
	if u == nil || u.Procs != 1 || u.Metrics["MB/s"] != 958.72 {
		t.Errorf("Upload: %+v", u)
	}
	if c := goCall(g); math.Abs(c.PerSec-1e9/42000) > 1e-6 {
		t.Errorf("calls/s = %v", c.PerSec)
	}
}

func TestFlattenJSON(t *testing.T) {
	kvs, err := flattenJSON([]byte(`{"calls":20000,"latency":{"p50":1.5,"p99":null},"errs":["a"],"ok":true}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, kv := range kvs {
		got = append(got, kv.Key+"="+kv.Value)
	}
	want := "calls=20000 latency.p50=1.5 latency.p99=null errs.0=a ok=true"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("got %s, want %s", s, want)
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{fmtInt(1234567.4), "1,234,567"},
		{fmtInt(999), "999"},
		{fmtInt(math.NaN()), "–"},
		{fmtRatio(0.8765), "0.88×"},
		{fmtRatio(13.27), "13.3×"},
		{fmtBytes(3355443), "3.2 MiB"},
		{short(62500), "62.5k"},
		{short(1838), "1.84k"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if s := niceStep(13000); s != 20000 {
		t.Errorf("niceStep(13000) = %v", s)
	}
}

func TestReadChat(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		path := dir + "/" + name
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	goPath := write("chat-go.txt", `goos: linux
BenchmarkListeners
    bench_test.go:225: 10000 listeners over 100 conversations open in 8.7 s
BenchmarkListeners/listeners=10000/conversations=100-2   	    1000	   9382701 ns/op	     44530 bytes/listener	         3.008 goroutines/listener	     37441 heap+stack-B/listener	         8.730 open-s	   6017342 p50-ns	  21858087 p99-ns	    100000 samples	     24579 stack-B/listener
PASS
`)
	tsPath := write("chat-ts.json", `{"client":"@botpress/chat","clientVersion":"0.5.5","node":"v20","listeners":1000,"conversations":10,"rssBytesPerListener":16500,"p50Ns":14000000}`)
	soakPath := write("chat-soak.json", `{"lost":0,"duplicated":0,"goroutines":{"start":551,"max":555,"end":551}}`)
	c, err := readChat(goPath, goPath, tsPath, soakPath, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.GoListeners != 10000 || c.GoConvs != 100 || c.TS.Listeners != 1000 {
		t.Errorf("layout: %d/%d, %d", c.GoListeners, c.GoConvs, c.TS.Listeners)
	}
	if !c.Target.Measured || c.Target.Met || math.Abs(c.Target.Value-44530.0/16500) > 1e-9 {
		t.Errorf("target: %+v", c.Target)
	}
	if c.Soak["goroutines.max"] != 555 {
		t.Errorf("soak: %v", c.Soak)
	}
	c.GoWS = c.Go
	var b strings.Builder
	chatMarkdown(func(f string, a ...any) { fmt.Fprintf(&b, f, a...) }, c)
	for _, want := range []string{"| **Memory per listener (RSS)** | **43.5 KiB** | **43.5 KiB** | **43.5 KiB** | **16.1 KiB** |", "| | Go, HTTP/1.1 | Go, HTTP/2 (h2c) | Go, WebSocket | @botpress/chat 0.5.5 (Node v20) |\n|---|---:|---:|---:|---:|", "The WebSocket column", "**missed**", "| **Lost, duplicated** | **0, 0** |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the section lacks %q:\n%s", want, b.String())
		}
	}
}

func TestRounds(t *testing.T) {
	const in = `# round 1 1.00 2.00 3.00 1/100 42
goos: linux
BenchmarkCreateMessage/sdk/seq-2   	 100	 1000 ns/op	 900 cpu-ns/op	 10 B/op	 2 allocs/op
BenchmarkCreateMessage/nethttp/seq-2	 100	 1100 ns/op	 950 cpu-ns/op	 12 B/op	 3 allocs/op
# round 2 4.00 5.00 6.00 1/100 42
BenchmarkCreateMessage/sdk/seq-2   	 100	 2000 ns/op	 900 cpu-ns/op	 10 B/op	 2 allocs/op
BenchmarkCreateMessage/nethttp/seq-2	 100	 1900 ns/op	 950 cpu-ns/op	 12 B/op	 3 allocs/op
# round 3 7.00 8.00 9.00 1/100 42
BenchmarkCreateMessage/sdk/seq-2   	 100	 3000 ns/op	 900 cpu-ns/op	 10 B/op	 2 allocs/op
BenchmarkCreateMessage/nethttp/seq-2	 100	 3300 ns/op	 950 cpu-ns/op	 12 B/op	 3 allocs/op
`
	r, err := parseRounds([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Runs) != 3 || r.Loads[2] != "7.00 8.00 9.00" {
		t.Fatalf("got %d rounds, loads %q", len(r.Runs), r.Loads)
	}
	s, b, ratio, n := r.figure("BenchmarkCreateMessage/sdk/seq", "BenchmarkCreateMessage/nethttp/seq", "ns/op", true)
	// Per-round throughput ratios 1.1, 0.95, 1.1: the median is 1.1.
	if s != 2000 || b != 1900 || n != 3 || ratio < 1.0999 || ratio > 1.1001 {
		t.Fatalf("got %v %v %v %d", s, b, ratio, n)
	}
	md := roundsMarkdown(r)
	if !strings.Contains(md, "| createMessage | write | sequential | 500,000 | 526,316 | **1.10×** |") {
		t.Fatal(md)
	}
	path := filepath.Join(t.TempDir(), "B.md")
	if err := os.WriteFile(path, []byte("# B\n\n## Walking a list\n\nx\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 { // inserted, then rewritten in place
		if err := spliceRounds(path, md); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := os.ReadFile(path)
	if strings.Count(string(got), roundsBegin) != 1 || !strings.HasSuffix(string(got), "## Walking a list\n\nx\n") {
		t.Fatal(string(got))
	}
}
