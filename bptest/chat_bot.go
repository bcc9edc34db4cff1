package bptest

import (
	"context"
	"fmt"
	"sync"

	"github.com/oapi-codegen/nullable"

	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// IncomingMessage is a message a user sent through the Chat API, as the
// scripted bot (OnMessage) gets it.
type IncomingMessage struct {
	// ID is the message's ID, the same in both APIs.
	ID string
	// ConversationID and UserID are the Chat API's IDs of the conversation
	// and of the message's author.
	ConversationID, UserID string
	// RuntimeConversationID and RuntimeUserID are the runtime API's IDs of
	// the same conversation and user.
	RuntimeConversationID, RuntimeUserID string
	// Payload is the message's content: a *message.TextPayload, a
	// *message.ChoicePayload, ...
	Payload message.Payload
	// Metadata is what the app sent with the message, or nil.
	Metadata map[string]any
}

// Bot scripts the bot of the Chat integration: it gets each message users
// send through the Chat API, one at a time and in order, and returns the
// bot's replies. Each reply becomes a message of the bot in the message's
// conversation, as if the bot had created it through the runtime API:
// outgoing, authored by the bot (its user ID is Server.BotID), listed by both
// APIs, and pushed to the conversation's listeners as message_created with
// isBot true. ctx is done when the server closes.
//
// The script runs apart from the requests, as the real bot does: the
// replies to a message come after it and after the replies to the messages
// before it, but users' later messages may come before them. A test that
// needs each message answered before the next is sent calls WaitChatBot in
// between.
type Bot func(ctx context.Context, m IncomingMessage) []message.Payload

// EchoBot is a Bot that answers every message with a copy of its payload.
func EchoBot(_ context.Context, m IncomingMessage) []message.Payload {
	return []message.Payload{m.Payload}
}

// OnMessage sets the bot's script: bot answers the messages users send
// through the Chat API from now on (see Bot). nil, the default, makes a bot
// that never answers. A message is answered by the script that was set when
// it was sent, even if it is still waiting its turn when OnMessage changes
// the script. The script runs on a goroutine of the server's, after the
// user's message is stored and signalled; WaitChatBot waits for it.
func (s *Server) OnMessage(bot Bot) {
	s.chatBot.mu.Lock()
	defer s.chatBot.mu.Unlock()
	s.chatBot.fn = bot
}

// WaitChatBot waits until the scripted bot has answered every message sent
// so far (its replies created), or ctx is done.
func (s *Server) WaitChatBot(ctx context.Context) error {
	s.chatBot.mu.Lock()
	idle := s.chatBot.idle
	s.chatBot.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SendChatEvent makes the bot send a custom event to a Chat conversation
// (by its Chat API ID), as the Chat integration's sendEvent action does:
// the conversation's listeners get an event_created signal with isBot true,
// a null id and the bot as its user. Nothing is stored.
func (s *Server) SendChatEvent(conversationID string, payload map[string]any) error {
	tx, unlock, err := s.chatLock()
	if err != nil {
		return err
	}
	defer unlock()
	conv, err := tx.conversation(conversationID)
	if err != nil {
		return err
	}
	if payload == nil {
		payload = map[string]any{}
	}
	s.chatHub.publish(conv.ID, chatgen.SignalEventCreated{
		Type: chatgen.SignalEventCreatedTypeEventCreated,
		Data: chatgen.SignalEventCreatedData{
			ID: nullable.NewNullNullable[string](), CreatedAt: tx.st.now().UTC(), Payload: payload,
			ConversationID: tx.cs.convs.fidOf(conv.ID), UserID: s.BotID, IsBot: true,
		},
	})
	return nil
}

// chatBot runs the script of OnMessage, one message at a time.
type chatBot struct {
	srv    *Server
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex // guards what follows
	fn      Bot
	queue   []botTurn
	running bool
	idle    chan struct{} // closed while nothing is queued or running
	stopped bool
}

// botTurn is a message waiting for its answer, with the script that was set
// when it was sent.
type botTurn struct {
	fn Bot
	m  IncomingMessage
}

func newChatBot(s *Server) *chatBot {
	ctx, cancel := context.WithCancel(context.Background())
	idle := make(chan struct{})
	close(idle)
	return &chatBot{srv: s, ctx: ctx, cancel: cancel, idle: idle}
}

// enqueue hands a user's message to the script, if there is one.
func (b *chatBot) enqueue(m IncomingMessage) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fn == nil || b.stopped {
		return
	}
	b.queue = append(b.queue, botTurn{fn: b.fn, m: m})
	if !b.running {
		b.running = true
		b.idle = make(chan struct{})
		go b.run()
	}
}

// run answers the queued messages until there are none.
func (b *chatBot) run() {
	for {
		b.mu.Lock()
		if len(b.queue) == 0 || b.stopped {
			b.queue = nil
			b.running = false
			close(b.idle)
			b.mu.Unlock()
			return
		}
		turn := b.queue[0]
		b.queue = b.queue[1:]
		b.mu.Unlock()
		b.srv.chatReply(b.ctx, turn.m, b.script(turn.fn, turn.m))
	}
}

// script runs the test's script; a panic there is recorded, not fatal.
func (b *chatBot) script(fn Bot, m IncomingMessage) (replies []message.Payload) {
	defer func() {
		if p := recover(); p != nil {
			b.srv.recordViolation(fmt.Sprintf("the Chat bot's script panicked on message %s: %v", m.ID, p))
			replies = nil
		}
	}()
	return fn(b.ctx, m)
}

// stop cancels the script's context and drops what is queued.
func (b *chatBot) stop() {
	b.cancel()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stopped = true
}

// chatReply creates the bot's replies to a message, in its conversation,
// while the conversation is still there: a message for each payload, a
// stream for each *StreamedReply.
func (s *Server) chatReply(ctx context.Context, m IncomingMessage, replies []message.Payload) {
	for i, p := range replies {
		ok := true
		switch r := p.(type) {
		case nil:
		case *StreamedReply:
			ok = s.chatStreamReply(ctx, m, i, r)
		default:
			ok = s.chatReplyMessage(m, i, p, nil)
		}
		if !ok {
			return
		}
	}
}

// chatBotConversation is the Chat bot and the ID of m's conversation,
// s.mu held; false if the bot or the conversation is gone.
func (s *Server) chatBotConversation(m IncomingMessage) (*botState, string, bool) {
	b := s.state.bots[s.BotID]
	if b == nil {
		return nil, "", false
	}
	conv, ok := b.conversations.get(m.RuntimeConversationID)
	if !ok {
		return nil, "", false
	}
	return b, conv.ID, true
}

// chatReplyMessage creates one reply of the bot, with metadata if not nil;
// false if the conversation is gone.
func (s *Server) chatReplyMessage(m IncomingMessage, i int, p message.Payload, metadata *chatgen.MessageMetadata) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, _, ok := s.chatBotConversation(m)
	if !ok {
		return false
	}
	st := s.state
	raw, err := runtimePayload(p, metadata)
	if err != nil {
		s.recordViolation(fmt.Sprintf("the Chat bot's reply %d to message %s: %v", i, m.ID, err))
		return true
	}
	id, seq := st.ids.next("msg")
	now := st.now().UTC()
	msg := gen.Message{
		ID: id, CreatedAt: now, UpdatedAt: now,
		ConversationID: m.RuntimeConversationID, UserID: s.BotID, Type: p.MessageType(), Payload: raw,
		Tags: map[string]string{}, Direction: gen.MessageDirectionOutgoing,
	}
	b.rtStoreMessage(id, seq, msg)
	st.chatBotMessage(b, msg)
	return true
}

