package bptest_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// raw is a payload given as JSON, under a type: the escape hatch that
// sends anything.
func raw(typ, js string) *message.Unknown {
	return &message.Unknown{Type: typ, Raw: json.RawMessage(js)}
}

// invalid checks that err is a 400 InvalidPayload with this message.
func invalid(t *testing.T, err error, msg string) {
	t.Helper()
	var apiErr *bperrors.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 400, apiErr.StatusCode)
	assert.Equal(t, "InvalidPayload", apiErr.Type)
	assert.Equal(t, msg, apiErr.Message)
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload)
}

// TestPayloadValidation: a payload of a standard type must hold what the
// type requires (api/messages.yaml); another type is taken as is.
func TestPayloadValidation(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()
	conv := rtConv(t, c, "dm", nil)
	u := rtUser(t, c, nil)
	send := func(p message.Payload) (*gen.CreateMessageResponse, error) {
		return c.CreateMessage(ctx, gen.CreateMessageJSONRequestBody{
			ConversationID: conv.ID, UserID: u.ID, Payload: p, Tags: map[string]string{}})
	}

	for _, tc := range []struct {
		name string
		p    message.Payload
		msg  string
	}{
		{"text without text", raw("text", `{}`), "payload.text is required for a text message"},
		{"text null", raw("text", `{"text":null}`), "payload.text is required for a text message"},
		{"image without URL", raw("image", `{"title":"x"}`), "payload.imageUrl is required for an image message"},
		{"audio without URL", &message.AudioPayload{}, ""}, // "" is a value: accepted
		{"location without longitude", raw("location", `{"latitude":1}`), "payload.longitude is required for a location message"},
		{"location with a string", raw("location", `{"latitude":"north","longitude":1}`),
			"payload.latitude: value must be a number, in a location message"},
		{"card without actions", raw("card", `{"title":"t"}`), "payload.actions is required for a card message"},
		{"card action without label", raw("card", `{"title":"t","actions":[{"action":"url","value":"v"}]}`),
			"payload.actions[0].label is required for a card message"},
		{"card action of unknown kind", raw("card", `{"title":"t","actions":[{"action":"call","label":"l","value":"v"}]}`),
			`payload.actions[0].action: value is not one of the allowed values ["postback","url","say"], in a card message`},
		{"carousel card without title", raw("carousel", `{"items":[{"title":"a","actions":[]},{"actions":[]}]}`),
			"payload.items[1].title is required for a carousel message"},
		{"choice without options", raw("choice", `{"text":"?"}`), "payload.options is required for a choice message"},
		{"dropdown option without value", raw("dropdown", `{"text":"?","options":[{"label":"a"}]}`),
			"payload.options[0].value is required for a dropdown message"},
		{"bloc part without its field", raw("bloc", `{"items":[{"type":"text","payload":{"text":"a"}},{"type":"image","payload":{}}]}`),
			"payload.items[1].payload.imageUrl is required for an image message"},
		{"bloc part of a type a bloc cannot hold", raw("bloc", `{"items":[{"type":"choice","payload":{}}]}`),
			`payload.items[0].type: value is not one of the allowed values ["text","markdown","image","audio","video","file","location"], in a bloc message`},
		{"bloc part without payload", raw("bloc", `{"items":[{"type":"text"}]}`), "payload.items[0].payload is required for a bloc message"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := send(tc.p)
			if tc.msg == "" {
				require.NoError(t, err)
				return
			}
			invalid(t, err, tc.msg)
		})
	}

	// Every standard type, well formed, is accepted and read back as sent.
	for _, p := range []message.Payload{
		message.Text("hi"), message.Markdown("*hi*"), message.Image("https://x/i.png"), message.Audio("https://x/a.mp3"),
		message.Video("https://x/v.mp4"), message.File("https://x/f.pdf"), message.Location(1, 2),
		message.Card("t", message.URLAction("l", "https://x")), message.Carousel(message.Card("a")),
		message.Choice("?", message.Option("a", "a")), message.Dropdown("?", message.Option("a", "a")),
		message.Bloc(message.Text("a"), message.Markdown("b"), message.Image("https://x/i.png"), message.Location(3, 4)),
	} {
		r, err := send(p)
		require.NoError(t, err, p.MessageType())
		assert.Equal(t, p.MessageType(), r.Message.Type)
		got, err := message.Decode(r.Message.Type, r.Message.Payload)
		require.NoError(t, err)
		assert.Equal(t, p, got)
	}

	// A type of its own: anything goes, and comes back byte for byte.
	r, err := send(raw("poll", `{"question":"Lunch?","answers":[1,2.5]}`))
	require.NoError(t, err)
	assert.Equal(t, "poll", r.Message.Type)
	assert.Equal(t, `{"question":"Lunch?","answers":[1,2.5]}`, r.Message.Payload.String())
	got, err := c.GetMessage(ctx, r.Message.ID)
	require.NoError(t, err)
	assert.Equal(t, r.Message.Payload, got.Message.Payload)

	// An explicit type wins over the payload's.
	_, err = c.CreateMessage(ctx, gen.CreateMessageJSONRequestBody{
		ConversationID: conv.ID, UserID: u.ID, Type: "text", Payload: raw("poll", `{"q":1}`), Tags: map[string]string{}})
	invalid(t, err, "payload.text is required for a text message")
}

