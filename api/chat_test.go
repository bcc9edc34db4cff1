package api_test

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/api"
	"github.com/botpress-go/sdk/message"
)

func loadChat(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.Chat)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	return doc
}

// chatOperations are the operations of the Chat API as @botpress/chat
// 0.5.5 calls them (make chat-diff checks them against the package).
var chatOperations = []string{
	"createUser", "getUser", "getOrCreateUser", "updateUser", "deleteUser",
	"createConversation", "getConversation", "getOrCreateConversation", "deleteConversation", "listConversations",
	"listenConversation",
	"listMessages", "createMessage", "getMessage", "deleteMessage",
	"addParticipant", "removeParticipant", "getParticipant", "listParticipants",
	"createEvent", "getEvent",
}

// TestChatConventions checks that api/chat.yaml follows the conventions of
// api/openapi.yaml (TestConventions), with the Chat API's own server and
// user-key authentication; see "Chat API spec" in CONTRIBUTING.md.
func TestChatConventions(t *testing.T) {
	doc := loadChat(t)

	require.Len(t, doc.Servers, 1)
	assert.Equal(t, "https://chat.botpress.cloud/{webhookId}", doc.Servers[0].URL)
	if assert.Contains(t, doc.Servers[0].Variables, "webhookId") {
		assert.NotEmpty(t, doc.Servers[0].Variables["webhookId"].Description)
	}
	require.Contains(t, doc.Components.SecuritySchemes, "userKey")
	key := doc.Components.SecuritySchemes["userKey"].Value
	assert.Equal(t, "apiKey", key.Type)
	assert.Equal(t, "header", key.In)
	assert.Equal(t, "x-user-key", key.Name)
	require.Len(t, doc.Security, 1)
	assert.Contains(t, doc.Security[0], "userKey")

	tags := map[string]bool{}
	for _, tag := range doc.Tags {
		tags[tag.Name] = true
		assert.NotEmpty(t, tag.Description, "tag %s", tag.Name)
	}
	var ids []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path + " " + op.OperationID
			require.NotEmpty(t, op.OperationID, name)
			assert.NotContains(t, ids, op.OperationID, "duplicate operationId")
			ids = append(ids, op.OperationID)
			assert.NotEmpty(t, op.Summary, "summary of %s", name)
			assert.NotEmpty(t, op.Description, "description of %s", name)
			if assert.Len(t, op.Tags, 1, name) {
				assert.True(t, tags[op.Tags[0]], "%s: tag %q is not declared", name, op.Tags[0])
			}

			// Every call but createUser sends the user key: the global
			// requirement, which createUser alone lifts.
			if op.OperationID == "createUser" {
				if assert.NotNil(t, op.Security, name) {
					assert.Empty(t, *op.Security, "%s needs no key", name)
				}
			} else {
				assert.Nil(t, op.Security, "%s: takes the global user key", name)
			}

			for _, code := range []string{"4XX", "default"} {
				r := op.Responses.Value(code)
				if assert.NotNil(t, r, "%s: no %s response", name, code) {
					assert.Equal(t, "#/components/responses/Error", r.Ref, "%s: %s", name, code)
				}
			}
			success := 0
			for code, r := range op.Responses.Map() {
				if !strings.HasPrefix(code, "2") {
					continue
				}
				success++
				media := "application/json"
				if op.OperationID == "listenConversation" {
					media = "text/event-stream"
				}
				mt := r.Value.Content.Get(media)
				if assert.NotNil(t, mt, "%s: %s answer", name, media) {
					assert.True(t, strings.HasPrefix(mt.Schema.Ref, "#/components/schemas/"), "%s: success body should be a named schema", name)
				}
			}
			assert.Equal(t, 1, success, "%s: one success response", name)

			hasNextToken := false
			for _, p := range op.Parameters {
				assert.NotEmpty(t, p.Value.Description, "%s: parameter %s", name, p.Value.Name)
				assert.NotEqual(t, "header", p.Value.In, "%s: the Chat API takes no header but the user key", name)
				if p.Value.Name == "nextToken" {
					hasNextToken = true
					assert.Equal(t, "#/components/parameters/NextToken", p.Ref, name)
				}
			}
			if hasNextToken {
				body := op.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
				order, _ := op.Extensions["x-botpress-order"].(string)
				assert.NotEmpty(t, order, "%s: a list operation says its order in x-botpress-order", name)
				if assert.Contains(t, body.Properties, "meta", name) {
					assert.Equal(t, "#/components/schemas/PageMeta", body.Properties["meta"].Ref, name)
				}
			}
			if op.RequestBody != nil {
				assert.NotEmpty(t, op.RequestBody.Value.Description, "%s: request body", name)
				if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil {
					// A named body, as in the main spec: chatgen.<Op>Body.
					want := "#/components/schemas/" + strings.ToUpper(op.OperationID[:1]) + op.OperationID[1:] + "Body"
					assert.Equal(t, want, mt.Schema.Ref, "%s: the JSON body should be the named schema", name)
				}
			}
		}
	}
	sort.Strings(ids)
	want := slices.Clone(chatOperations)
	sort.Strings(want)
	assert.Equal(t, want, ids)
}

