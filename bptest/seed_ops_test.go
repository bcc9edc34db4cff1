package bptest_test

import (
	"context"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

// The tests of the data Botpress records while bots run (bptest/observed.go,
// bptest/usage_activity.go): seeded, then read through package client.

var soT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func soPtr[T any](v T) *T { return &v }

func soSeed(t *testing.T, js string) *bptest.SeedData {
	t.Helper()
	d, err := bptest.DecodeSeedData(strings.NewReader(js))
	require.NoError(t, err)
	return d
}

// soAll collects a walk, failing the test on an error.
func soAll[T any](t *testing.T, seq iter.Seq2[T, error]) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

func soMap[T, U any](in []T, f func(T) U) []U {
	out := make([]U, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}

// soElsewhere makes a workspace and a bot in it.
func soElsewhere(t *testing.T, c *client.Client) (ws, bot string) {
	t.Helper()
	ctx := context.Background()
	w, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceBody{Name: "elsewhere"})
	require.NoError(t, err)
	b, err := c.CreateBot(ctx, gen.CreateBotBody{}, client.WithWorkspaceID(w.ID))
	require.NoError(t, err)
	return w.ID, b.Bot.ID
}

// Issues: listed by lastSeenAt, newest first, pageSize honoured; defaults
// from their events; deleted for good; another workspace's bot is 404.
func TestSeedBotIssues(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t, bptest.WithClock(bptest.NewClock(soT0).Now), bptest.WithSeedData(soSeed(t, `{"bots":{"`+bptest.DefaultBotID+`":{"issues":[
		{"id":"issue_old","code":"timeout","title":"Timed out","description":"The handler ran too long.",
		 "groupedData":{"handler":{"raw":"onMessage"}},
		 "events":[{"createdAt":"2026-02-01T10:00:00Z","data":{"ms":{"raw":"31000","pretty":"31 s"}}},
		           {"createdAt":"2026-02-03T10:00:00Z","data":{"ms":{"raw":"45000"}}}]},
		{"id":"issue_new","code":"quota","title":"Over quota","description":"d","category":"limits",
		 "resolutionLink":"https://example.com/quota","createdAt":"2026-02-10T00:00:00Z","lastSeenAt":"2026-02-20T00:00:00Z"},
		{"code":"config","title":"Bad config","description":"d","category":"configuration"}]}}}`)))
	c := srv.Client()

	page, err := c.ListBotIssues(ctx, srv.BotID, &gen.ListBotIssuesParams{PageSize: soPtr(2)})
	require.NoError(t, err)
	require.Len(t, page.Issues, 2)
	require.NotNil(t, page.Meta.NextToken)
	all := soAll(t, c.AllBotIssues(ctx, srv.BotID, &gen.ListBotIssuesParams{PageSize: soPtr(1)}))
	require.Len(t, all, 3)
	assert.Equal(t, "config", all[0].Code, "seen now")
	assert.NotEmpty(t, all[0].ID, "an ID is made")
	assert.Equal(t, []string{"issue_new", "issue_old"}, []string{all[1].ID, all[2].ID})
	assert.Equal(t, soT0, all[0].CreatedAt)
	assert.Equal(t, gen.IssueCategoryConfiguration, all[0].Category)

	old, err := c.GetBotIssue(ctx, srv.BotID, "issue_old")
	require.NoError(t, err)
	assert.Equal(t, 2, old.Issue.EventsCount)
	assert.Equal(t, time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC), old.Issue.CreatedAt, "its first event")
	assert.Equal(t, time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC), old.Issue.LastSeenAt, "its last event")
	assert.Equal(t, gen.IssueCategoryOther, old.Issue.Category)
	assert.True(t, old.Issue.ResolutionLink.IsNull())
	assert.Equal(t, "onMessage", old.Issue.GroupedData["handler"].Raw)
	events, err := c.ListBotIssueEvents(ctx, srv.BotID, "issue_old")
	require.NoError(t, err)
	require.Len(t, events.IssueEvents, 2)
	assert.Equal(t, "45000", events.IssueEvents[0].Data["ms"].Raw, "newest first")
	assert.Equal(t, "31 s", *events.IssueEvents[1].Data["ms"].Pretty)
	assert.NotEmpty(t, events.IssueEvents[0].ID)
	newer, err := c.GetBotIssue(ctx, srv.BotID, "issue_new")
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/quota", newer.Issue.ResolutionLink.MustGet())
	assert.Equal(t, 0, newer.Issue.EventsCount)

	require.NoError(t, c.DeleteBotIssue(ctx, srv.BotID, "issue_old"))
	_, err = c.GetBotIssue(ctx, srv.BotID, "issue_old")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.ListBotIssueEvents(ctx, srv.BotID, "issue_old")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	assert.ErrorIs(t, c.DeleteBotIssue(ctx, srv.BotID, "issue_old"), bperrors.ErrResourceNotFound)
	assert.Len(t, soAll(t, c.AllBotIssues(ctx, srv.BotID, nil)), 2)

	// Seeded at run time, for a bot of another workspace: only found from it.
	ws, bot := soElsewhere(t, c)
	require.NoError(t, srv.Seed(&bptest.SeedData{Bots: map[string]bptest.BotSeed{bot: {
		Issues: []bptest.IssueSeed{{Issue: gen.Issue{ID: "issue_there", Code: "x"}}},
	}}}))
	_, err = c.ListBotIssues(ctx, bot, nil)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.GetBotIssue(ctx, bot, "issue_there")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	assert.ErrorIs(t, c.DeleteBotIssue(ctx, bot, "issue_there"), bperrors.ErrResourceNotFound)
	there, err := c.GetBotIssue(ctx, bot, "issue_there", client.WithWorkspaceID(ws))
	require.NoError(t, err)
	assert.Equal(t, "x", there.Issue.Code)
	_, err = c.GetBotIssue(ctx, srv.BotID, "issue_there")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, "another bot's issue")
	_, err = c.ListBotIssues(ctx, "bot_unknown0000000000000000000", nil)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
}

