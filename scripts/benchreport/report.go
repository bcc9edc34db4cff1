package main

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

func reportMarkdown(d *Data) []byte {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	m := d.Machine

	p("# Benchmarks\n\n")
	p("Written by `make bench` (scripts/bench, then scripts/benchreport) on %s; do not edit by hand, rerun it.\n", m.Date)
	p("The SDK, bare `net/http` and the official TypeScript client call the same server process: internal/cmd/benchserver\n")
	p("(package internal/benchserver: a minimal API of precomputed answers on 127.0.0.1), started once by scripts/bench;\n")
	p("the Go benchmarks find it in `$BENCH_SERVER_URL` and the TypeScript client is given its URL, so what differs between\n")
	p("them is the client, not the server, and the Go allocation counts are the client's alone. Every client warms up before\n")
	p("it is timed: the Go benchmarks make warm-up calls (filling the connection pool for `par32`) and then reset the timer\n")
	p("(`b.ResetTimer`); bench.mjs makes warm-up calls before each measurement. All sides send the same requests and get\n")
	p("the same answers. Client and server share the machine's cores; the figures compare clients on one machine and say\n")
	p("little about latency to the real API.\n\n")

	p("## Machine\n\n")
	p("| | |\n|---|---|\n")
	p("| Go | %s |\n", m.Go)
	p("| GOOS/GOARCH | %s/%s |\n", m.GOOS, m.GOARCH)
	p("| CPU | %s |\n", mdEscape(m.CPU))
	p("| Cores | %d (GOMAXPROCS %d in the Go benchmarks) |\n", m.Cores, m.Procs)
	if m.Kernel != "" {
		p("| Kernel | %s |\n", m.Kernel)
	}
	if m.Load != "" {
		p("| Load average before the runs | %s (1, 5, 15 min) |\n", m.Load)
	}
	p("| Node | %s |\n", m.Node)
	if m.TSClient != "" {
		p("| TypeScript client | %s |\n", m.TSClient)
	}
	p("\n")

	p("## Commands\n\n```sh\n")
	for _, c := range d.Commands {
		p("%s\n", c)
	}
	p("```\n\n")
	s := d.TS.Settings
	p("The Go benchmarks are `client/bench_test.go` and `client/files_bench_test.go`. The TypeScript figures come from\n")
	p("`scripts/bench-ts/bench.mjs`: %s calls per round after %s warm-up calls, median of %s; \"32 in flight\" is a pool\n",
		fmtInt(float64(s.Calls)), fmtInt(float64(s.Warmup)), plural(s.Rounds, "round"))
	p("of 32 promises taking calls until none are left; in Go, `par32` is `b.RunParallel` with 32 goroutines. Throughput is\n")
	p("calls per second of wall time (for Go, 10⁹ ÷ ns/op). Bare net/http is a careful hand-written client doing the same\n")
	p("work as the SDK: the same headers (Authorization, x-bot-id, Accept, User-Agent, and Content-Type with a body), the\n")
	p("answer decoded into the same `gen` struct, over the same `*http.Client` and transport; so the SDK's ratio to it is the\n")
	p("SDK's own cost, which includes what bare net/http does not do: a per-attempt timeout (a context with a deadline,\n")
	p("60 s by default, when the caller's context has no sooner one), status checks and retries.\n\n")

	met, total := 0, 0
	for _, t := range d.Targets {
		if t.Measured {
			total++
			if t.Met {
				met++
			}
		}
	}
	p("## Targets\n\n")
	p("%d of %d targets met.", met, total)
	if runs := minRuns(d.Go); runs == 1 {
		p(" Each Go benchmark ran once (`-count 1`): on a small machine that also runs the server, single runs are noisy,\n")
		p("and a ratio close to its target can fall on either side of it from one run to the next. `BENCHCOUNT=5 make bench`\n")
		p("runs each Go benchmark five times and reports the medians.")
	} else {
		p(" Go figures are medians of %d runs or more.", runs)
	}
	p("\n\n")
	p("| Comparison | Call | Concurrency | Measured | Target | |\n|---|---|---|---:|---|---|\n")
	for _, t := range d.Targets {
		if !t.Measured {
			p("| %s | %s | %s | not measured | %s | – |\n", t.Kind, t.Op, t.Conc, t.Target)
			continue
		}
		verdict := "**missed**"
		if t.Met {
			verdict = "met"
		}
		p("| %s | %s | %s | %s (%s) | %s | %s |\n", t.Kind, t.Op, t.Conc, fmtRatio(t.Value), t.Detail, t.Target, verdict)
	}
	p("\n")

	p("![Throughput in calls/s at concurrency 1 and 32: SDK, bare net/http, TypeScript client](%s)\n\n", d.SVGPath)

	p("## Calls\n\n")
	p("| Call | Concurrency | Client | ns/op | calls/s | CPU ns/op | B/op | allocs/op | Source |\n|---|---|---|---:|---:|---:|---:|---:|---|\n")
	for i, op := range ops {
		for j, c := range concs {
			for k := range nClients {
				cl := d.Calls[i][j][k]
				src := "–"
				if cl.Source != "" {
					src = "`" + cl.Source + "`"
				}
				p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", op.Name, c.Text, clientNames[k],
					fmtInt(cl.NsOp), fmtInt(cl.PerSec), fmtInt(cl.CPUNsOp), fmtInt(cl.BOp), fmtInt(cl.Allocs), src)
			}
		}
	}
	p("\nCPU ns/op is the CPU time (user and system, all threads) the client's process used per call while timed: Go's\n")
	p("`cpu-ns/op` (getrusage), Node's `process.cpuUsage()`. The server's is not in it, and other work on the machine\n")
	p("disturbs it far less than the wall time; it includes what each runtime spends waiting for the network (Go's\n")
	p("scheduler spinning, Node's event loop). The TypeScript client's memory per call is not measured (B/op and allocs/op\n")
	p("are Go's own counters).\n\n")

	if hasOverhead(d) {
		p("## The clients' own cost\n\n")
		p("`BenchmarkOverhead`: the same calls, one after the other, through an `*http.Client` whose transport answers at once\n")
		p("with the server's precomputed body: no network, no server, no waiting, so what is left is each client's own work\n")
		p("(building the request, `http.Client`, reading and decoding the answer), the part that differs between them.\n\n")
		p("| Call | Client | ns/op | CPU ns/op | B/op | allocs/op | SDK ÷ bare net/http |\n|---|---|---:|---:|---:|---:|---|\n")
		for i, op := range ops {
			pair := d.Overhead[i]
			for k, gb := range pair {
				if gb == nil {
					continue
				}
				cmp := ""
				if k == 0 && pair[1] != nil {
					cmp = fmt.Sprintf("time %s×, CPU %s×, allocations %s×", ratio(metric(gb, "ns/op"), metric(pair[1], "ns/op")),
						ratio(metric(gb, "cpu-ns/op"), metric(pair[1], "cpu-ns/op")), ratio(metric(gb, "allocs/op"), metric(pair[1], "allocs/op")))
				}
				p("| %s | %s | %s | %s | %s | %s | %s |\n", op.Name, clientNames[k], fmtInt(metric(gb, "ns/op")),
					fmtInt(metric(gb, "cpu-ns/op")), fmtInt(metric(gb, "B/op")), fmtInt(metric(gb, "allocs/op")), cmp)
			}
		}
		p("\nThe SDK's figures include its per-attempt timeout: a context with a deadline and its timer, which bare net/http\n")
		p("does not make.\n\n")
	}

	if d.Rounds != nil {
		p("%s\n", roundsMarkdown(d.Rounds))
	}
	p("## Walking a list\n\n")
	if len(d.Walks) == 0 {
		p("No `BenchmarkWalk` results.\n\n")
	} else {
		p("The SDK's page walker (`client.AllMessages`, an `iter.Seq2`), every page fetched and decoded; one op is a whole walk.\n\n")
		p("| Benchmark | Pages | ns/op | items/s | Peak heap | Peak live heap | B/op | allocs/op |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, w := range d.Walks {
			p("| `%s` | %s | %s | %s | %s | %s | %s | %s |\n", w.Name, fmtInt(float64(w.Pages)), fmtInt(w.NsOp),
				fmtInt(w.ItemsPerSec), fmtBytes(w.PeakHeap), fmtBytes(w.PeakLive), fmtInt(w.BOp), fmtInt(w.Allocs))
		}
		p("\nPeak heap: the highest heap in use during the walks (live objects and garbage not yet swept), above the heap\n")
		p("after a GC just before them; peak live heap: the highest live heap a GC found, above the one before (`peak-heap-B`\n")
		p("and `peak-live-B` in `client/bench_test.go`).\n")
		p("\n")
		small, big := &d.Walks[0], &d.Walks[0]
		for i := range d.Walks {
			if d.Walks[i].Pages < small.Pages {
				small = &d.Walks[i]
			}
			if d.Walks[i].Pages > big.Pages {
				big = &d.Walks[i]
			}
		}
		if small != nil && big != nil && small != big && small.Pages > 0 {
			p("From %s to %s pages (×%s): items/s ×%s, peak heap ×%s, peak live heap ×%s",
				fmtInt(float64(small.Pages)), fmtInt(float64(big.Pages)), trimFloat(float64(big.Pages)/float64(small.Pages)),
				ratio(big.ItemsPerSec, small.ItemsPerSec), ratio(big.PeakHeap, small.PeakHeap), ratio(big.PeakLive, small.PeakLive))
			if ok(big.PeakHeap) && ok(small.PeakHeap) && big.PeakHeap < 2*small.PeakHeap {
				p(": the walker holds one page at a time, so its memory does not grow with the walk.\n\n")
			} else {
				p(".\n\n")
			}
		}
		if d.TSWalk != nil {
			p("The TypeScript client's walker (`client.list.messages({conversationId})`, async iteration) over %s messages\n",
				fmtInt(float64(d.TSWalk.Items)))
			p("(500 pages of 20): %s items/s; the Node process's peak `heapUsed` during the walk, %s.", fmtInt(d.TSWalk.ItemsPerSec), fmtBytes(d.TSWalk.PeakHeapUsedBytes))
			for _, w := range d.Walks {
				if w.Pages == 500 && ok(w.ItemsPerSec) && d.TSWalk.ItemsPerSec > 0 {
					p(" SDK ÷ TypeScript client, items/s over the same 500 pages: %s×.", ratio(w.ItemsPerSec, d.TSWalk.ItemsPerSec))
				}
			}
			p("\n\n")
		}
	}

	p("## Uploading a file\n\n")
	if len(d.Uploads) == 0 {
		p("No `BenchmarkUpload*` results.\n\n")
	} else {
		p("| Benchmark | ns/op | MB/s | B/op | allocs/op | File size | B/op ÷ file size |\n|---|---:|---:|---:|---:|---:|---:|\n")
		for _, u := range d.Uploads {
			ns, mbs, bop := metric(u, "ns/op"), metric(u, "MB/s"), metric(u, "B/op")
			size := math.NaN()
			if ok(ns) && ok(mbs) {
				// MB/s = size/1e6 ÷ ns/1e9: the size b.SetBytes was given.
				size = roundSize(mbs * ns / 1e3)
			}
			share := "–"
			if ok(size) && ok(bop) && size > 0 {
				share = fmt.Sprintf("%.2f%%", 100*bop/size)
			}
			p("| `%s-%d` | %s | %s | %s | %s | %s | %s |\n", u.Name, u.Procs, fmtInt(ns), fmtFloat(mbs, 1),
				fmtBytesExact(bop), fmtInt(metric(u, "allocs/op")), fmtBytes(size), share)
		}
		p("\nThe file is streamed from disk to storage: bytes allocated per upload stay a small fraction of its size.\n\n")
	}

	if len(d.Soak) > 0 {
		p("## Soak\n\n")
		p("From the soak test (`client/soak_test.go`, `go test -tags soak ./client -run Soak`, summary in `$SOAK_REPORT`):\n")
		p("many calls from many goroutines through one client, with faults injected by the server.\n\n")
		vals := map[string]string{}
		for _, kv := range d.Soak {
			vals[kv.Key] = kv.Value
		}
		var rows [][2]string
		for _, k := range soakKeys {
			if v, found := vals[k[1]]; found {
				rows = append(rows, [2]string{k[0], soakValue(v)})
			}
		}
		if len(rows) > 0 {
			p("| | |\n|---|---:|\n")
			for _, r := range rows {
				p("| %s | %s |\n", r[0], mdEscape(r[1]))
			}
			p("\n<details><summary>All soak figures</summary>\n\n")
		}
		p("| | |\n|---|---:|\n")
		for _, kv := range d.Soak {
			p("| %s | %s |\n", mdEscape(kv.Key), mdEscape(soakValue(kv.Value)))
		}
		if len(rows) > 0 {
			p("\n</details>\n")
		}
		p("\n")
	}

	if d.Chat != nil {
		chatMarkdown(p, d.Chat)
	}

	if len(d.ColdBuild) > 0 {
		p("## Build time\n\n")
		p("The cold build of a program that only uses package client (`internal/cmd/coldbuild`: `client.New`\n")
		p("and `c.GetUser`), measured by `scripts/coldbuild`: an empty build cache in which the standard library\n")
		p("is compiled first (not counted), the module cache warm, on this machine.\n\n")
		p("| Run | Wall | CPU |\n|---|---:|---:|\n")
		walls := make([]float64, 0, len(d.ColdBuild))
		for i, c := range d.ColdBuild {
			p("| %d | %.1f s | %.1f s |\n", i+1, c.Wall, c.CPU)
			walls = append(walls, c.Wall)
		}
		sort.Float64s(walls)
		p("\nMedian: **%.1f s** (goal: under 15 s). Before package gen was split (commit 0279bad: the models,\n", walls[len(walls)/2])
		p("a low-level client and the server bindings in one package, 3.4 MB of Go), the same measurement\n")
		p("gave 11.3 s, against 4.1 s for the split layout measured right after it at the same quiet\n")
		p("moment; the 38–52 s first reported were measured with other work on the machine. gen now\n")
		p("holds only the models (0.6 MB); the server bindings live in\n")
		p("`bptest/internal/server` and oapi-codegen's low-level client in `internal/reference`, which only\n")
		p("tests compile.\n\n")
	}

	p("## All Go results\n\n")
	if len(d.Go.Pkgs) > 0 {
		p("Package %s.\n\n", "`"+strings.Join(d.Go.Pkgs, "`, `")+"`")
	}
	p("| Benchmark | Iterations | Metrics |\n|---|---:|---|\n")
	for _, gb := range d.Go.Benches {
		var ms []string
		for _, u := range gb.Units {
			ms = append(ms, fmtFloat(gb.Metrics[u], -1)+" "+u)
		}
		runs := ""
		if gb.Runs > 1 {
			runs = fmt.Sprintf(" (median of %d runs)", gb.Runs)
		}
		p("| `%s-%d` | %s | %s%s |\n", gb.Name, gb.Procs, fmtInt(float64(gb.N)), strings.Join(ms, ", "), runs)
	}
	return []byte(b.String())
}

