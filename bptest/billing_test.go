package bptest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// blStart is the instant billing tests start at: March 10th, so that the
// first period is March.
var blStart = time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)

func blServer(t *testing.T, opts ...bptest.Option) (*bptest.Server, *client.Client, *bptest.Clock) {
	t.Helper()
	clock := bptest.NewClock(blStart)
	srv := bptest.Start(t, append([]bptest.Option{bptest.WithClock(clock.Now)}, opts...)...)
	return srv, srv.Client(), clock
}

func blSubscription(t *testing.T, c *client.Client) *gen.Subscription {
	t.Helper()
	sub, err := c.GetSubscription(context.Background())
	require.NoError(t, err)
	return sub
}

func blQuotas(t *testing.T, c *client.Client, opts ...client.Option) gen.GetQuotasResponse {
	t.Helper()
	q, err := c.GetQuotas(context.Background(), opts...)
	require.NoError(t, err)
	return *q
}

func blInvoices(t *testing.T, c *client.Client) []gen.ListedInvoice {
	t.Helper()
	var out []gen.ListedInvoice
	for inv, err := range c.AllInvoices(context.Background(), nil) {
		require.NoError(t, err)
		out = append(out, inv)
	}
	return out
}

func TestBillingCatalogue(t *testing.T) {
	_, c, _ := blServer(t)
	ctx := context.Background()

	plans, err := c.ListPlans(ctx)
	require.NoError(t, err)
	var ids []string
	for _, p := range *plans {
		ids = append(ids, p.ID)
	}
	assert.Equal(t, []string{"community", "plus", "team", "enterprise"}, ids)

	team, err := c.GetPlan(ctx, "team")
	require.NoError(t, err)
	require.NotNil(t, team.Prices.Month)
	assert.Equal(t, 495.0, team.Prices.Month.Amount)
	assert.Equal(t, "usd", team.Prices.Month.Currency)
	assert.Equal(t, 10.0, team.Features["bot_count"])
	ent, err := c.GetPlan(ctx, "enterprise")
	require.NoError(t, err)
	assert.Nil(t, ent.Prices.Month, "not sold at a listed price")
	_, err = c.GetPlan(ctx, "gold")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)

	addons, err := c.ListAddons(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, *addons)
	bots, err := c.GetAddon(ctx, "addon_bots")
	require.NoError(t, err)
	assert.Equal(t, 1.0, bots.Increments["bot_count"])
	assert.Equal(t, gen.BillingIntervalYear, bots.Prices["year"].Interval)
	_, err = c.GetAddon(ctx, "addon_gold")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
}

