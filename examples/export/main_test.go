package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/gen"
)

// readIDs returns the message IDs of a JSON Lines export, in order.
func readIDs(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m gen.Message
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
		ids = append(ids, m.ID)
	}
	require.NoError(t, sc.Err())
	return ids
}

// An export interrupted every 2 pages, and once with a page written after
// its last checkpoint, ends with the same file as one uninterrupted run.
func TestExportResumes(t *testing.T) {
	ctx := context.Background()
	c, stop, err := connect(ctx, func(string) string { return "" })
	require.NoError(t, err)
	defer stop()
	dir := t.TempDir()

	full := filepath.Join(dir, "full.jsonl")
	res, err := export(ctx, c, full, filepath.Join(dir, "full.json"), 0)
	require.NoError(t, err)
	assert.True(t, res.complete)
	assert.Equal(t, 21, res.messages, "3 conversations of 7")
	want := readIDs(t, full)
	require.Len(t, want, 21)

	out, cp := filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "out.json")
	runs := 0
	for {
		runs++
		require.Less(t, runs, 50, "the export makes progress")
		res, err := export(ctx, c, out, cp, 2)
		require.NoError(t, err)
		if res.complete {
			break
		}
		if runs == 2 {
			// A crash after writing a page but before saving the checkpoint.
			f, err := os.OpenFile(out, os.O_APPEND|os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = f.WriteString(`{"id":"msg_half_written"}` + "\n")
			require.NoError(t, err)
			require.NoError(t, f.Close())
		}
	}
	assert.Greater(t, runs, 3)
	assert.Equal(t, want, readIDs(t, out), "every message exactly once, in order")
	_, err = os.Stat(cp)
	assert.True(t, os.IsNotExist(err), "a complete export removes its checkpoint")
}

func TestExportNeedsBotWithToken(t *testing.T) {
	env := map[string]string{"BP_TOKEN": "bp_pat_x"}
	_, _, err := connect(context.Background(), func(k string) string { return env[k] })
	require.ErrorContains(t, err, "BP_BOT_ID")
}