// Action runs by integration and time, activities by task: newest first,
// pageSize honoured.
func TestSeedActionRunsAndActivities(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t, bptest.WithClock(bptest.NewClock(soT0).Now), bptest.WithSeedData(soSeed(t, `{"bots":{"`+bptest.DefaultBotID+`":{
		"actionRuns":[
			{"integrationName":"zendesk","actionType":"createTicket","timestamp":"2026-02-01T00:00:00Z","input":{"subject":"help"},"output":{"id":"t1"},"durationMs":120,"cached":false},
			{"integrationName":"zendesk","actionType":"getTicket","timestamp":"2026-02-02T00:00:00Z","status":"FAILURE","errorMessage":"no such ticket","durationMs":5,"cached":false},
			{"integrationName":"zendesk","actionType":"getTicket","timestamp":"2026-02-03T00:00:00Z","durationMs":1,"cached":true},
			{"integrationName":"slack","actionType":"postMessage","durationMs":3,"cached":false}],
		"activities":[
			{"taskId":"task_1","description":"started","category":"task_status","createdAt":"2026-02-01T00:00:00Z"},
			{"taskId":"task_1","description":"said hi","category":"bot_message","createdAt":"2026-02-02T00:00:00Z","data":{"text":"hi"}},
			{"taskId":"task_2","description":"other"}]}}}`)))
	c := srv.Client()

	page, err := c.ListActionRuns(ctx, srv.BotID, &gen.ListActionRunsParams{IntegrationName: "zendesk", PageSize: soPtr(2)})
	require.NoError(t, err)
	require.Len(t, page.Data, 2)
	require.NotNil(t, page.Meta.NextToken)
	runs := soAll(t, c.AllActionRuns(ctx, srv.BotID, &gen.ListActionRunsParams{IntegrationName: "zendesk", PageSize: soPtr(2)}))
	assert.Equal(t, []string{"2026-02-03T00:00:00Z", "2026-02-02T00:00:00Z", "2026-02-01T00:00:00Z"},
		soMap(runs, func(r gen.ActionRun) string { return r.Timestamp.Format(time.RFC3339Nano) }))
	assert.Equal(t, gen.ActionRunStatusSUCCESS, runs[0].Status, "the default")
	assert.True(t, runs[0].Output.IsNull())
	assert.Equal(t, "no such ticket", runs[1].ErrorMessage.MustGet())
	assert.Equal(t, "t1", runs[2].Output.MustGet()["id"])

	mid, err := c.ListActionRuns(ctx, srv.BotID, &gen.ListActionRunsParams{IntegrationName: "zendesk",
		TimestampFrom: soPtr(mustTime("2026-02-02T00:00:00Z")), TimestampUntil: soPtr(mustTime("2026-02-02T12:00:00Z"))})
	require.NoError(t, err)
	require.Len(t, mid.Data, 1)
	assert.Equal(t, gen.ActionRunStatusFAILURE, mid.Data[0].Status)
	slack, err := c.ListActionRuns(ctx, srv.BotID, &gen.ListActionRunsParams{IntegrationName: "slack"})
	require.NoError(t, err)
	require.Len(t, slack.Data, 1)
	assert.Equal(t, mustTime("2026-03-01T12:00:00.000Z"), slack.Data[0].Timestamp, "now")
	none, err := c.ListActionRuns(ctx, srv.BotID, &gen.ListActionRunsParams{IntegrationName: "teams"})
	require.NoError(t, err)
	assert.Empty(t, none.Data)

	acts := soAll(t, c.AllActivities(ctx, &gen.ListActivitiesParams{BotID: srv.BotID, TaskID: "task_1", PageSize: soPtr(1)}))
	assert.Equal(t, []string{"said hi", "started"}, soMap(acts, func(a gen.Activity) string { return a.Description }))
	assert.Equal(t, "hi", acts[0].Data["text"])
	one, err := c.ListActivities(ctx, &gen.ListActivitiesParams{BotID: srv.BotID, TaskID: "task_1", PageSize: soPtr(1)})
	require.NoError(t, err)
	assert.Len(t, one.Activities, 1)
	assert.NotNil(t, one.Meta.NextToken)
	other, err := c.ListActivities(ctx, &gen.ListActivitiesParams{BotID: srv.BotID, TaskID: "task_2"})
	require.NoError(t, err)
	require.Len(t, other.Activities, 1)
	assert.Equal(t, gen.ActivityCategoryUnknown, other.Activities[0].Category)
	assert.Equal(t, soT0, other.Activities[0].CreatedAt)

	_, bot := soElsewhere(t, c)
	_, err = c.ListActivities(ctx, &gen.ListActivitiesParams{BotID: bot, TaskID: "task_1"})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.ListActionRuns(ctx, bot, &gen.ListActionRunsParams{IntegrationName: "zendesk"})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
}