func TestBillingSetPlan(t *testing.T) {
	srv, c, clock := blServer(t)
	ctx := context.Background()

	// A new workspace is on the community plan, for the calendar month.
	sub := blSubscription(t, c)
	assert.Equal(t, "community", sub.Plan.Current.PlanID)
	assert.Equal(t, gen.BillingIntervalMonth, sub.Plan.Current.Interval)
	assert.Equal(t, mustTime("2026-04-01T00:00:00.000Z"), sub.Plan.Current.PeriodEnd)
	assert.True(t, sub.Plan.Next.IsNull())
	assert.Empty(t, sub.Discounts)
	assert.Equal(t, 1.0, blQuotas(t, c)["bot_count"])
	ro, err := c.GetBillingReadonly(ctx)
	require.NoError(t, err)
	assert.False(t, ro.PlanReadonly)

	// A preview changes nothing.
	pv, err := c.PreviewSubscriptionUpdate(ctx, gen.PreviewSubscriptionUpdateBody{
		Plan:   gen.PreviewSubscriptionUpdateBody_Plan{PlanID: "team", Interval: gen.BillingIntervalMonth},
		Addons: map[string]int{"addon_bots": 1},
	})
	require.NoError(t, err)
	assert.Equal(t, gen.PreviewSubscriptionUpdateResponseChangeTypeUpgrade, pv.ChangeType)
	assert.Equal(t, 505.0, pv.Costs.NextCycle.Total, "team 495 + one bot 10")
	assert.Equal(t, 505.0, pv.Costs.Immediate.AmountDue, "nothing to credit from a free plan")
	assert.True(t, pv.Subscription.Plan.EffectiveDate.IsNull(), "at once")
	assert.Equal(t, 1, pv.Subscription.Addons["addon_bots"].Quantity)
	assert.Equal(t, mustTime("2026-04-10T00:00:00.000Z"), pv.NextBillingDate, "the period restarts now")
	assert.Equal(t, "community", blSubscription(t, c).Plan.Current.PlanID)
	assert.Empty(t, blInvoices(t, c))

	// An upgrade takes effect at once, and is invoiced.
	up, err := c.SetPlan(ctx, gen.SetPlanBody{PlanID: "team", Interval: gen.BillingIntervalMonth})
	require.NoError(t, err)
	assert.Equal(t, "team", up.Plan.Current.PlanID)
	assert.Equal(t, 495.0, up.Plan.Current.Price)
	assert.Equal(t, mustTime("2026-04-10T00:00:00.000Z"), up.Plan.Current.PeriodEnd)
	assert.Equal(t, "team", blSubscription(t, c).Plan.Current.PlanID)
	ws, err := c.GetWorkspace(ctx, srv.WorkspaceID)
	require.NoError(t, err)
	assert.Equal(t, gen.WorkspacePlanTeam, ws.Plan)
	assert.Equal(t, 10.0, blQuotas(t, c)["bot_count"])
	invoices := blInvoices(t, c)
	require.Len(t, invoices, 1)
	assert.Equal(t, 495.0, invoices[0].Amount)
	assert.Equal(t, gen.InvoiceStatusPaid, invoices[0].Status)

	// Later in the period, an upgrade credits the unused part.
	clock.Advance(15 * 24 * time.Hour) // March 25th: 16 of the 31 days of March 10th → April 10th left
	pv, err = c.PreviewSubscriptionUpdate(ctx, gen.PreviewSubscriptionUpdateBody{
		Plan: gen.PreviewSubscriptionUpdateBody_Plan{PlanID: "team", Interval: gen.BillingIntervalYear},
	})
	require.NoError(t, err)
	// A year of team (4950) is 412.50 a month: less than 495.
	assert.Equal(t, gen.PreviewSubscriptionUpdateResponseChangeTypeDowngrade, pv.ChangeType)
	assert.Empty(t, pv.Costs.Immediate.LineItems)
	assert.Equal(t, mustTime("2026-04-10T00:00:00.000Z"), pv.Subscription.Plan.EffectiveDate.MustGet())
	pv, err = c.PreviewSubscriptionUpdate(ctx, gen.PreviewSubscriptionUpdateBody{
		Plan: gen.PreviewSubscriptionUpdateBody_Plan{PlanID: "team", Interval: gen.BillingIntervalMonth}, Addons: map[string]int{"addon_collaborators": 2},
	})
	require.NoError(t, err)
	assert.Equal(t, gen.PreviewSubscriptionUpdateResponseChangeTypeUpgrade, pv.ChangeType)
	require.Len(t, pv.Costs.Immediate.LineItems, 3)
	credit := pv.Costs.Immediate.LineItems[2]
	assert.Equal(t, gen.SubscriptionLineItemTypeProrationCredit, credit.Type)
	assert.InDelta(t, -495.0*16/31, credit.Amount, 0.01)
	assert.InDelta(t, 545-495.0*16/31, pv.Costs.Immediate.Total, 0.01)

	// A downgrade waits for the end of the period.
	down, err := c.SetPlan(ctx, gen.SetPlanBody{PlanID: "plus", Interval: gen.BillingIntervalMonth})
	require.NoError(t, err)
	assert.Equal(t, "team", down.Plan.Current.PlanID)
	next := down.Plan.Next.MustGet()
	assert.Equal(t, "plus", next.PlanID)
	assert.Equal(t, 89.0, next.Price.MustGet())
	assert.Equal(t, mustTime("2026-04-10T00:00:00.000Z"), next.EffectiveDate)

	clock.Advance(16 * 24 * time.Hour) // April 10th
	sub = blSubscription(t, c)
	assert.Equal(t, "plus", sub.Plan.Current.PlanID)
	assert.True(t, sub.Plan.Next.IsNull())
	assert.Equal(t, mustTime("2026-05-10T00:00:00.000Z"), sub.Plan.Current.PeriodEnd)
	invoices = blInvoices(t, c)
	require.Len(t, invoices, 2)
	assert.Equal(t, 89.0, invoices[0].Amount, "the new period's invoice, newest first")

	// Cancelling moves to the free plan at the end of the period.
	cancel, err := c.SetCancelAtPeriodEnd(ctx, gen.SetCancelAtPeriodEndBody{})
	require.NoError(t, err)
	assert.True(t, cancel.Plan.Current.CancelAtPeriodEnd)
	assert.Equal(t, "community", cancel.Plan.Next.MustGet().PlanID)
	clock.Advance(31 * 24 * time.Hour)
	sub = blSubscription(t, c)
	assert.Equal(t, "community", sub.Plan.Current.PlanID)
	assert.False(t, sub.Plan.Current.CancelAtPeriodEnd)
	_, err = c.SetCancelAtPeriodEnd(ctx, gen.SetCancelAtPeriodEndBody{})
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload, "nothing to cancel on the free plan")

	// Refused: an unknown plan, a plan not sold for the interval, a promotion code.
	_, err = c.SetPlan(ctx, gen.SetPlanBody{PlanID: "gold", Interval: gen.BillingIntervalMonth})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.SetPlan(ctx, gen.SetPlanBody{PlanID: "enterprise", Interval: gen.BillingIntervalMonth})
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload)
	_, err = c.SetPlan(ctx, gen.SetPlanBody{PlanID: "plus", Interval: gen.BillingIntervalMonth, CouponCode: blPtr("FREE")})
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload)
	_, err = c.SetPlan(ctx, gen.SetPlanBody{PlanID: "plus", Interval: "weekly"})
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload, "the spec's enum")
}

