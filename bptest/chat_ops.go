package bptest

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// The Chat API's operations, on the state of the server's first bot, as
// Botpress's Chat integration implements them over the runtime API:
//
//   - A Chat user is a runtime user; its profile is the user's tag
//     "profile". A Chat conversation is a runtime conversation of the
//     integration "chat" on its channel "channel", tagged "owner" (the
//     runtime ID of the user who made it), with its owner as participant.
//   - IDs: a user or conversation made with an ID of the caller's choosing
//     (createUser's id, a user key's id at getOrCreateUser, createConversation's
//     and getOrCreateConversation's id) keeps that ID in the Chat API and gets a
//     runtime ID of its own; createUser and createConversation also copy it to
//     the tag "fid". Anything else has the same ID in both APIs, and an ID the
//     server has not mapped is taken as a runtime ID.
//   - A message sent through the Chat API is a runtime message of the user
//     (incoming, as the integration creates it), whose type is the one inside
//     the Chat payload and whose runtime payload is the rest, metadata
//     included; a message of the bot (created through the runtime API, or by
//     OnMessage's script) is seen through the Chat API with its type moved into
//     its payload. Messages of a type the Chat API does not carry (a custom
//     type, or a bloc holding one) are left out of its lists.
//   - A custom event is a runtime event of type "custom" whose payload is
//     {userId, conversationId, payload}.
//   - Who may do what: a participant of a conversation may read it, list its
//     messages and participants, listen to it and send to it; only its owner
//     may delete it and add, get or remove participants (403 Forbidden); only
//     the sender may delete a message; the owner cannot be removed (400).
//
// Signals go to every listener of the conversation (listenConversation).

// Tags the Chat integration puts on runtime resources.
const (
	chatTagOwner   = "owner"
	chatTagFid     = "fid"
	chatTagProfile = "profile"
	// chatIntegration and chatChannel are where Chat conversations live.
	chatIntegration = "chat"
	chatChannel     = "channel"
)

// chatState maps the IDs of the Chat API to the runtime's (see above).
type chatState struct {
	users, convs fidMap
}

func newChatState() *chatState {
	return &chatState{users: newFidMap(), convs: newFidMap()}
}

// fidMap maps IDs chosen by Chat API callers (fids) to runtime IDs, both ways.
type fidMap struct{ byFid, byID map[string]string }

func newFidMap() fidMap { return fidMap{byFid: map[string]string{}, byID: map[string]string{}} }

// find returns the runtime ID of a fid, if it has one.
func (m fidMap) find(fid string) (string, bool) { id, ok := m.byFid[fid]; return id, ok }

// get returns the runtime ID of a Chat ID: its mapping, or the ID itself.
func (m fidMap) get(fid string) string {
	if id, ok := m.byFid[fid]; ok {
		return id
	}
	return fid
}

// fidOf returns the Chat ID of a runtime ID: its fid, or the ID itself.
func (m fidMap) fidOf(id string) string {
	if fid, ok := m.byID[id]; ok {
		return fid
	}
	return id
}

func (m fidMap) set(fid, id string) { m.byFid[fid], m.byID[id] = id, fid }

// forget removes the mapping of a runtime ID.
func (m fidMap) forget(id string) {
	if fid, ok := m.byID[id]; ok {
		delete(m.byFid, fid)
		delete(m.byID, id)
	}
}

// fidPattern is what an ID of the caller's choosing may hold, as the Chat
// integration checks it: at most 70 letters, digits, _, -, \ and /.
var fidPattern = regexp.MustCompile(`^[a-zA-Z0-9_\-\\/]{1,70}$`)

func checkFid(kind, fid string) *apiError {
	if len(fid) > 70 {
		return invalidPayload("%s ID %q is longer than 70 characters", kind, fid)
	}
	if !fidPattern.MatchString(fid) {
		return invalidPayload("%s ID %q may hold only letters, digits, _, -, \\ and /", kind, fid)
	}
	return nil
}

func forbidden(format string, args ...any) *apiError {
	return errorf(http.StatusForbidden, "Forbidden", format, args...)
}