// Bot and integration logs: filters, newest first, pages of the server's
// size (the log operations take no pageSize).
func TestSeedLogs(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t, bptest.WithPageSize(2), bptest.WithClock(bptest.NewClock(soT0).Now), bptest.WithSeedData(soSeed(t, `{"bots":{"`+bptest.DefaultBotID+`":{"logs":[
		{"timestamp":"2026-02-01T00:00:00Z","level":"info","message":"started"},
		{"timestamp":"2026-02-02T00:00:00Z","level":"error","message":"failed to call zendesk","userId":"user_1","conversationId":"conv_1"},
		{"timestamp":"2026-02-03T00:00:00Z","level":"info","message":"workflow step","workflowId":"wflow_1"},
		{"timestamp":"2026-02-04T00:00:00Z","level":"warn","message":"slow zendesk answer","userId":"user_2"},
		{"message":"now"}]}}}`)))
	c := srv.Client()
	since := mustTime("2026-01-01T00:00:00Z")

	first, err := c.GetBotLogs(ctx, srv.BotID, &gen.GetBotLogsParams{TimeStart: since})
	require.NoError(t, err)
	assert.Len(t, first.Logs, 2, "the server's page size")
	assert.NotNil(t, first.NextToken)
	all := soAll(t, c.AllBotLogs(ctx, srv.BotID, &gen.GetBotLogsParams{TimeStart: since}))
	assert.Equal(t, []string{"now", "slow zendesk answer", "workflow step", "failed to call zendesk", "started"},
		soMap(all, func(l gen.LogEntry) string { return l.Message }))
	assert.Equal(t, "info", all[0].Level, "the default level")

	messages := func(p gen.GetBotLogsParams) []string {
		t.Helper()
		if p.TimeStart.IsZero() {
			p.TimeStart = since
		}
		return soMap(soAll(t, c.AllBotLogs(ctx, srv.BotID, &p)), func(l gen.LogEntry) string { return l.Message })
	}
	assert.Equal(t, []string{"failed to call zendesk"}, messages(gen.GetBotLogsParams{Level: soPtr("error")}))
	assert.Equal(t, []string{"slow zendesk answer"}, messages(gen.GetBotLogsParams{UserID: soPtr("user_2")}))
	assert.Equal(t, []string{"failed to call zendesk"}, messages(gen.GetBotLogsParams{ConversationID: soPtr("conv_1")}))
	assert.Equal(t, []string{"workflow step"}, messages(gen.GetBotLogsParams{WorkflowID: soPtr("wflow_1")}))
	assert.Equal(t, []string{"slow zendesk answer", "failed to call zendesk"}, messages(gen.GetBotLogsParams{MessageContains: soPtr("zendesk")}))
	assert.Equal(t, []string{"workflow step", "failed to call zendesk"},
		messages(gen.GetBotLogsParams{TimeStart: mustTime("2026-02-02T00:00:00Z"), TimeEnd: soPtr(mustTime("2026-02-03T00:00:00Z"))}))

	// An integration's logs, seeded once it exists.
	in, err := c.CreateIntegration(ctx, gen.CreateIntegrationBody{Name: "mailer", Version: "1.0.0"})
	require.NoError(t, err)
	id := in.Integration.ID
	none, err := c.GetIntegrationLogs(ctx, id, &gen.GetIntegrationLogsParams{TimeStart: since})
	require.NoError(t, err)
	assert.Empty(t, none.Logs)
	require.NoError(t, srv.Seed(&bptest.SeedData{IntegrationLogs: map[string][]gen.LogEntry{id: {
		{Timestamp: mustTime("2026-02-01T00:00:00Z"), Level: "info", Message: "registered"},
		{Timestamp: mustTime("2026-02-02T00:00:00Z"), Level: "error", Message: "bounce", UserID: soPtr("user_1")},
		{Timestamp: mustTime("2026-02-03T00:00:00Z"), Level: "info", Message: "sent"},
	}}}))
	logs := soAll(t, c.AllIntegrationLogs(ctx, id, &gen.GetIntegrationLogsParams{TimeStart: since}))
	assert.Equal(t, []string{"sent", "bounce", "registered"}, soMap(logs, func(l gen.LogEntry) string { return l.Message }))
	errs, err := c.GetIntegrationLogs(ctx, id, &gen.GetIntegrationLogsParams{TimeStart: since, Level: soPtr("error"), UserID: soPtr("user_1")})
	require.NoError(t, err)
	require.Len(t, errs.Logs, 1)
	_, err = c.GetIntegrationLogs(ctx, "intver_unknown000000000000000", &gen.GetIntegrationLogsParams{TimeStart: since})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	ws, bot := soElsewhere(t, c)
	_, err = c.GetIntegrationLogs(ctx, id, &gen.GetIntegrationLogsParams{TimeStart: since}, client.WithWorkspaceID(ws))
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, "another workspace's integration")
	_, err = c.GetBotLogs(ctx, bot, &gen.GetBotLogsParams{TimeStart: since})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, "another workspace's bot")
}