func TestBillingAddons(t *testing.T) {
	_, c, _ := blServer(t)
	ctx := context.Background()

	sub, err := c.SetAddons(ctx, gen.SetAddonsBody{Addons: map[string]int{"addon_bots": 2, "addon_messages": 1}})
	require.NoError(t, err)
	assert.Equal(t, 2, sub.Addons["addon_bots"].Current.Quantity)
	assert.Equal(t, 20.0, sub.Addons["addon_bots"].Current.Price)
	q := blQuotas(t, c)
	assert.Equal(t, 3.0, q["bot_count"], "1 from the plan, 2 bought")
	assert.Equal(t, 5500.0, q["incoming_messages_events"])

	// Fewer units: at the end of the period; others named stay.
	sub, err = c.SetAddons(ctx, gen.SetAddonsBody{Addons: map[string]int{"addon_bots": 0}})
	require.NoError(t, err)
	assert.Equal(t, 2, sub.Addons["addon_bots"].Current.Quantity)
	assert.Equal(t, 0, sub.Addons["addon_bots"].Next.MustGet().Quantity)
	assert.True(t, sub.Addons["addon_messages"].Next.IsNull())
	assert.Equal(t, 3.0, blQuotas(t, c)["bot_count"])

	_, err = c.SetAddons(ctx, gen.SetAddonsBody{Addons: map[string]int{"addon_gold": 1}})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.SetAddons(ctx, gen.SetAddonsBody{Addons: map[string]int{"addon_bots": -1}})
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload)
}

