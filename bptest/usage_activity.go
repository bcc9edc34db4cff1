package bptest

import (
	"context"
	"hash/fnv"
	"maps"
	"slices"
	"strings"
	"time"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Usage activity: listUsageActivity answers the entries of one usage type
// for a bot or a workspace, newest first: those seeded for that ID and
// type (SeedData.UsageActivity), and those the server counts itself, by
// the rules of getWorkspaceUsage (billing.go's blCounted), for the types
// that match a billing feature (usageFeatures): one entry per thing
// counted, when it was made, of value 1 (the file's size in bytes for
// storage_count), metadata {botId}. A workspace ID covers all its bots; a
// bot ID only that bot, and no bot_count or workspace_member_count. The
// period of an entry is its UTC month (2006-01).
//
// listUsageActivityDaily sums the same entries by UTC day, newest day
// first; entries whose metadata names a bot (botId) and a kind of work
// (type: IntegrationAction, FileIndexing, BingSearch, WebSearch), and
// maybe a subtype and source, are summed apart and the total carries that
// metadata. A total's key is its date, its usage type and that metadata,
// joined with ":".
//
// The ID must be the request's workspace or one of its bots (404
// otherwise). timestampFrom/timestampUntil (ISO 8601 date-times) and
// dateFrom/dateUntil (dates, or date-times whose UTC day counts) are
// inclusive; anything else is 400 InvalidQuery.

// usageFeatures are the usage types the server counts itself, and the
// billing feature whose rule counts them.
var usageFeatures = map[string]gen.BillingFeature{
	string(gen.UsageTypeBotCount):             gen.BillingFeatureBotCount,
	string(gen.UsageTypeWorkspaceMemberCount): gen.BillingFeatureCollaboratorCount,
	string(gen.UsageTypeInvocationCalls):      gen.BillingFeatureIncomingMessagesEvents,
	string(gen.UsageTypeTableRowCount):        gen.BillingFeatureTableRows,
	string(gen.UsageTypeStorageCount):         gen.BillingFeatureFileStorage,
	string(gen.UsageTypeIndexedFileCount):     gen.BillingFeatureIndexedFileCount,
}

func usageKey(id, typ string) string { return id + "/" + typ }

func usagePeriod(t time.Time) string { return t.UTC().Format("2006-01") }

// hashSeq is a sequence number for something counted, not stored: stable
// across calls, so that its page tokens work, and above those of stored
// records.
func hashSeq(key string) int64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return int64(h.Sum64()>>2) | 1<<61
}

// usageEntries returns the usage activity of id (a bot or the workspace of
// the request) for a usage type, oldest first.
func (st *state) usageEntries(ctx context.Context, id, typ string) ([]*record[gen.UsageActivity], *apiError) {
	ws, err := st.admWorkspaceOf(ctx)
	if err != nil {
		return nil, err
	}
	bot := ""
	if id != ws {
		if _, err := st.admBotOf(ctx, id); err != nil {
			return nil, notFound("bot or workspace", id)
		}
		bot = id
	}
	var recs []*record[gen.UsageActivity]
	if c := st.usage[usageKey(id, typ)]; c != nil {
		recs = c.filter(nil)
	}
	if f, ok := usageFeatures[typ]; ok {
		st.blCounted(ws, bot, f, func(key string, at time.Time, v float64, botID string) {
			meta := map[string]any{}
			if botID != "" {
				meta["botId"] = botID
			}
			recs = append(recs, &record[gen.UsageActivity]{seq: hashSeq(key), v: gen.UsageActivity{
				Timestamp: instant(at), Value: v, Period: usagePeriod(at), Metadata: meta,
			}})
		})
	}
	return sortedBy(recs, func(u gen.UsageActivity) time.Time { return u.Timestamp }), nil
}

