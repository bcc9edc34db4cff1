package gen_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// The request bodies that carry a message payload (message_bodies.gen.go):
// an empty type is filled from the payload, and a server decodes the
// payload as the Go value of its type.

func TestMessageBodyFillsType(t *testing.T) {
	b, err := json.Marshal(gen.CreateMessageJSONRequestBody{
		ConversationID: "c", UserID: "u", Tags: map[string]string{},
		Payload: message.Choice("?", message.Option("a", "b")),
	})
	require.NoError(t, err)
	assert.JSONEq(t, `{"conversationId":"c","userId":"u","tags":{},"type":"choice",
		"payload":{"text":"?","options":[{"label":"a","value":"b"}]}}`, string(b))

	// An explicit type is kept.
	b, err = json.Marshal(gen.GetOrCreateMessageJSONRequestBody{Type: "custom", Payload: message.Text("x")})
	require.NoError(t, err)
	assert.Contains(t, string(b), `"type":"custom"`)

	// Nested bodies too.
	b, err = json.Marshal(gen.ImportMessagesJSONRequestBody{Messages: []gen.ImportMessagesBody_Messages{
		{Payload: message.Image("https://x/i.png"), CreatedAt: time.Unix(0, 0).UTC()}}})
	require.NoError(t, err)
	assert.Contains(t, string(b), `"type":"image"`)
	b, err = json.Marshal(gen.InitializeIncomingMessageJSONRequestBody{
		Message: &gen.InitializeIncomingMessageBody_Message{Payload: message.Location(1, 2)}})
	require.NoError(t, err)
	assert.Contains(t, string(b), `"type":"location"`)

	// No payload, no type: sent as is, for the API to refuse.
	b, err = json.Marshal(gen.CreateMessageJSONRequestBody{})
	require.NoError(t, err)
	assert.Contains(t, string(b), `"type":""`)
	assert.Contains(t, string(b), `"payload":null`)
}

func TestMessageBodyDecodesPayload(t *testing.T) {
	var body gen.CreateMessageJSONRequestBody
	require.NoError(t, json.Unmarshal([]byte(`{"conversationId":"c","userId":"u","tags":{"k":"v"},"type":"text","payload":{"text":"hi"}}`), &body))
	assert.Equal(t, gen.CreateMessageJSONRequestBody{ConversationID: "c", UserID: "u", Tags: map[string]string{"k": "v"},
		Type: "text", Payload: message.Text("hi")}, body)

	var imp gen.ImportMessagesJSONRequestBody
	require.NoError(t, json.Unmarshal([]byte(`{"messages":[{"type":"poll","payload":{"q":1}},{"type":"text","payload":null}]}`), &imp))
	require.Len(t, imp.Messages, 2)
	assert.Equal(t, &message.Unknown{Type: "poll", Raw: json.RawMessage(`{"q":1}`)}, imp.Messages[0].Payload)
	assert.Nil(t, imp.Messages[1].Payload)

	var init gen.InitializeIncomingMessageJSONRequestBody
	require.NoError(t, json.Unmarshal([]byte(`{"userId":"u","message":{"type":"markdown","payload":{"markdown":"*a*"}}}`), &init))
	require.NotNil(t, init.Message)
	assert.Equal(t, message.Markdown("*a*"), init.Message.Payload)

	// updateMessage has no type beside its payload: it stays JSON.
	var upd gen.UpdateMessageJSONRequestBody
	require.NoError(t, json.Unmarshal([]byte(`{"tags":{"k":null},"payload":{"text":"x"}}`), &upd))
	assert.Equal(t, &message.Unknown{Raw: json.RawMessage(`{"text":"x"}`)}, upd.Payload)
	b, err := json.Marshal(upd)
	require.NoError(t, err)
	assert.JSONEq(t, `{"tags":{"k":null},"payload":{"text":"x"}}`, string(b))

	// A payload that does not fit its type is an error.
	err = json.Unmarshal([]byte(`{"type":"text","payload":{"text":5}}`), &body)
	assert.ErrorContains(t, err, "payload")
}

// TestMessageAnswer: an answer's payload stays JSON, and decodes in one call.
func TestMessageAnswer(t *testing.T) {
	var m gen.Message
	require.NoError(t, json.Unmarshal([]byte(`{"id":"m","type":"card","payload":{"title":"T","actions":[]},
		"direction":"outgoing","userId":"u","conversationId":"c","tags":{},
		"createdAt":"2026-01-02T03:04:05Z","updatedAt":"2026-01-02T03:04:05Z"}`), &m))
	assert.JSONEq(t, `{"title":"T","actions":[]}`, m.Payload.String())
	p, err := message.Decode(m.Type, m.Payload)
	require.NoError(t, err)
	assert.Equal(t, message.Card("T"), p)
}
