// Command benchreport turns benchmark results into BENCHMARKS.md and a
// throughput chart (an SVG written here, without dependencies).
//
// Usage, from the scripts directory (scripts/bench runs it, `make bench`
// runs scripts/bench):
//
//	go run ./benchreport -go ../build/bench/go.txt -ts ../build/bench/ts.json \
//	    [-soak ../build/bench/soak.json] [-commands ../build/bench/commands.txt] \
//	    -out ../BENCHMARKS.md -svg ../docs/bench-throughput.svg
//
// The chat flags add the "Chat listeners" section: -chat-go is the output
// of BenchmarkListeners (chat/bench_test.go) against botpress-mock, -chat-ts
// what scripts/bench-ts/listeners.mjs prints, -chat-soak the listen soak's
// summary (chat/soak_test.go), -chat-webhook the output of BenchmarkWebhook
// and BenchmarkWebhookHandler (chat/webhook_bench_test.go), -chat-commands
// the commands that made them.
//
// -go is the text output of `go test ./client -bench . -benchmem`; -ts is
// what scripts/bench-ts/bench.mjs prints (the official TypeScript client,
// @botpress/client, against internal/cmd/benchserver); -soak is the JSON
// summary the soak test writes to $SOAK_REPORT; -commands lists the
// commands that produced them, one a line, for the report. The report
// compares the SDK with bare net/http and with the TypeScript client and
// marks each target met or missed; missed targets do not make it fail.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("benchreport", flag.ContinueOnError)
	goPath := fs.String("go", "", "output of `go test -bench` (text)")
	tsPath := fs.String("ts", "", "JSON printed by scripts/bench-ts/bench.mjs")
	soakPath := fs.String("soak", "", "JSON summary of the soak test (optional)")
	coldPath := fs.String("coldbuild", "", "output of scripts/coldbuild, one run a line (optional)")
	cmdPath := fs.String("commands", "", "the commands that produced the results, one a line (optional)")
	chatGo := fs.String("chat-go", "", "output of `go test ./chat -bench Listeners` against botpress-mock (optional)")
	chatGoH2 := fs.String("chat-go-h2", "", "the same with BENCH_H2C=1, over unencrypted HTTP/2 (optional)")
	chatGoWS := fs.String("chat-go-ws", "", "the same with BENCH_WS=1, over WebSocket (optional)")
	chatTS := fs.String("chat-ts", "", "JSON printed by scripts/bench-ts/listeners.mjs (optional)")
	chatSoak := fs.String("chat-soak", "", "JSON summary of the listen soak, chat/soak_test.go (optional)")
	chatWebhook := fs.String("chat-webhook", "", "output of `go test ./chat -bench Webhook` (optional)")
	chatCmds := fs.String("chat-commands", "", "the commands that produced the chat results, one a line (optional)")
	load := fs.String("loadavg", "", "the load average (/proc/loadavg) before the runs, for the report (optional)")
	roundsPath := fs.String("rounds", "", "interleaved rounds of the read and write benchmarks, each after a line \"# round N <loadavg>\" (optional; see rounds.go)")
	splice := fs.Bool("splice", false, "with -rounds: rewrite only the reads-and-writes section of -out, leaving the rest of it as it is (-go and -ts not needed)")
	out := fs.String("out", "BENCHMARKS.md", "Markdown report to write")
	svg := fs.String("svg", "docs/bench-throughput.svg", "throughput chart to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var rounds *Rounds
	if *roundsPath != "" {
		data, err := os.ReadFile(*roundsPath)
		if err != nil {
			return err
		}
		if rounds, err = parseRounds(data); err != nil {
			return fmt.Errorf("%s: %w", *roundsPath, err)
		}
	}
	if *splice {
		if rounds == nil {
			return errors.New("-splice needs -rounds")
		}
		if err := spliceRounds(*out, roundsMarkdown(rounds)); err != nil {
			return err
		}
		fmt.Printf("benchreport: rewrote the reads-and-writes section of %s (%d rounds)\n", *out, len(rounds.Runs))
		return nil
	}
	if *goPath == "" || *tsPath == "" {
		return errors.New("-go and -ts are required")
	}

	f, err := os.Open(*goPath)
	if err != nil {
		return err
	}
	goRun, err := parseGo(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *goPath, err)
	}
	if len(goRun.Benches) == 0 {
		return fmt.Errorf("%s: no benchmark results", *goPath)
	}
	ts, err := readTS(*tsPath)
	if err != nil {
		return err
	}
	var soak []KV
	if *soakPath != "" {
		data, err := os.ReadFile(*soakPath)
		if err != nil {
			return err
		}
		if soak, err = flattenJSON(data); err != nil {
			return fmt.Errorf("%s: %w", *soakPath, err)
		}
	}
	var commands []string
	if *cmdPath != "" {
		data, err := os.ReadFile(*cmdPath)
		if err != nil {
			return err
		}
		for l := range strings.Lines(string(data)) {
			if l = strings.TrimRight(l, "\r\n"); strings.TrimSpace(l) != "" {
				commands = append(commands, l)
			}
		}
	}

	root := filepath.Dir(*out)
	m := machine(root, goRun, ts)
	if f := strings.Fields(*load); len(f) >= 3 {
		m.Load = strings.Join(f[:3], " ")
	}
	d := newData(goRun, ts, soak, m, commands)
	d.Rounds = rounds
	if *coldPath != "" {
		data, err := os.ReadFile(*coldPath)
		if err != nil {
			return err
		}
		if d.ColdBuild, err = parseColdBuild(string(data)); err != nil {
			return fmt.Errorf("%s: %w", *coldPath, err)
		}
	}

	if d.Chat, err = readChat(*chatGo, *chatGoH2, *chatTS, *chatSoak, *chatCmds); err != nil {
		return err
	}
	if d.Chat != nil && *chatGoWS != "" {
		if d.Chat.GoWS, err = readListeners(*chatGoWS); err != nil {
			return err
		}
	}
	if *chatWebhook != "" {
		if d.Chat == nil {
			d.Chat = &Chat{}
		}
		if d.Chat.Webhook, err = readWebhook(*chatWebhook); err != nil {
			return err
		}
	}
	if d.Chat != nil && d.Chat.Target.Measured {
		d.Targets = append(d.Targets, d.Chat.Target)
	}

	svgRel, err := filepath.Rel(root, *svg)
	if err != nil {
		svgRel = *svg
	}
	d.SVGPath = filepath.ToSlash(svgRel)

	if err := writeFile(*svg, chartSVG(d)); err != nil {
		return err
	}
	if err := writeFile(*out, reportMarkdown(d)); err != nil {
		return err
	}
	met, total := 0, 0
	for _, t := range d.Targets {
		if t.Measured {
			total++
			if t.Met {
				met++
			}
		}
	}
	fmt.Printf("benchreport: wrote %s and %s; %d of %d targets met\n", *out, *svg, met, total)
	for _, t := range d.Targets {
		if t.Measured && !t.Met {
			fmt.Printf("  missed: %s, %s %s: %s (target %s)\n", t.Kind, t.Op, t.Conc, fmtRatio(t.Value), t.Target)
		}
	}
	return nil
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// Machine describes where the benchmarks ran.
type Machine struct {
	Go, GOOS, GOARCH string
	CPU              string
	Cores            int
	Procs            int // GOMAXPROCS of the Go benchmarks
	Node             string
	TSClient         string
	Kernel           string
	Load             string // 1, 5 and 15 minute load averages before the runs
	Date             string
}