// chatBotMessage tells the listeners of a Chat conversation about a message
// the bot created in it (through the runtime API or the script), as the
// Chat integration's channel does: message_created with isBot true, after
// message_stream_complete when the message's metadata has a streamId (the
// final message of a streamed reply).
func (st *state) chatBotMessage(b *botState, m gen.Message) {
	if b.id != st.srv.BotID || m.Direction != gen.MessageDirectionOutgoing {
		return
	}
	conv, ok := b.conversations.get(m.ConversationID)
	if !ok || conv.Integration != chatIntegration || conv.Channel != chatChannel {
		return
	}
	cm, ok := st.chat.chatMessage(m)
	if !ok {
		return
	}
	if id, _ := metadataMap(cm.Metadata)["streamId"].(string); id != "" {
		// A streamed reply's final message: the Chat integration announces
		// it first.
		st.srv.chatHub.publish(conv.ID, chatgen.SignalMessageStreamComplete{
			Type: chatgen.SignalMessageStreamCompleteTypeMessageStreamComplete,
			Data: chatgen.SignalMessageStreamCompleteData{StreamID: id, Message: cm},
		})
	}
	st.srv.chatHub.publish(conv.ID, chatgen.SignalMessageCreated{
		Type: chatgen.SignalMessageCreatedTypeMessageCreated,
		Data: signalMessageData(cm, true),
	})
}
