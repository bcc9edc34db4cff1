package bptest

import (
	"context"

	"github.com/oapi-codegen/nullable"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Events: create ("pending", or "scheduled" when the body has a schedule),
// get, list (newest first; by type, conversation, user, message, workflow,
// status), and cancel a scheduled event (it becomes "canceled"; any other
// status is a 400). The resources an event names must exist. Events stay
// in the status they were created with: nothing processes them.

func (h *server) CreateEvent(ctx context.Context, req gen.CreateEventRequestObject) (gen.CreateEventResponseObject, error) {
	body := req.Body
	if body == nil {
		return nil, invalidPayload("a body is required")
	}
	status := gen.EventStatusPending
	if s := body.Schedule; s != nil {
		if s.DateTime == nil && s.Delay == nil {
			return nil, invalidPayload("schedule needs a dateTime or a delay")
		}
		if err := rtCheckSchedule(s.DateTime, s.Delay); err != nil {
			return nil, err
		}
		status = gen.EventStatusScheduled
	}
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	if err := b.rtCheckRefs(body.ConversationID, body.UserID, body.MessageID, body.WorkflowID); err != nil {
		return nil, err
	}
	e := st.rtNewEvent(b, body.Type, body.Payload, body.ConversationID, body.UserID)
	e.MessageID = body.MessageID
	e.Status = status
	b.events.put(e.ID, e)
	if body.WorkflowID != nil {
		b.eventWorkflow[e.ID] = *body.WorkflowID
	}
	return gen.CreateEvent201JSONResponse{Event: e}, nil
}

// rtNewEvent stores a pending event.
func (st *state) rtNewEvent(b *botState, typ string, payload map[string]any, conv, user *string) gen.Event {
	id, seq := st.ids.next("evt")
	if payload == nil {
		payload = map[string]any{}
	}
	e := gen.Event{
		ID: id, CreatedAt: st.now().UTC(), Type: typ, Payload: payload, Status: gen.EventStatusPending,
		ConversationID: conv, UserID: user,
		FailureReason: nullable.NewNullNullable[string](),
	}
	b.events.add(id, seq, e)
	return e
}

// rtCheckRefs checks that the resources a body names, when it names them, exist.
func (b *botState) rtCheckRefs(conv, user, msg, workflow *string) *apiError {
	if conv != nil {
		if _, ok := b.conversations.get(*conv); !ok {
			return notFound("conversation", *conv)
		}
	}
	if user != nil {
		if _, ok := b.users.get(*user); !ok {
			return notFound("user", *user)
		}
	}
	if msg != nil {
		if _, ok := b.messages.get(*msg); !ok {
			return notFound("message", *msg)
		}
	}
	if workflow != nil {
		if _, ok := b.workflows.get(*workflow); !ok {
			return notFound("workflow", *workflow)
		}
	}
	return nil
}

func (h *server) GetEvent(ctx context.Context, req gen.GetEventRequestObject) (gen.GetEventResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	e, ok := st.bot(botOf(ctx)).events.get(req.ID)
	if !ok {
		return nil, notFound("event", req.ID)
	}
	return gen.GetEvent200JSONResponse{Event: e}, nil
}

func (h *server) ListEvents(ctx context.Context, req gen.ListEventsRequestObject) (gen.ListEventsResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	p := req.Params
	side := b
	recs := b.events.filter(func(e gen.Event) bool {
		if p.Type != nil && *p.Type != "" && e.Type != *p.Type {
			return false
		}
		if p.Status != nil && string(e.Status) != string(*p.Status) {
			return false
		}
		if p.WorkflowID != nil && *p.WorkflowID != "" && side.eventWorkflow[e.ID] != *p.WorkflowID {
			return false
		}
		return rtEq(p.ConversationID, e.ConversationID) && rtEq(p.UserID, e.UserID) && rtEq(p.MessageID, e.MessageID)
	})
	events, next, err := paginate(recs, p.NextToken, st.pageSizeOf(p.PageSize), true)
	if err != nil {
		return nil, err
	}
	return gen.ListEvents200JSONResponse{Events: events, Meta: gen.PageMeta{NextToken: next}}, nil
}

func (h *server) CancelScheduledEvent(ctx context.Context, req gen.CancelScheduledEventRequestObject) (gen.CancelScheduledEventResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	e, ok := b.events.get(req.ID)
	if !ok {
		return nil, notFound("event", req.ID)
	}
	if e.Status != gen.EventStatusScheduled {
		return nil, invalidPayload("event %q is %s, not scheduled: only a scheduled event can be canceled", e.ID, e.Status)
	}
	e.Status = gen.EventStatusCanceled
	b.events.put(e.ID, e)
	return gen.CancelScheduledEvent200JSONResponse{}, nil
}