func machine(root string, g *GoRun, ts *TSRun) Machine {
	m := Machine{
		GOOS:   g.GOOS,
		GOARCH: g.GOARCH,
		Node:   ts.Node,
		Date:   time.Now().UTC().Format("2006-01-02"),
	}
	if m.GOOS == "" {
		m.GOOS = runtime.GOOS
	}
	if m.GOARCH == "" {
		m.GOARCH = runtime.GOARCH
	}
	m.Go = command(root, "go", "env", "GOVERSION")
	if m.Go == "" {
		m.Go = runtime.Version()
	}
	m.CPU, m.Cores = cpuinfo()
	if m.CPU == "" {
		m.CPU = g.CPU
	}
	if m.Cores == 0 {
		m.Cores = runtime.NumCPU()
	}
	if len(g.Benches) > 0 {
		m.Procs = g.Benches[0].Procs
	}
	if m.Node == "" {
		m.Node = command(root, "node", "--version")
	}
	if ts.ClientVersion != "" {
		m.TSClient = ts.Client + " " + ts.ClientVersion
		if ts.AxiosVersion != "" {
			m.TSClient += " (axios " + ts.AxiosVersion + ")"
		}
	}
	if k, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(k))
	}
	return m
}

// cpuinfo reads the model name and the number of logical processors from
// /proc/cpuinfo; zero values where it cannot.
func cpuinfo() (model string, cores int) {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "", 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "model name":
			if model == "" {
				model = strings.TrimSpace(v)
			}
		case "processor":
			cores++
		}
	}
	return model, cores
}

func command(dir, name string, args ...string) string {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
