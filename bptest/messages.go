package bptest

import (
	"context"
	"encoding/json"
	"time"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
	"github.com/botpress-go/sdk/message"
)

// Messages: create (the author becomes a participant), get-or-create
// (within the conversation, by tags or the tags named in
// discriminateByTags; a payload is needed only to create), get, update
// (tags merged, null or "" removing a key; payload replaced), list
// (newest first; by conversation, tags, dates), delete, import, and
// initializeIncomingMessage (user, conversation and message in one call).
// Every message stored or removed goes through rtStoreMessage or
// rtDropMessage, which keep the conversation's messageCount.
//
// Payloads of a standard type are checked against api/messages.yaml before
// the handlers run (payloads.go), except updateMessage's, whose type is the
// stored message's: its handler checks it. They are stored as JSON.
//
// A message is incoming when an integration creates it (the call carries
// x-integration-id or x-integration-alias) and outgoing when the bot does;
// initializeIncomingMessage and importMessages make incoming messages. An
// outgoing message in a conversation of the Chat integration is signalled
// to the conversation's Chat API listeners (chat_bot.go).

func (h *server) CreateMessage(ctx context.Context, req gen.CreateMessageRequestObject) (gen.CreateMessageResponseObject, error) {
	body := req.Body
	if body == nil {
		return nil, invalidPayload("a body is required")
	}
	payload, err := rtRaw(body.Payload)
	if err != nil {
		return nil, err
	}
	if body.Schedule != nil {
		if err := rtCheckSchedule(body.Schedule.DateTime, body.Schedule.Delay); err != nil {
			return nil, err
		}
	}
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	if err := b.rtCheckAuthor(body.ConversationID, body.UserID); err != nil {
		return nil, err
	}
	m := st.rtNewMessage(b, rtMessage{
		conv: body.ConversationID, user: body.UserID, typ: body.Type, payload: payload, tags: body.Tags,
		origin:    (*gen.MessageOrigin)(body.Origin),
		direction: rtDirection(req.Params.XIntegrationID, req.Params.XIntegrationAlias),
	})
	st.chatBotMessage(b, m)
	return gen.CreateMessage201JSONResponse{Message: m}, nil
}

// rtMessage is what a new message is made of.
type rtMessage struct {
	conv, user, typ string
	payload         message.Raw
	tags            map[string]string
	origin          *gen.MessageOrigin
	direction       gen.MessageDirection
	createdAt       time.Time // zero for now
}

// rtNewMessage stores a message whose conversation and user exist, and
// makes its author a participant of the conversation.
func (st *state) rtNewMessage(b *botState, in rtMessage) gen.Message {
	id, seq := st.ids.next("msg")
	now := st.now().UTC()
	created := now
	if !in.createdAt.IsZero() {
		created = in.createdAt.UTC()
	}
	payload := in.payload
	if payload == nil {
		payload = message.Raw("{}")
	}
	m := gen.Message{
		ID: id, CreatedAt: created, UpdatedAt: now,
		ConversationID: in.conv, UserID: in.user, Type: in.typ, Payload: payload,
		Tags: mergeTags(nil, in.tags), Origin: in.origin, Direction: in.direction,
	}
	b.rtStoreMessage(id, seq, m)
	b.addParticipant(st, in.conv, in.user)
	return m
}

// rtStoreMessage adds a message to its conversation's messages and count.
func (b *botState) rtStoreMessage(id string, seq int64, m gen.Message) {
	b.messages.add(id, seq, m)
	b.rtCountMessages(m.ConversationID, 1)
}

// rtDropMessage removes a message, and from its conversation's count.
func (b *botState) rtDropMessage(id string) bool {
	m, ok := b.messages.get(id)
	if !ok || !b.messages.remove(id) {
		return false
	}
	b.rtCountMessages(m.ConversationID, -1)
	return true
}

// rtCountMessages changes a conversation's messageCount by delta. It does
// not change updatedAt.
func (b *botState) rtCountMessages(conv string, delta int) {
	if c, ok := b.conversations.get(conv); ok {
		c.MessageCount = max(0, c.MessageCount+delta)
		b.conversations.put(conv, c)
	}
}

// rtRaw is the JSON of a payload as a message stores it: nil for none.
func rtRaw(p message.Payload) (message.Raw, *apiError) {
	if p == nil {
		return nil, nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, invalidPayload("payload: %v", err)
	}
	return b, nil
}

// rtCheckAuthor checks that the conversation and the user of a message exist.
func (b *botState) rtCheckAuthor(conv, user string) *apiError {
	if _, ok := b.conversations.get(conv); !ok {
		return notFound("conversation", conv)
	}
	if _, ok := b.users.get(user); !ok {
		return notFound("user", user)
	}
	return nil
}

