package bptest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
)

func eventID(e gen.Event) string       { return e.ID }
func taskID(t gen.Task) string         { return t.ID }
func workflowID(w gen.Workflow) string { return w.ID }

func TestRuntimeEvents(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t, bptest.WithPageSize(2))
	c := srv.Client()
	conv := rtConv(t, c, "dm", nil)
	u := rtUser(t, c, nil)
	m := rtMsg(t, c, conv.ID, u.ID, "hi", nil)
	wf, err := c.CreateWorkflow(ctx, gen.CreateWorkflowJSONRequestBody{Name: "onboarding", Status: gen.WorkflowStartStatusPending})
	require.NoError(t, err)

	now, err := c.CreateEvent(ctx, gen.CreateEventJSONRequestBody{
		Type: "ping", Payload: map[string]any{"n": 1.0}, ConversationID: &conv.ID, UserID: &u.ID, MessageID: &m.ID,
	})
	require.NoError(t, err)
	assert.Equal(t, gen.EventStatusPending, now.Event.Status)
	assert.Len(t, now.Event.ID, 30)
	assert.True(t, now.Event.FailureReason.IsNull())

	later, err := c.CreateEvent(ctx, gen.CreateEventJSONRequestBody{
		Type: "reminder", Payload: map[string]any{}, WorkflowID: &wf.Workflow.ID,
		Schedule: &gen.CreateEventBody_Schedule{Delay: rtPtr(60000.0)},
	})
	require.NoError(t, err)
	assert.Equal(t, gen.EventStatusScheduled, later.Event.Status)

	at, err := c.CreateEvent(ctx, gen.CreateEventJSONRequestBody{
		Type: "reminder", Payload: map[string]any{},
		Schedule: &gen.CreateEventBody_Schedule{DateTime: rtPtr(time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000Z"))},
	})
	require.NoError(t, err)
	assert.Equal(t, gen.EventStatusScheduled, at.Event.Status)

	// What an event names must exist; a schedule must say when.
	_, err = c.CreateEvent(ctx, gen.CreateEventJSONRequestBody{Type: "x", Payload: map[string]any{}, ConversationID: rtPtr(rtUnknownID)})
	rtStatus(t, err, 404)
	_, err = c.CreateEvent(ctx, gen.CreateEventJSONRequestBody{Type: "x", Payload: map[string]any{}, WorkflowID: rtPtr(rtUnknownID)})
	rtStatus(t, err, 404)
	_, err = c.CreateEvent(ctx, gen.CreateEventJSONRequestBody{Type: "x", Payload: map[string]any{}, Schedule: &gen.CreateEventBody_Schedule{}})
	rtStatus(t, err, 400)
	_, err = c.CreateEvent(ctx, gen.CreateEventJSONRequestBody{Type: "x", Payload: map[string]any{},
		Schedule: &gen.CreateEventBody_Schedule{DateTime: rtPtr("not a date, but long enough")}})
	rtStatus(t, err, 400)

	got, err := c.GetEvent(ctx, now.Event.ID)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"n": 1.0}, got.Event.Payload)
	_, err = c.GetEvent(ctx, rtUnknownID)
	rtStatus(t, err, 404)

	list := func(p *gen.ListEventsParams) []string {
		t.Helper()
		return hubIDs(hubAll(t, c.AllEvents(ctx, p)), eventID)
	}
	assert.Equal(t, []string{at.Event.ID, later.Event.ID, now.Event.ID}, list(nil))
	assert.Equal(t, []string{at.Event.ID, later.Event.ID}, list(&gen.ListEventsParams{Type: rtPtr("reminder")}))
	assert.Equal(t, []string{at.Event.ID, later.Event.ID}, list(&gen.ListEventsParams{Status: rtPtr(gen.ListEventsParamsStatusScheduled)}))
	assert.Equal(t, []string{now.Event.ID}, list(&gen.ListEventsParams{ConversationID: &conv.ID}))
	assert.Equal(t, []string{now.Event.ID}, list(&gen.ListEventsParams{UserID: &u.ID}))
	assert.Equal(t, []string{now.Event.ID}, list(&gen.ListEventsParams{MessageID: &m.ID}))
	assert.Equal(t, []string{later.Event.ID}, list(&gen.ListEventsParams{WorkflowID: &wf.Workflow.ID}))

	// Cancel: only a scheduled event, once.
	require.NoError(t, c.CancelScheduledEvent(ctx, later.Event.ID))
	got, err = c.GetEvent(ctx, later.Event.ID)
	require.NoError(t, err)
	assert.Equal(t, gen.EventStatusCanceled, got.Event.Status)
	err = c.CancelScheduledEvent(ctx, later.Event.ID)
	rtStatus(t, err, 400)
	assert.Contains(t, err.Error(), "not scheduled")
	rtStatus(t, c.CancelScheduledEvent(ctx, now.Event.ID), 400)
	rtStatus(t, c.CancelScheduledEvent(ctx, rtUnknownID), 404)
	assert.Equal(t, []string{at.Event.ID}, list(&gen.ListEventsParams{Status: rtPtr(gen.ListEventsParamsStatusScheduled)}))
}

