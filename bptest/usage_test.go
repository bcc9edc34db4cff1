package bptest_test

import (
	"context"
	"errors"
	"net/http"
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

// The tests of the /v1/admin usage, quota and workspace billing calls, of
// getBotAnalytics and of the helpers (bptest/usage.go,
// bptest/billing_workspace.go, bptest/analytics.go, bptest/helpers.go).

// usServer starts a server on March 10th, 2026, with ai_spend seeded for
// the workspace (naming the bot, in March and February) and the bot.
func usServer(t *testing.T, extra ...bptest.Option) (*bptest.Server, *client.Client, *bptest.Clock) {
	t.Helper()
	bot := bptest.DefaultBotID
	seed := soSeed(t, `{"usageActivity":{
		"`+bptest.DefaultWorkspaceID+`":{"ai_spend":[
			{"timestamp":"2026-03-02T10:00:00Z","value":0.5,"metadata":{"botId":"`+bot+`","type":"IntegrationAction"}},
			{"timestamp":"2026-03-03T10:00:00Z","value":2},
			{"timestamp":"2026-02-27T10:00:00Z","value":1}]},
		"`+bot+`":{"ai_spend":[{"timestamp":"2026-03-04T10:00:00Z","value":0.25}]}}}`)
	return blServer(t, append([]bptest.Option{bptest.WithSeedData(seed)}, extra...)...)
}

func TestUsageFromState(t *testing.T) {
	srv, c, _ := usServer(t)
	ctx := context.Background()
	ws, bot := srv.WorkspaceID, bptest.DefaultBotID
	get := func(id string, typ gen.UsageType, period *string) gen.Usage {
		t.Helper()
		u, err := c.GetUsage(ctx, id, &gen.GetUsageParams{Type: typ, Period: period})
		require.NoError(t, err)
		return u.Usage
	}

	// Counted: events (invocation_calls) of the month, bots of the workspace.
	u := get(bot, gen.UsageTypeInvocationCalls, nil)
	assert.Equal(t, gen.Usage{ID: bot, Period: "2026-03", Type: "invocation_calls", Value: 0, Quota: 500}, u)
	_, err := c.CreateEvent(ctx, gen.CreateEventBody{Type: "custom", Payload: map[string]any{}})
	require.NoError(t, err)
	assert.Equal(t, 1.0, get(bot, gen.UsageTypeInvocationCalls, nil).Value)
	assert.Equal(t, 1.0, get(ws, gen.UsageTypeInvocationCalls, soPtr("2026-03-31T23:00:00Z")).Value)
	assert.Equal(t, 0.0, get(ws, gen.UsageTypeInvocationCalls, soPtr("2026-02")).Value, "not in February")
	bots := get(ws, gen.UsageTypeBotCount, nil)
	assert.Equal(t, 1.0, bots.Value)
	assert.Equal(t, 1.0, bots.Quota, "the community plan's")
	assert.Equal(t, 0.0, get(bot, gen.UsageTypeBotCount, nil).Value, "a bot counts no bots")

	// Seeded, for the ID they were seeded under and the month asked; else 0.
	assert.Equal(t, 2.5, get(ws, gen.UsageTypeAiSpend, nil).Value)
	assert.Equal(t, 1.0, get(ws, gen.UsageTypeAiSpend, soPtr("2026-02-15")).Value)
	assert.Equal(t, 0.25, get(bot, gen.UsageTypeAiSpend, nil).Value)
	timeout := get(bot, gen.UsageTypeInvocationTimeout, nil)
	assert.Equal(t, 0.0, timeout.Value)
	assert.Equal(t, 0.0, timeout.Quota, "no limit in the catalogue")

	// Several IDs and types, in the order asked.
	many, err := c.GetMultipleUsages(ctx, &gen.GetMultipleUsagesParams{IDs: []string{ws, bot}, Types: []string{"bot_count", "ai_spend"}})
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 2.5, 0, 0.25}, soMap(many.Usages, func(u gen.Usage) float64 { return u.Value }))
	assert.Equal(t, []string{ws, ws, bot, bot}, soMap(many.Usages, func(u gen.Usage) string { return u.ID }))
	_, err = c.GetMultipleUsages(ctx, &gen.GetMultipleUsagesParams{IDs: []string{ws}, Types: []string{"coffee"}})
	assert.ErrorIs(t, err, bperrors.ErrInvalidQuery)

	// History: one record per month, newest first, from the earliest seeded.
	hist, err := c.ListUsageHistory(ctx, ws, &gen.ListUsageHistoryParams{Type: gen.UsageTypeAiSpend})
	require.NoError(t, err)
	assert.Equal(t, []string{"2026-03", "2026-02"}, soMap(hist.Usages, func(u gen.Usage) string { return u.Period }))
	assert.Equal(t, []float64{2.5, 1}, soMap(hist.Usages, func(u gen.Usage) float64 { return u.Value }))

	// The workspace calls: its record, and each bot's share.
	second, err := c.CreateBot(ctx, gen.CreateBotBody{Name: blPtr("second")})
	require.NoError(t, err)
	wu, err := c.ListWorkspaceUsages(ctx, ws, &gen.ListWorkspaceUsagesParams{Type: gen.UsageTypeBotCount})
	require.NoError(t, err)
	require.Len(t, wu.Usages, 1)
	assert.Equal(t, 2.0, wu.Usages[0].Value)
	byBot, err := c.BreakDownWorkspaceUsageByBot(ctx, ws, &gen.BreakDownWorkspaceUsageByBotParams{Type: gen.UsageTypeInvocationCalls})
	require.NoError(t, err)
	assert.Equal(t, []gen.BotUsage{{BotID: bot, Value: 1}, {BotID: second.Bot.ID, Value: 0}}, byBot.Data)
	spend, err := c.BreakDownWorkspaceUsageByBot(ctx, ws, &gen.BreakDownWorkspaceUsageByBotParams{Type: gen.UsageTypeAiSpend})
	require.NoError(t, err)
	assert.Equal(t, []gen.BotUsage{{BotID: bot, Value: 0.75}, {BotID: second.Bot.ID, Value: 0}}, spend.Data,
		"the bot's own, and the workspace's entries that name it")

	// Unknown or another workspace's: 404; a bad period: 400.
	otherWS, otherBot := soElsewhere(t, c)
	for _, id := range []string{otherBot, otherWS, "bot_unknown0000000000000000000"} {
		_, err = c.GetUsage(ctx, id, &gen.GetUsageParams{Type: gen.UsageTypeBotCount})
		assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, id)
		_, err = c.ListUsageHistory(ctx, id, &gen.ListUsageHistoryParams{Type: gen.UsageTypeBotCount})
		assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, id)
	}
	_, err = c.BreakDownWorkspaceUsageByBot(ctx, "wkspace_nope", &gen.BreakDownWorkspaceUsageByBotParams{Type: gen.UsageTypeBotCount})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.GetUsage(ctx, ws, &gen.GetUsageParams{Type: gen.UsageTypeBotCount, Period: soPtr("March")})
	assert.ErrorIs(t, err, bperrors.ErrInvalidQuery)
	assert.Empty(t, srv.ResponseViolations())
}

