package bptest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oapi-codegen/nullable"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// What Botpress records while bots run, and bptest cannot produce itself
// since it runs no bot or integration code: a bot's issues and their
// events, its calls to integration actions (callAction is answered with an
// example), the activities of its tasks, bot and integration logs, and
// usage activity (usage_activity.go, which adds what the server counts).
// They come from seed data (WithSeedData, Server.Seed, botpress-mock's
// -seed-data), through one path: seedAll gives each item a sequence number
// and its defaults, and stores it.
//
// Every list answers newest first (issues by lastSeenAt, the others by
// their time); those that take pageSize honour it, the others use the
// server's page size (logs) or answer everything (issue events). Filters:
// listActionRuns by integrationName and timestampFrom/timestampUntil;
// listActivities by botId and taskId; getBotLogs and getIntegrationLogs by
// timeStart/timeEnd, level, userId, workflowId, conversationId (exact) and
// messageContains (a substring). Bounds are inclusive ISO 8601 date-times
// (400 InvalidQuery otherwise). A bot of another workspace, or an unknown
// one, is 404; so are an unknown issue and an integration of another
// workspace. deleteBotIssue removes the issue and its events.

// seedAll adds items to c in order, each with a new sequence number. fill
// gives an item its defaults (id is a fresh ID for one that has none) and
// returns the key it is stored under; a key already taken is refused.
func seedAll[T any](st *state, c *collection[T], items []T, prefix string, fill func(v *T, id string) (string, error)) error {
	for _, v := range items {
		id, seq := st.ids.next(prefix)
		key, err := fill(&v, id)
		if err != nil {
			return err
		}
		if _, dup := c.get(key); dup {
			return fmt.Errorf("%s %s given twice", prefix, key)
		}
		st.ids.observe(key)
		c.add(key, seq, v)
	}
	return nil
}

// seedStamp defaults a timestamp to now.
func seedStamp(t *time.Time, now time.Time) error {
	if t.IsZero() {
		*t = instant(now)
	}
	return nil
}

// seedLog gives a log line its defaults; lines have no ID.
func seedLog(now time.Time) func(l *gen.LogEntry, id string) (string, error) {
	return func(l *gen.LogEntry, id string) (string, error) {
		if l.Level == "" {
			l.Level = "info"
		}
		return id, seedStamp(&l.Timestamp, now)
	}
}

// loadObserved adds the observed data of one bot's seed.
func (st *state) loadObserved(b *botState, seed BotSeed, now time.Time) error {
	err := seedAll(st, b.issues, seed.Issues, "issue", func(is *IssueSeed, id string) (string, error) {
		if is.ID == "" {
			is.ID = id
		}
		first, last := now, time.Time{}
		is.Events = slices.Clone(is.Events)
		for i := range is.Events {
			e := &is.Events[i]
			if e.ID == "" {
				e.ID, _ = st.ids.next("issueevt")
			}
			st.ids.observe(e.ID)
			if e.CreatedAt.IsZero() {
				e.CreatedAt = now
			}
			if e.Data == nil {
				e.Data = map[string]gen.IssueEvent_Data{}
			}
			if i == 0 || e.CreatedAt.Before(first) {
				first = e.CreatedAt
			}
			if e.CreatedAt.After(last) {
				last = e.CreatedAt
			}
		}
		if is.CreatedAt.IsZero() {
			is.CreatedAt = first
		}
		if is.LastSeenAt.IsZero() {
			is.LastSeenAt = is.CreatedAt
			if last.After(is.CreatedAt) {
				is.LastSeenAt = last
			}
		}
		if is.EventsCount == 0 {
			is.EventsCount = len(is.Events)
		}
		if is.GroupedData == nil {
			is.GroupedData = map[string]gen.Issue_GroupedData{}
		}
		if is.Category == "" {
			is.Category = gen.IssueCategoryOther
		}
		if !is.Category.Valid() {
			return "", fmt.Errorf("issue %s: unknown category %q", is.ID, is.Category)
		}
		if !is.ResolutionLink.IsSpecified() {
			is.ResolutionLink = nullable.NewNullNullable[string]()
		}
		return is.ID, nil
	})
	if err != nil {
		return err
	}
	err = seedAll(st, b.actionRuns, seed.ActionRuns, "actrun", func(r *gen.ActionRun, id string) (string, error) {
		if r.IntegrationName == nil || *r.IntegrationName == "" {
			return "", fmt.Errorf("action run %q: integrationName is required (listActionRuns filters on it)", r.ActionType)
		}
		if r.Input == nil {
			r.Input = map[string]any{}
		}
		if !r.Output.IsSpecified() {
			r.Output = nullable.NewNullNullable[map[string]any]()
		}
		if r.Status == "" {
			r.Status = gen.ActionRunStatusSUCCESS
		}
		if !r.Status.Valid() {
			return "", fmt.Errorf("action run %q: unknown status %q", r.ActionType, r.Status)
		}
		return id, seedStamp(&r.Timestamp, now)
	})
	if err != nil {
		return err
	}
	err = seedAll(st, b.activities, seed.Activities, "activity", func(a *gen.Activity, id string) (string, error) {
		if a.ID == "" {
			a.ID = id
		}
		if a.TaskID == "" {
			return "", fmt.Errorf("activity %s: taskId is required (listActivities filters on it)", a.ID)
		}
		if a.Category == "" {
			a.Category = gen.ActivityCategoryUnknown
		}
		if !a.Category.Valid() {
			return "", fmt.Errorf("activity %s: unknown category %q", a.ID, a.Category)
		}
		if a.Data == nil {
			a.Data = map[string]any{}
		}
		if a.CreatedAt.IsZero() {
			a.CreatedAt = now
		}
		return a.ID, nil
	})
	if err != nil {
		return err
	}
	return seedAll(st, b.logs, seed.Logs, "log", seedLog(now))
}

