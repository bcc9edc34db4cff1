package bptest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
)

const smBot = "bot_seedmore_00000000000000001"

// smSeed seeds tables, files, integrations, plugins, interfaces and a
// billing plan.
func smSeed(ws string) string {
	return `{
  "bots": {"` + smBot + `": {
    "tables": [{"name": "ordersTable", "schema": {"item": "string", "qty": {"type": "number"}},
      "keyColumn": "item", "tags": {"team": "sales"},
      "rows": [{"item": "apple", "qty": 3}, {"id": 7, "item": "pear", "qty": 1, "createdAt": "2026-01-02T03:04:05Z"}]}],
    "files": [
      {"key": "faq.txt", "content": "First paragraph.\n\nSecond one.", "index": true, "tags": {"kind": "faq"}},
      {"key": "logo.png", "contentBase64": "iVBORw0K", "contentType": "image/png"}
    ]
  }},
  "interfaces": [{"name": "notifier", "version": "1.0.0", "public": true}],
  "integrations": [
    {"name": "mailer", "version": "1.0.0", "visibility": "public", "title": "Mailer"},
    {"name": "secret", "version": "1.0.0", "visibility": "private"}
  ],
  "plugins": [{"name": "helper", "version": "0.1.0", "visibility": "public"}],
  "billing": {"` + ws + `": {"plan": "team", "interval": "year"}}
}`
}

func TestSeedTablesFilesDefsBilling(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	opts := []bptest.Option{bptest.WithSeed(5), bptest.WithClock(bptest.NewClock(now).Now), bptest.WithBotID(smBot)}
	probe := bptest.Start(t, opts...)
	srv := bptest.Start(t, append(opts, bptest.WithSeedData(soSeed(t, smSeed(probe.WorkspaceID))))...)
	c := srv.Client()

	read := func(c *client.Client) map[string]any {
		rows, err := c.FindTableRows(ctx, "ordersTable", gen.FindTableRowsBody{})
		require.NoError(t, err)
		tbl, err := c.GetTable(ctx, "ordersTable")
		require.NoError(t, err)
		faq, err := c.GetFile(ctx, "faq.txt")
		require.NoError(t, err)
		logo, err := c.GetFile(ctx, "logo.png")
		require.NoError(t, err)
		passages, err := c.ListFilePassages(ctx, faq.File.ID, nil)
		require.NoError(t, err)
		integs, err := c.ListPublicIntegrations(ctx, nil)
		require.NoError(t, err)
		plugins, err := c.ListPublicPlugins(ctx, nil)
		require.NoError(t, err)
		ifaces, err := c.ListPublicInterfaces(ctx, nil)
		require.NoError(t, err)
		sub, err := c.GetSubscription(ctx)
		require.NoError(t, err)
		// Each server serves the content at its own address.
		faq.File.URL, logo.File.URL = "", ""
		return map[string]any{
			"rows": rows.Rows, "table": tbl.Table, "faq": faq.File, "logo": logo.File,
			"faq content": string(fileDownload(t, c, "faq.txt")), "logo content": fileDownload(t, c, "logo.png"),
			"passages": passages.Passages, "integrations": integs.Integrations, "plugins": plugins.Plugins,
			"interfaces": ifaces.Interfaces, "plan": sub.Plan.Current,
		}
	}
	got := read(c)

	rows := got["rows"].([]gen.Row)
	require.Len(t, rows, 2)
	assert.Equal(t, []int64{1, 7}, []int64{rows[0].ID, rows[1].ID})
	assert.Equal(t, "pear", rows[1].AdditionalProperties["item"])
	assert.Equal(t, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), *rows[1].CreatedAt)
	assert.Equal(t, "sales", got["table"].(gen.Table).Tags["team"])

	faq := got["faq"].(gen.File)
	assert.Equal(t, gen.FileStatusIndexingCompleted, faq.Status)
	assert.Equal(t, "text/plain; charset=utf-8", faq.ContentType)
	assert.Equal(t, "First paragraph.\n\nSecond one.", got["faq content"])
	var texts []string
	for _, p := range got["passages"].([]gen.FilePassage) {
		texts = append(texts, p.Content)
	}
	assert.Equal(t, []string{"First paragraph.", "Second one."}, texts)
	logo := got["logo"].(gen.File)
	assert.Equal(t, gen.FileStatusUploadCompleted, logo.Status)
	assert.Equal(t, []byte{0x89, 'P', 'N', 'G', '\r', '\n'}, got["logo content"])

	integs := got["integrations"].([]gen.PublicIntegrationSummary)
	require.Len(t, integs, 1, "the private integration is not listed")
	assert.Equal(t, "mailer", integs[0].Name)
	require.Len(t, got["plugins"], 1)
	require.Len(t, got["interfaces"], 1)

	plan := got["plan"].(gen.SubscriptionPlan_Current)
	assert.Equal(t, "team", plan.PlanID)
	assert.Equal(t, gen.BillingIntervalYear, plan.Interval)

	// A new row gets the next ID after the seeded ones.
	created, err := c.CreateTableRows(ctx, "ordersTable", gen.CreateTableRowsBody{Rows: []map[string]any{{"item": "fig", "qty": 2}}})
	require.NoError(t, err)
	require.Len(t, created.Rows, 1)
	assert.Equal(t, int64(8), created.Rows[0].ID)

	// The dump holds them all: a server loaded from it answers the same.
	dump, err := srv.Dump()
	require.NoError(t, err)
	again := bptest.Start(t, append(opts, bptest.WithSeedData(dump))...)
	assert.Equal(t, read(c), read(again.Client()))
}

