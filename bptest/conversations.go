package bptest

import (
	"context"
	"time"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Conversations: create, get, list (newest first; by tags, participants,
// integration, channel, dates), get-or-create (within an integration and
// channel, by tags or the tags named in discriminateByTags), update (tags
// merge, current task), delete (with its messages, participants and
// states). Participants: list (in the order they joined), add, get,
// remove.
//
// A conversation keeps the properties it is given (set at creation, merged
// by updates: null or "" removes a key) and counts its messages in
// messageCount: created, imported or made by the Chat API and the bot's
// script, less those deleted (messages.go keeps the count).

func (h *server) CreateConversation(ctx context.Context, req gen.CreateConversationRequestObject) (gen.CreateConversationResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	integration := rtIntegration(req.Body.IntegrationName, req.Params.XIntegrationAlias, req.Params.XIntegrationID)
	c := st.rtNewConversation(b, req.Body.Channel, integration, req.Body.Tags, req.Body.Properties)
	return gen.CreateConversation201JSONResponse{Conversation: c}, nil
}

// rtIntegration names the integration a conversation belongs to: the
// (deprecated) integrationName of the body, else the alias or ID of the
// calling integration, else "" for a conversation the bot opened itself.
func rtIntegration(name, alias, id *string) string {
	for _, s := range []*string{name, alias, id} {
		if s != nil && *s != "" {
			return *s
		}
	}
	return ""
}

func (st *state) rtNewConversation(b *botState, channel, integration string, tags, properties map[string]string) gen.Conversation {
	id, seq := st.ids.next("conv")
	now := st.now().UTC()
	c := gen.Conversation{
		ID: id, CreatedAt: now, UpdatedAt: now,
		Channel: channel, Integration: integration, Tags: mergeTags(nil, tags),
		Properties: rtFields(nil, properties),
	}
	b.conversations.add(id, seq, c)
	return c
}

// rtGetOrCreateConversation finds the conversation of the integration and
// channel whose tags match (see rtDiscriminate), or creates it with these
// tags and properties; true when it created it.
func (st *state) rtGetOrCreateConversation(b *botState, channel, integration string, tags map[string]string, by []string, properties map[string]string) (gen.Conversation, bool) {
	if want, ok := rtDiscriminate(tags, by); ok {
		if c, found := b.conversations.find(func(c gen.Conversation) bool {
			return c.Channel == channel && c.Integration == integration && matchTags(c.Tags, want)
		}); found {
			return c, false
		}
	}
	return st.rtNewConversation(b, channel, integration, tags, properties), true
}

// rtDiscriminate returns the tags a get-or-create matches on (see
// discriminate), and false when there are none: a get-or-create without
// any tag to tell resources apart creates a new one rather than return
// whichever came first.
func rtDiscriminate(tags map[string]string, by []string) (map[string]string, bool) {
	want := discriminate(tags, by)
	return want, len(want) > 0
}

func (h *server) GetConversation(ctx context.Context, req gen.GetConversationRequestObject) (gen.GetConversationResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	c, ok := st.bot(botOf(ctx)).conversations.get(req.ID)
	if !ok {
		return nil, notFound("conversation", req.ID)
	}
	return gen.GetConversation200JSONResponse{Conversation: c}, nil
}

func (h *server) ListConversations(ctx context.Context, req gen.ListConversationsRequestObject) (gen.ListConversationsResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	p := req.Params
	tags := req.Params.Tags
	recs := b.conversations.filter(func(c gen.Conversation) bool {
		if p.IntegrationName != nil && *p.IntegrationName != "" && c.Integration != *p.IntegrationName {
			return false
		}
		if p.Channel != nil && *p.Channel != "" && c.Channel != *p.Channel {
			return false
		}
		for _, u := range p.ParticipantIDs {
			if !b.rtIsParticipant(c.ID, u) {
				return false
			}
		}
		if (p.MinMessageCount != nil && c.MessageCount < *p.MinMessageCount) ||
			(p.MaxMessageCount != nil && c.MessageCount > *p.MaxMessageCount) {
			return false
		}
		return matchTags(c.Tags, tags) && inRange(c.CreatedAt, p.AfterDate, p.BeforeDate)
	})
	if p.SortField != nil && *p.SortField == gen.DateFieldUpdatedAt {
		recs = sortedBy(recs, func(c gen.Conversation) time.Time { return c.UpdatedAt })
	}
	// Newest first unless asked otherwise.
	desc := p.SortDirection == nil || *p.SortDirection != gen.SortDirectionAsc
	convs, next, err := paginate(recs, p.NextToken, st.pageSizeOf(p.PageSize), desc)
	if err != nil {
		return nil, err
	}
	return gen.ListConversations200JSONResponse{Conversations: convs, Meta: gen.PageMeta{NextToken: next}}, nil
}

func (h *server) GetOrCreateConversation(ctx context.Context, req gen.GetOrCreateConversationRequestObject) (gen.GetOrCreateConversationResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	integration := rtIntegration(req.Body.IntegrationName, req.Params.XIntegrationAlias, req.Params.XIntegrationID)
	c, created := st.rtGetOrCreateConversation(b, req.Body.Channel, integration, rtStrings(req.Body.Tags),
		req.Body.DiscriminateByTags, rtStrings(req.Body.Properties))
	return gen.GetOrCreateConversation200JSONResponse{Conversation: c, Meta: gen.GetOrCreateMeta{Created: created}}, nil
}

func (h *server) UpdateConversation(ctx context.Context, req gen.UpdateConversationRequestObject) (gen.UpdateConversationResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	c, ok := b.conversations.get(req.ID)
	if !ok {
		return nil, notFound("conversation", req.ID)
	}
	if t := req.Body.CurrentTaskID; t != nil {
		if _, ok := b.tasks.get(*t); !ok {
			return nil, notFound("task", *t)
		}
		c.CurrentTaskID = ptr(*t)
	}
	c.Tags = mergeTags(c.Tags, rtStrings(req.Body.Tags))
	c.Properties = rtFields(c.Properties, rtStrings(req.Body.Properties))
	c.UpdatedAt = st.now().UTC()
	b.conversations.put(c.ID, c)
	return gen.UpdateConversation200JSONResponse{Conversation: c}, nil
}

func (h *server) DeleteConversation(ctx context.Context, req gen.DeleteConversationRequestObject) (gen.DeleteConversationResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	if !st.rtDeleteConversation(st.bot(botOf(ctx)), req.ID) {
		return nil, notFound("conversation", req.ID)
	}
	return gen.DeleteConversation200JSONResponse{}, nil
}

// rtDeleteConversation removes a conversation with its messages,
// participants and states; the Chat API forgets its ID and ends its streams.
func (st *state) rtDeleteConversation(b *botState, id string) bool {
	if !b.conversations.remove(id) {
		return false
	}
	for _, r := range b.messages.filter(func(m gen.Message) bool { return m.ConversationID == id }) {
		b.messages.remove(r.v.ID)
	}
	delete(b.participants, id)
	b.rtRemoveStates(gen.StateTypeConversation, id)
	if b.id == st.srv.BotID {
		st.chat.convs.forget(id)
		st.srv.chatHub.end(func(s *chatStream) bool { return s.conv == id })
	}
	return true
}

// rtIsParticipant reports whether a user takes part in a conversation.
func (b *botState) rtIsParticipant(conv, user string) bool {
	p := b.participants[conv]
	if p == nil {
		return false
	}
	_, ok := p.get(user)
	return ok
}

func (h *server) ListParticipants(ctx context.Context, req gen.ListParticipantsRequestObject) (gen.ListParticipantsResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	if _, ok := b.conversations.get(req.ID); !ok {
		return nil, notFound("conversation", req.ID)
	}
	var recs []*record[gen.User]
	if p := b.participants[req.ID]; p != nil {
		for _, r := range p.filter(nil) {
			if u, ok := b.users.get(r.v); ok {
				recs = append(recs, &record[gen.User]{seq: r.seq, v: u})
			}
		}
	}
	users, next, err := paginate(recs, req.Params.NextToken, st.pageSizeOf(req.Params.PageSize), false)
	if err != nil {
		return nil, err
	}
	return gen.ListParticipants200JSONResponse{Participants: users, Meta: gen.PageMeta{NextToken: next}}, nil
}

func (h *server) AddParticipant(ctx context.Context, req gen.AddParticipantRequestObject) (gen.AddParticipantResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	if _, ok := b.conversations.get(req.ID); !ok {
		return nil, notFound("conversation", req.ID)
	}
	u, ok := b.users.get(req.Body.UserID)
	if !ok {
		return nil, notFound("user", req.Body.UserID)
	}
	b.addParticipant(st, req.ID, u.ID)
	return gen.AddParticipant200JSONResponse{Participant: u}, nil
}

func (h *server) GetParticipant(ctx context.Context, req gen.GetParticipantRequestObject) (gen.GetParticipantResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	if _, ok := b.conversations.get(req.ID); !ok {
		return nil, notFound("conversation", req.ID)
	}
	u, ok := b.users.get(req.UserID)
	if !ok || !b.rtIsParticipant(req.ID, req.UserID) {
		return nil, notFound("participant", req.UserID)
	}
	return gen.GetParticipant200JSONResponse{Participant: u}, nil
}

func (h *server) RemoveParticipant(ctx context.Context, req gen.RemoveParticipantRequestObject) (gen.RemoveParticipantResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	if _, ok := b.conversations.get(req.ID); !ok {
		return nil, notFound("conversation", req.ID)
	}
	p := b.participants[req.ID]
	if p == nil || !p.remove(req.UserID) {
		return nil, notFound("participant", req.UserID)
	}
	return gen.RemoveParticipant200JSONResponse{}, nil
}
