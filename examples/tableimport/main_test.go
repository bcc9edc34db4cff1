package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// With no token in the environment, the import runs offline end to end.
func TestTableImportOffline(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, func(string) string { return "" }))
	s := out.String()
	assert.Contains(t, s, "in-memory Botpress API")
	assert.Contains(t, s, "table LeadsImportTable: created\n")
	assert.Contains(t, s, "2494 inserted, 0 updated\n")
	assert.Contains(t, s, `botpress: upsertTableRows: 6 of 2,500 rows refused: row 499: column "stage" takes one of new, qualified, won, lost, got "archived"; `)
	assert.Contains(t, s, "; and 3 more\n")
	for _, i := range []int{499, 999, 1499, 1999, 2499} {
		assert.Contains(t, s, fmt.Sprintf("  lead %d (lead%04d@example.com): column \"stage\" takes one of new, qualified, won, lost, got \"archived\"\n", i, i))
	}
	assert.Contains(t, s, `  lead 1234 (lead1234 at example.com): column "email" wants text matching`)
	assert.Equal(t, 6, strings.Count(s, "\n  lead "))

	assert.Contains(t, s, `query: {"$and":[{"stage":{"$eq":"qualified"}},{"score":{"$gte":90}}]}`)
	want := 0
	for i, l := range leads(2500) {
		if l.Stage == "qualified" && l.Score >= 90 && i != 1234 {
			want++
		}
	}
	require.NotZero(t, want)
	assert.Contains(t, s, fmt.Sprintf("\n%d qualified leads with a score of 90 or more\n", want))
	assert.Equal(t, 5, strings.Count(s, ", score 97\n"), "the first five, best first")
}

func TestTableImportNeedsBotWithToken(t *testing.T) {
	env := map[string]string{"BP_TOKEN": "bp_pat_x"}
	err := run(context.Background(), &bytes.Buffer{}, func(k string) string { return env[k] })
	require.ErrorContains(t, err, "BP_BOT_ID")
}