// TestPayloadValidationEveryOperation: every operation that takes a
// message payload checks it, at its place in the body.
func TestPayloadValidationEveryOperation(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()
	conv := rtConv(t, c, "dm", nil)
	u := rtUser(t, c, nil)
	empty := raw("text", `{}`)

	_, err := c.GetOrCreateMessage(ctx, gen.GetOrCreateMessageJSONRequestBody{
		ConversationID: conv.ID, UserID: u.ID, Payload: empty, Tags: client.NullableStrings(map[string]string{})})
	invalid(t, err, "payload.text is required for a text message")

	_, err = c.InitializeIncomingMessage(ctx, gen.InitializeIncomingMessageJSONRequestBody{
		UserID: &u.ID, ConversationID: &conv.ID,
		Message: &gen.InitializeIncomingMessageBody_Message{Payload: empty, Tags: map[string]string{}, DiscriminateByTags: []string{}},
	}, client.WithIntegrationAlias("telegram"))
	invalid(t, err, "message.payload.text is required for a text message")

	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	item := func(p message.Payload, ext string) gen.ImportMessagesBody_Messages {
		return gen.ImportMessagesBody_Messages{ConversationID: conv.ID, UserID: u.ID, Payload: p,
			Tags: map[string]string{"ext": ext}, CreatedAt: at, DiscriminateByTags: []string{"ext"}}
	}
	_, err = c.ImportMessages(ctx, gen.ImportMessagesJSONRequestBody{Messages: []gen.ImportMessagesBody_Messages{
		item(message.Text("fine"), "a"), item(empty, "b")}})
	invalid(t, err, "messages[1].payload.text is required for a text message")
	all, err := client.Collect(c.AllMessages(ctx, nil), 10)
	require.NoError(t, err)
	assert.Empty(t, all, "nothing imported")

	// updateMessage checks the new payload against the stored message's type.
	m := rtMsg(t, c, conv.ID, u.ID, "hello", nil)
	_, err = c.UpdateMessage(ctx, m.ID, gen.UpdateMessageJSONRequestBody{Tags: client.NullableStrings(map[string]string{}), Payload: empty})
	invalid(t, err, "payload.text is required for a text message")
	_, err = c.UpdateMessage(ctx, m.ID, gen.UpdateMessageJSONRequestBody{Tags: client.NullableStrings(map[string]string{}), Payload: message.Image("https://x/i.png")})
	invalid(t, err, "payload.text is required for a text message")
	upd, err := c.UpdateMessage(ctx, m.ID, gen.UpdateMessageJSONRequestBody{Tags: client.NullableStrings(map[string]string{}), Payload: message.Text("edited")})
	require.NoError(t, err)
	p, err := message.Decode(upd.Message.Type, upd.Message.Payload)
	require.NoError(t, err)
	assert.Equal(t, message.Text("edited"), p)

	own, err := c.CreateMessage(ctx, gen.CreateMessageJSONRequestBody{
		ConversationID: conv.ID, UserID: u.ID, Payload: raw("poll", `{"q":1}`), Tags: map[string]string{}})
	require.NoError(t, err)
	upd, err = c.UpdateMessage(ctx, own.Message.ID, gen.UpdateMessageJSONRequestBody{Tags: client.NullableStrings(map[string]string{}), Payload: raw("", `{"anything":true}`)})
	require.NoError(t, err)
	assert.Equal(t, `{"anything":true}`, upd.Message.Payload.String())
}

// TestMapPayload: a payload built as a map still goes out, through
// message.Unknown, and reads back typed.
func TestMapPayload(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()
	conv := rtConv(t, c, "dm", nil)
	u := rtUser(t, c, nil)
	fields, err := json.Marshal(map[string]any{"text": "from a map"})
	require.NoError(t, err)
	r, err := c.CreateMessage(ctx, gen.CreateMessageJSONRequestBody{
		ConversationID: conv.ID, UserID: u.ID, Payload: &message.Unknown{Type: "text", Raw: fields}, Tags: map[string]string{}})
	require.NoError(t, err)
	assert.Equal(t, "text", r.Message.Type)
	p, err := message.Decode(r.Message.Type, r.Message.Payload)
	require.NoError(t, err)
	assert.Equal(t, message.Text("from a map"), p)
	// And read back as a map.
	var back map[string]any
	require.NoError(t, json.Unmarshal(r.Message.Payload, &back))
	assert.Equal(t, map[string]any{"text": "from a map"}, back)
}
