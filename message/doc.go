// Package message holds the content of Botpress messages as Go values: one
// struct per standard message type (text, markdown, image, audio, video,
// file, location, card, carousel, choice, dropdown, bloc), constructors that
// build them, and the functions that turn them into JSON and back.
//
// The structs are generated from api/messages.yaml (payloads.gen.go); the rest
// of the package is written by hand.
//
// # Sending
//
// Every payload type implements Payload, whose MessageType names the message
// type. The request bodies of package gen take a Payload, and fill the
// message's type from it when it is left empty:
//
//	c.CreateMessage(ctx, gen.CreateMessageBody{
//		ConversationID: conv, UserID: user,
//		Payload: message.Choice("Billing or bug?", message.Option("Billing", "billing"), message.Option("Bug", "bug")),
//	})
//
// A type this package does not know is sent as an *Unknown, whose Raw JSON
// goes out as is; a type of your own that implements Payload works too.
//
// # Reading
//
// Answers carry the payload as Raw JSON beside the type (gen.Message's Type
// and Payload). Decode turns the pair into a Payload to switch on:
//
//	p, err := message.Decode(msg.Type, msg.Payload)
//	switch p := p.(type) {
//	case *message.TextPayload:
//		fmt.Println(p.Text)
//	case *message.Unknown:
//		fmt.Println(p.Type, string(p.Raw))
//	}
//
// # Two wire forms
//
// The runtime API (api.botpress.cloud) sends the type beside the payload, and
// a bloc's parts as {"type", "payload"} objects. The Chat API puts the type
// inside the payload ({"type":"text","text":"hi"}), bloc parts are flat, and
// carousel cards carry "type":"card". The structs hold no type, so that one
// set of structs serves both: json.Marshal and Decode speak the runtime form,
// EncodeWithType and DecodeWithType the Chat form.
//
// Fields that a standard type does not define are dropped when decoding into
// its struct; Raw and Unknown keep the JSON as it came.
package message

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config oapi-codegen.yaml ../api/messages.yaml