// rtDirection tells an integration's message (incoming) from the bot's (outgoing).
func rtDirection(integrationID, alias *string) gen.MessageDirection {
	if (integrationID != nil && *integrationID != "") || (alias != nil && *alias != "") {
		return gen.MessageDirectionIncoming
	}
	return gen.MessageDirectionOutgoing
}

// rtCheckSchedule checks a schedule: a date-time in ISO 8601, or a delay
// in milliseconds that is not negative.
func rtCheckSchedule(dateTime *string, delay *float64) error {
	if dateTime != nil {
		if _, err := time.Parse(time.RFC3339, *dateTime); err != nil {
			return invalidPayload("schedule.dateTime %q is not an ISO 8601 date-time", *dateTime)
		}
	}
	if delay != nil && *delay < 0 {
		return invalidPayload("schedule.delay must not be negative, got %v", *delay)
	}
	return nil
}

// rtFindMessage finds the message of a conversation whose tags match (see
// rtDiscriminate).
func (b *botState) rtFindMessage(conv string, tags map[string]string, by []string) (gen.Message, bool) {
	want, ok := rtDiscriminate(tags, by)
	if !ok {
		return gen.Message{}, false
	}
	return b.messages.find(func(m gen.Message) bool { return m.ConversationID == conv && matchTags(m.Tags, want) })
}

func (h *server) GetOrCreateMessage(ctx context.Context, req gen.GetOrCreateMessageRequestObject) (gen.GetOrCreateMessageResponseObject, error) {
	body := req.Body
	if body == nil {
		return nil, invalidPayload("a body is required")
	}
	payload, err := rtRaw(body.Payload)
	if err != nil {
		return nil, err
	}
	if body.Schedule != nil {
		if err := rtCheckSchedule(body.Schedule.DateTime, body.Schedule.Delay); err != nil {
			return nil, err
		}
	}
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	if err := b.rtCheckAuthor(body.ConversationID, body.UserID); err != nil {
		return nil, err
	}
	tags := rtStrings(body.Tags)
	if m, ok := b.rtFindMessage(body.ConversationID, tags, body.DiscriminateByTags); ok {
		return gen.GetOrCreateMessage200JSONResponse{Message: m, Meta: gen.GetOrCreateMeta{Created: false}}, nil
	}
	if payload == nil {
		return nil, invalidPayload("payload is required to create a message (no message of the conversation matches the tags)")
	}
	m := st.rtNewMessage(b, rtMessage{
		conv: body.ConversationID, user: body.UserID, typ: body.Type, payload: payload, tags: tags,
		origin:    (*gen.MessageOrigin)(body.Origin),
		direction: rtDirection(req.Params.XIntegrationID, req.Params.XIntegrationAlias),
	})
	st.chatBotMessage(b, m)
	return gen.GetOrCreateMessage200JSONResponse{Message: m, Meta: gen.GetOrCreateMeta{Created: true}}, nil
}

func (h *server) GetMessage(ctx context.Context, req gen.GetMessageRequestObject) (gen.GetMessageResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	m, ok := st.bot(botOf(ctx)).messages.get(req.ID)
	if !ok {
		return nil, notFound("message", req.ID)
	}
	return gen.GetMessage200JSONResponse{Message: m}, nil
}

func (h *server) UpdateMessage(ctx context.Context, req gen.UpdateMessageRequestObject) (gen.UpdateMessageResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	m, ok := b.messages.get(req.ID)
	if !ok {
		return nil, notFound("message", req.ID)
	}
	// The payload comes without its type (as a *message.Unknown): it is
	// the stored message's.
	payload, err := rtRaw(req.Body.Payload)
	if err != nil {
		return nil, err
	}
	if payload != nil {
		if err := h.s.spec.payloads.checkRaw(m.Type, payload, "payload"); err != nil {
			return nil, err
		}
		m.Payload = payload
	}
	m.Tags = mergeTags(m.Tags, rtStrings(req.Body.Tags))
	m.UpdatedAt = st.now().UTC()
	b.messages.put(m.ID, m)
	return gen.UpdateMessage200JSONResponse{Message: m}, nil
}

func (h *server) ListMessages(ctx context.Context, req gen.ListMessagesRequestObject) (gen.ListMessagesResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	p := req.Params
	if p.ConversationID != nil && *p.ConversationID != "" {
		if _, ok := b.conversations.get(*p.ConversationID); !ok {
			return nil, notFound("conversation", *p.ConversationID)
		}
	}
	tags := req.Params.Tags
	recs := b.messages.filter(func(m gen.Message) bool {
		if p.ConversationID != nil && *p.ConversationID != "" && m.ConversationID != *p.ConversationID {
			return false
		}
		return matchTags(m.Tags, tags) && inRange(m.CreatedAt, p.AfterDate, p.BeforeDate)
	})
	// By creation date (imported messages carry their own), newest first.
	recs = sortedBy(recs, func(m gen.Message) time.Time { return m.CreatedAt })
	msgs, next, err := paginate(recs, p.NextToken, st.pageSizeOf(p.PageSize), true)
	if err != nil {
		return nil, err
	}
	return gen.ListMessages200JSONResponse{Messages: msgs, Meta: gen.PageMeta{NextToken: next}}, nil
}