// hasOverhead reports whether any BenchmarkOverhead result is in d.
func hasOverhead(d *Data) bool {
	for _, pair := range d.Overhead {
		if pair[0] != nil || pair[1] != nil {
			return true
		}
	}
	return false
}

// minRuns is the fewest runs of any Go benchmark.
func minRuns(g *GoRun) int {
	n := 0
	for _, b := range g.Benches {
		if n == 0 || b.Runs < n {
			n = b.Runs
		}
	}
	return n
}

// soakKeys are the soak figures shown first: a label and the dotted key.
var soakKeys = [][2]string{
	{"Calls", "calls"},
	{"Goroutines calling", "workers"},
	{"Duration (s)", "duration_seconds"},
	{"Calls/s", "calls_per_second"},
	{"Successes", "successes"},
	{"Requests sent (retries included)", "requests"},
	{"Retries", "retries"},
	{"Faults injected", "fault_hits"},
	{"Writes lost or duplicated (ambiguous)", "ambiguous_writes"},
	{"Goroutines before", "goroutines.before"},
	{"Goroutines after", "goroutines.after"},
	{"Open files before", "fds.before"},
	{"Open files after", "fds.after"},
}

// fmtInt rounds v and groups its digits by three; "–" for NaN.
func fmtInt(v float64) string {
	if !ok(v) {
		return "–"
	}
	r := math.Round(v)
	neg := r < 0
	s := strconv.FormatFloat(math.Abs(r), 'f', 0, 64)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fmtFloat formats v with prec decimals (-1: as few as needed); whole
// numbers of 1,000 and more get their digits grouped.
func fmtFloat(v float64, prec int) string {
	if !ok(v) {
		return "–"
	}
	if math.Abs(v) >= 1000 && v == math.Trunc(v) {
		return fmtInt(v)
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

func fmtRatio(v float64) string {
	if !ok(v) {
		return "–"
	}
	if v >= 10 {
		return strconv.FormatFloat(v, 'f', 1, 64) + "×"
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + "×"
}

func ratio(a, b float64) string {
	if !ok(a) || !ok(b) || b == 0 {
		return "–"
	}
	return strings.TrimSuffix(fmtRatio(a/b), "×")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

func trimFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// fmtBytes writes a size in KiB, MiB or GiB.
func fmtBytes(v float64) string {
	if !ok(v) {
		return "–"
	}
	units := []string{"B", "KiB", "MiB", "GiB"}
	i := 0
	for math.Abs(v) >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return fmtInt(v) + " B"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i]
}

// fmtBytesExact writes a byte count and, when large, its size in units.
func fmtBytesExact(v float64) string {
	if !ok(v) {
		return "–"
	}
	if math.Abs(v) < 1024 {
		return fmtInt(v)
	}
	return fmtInt(v) + " (" + fmtBytes(v) + ")"
}

// roundSize rounds a size derived from MB/s × ns/op (a few significant
// digits) to the nearest KiB.
func roundSize(v float64) float64 { return math.Round(v/1024) * 1024 }

// soakValue rounds numbers of 1,000 and more to whole ones with their
// digits grouped, and smaller ones to two decimals at most.
func soakValue(v string) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	switch {
	case math.Abs(f) >= 1000:
		return fmtInt(f)
	case !strings.ContainsAny(v, "eE") && strings.Contains(v, ".") && len(v) > strings.IndexByte(v, '.')+3:
		return strconv.FormatFloat(f, 'f', 2, 64)
	}
	return v
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