// chatHandler returns the handler of a Chat operation, or nil.
func (s *Server) chatHandler(op string) chatHandler {
	switch op {
	case "createUser":
		return s.chatCreateUser
	case "getUser":
		return s.chatGetUser
	case "getOrCreateUser":
		return s.chatGetOrCreateUser
	case "updateUser":
		return s.chatUpdateUser
	case "deleteUser":
		return s.chatDeleteUser
	case "createConversation":
		return s.chatCreateConversation
	case "getConversation":
		return s.chatGetConversation
	case "getOrCreateConversation":
		return s.chatGetOrCreateConversation
	case "deleteConversation":
		return s.chatDeleteConversation
	case "listConversations":
		return s.chatListConversations
	case "listenConversation":
		return s.chatListen
	case "listMessages":
		return s.chatListMessages
	case "addParticipant":
		return s.chatAddParticipant
	case "getParticipant":
		return s.chatGetParticipant
	case "removeParticipant":
		return s.chatRemoveParticipant
	case "listParticipants":
		return s.chatListParticipants
	case "createMessage":
		return s.chatCreateMessage
	case "getMessage":
		return s.chatGetMessage
	case "deleteMessage":
		return s.chatDeleteMessage
	case "createEvent":
		return s.chatCreateEvent
	case "getEvent":
		return s.chatGetEvent
	}
	return nil
}

// chatTx is a Chat operation's view of the state, under the server's lock.
type chatTx struct {
	st *state
	b  *botState
	cs *chatState
}

// chatLock takes the server's lock for a Chat operation; call the returned
// function to release it. It fails when the Chat integration's bot is gone.
func (s *Server) chatLock() (chatTx, func(), error) {
	s.mu.Lock()
	b := s.state.bots[s.BotID]
	if b == nil {
		s.mu.Unlock()
		return chatTx{}, nil, notFound("bot", s.BotID)
	}
	return chatTx{st: s.state, b: b, cs: s.state.chat}, s.mu.Unlock, nil
}

// user returns the runtime user a Chat user ID names.
func (tx chatTx) user(fid string) (gen.User, error) {
	u, ok := tx.b.users.get(tx.cs.users.get(fid))
	if !ok {
		return gen.User{}, notFound("user", fid)
	}
	return u, nil
}

// conversation returns the runtime conversation a Chat conversation ID names.
func (tx chatTx) conversation(fid string) (gen.Conversation, error) {
	c, ok := tx.b.conversations.get(tx.cs.convs.get(fid))
	if !ok {
		return gen.Conversation{}, notFound("conversation", fid)
	}
	return c, nil
}

// asParticipant returns the caller and a conversation they take part in.
func (tx chatTx) asParticipant(caller, convFid, what string) (gen.User, gen.Conversation, error) {
	u, err := tx.user(caller)
	if err != nil {
		return u, gen.Conversation{}, err
	}
	c, err := tx.conversation(convFid)
	if err != nil {
		return u, c, err
	}
	if !tx.b.rtIsParticipant(c.ID, u.ID) {
		return u, c, forbidden("you are not a participant of %s conversation", what)
	}
	return u, c, nil
}

// asOwner returns the caller and a conversation they own.
func (tx chatTx) asOwner(caller, convFid string) (gen.User, gen.Conversation, error) {
	u, err := tx.user(caller)
	if err != nil {
		return u, gen.Conversation{}, err
	}
	c, err := tx.conversation(convFid)
	if err != nil {
		return u, c, err
	}
	if c.Tags[chatTagOwner] != u.ID {
		return u, c, forbidden("you are not the owner of this conversation")
	}
	return u, c, nil
}

// chatUser is a runtime user as the Chat API shows it.
func (cs *chatState) chatUser(u gen.User) chatgen.User {
	out := chatgen.User{
		ID: cs.users.fidOf(u.ID), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
		Name: u.Name, PictureURL: u.PictureURL,
	}
	if p, ok := u.Tags[chatTagProfile]; ok {
		out.Profile = &p
	}
	return out
}