func (h *server) DeleteMessage(ctx context.Context, req gen.DeleteMessageRequestObject) (gen.DeleteMessageResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	if !st.bot(botOf(ctx)).rtDropMessage(req.ID) {
		return nil, notFound("message", req.ID)
	}
	return gen.DeleteMessage200JSONResponse{}, nil
}

func (h *server) ImportMessages(ctx context.Context, req gen.ImportMessagesRequestObject) (gen.ImportMessagesResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))
	// All or nothing: check every message before storing any.
	payloads := make([]message.Raw, len(req.Body.Messages))
	for i, in := range req.Body.Messages {
		if err := b.rtCheckAuthor(in.ConversationID, in.UserID); err != nil {
			return nil, errorf(err.status, err.typ, "messages[%d]: %s", i, err.msg)
		}
		p, err := rtRaw(in.Payload)
		if err != nil {
			return nil, errorf(err.status, err.typ, "messages[%d]: %s", i, err.msg)
		}
		payloads[i] = p
	}
	out := make([]gen.Message, 0, len(req.Body.Messages))
	for i, in := range req.Body.Messages {
		if m, ok := b.rtFindMessage(in.ConversationID, in.Tags, in.DiscriminateByTags); ok {
			out = append(out, m)
			continue
		}
		out = append(out, st.rtNewMessage(b, rtMessage{
			conv: in.ConversationID, user: in.UserID, typ: in.Type, payload: payloads[i], tags: in.Tags,
			direction: gen.MessageDirectionIncoming, createdAt: in.CreatedAt,
		}))
	}
	return gen.ImportMessages200JSONResponse{Messages: out}, nil
}

func (h *server) InitializeIncomingMessage(ctx context.Context, req gen.InitializeIncomingMessageRequestObject) (gen.InitializeIncomingMessageResponseObject, error) {
	body := req.Body
	if body == nil {
		return nil, invalidPayload("a body is required")
	}
	if (body.UserID == nil) == (body.User == nil) {
		return nil, invalidPayload("give exactly one of userId and user")
	}
	if (body.ConversationID == nil) == (body.Conversation == nil) {
		return nil, invalidPayload("give exactly one of conversationId and conversation")
	}
	var payload message.Raw
	if body.Message != nil {
		p, err := rtRaw(body.Message.Payload)
		if err != nil {
			return nil, err
		}
		payload = p
	}
	st, unlock := h.lock()
	defer unlock()
	b := st.bot(botOf(ctx))

	// Check the IDs given before creating anything.
	var user gen.User
	var conv gen.Conversation
	if body.UserID != nil {
		u, ok := b.users.get(*body.UserID)
		if !ok {
			return nil, notFound("user", *body.UserID)
		}
		user = u
	}
	if body.ConversationID != nil {
		c, ok := b.conversations.get(*body.ConversationID)
		if !ok {
			return nil, notFound("conversation", *body.ConversationID)
		}
		conv = c
	}

	if u := body.User; u != nil {
		want, ok := rtDiscriminate(u.Tags, u.DiscriminateByTags)
		found := false
		if ok {
			user, found = b.users.find(func(x gen.User) bool { return matchTags(x.Tags, want) })
		}
		if !found {
			user = st.newUser(b, rtUser{
				tags: u.Tags, name: u.Name, picture: u.PictureURL, properties: u.Properties, attributes: u.Attributes,
			})
		}
	}
	if c := body.Conversation; c != nil {
		integration := rtIntegration(c.IntegrationName, req.Params.XIntegrationAlias, req.Params.XIntegrationID)
		conv, _ = st.rtGetOrCreateConversation(b, c.Channel, integration, c.Tags, c.DiscriminateByTags, c.Properties)
	}
	b.addParticipant(st, conv.ID, user.ID)

	resp := gen.InitializeIncomingMessage200JSONResponse{User: user}
	if in := body.Message; in != nil {
		m, ok := b.rtFindMessage(conv.ID, in.Tags, in.DiscriminateByTags)
		if !ok {
			m = st.rtNewMessage(b, rtMessage{
				conv: conv.ID, user: user.ID, typ: in.Type, payload: payload, tags: in.Tags,
				origin: (*gen.MessageOrigin)(in.Origin), direction: gen.MessageDirectionIncoming,
			})
		}
		resp.Message = &m
	}
	// As stored now, with the message counted.
	resp.Conversation, _ = b.conversations.get(conv.ID)
	return resp, nil
}
