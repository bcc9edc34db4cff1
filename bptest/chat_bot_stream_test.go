package bptest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/message"
)

// streamReplies makes a bot that streams "a", "b", "c" as its reply, or
// gives it up when the message says "abort".
func streamReplies(_ context.Context, m bptest.IncomingMessage) []message.Payload {
	if m.Payload.(*message.TextPayload).Text == "abort" {
		return []message.Payload{bptest.AbortedStream("x", "y")}
	}
	return []message.Payload{bptest.StreamedText("a", "b", "c"), message.Text("after")}
}

// describeSignal is a line per signal: the type, and for the stream's
// signals what a test checks.
func describeSignal(t *testing.T, sig chatSignal) string {
	t.Helper()
	switch sig.Type {
	case "message_stream_delta":
		var d chatgen.SignalMessageStreamDeltaData
		require.NoError(t, json.Unmarshal(sig.Data, &d))
		return fmt.Sprintf("delta %d %q", d.Sequence, d.Delta)
	case "message_stream_complete":
		var d chatgen.SignalMessageStreamCompleteData
		require.NoError(t, json.Unmarshal(sig.Data, &d))
		return fmt.Sprintf("complete %v", d.Message.Payload)
	case "message_created":
		var d chatgen.SignalMessageCreatedData
		require.NoError(t, json.Unmarshal(sig.Data, &d))
		return fmt.Sprintf("created %v bot=%v", d.Payload, d.IsBot)
	}
	return sig.Type
}

// A streamed reply: deltas in order, numbered from 1, with the stream's ID;
// then message_stream_complete of the final message (its metadata carries
// the stream's ID), then its message_created; the next reply after it. All
// checked against the spec (Start fails the test on a violation).
func TestChatBotStreams(t *testing.T) {
	srv := bptest.Start(t)
	srv.OnMessage(streamReplies)
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	ann.newConversation(`{"id":"room"}`)
	stream := listenChat(t, ann, "room")
	ann.send("room", message.Text("hi"))
	assert.Equal(t, "message_created", stream.signal(t).Type, "the user's message")

	var first chatgen.SignalMessageStreamDeltaData
	sig := stream.signal(t)
	require.Equal(t, "message_stream_delta", sig.Type)
	require.NoError(t, json.Unmarshal(sig.Data, &first))
	assert.Equal(t, "room", first.ConversationID)
	assert.NotEmpty(t, first.StreamID)
	assert.NotEmpty(t, first.CreatedAt)
	assert.Equal(t, `delta 1 "a"`, describeSignal(t, sig))
	assert.Equal(t, `delta 2 "b"`, describeSignal(t, stream.signal(t)))
	assert.Equal(t, `delta 3 "c"`, describeSignal(t, stream.signal(t)))

	sig = stream.signal(t)
	require.Equal(t, "message_stream_complete", sig.Type)
	var done chatgen.SignalMessageStreamCompleteData
	require.NoError(t, json.Unmarshal(sig.Data, &done))
	assert.Equal(t, first.StreamID, done.StreamID)
	assert.Equal(t, message.Text("abc"), done.Message.Payload)
	require.NotNil(t, done.Message.Metadata)
	assert.Equal(t, first.StreamID, (*done.Message.Metadata)["streamId"])
	assert.Equal(t, first.UserID, done.Message.UserID, "the bot writes the pieces and the message")

	var created chatgen.SignalMessageCreatedData
	require.NoError(t, json.Unmarshal(stream.signal(t).Data, &created))
	assert.Equal(t, done.Message.ID, created.ID)
	assert.True(t, created.IsBot)
	assert.Equal(t, `created &{after} bot=true`, describeSignal(t, stream.signal(t)))

	// The final message is stored, as any: listMessages has it.
	var list chatgen.ListMessagesResponse
	ann.call("GET", "/conversations/room/messages", nil).into(t, &list)
	require.NotEmpty(t, list.Messages)
	ids := []string{}
	for _, m := range list.Messages {
		ids = append(ids, m.ID)
	}
	assert.Contains(t, ids, done.Message.ID)

	// Given up: deltas, then message_stream_abort, no message.
	ann.send("room", message.Text("abort"))
	assert.Equal(t, "message_created", stream.signal(t).Type)
	assert.Equal(t, `delta 1 "x"`, describeSignal(t, stream.signal(t)))
	assert.Equal(t, `delta 2 "y"`, describeSignal(t, stream.signal(t)))
	sig = stream.signal(t)
	require.Equal(t, "message_stream_abort", sig.Type)
	var abort chatgen.SignalMessageStreamAbortData
	require.NoError(t, json.Unmarshal(sig.Data, &abort))
	assert.Equal(t, "room", abort.ConversationID)
	require.NoError(t, srv.WaitChatBot(context.Background()))
	ann.call("GET", "/conversations/room/messages", nil).into(t, &list)
	assert.Len(t, list.Messages, 4, "hi, abc, after, abort: none for the aborted reply")
}

