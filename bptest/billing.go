package bptest

import (
	"context"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/oapi-codegen/nullable"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Billing: the /v2/billing calls and the workspace usage of /v2/usage.
//
// The plans and add-ons on offer are bptest's own catalogue (blPlans,
// blAddons; not Botpress's prices), answered by listPlans, getPlan,
// listAddons and getAddon. Each workspace has, from its first billing call,
// a subscription: a plan (the workspace's plan, community for a new one)
// and a billing interval, the current period, add-ons, and at most one
// scheduled change. Changes follow one rule, the same for setPlan,
// setAddons and previewSubscriptionUpdate (which changes nothing):
//
//   - a change that costs more per month (a year's price counts as a
//     twelfth) is an upgrade: it takes effect at once, the period restarts
//     now, and it is charged the new period's price less the unused part of
//     the current one (a proration_credit line); a paid invoice records the
//     amount when it is above zero;
//   - a change that costs less per month is a downgrade: it is scheduled for
//     the end of the current period (the subscription's next plan and
//     add-ons) and charges nothing;
//   - a change that costs the same takes effect at once without a charge
//     (the period restarts when the interval changes).
//
// Every change, setPlan and setAddons included, clears what was scheduled
// before it, a cancellation too. setCancelAtPeriodEnd schedules the move to
// the community plan, without add-ons, at the end of the period (400 on the
// community plan). When a period ends the scheduled change applies and a
// new period starts, with a paid invoice for its price when above zero
// (the server's clock decides: see WithClock). Promotion codes are refused
// (400): bptest has none, so discounts are always empty. getBillingReadonly
// answers false for both: nothing is ever locked.
//
// Trials: one at a time (409 while one runs); a trial runs from createTrial
// until endsAt or removeTrial (404 when none runs), and while it runs the
// workspace's quotas are those of the trial's plan and its activeTrialId
// names it. createCreditGrant adds the credit, in dollars, to the
// integration_spend quota of the current month and records a paid invoice;
// changeAISpendQuota sets the ai_spend quota in place of the plan's.
// listInvoices answers those invoices, newest first; payInvoice refuses
// them as already paid (400) and answers 404 for another workspace's.
// Auto-recharge settings and the billing address are kept as set.
//
// Quotas and usage (getQuotas, getWorkspaceUsage, getWorkspaceUsages) are
// computed from the server's state; a billing month is a calendar month in
// UTC. A quota is the current plan's (or running trial's) allowance plus
// each add-on's increments times its quantity, plus, for
// integration_spend, the month's credit grants; ai_spend is the limit
// changeAISpendQuota set, once it is. Usage, for the month asked:
//
//   - bot_count: the workspace's bots created before the month ends;
//   - collaborator_count: its members who joined before the month ends;
//   - incoming_messages_events: incoming messages (created by an
//     integration, initializeIncomingMessage or importMessages) and events
//     of its bots created during the month;
//   - table_rows: rows of its bots' tables created before the month ends;
//   - file_storage: bytes of its bots' uploaded files created before the
//     month ends;
//   - indexed_file_count: its bots' files with indexing asked for, created
//     before the month ends;
//   - integration_spend, ai_spend, vector_db_storage, saved_versions,
//     conversation_sessions: 0, nothing in bptest consumes them.
//
// Every billing call acts on the workspace of its x-workspace-id: 404 for
// one that does not exist.

// blFeatures are the metered features, in the order answers list them.
var blFeatures = []gen.BillingFeature{
	gen.BillingFeatureIncomingMessagesEvents, gen.BillingFeatureIntegrationSpend, gen.BillingFeatureTableRows,
	gen.BillingFeatureBotCount, gen.BillingFeatureCollaboratorCount, gen.BillingFeatureFileStorage,
	gen.BillingFeatureVectorDBStorage, gen.BillingFeatureSavedVersions, gen.BillingFeatureIndexedFileCount,
	gen.BillingFeatureConversationSessions, gen.BillingFeatureAiSpend,
}

const mib = 1 << 20

// blPlan is a plan of the catalogue; a nil price is an interval it is not
// sold for.
type blPlan struct {
	id, name, description string
	month, year           *float64
	features              map[gen.BillingFeature]float64
}

// blAddon is an add-on of the catalogue: the price of one unit, and what
// it adds.
type blAddon struct {
	id, name, description string
	month, year           float64
	increments            map[gen.BillingFeature]float64
}

const blFreePlan = "community"

const (
	blUpgrade   = gen.PreviewSubscriptionUpdateResponseChangeTypeUpgrade
	blDowngrade = gen.PreviewSubscriptionUpdateResponseChangeTypeDowngrade
	blSame      = gen.PreviewSubscriptionUpdateResponseChangeTypeSame
)

// The plan IDs are the values of a workspace's plan.
var blPlans = []blPlan{
	{id: "community", name: "Community", description: "Free, to build and try a bot.", month: ptr(0.0), year: ptr(0.0),
		features: blAllowance(500, 5, 1000, 1, 1, 100*mib, 100*mib, 1, 100, 500, 5)},
	{id: "plus", name: "Plus", description: "For a bot in production.", month: ptr(89.0), year: ptr(890.0),
		features: blAllowance(5000, 10, 100000, 2, 2, 10*1024*mib, 1024*mib, 10, 1000, 5000, 10)},
	{id: "team", name: "Team", description: "For a team with several bots.", month: ptr(495.0), year: ptr(4950.0),
		features: blAllowance(50000, 25, 1000000, 10, 10, 100*1024*mib, 10*1024*mib, 100, 10000, 50000, 25)},
	{id: "enterprise", name: "Enterprise", description: "On a contract: no listed price.",
		features: blAllowance(1000000, 100, 10000000, 100, 100, 1024*1024*mib, 100*1024*mib, 1000, 100000, 1000000, 100)},
}

var blAddons = []blAddon{
	{id: "addon_messages", name: "Messages and events", description: "5,000 more incoming messages and events a month.",
		month: 20, year: 200, increments: map[gen.BillingFeature]float64{gen.BillingFeatureIncomingMessagesEvents: 5000}},
	{id: "addon_bots", name: "Bot", description: "One more bot.",
		month: 10, year: 100, increments: map[gen.BillingFeature]float64{gen.BillingFeatureBotCount: 1}},
	{id: "addon_collaborators", name: "Collaborator", description: "One more workspace member.",
		month: 25, year: 250, increments: map[gen.BillingFeature]float64{gen.BillingFeatureCollaboratorCount: 1}},
	{id: "addon_table_rows", name: "Table rows", description: "100,000 more table rows.",
		month: 25, year: 250, increments: map[gen.BillingFeature]float64{gen.BillingFeatureTableRows: 100000}},
	{id: "addon_storage", name: "Storage", description: "10 GiB more file storage and 1 GiB more vector storage.",
		month: 10, year: 100, increments: map[gen.BillingFeature]float64{gen.BillingFeatureFileStorage: 10 * 1024 * mib, gen.BillingFeatureVectorDBStorage: 1024 * mib}},
}

// blAllowance lists a plan's features in the order of blFeatures.
func blAllowance(v ...float64) map[gen.BillingFeature]float64 {
	m := make(map[gen.BillingFeature]float64, len(v))
	for i, f := range blFeatures {
		m[f] = v[i]
	}
	return m
}

func blFindPlan(id string) (*blPlan, bool) {
	i := slices.IndexFunc(blPlans, func(p blPlan) bool { return p.id == id })
	if i < 0 {
		return nil, false
	}
	return &blPlans[i], true
}

func blFindAddon(id string) (*blAddon, bool) {
	i := slices.IndexFunc(blAddons, func(a blAddon) bool { return a.id == id })
	if i < 0 {
		return nil, false
	}
	return &blAddons[i], true
}

// price is what the plan costs per interval; false when it is not sold for it.
func (p *blPlan) price(iv gen.BillingInterval) (float64, bool) {
	v := p.month
	if iv == gen.BillingIntervalYear {
		v = p.year
	}
	if v == nil {
		return 0, false
	}
	return *v, true
}

func (a *blAddon) price(iv gen.BillingInterval) float64 {
	if iv == gen.BillingIntervalYear {
		return a.year
	}
	return a.month
}

func (p *blPlan) view() gen.Plan {
	out := gen.Plan{ID: p.id, Name: p.name, Description: p.description, Features: map[string]float64{}}
	if p.month != nil {
		out.Prices.Month = &gen.PlanPrice{Amount: *p.month, Currency: "usd"}
	}
	if p.year != nil {
		out.Prices.Year = &gen.PlanPrice{Amount: *p.year, Currency: "usd"}
	}
	for f, v := range p.features {
		out.Features[string(f)] = v
	}
	return out
}

func (a *blAddon) view() gen.Addon {
	out := gen.Addon{
		ID: a.id, Name: a.name, Description: a.description, Increments: map[string]float64{},
		Prices: map[string]gen.AddonPrice{
			"month": {Amount: a.month, Currency: "usd", Interval: gen.BillingIntervalMonth},
			"year":  {Amount: a.year, Currency: "usd", Interval: gen.BillingIntervalYear},
		},
	}
	for f, v := range a.increments {
		out.Increments[string(f)] = v
	}
	return out
}

// blState is the billing of one workspace.
type blState struct {
	ws         string
	planID     string
	interval   gen.BillingInterval
	start, end time.Time      // the current period
	addons     map[string]int // add-on ID → quantity, none at 0
	next       *blSub         // the change scheduled for the end of the period
	cancel     bool           // the move to the free plan is scheduled
	trials     []*blTrial
	grants     []blGrant
	invoices   *collection[gen.Invoice]
	recharge   map[string]gen.AutoRechargeSetting
	address    *gen.GetBillingAddressResponse_Address
	// What the v1 workspace billing calls keep (billing_workspace.go,
	// usage.go): the AI spending limit changeAISpendQuota set (nil: the
	// plan's), the payment method, failed charges by invoice ID.
	aiSpend  *float64
	payment  *gen.GetPaymentMethodResponse_PaymentMethod
	attempts map[string]int
}

// blSub is a plan, an interval and add-ons: a subscription's content.
type blSub struct {
	planID   string
	interval gen.BillingInterval
	addons   map[string]int
}

type blTrial struct {
	id, plan, from string
	ends           time.Time
}

type blGrant struct {
	month  time.Time // first instant of the month it applies to
	amount float64   // dollars
}

func blMonth(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func blAdd(t time.Time, iv gen.BillingInterval) time.Time {
	if iv == gen.BillingIntervalYear {
		return t.AddDate(1, 0, 0)
	}
	return t.AddDate(0, 1, 0)
}

func blMoney(v float64) float64 { return math.Round(v*100) / 100 }

// blOf returns the billing of the workspace a request acts on, its periods
// brought up to now.
func (st *state) blOf(ctx context.Context) (*blState, *apiError) {
	return st.blFor(workspaceOf(ctx))
}

// blLock locks the server and returns its state and the billing of the
// workspace a request acts on (blOf); unlock is to be called in any case.
func (h *server) blLock(ctx context.Context) (*state, *blState, func(), *apiError) {
	st, unlock := h.lock()
	b, err := st.blOf(ctx)
	return st, b, unlock, err
}

// blFor returns the billing of workspace ws, its periods brought up to now.
func (st *state) blFor(ws string) (*blState, *apiError) {
	a := st.adm()
	w, ok := a.workspaces.get(ws)
	if !ok {
		return nil, notFound("workspace", ws)
	}
	if st.billing == nil {
		st.billing = map[string]*blState{}
	}
	b := st.billing[ws]
	if b == nil {
		plan := string(w.Plan)
		if _, ok := blFindPlan(plan); !ok {
			plan = blFreePlan
		}
		start := blMonth(st.now())
		b = &blState{
			ws: ws, planID: plan, interval: gen.BillingIntervalMonth, start: start, end: blAdd(start, gen.BillingIntervalMonth),
			addons: map[string]int{}, invoices: newCollection[gen.Invoice](), attempts: map[string]int{},
			recharge: map[string]gen.AutoRechargeSetting{string(gen.BillingFeatureIntegrationSpend): {Enabled: false}},
		}
		st.billing[ws] = b
	}
	st.blRoll(b, st.now().UTC())
	return b, nil
}

// blRoll ends the periods that are over at now: the scheduled change
// applies and each new period is invoiced.
func (st *state) blRoll(b *blState, now time.Time) {
	for !now.Before(b.end) {
		switch {
		case b.cancel:
			b.planID, b.interval, b.addons = blFreePlan, gen.BillingIntervalMonth, map[string]int{}
		case b.next != nil:
			b.planID, b.interval, b.addons = b.next.planID, b.next.interval, b.next.addons
		}
		b.cancel, b.next = false, nil
		b.start, b.end = b.end, blAdd(b.end, b.interval)
		if cost := blCost(b.sub()); cost > 0 {
			st.blInvoice(b, cost, b.start, &b.start, &b.end)
		}
	}
}

func (b *blState) sub() blSub {
	return blSub{planID: b.planID, interval: b.interval, addons: b.addons}
}

// blCost is what a subscription costs per interval; its plan is sold for
// its interval (checked before).
func blCost(s blSub) float64 {
	p, _ := blFindPlan(s.planID)
	cost, _ := p.price(s.interval)
	for id, q := range s.addons {
		a, _ := blFindAddon(id)
		cost += float64(q) * a.price(s.interval)
	}
	return blMoney(cost)
}

func blMonthly(s blSub) float64 {
	if s.interval == gen.BillingIntervalYear {
		return blCost(s) / 12
	}
	return blCost(s)
}

// activeTrial is the trial running at now, if one is.
func (b *blState) activeTrial(now time.Time) *blTrial {
	for _, t := range b.trials {
		if now.Before(t.ends) {
			return t
		}
	}
	return nil
}

// blInvoice records a paid invoice.
func (st *state) blInvoice(b *blState, amount float64, at time.Time, start, end *time.Time) gen.Invoice {
	id, seq := st.ids.next("inv")
	inv := gen.Invoice{
		ID: id, Amount: blMoney(amount), Currency: "usd", Status: gen.InvoiceStatusPaid, CreatedAt: instant(at),
		PeriodStart: nullable.NewNullNullable[time.Time](), PeriodEnd: nullable.NewNullNullable[time.Time](),
		DueDate: nullable.NewNullNullable[time.Time](), PdfURL: nullable.NewNullNullable[string](),
	}
	if start != nil {
		inv.PeriodStart.Set(instant(*start))
		inv.PeriodEnd.Set(instant(*end))
	}
	b.invoices.add(id, seq, inv)
	return inv
}

// blWorkspaceView shows a workspace's plan and running trial as billing
// has them (admWorkspace calls it).
func (st *state) blWorkspaceView(ws *gen.Workspace) {
	b := st.billing[ws.ID]
	if b == nil {
		return
	}
	now := st.now().UTC()
	st.blRoll(b, now)
	ws.Plan = gen.WorkspacePlan(b.planID)
	if t := b.activeTrial(now); t != nil {
		ws.ActiveTrialID = nullable.NewNullableWithValue(t.id)
	} else {
		ws.ActiveTrialID = nullable.NewNullNullable[string]()
	}
}

// --- Catalogue ---

// blViews is the views of a catalogue, in its order.
func blViews[T any, V any](all []T, view func(*T) V) []V {
	out := make([]V, 0, len(all))
	for i := range all {
		out = append(out, view(&all[i]))
	}
	return out
}

func (h *server) ListPlans(ctx context.Context, req gen.ListPlansRequestObject) (gen.ListPlansResponseObject, error) {
	return gen.ListPlans200JSONResponse(blViews(blPlans, (*blPlan).view)), nil
}

func (h *server) GetPlan(ctx context.Context, req gen.GetPlanRequestObject) (gen.GetPlanResponseObject, error) {
	p, ok := blFindPlan(req.PlanID)
	if !ok {
		return nil, notFound("plan", req.PlanID)
	}
	return gen.GetPlan200JSONResponse(p.view()), nil
}

func (h *server) ListAddons(ctx context.Context, req gen.ListAddonsRequestObject) (gen.ListAddonsResponseObject, error) {
	return gen.ListAddons200JSONResponse(blViews(blAddons, (*blAddon).view)), nil
}

func (h *server) GetAddon(ctx context.Context, req gen.GetAddonRequestObject) (gen.GetAddonResponseObject, error) {
	a, ok := blFindAddon(req.AddonID)
	if !ok {
		return nil, notFound("add-on", req.AddonID)
	}
	return gen.GetAddon200JSONResponse(a.view()), nil
}

// --- Subscription ---

func (h *server) GetBillingReadonly(ctx context.Context, req gen.GetBillingReadonlyRequestObject) (gen.GetBillingReadonlyResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	if _, err := st.blOf(ctx); err != nil {
		return nil, err
	}
	return gen.GetBillingReadonly200JSONResponse{PlanReadonly: false, AddonsReadonly: false}, nil
}

// subscription is the answer of the subscription calls.
func (b *blState) subscription() gen.Subscription {
	p, _ := blFindPlan(b.planID)
	price, _ := p.price(b.interval)
	end := instant(b.end)
	out := gen.Subscription{
		Plan: gen.SubscriptionPlan{
			Current: gen.SubscriptionPlan_Current{
				Status: gen.SubscriptionPlanCurrentStatusActive, PlanID: b.planID, Interval: b.interval,
				Price: price, CancelAtPeriodEnd: b.cancel, PeriodEnd: end,
			},
			Next: nullable.NewNullNullable[gen.SubscriptionPlan_Next](),
		},
		Addons:    map[string]gen.SubscriptionAddon{},
		Discounts: []gen.Discount{},
	}
	next := b.next
	if b.cancel {
		next = &blSub{planID: blFreePlan, interval: gen.BillingIntervalMonth, addons: map[string]int{}}
	}
	if next != nil && (next.planID != b.planID || next.interval != b.interval) {
		np, _ := blFindPlan(next.planID)
		nprice, _ := np.price(next.interval)
		out.Plan.Next.Set(gen.SubscriptionPlan_Next{
			PlanID: next.planID, Interval: next.interval, Price: nullable.NewNullableWithValue(nprice), EffectiveDate: end,
		})
	}
	ids := slices.Collect(maps.Keys(b.addons))
	if next != nil {
		ids = append(ids, slices.Collect(maps.Keys(next.addons))...)
	}
	for _, id := range ids {
		if _, done := out.Addons[id]; done {
			continue
		}
		a, _ := blFindAddon(id)
		q := b.addons[id]
		sa := gen.SubscriptionAddon{
			Current: gen.SubscriptionAddon_Current{Quantity: q, Price: blMoney(float64(q) * a.price(b.interval))},
			Next:    nullable.NewNullNullable[gen.SubscriptionAddon_Next](),
		}
		if next != nil && (next.addons[id] != q || next.interval != b.interval) {
			nq := next.addons[id]
			sa.Next.Set(gen.SubscriptionAddon_Next{Quantity: nq, Price: blMoney(float64(nq) * a.price(next.interval)), EffectiveDate: end})
		}
		out.Addons[id] = sa
	}
	return out
}

func (h *server) GetSubscription(ctx context.Context, req gen.GetSubscriptionRequestObject) (gen.GetSubscriptionResponseObject, error) {
	_, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	return gen.GetSubscription200JSONResponse(b.subscription()), nil
}

// blCheck validates a subscription a request asks for: 404 for an unknown
// plan or add-on, 400 for a plan not sold for the interval, a negative
// quantity or a promotion code.
func blCheck(s blSub, coupon *string) *apiError {
	p, ok := blFindPlan(s.planID)
	if !ok {
		return notFound("plan", s.planID)
	}
	if _, ok := p.price(s.interval); !ok {
		return invalidPayload("plan %q is not sold per %s", s.planID, s.interval)
	}
	for id, q := range s.addons {
		if _, ok := blFindAddon(id); !ok {
			return notFound("add-on", id)
		}
		if q < 0 {
			return invalidPayload("add-on %q: quantity %d is negative", id, q)
		}
	}
	if coupon != nil {
		return invalidPayload("promotion code %q is not valid", *coupon)
	}
	return nil
}

// blWith returns the add-on quantities after applying a change (0 removes).
func blWith(cur map[string]int, change map[string]int) map[string]int {
	out := maps.Clone(cur)
	for id, q := range change {
		if q == 0 {
			delete(out, id)
		} else {
			out[id] = q
		}
	}
	return out
}

// blChange is a change of subscription, as previewed and as applied.
type blChange struct {
	to        blSub
	kind      gen.PreviewSubscriptionUpdateResponseChangeType
	restart   bool // the period restarts now
	immediate []gen.SubscriptionLineItem
	cycle     []gen.SubscriptionLineItem
	due       float64
}

// change works out a change to the subscription to, by the rule at the
// top of this file.
func (b *blState) change(to blSub, now time.Time) blChange {
	c := blChange{to: to, kind: blSame}
	from := b.sub()
	switch oldM, newM := blMonthly(from), blMonthly(to); {
	case newM > oldM+0.005:
		c.kind = blUpgrade
	case newM < oldM-0.005:
		c.kind = blDowngrade
	}
	c.restart = c.kind == blUpgrade || (c.kind == blSame && to.interval != from.interval)
	p, _ := blFindPlan(to.planID)
	price, _ := p.price(to.interval)
	c.cycle = append(c.cycle, gen.SubscriptionLineItem{
		Type: gen.SubscriptionLineItemTypePlan, ID: p.id, Description: p.name + " plan, per " + string(to.interval), Amount: price,
	})
	for _, id := range slices.Sorted(maps.Keys(to.addons)) {
		a, _ := blFindAddon(id)
		q := to.addons[id]
		c.cycle = append(c.cycle, gen.SubscriptionLineItem{
			Type: gen.SubscriptionLineItemTypeAddon, ID: id, Description: a.name + ", per " + string(to.interval),
			Amount: blMoney(float64(q) * a.price(to.interval)), Quantity: ptr(q),
		})
	}
	c.immediate = []gen.SubscriptionLineItem{}
	if c.restart {
		left := float64(b.end.Sub(now)) / float64(b.end.Sub(b.start))
		left = max(0, min(1, left))
		c.immediate = append(c.immediate, c.cycle...)
		if credit := blMoney(blCost(from) * left); credit > 0 {
			c.immediate = append(c.immediate, gen.SubscriptionLineItem{
				Type: gen.SubscriptionLineItemTypeProrationCredit, ID: from.planID,
				Description: "Unused part of the current period", Amount: -credit,
			})
		}
	}
	return c
}

func blSum(items []gen.SubscriptionLineItem) float64 {
	var t float64
	for _, it := range items {
		t += it.Amount
	}
	return blMoney(t)
}

// blApply makes a change: at once, or scheduled for the end of the period.
func (st *state) blApply(b *blState, c blChange, now time.Time) {
	b.cancel, b.next = false, nil
	if c.kind == blDowngrade {
		b.next = &c.to
		return
	}
	b.planID, b.interval, b.addons = c.to.planID, c.to.interval, c.to.addons
	if c.restart {
		b.start, b.end = now, blAdd(now, c.to.interval)
		if due := max(0, blSum(c.immediate)); due > 0 {
			st.blInvoice(b, due, now, &b.start, &b.end)
		}
	}
}

func (h *server) SetPlan(ctx context.Context, req gen.SetPlanRequestObject) (gen.SetPlanResponseObject, error) {
	st, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	now := st.now().UTC()
	if ms := req.Body.TestReferenceTime; ms != nil {
		// The change is worked out as of that instant; periods roll to it.
		now = time.UnixMilli(int64(*ms)).UTC()
		st.blRoll(b, now)
	}
	to := blSub{planID: req.Body.PlanID, interval: req.Body.Interval, addons: maps.Clone(b.addons)}
	if err := blCheck(to, req.Body.CouponCode); err != nil {
		return nil, err
	}
	st.blApply(b, b.change(to, now), now)
	return gen.SetPlan200JSONResponse(b.subscription()), nil
}

func (h *server) SetAddons(ctx context.Context, req gen.SetAddonsRequestObject) (gen.SetAddonsResponseObject, error) {
	st, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	to := blSub{planID: b.planID, interval: b.interval, addons: blWith(b.addons, req.Body.Addons)}
	if err := blCheck(blSub{planID: b.planID, interval: b.interval, addons: req.Body.Addons}, req.Body.CouponCode); err != nil {
		return nil, err
	}
	now := st.now().UTC()
	st.blApply(b, b.change(to, now), now)
	return gen.SetAddons200JSONResponse(b.subscription()), nil
}

func (h *server) PreviewSubscriptionUpdate(ctx context.Context, req gen.PreviewSubscriptionUpdateRequestObject) (gen.PreviewSubscriptionUpdateResponseObject, error) {
	st, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	in := req.Body
	if err := blCheck(blSub{planID: in.Plan.PlanID, interval: in.Plan.Interval, addons: in.Addons}, in.CouponCode); err != nil {
		return nil, err
	}
	now := st.now().UTC()
	c := b.change(blSub{planID: in.Plan.PlanID, interval: in.Plan.Interval, addons: blWith(b.addons, in.Addons)}, now)
	effective := nullable.NewNullNullable[time.Time]()
	nextBilling := b.end
	if c.kind == blDowngrade {
		effective.Set(instant(b.end))
	} else if c.restart {
		nextBilling = blAdd(now, c.to.interval)
	}
	out := gen.PreviewSubscriptionUpdate200JSONResponse{
		ChangeType:      c.kind,
		NextBillingDate: instant(nextBilling),
		Discounts:       []gen.Discount{},
	}
	out.Subscription.Plan = gen.PreviewSubscriptionUpdateResponse_Subscription_Plan{
		PlanID: c.to.planID, Interval: c.to.interval, EffectiveDate: effective,
	}
	out.Subscription.Addons = map[string]gen.PreviewedAddon{}
	for id, q := range c.to.addons {
		out.Subscription.Addons[id] = gen.PreviewedAddon{Quantity: q, EffectiveDate: effective}
	}
	total := blSum(c.immediate)
	out.Costs.Immediate = gen.PreviewSubscriptionUpdateResponse_Costs_Immediate{
		Total: total, AccountBalance: 0, AmountDue: max(0, total), LineItems: c.immediate,
	}
	out.Costs.NextCycle = gen.PreviewSubscriptionUpdateResponse_Costs_NextCycle{Total: blSum(c.cycle), LineItems: c.cycle}
	return out, nil
}

func (h *server) SetCancelAtPeriodEnd(ctx context.Context, req gen.SetCancelAtPeriodEndRequestObject) (gen.SetCancelAtPeriodEndResponseObject, error) {
	_, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	if b.planID == blFreePlan {
		return nil, invalidPayload("the workspace is on the %s plan: there is no subscription to cancel", blFreePlan)
	}
	b.cancel, b.next = true, nil
	return gen.SetCancelAtPeriodEnd200JSONResponse(b.subscription()), nil
}

// --- Trials ---

func (t *blTrial) view(now time.Time) gen.Trial {
	return gen.Trial{ID: t.id, TrialPlan: t.plan, FromPlan: t.from, EndsAt: instant(t.ends), IsActive: now.Before(t.ends)}
}

func (h *server) GetTrials(ctx context.Context, req gen.GetTrialsRequestObject) (gen.GetTrialsResponseObject, error) {
	st, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	now := st.now().UTC()
	out := gen.GetTrials200JSONResponse{Trials: []gen.Trial{}}
	for _, t := range b.trials {
		out.Trials = append(out.Trials, t.view(now))
	}
	return out, nil
}

func (h *server) CreateTrial(ctx context.Context, req gen.CreateTrialRequestObject) (gen.CreateTrialResponseObject, error) {
	st, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	in := req.Body
	if in.LengthInDays < 1 {
		return nil, invalidPayload("lengthInDays must be at least 1, not %d", in.LengthInDays)
	}
	if _, ok := blFindPlan(in.Plan); !ok {
		return nil, notFound("plan", in.Plan)
	}
	if in.Plan == b.planID {
		return nil, invalidPayload("the workspace is already on the %s plan", in.Plan)
	}
	now := st.now().UTC()
	if t := b.activeTrial(now); t != nil {
		return nil, alreadyExists("trial", t.id)
	}
	id, _ := st.ids.next("trial")
	t := &blTrial{id: id, plan: in.Plan, from: b.planID, ends: now.AddDate(0, 0, in.LengthInDays)}
	b.trials = append(b.trials, t)
	return gen.CreateTrial200JSONResponse(t.view(now)), nil
}

func (h *server) RemoveTrial(ctx context.Context, req gen.RemoveTrialRequestObject) (gen.RemoveTrialResponseObject, error) {
	st, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	now := st.now().UTC()
	t := b.activeTrial(now)
	if t == nil {
		return nil, errorf(http.StatusNotFound, "ResourceNotFound", "workspace %q has no trial running", b.ws)
	}
	t.ends = now
	return gen.RemoveTrial200JSONResponse{}, nil
}

// --- Credit, invoices, settings ---

func (h *server) CreateCreditGrant(ctx context.Context, req gen.CreateCreditGrantRequestObject) (gen.CreateCreditGrantResponseObject, error) {
	st, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	if req.Body.Amount <= 0 {
		return nil, invalidPayload("amount must be above 0, not %d", req.Body.Amount)
	}
	now := st.now().UTC()
	dollars := float64(req.Body.Amount) / 1e9
	month := blMonth(now)
	end := month.AddDate(0, 1, 0)
	inv := st.blInvoice(b, dollars, now, &month, &end)
	b.grants = append(b.grants, blGrant{month: month, amount: dollars})
	id, _ := st.ids.next("grant")
	return gen.CreateCreditGrant200JSONResponse{
		ID: id, WorkspaceID: b.ws, InvoiceID: inv.ID, Amount: dollars, Feature: gen.BillingFeature(req.Body.Feature),
		PeriodStart: instant(month), PeriodEnd: instant(end), CreatedAt: instant(now), UpdatedAt: instant(now),
	}, nil
}

func (h *server) ListInvoices(ctx context.Context, req gen.ListInvoicesRequestObject) (gen.ListInvoicesResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b, aerr := st.blOf(ctx)
	if aerr != nil {
		return nil, aerr
	}
	page, next, err := paginate(b.invoices.filter(nil), req.Params.NextToken, st.pageSizeOf(req.Params.PageSize), true)
	if err != nil {
		return nil, err
	}
	return gen.ListInvoices200JSONResponse{Invoices: admAs[[]gen.ListedInvoice](page), Meta: gen.PageMeta{NextToken: next}}, nil
}

func (h *server) PayInvoice(ctx context.Context, req gen.PayInvoiceRequestObject) (gen.PayInvoiceResponseObject, error) {
	_, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	inv, ok := b.invoices.get(req.InvoiceID)
	if !ok {
		return nil, notFound("invoice", req.InvoiceID)
	}
	if inv.Status != gen.InvoiceStatusOpen {
		return nil, invalidPayload("invoice %q is %s, not open", inv.ID, inv.Status)
	}
	inv.Status = gen.InvoiceStatusPaid
	b.invoices.put(inv.ID, inv)
	return gen.PayInvoice200JSONResponse(inv), nil
}

func (h *server) GetAutoRechargeSettings(ctx context.Context, req gen.GetAutoRechargeSettingsRequestObject) (gen.GetAutoRechargeSettingsResponseObject, error) {
	_, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	return gen.GetAutoRechargeSettings200JSONResponse{Settings: maps.Clone(b.recharge)}, nil
}

// SetAutoRechargeSettings changes the features it names, which must be
// metered features, with a threshold of at least 0; the others keep theirs.
func (h *server) SetAutoRechargeSettings(ctx context.Context, req gen.SetAutoRechargeSettingsRequestObject) (gen.SetAutoRechargeSettingsResponseObject, error) {
	_, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	for k, v := range req.Body.Settings {
		if !slices.Contains(blFeatures, gen.BillingFeature(k)) {
			return nil, invalidPayload("settings: %q is not a metered feature", k)
		}
		if v.Threshold != nil && *v.Threshold < 0 {
			return nil, invalidPayload("settings.%s.threshold must be at least 0", k)
		}
	}
	for k, v := range req.Body.Settings {
		b.recharge[k] = gen.AutoRechargeSetting{Enabled: v.Enabled, Threshold: v.Threshold}
	}
	return gen.SetAutoRechargeSettings200JSONResponse{Settings: maps.Clone(b.recharge)}, nil
}

func (h *server) GetBillingAddress(ctx context.Context, req gen.GetBillingAddressRequestObject) (gen.GetBillingAddressResponseObject, error) {
	_, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	return gen.GetBillingAddress200JSONResponse{Address: nullableOf(b.address)}, nil
}

func (h *server) SetBillingAddress(ctx context.Context, req gen.SetBillingAddressRequestObject) (gen.SetBillingAddressResponseObject, error) {
	_, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	in := req.Body
	b.address = &gen.GetBillingAddressResponse_Address{
		LineOne: in.LineOne, LineTwo: in.LineTwo, City: in.City, State: in.State, PostalCode: in.PostalCode, Country: in.Country,
	}
	return gen.SetBillingAddress200JSONResponse{}, nil
}

// --- Quotas and usage ---

// quota is how much of a feature the workspace may use in the month that
// starts at month: for ai_spend, the limit changeAISpendQuota set, if one
// is.
func (b *blState) quota(f gen.BillingFeature, month, now time.Time) float64 {
	planID := b.planID
	if t := b.activeTrial(now); t != nil {
		planID = t.plan
	}
	if f == gen.BillingFeatureAiSpend && b.aiSpend != nil {
		return *b.aiSpend
	}
	p, _ := blFindPlan(planID)
	q := p.features[f]
	for id, n := range b.addons {
		a, _ := blFindAddon(id)
		q += float64(n) * a.increments[f]
	}
	if f == gen.BillingFeatureIntegrationSpend {
		for _, g := range b.grants {
			if g.month.Equal(month) {
				q += g.amount
			}
		}
	}
	return q
}

// usage is how much of a feature the workspace used in [from, to), by the
// rules of the package comment: the sum of what blCounted counts, from the
// start for all features but incoming_messages_events.
func (st *state) blUsage(ws string, f gen.BillingFeature, from, to time.Time) float64 {
	n := 0.0
	st.blCounted(ws, "", f, func(_ string, at time.Time, v float64, _ string) {
		if at.Before(to) && (f != gen.BillingFeatureIncomingMessagesEvents || !at.Before(from)) {
			n += v
		}
	})
	return n
}

// blCounted calls add for each thing the server holds that counts towards
// feature f of workspace ws (of its bot only, when only is set; bot_count
// and collaborator_count count nothing then): a key naming it, when it was
// made (the zero time when unknown), how much it counts and the bot it
// belongs to. blUsage sums them; listUsageActivity lists them
// (usage_activity.go).
func (st *state) blCounted(ws, only string, f gen.BillingFeature, add func(key string, at time.Time, v float64, bot string)) {
	a := st.adm()
	var bots []*botState
	for _, r := range a.bots.filter(func(b admBot) bool { return b.workspace == ws && (only == "" || b.bot.ID == only) }) {
		if f == gen.BillingFeatureBotCount && only == "" {
			add("bot/"+r.v.bot.ID, r.v.bot.CreatedAt, 1, r.v.bot.ID)
		}
		if b := st.bots[r.v.bot.ID]; b != nil {
			bots = append(bots, b)
		}
	}
	if f == gen.BillingFeatureCollaboratorCount && only == "" {
		if m := a.members[ws]; m != nil {
			for _, r := range m.order {
				add("member/"+r.v.ID, r.v.CreatedAt, 1, "")
			}
		}
	}
	for _, b := range bots {
		switch f {
		case gen.BillingFeatureIncomingMessagesEvents:
			for _, r := range b.messages.filter(func(m gen.Message) bool { return m.Direction == gen.MessageDirectionIncoming }) {
				add("message/"+b.id+"/"+r.v.ID, r.v.CreatedAt, 1, b.id)
			}
			for _, r := range b.events.order {
				add("event/"+b.id+"/"+r.v.ID, r.v.CreatedAt, 1, b.id)
			}
		case gen.BillingFeatureTableRows:
			for _, t := range b.tables.tables.order {
				for _, r := range t.v.rows.order {
					var at time.Time
					if r.v.CreatedAt != nil {
						at = *r.v.CreatedAt
					}
					add(fmt.Sprintf("row/%s/%s/%d", b.id, t.v.table.ID, r.v.ID), at, 1, b.id)
				}
			}
		case gen.BillingFeatureFileStorage, gen.BillingFeatureIndexedFileCount:
			for _, r := range b.files.files.order {
				file := r.v.file
				key := "file/" + b.id + "/" + file.ID
				if f == gen.BillingFeatureIndexedFileCount {
					if file.Index {
						add(key, file.CreatedAt, 1, b.id)
					}
				} else if size, err := file.Size.Get(); err == nil {
					add(key, file.CreatedAt, float64(size), b.id)
				}
			}
		}
	}
}

// blPeriod reads the period parameter of the usage calls: an instant in
// ISO 8601 (or a date), whose UTC month is the one asked for.
func blPeriod(s string) (time.Time, *apiError) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return blMonth(t), nil
		}
	}
	return time.Time{}, errorf(http.StatusBadRequest, "InvalidQuery", "period %q is not an ISO 8601 date and time", s)
}

