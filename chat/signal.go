package chat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/botpress-go/sdk/chat/chatgen"
)

// Signal is one thing that happened in a conversation, as Listen and
// ListenConversation yield it: one of *MessageCreated, *EventCreated,
// *ParticipantAdded, *ParticipantRemoved, *MessageDeleted, the signals of a
// streamed bot reply (*MessageStreamDelta, *MessageStreamComplete,
// *MessageStreamAbort), or *UnknownSignal for a type this package does not
// know; Assemble also yields *StreamText, the growing text of a streamed
// reply. Tell them apart with a type switch:
//
//	switch s := sig.(type) {
//	case *chat.MessageCreated:
//		if s.IsBot { ... s.Message.Payload ... }
//	case *chat.ParticipantRemoved:
//		...
//	}
type Signal interface {
	// Type is the signal's type as the API names it (message_created ...).
	Type() string
	signal()
}

// The types of the signals, as the API names them.
const (
	TypeMessageCreated     = "message_created"
	TypeEventCreated       = "event_created"
	TypeParticipantAdded   = "participant_added"
	TypeParticipantRemoved = "participant_removed"
	TypeMessageDeleted     = "message_deleted"

	// The signals of a streamed bot reply, which Botpress's chat-api 1.x
	// sends (not @botpress/chat 0.5.5).
	TypeMessageStreamDelta    = "message_stream_delta"
	TypeMessageStreamComplete = "message_stream_complete"
	TypeMessageStreamAbort    = "message_stream_abort"
)

// MessageCreated says that a message was sent to the conversation, by the
// bot (IsBot) or by a user, the listening one included.
type MessageCreated struct {
	// Message is the message, its payload decoded to the Go type of its
	// message type (*message.TextPayload, *message.ChoicePayload, ...).
	Message chatgen.Message
	// IsBot is true when the bot sent the message, false when a user did.
	IsBot bool
	// Recovered is true when Listen did not get the message from the
	// stream but from listMessages, after a reconnection. listMessages does
	// not say who is the bot: IsBot is then true when the author is an
	// author the stream named as the bot, or else neither the listening
	// user nor a participant of the conversation.
	Recovered bool
	// StreamID is set by Assemble (and Assembler) on the final message of a
	// streamed reply: the ID of the stream whose StreamText it ends. Listen
	// leaves it empty; StreamIDOf reads it from the message's metadata.
	StreamID string
}

// EventCreated says that a custom event was sent in the conversation.
type EventCreated struct{ chatgen.SignalEventCreatedData }

// ParticipantAdded says that a user joined the conversation.
type ParticipantAdded struct{ chatgen.SignalParticipantData }

// ParticipantRemoved says that a user left the conversation. When it is
// the listening user, the server closes the stream next.
type ParticipantRemoved struct{ chatgen.SignalParticipantData }

// MessageDeleted says that a message was deleted from the conversation.
type MessageDeleted struct {
	chatgen.SignalMessageDeletedData
}

// MessageStreamDelta says that the bot's reply being streamed grew by a
// piece of text (Delta). The pieces of one reply share its StreamID; joined
// in the order of Sequence they make the reply's text so far. They may
// come out of order, more than once, or not at all: the reply's final
// message comes with MessageStreamComplete, then again as MessageCreated.
// Listen passes each piece on as it comes; it neither orders nor joins
// them, and does not recover them after a reconnection: Assemble does the
// joining, and delivers the final message once.
type MessageStreamDelta struct {
	chatgen.SignalMessageStreamDeltaData
}

// MessageStreamComplete says that a streamed reply is done: Message is its
// final message, which a MessageCreated of the same ID follows (Listen
// yields both; Assemble delivers it once).
type MessageStreamComplete struct {
	// StreamID identifies the stream that is done.
	StreamID string
	// Message is the final message, its payload decoded as in
	// MessageCreated.
	Message chatgen.Message
}

// MessageStreamAbort says that the bot gave up the reply it was streaming:
// no MessageStreamComplete will come for StreamID.
type MessageStreamAbort struct {
	chatgen.SignalMessageStreamAbortData
}

// UnknownSignal is a signal of a type this package does not know, kept as
// it came: newer servers may send more types.
type UnknownSignal struct {
	// SignalType is the signal's type.
	SignalType string
	// Data is the signal's data, raw JSON.
	Data json.RawMessage
}

// Type returns "message_created".
func (*MessageCreated) Type() string { return TypeMessageCreated }

// Type returns "event_created".
func (*EventCreated) Type() string { return TypeEventCreated }

// Type returns "participant_added".
func (*ParticipantAdded) Type() string { return TypeParticipantAdded }