// A bad seed is refused with an error naming the item.
func TestSeedTablesFilesDefsBillingErrors(t *testing.T) {
	srv := bptest.Start(t, bptest.WithBotID(smBot))
	ws := srv.WorkspaceID
	for _, tc := range []struct{ seed, want string }{
		{`{"bots": {"` + smBot + `": {"tables": [{"name": "t", "schema": {"n": "number"}, "rows": [{"n": "x"}]}]}}}`, "table t: row 0"},
		{`{"bots": {"` + smBot + `": {"tables": [{"name": "t2", "schema": {"n": "number"}, "rows": [{"m": 1}]}]}}}`, `"m"`},
		{`{"bots": {"` + smBot + `": {"tables": [{"name": "t3", "schema": {"n": "bogus"}}]}}}`, "table t3"},
		{`{"bots": {"` + smBot + `": {"tables": [{"name": "t4", "schema": {"n": "number"}, "keyColumn": "k"}]}}}`, `key column "k"`},
		{`{"bots": {"` + smBot + `": {"files": [{"key": "a.bin", "contentBase64": "%%%"}]}}}`, "file a.bin: contentBase64"},
		{`{"bots": {"` + smBot + `": {"files": [{"key": "a.txt", "content": "x", "contentBase64": "eA=="}]}}}`, "file a.txt"},
		{`{"integrations": [{"name": "x"}]}`, "integration 0 (x@)"},
		{`{"plugins": [{"name": "p", "version": "1.0.0", "visibility": "everyone"}]}`, "plugin 0 (p@1.0.0): visibility"},
		{`{"billing": {"` + ws + `": {"plan": "gold"}}}`, `plan "gold"`},
		{`{"billing": {"` + ws + `": {"plan": "enterprise"}}}`, "plan enterprise is not sold"},
		{`{"billing": {"wkspace_nowhere00000000000000": {"plan": "team"}}}`, "unknown workspace"},
	} {
		err := srv.Seed(soSeed(t, tc.seed))
		require.Error(t, err, tc.seed)
		assert.True(t, strings.Contains(err.Error(), tc.want), "%s: %v", tc.seed, err)
	}
}