// TestChatDescriptions checks that every schema and every property of the
// Chat API, named or inline, has a description of its own (a $ref takes its
// target's).
func TestChatDescriptions(t *testing.T) {
	doc := loadChat(t)
	seen := map[*openapi3.Schema]bool{}
	var walk func(where string, s *openapi3.SchemaRef, named bool)
	walk = func(where string, s *openapi3.SchemaRef, named bool) {
		if s == nil || s.Value == nil || seen[s.Value] {
			return
		}
		seen[s.Value] = true
		v := s.Value
		if named {
			assert.NotEmpty(t, v.Description, "%s has no description", where)
		}
		for name, p := range v.Properties {
			if p.Ref == "" {
				assert.NotEmpty(t, p.Value.Description, "%s.%s has no description", where, name)
			}
			walk(where+"."+name, p, false)
		}
		for i, sub := range slices.Concat(v.AllOf, v.OneOf, v.AnyOf) {
			walk(where+"/"+string(rune('0'+i)), sub, false)
		}
		if v.Items != nil {
			walk(where+"[]", v.Items, false)
		}
		if ap := v.AdditionalProperties.Schema; ap != nil {
			walk(where+"<value>", ap, false)
		}
	}
	for name, s := range doc.Components.Schemas {
		walk(name, s, true)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody != nil {
				for _, mt := range op.RequestBody.Value.Content {
					// The body's own description is on the requestBody.
					walk(method+" "+path, mt.Schema, mt.Schema.Ref != "")
				}
			}
		}
	}
}

// TestChatErrorSchema checks that the Chat API's error body is the main
// spec's, with its 26 types: the bundle copies it from api/openapi.yaml.
func TestChatErrorSchema(t *testing.T) {
	chat, main := loadChat(t), load(t)
	for _, name := range []string{"Error", "ErrorType", "PageMeta", "EmptyResponse"} {
		require.Contains(t, chat.Components.Schemas, name)
		got, err := json.Marshal(chat.Components.Schemas[name].Value)
		require.NoError(t, err)
		want, err := json.Marshal(main.Components.Schemas[name].Value)
		require.NoError(t, err)
		assert.JSONEq(t, string(want), string(got), name)
	}
	assert.Len(t, chat.Components.Schemas["ErrorType"].Value.Enum, 26)
}

// branchType is the one value the type property of a union branch allows,
// looked for in the branch and its allOf parts.
func branchType(t *testing.T, s *openapi3.Schema) string {
	t.Helper()
	for _, part := range append([]*openapi3.SchemaRef{{Value: s}}, s.AllOf...) {
		if p, ok := part.Value.Properties["type"]; ok {
			require.Len(t, p.Value.Enum, 1)
			assert.Contains(t, part.Value.Required, "type")
			return p.Value.Enum[0].(string)
		}
	}
	t.Fatalf("no type property")
	return ""
}

