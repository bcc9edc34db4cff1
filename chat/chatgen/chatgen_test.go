package chatgen_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/message"
)

// TestPayloadJSONMethods checks that every model with a payload field
// (ChatPayload, a message.Payload) has the JSON methods of
// payload_json.gen.go: without them encoding/json writes the payload without
// its type and cannot read it at all. It fails when the spec gains a payload
// where templates/payload-json.tmpl does not look (an inline request body,
// say).
func TestPayloadJSONMethods(t *testing.T) {
	fset := token.NewFileSet()
	models, err := parser.ParseFile(fset, "chat.gen.go", nil, parser.SkipObjectResolution)
	require.NoError(t, err)
	methods, err := parser.ParseFile(fset, "payload_json.gen.go", nil, parser.SkipObjectResolution)
	require.NoError(t, err)

	var withPayload []string
	ast.Inspect(models, func(n ast.Node) bool {
		spec, ok := n.(*ast.TypeSpec)
		if !ok {
			return true
		}
		st, ok := spec.Type.(*ast.StructType)
		if !ok {
			return false
		}
		for _, f := range st.Fields.List {
			if id, ok := f.Type.(*ast.Ident); ok && id.Name == "ChatPayload" {
				withPayload = append(withPayload, spec.Name.Name)
			}
		}
		return false
	})
	assert.ElementsMatch(t, []string{"CreateMessageBody", "Message", "SignalMessageCreatedData"}, withPayload)

	declared := map[string]bool{}
	for _, d := range methods.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv == nil {
			continue
		}
		recv := fn.Recv.List[0].Type
		if star, ok := recv.(*ast.StarExpr); ok {
			recv = star.X
		}
		declared[recv.(*ast.Ident).Name+"."+fn.Name.Name] = true
	}
	for _, typ := range withPayload {
		assert.True(t, declared[typ+".MarshalJSON"], "%s has no MarshalJSON", typ)
		assert.True(t, declared[typ+".UnmarshalJSON"], "%s has no UnmarshalJSON", typ)
	}
}

func TestCreateMessageBodyWritesTypeInside(t *testing.T) {
	b, err := json.Marshal(chatgen.CreateMessageJSONRequestBody{
		ConversationID: "c",
		Payload:        message.Choice("Billing or bug?", message.Option("Billing", "billing")),
		Metadata:       &chatgen.MessageMetadata{"k": "v"},
	})
	require.NoError(t, err)
	assert.JSONEq(t, `{"conversationId":"c","metadata":{"k":"v"},
		"payload":{"type":"choice","text":"Billing or bug?","options":[{"label":"Billing","value":"billing"}]}}`, string(b))

	// Blocs are flat, carousel cards carry their type.
	b, err = json.Marshal(chatgen.CreateMessageBody{ConversationID: "c",
		Payload: message.Bloc(message.Text("a"), message.Image("https://x/i.png"))})
	require.NoError(t, err)
	assert.JSONEq(t, `{"conversationId":"c","payload":{"type":"bloc","items":[{"type":"text","text":"a"},{"type":"image","imageUrl":"https://x/i.png"}]}}`, string(b))
	b, err = json.Marshal(chatgen.CreateMessageBody{ConversationID: "c", Payload: message.Carousel(message.Card("t"))})
	require.NoError(t, err)
	assert.JSONEq(t, `{"conversationId":"c","payload":{"type":"carousel","items":[{"type":"card","title":"t","actions":[]}]}}`, string(b))

	// No payload: null, for the API to refuse.
	b, err = json.Marshal(chatgen.CreateMessageBody{ConversationID: "c"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"conversationId":"c","payload":null}`, string(b))

	// A payload without a type cannot be written in the Chat API's form.
	_, err = json.Marshal(chatgen.CreateMessageBody{Payload: &message.Unknown{Raw: json.RawMessage(`{}`)}})
	assert.Error(t, err)
}

func TestMessageReadsPayload(t *testing.T) {
	var m chatgen.Message
	require.NoError(t, json.Unmarshal([]byte(`{"id":"m1","createdAt":"2024-05-01T10:00:00.000Z","userId":"u","conversationId":"c",
		"payload":{"type":"text","text":"hi"},"metadata":{"n":null}}`), &m))
	assert.Equal(t, chatgen.Message{
		ID: "m1", CreatedAt: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), UserID: "u", ConversationID: "c",
		Payload: message.Text("hi"), Metadata: &chatgen.MessageMetadata{"n": nil},
	}, m)

	var list chatgen.ListMessagesResponse
	require.NoError(t, json.Unmarshal([]byte(`{"messages":[
		{"id":"a","createdAt":"2024-05-01T10:00:00Z","userId":"u","conversationId":"c",
		 "payload":{"type":"bloc","items":[{"type":"text","text":"x"},{"type":"location","latitude":1,"longitude":2}]}},
		{"id":"b","createdAt":"2024-05-01T10:00:00Z","userId":"u","conversationId":"c","payload":{"type":"poll","q":1}},
		{"id":"c","createdAt":"2024-05-01T10:00:00Z","userId":"u","conversationId":"c","payload":null}],
		"meta":{"nextToken":"n"}}`), &list))
	require.Len(t, list.Messages, 3)
	assert.Equal(t, message.Bloc(message.Text("x"), message.Location(1, 2)), list.Messages[0].Payload)
	assert.Equal(t, &message.Unknown{Type: "poll", Raw: json.RawMessage(`{"q":1}`)}, list.Messages[1].Payload)
	assert.Nil(t, list.Messages[2].Payload)
	assert.Equal(t, "n", *list.Meta.NextToken)

	// Written back, it is the Chat API's form again.
	b, err := json.Marshal(list.Messages[0])
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"a","createdAt":"2024-05-01T10:00:00Z","userId":"u","conversationId":"c",
		"payload":{"type":"bloc","items":[{"type":"text","text":"x"},{"type":"location","latitude":1,"longitude":2}]}}`, string(b))

	// A payload of the wrong shape is an error that names the field.
	err = json.Unmarshal([]byte(`{"id":"m","payload":{"type":"text","text":1}}`), &m)
	assert.ErrorContains(t, err, "payload")
	err = json.Unmarshal([]byte(`{"id":"m","payload":{"text":"no type"}}`), &m)
	assert.ErrorContains(t, err, "payload")
}

