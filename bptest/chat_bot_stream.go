package bptest

import (
	"context"
	"strings"
	"time"

	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/message"
)

// StreamedReply is a reply the scripted bot streams, as a bot on Botpress
// streams one through the Chat integration: a Bot returns it among its
// replies (see StreamedText). The conversation's listeners get a
// message_stream_delta signal for each part, with the stream's ID and
// sequence numbers 1, 2, 3 ...; then, unless Abort, the final message is
// created, with metadata {"streamId": ...}, and they get
// message_stream_complete with it, then its message_created. With Abort,
// they get message_stream_abort instead, and no message is created.
type StreamedReply struct {
	// Parts are the pieces of text streamed, in order.
	Parts []string
	// Final is the payload of the final message; nil makes it a text
	// message of the parts joined.
	Final message.Payload
	// Abort gives the reply up after the parts: message_stream_abort, and
	// no message.
	Abort bool
	// Interval is a pause before each part but the first and before the end
	// (the final message, or the abort), so that a demo's text grows at a
	// human pace; zero, the default, pauses never. Tests leave it zero: they
	// wait on signals, never on time.
	Interval time.Duration
}

// StreamedText returns a reply the bot streams in these parts, then ends
// with a text message of the parts joined.
func StreamedText(parts ...string) *StreamedReply {
	return &StreamedReply{Parts: parts}
}

// AbortedStream returns a reply the bot streams in these parts, then gives
// up: message_stream_abort, and no message.
func AbortedStream(parts ...string) *StreamedReply {
	return &StreamedReply{Parts: parts, Abort: true}
}

// MessageType is the type of the final message: that of Final, or "text".
func (r *StreamedReply) MessageType() string {
	if r.Final != nil {
		return r.Final.MessageType()
	}
	return message.TypeText
}

// StreamingEchoBot is a Bot that answers every message with a copy of its
// payload, as EchoBot does, but streams the copy of a text message: a piece
// per word (the spaces kept), then the final message.
func StreamingEchoBot(_ context.Context, m IncomingMessage) []message.Payload {
	if p, ok := m.Payload.(*message.TextPayload); ok {
		return []message.Payload{StreamedText(SplitWords(p.Text)...)}
	}
	return []message.Payload{m.Payload}
}

// SplitWords cuts text into pieces that join back into it, each a word and
// the spaces after it: the parts StreamingEchoBot streams.
func SplitWords(text string) []string {
	var parts []string
	for text != "" {
		i := strings.IndexByte(text, ' ')
		if i < 0 {
			parts = append(parts, text)
			break
		}
		j := i
		for j < len(text) && text[j] == ' ' {
			j++
		}
		parts = append(parts, text[:j])
		text = text[j:]
	}
	return parts
}

// chatStreamReply streams one reply of the bot; false if the conversation
// is gone or the server closed.
func (s *Server) chatStreamReply(ctx context.Context, m IncomingMessage, i int, r *StreamedReply) bool {
	var streamID string
	if !s.chatBotSignal(m, func(st *state) any {
		streamID, _ = st.ids.next("stream")
		return nil
	}) {
		return false
	}
	for n, part := range r.Parts {
		if n > 0 && !pause(ctx, r.Interval) {
			return false
		}
		if !s.chatBotSignal(m, func(st *state) any {
			return chatgen.SignalMessageStreamDelta{
				Type: chatgen.SignalMessageStreamDeltaTypeMessageStreamDelta,
				Data: chatgen.SignalMessageStreamDeltaData{
					StreamID: streamID, ConversationID: m.ConversationID, UserID: st.chat.users.fidOf(s.BotID),
					CreatedAt: timestamp(st.now()), Sequence: int64(n + 1), Delta: part,
				},
			}
		}) {
			return false
		}
	}
	if len(r.Parts) > 0 && !pause(ctx, r.Interval) {
		return false
	}
	if r.Abort {
		return s.chatBotSignal(m, func(*state) any {
			return chatgen.SignalMessageStreamAbort{
				Type: chatgen.SignalMessageStreamAbortTypeMessageStreamAbort,
				Data: chatgen.SignalMessageStreamAbortData{StreamID: streamID, ConversationID: m.ConversationID},
			}
		})
	}
	final := r.Final
	if final == nil {
		final = message.Text(strings.Join(r.Parts, ""))
	}
	md := chatgen.MessageMetadata{"streamId": streamID}
	return s.chatReplyMessage(m, i, final, &md)
}

// chatBotSignal publishes the signal signal makes (none if nil) to the
// listeners of m's conversation, under the server's lock; false if the
// conversation is gone.
func (s *Server) chatBotSignal(m IncomingMessage, signal func(*state) any) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, convID, ok := s.chatBotConversation(m)
	if !ok {
		return false
	}
	if sig := signal(s.state); sig != nil {
		s.chatHub.publish(convID, sig)
	}
	return true
}

// pause waits d, or until ctx is done (false).
func pause(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