// chatConversation is a runtime conversation as the Chat API shows it.
func (cs *chatState) chatConversation(c gen.Conversation) chatgen.Conversation {
	return chatgen.Conversation{ID: cs.convs.fidOf(c.ID), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// chatMessage is a runtime message as the Chat API shows it, and false for
// a message of a type the Chat API does not carry.
func (cs *chatState) chatMessage(m gen.Message) (chatgen.Message, bool) {
	p, ok := chatPayload(m.Type, m.Payload)
	if !ok {
		return chatgen.Message{}, false
	}
	out := chatgen.Message{
		ID: m.ID, CreatedAt: m.CreatedAt, Payload: p,
		UserID: cs.users.fidOf(m.UserID), ConversationID: cs.convs.fidOf(m.ConversationID),
	}
	var extra struct {
		Metadata map[string]any `json:"metadata"`
	}
	if json.Unmarshal(m.Payload, &extra) == nil && extra.Metadata != nil {
		md := chatgen.MessageMetadata(extra.Metadata)
		out.Metadata = &md
	}
	return out, true
}

// chatBlocTypes are the types a bloc of the Chat API may hold.
var chatBlocTypes = []string{
	message.TypeText, message.TypeMarkdown, message.TypeImage, message.TypeAudio,
	message.TypeVideo, message.TypeFile, message.TypeLocation,
}

// chatPayload reads a runtime payload as the Chat API carries it: one of
// the standard types, a bloc of simple ones.
func chatPayload(typ string, raw message.Raw) (message.Payload, bool) {
	p, err := message.Decode(typ, raw)
	if err != nil {
		return nil, false
	}
	switch v := p.(type) {
	case *message.Unknown:
		return nil, false
	case *message.BlocPayload:
		for _, it := range v.Items {
			if it.Payload == nil || !slices.Contains(chatBlocTypes, it.Payload.MessageType()) {
				return nil, false
			}
			if _, unknown := it.Payload.(*message.Unknown); unknown {
				return nil, false
			}
		}
	}
	return p, true
}

// runtimePayload writes a Chat payload in the runtime's form, with the
// message's metadata inside as the Chat integration stores it.
func runtimePayload(p message.Payload, metadata *chatgen.MessageMetadata) (message.Raw, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, invalidPayload("payload: %v", err)
	}
	if metadata == nil {
		return raw, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, invalidPayload("payload: %v", err)
	}
	md, err := json.Marshal(*metadata)
	if err != nil {
		return nil, invalidPayload("metadata: %v", err)
	}
	fields["metadata"] = md
	return json.Marshal(fields)
}

// Users.

func (s *Server) chatCreateUser(_ context.Context, c *chatCall) (int, any, error) {
	if s.settings.chatOwnKey {
		return 0, nil, errorf(http.StatusUnauthorized, "Unauthorized",
			"createUser works only when the Chat integration issues the user keys; with your own encryption key, sign the user's key and call getOrCreateUser")
	}
	var body chatgen.CreateUserBody
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	tags := map[string]string{}
	if body.ID != nil {
		if err := checkFid("user", *body.ID); err != nil {
			return 0, nil, err
		}
		if _, taken := tx.cs.users.find(*body.ID); taken {
			return 0, nil, alreadyExists("user", *body.ID)
		}
		tags[chatTagFid] = *body.ID
	}
	if body.Profile != nil {
		tags[chatTagProfile] = *body.Profile
	}
	u := tx.st.newUser(tx.b, rtUser{tags: tags, name: body.Name, picture: body.PictureURL})
	fid := u.ID
	if body.ID != nil {
		fid = *body.ID
	}
	tx.cs.users.set(fid, u.ID)
	key := signUserKey(s.settings.chatKey, fid, tx.st.now())
	return http.StatusCreated, chatgen.CreateUserResponse{User: tx.cs.chatUser(u), Key: key}, nil
}

func (s *Server) chatGetUser(_ context.Context, c *chatCall) (int, any, error) {
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	u, err := tx.user(c.user)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, chatgen.GetUserResponse{User: tx.cs.chatUser(u)}, nil
}

// applyUserInput sets what a Chat user sent about themselves.
func (tx chatTx) applyUserInput(u gen.User, in chatgen.UserInput) gen.User {
	if in.Name != nil {
		u.Name = ptr(*in.Name)
	}
	if in.PictureURL != nil {
		u.PictureURL = ptr(*in.PictureURL)
	}
	if in.Profile != nil {
		u.Tags = mergeTags(u.Tags, map[string]string{chatTagProfile: *in.Profile})
	}
	u.UpdatedAt = tx.st.now().UTC()
	tx.b.users.put(u.ID, u)
	return u
}

func (s *Server) chatGetOrCreateUser(_ context.Context, c *chatCall) (int, any, error) {
	var body chatgen.UserInput
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	// The key's ID: a mapped fid, or a runtime user's ID.
	if u, err := tx.user(c.user); err == nil {
		u = tx.applyUserInput(u, body)
		return http.StatusCreated, chatgen.GetOrCreateUserResponse{User: tx.cs.chatUser(u)}, nil
	}
	if err := checkFid("user", c.user); err != nil {
		return 0, nil, err
	}
	tx.cs.users.forget(tx.cs.users.get(c.user)) // a user deleted through the runtime API
	tags := map[string]string{}
	if body.Profile != nil {
		tags[chatTagProfile] = *body.Profile
	}
	u := tx.st.newUser(tx.b, rtUser{tags: tags, name: body.Name, picture: body.PictureURL})
	tx.cs.users.set(c.user, u.ID)
	return http.StatusCreated, chatgen.GetOrCreateUserResponse{User: tx.cs.chatUser(u)}, nil
}

func (s *Server) chatUpdateUser(_ context.Context, c *chatCall) (int, any, error) {
	var body chatgen.UserInput
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	u, err := tx.user(c.user)
	if err != nil {
		return 0, nil, err
	}
	u = tx.applyUserInput(u, body)
	return http.StatusOK, chatgen.UpdateUserResponse{User: tx.cs.chatUser(u)}, nil
}

func (s *Server) chatDeleteUser(_ context.Context, c *chatCall) (int, any, error) {
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	u, err := tx.user(c.user)
	if err != nil {
		return 0, nil, err
	}
	tx.st.rtDeleteUser(tx.b, u.ID)
	return http.StatusOK, chatgen.EmptyResponse{}, nil
}

// Conversations.

func (s *Server) chatCreateConversation(_ context.Context, c *chatCall) (int, any, error) {
	var body chatgen.CreateConversationBody
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	u, err := tx.user(c.user)
	if err != nil {
		return 0, nil, err
	}
	tags := map[string]string{chatTagOwner: u.ID}
	if body.ID != nil {
		if err := checkFid("conversation", *body.ID); err != nil {
			return 0, nil, err
		}
		if _, taken := tx.cs.convs.find(*body.ID); taken {
			return 0, nil, alreadyExists("conversation", *body.ID)
		}
		tags[chatTagFid] = *body.ID
	}
	conv := tx.st.rtNewConversation(tx.b, chatChannel, chatIntegration, tags, nil)
	tx.b.addParticipant(tx.st, conv.ID, u.ID)
	if body.ID != nil {
		tx.cs.convs.set(*body.ID, conv.ID)
	}
	return http.StatusCreated, chatgen.CreateConversationResponse{Conversation: tx.cs.chatConversation(conv)}, nil
}

func (s *Server) chatGetConversation(_ context.Context, c *chatCall) (int, any, error) {
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	_, conv, err := tx.asParticipant(c.user, c.params["id"], "this")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, chatgen.GetConversationResponse{Conversation: tx.cs.chatConversation(conv)}, nil
}

func (s *Server) chatGetOrCreateConversation(_ context.Context, c *chatCall) (int, any, error) {
	var body chatgen.GetOrCreateConversationBody
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	u, err := tx.user(c.user)
	if err != nil {
		return 0, nil, err
	}
	// Only IDs of the caller's choosing are looked up, as the integration does.
	if id, ok := tx.cs.convs.find(body.ID); ok {
		if conv, ok := tx.b.conversations.get(id); ok {
			if conv.Tags[chatTagOwner] != u.ID {
				return 0, nil, forbidden("you are not the owner of this conversation")
			}
			return http.StatusCreated, chatgen.GetOrCreateConversationResponse{Conversation: tx.cs.chatConversation(conv)}, nil
		}
		tx.cs.convs.forget(id) // deleted through the runtime API
	}
	if err := checkFid("conversation", body.ID); err != nil {
		return 0, nil, err
	}
	conv := tx.st.rtNewConversation(tx.b, chatChannel, chatIntegration, map[string]string{chatTagOwner: u.ID}, nil)
	tx.b.addParticipant(tx.st, conv.ID, u.ID)
	tx.cs.convs.set(body.ID, conv.ID)
	return http.StatusCreated, chatgen.GetOrCreateConversationResponse{Conversation: tx.cs.chatConversation(conv)}, nil
}

func (s *Server) chatDeleteConversation(_ context.Context, c *chatCall) (int, any, error) {
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	_, conv, err := tx.asOwner(c.user, c.params["id"])
	if err != nil {
		return 0, nil, err
	}
	tx.st.rtDeleteConversation(tx.b, conv.ID)
	return http.StatusOK, chatgen.EmptyResponse{}, nil
}

func (s *Server) chatListConversations(_ context.Context, c *chatCall) (int, any, error) {
	var next *string
	if v := c.r.URL.Query().Get("nextToken"); v != "" {
		next = &v
	}
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	u, err := tx.user(c.user)
	if err != nil {
		return 0, nil, err
	}
	recs := tx.b.conversations.filter(func(conv gen.Conversation) bool { return conv.Tags[chatTagOwner] == u.ID })
	convs, token, err := paginate(recs, next, tx.st.pageSize(), true)
	if err != nil {
		return 0, nil, err
	}
	out := make([]chatgen.Conversation, 0, len(convs))
	for _, conv := range convs {
		out = append(out, tx.cs.chatConversation(conv))
	}
	return http.StatusOK, chatgen.ListConversationsResponse{Conversations: out, Meta: chatgen.PageMeta{NextToken: token}}, nil
}

// Messages.

func (s *Server) chatListMessages(_ context.Context, c *chatCall) (int, any, error) {
	var next *string
	if v := c.r.URL.Query().Get("nextToken"); v != "" {
		next = &v
	}
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	_, conv, err := tx.asParticipant(c.user, c.params["conversationId"], "this")
	if err != nil {
		return 0, nil, err
	}
	recs := tx.b.messages.filter(func(m gen.Message) bool {
		if m.ConversationID != conv.ID {
			return false
		}
		_, ok := chatPayload(m.Type, m.Payload)
		return ok
	})
	recs = sortedBy(recs, func(m gen.Message) time.Time { return m.CreatedAt })
	msgs, token, err := paginate(recs, next, tx.st.pageSize(), true)
	if err != nil {
		return 0, nil, err
	}
	out := make([]chatgen.Message, 0, len(msgs))
	for _, m := range msgs {
		cm, _ := tx.cs.chatMessage(m)
		out = append(out, cm)
	}
	return http.StatusOK, chatgen.ListMessagesResponse{Messages: out, Meta: chatgen.PageMeta{NextToken: token}}, nil
}

func (s *Server) chatCreateMessage(_ context.Context, c *chatCall) (int, any, error) {
	var body chatgen.CreateMessageBody
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	if body.Payload == nil {
		return 0, nil, invalidPayload("payload is required")
	}
	raw, err := runtimePayload(body.Payload, body.Metadata)
	if err != nil {
		return 0, nil, err
	}
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	u, conv, err := tx.asParticipant(c.user, body.ConversationID, "this message's")
	if err != nil {
		return 0, nil, err
	}
	m := tx.st.rtNewMessage(tx.b, rtMessage{
		conv: conv.ID, user: u.ID, typ: body.Payload.MessageType(), payload: raw,
		direction: gen.MessageDirectionIncoming,
	})
	cm, ok := tx.cs.chatMessage(m)
	if !ok {
		return 0, nil, invalidPayload("the Chat API does not carry %s message", withArticle(m.Type))
	}
	s.chatHub.publish(conv.ID, chatgen.SignalMessageCreated{
		Type: chatgen.SignalMessageCreatedTypeMessageCreated,
		Data: signalMessageData(cm, false),
	})
	s.chatBot.enqueue(IncomingMessage{
		ID: m.ID, ConversationID: cm.ConversationID, UserID: cm.UserID,
		RuntimeConversationID: conv.ID, RuntimeUserID: u.ID,
		Payload: cm.Payload, Metadata: metadataMap(cm.Metadata),
	})
	return http.StatusCreated, chatgen.CreateMessageResponse{Message: cm}, nil
}

// signalMessageData is a message as a message_created signal carries it.
func signalMessageData(m chatgen.Message, isBot bool) chatgen.SignalMessageCreatedData {
	return chatgen.SignalMessageCreatedData{
		ID: m.ID, CreatedAt: m.CreatedAt, Payload: m.Payload, UserID: m.UserID,
		ConversationID: m.ConversationID, Metadata: m.Metadata, IsBot: isBot,
	}
}

func metadataMap(md *chatgen.MessageMetadata) map[string]any {
	if md == nil {
		return nil
	}
	return *md
}

func (s *Server) chatGetMessage(_ context.Context, c *chatCall) (int, any, error) {
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	id := c.params["id"]
	m, ok := tx.b.messages.get(id)
	if !ok {
		return 0, nil, notFound("message", id)
	}
	if _, _, err := tx.asParticipant(c.user, tx.cs.convs.fidOf(m.ConversationID), "this message's"); err != nil {
		return 0, nil, err
	}
	cm, ok := tx.cs.chatMessage(m)
	if !ok {
		return 0, nil, notFound("message", id)
	}
	return http.StatusOK, chatgen.GetMessageResponse{Message: cm}, nil
}

func (s *Server) chatDeleteMessage(_ context.Context, c *chatCall) (int, any, error) {
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	u, err := tx.user(c.user)
	if err != nil {
		return 0, nil, err
	}
	id := c.params["id"]
	m, ok := tx.b.messages.get(id)
	if !ok {
		return 0, nil, notFound("message", id)
	}
	if m.UserID != u.ID {
		return 0, nil, forbidden("you are not the sender of this message")
	}
	tx.b.rtDropMessage(id)
	s.chatHub.publish(m.ConversationID, chatgen.SignalMessageDeleted{
		Type: chatgen.SignalMessageDeletedTypeMessageDeleted,
		Data: chatgen.SignalMessageDeletedData{
			ID: m.ID, ConversationID: tx.cs.convs.fidOf(m.ConversationID), UserID: tx.cs.users.fidOf(m.UserID),
		},
	})
	return http.StatusOK, chatgen.EmptyResponse{}, nil
}

// Participants.

func (s *Server) chatAddParticipant(_ context.Context, c *chatCall) (int, any, error) {
	var body chatgen.AddParticipantBody
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	convFid := c.params["conversationId"]
	_, conv, err := tx.asOwner(c.user, convFid)
	if err != nil {
		return 0, nil, err
	}
	p, err := tx.user(body.UserID)
	if err != nil {
		return 0, nil, err
	}
	tx.b.addParticipant(tx.st, conv.ID, p.ID)
	s.chatHub.publish(conv.ID, chatgen.SignalParticipantAdded{
		Type: chatgen.SignalParticipantAddedTypeParticipantAdded,
		Data: chatgen.SignalParticipantData{ConversationID: convFid, ParticipantID: body.UserID},
	})
	out := tx.cs.chatUser(p)
	out.ID = body.UserID
	return http.StatusOK, chatgen.AddParticipantResponse{Participant: out}, nil
}

func (s *Server) chatGetParticipant(_ context.Context, c *chatCall) (int, any, error) {
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	_, conv, err := tx.asOwner(c.user, c.params["conversationId"])
	if err != nil {
		return 0, nil, err
	}
	pid := c.params["userId"]
	p, err := tx.user(pid)
	if err != nil || !tx.b.rtIsParticipant(conv.ID, p.ID) {
		return 0, nil, notFound("participant", pid)
	}
	out := tx.cs.chatUser(p)
	out.ID = pid
	return http.StatusOK, chatgen.GetParticipantResponse{Participant: out}, nil
}

func (s *Server) chatRemoveParticipant(_ context.Context, c *chatCall) (int, any, error) {
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	convFid, pid := c.params["conversationId"], c.params["userId"]
	owner, conv, err := tx.asOwner(c.user, convFid)
	if err != nil {
		return 0, nil, err
	}
	target := tx.cs.users.get(pid)
	if target == owner.ID {
		return 0, nil, invalidPayload("the owner of a conversation cannot be removed from it")
	}
	p := tx.b.participants[conv.ID]
	if p == nil || !p.remove(target) {
		return 0, nil, notFound("participant", pid)
	}
	// The removed user's streams end first: they do not get the signal.
	s.chatHub.end(func(st *chatStream) bool { return st.conv == conv.ID && st.user == target })
	s.chatHub.publish(conv.ID, chatgen.SignalParticipantRemoved{
		Type: chatgen.SignalParticipantRemovedTypeParticipantRemoved,
		Data: chatgen.SignalParticipantData{ConversationID: convFid, ParticipantID: pid},
	})
	return http.StatusOK, chatgen.EmptyResponse{}, nil
}

func (s *Server) chatListParticipants(_ context.Context, c *chatCall) (int, any, error) {
	var next *string
	if v := c.r.URL.Query().Get("nextToken"); v != "" {
		next = &v
	}
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	_, conv, err := tx.asParticipant(c.user, c.params["conversationId"], "this")
	if err != nil {
		return 0, nil, err
	}
	recs := tx.b.users.filter(func(u gen.User) bool { return tx.b.rtIsParticipant(conv.ID, u.ID) })
	users, token, err := paginate(recs, next, tx.st.pageSize(), false)
	if err != nil {
		return 0, nil, err
	}
	out := make([]chatgen.User, 0, len(users))
	for _, u := range users {
		out = append(out, tx.cs.chatUser(u))
	}
	return http.StatusOK, chatgen.ListParticipantsResponse{Participants: out, Meta: chatgen.PageMeta{NextToken: token}}, nil
}

// Custom events.

// chatEventType is the runtime type of the custom events of the Chat API.
const chatEventType = "custom"

func (s *Server) chatCreateEvent(_ context.Context, c *chatCall) (int, any, error) {
	var body chatgen.CreateEventBody
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	u, conv, err := tx.asParticipant(c.user, body.ConversationID, "this event's")
	if err != nil {
		return 0, nil, err
	}
	payload := map[string]any(body.Payload)
	if payload == nil {
		payload = map[string]any{}
	}
	e := tx.st.rtNewEvent(tx.b, chatEventType, map[string]any{
		"userId": u.ID, "conversationId": conv.ID, "payload": payload,
	}, &conv.ID, &u.ID)
	out := chatgen.Event{
		ID: e.ID, CreatedAt: e.CreatedAt, Payload: payload,
		ConversationID: tx.cs.convs.fidOf(conv.ID), UserID: tx.cs.users.fidOf(u.ID),
	}
	s.chatHub.publish(conv.ID, chatgen.SignalEventCreated{
		Type: chatgen.SignalEventCreatedTypeEventCreated,
		Data: chatgen.SignalEventCreatedData{
			ID: nullable.NewNullableWithValue(e.ID), CreatedAt: e.CreatedAt, Payload: payload,
			ConversationID: out.ConversationID, UserID: out.UserID, IsBot: false,
		},
	})
	return http.StatusCreated, chatgen.CreateEventResponse{Event: out}, nil
}

func (s *Server) chatGetEvent(_ context.Context, c *chatCall) (int, any, error) {
	tx, unlock, err := s.chatLock()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	id := c.params["id"]
	e, ok := tx.b.events.get(id)
	if !ok || e.Type != chatEventType {
		return 0, nil, notFound("event", id)
	}
	convID, _ := e.Payload["conversationId"].(string)
	userID, _ := e.Payload["userId"].(string)
	if convID == "" {
		return 0, nil, notFound("event", id)
	}
	if _, _, err := tx.asParticipant(c.user, tx.cs.convs.fidOf(convID), "this event's"); err != nil {
		return 0, nil, err
	}
	payload, _ := e.Payload["payload"].(map[string]any)
	if payload == nil {
		payload = map[string]any{}
	}
	return http.StatusOK, chatgen.GetEventResponse{Event: chatgen.Event{
		ID: e.ID, CreatedAt: e.CreatedAt, Payload: payload,
		ConversationID: tx.cs.convs.fidOf(convID), UserID: tx.cs.users.fidOf(userID),
	}}, nil
}
