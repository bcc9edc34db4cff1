package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Reads and writes in interleaved rounds: scripts/bench-rounds runs the
// read and write benchmarks of ./client (BenchmarkGetConversation,
// BenchmarkCreateMessage, BenchmarkCreateTableRows: the SDK and bare
// net/http, each in a process of its own, which goes first alternating,
// sequential then 32 in flight) several times over, one round after the
// other, against the one benchserver process, and writes each round's
// `go test -bench` output after a line "# round N <loadavg>".
// On a machine shared with other work, the load drifts between rounds more
// than within one, so each SDK ÷ bare net/http ratio is taken within a
// round and the report gives the median of those ratios, beside the
// medians of each figure.

// roundCalls are the calls of the rounds: the read, then the writes.
var roundCalls = []struct {
	Name, Bench, Direction string
}{
	{"getConversation", "BenchmarkGetConversation", "read"},
	{"createMessage", "BenchmarkCreateMessage", "write"},
	{"createTableRows (20 rows)", "BenchmarkCreateTableRows", "write"},
}

// Rounds is the parsed rounds file.
type Rounds struct {
	Runs  []*GoRun // one per round
	Loads []string // the load average each round started with
}

// parseRounds splits a rounds file at its "# round" lines.
func parseRounds(data []byte) (*Rounds, error) {
	r := &Rounds{}
	var chunk bytes.Buffer
	flush := func() error {
		if chunk.Len() == 0 {
			return nil
		}
		run, err := parseGo(&chunk)
		if err != nil {
			return err
		}
		if len(run.Benches) > 0 {
			r.Runs = append(r.Runs, run)
		}
		chunk.Reset()
		return nil
	}
	for l := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(l, "# round"); ok {
			if err := flush(); err != nil {
				return nil, err
			}
			f := strings.Fields(rest)
			load := ""
			if len(f) >= 4 {
				load = strings.Join(f[1:4], " ")
			}
			r.Loads = append(r.Loads, load)
			continue
		}
		chunk.WriteString(l)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if len(r.Runs) == 0 {
		return nil, errors.New("no rounds")
	}
	return r, nil
}

// figure returns the medians over the rounds of a metric of a benchmark,
// and the median of the per-round ratios of sdk to bare.
func (r *Rounds) figure(sdk, bare, unit string, inverse bool) (s, b, ratio float64, n int) {
	var ss, bs, rs []float64
	for _, run := range r.Runs {
		x, okx := run.Bench(sdk).Metric(unit)
		y, oky := run.Bench(bare).Metric(unit)
		if okx {
			ss = append(ss, x)
		}
		if oky {
			bs = append(bs, y)
		}
		if okx && oky && x > 0 && y > 0 {
			if inverse {
				rs = append(rs, y/x) // throughput: calls/s is 1/ns
			} else {
				rs = append(rs, x/y)
			}
		}
	}
	return median(ss), median(bs), median(rs), len(rs)
}

// roundsMarkdown is the report's section on reads and writes.
func roundsMarkdown(r *Rounds) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("%s\n## Reads and writes\n\n", roundsBegin)
	p("The SDK against bare net/http for a read (`getConversation`) and two writes (`createMessage` with a typed text\n")
	p("payload; `createTableRows` with 20 rows), in %s interleaved rounds (`make bench-rounds`, scripts/bench-rounds):\n", fmtInt(float64(len(r.Runs))))
	p("each round runs, for every call, the SDK and bare net/http, each in a process of its own (the SDK first in odd\n")
	p("rounds, bare net/http in even ones), sequential and then with 32 in flight, each after its warm-up, for 1 s each,\n")
	p("every client against the same benchserver process. The machine's 2 cores are shared with other work, whose load\n")
	p("drifts from one round to the next more than within one: each SDK ÷ bare net/http ratio is taken within a round, and\n")
	p("the table gives the median of those ratios beside the median of each figure; with such load, CPU ns/op (the\n")
	p("client process's CPU time per call) and the allocations say more than calls/s. Load averages (1, 5, 15 min) at the\n")
	p("start of the rounds: %s.\n\n", strings.Join(r.Loads, "; "))
	p("| Call | | Concurrency | calls/s SDK | calls/s bare | throughput SDK ÷ bare | CPU ns/op SDK | CPU ns/op bare | CPU SDK ÷ bare | allocs/op SDK | allocs/op bare | B/op SDK | B/op bare |\n")
	p("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range roundCalls {
		for _, conc := range concs {
			sdk, bare := c.Bench+"/sdk/"+conc.Key, c.Bench+"/nethttp/"+conc.Key
			sNs, bNs, thr, n := r.figure(sdk, bare, "ns/op", true)
			if n == 0 {
				continue
			}
			sCPU, bCPU, cpu, _ := r.figure(sdk, bare, "cpu-ns/op", false)
			sA, bA, _, _ := r.figure(sdk, bare, "allocs/op", false)
			sB, bB, _, _ := r.figure(sdk, bare, "B/op", false)
			p("| %s | %s | %s | %s | %s | **%s** | %s | %s | %s | %s | %s | %s | %s |\n", c.Name, c.Direction, conc.Text,
				fmtInt(1e9/sNs), fmtInt(1e9/bNs), fmtRatio(thr), fmtInt(sCPU), fmtInt(bCPU), fmtRatio(cpu),
				fmtInt(sA), fmtInt(bA), fmtInt(sB), fmtInt(bB))
		}
	}
	p("\nWhat the SDK does that bare net/http does not, and what it does not repeat: it makes a per-attempt timeout (a\n")
	p("context with a deadline and its timer) and checks the status; it sends required nil maps and lists as `{}` and `[]`\n")
	p("(a walk that follows a plan made once per body type); it encodes a body that carries a message payload once, by\n")
	p("the body's own `MarshalJSON`, where `json.Marshal` (what bare net/http calls) scans and copies that method's output\n")
	p("again; it reads the answer whole, into a buffer of its announced size, and decodes it in one pass.\n")
	p("%s\n", roundsEnd)
	return b.String()
}

// The markers around the section, so that it can be rewritten alone.
const (
	roundsBegin = "<!-- rounds: written by scripts/benchreport -rounds -->"
	roundsEnd   = "<!-- /rounds -->"
)

// spliceRounds rewrites the section of the report at path, or adds it
// before "## Walking a list" (at the end when there is none).
func spliceRounds(path, section string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(data)
	if i := strings.Index(s, roundsBegin); i >= 0 {
		j := strings.Index(s[i:], roundsEnd)
		if j < 0 {
			return fmt.Errorf("%s: %q without %q", path, roundsBegin, roundsEnd)
		}
		s = s[:i] + strings.TrimSuffix(section, "\n") + s[i+j+len(roundsEnd):]
	} else if i := strings.Index(s, "## Walking a list"); i >= 0 {
		s = s[:i] + section + "\n" + s[i:]
	} else {
		s += "\n" + section
	}
	return os.WriteFile(path, []byte(s), 0o644)
}