func TestRuntimeStates(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()
	u := rtUser(t, c, nil)
	payload := func(m map[string]any) nullable.Nullable[map[string]any] { return nullable.NewNullableWithValue(m) }

	_, err := c.GetState(ctx, gen.StateTypeUser, u.ID, "profile")
	rtStatus(t, err, 404)

	set, err := c.SetState(ctx, gen.StateTypeUser, u.ID, "profile", gen.SetStateJSONRequestBody{
		Payload: payload(map[string]any{"a": 1.0, "b": "x"})})
	require.NoError(t, err)
	s := set.State
	assert.Equal(t, "profile", s.Name)
	assert.Equal(t, gen.StateTypeUser, s.Type)
	assert.Equal(t, srv.BotID, s.BotID)
	require.NotNil(t, s.UserID)
	assert.Equal(t, u.ID, *s.UserID)

	got, err := c.GetState(ctx, gen.StateTypeUser, u.ID, "profile")
	require.NoError(t, err)
	assert.Equal(t, s.ID, got.State.ID)
	assert.Equal(t, map[string]any{"a": 1.0, "b": "x"}, got.State.Payload)

	// set replaces the payload.
	set, err = c.SetState(ctx, gen.StateTypeUser, u.ID, "profile", gen.SetStateJSONRequestBody{Payload: payload(map[string]any{"c": true})})
	require.NoError(t, err)
	assert.Equal(t, s.ID, set.State.ID)
	assert.Equal(t, map[string]any{"c": true}, set.State.Payload)

	// patch merges top-level keys.
	patched, err := c.PatchState(ctx, gen.StateTypeUser, u.ID, "profile", gen.PatchStateJSONRequestBody{
		Payload: map[string]any{"d": 2.0, "c": false}})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"c": false, "d": 2.0}, patched.State.Payload)
	_, err = c.PatchState(ctx, gen.StateTypeUser, u.ID, "nothing", gen.PatchStateJSONRequestBody{Payload: map[string]any{}})
	rtStatus(t, err, 404)

	// get-or-set: writes once, then returns what is there.
	gs, err := c.GetOrSetState(ctx, gen.StateTypeBot, srv.BotID, "config", gen.GetOrSetStateJSONRequestBody{Payload: map[string]any{"v": 1.0}})
	require.NoError(t, err)
	assert.False(t, gs.Meta.Cached)
	assert.Equal(t, map[string]any{"v": 1.0}, gs.State.Payload)
	gs2, err := c.GetOrSetState(ctx, gen.StateTypeBot, srv.BotID, "config", gen.GetOrSetStateJSONRequestBody{Payload: map[string]any{"v": 2.0}})
	require.NoError(t, err)
	assert.True(t, gs2.Meta.Cached)
	assert.Equal(t, gs.State.ID, gs2.State.ID)
	assert.Equal(t, map[string]any{"v": 1.0}, gs2.State.Payload)

	// Owners must exist.
	_, err = c.SetState(ctx, gen.StateTypeUser, rtUnknownID, "profile", gen.SetStateJSONRequestBody{Payload: payload(map[string]any{})})
	rtStatus(t, err, 404)
	_, err = c.GetState(ctx, gen.StateTypeConversation, rtUnknownID, "profile")
	rtStatus(t, err, 404)
	_, err = c.GetOrSetState(ctx, gen.StateTypeBot, rtUnknownID, "config", gen.GetOrSetStateJSONRequestBody{Payload: map[string]any{}})
	rtStatus(t, err, 404)
	_, err = c.SetStateExpiry(ctx, gen.StateTypeUser, u.ID, "nothing", gen.SetStateExpiryJSONRequestBody{Expiry: nullable.NewNullableWithValue(100.0)})
	rtStatus(t, err, 404)

	// A conversation state carries its conversation, and goes with it.
	conv := rtConv(t, c, "dm", nil)
	cs, err := c.SetState(ctx, gen.StateTypeConversation, conv.ID, "ctx", gen.SetStateJSONRequestBody{Payload: payload(map[string]any{})})
	require.NoError(t, err)
	require.NotNil(t, cs.State.ConversationID)
	assert.Equal(t, conv.ID, *cs.State.ConversationID)

	// A null payload deletes the state.
	_, err = c.SetState(ctx, gen.StateTypeUser, u.ID, "profile", gen.SetStateJSONRequestBody{Payload: nullable.NewNullNullable[map[string]any]()})
	require.NoError(t, err)
	_, err = c.GetState(ctx, gen.StateTypeUser, u.ID, "profile")
	rtStatus(t, err, 404)
}

