package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// GoBench is one benchmark of `go test -bench` output. When the benchmark
// ran more than once (-count), each metric is the median of its runs.
type GoBench struct {
	Name    string // as printed, without the -GOMAXPROCS suffix
	Procs   int    // the suffix; 1 when absent
	N       int64  // iterations of the last run
	Runs    int
	Units   []string // in the order of the first run
	Metrics map[string]float64
}

// Metric returns the value of unit and whether the benchmark reported it.
func (b *GoBench) Metric(unit string) (float64, bool) {
	if b == nil {
		return 0, false
	}
	v, ok := b.Metrics[unit]
	return v, ok
}

// GoRun is a whole `go test -bench` output.
type GoRun struct {
	GOOS, GOARCH, CPU string
	Pkgs              []string
	Benches           []*GoBench // in the order of their first appearance
	byName            map[string]*GoBench
}

// Bench returns the benchmark called name (without the -GOMAXPROCS
// suffix), or nil.
func (r *GoRun) Bench(name string) *GoBench { return r.byName[name] }

// parseGo reads the text format of `go test -bench`: the goos, goarch,
// pkg and cpu lines, and the result lines
//
//	BenchmarkName/sub-2   	  50000	     23456 ns/op	    5678 B/op	      67 allocs/op
//
// where after the iteration count come pairs of a value and its unit.
// Other lines (PASS, ok, logs) are skipped.
func parseGo(r io.Reader) (*GoRun, error) {
	run := &GoRun{byName: map[string]*GoBench{}}
	samples := map[string][]map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(text, ": "); ok && !strings.HasPrefix(text, "Benchmark") {
			switch k {
			case "goos":
				run.GOOS = v
			case "goarch":
				run.GOARCH = v
			case "cpu":
				run.CPU = v
			case "pkg":
				if !slices.Contains(run.Pkgs, v) {
					run.Pkgs = append(run.Pkgs, v)
				}
			}
			continue
		}
		if !strings.HasPrefix(text, "Benchmark") {
			continue
		}
		f := strings.Fields(text)
		if len(f) < 4 || len(f)%2 != 0 {
			continue // a name alone, before a benchmark's log lines
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		name, procs := splitProcs(f[0])
		m := map[string]float64{}
		var units []string
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: %q is not a number (%s)", line, f[i], text)
			}
			m[f[i+1]] = v
			units = append(units, f[i+1])
		}
		b := run.byName[name]
		if b == nil {
			b = &GoBench{Name: name, Procs: procs, Units: units}
			run.byName[name] = b
			run.Benches = append(run.Benches, b)
		}
		b.N = n
		b.Runs++
		samples[name] = append(samples[name], m)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, b := range run.Benches {
		b.Metrics = map[string]float64{}
		for _, u := range b.Units {
			var vs []float64
			for _, s := range samples[b.Name] {
				if v, ok := s[u]; ok {
					vs = append(vs, v)
				}
			}
			b.Metrics[u] = median(vs)
		}
	}
	return run, nil
}

// splitProcs splits "BenchmarkX/y-8" into "BenchmarkX/y" and 8.
func splitProcs(s string) (string, int) {
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return s, 1
	}
	p, err := strconv.Atoi(s[i+1:])
	if err != nil || p <= 0 {
		return s, 1
	}
	return s[:i], p
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// TSRun is what scripts/bench-ts/bench.mjs prints.
type TSRun struct {
	Client        string     `json:"client"`
	ClientVersion string     `json:"clientVersion"`
	AxiosVersion  string     `json:"axiosVersion"`
	Node          string     `json:"node"`
	Platform      string     `json:"platform"`
	CPU           string     `json:"cpu"`
	Cores         int        `json:"cores"`
	Settings      TSSettings `json:"settings"`
	Results       []TSResult `json:"results"`
}

// TSSettings are the sizes bench.mjs ran with.
type TSSettings struct {
	Calls  int `json:"calls"`
	Rounds int `json:"rounds"`
	Warmup int `json:"warmup"`
	Walk   int `json:"walk"`
}

// TSResult is one measurement of bench.mjs: calls (CallsPerSec) or a walk
// (ItemsPerSec).
type TSResult struct {
	Name              string  `json:"name"`
	Op                string  `json:"op"`
	Concurrency       int     `json:"concurrency"`
	Calls             int     `json:"calls"`
	Rounds            int     `json:"rounds"`
	CallsPerSec       float64 `json:"callsPerSec"`
	NsPerOp           float64 `json:"nsPerOp"`
	CPUNsPerOp        float64 `json:"cpuNsPerOp"` // the Node process's CPU time per call
	Items             int     `json:"items"`
	ItemsPerSec       float64 `json:"itemsPerSec"`
	PeakHeapUsedBytes float64 `json:"peakHeapUsedBytes"`
}

// Result returns the measurement called name, or nil.
func (r *TSRun) Result(name string) *TSResult {
	if r == nil {
		return nil
	}
	for i := range r.Results {
		if r.Results[i].Name == name {
			return &r.Results[i]
		}
	}
	return nil
}

func readTS(path string) (*TSRun, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ts TSRun
	if err := json.Unmarshal(data, &ts); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(ts.Results) == 0 {
		return nil, fmt.Errorf("%s: no results", path)
	}
	return &ts, nil
}

// KV is one leaf of a JSON document: its dotted path and its value as
// JSON text.
type KV struct {
	Key   string
	Value string
}

// flattenJSON lists the leaves of a JSON document in document order,
// with dotted keys ("latency.p99"); array elements get their index.
func flattenJSON(data []byte) ([]KV, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out []KV
	var walk func(prefix string) error
	walk = func(prefix string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				for dec.More() {
					k, err := dec.Token()
					if err != nil {
						return err
					}
					if err := walk(join(prefix, k.(string))); err != nil {
						return err
					}
				}
			case '[':
				for i := 0; dec.More(); i++ {
					if err := walk(join(prefix, strconv.Itoa(i))); err != nil {
						return err
					}
				}
			}
			_, err := dec.Token() // the closing delimiter
			return err
		case string:
			out = append(out, KV{prefix, t})
		case json.Number:
			out = append(out, KV{prefix, t.String()})
		case bool:
			out = append(out, KV{prefix, strconv.FormatBool(t)})
		case nil:
			out = append(out, KV{prefix, "null"})
		}
		return nil
	}
	if err := walk(""); err != nil {
		return nil, err
	}
	return out, nil
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}
