package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The calls compared, as the Go benchmarks and bench.mjs name them.
var ops = []struct {
	Name  string // bench.mjs: "getConversation/seq"
	Bench string // go test: "BenchmarkGetConversation/sdk/seq"
}{
	{"getConversation", "BenchmarkGetConversation"},
	{"createMessage", "BenchmarkCreateMessage"},
}

// The concurrency levels compared.
var concs = []struct {
	N    int
	Key  string // sub-benchmark and bench.mjs suffix
	Text string
}{
	{1, "seq", "sequential"},
	{32, "par32", "32 in flight"},
}

// The clients compared.
const (
	SDK = iota
	NetHTTP
	TS
	nClients
)

var clientNames = [nClients]string{"SDK", "bare net/http", "TypeScript client"}

// Call is one client's result for one call at one concurrency; NaN where
// it was not measured.
type Call struct {
	NsOp, BOp, Allocs, PerSec float64
	CPUNsOp                   float64 // the client process's CPU time per call
	Source                    string  // the benchmark it comes from
}

// Target is one comparison with its goal.
type Target struct {
	Kind     string // "Throughput, SDK ÷ bare net/http"
	Op       string
	Conc     string
	Value    float64
	Target   string // "≥ 0.85"
	Measured bool
	Met      bool
	Detail   string
}

// Walk is one walker benchmark.
type Walk struct {
	Name                                               string
	Pages                                              int
	NsOp, ItemsPerSec, PeakHeap, PeakLive, BOp, Allocs float64
}

// Data is everything the report and the chart show.
type Data struct {
	Machine  Machine
	Commands []string
	Go       *GoRun
	TS       *TSRun
	Soak     []KV
	SVGPath  string
	// Chat holds the Chat API's listener figures; nil when not measured.
	Chat *Chat
	// ColdBuild holds the runs of scripts/coldbuild; nil when not measured.
	ColdBuild []ColdBuild
	// Rounds holds the interleaved rounds of reads and writes; nil when
	// not measured.
	Rounds *Rounds

	// Calls[op][conc][client]
	Calls   [][][nClients]Call
	Targets []Target
	Walks   []Walk
	TSWalk  *TSResult
	Uploads []*GoBench
	// Overhead[op] is BenchmarkOverhead/{op}/{sdk,nethttp}: the clients
	// through a transport that answers at once; nil where absent.
	Overhead [][2]*GoBench
}

func newData(g *GoRun, ts *TSRun, soak []KV, m Machine, commands []string) *Data {
	d := &Data{Machine: m, Go: g, TS: ts, Soak: soak, Commands: commands}
	if len(d.Commands) == 0 {
		d.Commands = defaultCommands
	}
	for _, op := range ops {
		var row [][nClients]Call
		for _, c := range concs {
			var cs [nClients]Call
			cs[SDK] = goCall(g.Bench(op.Bench + "/sdk/" + c.Key))
			cs[NetHTTP] = goCall(g.Bench(op.Bench + "/nethttp/" + c.Key))
			cs[TS] = tsCall(ts.Result(op.Name + "/" + c.Key))
			row = append(row, cs)
		}
		d.Calls = append(d.Calls, row)
	}
	for i, op := range ops {
		for j, c := range concs {
			cs := d.Calls[i][j]
			d.Targets = append(d.Targets, atLeast("Throughput, SDK ÷ bare net/http", op.Name, c.Text,
				cs[SDK].PerSec, cs[NetHTTP].PerSec, 0.95, "calls/s"))
			d.Targets = append(d.Targets, below("Allocations, SDK ÷ bare net/http", op.Name, c.Text,
				cs[SDK].Allocs, cs[NetHTTP].Allocs, 1, "allocs/op"))
		}
	}
	for i, op := range ops {
		for j, c := range concs {
			cs := d.Calls[i][j]
			goal := 3.0
			if c.N > 1 {
				goal = 5
			}
			d.Targets = append(d.Targets, atLeast("Throughput, SDK ÷ TypeScript client", op.Name, c.Text,
				cs[SDK].PerSec, cs[TS].PerSec, goal, "calls/s"))
		}
	}
	for _, op := range ops {
		d.Overhead = append(d.Overhead, [2]*GoBench{
			g.Bench("BenchmarkOverhead/" + op.Name + "/sdk"),
			g.Bench("BenchmarkOverhead/" + op.Name + "/nethttp"),
		})
	}
	for _, b := range g.Benches {
		switch {
		case strings.HasPrefix(b.Name, "BenchmarkWalk"):
			w := Walk{Name: b.Name}
			if _, p, ok := strings.Cut(b.Name, "pages="); ok {
				w.Pages, _ = strconv.Atoi(p)
			}
			w.NsOp = metric(b, "ns/op")
			w.ItemsPerSec = metric(b, "items/s")
			w.PeakHeap = metric(b, "peak-heap-B")
			w.PeakLive = metric(b, "peak-live-B")
			w.BOp = metric(b, "B/op")
			w.Allocs = metric(b, "allocs/op")
			d.Walks = append(d.Walks, w)
		case strings.HasPrefix(b.Name, "BenchmarkUpload"):
			d.Uploads = append(d.Uploads, b)
		}
	}
	for i := range ts.Results {
		if strings.HasPrefix(ts.Results[i].Name, "walk") {
			d.TSWalk = &ts.Results[i]
			break
		}
	}
	return d
}