func TestRuntimeStateExpiry(t *testing.T) {
	ctx := context.Background()
	clock := bptest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv := bptest.Start(t, bptest.WithClock(clock.Now))
	c := srv.Client()
	u := rtUser(t, c, nil)
	const ttl = 50 * time.Millisecond
	ms := float64(ttl / time.Millisecond)

	// Set with a short expiry, then left idle: gone.
	_, err := c.SetState(ctx, gen.StateTypeUser, u.ID, "short", gen.SetStateJSONRequestBody{
		Payload: nullable.NewNullableWithValue(map[string]any{"k": "v"}), Expiry: nullable.NewNullableWithValue(ms)})
	require.NoError(t, err)
	clock.Advance(ttl)
	_, err = c.GetState(ctx, gen.StateTypeUser, u.ID, "short")
	rtStatus(t, err, 404)
	_, err = c.PatchState(ctx, gen.StateTypeUser, u.ID, "short", gen.PatchStateJSONRequestBody{Payload: map[string]any{}})
	rtStatus(t, err, 404)

	// An expired state is gone: get-or-set writes anew.
	gs, err := c.GetOrSetState(ctx, gen.StateTypeUser, u.ID, "short", gen.GetOrSetStateJSONRequestBody{
		Payload: map[string]any{"k": "new"}, Expiry: nullable.NewNullableWithValue(ms)})
	require.NoError(t, err)
	assert.False(t, gs.Meta.Cached)
	assert.Equal(t, map[string]any{"k": "new"}, gs.State.Payload)

	// Writes restart the idle time: with a 1 s expiry, a patch after 600 ms
	// keeps the state past 1 s after it was set.
	_, err = c.SetState(ctx, gen.StateTypeUser, u.ID, "long", gen.SetStateJSONRequestBody{
		Payload: nullable.NewNullableWithValue(map[string]any{}), Expiry: nullable.NewNullableWithValue(1000.0)})
	require.NoError(t, err)
	clock.Advance(600 * time.Millisecond)
	_, err = c.PatchState(ctx, gen.StateTypeUser, u.ID, "long", gen.PatchStateJSONRequestBody{Payload: map[string]any{"t": 1.0}})
	require.NoError(t, err)
	clock.Advance(600 * time.Millisecond)
	long, err := c.GetState(ctx, gen.StateTypeUser, u.ID, "long")
	require.NoError(t, err, "alive 1.2 s after it was set, 600 ms after it was patched")
	assert.Equal(t, map[string]any{"t": 1.0}, long.State.Payload)

	// A null expiry keeps it for good.
	_, err = c.SetStateExpiry(ctx, gen.StateTypeUser, u.ID, "long", gen.SetStateExpiryJSONRequestBody{Expiry: nullable.NewNullNullable[float64]()})
	require.NoError(t, err)
	clock.Advance(time.Hour)
	_, err = c.GetState(ctx, gen.StateTypeUser, u.ID, "long")
	require.NoError(t, err)

	// And an expiry set later applies from then.
	_, err = c.SetStateExpiry(ctx, gen.StateTypeUser, u.ID, "long", gen.SetStateExpiryJSONRequestBody{Expiry: nullable.NewNullableWithValue(ms)})
	require.NoError(t, err)
	clock.Advance(ttl - time.Millisecond)
	_, err = c.GetState(ctx, gen.StateTypeUser, u.ID, "long")
	require.NoError(t, err, "a read does not restart the idle time, and the state is not expired yet")
	clock.Advance(time.Millisecond)
	_, err = c.GetState(ctx, gen.StateTypeUser, u.ID, "long")
	rtStatus(t, err, 404)
}