func TestUsageQuotas(t *testing.T) {
	srv, c, _ := usServer(t)
	ctx := context.Background()
	ws := srv.WorkspaceID
	quotas := func() map[string]float64 {
		t.Helper()
		q, err := c.ListWorkspaceQuotas(ctx, ws, nil)
		require.NoError(t, err)
		out := map[string]float64{}
		for _, x := range q.Quotas {
			assert.Equal(t, "2026-03", x.Period)
			out[string(x.Type)] = x.Value
		}
		return out
	}
	q := quotas()
	assert.Len(t, q, 15, "every usage type")
	assert.Equal(t, 1.0, q["bot_count"])
	assert.Equal(t, 500.0, q["invocation_calls"])
	assert.Equal(t, 5.0, q["ai_spend"])
	assert.Equal(t, 0.0, q["workspace_ratelimit"])

	// The plan decides.
	_, err := c.SetPlan(ctx, gen.SetPlanBody{PlanID: "team", Interval: gen.BillingIntervalMonth})
	require.NoError(t, err)
	one, err := c.GetWorkspaceQuota(ctx, ws, &gen.GetWorkspaceQuotaParams{Type: gen.UsageTypeBotCount, Period: soPtr("2026-03-15")})
	require.NoError(t, err)
	assert.Equal(t, 10.0, one.Quota.Value)
	assert.Equal(t, "bot_count", string(one.Quota.Type))

	// The AI spending limit: stored, in both quota answers, audited.
	require.NoError(t, c.ChangeAISpendQuota(ctx, gen.ChangeAISpendQuotaBody{MonthlySpendingLimit: 20}))
	assert.Equal(t, 20.0, quotas()["ai_spend"])
	v2, err := c.GetQuotas(ctx)
	require.NoError(t, err)
	assert.Equal(t, 20.0, (*v2)["ai_spend"])
	u, err := c.GetUsage(ctx, ws, &gen.GetUsageParams{Type: gen.UsageTypeAiSpend})
	require.NoError(t, err)
	assert.Equal(t, 20.0, u.Usage.Quota)
	rec, err := c.GetAuditRecords(ctx, ws, nil)
	require.NoError(t, err)
	require.NotEmpty(t, rec.Records)
	assert.Equal(t, gen.AuditRecordActionSETAISPENDINGLIMIT, rec.Records[0].Action)
	val, _ := rec.Records[0].Value.Get()
	assert.Equal(t, "20", val)
	err = c.ChangeAISpendQuota(ctx, gen.ChangeAISpendQuotaBody{MonthlySpendingLimit: -1})
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload)

	// Completion: the fullest quota of every workspace.
	other, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceBody{Name: "other"})
	require.NoError(t, err)
	comp, err := c.GetAllWorkspaceQuotaCompletion(ctx)
	require.NoError(t, err)
	require.Len(t, *comp, 2)
	assert.Equal(t, "ai_spend", string((*comp)[ws].Type), "2.5 of 20 beats 1 bot of 10")
	assert.InDelta(t, 2.5/20, (*comp)[ws].Completion, 1e-9)
	assert.Equal(t, "workspace_member_count", string((*comp)[other.ID].Type), "its owner, of 1")
	assert.Equal(t, 1.0, (*comp)[other.ID].Completion)

	_, err = c.GetWorkspaceQuota(ctx, "wkspace_nope", &gen.GetWorkspaceQuotaParams{Type: gen.UsageTypeBotCount})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.ListWorkspaceQuotas(ctx, ws, &gen.ListWorkspaceQuotasParams{Period: soPtr("soon")})
	assert.ErrorIs(t, err, bperrors.ErrInvalidQuery)
	assert.Empty(t, srv.ResponseViolations())
}