// TestSignals reads the data of each kind of SSE event the way a listener
// will: into a Signal, then its value by type.
func TestSignals(t *testing.T) {
	for data, want := range map[string]any{
		`{"type":"message_created","data":{"id":"m","createdAt":"2024-05-01T10:00:00Z","userId":"bot","conversationId":"c",
			"payload":{"type":"image","imageUrl":"https://x/i.png"},"isBot":true}}`: chatgen.SignalMessageCreated{
			Type: chatgen.SignalMessageCreatedTypeMessageCreated,
			Data: chatgen.SignalMessageCreatedData{ID: "m", CreatedAt: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
				UserID: "bot", ConversationID: "c", Payload: message.Image("https://x/i.png"), IsBot: true},
		},
		`{"type":"participant_added","data":{"conversationId":"c","participantId":"u2"}}`: chatgen.SignalParticipantAdded{
			Type: chatgen.SignalParticipantAddedTypeParticipantAdded,
			Data: chatgen.SignalParticipantData{ConversationID: "c", ParticipantID: "u2"},
		},
		`{"type":"participant_removed","data":{"conversationId":"c","participantId":"u2"}}`: chatgen.SignalParticipantRemoved{
			Type: chatgen.SignalParticipantRemovedTypeParticipantRemoved,
			Data: chatgen.SignalParticipantData{ConversationID: "c", ParticipantID: "u2"},
		},
		`{"type":"message_deleted","data":{"id":"m","conversationId":"c","userId":"u"}}`: chatgen.SignalMessageDeleted{
			Type: chatgen.SignalMessageDeletedTypeMessageDeleted,
			Data: chatgen.SignalMessageDeletedData{ID: "m", ConversationID: "c", UserID: "u"},
		},
	} {
		var s chatgen.Signal
		require.NoError(t, json.Unmarshal([]byte(data), &s))
		got, err := s.ValueByDiscriminator()
		require.NoError(t, err, data)
		assert.Equal(t, want, got)
	}

	var s chatgen.Signal
	require.NoError(t, json.Unmarshal([]byte(`{"type":"event_created","data":{"id":null,"createdAt":"2024-05-01T10:00:00Z",
		"payload":{"k":1},"conversationId":"c","userId":"u","isBot":false}}`), &s))
	got, err := s.ValueByDiscriminator()
	require.NoError(t, err)
	ev, ok := got.(chatgen.SignalEventCreated)
	require.True(t, ok)
	assert.True(t, ev.Data.ID.IsNull())
	assert.Equal(t, chatgen.EventPayload{"k": float64(1)}, ev.Data.Payload)

	// A type this package does not know: an error the listener skips.
	require.NoError(t, json.Unmarshal([]byte(`{"type":"typing_started","data":{}}`), &s))
	_, err = s.ValueByDiscriminator()
	assert.Error(t, err)
}