func TestRuntimeTasks(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t, bptest.WithPageSize(2))
	c := srv.Client()
	conv := rtConv(t, c, "dm", nil)
	other := rtConv(t, c, "dm", nil)
	u := rtUser(t, c, nil)

	parent, err := c.CreateTask(ctx, gen.CreateTaskJSONRequestBody{
		ConversationID: conv.ID, Type: "order", Title: rtPtr("Order"), Description: rtPtr("Take an order"),
		UserID: &u.ID, Tags: map[string]string{"prio": "high"}, Data: map[string]any{"items": 2.0},
	})
	require.NoError(t, err)
	p := parent.Task
	assert.Equal(t, gen.TaskStatusPending, p.Status)
	assert.Equal(t, "Order", p.Title)
	assert.True(t, p.TimeoutAt.After(p.CreatedAt))
	assert.Equal(t, map[string]any{"items": 2.0}, p.Data)

	child, err := c.CreateTask(ctx, gen.CreateTaskJSONRequestBody{ConversationID: conv.ID, Type: "payment", ParentTaskID: &p.ID})
	require.NoError(t, err)
	third, err := c.CreateTask(ctx, gen.CreateTaskJSONRequestBody{ConversationID: other.ID, Type: "order"})
	require.NoError(t, err)

	for _, body := range []gen.CreateTaskJSONRequestBody{
		{ConversationID: rtUnknownID, Type: "x"},
		{ConversationID: conv.ID, Type: "x", UserID: rtPtr(rtUnknownID)},
		{ConversationID: conv.ID, Type: "x", ParentTaskID: rtPtr(rtUnknownID)},
	} {
		_, err := c.CreateTask(ctx, body)
		rtStatus(t, err, 404)
	}
	_, err = c.CreateTask(ctx, gen.CreateTaskJSONRequestBody{ConversationID: conv.ID, Type: "x", Title: rtPtr(strings.Repeat("t", 65))})
	rtStatus(t, err, 400)

	got, err := c.GetTask(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, p.ID, got.Task.ID)
	_, err = c.GetTask(ctx, rtUnknownID)
	rtStatus(t, err, 404)

	deadline := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	upd, err := c.UpdateTask(ctx, child.Task.ID, gen.UpdateTaskJSONRequestBody{
		Status: rtPtr(gen.TaskStatusInProgress), Tags: map[string]string{"prio": "low"},
		Data: map[string]any{"paid": false}, TimeoutAt: &deadline, Title: rtPtr("Pay"),
	})
	require.NoError(t, err)
	assert.Equal(t, gen.TaskStatusInProgress, upd.Task.Status)
	assert.Equal(t, "Pay", upd.Task.Title)
	assert.True(t, upd.Task.TimeoutAt.Equal(deadline))
	assert.Equal(t, map[string]string{"prio": "low"}, upd.Task.Tags)
	_, err = c.UpdateTask(ctx, rtUnknownID, gen.UpdateTaskJSONRequestBody{})
	rtStatus(t, err, 404)

	list := func(params *gen.ListTasksParams) []string {
		t.Helper()
		return hubIDs(hubAll(t, c.AllTasks(ctx, params)), taskID)
	}
	assert.Equal(t, []string{third.Task.ID, child.Task.ID, p.ID}, list(nil))
	assert.Equal(t, []string{child.Task.ID, p.ID}, list(&gen.ListTasksParams{ConversationID: &conv.ID}))
	assert.Equal(t, []string{p.ID}, list(&gen.ListTasksParams{UserID: &u.ID}))
	assert.Equal(t, []string{child.Task.ID}, list(&gen.ListTasksParams{ParentTaskID: &p.ID}))
	assert.Equal(t, []string{third.Task.ID, p.ID}, list(&gen.ListTasksParams{Type: rtPtr("order")}))
	assert.Equal(t, []string{p.ID}, list(&gen.ListTasksParams{Tags: map[string]string{"prio": "high"}}))
	assert.Equal(t, []string{child.Task.ID}, list(&gen.ListTasksParams{Status: []gen.TaskStatus{gen.TaskStatusInProgress}}))
	assert.Equal(t, []string{third.Task.ID, child.Task.ID, p.ID}, list(&gen.ListTasksParams{
		Status: []gen.TaskStatus{gen.TaskStatusInProgress, gen.TaskStatusPending}}))
	assert.Empty(t, list(&gen.ListTasksParams{Status: []gen.TaskStatus{gen.TaskStatusCompleted}}))

	require.NoError(t, c.DeleteTask(ctx, third.Task.ID))
	_, err = c.GetTask(ctx, third.Task.ID)
	rtStatus(t, err, 404)
	rtStatus(t, c.DeleteTask(ctx, third.Task.ID), 404)
	assert.Equal(t, []string{child.Task.ID, p.ID}, list(nil))
}