func TestWorkspaceInvoicesAndPaymentMethod(t *testing.T) {
	seed := soSeed(t, `{"invoices":{"`+bptest.DefaultWorkspaceID+`":[
		{"id":"inv_open","amount":12.5,"status":"open","createdAt":"2026-02-01T00:00:00Z","periodStart":"2026-01-01T00:00:00Z","periodEnd":"2026-02-01T00:00:00Z"},
		{"id":"inv_paid","amount":89,"createdAt":"2026-03-01T00:00:00Z"}]}}`)
	srv, c, _ := blServer(t, bptest.WithSeedData(seed))
	ctx := context.Background()
	ws := srv.WorkspaceID
	invoices := func() []gen.WorkspaceInvoice {
		t.Helper()
		l, err := c.ListWorkspaceInvoices(ctx, ws)
		require.NoError(t, err)
		return l.Invoices
	}
	l := invoices()
	require.Len(t, l, 2)
	assert.Equal(t, []string{"inv_paid", "inv_open"}, soMap(l, func(i gen.WorkspaceInvoice) string { return i.ID }), "newest first")
	assert.Equal(t, gen.WorkspaceInvoice_Period{Month: 1, Year: 2026}, l[1].Period, "the billed period's month")
	assert.Equal(t, gen.WorkspaceInvoice_Period{Month: 3, Year: 2026}, l[0].Period, "its creation's month")
	st, _ := l[1].PaymentStatus.Get()
	assert.Equal(t, gen.WorkspaceInvoicePaymentStatusOpen, st)
	n, _ := l[1].PaymentAttemptCount.Get()
	assert.Equal(t, 0, n)
	assert.True(t, l[0].PaymentAttemptCount.IsNull())
	assert.Equal(t, "https://bptest.invalid/invoices/inv_open.pdf", l[1].PdfURL)

	// No payment method: the charge fails and counts.
	pm, err := c.GetPaymentMethod(ctx)
	require.NoError(t, err)
	assert.True(t, pm.PaymentMethod.IsNull())
	ch, err := c.ChargeWorkspaceUnpaidInvoices(ctx, ws, gen.ChargeWorkspaceUnpaidInvoicesBody{})
	require.NoError(t, err)
	assert.Empty(t, ch.ChargedInvoices)
	require.Len(t, ch.FailedInvoices, 1)
	assert.Equal(t, "inv_open", ch.FailedInvoices[0].ID)
	assert.Equal(t, 12.5, ch.FailedInvoices[0].Amount)
	n, _ = invoices()[1].PaymentAttemptCount.Get()
	assert.Equal(t, 1, n)

	// A payment method of Stripe's test mode; another is refused.
	_, err = c.SetPaymentMethod(ctx, gen.SetPaymentMethodBody{PaymentMethodID: "pm_123"})
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload)
	set, err := c.SetPaymentMethod(ctx, gen.SetPaymentMethodBody{PaymentMethodID: "pm_card_visa"})
	require.NoError(t, err)
	card, err := set.Card.Get()
	require.NoError(t, err)
	assert.Equal(t, gen.SetPaymentMethodResponse_Card{Brand: "visa", LastFour: "4242", ExpMonth: 3, ExpYear: 2027}, card)
	pm, err = c.GetPaymentMethod(ctx)
	require.NoError(t, err)
	got, err := pm.PaymentMethod.Get()
	require.NoError(t, err)
	assert.Equal(t, "pm_card_visa", got.ID)
	assert.Equal(t, "card", got.Type)
	rec, err := c.GetAuditRecords(ctx, ws, nil)
	require.NoError(t, err)
	assert.Equal(t, gen.AuditRecordActionUPDATEPAYMENTMETHOD, rec.Records[0].Action)
	intent, err := c.CreatePaymentMethodIntent(ctx, gen.CreatePaymentMethodIntentBody{})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(intent.ClientSecret, "seti_") && strings.Contains(intent.ClientSecret, "_secret_"), intent.ClientSecret)

	// Now the charge goes through; a paid invoice named is refused; unknown 404.
	ch, err = c.ChargeWorkspaceUnpaidInvoices(ctx, ws, gen.ChargeWorkspaceUnpaidInvoicesBody{})
	require.NoError(t, err)
	assert.Equal(t, []gen.ChargeWorkspaceUnpaidInvoicesResponse_ChargedInvoices{{ID: "inv_open", Amount: 12.5}}, ch.ChargedInvoices)
	st, _ = invoices()[1].PaymentStatus.Get()
	assert.Equal(t, gen.WorkspaceInvoicePaymentStatusPaid, st)
	ch, err = c.ChargeWorkspaceUnpaidInvoices(ctx, ws, gen.ChargeWorkspaceUnpaidInvoicesBody{InvoiceIDs: []string{"inv_paid"}})
	require.NoError(t, err)
	require.Len(t, ch.FailedInvoices, 1)
	assert.Equal(t, "invoice is paid, not open", ch.FailedInvoices[0].FailedReason)
	_, err = c.ChargeWorkspaceUnpaidInvoices(ctx, ws, gen.ChargeWorkspaceUnpaidInvoicesBody{InvoiceIDs: []string{"inv_nope"}})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)

	// The upcoming invoice is the next period's subscription.
	up, err := c.GetUpcomingInvoice(ctx, ws)
	require.NoError(t, err)
	assert.Equal(t, 0.0, up.Total, "the community plan")
	require.Len(t, up.LineItems, 1)
	_, err = c.SetPlan(ctx, gen.SetPlanBody{PlanID: "plus", Interval: gen.BillingIntervalMonth})
	require.NoError(t, err)
	_, err = c.SetAddons(ctx, gen.SetAddonsBody{Addons: map[string]int{"addon_bots": 2}})
	require.NoError(t, err)
	up, err = c.GetUpcomingInvoice(ctx, ws)
	require.NoError(t, err)
	assert.Equal(t, 8900.0+2000, up.Total, "in cents")
	require.Len(t, up.LineItems, 2)
	q, _ := up.LineItems[1].Quantity.Get()
	assert.Equal(t, 2.0, q)
	start, _ := up.LineItems[0].PeriodStart.Get()
	end, _ := up.LineItems[0].PeriodEnd.Get()
	assert.Equal(t, "2026-04-10", start.String(), "the next period, from the upgrade's day")
	assert.Equal(t, "2026-05-09", end.String())

	_, err = c.ListWorkspaceInvoices(ctx, "wkspace_nope")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	assert.Empty(t, srv.ResponseViolations())

	// Seeded invoices must name a workspace the server holds.
	_, err = bptest.New(bptest.WithSeedData(soSeed(t, `{"invoices":{"wkspace_nope":[{"amount":1}]}}`)))
	assert.ErrorContains(t, err, "wkspace_nope")
}

