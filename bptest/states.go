package bptest

import (
	"context"
	"maps"
	"strings"
	"time"

	"github.com/oapi-codegen/nullable"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// States: get, set (the payload is replaced; a null payload deletes the
// state), get-or-set (meta.cached is true when the state already existed
// and was returned as it was), patch (top-level keys of the payload are
// merged in), and set the expiry.
//
// The owner must exist: the user, conversation or workflow of that ID, or
// for a bot state the bot the call acts on; integration states are not
// checked. An expiry is the idle time, in milliseconds, after which a
// state is gone: every write (set, patch, get-or-set that writes, expiry
// change) restarts it; reads do not. A state with an expiry answers it
// (expiry) and when it will be gone if left idle (expiresAt). An expired
// state answers 404 and is removed the first time it is looked up.

func (h *server) GetState(ctx context.Context, req gen.GetStateRequestObject) (gen.GetStateResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	if err := b.rtStateOwner(req.Type, req.ID); err != nil {
		return nil, err
	}
	e, ok := st.rtLiveState(b, req.Type, req.ID, req.Name)
	if !ok {
		return nil, rtStateNotFound(req.Type, req.ID, req.Name)
	}
	return gen.GetState200JSONResponse{State: rtStateCopy(e), Meta: gen.GetStateResponse_Meta{Cached: false}}, nil
}

func (h *server) SetState(ctx context.Context, req gen.SetStateRequestObject) (gen.SetStateResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	if err := b.rtStateOwner(req.Type, req.ID); err != nil {
		return nil, err
	}
	e, ok := st.rtLiveState(b, req.Type, req.ID, req.Name)
	if !ok {
		e = st.rtNewState(b, req.Type, req.ID, req.Name)
	}
	if req.Body.Payload.IsNull() || !req.Body.Payload.IsSpecified() {
		// A null payload deletes the state; the answer shows it emptied.
		b.states.remove(stateKey(string(req.Type), req.ID, req.Name))
		s := rtStateCopy(e)
		s.Payload = map[string]any{}
		s.UpdatedAt = st.now().UTC()
		return gen.SetState200JSONResponse{State: s}, nil
	}
	e.state.Payload = req.Body.Payload.MustGet()
	rtSetExpiry(e, req.Body.Expiry)
	st.rtTouchState(e)
	return gen.SetState200JSONResponse{State: rtStateCopy(e)}, nil
}

func (h *server) GetOrSetState(ctx context.Context, req gen.GetOrSetStateRequestObject) (gen.GetOrSetStateResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	if err := b.rtStateOwner(req.Type, req.ID); err != nil {
		return nil, err
	}
	if e, ok := st.rtLiveState(b, req.Type, req.ID, req.Name); ok {
		return gen.GetOrSetState200JSONResponse{State: rtStateCopy(e), Meta: gen.GetOrSetStateResponse_Meta{Cached: true}}, nil
	}
	e := st.rtNewState(b, req.Type, req.ID, req.Name)
	e.state.Payload = req.Body.Payload
	rtSetExpiry(e, req.Body.Expiry)
	st.rtTouchState(e)
	return gen.GetOrSetState200JSONResponse{State: rtStateCopy(e), Meta: gen.GetOrSetStateResponse_Meta{Cached: false}}, nil
}

func (h *server) PatchState(ctx context.Context, req gen.PatchStateRequestObject) (gen.PatchStateResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	if err := b.rtStateOwner(req.Type, req.ID); err != nil {
		return nil, err
	}
	e, ok := st.rtLiveState(b, req.Type, req.ID, req.Name)
	if !ok {
		return nil, rtStateNotFound(req.Type, req.ID, req.Name)
	}
	payload := maps.Clone(e.state.Payload)
	if payload == nil {
		payload = map[string]any{}
	}
	maps.Copy(payload, req.Body.Payload)
	e.state.Payload = payload
	rtSetExpiry(e, req.Body.Expiry)
	st.rtTouchState(e)
	return gen.PatchState200JSONResponse{State: rtStateCopy(e)}, nil
}

func (h *server) SetStateExpiry(ctx context.Context, req gen.SetStateExpiryRequestObject) (gen.SetStateExpiryResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	if err := b.rtStateOwner(req.Type, req.ID); err != nil {
		return nil, err
	}
	e, ok := st.rtLiveState(b, req.Type, req.ID, req.Name)
	if !ok {
		return nil, rtStateNotFound(req.Type, req.ID, req.Name)
	}
	if !req.Body.Expiry.IsSpecified() {
		return nil, invalidPayload("expiry is required (null for never)")
	}
	rtSetExpiry(e, req.Body.Expiry)
	st.rtTouchState(e)
	return gen.SetStateExpiry200JSONResponse{State: rtStateCopy(e)}, nil
}

// rtStateOwner checks that the resource a state is attached to exists.
func (b *botState) rtStateOwner(typ gen.StateType, id string) *apiError {
	switch typ {
	case gen.StateTypeUser:
		if _, ok := b.users.get(id); !ok {
			return notFound("user", id)
		}
	case gen.StateTypeConversation:
		if _, ok := b.conversations.get(id); !ok {
			return notFound("conversation", id)
		}
	case gen.StateTypeWorkflow:
		if _, ok := b.workflows.get(id); !ok {
			return notFound("workflow", id)
		}
	case gen.StateTypeBot:
		if id != b.id {
			return notFound("bot", id)
		}
	}
	return nil
}

func rtStateNotFound(typ gen.StateType, id, name string) *apiError {
	return notFound("state", stateKey(string(typ), id, name))
}

// rtLiveState returns a state that has not expired, removing it if it has.
func (st *state) rtLiveState(b *botState, typ gen.StateType, id, name string) (*stateEntry, bool) {
	key := stateKey(string(typ), id, name)
	e, ok := b.states.get(key)
	if !ok {
		return nil, false
	}
	if e.expiry > 0 && !st.now().Before(e.expiresAt) {
		b.states.remove(key)
		return nil, false
	}
	return e, true
}

// rtNewState stores a new, empty state.
func (st *state) rtNewState(b *botState, typ gen.StateType, id, name string) *stateEntry {
	sid, seq := st.ids.next("state")
	now := st.now().UTC()
	s := gen.State{
		ID: sid, CreatedAt: now, UpdatedAt: now, BotID: b.id, Name: name, Type: typ,
		Payload: map[string]any{},
	}
	switch typ {
	case gen.StateTypeUser:
		s.UserID = ptr(id)
	case gen.StateTypeConversation:
		s.ConversationID = ptr(id)
	}
	e := &stateEntry{state: s}
	b.states.add(stateKey(string(typ), id, name), seq, e)
	return e
}

// rtSetExpiry applies an expiry from a body: absent keeps it, null
// removes it, a number of milliseconds sets it.
func rtSetExpiry(e *stateEntry, v nullable.Nullable[float64]) {
	switch {
	case !v.IsSpecified():
	case v.IsNull():
		e.expiry = 0
	default:
		e.expiry = time.Duration(v.MustGet() * float64(time.Millisecond))
	}
}

// rtTouchState records a write: updatedAt, and the expiry starts again.
func (st *state) rtTouchState(e *stateEntry) {
	now := st.now()
	e.state.UpdatedAt = now.UTC()
	if e.state.Payload == nil {
		e.state.Payload = map[string]any{}
	}
	if e.expiry > 0 {
		e.expiresAt = now.Add(e.expiry)
	}
}

// rtStateCopy returns a state that later writes will not change, with
// its expiry if it has one.
func rtStateCopy(e *stateEntry) gen.State {
	s := e.state
	s.Payload = maps.Clone(s.Payload)
	s.Expiry, s.ExpiresAt = nil, nil
	if e.expiry > 0 {
		s.Expiry = ptr(float64(e.expiry) / float64(time.Millisecond))
		s.ExpiresAt = ptr(e.expiresAt.UTC())
	}
	return s
}

// rtRemoveStates removes the states attached to a resource.
func (b *botState) rtRemoveStates(typ gen.StateType, owner string) {
	prefix := stateKey(string(typ), owner, "")
	var keys []string
	for k := range b.states.byID {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		b.states.remove(k)
	}
}
