package bptest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/oapi-codegen/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Workspace billing of the /v1/admin API and the payment method of
// /v2/billing: listWorkspaceInvoices, getUpcomingInvoice,
// chargeWorkspaceUnpaidInvoices, getPaymentMethod, setPaymentMethod and
// createPaymentMethodIntent. They act on the billing billing.go keeps for
// the workspace (404 for one the server does not hold).
//
//   - listWorkspaceInvoices answers the workspace's invoices (those
//     billing.go records, and those seeded with SeedData.Invoices), newest
//     first: period is the month of the invoice's periodStart (else of its
//     creation), month 1 to 12; paymentAttemptCount is, for an open
//     invoice, how many charges of chargeWorkspaceUnpaidInvoices failed
//     (null for the others); nextPaymentAttemptDate is null (bptest retries
//     nothing by itself); pdfUrl is the invoice's, or else
//     https://bptest.invalid/invoices/<ID>.pdf (bptest makes no PDF; the
//     .invalid domain never resolves).
//   - getUpcomingInvoice answers the invoice of the next period: a
//     subscription line for the plan (its price, even 0) and one per add-on
//     (unit price times quantity) of what the subscription will be then (the
//     scheduled change, or the community plan after setCancelAtPeriodEnd),
//     covering the next period. Amounts are in cents, the total too.
//   - chargeWorkspaceUnpaidInvoices tries the invoices named (each must be
//     the workspace's: 404 otherwise), or else every open one: an invoice
//     that is not open fails ("invoice is paid, not open"); with no payment
//     method set, an open one fails too and its attempt count grows;
//     otherwise it becomes paid.
//   - setPaymentMethod takes the payment methods Stripe's test mode has
//     (stripeTestCards: pm_card_visa, pm_card_mastercard ...), a card of
//     that brand with that card's last four digits, expiring in the current
//     month (server's clock) of next year, and records
//     UPDATE_PAYMENT_METHOD; another ID is 400 (Stripe knows no other).
//     getPaymentMethod answers it, or null before. createPaymentMethodIntent
//     answers a new client secret (seti_..._secret_...) and changes nothing.

// stripeTestCards are Stripe's test payment methods: brand and last four
// digits of their card numbers.
var stripeTestCards = map[string][2]string{
	"pm_card_visa":               {"visa", "4242"},
	"pm_card_visa_debit":         {"visa", "5556"},
	"pm_card_mastercard":         {"mastercard", "4444"},
	"pm_card_mastercard_debit":   {"mastercard", "8210"},
	"pm_card_mastercard_prepaid": {"mastercard", "5100"},
	"pm_card_discover":           {"discover", "1117"},
}

func wsInvoiceView(inv gen.Invoice, attempts int) gen.WorkspaceInvoice {
	created := inv.CreatedAt
	period := created
	if t, err := inv.PeriodStart.Get(); err == nil {
		period = t
	}
	period = period.UTC()
	out := gen.WorkspaceInvoice{
		ID: inv.ID, Amount: inv.Amount, Currency: inv.Currency, Date: created.UTC(),
		Period:                 gen.WorkspaceInvoice_Period{Month: int(period.Month()), Year: period.Year()},
		PaymentStatus:          nullable.NewNullableWithValue(gen.WorkspaceInvoicePaymentStatus(inv.Status)),
		PaymentAttemptCount:    nullable.NewNullNullable[int](),
		NextPaymentAttemptDate: nullable.NewNullNullable[time.Time](),
		PdfURL:                 "https://bptest.invalid/invoices/" + inv.ID + ".pdf",
	}
	if inv.Status == gen.InvoiceStatusOpen {
		out.PaymentAttemptCount.Set(attempts)
	}
	if s, err := inv.DueDate.Get(); err == nil {
		out.DueDate = ptr(s)
	}
	if s, err := inv.PdfURL.Get(); err == nil && s != "" {
		out.PdfURL = s
	}
	return out
}