func TestBotAnalytics(t *testing.T) {
	bot := bptest.DefaultBotID
	seed := soSeed(t, `{"bots":{"`+bot+`":{"analytics":[{"startDateTimeUtc":"2026-03-02T00:00:00Z","newUsers":3,"userMessages":7,
		"eventTypes":{"message_created":9},"llm":{"calls":2,"errors":0,"inputTokens":100,"outputTokens":50,
		"latency":{"mean":1,"sd":0,"min":1,"max":1},"tokensPerSecond":{"mean":50,"sd":0,"min":50,"max":50},
		"cost":{"sum":0.02,"mean":0.01,"sd":0,"min":0.01,"max":0.01}}}]}}}`)
	srv, c, _ := blServer(t, bptest.WithSeedData(seed))
	ctx := context.Background()

	a, err := c.GetBotAnalytics(ctx, bot, &gen.GetBotAnalyticsParams{StartDate: mustTime("2026-03-01"), EndDate: mustTime("2026-03-03T08:00:00Z")})
	require.NoError(t, err)
	require.Len(t, a.Records, 3, "one per day, both ends included")
	assert.Equal(t, []time.Time{mustTime("2026-03-01T00:00:00.000Z"), mustTime("2026-03-02T00:00:00.000Z"), mustTime("2026-03-03T00:00:00.000Z")},
		soMap(a.Records, func(r gen.GetBotAnalyticsResponse_Records) time.Time { return r.StartDateTimeUtc }))
	assert.Equal(t, mustTime("2026-03-02T23:59:59.999Z"), a.Records[1].EndDateTimeUtc)
	assert.Equal(t, 3, a.Records[1].NewUsers, "seeded")
	assert.Equal(t, 2, a.Records[1].Llm.Calls)
	assert.Equal(t, 9.0, a.Records[1].EventTypes["message_created"])
	assert.Equal(t, 0, a.Records[0].NewUsers, "zeros where nothing is seeded")
	assert.Empty(t, a.Records[2].EventTypes)

	for _, p := range []gen.GetBotAnalyticsParams{
		{StartDate: mustTime("2026-03-02"), EndDate: mustTime("2026-03-01")},
		{StartDate: mustTime("1990-01-01"), EndDate: mustTime("2026-03-01")},
	} {
		_, err = c.GetBotAnalytics(ctx, bot, &p)
		assert.ErrorIs(t, err, bperrors.ErrInvalidQuery, p)
	}
	_, otherBot := soElsewhere(t, c)
	_, err = c.GetBotAnalytics(ctx, otherBot, &gen.GetBotAnalyticsParams{StartDate: mustTime("2026-03-01"), EndDate: mustTime("2026-03-01")})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	assert.Empty(t, srv.ResponseViolations())

	_, err = bptest.DecodeSeedData(strings.NewReader(`{"bots":{"` + bot + `":{"analytics":[{"startDateTimeUtc":"soon"}]}}}`))
	assert.ErrorContains(t, err, "soon")
	_, err = bptest.New(bptest.WithSeedData(soSeed(t, `{"bots":{"`+bot+`":{"analytics":[{"newUsers":1}]}}}`)))
	assert.ErrorContains(t, err, "startDateTimeUtc")
}