func TestBillingTrials(t *testing.T) {
	srv, c, clock := blServer(t)
	ctx := context.Background()

	trials, err := c.GetTrials(ctx)
	require.NoError(t, err)
	assert.Empty(t, trials.Trials)
	_, err = c.RemoveTrial(ctx)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, "no trial running")

	tr, err := c.CreateTrial(ctx, gen.CreateTrialBody{Plan: "team", LengthInDays: 14})
	require.NoError(t, err)
	assert.Equal(t, "team", tr.TrialPlan)
	assert.Equal(t, "community", tr.FromPlan)
	assert.Equal(t, mustTime("2026-03-24T00:00:00.000Z"), tr.EndsAt)
	assert.True(t, tr.IsActive)
	assert.Equal(t, 10.0, blQuotas(t, c)["bot_count"], "the trial's plan's quotas")
	ws, err := c.GetWorkspace(ctx, srv.WorkspaceID)
	require.NoError(t, err)
	assert.Equal(t, tr.ID, ws.ActiveTrialID.MustGet())
	assert.Equal(t, gen.WorkspacePlanCommunity, ws.Plan, "the subscription's plan is unchanged")

	_, err = c.CreateTrial(ctx, gen.CreateTrialBody{Plan: "plus", LengthInDays: 7})
	assert.ErrorIs(t, err, bperrors.ErrAlreadyExists, "one trial at a time")

	_, err = c.RemoveTrial(ctx)
	require.NoError(t, err)
	trials, err = c.GetTrials(ctx)
	require.NoError(t, err)
	require.Len(t, trials.Trials, 1)
	assert.False(t, trials.Trials[0].IsActive)
	assert.Equal(t, 1.0, blQuotas(t, c)["bot_count"])
	_, err = c.RemoveTrial(ctx)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)

	// A trial ends by itself.
	second, err := c.CreateTrial(ctx, gen.CreateTrialBody{Plan: "plus", LengthInDays: 7})
	require.NoError(t, err)
	clock.Advance(7 * 24 * time.Hour)
	trials, err = c.GetTrials(ctx)
	require.NoError(t, err)
	require.Len(t, trials.Trials, 2)
	assert.Equal(t, second.ID, trials.Trials[1].ID, "oldest first")
	assert.False(t, trials.Trials[1].IsActive)
	ws, err = c.GetWorkspace(ctx, srv.WorkspaceID)
	require.NoError(t, err)
	assert.True(t, ws.ActiveTrialID.IsNull())

	_, err = c.CreateTrial(ctx, gen.CreateTrialBody{Plan: "gold", LengthInDays: 7})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.CreateTrial(ctx, gen.CreateTrialBody{Plan: "plus", LengthInDays: 0})
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload)
}