func (h *server) GetQuotas(ctx context.Context, req gen.GetQuotasRequestObject) (gen.GetQuotasResponseObject, error) {
	st, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	now := st.now().UTC()
	out := gen.GetQuotas200JSONResponse{}
	for _, f := range blFeatures {
		out[string(f)] = b.quota(f, blMonth(now), now)
	}
	return out, nil
}

func (h *server) GetWorkspaceUsage(ctx context.Context, req gen.GetWorkspaceUsageRequestObject) (gen.GetWorkspaceUsageResponseObject, error) {
	month, aerr := blPeriod(req.Params.Period)
	if aerr != nil {
		return nil, aerr
	}
	st, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	f := req.Params.Feature
	return gen.GetWorkspaceUsage200JSONResponse{
		Usage: ptr(st.blUsage(b.ws, f, month, month.AddDate(0, 1, 0))),
		Quota: b.quota(f, month, st.now().UTC()),
	}, nil
}

func (h *server) GetWorkspaceUsages(ctx context.Context, req gen.GetWorkspaceUsagesRequestObject) (gen.GetWorkspaceUsagesResponseObject, error) {
	month, aerr := blPeriod(req.Params.Period)
	if aerr != nil {
		return nil, aerr
	}
	st, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	now := st.now().UTC()
	out := gen.GetWorkspaceUsages200JSONResponse{Quotas: map[string]gen.WorkspaceUsage{}}
	for _, f := range blFeatures {
		out.Quotas[string(f)] = gen.WorkspaceUsage{
			Usage: ptr(st.blUsage(b.ws, f, month, month.AddDate(0, 1, 0))),
			Quota: b.quota(f, month, now),
		}
	}
	return out, nil
}
