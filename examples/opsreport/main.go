// Command opsreport prints an operations report of a workspace: for every
// bot, its open issues (how many, and the one seen last), its log lines of
// the last 24 hours counted by level, and its invocations this month
// against the workspace's quota; then the workspace's AI spend against its
// quota.
//
//	go run ./examples/opsreport
//
// With no BP_TOKEN set it runs against the in-memory API of package
// bptest, offline, loaded with seed.json (three bots, their issues, logs
// and usage) at the time that file describes, 2026-03-02 12:00 UTC. With
// BP_TOKEN and BP_WORKSPACE_ID set (and BP_API_URL if not Botpress Cloud)
// it reports on that workspace, now.
package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
)

// seedJSON is what the offline server holds: see seed.json.
//
//go:embed seed.json
var seedJSON []byte

// seedNow is the time seed.json describes: its logs are of the 24 hours
// before it, its usage of its month.
var seedNow = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// levels are the log levels the report counts, in its columns' order; a
// line of another level is counted under "other".
var levels = []string{"debug", "info", "warn", "error"}

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "opsreport:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, getenv func(string) string) error {
	c, ws, now, stop, err := connect(getenv)
	if err != nil {
		return err
	}
	defer stop()
	r, err := report(ctx, c, ws, now)
	if err != nil {
		return err
	}
	return r.print(out)
}

// botReport is what the report says about one bot.
type botReport struct {
	bot         gen.BotSummary
	openIssues  int
	lastIssue   *gen.ListedIssue // the issue seen last, if any
	logs        map[string]int   // lines of the last 24 hours by level
	invocations gen.Usage        // invocation_calls this month, with its quota
}

// opsReport is the whole report.
type opsReport struct {
	workspace string
	now       time.Time
	bots      []botReport
	aiSpend   gen.Usage // the workspace's this month, with its quota
}

// report reads what the report needs: every bot of the workspace, and for
// each its issues, its logs since now-24h and its usage.
func report(ctx context.Context, c *client.Client, ws string, now time.Time) (*opsReport, error) {
	r := &opsReport{workspace: ws, now: now}
	period := now.UTC().Format("2006-01")
	for bot, err := range c.AllBots(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("bots: %w", err)
		}
		br := botReport{bot: bot, logs: map[string]int{}}
		for issue, err := range c.AllBotIssues(ctx, bot.ID, nil) {
			if err != nil {
				return nil, fmt.Errorf("issues of %s: %w", bot.ID, err)
			}
			br.openIssues++
			if br.lastIssue == nil || issue.LastSeenAt.After(br.lastIssue.LastSeenAt) {
				br.lastIssue = &issue
			}
		}
		logParams := &gen.GetBotLogsParams{
			TimeStart: now.Add(-24 * time.Hour),
			TimeEnd:   &now,
		}
		for line, err := range c.AllBotLogs(ctx, bot.ID, logParams) {
			if err != nil {
				return nil, fmt.Errorf("logs of %s: %w", bot.ID, err)
			}
			level := strings.ToLower(line.Level)
			if !slices.Contains(levels, level) {
				level = "other"
			}
			br.logs[level]++
		}
		u, err := c.GetUsage(ctx, bot.ID, &gen.GetUsageParams{Type: gen.UsageTypeInvocationCalls, Period: &period})
		if err != nil {
			return nil, fmt.Errorf("usage of %s: %w", bot.ID, err)
		}
		br.invocations = u.Usage
		r.bots = append(r.bots, br)
	}
	u, err := c.GetUsage(ctx, ws, &gen.GetUsageParams{Type: gen.UsageTypeAiSpend, Period: &period})
	if err != nil {
		return nil, fmt.Errorf("AI spend of %s: %w", ws, err)
	}
	r.aiSpend = u.Usage
	return r, nil
}

// print writes the report as a table, one bot a row, and the workspace's
// AI spend after it.
func (r *opsReport) print(out io.Writer) error {
	fmt.Fprintf(out, "Workspace %s, %s (logs since %s)\n\n", r.workspace,
		r.now.UTC().Format("2006-01-02 15:04 MST"), r.now.Add(-24*time.Hour).UTC().Format("2006-01-02 15:04"))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BOT\tISSUES\tLAST ISSUE\tDEBUG\tINFO\tWARN\tERROR\tOTHER\tINVOCATIONS")
	for _, b := range r.bots {
		last := "-"
		if b.lastIssue != nil {
			last = fmt.Sprintf("%s (%s, %s)", b.lastIssue.Title, b.lastIssue.Code, b.lastIssue.LastSeenAt.UTC().Format("01-02 15:04"))
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", b.bot.Name, b.openIssues, last,
			b.logs["debug"], b.logs["info"], b.logs["warn"], b.logs["error"], b.logs["other"], ofQuota(b.invocations, "%.0f"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(out, "\nAI spend this month: %s\n", ofQuota(r.aiSpend, "$%.2f"))
	return err
}

// ofQuota writes a usage figure and its quota, and how much of the quota
// it is, in format.
func ofQuota(u gen.Usage, format string) string {
	s := fmt.Sprintf(format, u.Value)
	if u.Quota <= 0 {
		return s + " (no quota)"
	}
	return fmt.Sprintf("%s of "+format+" (%.0f%%)", s, u.Quota, 100*u.Value/u.Quota)
}

// connect returns a client for the configured workspace, its ID and the
// time to report at; or, with no BP_TOKEN, for an in-memory API holding
// seed.json, at seedNow.
func connect(getenv func(string) string) (*client.Client, string, time.Time, func(), error) {
	if getenv("BP_TOKEN") != "" {
		ws := getenv(client.EnvWorkspaceID)
		if ws == "" {
			return nil, "", time.Time{}, nil, errors.New("BP_WORKSPACE_ID must name the workspace to report on")
		}
		c, err := client.New()
		return c, ws, time.Now(), func() {}, err
	}
	data, err := bptest.DecodeSeedData(bytes.NewReader(seedJSON))
	if err != nil {
		return nil, "", time.Time{}, nil, err
	}
	var bots []string
	for id := range data.Bots {
		bots = append(bots, id)
	}
	slices.Sort(bots)
	srv, err := bptest.New(bptest.WithBotID(bots...), bptest.WithSeedData(data),
		bptest.WithClock(func() time.Time { return seedNow }))
	if err != nil {
		return nil, "", time.Time{}, nil, err
	}
	return srv.Client(), srv.WorkspaceID, seedNow, func() { srv.Close() }, nil
}