// loadObservedTop adds the observed data of a seed that is not a bot's:
// usage activity and integration logs.
func (st *state) loadObservedTop(d *SeedData, now time.Time) error {
	for id, byType := range d.UsageActivity {
		for typ, entries := range byType {
			if !gen.UsageType(typ).Valid() {
				return fmt.Errorf("usage activity of %s: unknown usage type %q", id, typ)
			}
			c := st.usage[usageKey(id, typ)]
			if c == nil {
				c = newCollection[gen.UsageActivity]()
				st.usage[usageKey(id, typ)] = c
			}
			err := seedAll(st, c, entries, "usage", func(u *gen.UsageActivity, key string) (string, error) {
				if err := seedStamp(&u.Timestamp, now); err != nil {
					return "", fmt.Errorf("usage activity of %s: %w", id, err)
				}
				if u.Period == "" {
					u.Period = usagePeriod(u.Timestamp)
				}
				if u.Metadata == nil {
					u.Metadata = map[string]any{}
				}
				return key, nil
			})
			if err != nil {
				return err
			}
		}
	}
	for id, logs := range d.IntegrationLogs {
		c := st.integrationLogs[id]
		if c == nil {
			c = newCollection[gen.LogEntry]()
			st.integrationLogs[id] = c
		}
		if err := seedAll(st, c, logs, "log", seedLog(now)); err != nil {
			return fmt.Errorf("integration %s: %w", id, err)
		}
	}
	return nil
}

// obsBot returns a bot of the workspace a request acts on.
func (st *state) obsBot(ctx context.Context, id string) (*botState, *apiError) {
	if _, err := st.admBotOf(ctx, id); err != nil {
		return nil, err
	}
	return st.bots[id], nil
}

// --- Issues ---

