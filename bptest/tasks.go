package bptest

import (
	"context"
	"slices"
	"time"
	"unicode/utf8"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Tasks: create, get, update, delete, list (newest first; by tags,
// conversation, user, parent, statuses, type). Workflows: create, get,
// update (completedAt is set when the status becomes completed, failed,
// cancelled or timedout, and cleared when it leaves them), delete, list
// (newest first; by tags, conversation, user, parent, statuses, name),
// get-or-create (same name, matching tags, and the status group when one
// is given). The resources a body names must exist. Without a timeoutAt,
// tasks and workflows time out rtDefaultTimeout after they are created;
// nothing moves them to a timed-out status by itself.

// rtDefaultTimeout is the timeout of a task or workflow created without one.
const rtDefaultTimeout = 48 * time.Hour

// Limits of the Task schema, tighter than those of createTask's body.
const (
	rtMaxTaskTitle       = 64
	rtMaxTaskDescription = 256
)

func rtCheckTaskText(title, description *string) *apiError {
	if title != nil && utf8.RuneCountInString(*title) > rtMaxTaskTitle {
		return invalidPayload("title is longer than %d characters", rtMaxTaskTitle)
	}
	if description != nil && utf8.RuneCountInString(*description) > rtMaxTaskDescription {
		return invalidPayload("description is longer than %d characters", rtMaxTaskDescription)
	}
	return nil
}

func (h *server) CreateTask(ctx context.Context, req gen.CreateTaskRequestObject) (gen.CreateTaskResponseObject, error) {
	body := req.Body
	if body == nil {
		return nil, invalidPayload("a body is required")
	}
	if err := rtCheckTaskText(body.Title, body.Description); err != nil {
		return nil, err
	}
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	if err := b.rtCheckRefs(&body.ConversationID, body.UserID, nil, nil); err != nil {
		return nil, err
	}
	if body.ParentTaskID != nil {
		if _, ok := b.tasks.get(*body.ParentTaskID); !ok {
			return nil, notFound("task", *body.ParentTaskID)
		}
	}
	id, seq := st.ids.next("task")
	now := st.now().UTC()
	t := gen.Task{
		ID: id, CreatedAt: now, UpdatedAt: now, Type: body.Type, Status: gen.TaskStatusPending,
		ConversationID: ptr(body.ConversationID), UserID: body.UserID, ParentTaskID: body.ParentTaskID,
		Tags: mergeTags(nil, body.Tags), Data: rtObject(body.Data), TimeoutAt: now.Add(rtDefaultTimeout),
	}
	if body.Title != nil {
		t.Title = *body.Title
	}
	if body.Description != nil {
		t.Description = *body.Description
	}
	if body.TimeoutAt != nil {
		t.TimeoutAt = body.TimeoutAt.UTC()
	}
	b.tasks.add(id, seq, t)
	return gen.CreateTask201JSONResponse{Task: t}, nil
}

// rtObject returns m, or an empty object for nil.
func rtObject(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func (h *server) GetTask(ctx context.Context, req gen.GetTaskRequestObject) (gen.GetTaskResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	t, ok := st.bot(botOf(ctx)).tasks.get(req.ID)
	if !ok {
		return nil, notFound("task", req.ID)
	}
	return gen.GetTask200JSONResponse{Task: t}, nil
}

func (h *server) UpdateTask(ctx context.Context, req gen.UpdateTaskRequestObject) (gen.UpdateTaskResponseObject, error) {
	body := req.Body
	if body == nil {
		return nil, invalidPayload("a body is required")
	}
	if err := rtCheckTaskText(body.Title, body.Description); err != nil {
		return nil, err
	}
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	t, ok := b.tasks.get(req.ID)
	if !ok {
		return nil, notFound("task", req.ID)
	}
	if body.Title != nil {
		t.Title = *body.Title
	}
	if body.Description != nil {
		t.Description = *body.Description
	}
	if body.Data != nil {
		t.Data = body.Data
	}
	if body.TimeoutAt != nil {
		t.TimeoutAt = body.TimeoutAt.UTC()
	}
	if body.Status != nil {
		t.Status = gen.TaskStatus(*body.Status)
	}
	t.Tags = mergeTags(t.Tags, body.Tags)
	t.UpdatedAt = st.now().UTC()
	b.tasks.put(t.ID, t)
	return gen.UpdateTask200JSONResponse{Task: t}, nil
}

func (h *server) DeleteTask(ctx context.Context, req gen.DeleteTaskRequestObject) (gen.DeleteTaskResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	if !b.tasks.remove(req.ID) {
		return nil, notFound("task", req.ID)
	}
	b.rtForget(req.ID, func(c *gen.Conversation) **string { return &c.CurrentTaskID })
	return gen.DeleteTask200JSONResponse{}, nil
}

// rtEq reports whether an optional string filter accepts a value.
func rtEq(filter, have *string) bool {
	return filter == nil || *filter == "" || (have != nil && *have == *filter)
}

func (h *server) ListTasks(ctx context.Context, req gen.ListTasksRequestObject) (gen.ListTasksResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	p := req.Params
	tags := req.Params.Tags
	recs := b.tasks.filter(func(t gen.Task) bool {
		if p.Type != nil && *p.Type != "" && t.Type != *p.Type {
			return false
		}
		if len(p.Status) > 0 && !slices.Contains(p.Status, gen.TaskStatus(t.Status)) {
			return false
		}
		return rtEq(p.ConversationID, t.ConversationID) && rtEq(p.UserID, t.UserID) &&
			rtEq(p.ParentTaskID, t.ParentTaskID) && matchTags(t.Tags, tags)
	})
	tasks, next, err := paginate(recs, p.NextToken, st.pageSize(), true)
	if err != nil {
		return nil, err
	}
	return gen.ListTasks200JSONResponse{Tasks: tasks, Meta: gen.PageMeta{NextToken: next}}, nil
}

// Workflows.

// rtWorkflowFinished reports whether a status ends a workflow.
func rtWorkflowFinished(s gen.WorkflowStatus) bool {
	switch s {
	case gen.WorkflowStatusCompleted, gen.WorkflowStatusFailed, gen.WorkflowStatusCancelled, gen.WorkflowStatusTimedout:
		return true
	}
	return false
}

// rtNewWorkflow is what a new workflow is made of.
type rtNewWorkflow struct {
	name                        string
	status                      gen.WorkflowStatus
	input                       map[string]any
	conv, user, parent, eventID *string
	tags                        map[string]string
	timeoutAt                   *time.Time
}

// rtCheckWorkflowRefs checks the resources a new workflow names.
func (b *botState) rtCheckWorkflowRefs(in rtNewWorkflow) *apiError {
	if err := b.rtCheckRefs(in.conv, in.user, nil, in.parent); err != nil {
		return err
	}
	if in.eventID != nil {
		if _, ok := b.events.get(*in.eventID); !ok {
			return notFound("event", *in.eventID)
		}
	}
	return nil
}

func (st *state) rtAddWorkflow(b *botState, in rtNewWorkflow) gen.Workflow {
	id, seq := st.ids.next("wflow")
	now := st.now().UTC()
	w := gen.Workflow{
		ID: id, CreatedAt: now, UpdatedAt: now, Name: in.name, Status: in.status,
		Input: rtObject(in.input), Output: map[string]any{},
		ConversationID: in.conv, UserID: in.user, ParentWorkflowID: in.parent,
		Tags: mergeTags(nil, in.tags), TimeoutAt: now.Add(rtDefaultTimeout),
	}
	if in.timeoutAt != nil {
		w.TimeoutAt = in.timeoutAt.UTC()
	}
	b.workflows.add(id, seq, w)
	return w
}

func (h *server) CreateWorkflow(ctx context.Context, req gen.CreateWorkflowRequestObject) (gen.CreateWorkflowResponseObject, error) {
	body := req.Body
	if body == nil {
		return nil, invalidPayload("a body is required")
	}
	in := rtNewWorkflow{
		name: body.Name, status: gen.WorkflowStatus(body.Status), input: body.Input,
		conv: body.ConversationID, user: body.UserID, parent: body.ParentWorkflowID, eventID: body.EventID,
		tags: body.Tags, timeoutAt: body.TimeoutAt,
	}
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	if err := b.rtCheckWorkflowRefs(in); err != nil {
		return nil, err
	}
	return gen.CreateWorkflow201JSONResponse{Workflow: st.rtAddWorkflow(b, in)}, nil
}

func (h *server) GetOrCreateWorkflow(ctx context.Context, req gen.GetOrCreateWorkflowRequestObject) (gen.GetOrCreateWorkflowResponseObject, error) {
	body := req.Body
	if body == nil {
		return nil, invalidPayload("a body is required")
	}
	in := rtNewWorkflow{
		name: body.Name, status: gen.WorkflowStatus(body.Status), input: body.Input,
		conv: body.ConversationID, user: body.UserID, parent: body.ParentWorkflowID, eventID: body.EventID,
		tags: body.Tags, timeoutAt: body.TimeoutAt,
	}
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	if err := b.rtCheckWorkflowRefs(in); err != nil {
		return nil, err
	}
	want := discriminate(body.Tags, body.DiscriminateByTags)
	group := body.DiscriminateByStatusGroup
	if w, ok := b.workflows.find(func(w gen.Workflow) bool {
		if w.Name != body.Name || !matchTags(w.Tags, want) {
			return false
		}
		if group != nil {
			finished := rtWorkflowFinished(w.Status)
			if finished != (*group == gen.GetOrCreateWorkflowBodyDiscriminateByStatusGroupFinished) {
				return false
			}
		}
		return true
	}); ok {
		return gen.GetOrCreateWorkflow200JSONResponse{Workflow: w, Meta: gen.GetOrCreateMeta{Created: false}}, nil
	}
	return gen.GetOrCreateWorkflow200JSONResponse{Workflow: st.rtAddWorkflow(b, in), Meta: gen.GetOrCreateMeta{Created: true}}, nil
}

func (h *server) GetWorkflow(ctx context.Context, req gen.GetWorkflowRequestObject) (gen.GetWorkflowResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	w, ok := st.bot(botOf(ctx)).workflows.get(req.ID)
	if !ok {
		return nil, notFound("workflow", req.ID)
	}
	return gen.GetWorkflow200JSONResponse{Workflow: w}, nil
}

func (h *server) UpdateWorkflow(ctx context.Context, req gen.UpdateWorkflowRequestObject) (gen.UpdateWorkflowResponseObject, error) {
	body := req.Body
	if body == nil {
		return nil, invalidPayload("a body is required")
	}
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	w, ok := b.workflows.get(req.ID)
	if !ok {
		return nil, notFound("workflow", req.ID)
	}
	if err := b.rtCheckWorkflowRefs(rtNewWorkflow{user: body.UserID, eventID: body.EventID}); err != nil {
		return nil, err
	}
	now := st.now().UTC()
	if body.Status != nil {
		s := gen.WorkflowStatus(*body.Status)
		switch {
		case rtWorkflowFinished(s) && (!rtWorkflowFinished(w.Status) || w.CompletedAt == nil):
			w.CompletedAt = ptr(now)
		case !rtWorkflowFinished(s):
			w.CompletedAt = nil
		}
		w.Status = s
	}
	if body.FailureReason != nil {
		w.FailureReason = ptr(*body.FailureReason)
	}
	if body.Output != nil {
		w.Output = body.Output
	}
	if body.TimeoutAt != nil {
		w.TimeoutAt = body.TimeoutAt.UTC()
	}
	if body.UserID != nil {
		w.UserID = ptr(*body.UserID)
	}
	w.Tags = mergeTags(w.Tags, rtStrings(body.Tags))
	w.UpdatedAt = now
	b.workflows.put(w.ID, w)
	return gen.UpdateWorkflow200JSONResponse{Workflow: w}, nil
}

func (h *server) DeleteWorkflow(ctx context.Context, req gen.DeleteWorkflowRequestObject) (gen.DeleteWorkflowResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	if !b.workflows.remove(req.ID) {
		return nil, notFound("workflow", req.ID)
	}
	b.rtRemoveStates(gen.StateTypeWorkflow, req.ID)
	b.rtForget(req.ID, func(c *gen.Conversation) **string { return &c.CurrentWorkflowID })
	return gen.DeleteWorkflow200JSONResponse{}, nil
}

// rtForget clears, in every conversation, the pointer field (current task
// or workflow) that names a deleted resource.
func (b *botState) rtForget(id string, field func(*gen.Conversation) **string) {
	for _, r := range b.conversations.filter(func(c gen.Conversation) bool {
		p := *field(&c)
		return p != nil && *p == id
	}) {
		c := r.v
		*field(&c) = nil
		b.conversations.put(c.ID, c)
	}
}

func (h *server) ListWorkflows(ctx context.Context, req gen.ListWorkflowsRequestObject) (gen.ListWorkflowsResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	p := req.Params
	tags := req.Params.Tags
	recs := b.workflows.filter(func(w gen.Workflow) bool {
		if p.Name != nil && *p.Name != "" && w.Name != *p.Name {
			return false
		}
		if len(p.Statuses) > 0 && !slices.Contains(p.Statuses, gen.WorkflowStatus(w.Status)) {
			return false
		}
		return rtEq(p.ConversationID, w.ConversationID) && rtEq(p.UserID, w.UserID) &&
			rtEq(p.ParentWorkflowID, w.ParentWorkflowID) && matchTags(w.Tags, tags)
	})
	workflows, next, err := paginate(recs, p.NextToken, st.pageSizeOf(p.PageSize), true)
	if err != nil {
		return nil, err
	}
	return gen.ListWorkflows200JSONResponse{Workflows: workflows, Meta: gen.PageMeta{NextToken: next}}, nil
}