// Type returns "participant_removed".
func (*ParticipantRemoved) Type() string { return TypeParticipantRemoved }

// Type returns "message_deleted".
func (*MessageDeleted) Type() string { return TypeMessageDeleted }

// Type returns "message_stream_delta".
func (*MessageStreamDelta) Type() string { return TypeMessageStreamDelta }

// Type returns "message_stream_complete".
func (*MessageStreamComplete) Type() string { return TypeMessageStreamComplete }

// Type returns "message_stream_abort".
func (*MessageStreamAbort) Type() string { return TypeMessageStreamAbort }

// Type returns the signal's type as it came.
func (s *UnknownSignal) Type() string { return s.SignalType }

func (*MessageCreated) signal()        {}
func (*EventCreated) signal()          {}
func (*ParticipantAdded) signal()      {}
func (*ParticipantRemoved) signal()    {}
func (*MessageDeleted) signal()        {}
func (*MessageStreamDelta) signal()    {}
func (*MessageStreamComplete) signal() {}
func (*MessageStreamAbort) signal()    {}
func (*UnknownSignal) signal()         {}

// errMalformedSignal is wrapped by the error of a signal that cannot be
// read; the listener skips such signals.
var errMalformedSignal = errors.New("malformed signal")

// decodeSignal reads the data of one SSE event: a JSON object
// {"type": ..., "data": ...}. It never panics; data that is not such an
// object, or a known type whose data lacks what identifies it, is an
// error wrapping errMalformedSignal.
func decodeSignal(data []byte) (Signal, error) {
	var env struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformedSignal, err)
	}
	if env.Type == "" {
		return nil, fmt.Errorf("%w: no type", errMalformedSignal)
	}
	raw := bytes.TrimSpace(env.Data)
	if len(raw) == 0 {
		raw = []byte("null")
	}
	switch env.Type {
	case TypeMessageCreated:
		var d chatgen.SignalMessageCreatedData
		s := &MessageCreated{}
		return decodeData(env.Type, raw, &d, func() (Signal, bool) {
			s.Message = chatgen.Message{
				ID: d.ID, ConversationID: d.ConversationID, CreatedAt: d.CreatedAt,
				UserID: d.UserID, Payload: d.Payload, Metadata: d.Metadata,
			}
			s.IsBot = d.IsBot
			return s, d.ID != ""
		})
	case TypeEventCreated:
		s := &EventCreated{}
		return decodeData(env.Type, raw, &s.SignalEventCreatedData, func() (Signal, bool) { return s, s.ConversationID != "" })
	case TypeParticipantAdded:
		s := &ParticipantAdded{}
		return decodeData(env.Type, raw, &s.SignalParticipantData, func() (Signal, bool) { return s, s.ParticipantID != "" })
	case TypeParticipantRemoved:
		s := &ParticipantRemoved{}
		return decodeData(env.Type, raw, &s.SignalParticipantData, func() (Signal, bool) { return s, s.ParticipantID != "" })
	case TypeMessageDeleted:
		s := &MessageDeleted{}
		return decodeData(env.Type, raw, &s.SignalMessageDeletedData, func() (Signal, bool) { return s, s.ID != "" })
	case TypeMessageStreamDelta:
		s := &MessageStreamDelta{}
		return decodeData(env.Type, raw, &s.SignalMessageStreamDeltaData, func() (Signal, bool) { return s, s.StreamID != "" })
	case TypeMessageStreamComplete:
		var d chatgen.SignalMessageStreamCompleteData
		s := &MessageStreamComplete{}
		return decodeData(env.Type, raw, &d, func() (Signal, bool) {
			s.StreamID, s.Message = d.StreamID, d.Message
			return s, d.StreamID != "" && d.Message.ID != ""
		})
	case TypeMessageStreamAbort:
		s := &MessageStreamAbort{}
		return decodeData(env.Type, raw, &s.SignalMessageStreamAbortData, func() (Signal, bool) { return s, s.StreamID != "" })
	}
	return &UnknownSignal{SignalType: env.Type, Data: bytes.Clone(raw)}, nil
}

// decodeData decodes the data of a signal of type typ into d, then asks
// done for the signal and whether its data has what identifies it.
func decodeData[D any](typ string, raw []byte, d *D, done func() (Signal, bool)) (Signal, error) {
	if err := json.Unmarshal(raw, d); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errMalformedSignal, typ, err)
	}
	s, ok := done()
	if !ok {
		return nil, fmt.Errorf("%w: %s: its data lacks what identifies it", errMalformedSignal, typ)
	}
	return s, nil
}