// TestChatPayloadUnion checks the union of message payloads: one branch per
// standard message type, each taking in the payload schema of
// api/messages.yaml for its type, and the discriminator's mapping agreeing
// with each branch's type.
func TestChatPayloadUnion(t *testing.T) {
	doc := loadChat(t)
	for union, want := range map[string][]string{
		"ChatPayload":  message.Types(),
		"ChatBlocItem": {message.TypeText, message.TypeMarkdown, message.TypeImage, message.TypeAudio, message.TypeVideo, message.TypeFile, message.TypeLocation},
	} {
		s := doc.Components.Schemas[union].Value
		require.NotNil(t, s.Discriminator, union)
		assert.Equal(t, "type", s.Discriminator.PropertyName, union)
		var got []string
		for typ, ref := range s.Discriminator.Mapping {
			got = append(got, typ)
			branch := doc.Components.Schemas[strings.TrimPrefix(ref.Ref, "#/components/schemas/")]
			require.NotNil(t, branch, "%s: %s", union, ref.Ref)
			assert.Equal(t, typ, branchType(t, branch.Value), "%s: %s", union, ref.Ref)
			assert.True(t, slices.ContainsFunc(s.OneOf, func(o *openapi3.SchemaRef) bool { return o.Ref == ref.Ref }),
				"%s: %s is mapped but not in oneOf", union, ref.Ref)
			if typ == message.TypeBloc {
				continue // the Chat API's bloc has flat items: its own schema
			}
			base := slices.IndexFunc(branch.Value.AllOf, func(p *openapi3.SchemaRef) bool {
				return p.Value.Extensions["x-botpress-message-type"] == typ
			})
			assert.GreaterOrEqual(t, base, 0, "%s: %s should take in the %s payload of messages.yaml", union, ref.Ref, typ)
		}
		assert.ElementsMatch(t, want, got, union)
		assert.Len(t, s.OneOf, len(want), union)
	}
	assert.Equal(t, "message.Payload", doc.Components.Schemas["ChatPayload"].Value.Extensions["x-go-type"])
}

// TestChatPayloadsValidate checks the spec against package message: what
// message.EncodeWithType writes for each standard type is valid against
// ChatPayload, and the runtime API's form is not.
func TestChatPayloadsValidate(t *testing.T) {
	doc := loadChat(t)
	union := doc.Components.Schemas["ChatPayload"].Value
	card := message.Card("Plans", message.URLAction("See", "https://example.com/p"), message.PostbackAction("Buy", "buy"))
	card.Subtitle = "Monthly"
	payloads := []message.Payload{
		message.Text("hi"),
		message.Markdown("*hi*"),
		message.Image("https://example.com/i.png"),
		message.Audio("https://example.com/a.mp3"),
		message.Video("https://example.com/v.mp4"),
		message.File("https://example.com/f.pdf"),
		message.Location(45.5, -73.6),
		card,
		message.Carousel(card, message.Card("Empty")),
		message.Choice("Which?", message.Option("A", "a"), message.Option("B", "b")),
		message.Dropdown("Which?", message.Option("A", "a")),
		message.Bloc(message.Text("one"), message.Image("https://example.com/i.png"), message.Location(1, 2)),
	}
	var covered []string
	for _, p := range payloads {
		b, err := message.EncodeWithType(p)
		require.NoError(t, err)
		var v any
		require.NoError(t, json.Unmarshal(b, &v))
		assert.NoError(t, union.VisitJSON(v), "%s: %s", p.MessageType(), b)
		covered = append(covered, p.MessageType())
	}
	assert.ElementsMatch(t, message.Types(), covered)

	for name, bad := range map[string]string{
		"no type":           `{"text":"hi"}`,
		"unknown type":      `{"type":"poll","question":"?"}`,
		"missing field":     `{"type":"image"}`,
		"runtime bloc item": `{"type":"bloc","items":[{"type":"text","payload":{"text":"hi"}}]}`,
		"untyped card":      `{"type":"carousel","items":[{"title":"t","actions":[]}]}`,
		"card in a bloc":    `{"type":"bloc","items":[{"type":"card","title":"t","actions":[]}]}`,
	} {
		var v any
		require.NoError(t, json.Unmarshal([]byte(bad), &v))
		assert.Error(t, union.VisitJSON(v), name)
	}
}