var defaultCommands = []string{
	"make bench   # runs scripts/bench, which does the following",
	"go build -o $TMP/benchserver ./internal/cmd/benchserver",
	"$TMP/benchserver -addr 127.0.0.1:0 -pages 500,5000 -page-size 20   # prints URL",
	"BENCH_SERVER_URL=URL go test ./client -run '^$' -bench . -benchmem -benchtime 2s -count 1 | tee build/bench/go.txt",
	"node scripts/bench-ts/bench.mjs URL > build/bench/ts.json",
	"cd scripts && go run ./benchreport -go ../build/bench/go.txt -ts ../build/bench/ts.json -out ../BENCHMARKS.md -svg ../docs/bench-throughput.svg",
}

func metric(b *GoBench, unit string) float64 {
	if v, ok := b.Metric(unit); ok {
		return v
	}
	return math.NaN()
}

func goCall(b *GoBench) Call {
	c := Call{NsOp: math.NaN(), BOp: math.NaN(), Allocs: math.NaN(), PerSec: math.NaN(), CPUNsOp: math.NaN()}
	if b == nil {
		return c
	}
	c.Source = fmt.Sprintf("%s-%d", b.Name, b.Procs)
	c.CPUNsOp = metric(b, "cpu-ns/op")
	c.NsOp = metric(b, "ns/op")
	c.BOp = metric(b, "B/op")
	c.Allocs = metric(b, "allocs/op")
	// A benchmark may report its own rate; otherwise ns/op is the wall
	// time per call, in flight or not.
	for _, u := range []string{"calls/s", "ops/s", "req/s"} {
		if v, ok := b.Metric(u); ok {
			c.PerSec = v
			return c
		}
	}
	if c.NsOp > 0 {
		c.PerSec = 1e9 / c.NsOp
	}
	return c
}

func tsCall(r *TSResult) Call {
	c := Call{NsOp: math.NaN(), BOp: math.NaN(), Allocs: math.NaN(), PerSec: math.NaN(), CPUNsOp: math.NaN()}
	if r == nil || r.CallsPerSec <= 0 {
		return c
	}
	if r.CPUNsPerOp > 0 {
		c.CPUNsOp = r.CPUNsPerOp
	}
	c.Source = "bench.mjs " + r.Name
	c.PerSec = r.CallsPerSec
	c.NsOp = 1e9 / r.CallsPerSec
	return c
}

func atLeast(kind, op, conc string, a, b, goal float64, unit string) Target {
	t := Target{Kind: kind, Op: op, Conc: conc, Target: "≥ " + trimFloat(goal)}
	if ok(a) && ok(b) && b > 0 {
		t.Measured = true
		t.Value = a / b
		t.Met = t.Value >= goal
		t.Detail = fmt.Sprintf("%s vs %s %s", fmtInt(a), fmtInt(b), unit)
	}
	return t
}

// below is a target met when a ÷ b is less than goal.
func below(kind, op, conc string, a, b, goal float64, unit string) Target {
	t := Target{Kind: kind, Op: op, Conc: conc, Target: "< " + trimFloat(goal)}
	if ok(a) && ok(b) && b > 0 {
		t.Measured = true
		t.Value = a / b
		t.Met = t.Value < goal
		t.Detail = fmt.Sprintf("%s vs %s %s", fmtInt(a), fmtInt(b), unit)
	}
	return t
}

func ok(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// ColdBuild is one run of scripts/coldbuild: the cold build of a program
// that uses only package client.
type ColdBuild struct {
	Wall, CPU float64 // seconds
}

// parseColdBuild reads the lines "coldbuild: 4.12 s wall, 5.61 s CPU".
func parseColdBuild(s string) ([]ColdBuild, error) {
	var out []ColdBuild
	for l := range strings.Lines(s) {
		var c ColdBuild
		if _, err := fmt.Sscanf(strings.TrimSpace(l), "coldbuild: %f s wall, %f s CPU", &c.Wall, &c.CPU); err != nil {
			continue
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no coldbuild line")
	}
	return out, nil
}