// Usage activity: seeded entries and what the server counts, newest first;
// daily totals grouped by day and by the bot and kind of work of their
// metadata.
func TestSeedUsageActivity(t *testing.T) {
	ctx := context.Background()
	clock := bptest.NewClock(soT0)
	bot := bptest.DefaultBotID
	srv := bptest.Start(t, bptest.WithClock(clock.Now), bptest.WithSeedData(soSeed(t, `{"usageActivity":{"`+bptest.DefaultWorkspaceID+`":{"ai_spend":[
		{"timestamp":"2026-02-27T10:00:00Z","value":0.5,"metadata":{"botId":"`+bot+`","type":"IntegrationAction","subtype":"openai"}},
		{"timestamp":"2026-02-27T11:00:00Z","value":0.25,"metadata":{"botId":"`+bot+`","type":"IntegrationAction","subtype":"openai"}},
		{"timestamp":"2026-02-27T12:00:00Z","value":1},
		{"timestamp":"2026-02-28T09:00:00Z","value":2,"metadata":{"botId":"`+bot+`","type":"WebSearch"}}]}}}`)))
	c := srv.Client()
	ws := srv.WorkspaceID
	spend := gen.UsageTypeAiSpend

	entries := soAll(t, c.AllUsageActivity(ctx, ws, &gen.ListUsageActivityParams{Type: spend, PageSize: soPtr(3)}))
	assert.Equal(t, []float64{2, 1, 0.25, 0.5}, soMap(entries, func(u gen.UsageActivity) float64 { return u.Value }))
	assert.Equal(t, "2026-02", entries[0].Period, "the entry's month")
	page, err := c.ListUsageActivity(ctx, ws, &gen.ListUsageActivityParams{Type: spend, PageSize: soPtr(3)})
	require.NoError(t, err)
	assert.Len(t, page.Data, 3)
	require.NotNil(t, page.Meta.NextToken)
	window, err := c.ListUsageActivity(ctx, ws, &gen.ListUsageActivityParams{Type: spend,
		TimestampFrom: soPtr(mustTime("2026-02-27T11:00:00Z")), TimestampUntil: soPtr(mustTime("2026-02-27T12:00:00Z"))})
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 0.25}, soMap(window.Data, func(u gen.UsageActivity) float64 { return u.Value }))

	daySpend := gen.UsageTypeAiSpend
	days := soAll(t, c.AllUsageActivityDaily(ctx, ws, &gen.ListUsageActivityDailyParams{Type: daySpend, PageSize: soPtr(1)}))
	require.Len(t, days, 3)
	assert.Equal(t, []string{"2026-02-28", "2026-02-27", "2026-02-27"}, soMap(days, func(d gen.DailyUsageActivity) string { return d.Date }))
	assert.Equal(t, []float64{2, 1, 0.75}, soMap(days, func(d gen.DailyUsageActivity) float64 { return d.Value }))
	assert.Equal(t, "2026-02-27:ai_spend", days[1].Key)
	assert.Nil(t, days[1].Metadata, "no bot and kind of work named")
	require.NotNil(t, days[2].Metadata)
	assert.Equal(t, gen.DailyUsageActivity_Metadata{BotID: bot, Type: gen.DailyUsageActivityMetadataTypeIntegrationAction, Subtype: soPtr("openai")}, *days[2].Metadata)
	assert.Equal(t, "2026-02-27:ai_spend:"+bot+":IntegrationAction:openai", days[2].Key)
	late, err := c.ListUsageActivityDaily(ctx, ws, &gen.ListUsageActivityDailyParams{Type: daySpend, DateFrom: soPtr("2026-02-28")})
	require.NoError(t, err)
	assert.Len(t, late.Data, 1)
	early, err := c.ListUsageActivityDaily(ctx, ws, &gen.ListUsageActivityDailyParams{Type: daySpend, DateUntil: soPtr("2026-02-27T23:00:00Z")})
	require.NoError(t, err)
	assert.Len(t, early.Data, 2)
	_, err = c.ListUsageActivityDaily(ctx, ws, &gen.ListUsageActivityDailyParams{Type: daySpend, DateFrom: soPtr("yesterday")})
	assert.ErrorIs(t, err, bperrors.ErrInvalidQuery)

	// What the server counts: bots of the workspace, rows of a bot's tables.
	clock.Advance(time.Hour)
	_, err = c.CreateBot(ctx, gen.CreateBotBody{})
	require.NoError(t, err)
	bots := soAll(t, c.AllUsageActivity(ctx, ws, &gen.ListUsageActivityParams{Type: gen.UsageTypeBotCount}))
	require.Len(t, bots, 2)
	assert.Equal(t, mustTime("2026-03-01T13:00:00.000Z"), bots[0].Timestamp, "newest first")
	assert.Equal(t, bot, bots[1].Metadata["botId"])
	total, err := c.GetWorkspaceUsage(ctx, &gen.GetWorkspaceUsageParams{Feature: gen.BillingFeatureBotCount, Period: "2026-03-15"})
	require.NoError(t, err)
	assert.Equal(t, 2.0, *total.Usage, "the same count as getWorkspaceUsage")
	none, err := c.ListUsageActivity(ctx, bot, &gen.ListUsageActivityParams{Type: gen.UsageTypeBotCount})
	require.NoError(t, err)
	assert.Empty(t, none.Data, "bot_count is a workspace's")

	tbl := tblCreateWith(t, c, "UsageTable", map[string]any{"type": "object", "properties": map[string]any{"n": map[string]any{"type": "number"}}}, nil)
	tblInsert(t, c, tbl.ID, map[string]any{"n": 1}, map[string]any{"n": 2}, map[string]any{"n": 3})
	for _, id := range []string{bot, ws} {
		rows := soAll(t, c.AllUsageActivity(ctx, id, &gen.ListUsageActivityParams{Type: gen.UsageTypeTableRowCount, PageSize: soPtr(2)}))
		assert.Len(t, rows, 3, id)
		daily, err := c.ListUsageActivityDaily(ctx, id, &gen.ListUsageActivityDailyParams{Type: gen.UsageTypeTableRowCount})
		require.NoError(t, err)
		require.Len(t, daily.Data, 1)
		assert.Equal(t, 3.0, daily.Data[0].Value)
		assert.Equal(t, "2026-03-01", daily.Data[0].Date)
	}

	// Another workspace, its bot, an unknown ID: 404.
	otherWS, otherBot := soElsewhere(t, c)
	for _, id := range []string{otherWS, otherBot, "bot_unknown0000000000000000000"} {
		_, err = c.ListUsageActivity(ctx, id, &gen.ListUsageActivityParams{Type: spend})
		assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, id)
		_, err = c.ListUsageActivityDaily(ctx, id, &gen.ListUsageActivityDailyParams{Type: daySpend})
		assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, id)
	}
	mine, err := c.ListUsageActivity(ctx, otherWS, &gen.ListUsageActivityParams{Type: gen.UsageTypeBotCount}, client.WithWorkspaceID(otherWS))
	require.NoError(t, err)
	assert.Len(t, mine.Data, 1, "from itself, the other workspace sees its bot")
}