func TestRuntimeWorkflows(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t, bptest.WithPageSize(2))
	c := srv.Client()
	conv := rtConv(t, c, "dm", nil)
	u := rtUser(t, c, nil)

	created, err := c.CreateWorkflow(ctx, gen.CreateWorkflowJSONRequestBody{
		Name: "onboarding", Status: gen.WorkflowStartStatusInProgress, ConversationID: &conv.ID, UserID: &u.ID,
		Input: map[string]any{"step": 1.0}, Tags: map[string]string{"flow": "a"},
	})
	require.NoError(t, err)
	w := created.Workflow
	assert.Len(t, w.ID, 32)
	assert.Equal(t, gen.WorkflowStatusInProgress, w.Status)
	assert.Equal(t, map[string]any{"step": 1.0}, w.Input)
	assert.Empty(t, w.Output)
	assert.Nil(t, w.CompletedAt)

	child, err := c.CreateWorkflow(ctx, gen.CreateWorkflowJSONRequestBody{
		Name: "verify", Status: gen.WorkflowStartStatusPending, ParentWorkflowID: &w.ID})
	require.NoError(t, err)
	for _, body := range []gen.CreateWorkflowJSONRequestBody{
		{Name: "x", Status: gen.WorkflowStartStatusPending, ConversationID: rtPtr(rtUnknownID)},
		{Name: "x", Status: gen.WorkflowStartStatusPending, UserID: rtPtr(rtUnknownID)},
		{Name: "x", Status: gen.WorkflowStartStatusPending, ParentWorkflowID: rtPtr(rtUnknownID)},
		{Name: "x", Status: gen.WorkflowStartStatusPending, EventID: rtPtr(rtUnknownID)},
	} {
		_, err := c.CreateWorkflow(ctx, body)
		rtStatus(t, err, 404)
	}

	got, err := c.GetWorkflow(ctx, w.ID)
	require.NoError(t, err)
	assert.Equal(t, w.ID, got.Workflow.ID)
	_, err = c.GetWorkflow(ctx, rtUnknownID)
	rtStatus(t, err, 404)

	// Finishing sets completedAt; going back to work clears it.
	done, err := c.UpdateWorkflow(ctx, child.Workflow.ID, gen.UpdateWorkflowJSONRequestBody{
		Status: rtPtr(gen.UpdateWorkflowBodyStatusFailed), FailureReason: rtPtr("boom"),
		Output: map[string]any{"ok": false}, Tags: client.NullableStrings(map[string]string{"k": "v"}),
	})
	require.NoError(t, err)
	assert.Equal(t, gen.WorkflowStatusFailed, done.Workflow.Status)
	require.NotNil(t, done.Workflow.CompletedAt)
	assert.Equal(t, "boom", *done.Workflow.FailureReason)
	assert.Equal(t, map[string]any{"ok": false}, done.Workflow.Output)
	back, err := c.UpdateWorkflow(ctx, child.Workflow.ID, gen.UpdateWorkflowJSONRequestBody{Status: rtPtr(gen.UpdateWorkflowBodyStatusInProgress)})
	require.NoError(t, err)
	assert.Nil(t, back.Workflow.CompletedAt)
	for _, s := range []gen.UpdateWorkflowBodyStatus{gen.UpdateWorkflowBodyStatusCompleted, gen.UpdateWorkflowBodyStatusCancelled} {
		r, err := c.UpdateWorkflow(ctx, child.Workflow.ID, gen.UpdateWorkflowJSONRequestBody{Status: &s})
		require.NoError(t, err)
		assert.NotNil(t, r.Workflow.CompletedAt, s)
	}
	_, err = c.UpdateWorkflow(ctx, rtUnknownID, gen.UpdateWorkflowJSONRequestBody{})
	rtStatus(t, err, 404)
	_, err = c.UpdateWorkflow(ctx, w.ID, gen.UpdateWorkflowJSONRequestBody{UserID: rtPtr(rtUnknownID)})
	rtStatus(t, err, 404)

	list := func(p *gen.ListWorkflowsParams) []string {
		t.Helper()
		return hubIDs(hubAll(t, c.AllWorkflows(ctx, p)), workflowID)
	}
	assert.Equal(t, []string{child.Workflow.ID, w.ID}, list(nil))
	assert.Equal(t, []string{w.ID}, list(&gen.ListWorkflowsParams{ConversationID: &conv.ID}))
	assert.Equal(t, []string{w.ID}, list(&gen.ListWorkflowsParams{UserID: &u.ID}))
	assert.Equal(t, []string{child.Workflow.ID}, list(&gen.ListWorkflowsParams{ParentWorkflowID: &w.ID}))
	assert.Equal(t, []string{w.ID}, list(&gen.ListWorkflowsParams{Name: rtPtr("onboarding")}))
	assert.Equal(t, []string{w.ID}, list(&gen.ListWorkflowsParams{Tags: map[string]string{"flow": "a"}}))
	assert.Equal(t, []string{child.Workflow.ID}, list(&gen.ListWorkflowsParams{
		Statuses: []gen.WorkflowStatus{gen.WorkflowStatusCancelled, gen.WorkflowStatusFailed}}))
	assert.Equal(t, []string{w.ID}, list(&gen.ListWorkflowsParams{
		Statuses: []gen.WorkflowStatus{gen.WorkflowStatusInProgress}}))

	require.NoError(t, c.DeleteWorkflow(ctx, child.Workflow.ID))
	_, err = c.GetWorkflow(ctx, child.Workflow.ID)
	rtStatus(t, err, 404)
	rtStatus(t, c.DeleteWorkflow(ctx, child.Workflow.ID), 404)
}

