package bptest

import (
	"context"
	"fmt"
	"net/http"
	"time"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Usage and quotas of the /v1/admin API: getUsage, getMultipleUsages,
// listUsageHistory, listWorkspaceUsages, breakDownWorkspaceUsageByBot,
// getWorkspaceQuota, listWorkspaceQuotas, getAllWorkspaceQuotaCompletion
// and changeAISpendQuota. They answer from what the server counts, by the
// rules of getWorkspaceUsage (billing.go's blCounted), and from seeded usage
// activity (SeedData.UsageActivity).
//
// A period is a UTC month, written 2006-01. The period parameter takes that,
// or an ISO 8601 date or date-time whose UTC month counts; left out, it is
// the current month on the server's clock; anything else is 400
// InvalidQuery.
//
// The value of a usage type for a bot or a workspace, in a month:
//
//   - for the types the server counts (usageFeatures: bot_count,
//     workspace_member_count, invocation_calls, table_row_count,
//     storage_count, indexed_file_count), what it counts for the billing
//     feature of the same rule: things made before the month's end (for
//     invocation_calls, during the month). A workspace covers all its bots;
//     a bot only itself, and counts no bot_count or workspace_member_count;
//   - plus, for every type, the values of the usage activity seeded for
//     that ID and type whose period is the month (an entry's period defaults
//     to its timestamp's month). A type the server does not count and no
//     seed names is 0.
//
// The quota of a usage type is the workspace's, for a bot too: the quota of
// the billing feature it matches (quotaFeatures) by the workspace's plan in
// bptest's catalogue, its add-ons and running trial (see billing.go); for
// ai_spend, the limit changeAISpendQuota set, once it is (it records a
// SET_AI_SPENDING_LIMIT audit record). Types that match no feature
// (invocation_timeout, workspace_ratelimit, integrations_owned_count,
// openai_spend, bing_search_spend, always_alive, file_max_size_bytes) have
// no limit in the catalogue: their quota is 0.
//
// The ID of getUsage, getMultipleUsages and listUsageHistory must be the
// request's workspace or one of its bots, as for listUsageActivity (404
// otherwise); the workspace calls (/v1/admin/workspaces/{id}/...) need a
// workspace the server holds (404 otherwise).

// quotaFeatures are the usage types that have a quota: those the server
// counts, and two more whose feature has an allowance in the catalogue.
var quotaFeatures = func() map[string]gen.BillingFeature {
	m := map[string]gen.BillingFeature{
		string(gen.UsageTypeAiSpend):                    gen.BillingFeatureAiSpend,
		string(gen.UsageTypeKnowledgebaseVectorStorage): gen.BillingFeatureVectorDBStorage,
	}
	for t, f := range usageFeatures {
		m[t] = f
	}
	return m
}()

// usageTypes are the usage types, in the order of the API's enum.
var usageTypes = []gen.UsageType{
	gen.UsageTypeInvocationTimeout, gen.UsageTypeInvocationCalls, gen.UsageTypeStorageCount, gen.UsageTypeBotCount,
	gen.UsageTypeKnowledgebaseVectorStorage, gen.UsageTypeWorkspaceRatelimit, gen.UsageTypeTableRowCount,
	gen.UsageTypeWorkspaceMemberCount, gen.UsageTypeIntegrationsOwnedCount, gen.UsageTypeAiSpend, gen.UsageTypeOpenaiSpend,
	gen.UsageTypeBingSearchSpend, gen.UsageTypeAlwaysAlive, gen.UsageTypeIndexedFileCount, gen.UsageTypeFileMaxSizeBytes,
}

// usageMonth reads a period parameter: the month it names, or the current
// one when it is left out.
func (st *state) usageMonth(s *string) (time.Time, *apiError) {
	if s == nil {
		return blMonth(st.now()), nil
	}
	if t, err := time.Parse("2006-01", *s); err == nil {
		return t, nil
	}
	if t, err := blPeriod(*s); err == nil {
		return t, nil
	}
	return time.Time{}, errorf(http.StatusBadRequest, "InvalidQuery", "period %q is neither a month (2006-01) nor an ISO 8601 date", *s)
}

// usageScope reads the ID of a usage call: the request's workspace (bot
// "") or one of its bots.
func (st *state) usageScope(ctx context.Context, id string) (ws, bot string, err *apiError) {
	ws, err = st.admWorkspaceOf(ctx)
	if err != nil {
		return "", "", err
	}
	if id == ws {
		return ws, "", nil
	}
	if _, err := st.admBotOf(ctx, id); err != nil {
		return "", "", notFound("bot or workspace", id)
	}
	return ws, id, nil
}

// usageValue is how much of a usage type id (workspace ws, or its bot bot)
// used in the month that starts at month, by the rules of the file comment.
func (st *state) usageValue(ws, bot, typ string, month time.Time) float64 {
	to := month.AddDate(0, 1, 0)
	n := 0.0
	if f, ok := usageFeatures[typ]; ok {
		st.blCounted(ws, bot, f, func(_ string, at time.Time, v float64, _ string) {
			if at.Before(to) && (f != gen.BillingFeatureIncomingMessagesEvents || !at.Before(month)) {
				n += v
			}
		})
	}
	id := ws
	if bot != "" {
		id = bot
	}
	n += st.usageSeeded(id, typ, month, "")
	return n
}

// usageSeeded sums the usage activity seeded for id and typ whose period
// is month's; with botID set, only the entries whose metadata.botId is it.
func (st *state) usageSeeded(id, typ string, month time.Time, botID string) float64 {
	c := st.usage[usageKey(id, typ)]
	if c == nil {
		return 0
	}
	period, n := usagePeriod(month), 0.0
	for _, r := range c.filter(nil) {
		if r.v.Period != period {
			continue
		}
		if botID != "" {
			v, ok := r.v.Metadata["botId"]
			if !ok || v != any(botID) {
				continue
			}
		}
		n += r.v.Value
	}
	return n
}

// usageQuota is the quota of a usage type for workspace ws in a month.
func (st *state) usageQuota(ws, typ string, month time.Time) (float64, *apiError) {
	b, err := st.blFor(ws)
	if err != nil {
		return 0, err
	}
	f, ok := quotaFeatures[typ]
	if !ok {
		return 0, nil
	}
	return b.quota(f, month, st.now().UTC()), nil
}

// usageRecord is the answer for one ID, type and month.
func (st *state) usageRecord(ws, bot, typ string, month time.Time) (gen.Usage, *apiError) {
	q, err := st.usageQuota(ws, typ, month)
	if err != nil {
		return gen.Usage{}, err
	}
	id := ws
	if bot != "" {
		id = bot
	}
	return gen.Usage{
		ID: id, Period: usagePeriod(month), Type: gen.UsageType(typ),
		Value: st.usageValue(ws, bot, typ, month), Quota: q,
	}, nil
}

func (h *server) GetUsage(ctx context.Context, req gen.GetUsageRequestObject) (gen.GetUsageResponseObject, error) {
	st, month, unlock, err := h.usageLock(req.Params.Period)
	defer unlock()
	if err != nil {
		return nil, err
	}
	ws, bot, err := st.usageScope(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	u, err := st.usageRecord(ws, bot, string(req.Params.Type), month)
	if err != nil {
		return nil, err
	}
	return gen.GetUsage200JSONResponse{Usage: u}, nil
}

// GetMultipleUsages answers one record per ID and type, IDs in the order
// asked, each with its types in the order asked.
func (h *server) GetMultipleUsages(ctx context.Context, req gen.GetMultipleUsagesRequestObject) (gen.GetMultipleUsagesResponseObject, error) {
	p := req.Params
	for _, t := range p.Types {
		if !gen.UsageType(t).Valid() {
			return nil, errorf(http.StatusBadRequest, "InvalidQuery", "types: unknown usage type %q", t)
		}
	}
	st, month, unlock, err := h.usageLock(p.Period)
	defer unlock()
	if err != nil {
		return nil, err
	}
	out := gen.GetMultipleUsages200JSONResponse{Usages: []gen.Usage{}}
	for _, id := range p.IDs {
		ws, bot, err := st.usageScope(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, t := range p.Types {
			u, err := st.usageRecord(ws, bot, t, month)
			if err != nil {
				return nil, err
			}
			out.Usages = append(out.Usages, u)
		}
	}
	return out, nil
}

// ListUsageHistory answers one record per month, newest first, from the
// month the bot or workspace was made (or of the earliest thing counted or
// seeded for it, if earlier) to the current one.
func (h *server) ListUsageHistory(ctx context.Context, req gen.ListUsageHistoryRequestObject) (gen.ListUsageHistoryResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	ws, bot, err := st.usageScope(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	typ := string(req.Params.Type)
	now := blMonth(st.now())
	first := now
	earlier := func(t time.Time) {
		if !t.IsZero() && t.Before(first) {
			first = blMonth(t)
		}
	}
	if bot != "" {
		b, _ := st.admBotOf(ctx, bot)
		earlier(b.bot.CreatedAt)
	} else {
		w, _ := st.adm().workspaces.get(ws)
		earlier(w.CreatedAt)
	}
	if f, ok := usageFeatures[typ]; ok {
		st.blCounted(ws, bot, f, func(_ string, at time.Time, _ float64, _ string) { earlier(at) })
	}
	if c := st.usage[usageKey(req.ID, typ)]; c != nil {
		for _, r := range c.filter(nil) {
			if t, err := time.Parse("2006-01", r.v.Period); err == nil {
				earlier(t)
			}
		}
	}
	out := gen.ListUsageHistory200JSONResponse{Usages: []gen.Usage{}}
	for m := now; !m.Before(first); m = m.AddDate(0, -1, 0) {
		u, err := st.usageRecord(ws, bot, typ, m)
		if err != nil {
			return nil, err
		}
		out.Usages = append(out.Usages, u)
	}
	return out, nil
}

// usageLock locks the server and returns its state and the month a
// period query names (usageMonth); unlock is to be called in any case.
func (h *server) usageLock(period *string) (*state, time.Time, func(), *apiError) {
	st, unlock := h.lock()
	month, err := st.usageMonth(period)
	return st, month, unlock, err
}

// usageWorkspace checks the workspace of a /v1/admin/workspaces/{id} call.
func (st *state) usageWorkspace(id string) *apiError {
	if _, ok := st.adm().workspaces.get(id); !ok {
		return notFound("workspace", id)
	}
	return nil
}

// ListWorkspaceUsages answers one record: the workspace's.
func (h *server) ListWorkspaceUsages(ctx context.Context, req gen.ListWorkspaceUsagesRequestObject) (gen.ListWorkspaceUsagesResponseObject, error) {
	st, month, unlock, err := h.usageLock(req.Params.Period)
	defer unlock()
	if err != nil {
		return nil, err
	}
	if err := st.usageWorkspace(req.ID); err != nil {
		return nil, err
	}
	u, err := st.usageRecord(req.ID, "", string(req.Params.Type), month)
	if err != nil {
		return nil, err
	}
	return gen.ListWorkspaceUsages200JSONResponse{Usages: []gen.Usage{u}}, nil
}

// BreakDownWorkspaceUsageByBot answers every bot of the workspace, in the
// order it was made: the bot's value (as getUsage answers it for the bot),
// plus the usage activity seeded for the workspace in the month whose
// metadata.botId names the bot.
func (h *server) BreakDownWorkspaceUsageByBot(ctx context.Context, req gen.BreakDownWorkspaceUsageByBotRequestObject) (gen.BreakDownWorkspaceUsageByBotResponseObject, error) {
	st, month, unlock, err := h.usageLock(req.Params.Period)
	defer unlock()
	if err != nil {
		return nil, err
	}
	if err := st.usageWorkspace(req.ID); err != nil {
		return nil, err
	}
	typ := string(req.Params.Type)
	out := gen.BreakDownWorkspaceUsageByBot200JSONResponse{Data: []gen.BotUsage{}}
	for _, r := range st.adm().bots.filter(func(b admBot) bool { return b.workspace == req.ID }) {
		id := r.v.bot.ID
		v := st.usageValue(req.ID, id, typ, month) + st.usageSeeded(req.ID, typ, month, id)
		out.Data = append(out.Data, gen.BotUsage{BotID: id, Value: v})
	}
	return out, nil
}

func (h *server) GetWorkspaceQuota(ctx context.Context, req gen.GetWorkspaceQuotaRequestObject) (gen.GetWorkspaceQuotaResponseObject, error) {
	st, month, unlock, err := h.usageLock(req.Params.Period)
	defer unlock()
	if err != nil {
		return nil, err
	}
	q, err := st.usageQuota(req.ID, string(req.Params.Type), month)
	if err != nil {
		return nil, err
	}
	return gen.GetWorkspaceQuota200JSONResponse{Quota: gen.GetWorkspaceQuotaResponse_Quota{
		Period: usagePeriod(month), Type: gen.UsageType(req.Params.Type), Value: q,
	}}, nil
}

// ListWorkspaceQuotas answers one quota per usage type, in the enum's order.
func (h *server) ListWorkspaceQuotas(ctx context.Context, req gen.ListWorkspaceQuotasRequestObject) (gen.ListWorkspaceQuotasResponseObject, error) {
	st, month, unlock, err := h.usageLock(req.Params.Period)
	defer unlock()
	if err != nil {
		return nil, err
	}
	out := gen.ListWorkspaceQuotas200JSONResponse{Quotas: make([]gen.Quota, 0, len(usageTypes))}
	for _, t := range usageTypes {
		q, err := st.usageQuota(req.ID, string(t), month)
		if err != nil {
			return nil, err
		}
		out.Quotas = append(out.Quotas, gen.Quota{Period: usagePeriod(month), Type: gen.UsageType(t), Value: q})
	}
	return out, nil
}

// GetAllWorkspaceQuotaCompletion answers, for every workspace the server
// holds (the account owns them all), the usage type with the highest
// completion this month: its value divided by its quota (1 is a quota used
// up), among the types with a quota above 0; the first in the enum's order
// on a tie.
func (h *server) GetAllWorkspaceQuotaCompletion(ctx context.Context, req gen.GetAllWorkspaceQuotaCompletionRequestObject) (gen.GetAllWorkspaceQuotaCompletionResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	month := blMonth(st.now())
	out := map[string]map[string]any{}
	for _, r := range st.adm().workspaces.filter(nil) {
		ws := r.v.ID
		best, bestType := -1.0, ""
		for _, t := range usageTypes {
			q, err := st.usageQuota(ws, string(t), month)
			if err != nil {
				return nil, err
			}
			if q <= 0 {
				continue
			}
			if c := st.usageValue(ws, "", string(t), month) / q; c > best {
				best, bestType = c, string(t)
			}
		}
		if bestType != "" {
			out[ws] = map[string]any{"type": bestType, "completion": best}
		}
	}
	return admAs[gen.GetAllWorkspaceQuotaCompletion200JSONResponse](out), nil
}

// ChangeAISpendQuota sets the workspace's ai_spend quota (for getQuotas
// too), from now on, and records SET_AI_SPENDING_LIMIT.
func (h *server) ChangeAISpendQuota(ctx context.Context, req gen.ChangeAISpendQuotaRequestObject) (gen.ChangeAISpendQuotaResponseObject, error) {
	if req.Body == nil {
		return nil, invalidPayload("a body is required")
	}
	limit := req.Body.MonthlySpendingLimit
	if limit < 0 {
		return nil, invalidPayload("monthlySpendingLimit must be at least 0, got %v", limit)
	}
	st, b, unlock, err := h.blLock(ctx)
	defer unlock()
	if err != nil {
		return nil, err
	}
	b.aiSpend = ptr(limit)
	w, _ := st.adm().workspaces.get(b.ws)
	st.audit(b.ws, gen.AuditRecordActionSETAISPENDINGLIMIT, b.ws, w.Name, fmt.Sprint(limit))
	return gen.ChangeAISpendQuota200JSONResponse{}, nil
}