// Seed data that the answers could not carry is refused, at start and at
// run time.
func TestSeedObservedErrors(t *testing.T) {
	bot := `{"bots":{"` + bptest.DefaultBotID + `":`
	for name, js := range map[string]string{
		"unknown field":          bot + `{"issues":[{"code":"x","nope":1}]}}}`,
		"issue category":         bot + `{"issues":[{"code":"x","category":"weather"}]}}}`,
		"duplicate issue":        bot + `{"issues":[{"id":"issue_1"},{"id":"issue_1"}]}}}`,
		"run without name":       bot + `{"actionRuns":[{"actionType":"a","durationMs":1,"cached":false}]}}}`,
		"run timestamp":          bot + `{"actionRuns":[{"integrationName":"z","actionType":"a","timestamp":"today"}]}}}`,
		"activity without task":  bot + `{"activities":[{"description":"x"}]}}}`,
		"log timestamp":          bot + `{"logs":[{"message":"x","timestamp":"2026-13-01"}]}}}`,
		"usage type":             `{"usageActivity":{"` + bptest.DefaultWorkspaceID + `":{"coffee":[{"value":1}]}}}`,
		"integration log stamp":  `{"integrationLogs":{"intver_1":[{"message":"x","timestamp":"noon"}]}}`,
		"short bot ID":           `{"bots":{"bot_short":{}}}`,
		"usage timestamp":        `{"usageActivity":{"` + bptest.DefaultWorkspaceID + `":{"ai_spend":[{"value":1,"timestamp":"x"}]}}}`,
		"activity category":      bot + `{"activities":[{"taskId":"t","category":"gossip"}]}}}`,
		"action run status":      bot + `{"actionRuns":[{"integrationName":"z","actionType":"a","status":"MAYBE"}]}}}`,
		"duplicate activity IDs": bot + `{"activities":[{"id":"a","taskId":"t"},{"id":"a","taskId":"t"}]}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			d, err := bptest.DecodeSeedData(strings.NewReader(js))
			if err != nil {
				// A timestamp that is not one is refused while decoding, as
				// its field is a time.Time.
				assert.Contains(t, []string{"unknown field", "run timestamp", "log timestamp", "integration log stamp", "usage timestamp"},
					name, "refused while decoding: %v", err)
				return
			}
			_, err = bptest.New(bptest.WithSeedData(d))
			assert.Error(t, err)
			srv := bptest.Start(t)
			assert.Error(t, srv.Seed(d))
		})
	}
}