func TestHelpersAndDeleteAccount(t *testing.T) {
	srv, c, _ := blServer(t)
	ctx := context.Background()

	_, err := c.RunVrl(ctx, gen.RunVrlBody{Script: ".a = 1", Data: map[string]any{}})
	var apiErr *bperrors.APIError
	require.True(t, errors.As(err, &apiErr), err)
	assert.Equal(t, http.StatusNotImplemented, apiErr.StatusCode)
	assert.Contains(t, apiErr.Message, "VRL")

	who, err := c.Introspect(ctx, gen.IntrospectBody{BotID: bptest.DefaultBotID})
	require.NoError(t, err)
	assert.Equal(t, gen.IntrospectResponse{WorkspaceID: srv.WorkspaceID, BotID: bptest.DefaultBotID, UserID: bptest.DefaultAccountID}, *who)
	otherWS, otherBot := soElsewhere(t, c)
	who, err = c.Introspect(ctx, gen.IntrospectBody{BotID: otherBot})
	require.NoError(t, err)
	assert.Equal(t, otherWS, who.WorkspaceID)
	_, err = c.Introspect(ctx, gen.IntrospectBody{BotID: "bot_unknown0000000000000000000"})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)

	// Once the account is deleted, its token is refused.
	require.NoError(t, c.DeleteAccount(ctx, gen.DeleteAccountBody{}))
	_, err = c.GetAccount(ctx)
	assert.ErrorIs(t, err, bperrors.ErrUnauthorized)
	_, err = c.ListBots(ctx, nil)
	assert.ErrorIs(t, err, bperrors.ErrUnauthorized)
	assert.Empty(t, srv.ResponseViolations())
}