func TestRuntimeGetOrCreateWorkflow(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()
	body := gen.GetOrCreateWorkflowJSONRequestBody{
		Name: "checkout", Status: gen.WorkflowStartStatusPending,
		Tags: map[string]string{"cart": "1", "try": "a"}, DiscriminateByTags: []string{"cart"},
	}
	first, err := c.GetOrCreateWorkflow(ctx, body)
	require.NoError(t, err)
	body.Tags = map[string]string{"cart": "1", "try": "b"}
	second, err := c.GetOrCreateWorkflow(ctx, body)
	require.NoError(t, err)
	assert.Equal(t, first.Workflow.ID, second.Workflow.ID, "same name and cart tag")

	// Another name is another workflow.
	other := body
	other.Name = "refund"
	third, err := c.GetOrCreateWorkflow(ctx, other)
	require.NoError(t, err)
	assert.NotEqual(t, first.Workflow.ID, third.Workflow.ID)

	// Status groups: the active one is found; once it is finished, asking
	// for an active one creates a new one, and asking for a finished one
	// finds the old.
	active := gen.GetOrCreateWorkflowBodyDiscriminateByStatusGroupActive
	finished := gen.GetOrCreateWorkflowBodyDiscriminateByStatusGroupFinished
	body.DiscriminateByStatusGroup = &active
	r, err := c.GetOrCreateWorkflow(ctx, body)
	require.NoError(t, err)
	assert.Equal(t, first.Workflow.ID, r.Workflow.ID)
	_, err = c.UpdateWorkflow(ctx, first.Workflow.ID, gen.UpdateWorkflowJSONRequestBody{Status: rtPtr(gen.UpdateWorkflowBodyStatusCompleted)})
	require.NoError(t, err)
	fresh, err := c.GetOrCreateWorkflow(ctx, body)
	require.NoError(t, err)
	assert.NotEqual(t, first.Workflow.ID, fresh.Workflow.ID)
	again, err := c.GetOrCreateWorkflow(ctx, body)
	require.NoError(t, err)
	assert.Equal(t, fresh.Workflow.ID, again.Workflow.ID)
	body.DiscriminateByStatusGroup = &finished
	old, err := c.GetOrCreateWorkflow(ctx, body)
	require.NoError(t, err)
	assert.Equal(t, first.Workflow.ID, old.Workflow.ID)

	_, err = c.GetOrCreateWorkflow(ctx, gen.GetOrCreateWorkflowJSONRequestBody{
		Name: "x", Status: gen.WorkflowStartStatusPending, ConversationID: rtPtr(rtUnknownID)})
	rtStatus(t, err, 404)
}