func (h *server) ListUsageActivity(ctx context.Context, req gen.ListUsageActivityRequestObject) (gen.ListUsageActivityResponseObject, error) {
	p := req.Params
	st, unlock := h.lock()
	defer unlock()
	recs, err := st.usageEntries(ctx, req.ID, string(p.Type))
	if err != nil {
		return nil, err
	}
	recs = slices.DeleteFunc(recs, func(r *record[gen.UsageActivity]) bool {
		return !inRange(r.v.Timestamp, p.TimestampFrom, p.TimestampUntil)
	})
	page, next, perr := paginate(recs, p.NextToken, st.pageSizeOf(p.PageSize), true)
	if perr != nil {
		return nil, perr
	}
	return gen.ListUsageActivity200JSONResponse{Data: page, Meta: gen.PageMeta{NextToken: next}}, nil
}

// usageDay reads a dateFrom or dateUntil bound as a UTC day; "" for none.
func usageDay(name string, s *string) (string, *apiError) {
	if s == nil {
		return "", nil
	}
	if t, err := time.Parse(time.DateOnly, *s); err == nil {
		return t.Format(time.DateOnly), nil
	}
	if t, err := time.Parse(time.RFC3339, *s); err == nil {
		return t.UTC().Format(time.DateOnly), nil
	}
	return "", errorf(400, "InvalidQuery", "%s %q is not an ISO 8601 date", name, *s)
}

// dailyMeta is the metadata of a daily total for an entry's metadata: nil
// unless it names a bot and a kind of work.
func dailyMeta(m map[string]any) *gen.DailyUsageActivity_Metadata {
	str := func(k string) *string {
		if v, ok := m[k]; ok {
			if s, ok := v.(string); ok && s != "" {
				return &s
			}
		}
		return nil
	}
	bot, kind := str("botId"), str("type")
	if bot == nil || kind == nil || !gen.DailyUsageActivityMetadataType(*kind).Valid() {
		return nil
	}
	return &gen.DailyUsageActivity_Metadata{BotID: *bot, Type: gen.DailyUsageActivityMetadataType(*kind), Subtype: str("subtype"), Source: str("source")}
}

func (h *server) ListUsageActivityDaily(ctx context.Context, req gen.ListUsageActivityDailyRequestObject) (gen.ListUsageActivityDailyResponseObject, error) {
	p := req.Params
	from, err := usageDay("dateFrom", p.DateFrom)
	if err != nil {
		return nil, err
	}
	until, err := usageDay("dateUntil", p.DateUntil)
	if err != nil {
		return nil, err
	}
	st, unlock := h.lock()
	defer unlock()
	recs, err := st.usageEntries(ctx, req.ID, string(p.Type))
	if err != nil {
		return nil, err
	}
	totals := map[string]*gen.DailyUsageActivity{}
	for _, r := range recs {
		day := r.v.Timestamp.UTC().Format(time.DateOnly)
		if day < from || (until != "" && day > until) {
			continue
		}
		meta := dailyMeta(r.v.Metadata)
		parts := []string{day, string(p.Type)}
		if meta != nil {
			parts = append(parts, meta.BotID, string(meta.Type))
			for _, s := range []*string{meta.Subtype, meta.Source} {
				if s != nil {
					parts = append(parts, *s)
				}
			}
		}
		key := strings.Join(parts, ":")
		t := totals[key]
		if t == nil {
			t = &gen.DailyUsageActivity{Key: key, Date: day, Metadata: meta}
			totals[key] = t
		}
		t.Value += r.v.Value
	}
	// Oldest day first, for paginate to answer newest first.
	keys := slices.SortedFunc(maps.Keys(totals), func(x, y string) int {
		if c := strings.Compare(totals[x].Date, totals[y].Date); c != 0 {
			return c
		}
		return strings.Compare(y, x)
	})
	days := make([]*record[gen.DailyUsageActivity], 0, len(keys))
	for _, k := range keys {
		days = append(days, &record[gen.DailyUsageActivity]{seq: hashSeq(k), v: *totals[k]})
	}
	page, next, perr := paginate(days, p.NextToken, st.pageSizeOf(p.PageSize), true)
	if perr != nil {
		return nil, perr
	}
	return gen.ListUsageActivityDaily200JSONResponse{Data: page, Meta: gen.PageMeta{NextToken: next}}, nil
}