func (h *server) ListWorkspaceInvoices(ctx context.Context, req gen.ListWorkspaceInvoicesRequestObject) (gen.ListWorkspaceInvoicesResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b, err := st.blFor(req.ID)
	if err != nil {
		return nil, err
	}
	recs := sortedBy(b.invoices.filter(nil), func(inv gen.Invoice) time.Time { return inv.CreatedAt })
	out := gen.ListWorkspaceInvoices200JSONResponse{Invoices: make([]gen.WorkspaceInvoice, 0, len(recs))}
	for _, r := range slices.Backward(recs) {
		out.Invoices = append(out.Invoices, wsInvoiceView(r.v, b.attempts[r.v.ID]))
	}
	return out, nil
}

func (h *server) GetUpcomingInvoice(ctx context.Context, req gen.GetUpcomingInvoiceRequestObject) (gen.GetUpcomingInvoiceResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b, err := st.blFor(req.ID)
	if err != nil {
		return nil, err
	}
	next := b.sub()
	switch {
	case b.cancel:
		next = blSub{planID: blFreePlan, interval: gen.BillingIntervalMonth}
	case b.next != nil:
		next = *b.next
	}
	start, end := b.end, blAdd(b.end, next.interval)
	date := func(t time.Time) nullable.Nullable[openapi_types.Date] {
		return nullable.NewNullableWithValue(openapi_types.Date{Time: t.UTC().Truncate(24 * time.Hour)})
	}
	cents := func(v float64) float64 { return blMoney(v) * 100 }
	line := func(id, desc string, unit float64, qty int) gen.InvoiceLineItem {
		return gen.InvoiceLineItem{
			ID: id, Description: desc, Currency: "usd", Type: gen.InvoiceLineItemTypeSubscription,
			PricePerUnitInCents: nullable.NewNullableWithValue(cents(unit)), Quantity: nullable.NewNullableWithValue(float64(qty)),
			TotalInCents: cents(unit) * float64(qty), PeriodStart: date(start), PeriodEnd: date(end.Add(-time.Nanosecond)),
		}
	}
	p, _ := blFindPlan(next.planID)
	price, _ := p.price(next.interval)
	items := []gen.InvoiceLineItem{line("upcoming_"+p.id, fmt.Sprintf("%s plan (%s)", p.name, next.interval), price, 1)}
	for _, id := range slices.Sorted(maps.Keys(next.addons)) {
		a, _ := blFindAddon(id)
		items = append(items, line("upcoming_"+a.id, fmt.Sprintf("%s add-on (%s)", a.name, next.interval), a.price(next.interval), next.addons[id]))
	}
	total := 0.0
	for _, it := range items {
		total += it.TotalInCents
	}
	return gen.GetUpcomingInvoice200JSONResponse{Total: total, LineItems: items}, nil
}