// Deleting a task or workflow clears the conversation's pointer to it, and
// removes the states attached to what is deleted.
func TestRuntimeDeleteCascades(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()
	conv := rtConv(t, c, "dm", nil)
	task, err := c.CreateTask(ctx, gen.CreateTaskJSONRequestBody{ConversationID: conv.ID, Type: "t"})
	require.NoError(t, err)
	_, err = c.UpdateConversation(ctx, conv.ID, gen.UpdateConversationJSONRequestBody{CurrentTaskID: &task.Task.ID})
	require.NoError(t, err)
	_, err = c.SetState(ctx, gen.StateTypeConversation, conv.ID, "s", gen.SetStateJSONRequestBody{Payload: nullable.NewNullableWithValue(map[string]any{})})
	require.NoError(t, err)

	require.NoError(t, c.DeleteTask(ctx, task.Task.ID))
	got, err := c.GetConversation(ctx, conv.ID)
	require.NoError(t, err)
	assert.Nil(t, got.Conversation.CurrentTaskID)

	// States are keyed by their owner.
	other := rtConv(t, c, "dm", nil)
	_, err = c.GetState(ctx, gen.StateTypeConversation, other.ID, "s")
	rtStatus(t, err, 404)
	require.NoError(t, c.DeleteConversation(ctx, conv.ID))
	_, err = c.GetState(ctx, gen.StateTypeConversation, conv.ID, "s")
	rtStatus(t, err, 404)
}