func TestBillingAddress(t *testing.T) {
	srv, c, _ := blServer(t)
	ctx := context.Background()

	got, err := c.GetBillingAddress(ctx)
	require.NoError(t, err)
	assert.True(t, got.Address.IsNull())

	_, err = c.SetBillingAddress(ctx, gen.SetBillingAddressBody{
		LineOne: "1 Main St", City: "Montreal", State: blPtr("QC"), PostalCode: "H2X 1Y4", Country: "CA",
	})
	require.NoError(t, err)
	got, err = c.GetBillingAddress(ctx)
	require.NoError(t, err)
	addr := got.Address.MustGet()
	assert.Equal(t, "1 Main St", addr.LineOne)
	assert.Nil(t, addr.LineTwo)
	assert.Equal(t, "QC", *addr.State)
	assert.Equal(t, "CA", addr.Country)

	// The spec's required fields.
	status, body := admRaw(t, srv, http.MethodPut, "/v2/billing/address", `{"lineOne":"1 Main St"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "InvalidPayload", body["type"])

	// Another workspace has its own; an unknown one is 404.
	other, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceBody{Name: "other"})
	require.NoError(t, err)
	got, err = c.GetBillingAddress(ctx, client.WithWorkspaceID(other.ID))
	require.NoError(t, err)
	assert.True(t, got.Address.IsNull())
	_, err = c.GetBillingAddress(ctx, client.WithWorkspaceID("wkspace_nope"))
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
}

func TestBillingAutoRecharge(t *testing.T) {
	_, c, _ := blServer(t)
	ctx := context.Background()

	got, err := c.GetAutoRechargeSettings(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]gen.AutoRechargeSetting{"integration_spend": {Enabled: false}}, got.Settings)

	set, err := c.SetAutoRechargeSettings(ctx, gen.SetAutoRechargeSettingsBody{Settings: map[string]gen.AutoRechargeSettingUpdate{
		"ai_spend": {Enabled: true, Threshold: blPtr(5.0)},
	}})
	require.NoError(t, err)
	assert.Len(t, set.Settings, 2, "integration_spend keeps its settings")
	got, err = c.GetAutoRechargeSettings(ctx)
	require.NoError(t, err)
	assert.True(t, got.Settings["ai_spend"].Enabled)
	assert.Equal(t, 5.0, *got.Settings["ai_spend"].Threshold)
	assert.False(t, got.Settings["integration_spend"].Enabled)

	_, err = c.SetAutoRechargeSettings(ctx, gen.SetAutoRechargeSettingsBody{Settings: map[string]gen.AutoRechargeSettingUpdate{
		"coffee": {Enabled: true},
	}})
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload)
	_, err = c.SetAutoRechargeSettings(ctx, gen.SetAutoRechargeSettingsBody{Settings: map[string]gen.AutoRechargeSettingUpdate{
		"ai_spend": {Enabled: true, Threshold: blPtr(-1.0)},
	}})
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload)
}

func TestBillingCreditGrantsAndInvoices(t *testing.T) {
	srv, c, _ := blServer(t, bptest.WithPageSize(100))
	ctx := context.Background()

	grant, err := c.CreateCreditGrant(ctx, gen.CreateCreditGrantBody{Amount: 10_000_000_000, Feature: gen.CreateCreditGrantBodyFeatureIntegrationSpend})
	require.NoError(t, err)
	assert.Equal(t, 10.0, grant.Amount, "dollars")
	assert.Equal(t, srv.WorkspaceID, grant.WorkspaceID)
	assert.Equal(t, gen.BillingFeatureIntegrationSpend, grant.Feature)
	assert.Equal(t, mustTime("2026-03-01T00:00:00.000Z"), grant.PeriodStart)
	assert.Equal(t, mustTime("2026-04-01T00:00:00.000Z"), grant.PeriodEnd)
	assert.Equal(t, 15.0, blQuotas(t, c)["integration_spend"], "5 from the plan, 10 of credit")
	april, err := c.GetWorkspaceUsage(ctx, &gen.GetWorkspaceUsageParams{Feature: gen.BillingFeatureIntegrationSpend, Period: "2026-04-15T00:00:00Z"})
	require.NoError(t, err)
	assert.Equal(t, 5.0, april.Quota, "the credit is March's")

	_, err = c.CreateCreditGrant(ctx, gen.CreateCreditGrantBody{Amount: 0, Feature: gen.CreateCreditGrantBodyFeatureIntegrationSpend})
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload)

	// Each grant is invoiced; pageSize cuts the pages.
	for range 2 {
		_, err = c.CreateCreditGrant(ctx, gen.CreateCreditGrantBody{Amount: 1_000_000_000, Feature: gen.CreateCreditGrantBodyFeatureIntegrationSpend})
		require.NoError(t, err)
	}
	page, err := c.ListInvoices(ctx, &gen.ListInvoicesParams{PageSize: blPtr(2)})
	require.NoError(t, err)
	assert.Len(t, page.Invoices, 2)
	require.NotNil(t, page.Meta.NextToken)
	rest, err := c.ListInvoices(ctx, &gen.ListInvoicesParams{PageSize: blPtr(2), NextToken: page.Meta.NextToken})
	require.NoError(t, err)
	require.Len(t, rest.Invoices, 1)
	assert.Nil(t, rest.Meta.NextToken)
	assert.Equal(t, grant.InvoiceID, rest.Invoices[0].ID, "newest first: the first grant's comes last")
	assert.Equal(t, 10.0, rest.Invoices[0].Amount)
	assert.Len(t, blInvoices(t, c), 3)

	// A paid invoice cannot be paid again; another workspace's is not found.
	_, err = c.PayInvoice(ctx, grant.InvoiceID, gen.PayInvoiceBody{})
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload)
	other, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceBody{Name: "other"})
	require.NoError(t, err)
	_, err = c.PayInvoice(ctx, grant.InvoiceID, gen.PayInvoiceBody{}, client.WithWorkspaceID(other.ID))
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	inv, err := c.ListInvoices(ctx, nil, client.WithWorkspaceID(other.ID))
	require.NoError(t, err)
	assert.Empty(t, inv.Invoices)
}

func TestBillingUsageCounts(t *testing.T) {
	srv, c, clock := blServer(t)
	ctx := context.Background()
	usage := func(period string, opts ...client.Option) map[string]gen.WorkspaceUsage {
		t.Helper()
		u, err := c.GetWorkspaceUsages(ctx, &gen.GetWorkspaceUsagesParams{Period: period}, opts...)
		require.NoError(t, err)
		return u.Quotas
	}
	const march = "2026-03-20T12:00:00Z"

	u := usage(march)
	assert.Len(t, u, 11, "every feature")
	assert.Equal(t, 1.0, *u["bot_count"].Usage, "the server's bot")
	assert.Equal(t, 1.0, u["bot_count"].Quota)
	assert.Equal(t, 1.0, *u["collaborator_count"].Usage, "the account")
	assert.Equal(t, 0.0, *u["incoming_messages_events"].Usage)

	_, err := c.CreateBot(ctx, gen.CreateBotBody{Name: blPtr("second")})
	require.NoError(t, err)
	_, err = c.CreateWorkspaceMember(ctx, gen.CreateWorkspaceMemberBody{Email: "ann@example.com", Role: gen.WorkspaceMemberRoleDeveloper})
	require.NoError(t, err)

	// Incoming messages (from an integration) and events count; the bot's
	// own messages do not.
	conv := rtConv(t, c, "channel", nil)
	user := rtUser(t, c, nil)
	msg := gen.CreateMessageBody{ConversationID: conv.ID, UserID: user.ID, Type: "text", Payload: message.Text("hi"), Tags: map[string]string{}}
	_, err = c.CreateMessage(ctx, msg, client.WithIntegrationID("intver_bill000000000000000000"))
	require.NoError(t, err)
	_, err = c.CreateMessage(ctx, msg)
	require.NoError(t, err)
	_, err = c.CreateEvent(ctx, gen.CreateEventBody{Type: "custom", Payload: map[string]any{}})
	require.NoError(t, err)

	tbl := tblCreateWith(t, c, "BillingTable", map[string]any{"type": "object", "properties": map[string]any{"n": map[string]any{"type": "number"}}}, nil)
	tblInsert(t, c, tbl.ID, map[string]any{"n": 1}, map[string]any{"n": 2})
	_, err = c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{Key: "a.txt"}, client.FileFromBytes([]byte("12345")))
	require.NoError(t, err)
	_, err = c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{Key: "b.txt", Index: blPtr(true)}, client.FileFromBytes([]byte("hello world")))
	require.NoError(t, err)

	u = usage(march)
	assert.Equal(t, 2.0, *u["bot_count"].Usage)
	assert.Equal(t, 2.0, *u["collaborator_count"].Usage)
	assert.Equal(t, 2.0, *u["incoming_messages_events"].Usage, "one incoming message, one event")
	assert.Equal(t, 2.0, *u["table_rows"].Usage)
	assert.Equal(t, 16.0, *u["file_storage"].Usage)
	assert.Equal(t, 1.0, *u["indexed_file_count"].Usage)
	assert.Equal(t, 0.0, *u["ai_spend"].Usage)
	one, err := c.GetWorkspaceUsage(ctx, &gen.GetWorkspaceUsageParams{Feature: gen.BillingFeatureTableRows, Period: march})
	require.NoError(t, err)
	assert.Equal(t, 2.0, *one.Usage)
	assert.Equal(t, 1000.0, one.Quota)

	// February saw none of it; April counts what exists, but no new messages.
	feb := usage("2026-02-01")
	assert.Equal(t, 0.0, *feb["bot_count"].Usage)
	assert.Equal(t, 0.0, *feb["table_rows"].Usage)
	assert.Equal(t, 0.0, *feb["incoming_messages_events"].Usage)
	clock.Advance(30 * 24 * time.Hour)
	apr := usage("2026-04-20T00:00:00.000Z")
	assert.Equal(t, 2.0, *apr["bot_count"].Usage)
	assert.Equal(t, 0.0, *apr["incoming_messages_events"].Usage)
	assert.Equal(t, 2.0, *usage(march)["incoming_messages_events"].Usage)

	// Another workspace counts its own; a bad period is refused.
	other, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceBody{Name: "other"})
	require.NoError(t, err)
	o := usage(march, client.WithWorkspaceID(other.ID))
	assert.Equal(t, 0.0, *o["bot_count"].Usage)
	assert.Equal(t, 0.0, *o["incoming_messages_events"].Usage)
	_, err = c.GetWorkspaceUsages(ctx, &gen.GetWorkspaceUsagesParams{Period: "March"})
	assert.ErrorIs(t, err, bperrors.ErrInvalidQuery)
	_, err = c.GetWorkspaceUsage(ctx, &gen.GetWorkspaceUsageParams{Feature: "coffee", Period: march})
	assert.ErrorIs(t, err, bperrors.ErrInvalidQuery)
	_, err = c.GetQuotas(ctx, client.WithWorkspaceID("wkspace_nope"))
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	assert.Empty(t, srv.ResponseViolations())
}

func blPtr[T any](v T) *T { return &v }
