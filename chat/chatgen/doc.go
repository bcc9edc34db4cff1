// Package chatgen holds the models that oapi-codegen generates from the
// Chat API's spec, api/chat.yaml: request bodies, parameters, answers,
// resources and the signals of a conversation's event stream. The Chat API
// is the user's side of a bot (https://chat.botpress.cloud/{webhookId}),
// which a person's app calls with a user key. Do not edit the generated
// files: change the spec or the oapi-codegen*.yaml files here and run
// `go generate ./...`.
//
// # Message payloads
//
// In the Chat API a message's payload holds its type:
// {"type":"text","text":"hi"}. Here a payload is a message.Payload
// (ChatPayload is an alias of it), as in package gen. The models that carry
// one (Message, CreateMessageBody, SignalMessageCreatedData) have JSON methods
// (payload_json.gen.go, from templates/payload-json.tmpl) that write it with
// message.EncodeWithType and read it with message.DecodeWithType, so a
// payload decodes to *message.TextPayload, *message.ChoicePayload, ..., or a
// *message.Unknown.
//
// # Signals
//
// Signal is one event of the stream that listenConversation opens: a union
// of SignalMessageCreated, SignalEventCreated, SignalParticipantAdded,
// SignalParticipantRemoved and SignalMessageDeleted, told apart by their
// type. Signal.ValueByDiscriminator returns the one it holds; a type this
// package does not know is an error there, which a listener should skip.
package chatgen

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config oapi-codegen.yaml ../../api/chat.bundle.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config oapi-codegen-payload-json.yaml ../../api/chat.bundle.yaml