// TestChatSignals checks the union of signals that listenConversation
// streams: five types, each mapped to the branch whose type it is.
func TestChatSignals(t *testing.T) {
	doc := loadChat(t)
	s := doc.Components.Schemas["Signal"].Value
	require.NotNil(t, s.Discriminator)
	var got []string
	for typ, ref := range s.Discriminator.Mapping {
		got = append(got, typ)
		branch := doc.Components.Schemas[strings.TrimPrefix(ref.Ref, "#/components/schemas/")]
		require.NotNil(t, branch, ref.Ref)
		assert.True(t, strings.HasPrefix(strings.TrimPrefix(ref.Ref, "#/components/schemas/"), "Signal"), ref.Ref)
		assert.Equal(t, typ, branchType(t, branch.Value))
		assert.ElementsMatch(t, []string{"type", "data"}, branch.Value.Required, ref.Ref)
	}
	assert.ElementsMatch(t, []string{"message_created", "event_created", "participant_added", "participant_removed", "message_deleted",
		"message_stream_delta", "message_stream_complete", "message_stream_abort"}, got)

	listen := doc.Paths.Find("/conversations/{id}/listen").Get
	assert.Equal(t, "#/components/schemas/Signal", listen.Responses.Status(200).Value.Content.Get("text/event-stream").Schema.Ref)

	var v any
	require.NoError(t, json.Unmarshal([]byte(`{"type":"message_created","data":{"id":"m","createdAt":"2024-05-01T10:00:00.000Z",
		"payload":{"type":"text","text":"hi"},"userId":"u","conversationId":"c","isBot":true}}`), &v))
	assert.NoError(t, s.VisitJSON(v))
	require.NoError(t, json.Unmarshal([]byte(`{"type":"event_created","data":{"id":null,"createdAt":"2024-05-01T10:00:00.000Z",
		"payload":{"k":1},"userId":"u","conversationId":"c","isBot":false}}`), &v))
	assert.NoError(t, s.VisitJSON(v))
	require.NoError(t, json.Unmarshal([]byte(`{"type":"message_created","data":{"id":"m"}}`), &v))
	assert.Error(t, s.VisitJSON(v))

	// The signals of a streamed reply, as Botpress's source at
	// info.x-botpress-chat-source sends them.
	for _, ok := range []string{
		`{"type":"message_stream_delta","data":{"streamId":"s","conversationId":"c","userId":"b","createdAt":"2026-08-01T10:00:00.000Z","sequence":0,"delta":"Hel"}}`,
		`{"type":"message_stream_delta","data":{"streamId":"s","conversationId":"c","userId":"b","createdAt":"x","clientMessageId":"cm","sequence":3,"delta":""}}`,
		`{"type":"message_stream_complete","data":{"streamId":"s","message":{"id":"m","createdAt":"2024-05-01T10:00:00.000Z",
			"payload":{"type":"text","text":"Hello"},"userId":"b","conversationId":"c","metadata":{"streamId":"s"}}}}`,
		`{"type":"message_stream_abort","data":{"streamId":"s","conversationId":"c"}}`,
	} {
		require.NoError(t, json.Unmarshal([]byte(ok), &v))
		assert.NoError(t, s.VisitJSON(v), ok)
	}
	for _, bad := range []string{
		`{"type":"message_stream_delta","data":{"streamId":"s","conversationId":"c","userId":"b","createdAt":"x","delta":"Hel"}}`,
		`{"type":"message_stream_complete","data":{"streamId":"s"}}`,
		`{"type":"message_stream_abort","data":{"streamId":"s"}}`,
	} {
		require.NoError(t, json.Unmarshal([]byte(bad), &v))
		assert.Error(t, s.VisitJSON(v), bad)
	}

	// Where those facts come from, and the other two ways signals travel.
	src, _ := doc.Info.Extensions["x-botpress-chat-source"].(string)
	assert.Regexp(t, `^[0-9a-f]{40}$`, src, "info.x-botpress-chat-source names a commit of github.com/botpress/botpress")
	ws, _ := listen.Extensions["x-botpress-websocket"].(map[string]any)
	require.NotNil(t, ws, "listenConversation describes its WebSocket form")
	assert.Contains(t, ws["url"], "?x-user-key=")
	assert.EqualValues(t, 30, ws["keepAliveSeconds"])
	hook, _ := listen.Extensions["x-botpress-webhook"].(map[string]any)
	require.NotNil(t, hook, "listenConversation describes the webhook delivery")
	assert.Equal(t, "POST", hook["method"])
	assert.Equal(t, "#/components/schemas/Signal", hook["body"])
	assert.Contains(t, hook["headers"], "x-secret-key")
}
