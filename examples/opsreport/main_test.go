package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
)

func TestOpsReportOffline(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, func(string) string { return "" }))
	assert.Equal(t, `Workspace wkspace_bptest0000000000000000, 2026-03-02 12:00 UTC (logs since 2026-03-01 12:00)

BOT      ISSUES  LAST ISSUE                                           DEBUG  INFO  WARN  ERROR  OTHER  INVOCATIONS
faq      0       -                                                    0      5     0     0      0      75 of 500 (15%)
sales    1       AI spend limit reached (quota_reached, 03-02 07:05)  0      8     1     0      0      410 of 500 (82%)
support  2       Handler timed out (execution_timeout, 03-02 10:40)   3      12    4     2      0      540 of 500 (108%)

AI spend this month: $1.75 of $5.00 (35%)
`, out.String())
}

// The report's figures are those of seed.json, computed here from the file
// itself: issues, log lines of the 24 hours before seedNow by level, and
// usage activity of seedNow's month.
func TestOpsReportMatchesSeed(t *testing.T) {
	seed, err := bptest.DecodeSeedData(bytes.NewReader(seedJSON))
	require.NoError(t, err)
	c, ws, now, stop, err := connect(func(string) string { return "" })
	require.NoError(t, err)
	defer stop()
	r, err := report(context.Background(), c, ws, now)
	require.NoError(t, err)

	require.Len(t, r.bots, len(seed.Bots))
	month := now.Format("2006-01")
	for _, b := range r.bots {
		s, ok := seed.Bots[b.bot.ID]
		require.True(t, ok, "bot %s is the seed's", b.bot.ID)
		assert.Equal(t, s.Name, b.bot.Name)
		assert.Equal(t, len(s.Issues), b.openIssues, b.bot.Name)
		if len(s.Issues) > 0 {
			require.NotNil(t, b.lastIssue)
			for _, is := range s.Issues {
				for _, e := range is.Events {
					assert.False(t, e.CreatedAt.After(b.lastIssue.LastSeenAt), "%s: no issue seen after the last one", b.bot.Name)
				}
			}
		}
		want := map[string]int{}
		for _, l := range s.Logs {
			at := l.Timestamp
			if !at.Before(now.Add(-24*time.Hour)) && !at.After(now) {
				want[l.Level]++
			}
		}
		assert.Equal(t, want, b.logs, b.bot.Name)
		var used float64
		for _, u := range seed.UsageActivity[b.bot.ID]["invocation_calls"] {
			if strings.HasPrefix(u.Timestamp.UTC().Format(time.RFC3339), month) {
				used += u.Value
			}
		}
		assert.Equal(t, used, b.invocations.Value, b.bot.Name)
		assert.Positive(t, b.invocations.Quota)
	}
	var spent float64
	for _, u := range seed.UsageActivity[ws]["ai_spend"] {
		if strings.HasPrefix(u.Timestamp.UTC().Format(time.RFC3339), month) {
			spent += u.Value
		}
	}
	assert.InDelta(t, spent, r.aiSpend.Value, 1e-9)
}

func TestOpsReportNeedsWorkspaceWithToken(t *testing.T) {
	env := map[string]string{"BP_TOKEN": "bp_pat_x"}
	err := run(context.Background(), &bytes.Buffer{}, func(k string) string { return env[k] })
	require.ErrorContains(t, err, "BP_WORKSPACE_ID")
}