// A message the bot creates through the runtime API with a streamId in its
// metadata is announced by message_stream_complete too, as the Chat
// integration does; the streaming echo bot streams word by word.
func TestChatStreamingEchoBot(t *testing.T) {
	assert.Equal(t, []string{"Hello, ", "streamed  ", "world"}, bptest.SplitWords("Hello, streamed  world"))
	assert.Empty(t, bptest.SplitWords(""))
	srv := bptest.Start(t)
	srv.OnMessage(bptest.StreamingEchoBot)
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	ann.newConversation(`{"id":"room"}`)
	stream := listenChat(t, ann, "room")
	ann.send("room", message.Text("one two"))
	var got []string
	for range 5 {
		got = append(got, describeSignal(t, stream.signal(t)))
	}
	assert.Equal(t, []string{`created &{one two} bot=false`, `delta 1 "one "`, `delta 2 "two"`,
		`complete &{one two}`, `created &{one two} bot=true`}, got)
	ann.send("room", message.Choice("?", message.Option("A", "a")))
	assert.Equal(t, "message_created", stream.signal(t).Type)
	assert.Equal(t, "message_created", stream.signal(t).Type, "not text: echoed whole")
}

// The delta faults: drop, reorder, repeat; and a stream cut mid-reply.
func TestChatDeltaFaults(t *testing.T) {
	for _, tc := range []struct {
		fault bptest.Fault
		want  []string
	}{
		{bptest.Fault{Deltas: bptest.DeltasDrop}, []string{`delta 1 "a"`, `delta 3 "c"`}},
		{bptest.Fault{Deltas: bptest.DeltasReorder}, []string{`delta 2 "b"`, `delta 1 "a"`, `delta 3 "c"`}},
		{bptest.Fault{Deltas: bptest.DeltasRepeat}, []string{`delta 1 "a"`, `delta 1 "a"`, `delta 2 "b"`, `delta 2 "b"`, `delta 3 "c"`, `delta 3 "c"`}},
	} {
		t.Run(string(tc.fault.Deltas), func(t *testing.T) {
			srv := bptest.Start(t)
			srv.OnMessage(streamReplies)
			ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
			ann.newConversation(`{"id":"room"}`)
			f := tc.fault
			f.Chat, f.Operation, f.Times = true, "listenConversation", 1
			srv.InjectFault(f)
			stream := listenChat(t, ann, "room")
			ann.send("room", message.Text("hi"))
			assert.Equal(t, "message_created", stream.signal(t).Type)
			var got []string
			for range len(tc.want) {
				got = append(got, describeSignal(t, stream.signal(t)))
			}
			assert.Equal(t, tc.want, got)
			assert.Equal(t, "complete &{abc}", describeSignal(t, stream.signal(t)))
		})
	}
	t.Run("cut", func(t *testing.T) {
		srv := bptest.Start(t)
		srv.OnMessage(streamReplies)
		ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
		ann.newConversation(`{"id":"room"}`)
		srv.InjectFault(bptest.Fault{Chat: true, Operation: "listenConversation", DropStreamAfterDeltas: 2, Times: 1})
		stream := listenChat(t, ann, "room")
		ann.send("room", message.Text("hi"))
		assert.Equal(t, "message_created", stream.signal(t).Type)
		assert.Equal(t, `delta 1 "a"`, describeSignal(t, stream.signal(t)))
		assert.Equal(t, `delta 2 "b"`, describeSignal(t, stream.signal(t)))
		stream.dropped(t)
	})
}