func (h *server) ChargeWorkspaceUnpaidInvoices(ctx context.Context, req gen.ChargeWorkspaceUnpaidInvoicesRequestObject) (gen.ChargeWorkspaceUnpaidInvoicesResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b, err := st.blFor(req.ID)
	if err != nil {
		return nil, err
	}
	var ids []string
	if req.Body != nil && req.Body.InvoiceIDs != nil {
		for _, id := range req.Body.InvoiceIDs {
			if _, ok := b.invoices.get(id); !ok {
				return nil, notFound("invoice", id)
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	} else {
		for _, r := range b.invoices.filter(func(inv gen.Invoice) bool { return inv.Status == gen.InvoiceStatusOpen }) {
			ids = append(ids, r.v.ID)
		}
	}
	out := gen.ChargeWorkspaceUnpaidInvoices200JSONResponse{
		ChargedInvoices: []gen.ChargeWorkspaceUnpaidInvoicesResponse_ChargedInvoices{},
		FailedInvoices:  []gen.ChargeWorkspaceUnpaidInvoicesResponse_FailedInvoices{},
	}
	fail := func(inv gen.Invoice, reason string) {
		out.FailedInvoices = append(out.FailedInvoices, gen.ChargeWorkspaceUnpaidInvoicesResponse_FailedInvoices{ID: inv.ID, Amount: inv.Amount, FailedReason: reason})
	}
	for _, id := range ids {
		inv, _ := b.invoices.get(id)
		switch {
		case inv.Status != gen.InvoiceStatusOpen:
			fail(inv, fmt.Sprintf("invoice is %s, not open", inv.Status))
		case b.payment == nil:
			b.attempts[id]++
			fail(inv, "the workspace has no payment method: set one with setPaymentMethod")
		default:
			inv.Status = gen.InvoiceStatusPaid
			b.invoices.put(id, inv)
			delete(b.attempts, id)
			out.ChargedInvoices = append(out.ChargedInvoices, gen.ChargeWorkspaceUnpaidInvoicesResponse_ChargedInvoices{ID: id, Amount: inv.Amount})
		}
	}
	return out, nil
}

func (h *server) GetPaymentMethod(ctx context.Context, req gen.GetPaymentMethodRequestObject) (gen.GetPaymentMethodResponseObject, error) {
	_, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	return gen.GetPaymentMethod200JSONResponse{PaymentMethod: nullableOf(b.payment)}, nil
}

func (h *server) SetPaymentMethod(ctx context.Context, req gen.SetPaymentMethodRequestObject) (gen.SetPaymentMethodResponseObject, error) {
	if req.Body == nil {
		return nil, invalidPayload("a body is required")
	}
	id := req.Body.PaymentMethodID
	card, ok := stripeTestCards[id]
	if !ok {
		known := slices.Sorted(maps.Keys(stripeTestCards))
		return nil, invalidPayload("no such payment method %q: bptest knows Stripe's test payment methods only (%s)", id, strings.Join(known, ", "))
	}
	st, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	now := st.now().UTC()
	pm := gen.GetPaymentMethodResponse_PaymentMethod{
		ID: id, Type: "card",
		Card: nullable.NewNullableWithValue(gen.GetPaymentMethodResponse_PaymentMethod_Card{
			Brand: card[0], LastFour: card[1], ExpMonth: int(now.Month()), ExpYear: now.Year() + 1,
		}),
	}
	b.payment = &pm
	w, _ := st.adm().workspaces.get(b.ws)
	st.audit(b.ws, gen.AuditRecordActionUPDATEPAYMENTMETHOD, b.ws, w.Name, id)
	return gen.SetPaymentMethod200JSONResponse(admAs[gen.SetPaymentMethodResponse](pm)), nil
}

func (h *server) CreatePaymentMethodIntent(ctx context.Context, req gen.CreatePaymentMethodIntentRequestObject) (gen.CreatePaymentMethodIntentResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	if _, err := st.blOf(ctx); err != nil {
		return nil, err
	}
	id, _ := st.ids.next("seti")
	return gen.CreatePaymentMethodIntent200JSONResponse{ClientSecret: fmt.Sprintf("%s_secret_%016x", id, st.ids.rng.Uint64())}, nil
}

// loadInvoices adds seeded invoices to their workspaces' billing. Left
// out: id, createdAt (now), currency (usd), status (paid); dueDate,
// pdfUrl, periodStart and periodEnd are null when left out.
func (st *state) loadInvoices(byWorkspace map[string][]gen.Invoice, now time.Time) error {
	for _, ws := range slices.Sorted(maps.Keys(byWorkspace)) {
		b, err := st.blFor(ws)
		if err != nil {
			return fmt.Errorf("invoices of unknown workspace %q", ws)
		}
		for _, inv := range byWorkspace[ws] {
			id, seq := st.ids.next("inv")
			if inv.ID == "" {
				inv.ID = id
			}
			st.ids.observe(inv.ID)
			if _, dup := b.invoices.get(inv.ID); dup {
				return fmt.Errorf("workspace %s: invoice %s given twice", ws, inv.ID)
			}
			if err := seedStamp(&inv.CreatedAt, now); err != nil {
				return fmt.Errorf("workspace %s: invoice %s: %w", ws, inv.ID, err)
			}
			if inv.Currency == "" {
				inv.Currency = "usd"
			}
			if inv.Status == "" {
				inv.Status = gen.InvoiceStatusPaid
			}
			if !inv.Status.Valid() {
				return fmt.Errorf("workspace %s: invoice %s: unknown status %q", ws, inv.ID, inv.Status)
			}
			for _, f := range []*nullable.Nullable[time.Time]{&inv.DueDate, &inv.PeriodStart, &inv.PeriodEnd} {
				if _, err := f.Get(); err != nil {
					f.SetNull()
				}
			}
			if _, err := inv.PdfURL.Get(); err != nil {
				inv.PdfURL.SetNull()
			}
			b.invoices.add(inv.ID, seq, inv)
		}
	}
	return nil
}
