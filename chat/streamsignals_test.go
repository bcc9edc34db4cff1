package chat_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/message"
)

// The three signals of a streamed bot reply (chat-api 1.x) come from
// Listen as typed values, as the server sent them: no ordering, joining or
// deduplication. Such signals that cannot be read are skipped, and a type
// still unknown comes as *UnknownSignal, as before.
func TestListenStreamSignals(t *testing.T) {
	ctx := guard(t)
	f := newFakeChat(t)
	f.listen = func(w http.ResponseWriter, r *http.Request) {
		fkStreamHeader(w)
		// After the first look and the recovery.
		<-f.listed
		<-f.listed
		for _, ev := range []string{
			// Pieces, out of order and repeated, as the server may send them.
			`{"type":"message_stream_delta","data":{"streamId":"str_1","conversationId":"conv_1","userId":"bot_user",` +
				`"createdAt":"2026-08-01T10:00:00.000Z","clientMessageId":"cm_1","sequence":1,"delta":"lo, "}}`,
			`{"type":"message_stream_delta","data":{"streamId":"str_1","conversationId":"conv_1","userId":"bot_user",` +
				`"createdAt":"2026-08-01T10:00:00.000Z","sequence":0,"delta":"Hel"}}`,
			`{"type":"message_stream_delta","data":{"streamId":"str_1","conversationId":"conv_1","userId":"bot_user",` +
				`"createdAt":"2026-08-01T10:00:00.000Z","sequence":0,"delta":"Hel"}}`,
			// Unreadable: skipped.
			`{"type":"message_stream_delta","data":{"conversationId":"conv_1","sequence":2,"delta":"x"}}`,
			`{"type":"message_stream_delta","data":{"streamId":"str_1","sequence":"2"}}`,
			`{"type":"message_stream_complete","data":{"streamId":"str_1"}}`,
			`{"type":"message_stream_complete","data":{"message":{"id":"msg_9"}}}`,
			`{"type":"message_stream_abort","data":[]}`,
			// The final message, then its message_created.
			`{"type":"message_stream_complete","data":{"streamId":"str_1","message":{"id":"msg_9","conversationId":"conv_1",` +
				`"createdAt":"2026-08-01T10:00:01.000Z","userId":"bot_user","payload":{"type":"text","text":"Hello, world"},` +
				`"metadata":{"streamId":"str_1"}}}}`,
			`{"type":"message_created","data":{"id":"msg_9","conversationId":"conv_1","createdAt":"2026-08-01T10:00:01.000Z",` +
				`"userId":"bot_user","payload":{"type":"text","text":"Hello, world"},"metadata":{"streamId":"str_1"},"isBot":true}}`,
			`{"type":"message_stream_abort","data":{"streamId":"str_2","conversationId":"conv_1"}}`,
			`{"type":"message_stream_rewind","data":{"streamId":"str_2"}}`,
		} {
			fkWrite(w, "data: "+ev+"\n\n")
		}
		<-r.Context().Done()
	}
	c := f.client(t)
	var got []string
	var deltas []*chat.MessageStreamDelta
	var complete *chat.MessageStreamComplete
	for s, err := range c.Listen(ctx, fkConv, fast()...) {
		require.NoError(t, err)
		switch s := s.(type) {
		case *chat.MessageStreamDelta:
			deltas = append(deltas, s)
			got = append(got, fmt.Sprintf("delta %s #%d %q", s.StreamID, s.Sequence, s.Delta))
		case *chat.MessageStreamComplete:
			complete = s
			got = append(got, fmt.Sprintf("complete %s %s %s", s.StreamID, s.Message.ID, text(s.Message)))
		case *chat.MessageCreated:
			got = append(got, fmt.Sprintf("created %s %s bot=%v", s.Message.ID, text(s.Message), s.IsBot))
		case *chat.MessageStreamAbort:
			got = append(got, fmt.Sprintf("abort %s in %s", s.StreamID, s.ConversationID))
		case *chat.UnknownSignal:
			got = append(got, "unknown "+s.Type()+" "+string(s.Data))
		default:
			got = append(got, fmt.Sprintf("%T", s))
		}
		if len(got) == 7 {
			break
		}
	}
	assert.Equal(t, []string{
		`delta str_1 #1 "lo, "`,
		`delta str_1 #0 "Hel"`,
		`delta str_1 #0 "Hel"`,
		"complete str_1 msg_9 Hello, world",
		"created msg_9 Hello, world bot=true",
		"abort str_2 in conv_1",
		`unknown message_stream_rewind {"streamId":"str_2"}`,
	}, got)

	require.Len(t, deltas, 3)
	d := deltas[0]
	assert.Equal(t, chat.TypeMessageStreamDelta, d.Type())
	assert.Equal(t, "conv_1", d.ConversationID)
	assert.Equal(t, "bot_user", d.UserID)
	assert.Equal(t, "2026-08-01T10:00:00.000Z", d.CreatedAt)
	require.NotNil(t, d.ClientMessageID)
	assert.Equal(t, "cm_1", *d.ClientMessageID)
	assert.Nil(t, deltas[1].ClientMessageID)

	require.NotNil(t, complete)
	assert.Equal(t, chat.TypeMessageStreamComplete, complete.Type())
	assert.IsType(t, &message.TextPayload{}, complete.Message.Payload)
	assert.Equal(t, "bot_user", complete.Message.UserID)
	assert.Equal(t, "conv_1", complete.Message.ConversationID)
	require.NotNil(t, complete.Message.Metadata)
	assert.Equal(t, "str_1", (*complete.Message.Metadata)["streamId"])
	assert.Equal(t, 2026, complete.Message.CreatedAt.Year())
	assert.Equal(t, chat.TypeMessageStreamAbort, (&chat.MessageStreamAbort{}).Type())
}