func (h *server) ListBotIssues(ctx context.Context, req gen.ListBotIssuesRequestObject) (gen.ListBotIssuesResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b, err := st.obsBot(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	recs := sortedBy(b.issues.filter(nil), func(is IssueSeed) time.Time { return is.LastSeenAt })
	page, next, perr := paginate(recs, req.Params.NextToken, st.pageSizeOf(req.Params.PageSize), true)
	if perr != nil {
		return nil, perr
	}
	out := make([]gen.ListedIssue, 0, len(page))
	for _, is := range page {
		i := is.Issue
		grouped := make(map[string]gen.ListedIssue_GroupedData, len(i.GroupedData))
		for k, v := range i.GroupedData {
			grouped[k] = gen.ListedIssue_GroupedData(v)
		}
		out = append(out, gen.ListedIssue{
			ID: i.ID, Code: i.Code, CreatedAt: i.CreatedAt, LastSeenAt: i.LastSeenAt, Title: i.Title,
			Description: i.Description, GroupedData: grouped, EventsCount: i.EventsCount,
			Category: gen.IssueCategory(i.Category), ResolutionLink: i.ResolutionLink,
		})
	}
	return gen.ListBotIssues200JSONResponse{Issues: out, Meta: gen.PageMeta{NextToken: next}}, nil
}

// obsIssue finds an issue of a bot of the request's workspace.
func (st *state) obsIssue(ctx context.Context, bot, id string) (*botState, IssueSeed, *apiError) {
	b, err := st.obsBot(ctx, bot)
	if err != nil {
		return nil, IssueSeed{}, err
	}
	is, ok := b.issues.get(id)
	if !ok {
		return nil, IssueSeed{}, notFound("issue", id)
	}
	return b, is, nil
}

func (h *server) GetBotIssue(ctx context.Context, req gen.GetBotIssueRequestObject) (gen.GetBotIssueResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	_, is, err := st.obsIssue(ctx, req.ID, req.IssueID)
	if err != nil {
		return nil, err
	}
	return gen.GetBotIssue200JSONResponse{Issue: is.Issue}, nil
}

func (h *server) DeleteBotIssue(ctx context.Context, req gen.DeleteBotIssueRequestObject) (gen.DeleteBotIssueResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b, _, err := st.obsIssue(ctx, req.ID, req.IssueID)
	if err != nil {
		return nil, err
	}
	b.issues.remove(req.IssueID)
	return gen.DeleteBotIssue200JSONResponse{}, nil
}

func (h *server) ListBotIssueEvents(ctx context.Context, req gen.ListBotIssueEventsRequestObject) (gen.ListBotIssueEventsResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	_, is, err := st.obsIssue(ctx, req.ID, req.IssueID)
	if err != nil {
		return nil, err
	}
	events := slices.Clone(is.Events)
	slices.SortStableFunc(events, func(x, y gen.IssueEvent) int { return y.CreatedAt.Compare(x.CreatedAt) })
	if events == nil {
		events = []gen.IssueEvent{}
	}
	return gen.ListBotIssueEvents200JSONResponse{IssueEvents: events}, nil
}

// --- Action runs and activities ---

func (h *server) ListActionRuns(ctx context.Context, req gen.ListActionRunsRequestObject) (gen.ListActionRunsResponseObject, error) {
	p := req.Params
	st, unlock := h.lock()
	defer unlock()
	b, err := st.obsBot(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	recs := sortedBy(b.actionRuns.filter(func(r gen.ActionRun) bool {
		return *r.IntegrationName == p.IntegrationName && inRange(r.Timestamp, p.TimestampFrom, p.TimestampUntil)
	}), func(r gen.ActionRun) time.Time { return r.Timestamp })
	page, next, perr := paginate(recs, p.NextToken, st.pageSizeOf(p.PageSize), true)
	if perr != nil {
		return nil, perr
	}
	return gen.ListActionRuns200JSONResponse{Data: page, Meta: gen.PageMeta{NextToken: next}}, nil
}

func (h *server) ListActivities(ctx context.Context, req gen.ListActivitiesRequestObject) (gen.ListActivitiesResponseObject, error) {
	p := req.Params
	st, unlock := h.lock()
	defer unlock()
	b, err := st.obsBot(ctx, p.BotID)
	if err != nil {
		return nil, err
	}
	recs := sortedBy(b.activities.filter(func(a gen.Activity) bool { return a.TaskID == p.TaskID }),
		func(a gen.Activity) time.Time { return a.CreatedAt })
	page, next, perr := paginate(recs, p.NextToken, st.pageSizeOf(p.PageSize), true)
	if perr != nil {
		return nil, perr
	}
	return gen.ListActivities200JSONResponse{Activities: page, Meta: gen.PageMeta{NextToken: next}}, nil
}

// --- Logs ---

// logQuery is what getBotLogs and getIntegrationLogs filter on.
type logQuery struct {
	start                                     time.Time
	end                                       *time.Time
	level, user, workflow, conv, text, cursor *string
}

// pageLogs answers one page of the lines of c that q keeps, newest first,
// of the server's page size (the log operations take no pageSize).
func (st *state) pageLogs(c *collection[gen.LogEntry], q logQuery) ([]gen.LogEntry, *string, error) {
	is := func(want *string, have *string) bool { return want == nil || (have != nil && *have == *want) }
	var recs []*record[gen.LogEntry]
	if c != nil {
		recs = c.filter(func(l gen.LogEntry) bool {
			return inRange(l.Timestamp, &q.start, q.end) && (q.level == nil || l.Level == *q.level) &&
				is(q.user, l.UserID) && is(q.workflow, l.WorkflowID) && is(q.conv, l.ConversationID) &&
				(q.text == nil || strings.Contains(l.Message, *q.text))
		})
	}
	recs = sortedBy(recs, func(l gen.LogEntry) time.Time { return l.Timestamp })
	return paginate(recs, q.cursor, st.pageSize(), true)
}

func (h *server) GetBotLogs(ctx context.Context, req gen.GetBotLogsRequestObject) (gen.GetBotLogsResponseObject, error) {
	p := req.Params
	st, unlock := h.lock()
	defer unlock()
	b, err := st.obsBot(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	page, next, perr := st.pageLogs(b.logs, logQuery{
		start: p.TimeStart, end: p.TimeEnd, level: p.Level, user: p.UserID, workflow: p.WorkflowID,
		conv: p.ConversationID, text: p.MessageContains, cursor: p.NextToken,
	})
	if perr != nil {
		return nil, perr
	}
	return gen.GetBotLogs200JSONResponse{Logs: page, NextToken: next}, nil
}

func (h *server) GetIntegrationLogs(ctx context.Context, req gen.GetIntegrationLogsRequestObject) (gen.GetIntegrationLogsResponseObject, error) {
	p := req.Params
	st, unlock := h.lock()
	defer unlock()
	if _, err := st.adm().integrations.of(st, ctx, req.ID); err != nil {
		return nil, err
	}
	page, next, err := st.pageLogs(st.integrationLogs[req.ID], logQuery{
		start: p.TimeStart, end: p.TimeEnd, level: p.Level, user: p.UserID,
		conv: p.ConversationID, text: p.MessageContains, cursor: p.NextToken,
	})
	if err != nil {
		return nil, err
	}
	return gen.GetIntegrationLogs200JSONResponse{Logs: page, NextToken: next}, nil
}
