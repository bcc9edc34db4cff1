package message_test

import (
	"encoding/json"
	"fmt"

	"github.com/botpress-go/sdk/message"
)

// Build payloads, write them as the runtime API carries them, and read them
// back as Go values to switch on.
func Example() {
	card := message.Card("Pro plan", message.URLAction("Details", "https://example.com/pro"))
	card.Subtitle = "$20 a month"
	sent := []message.Payload{
		message.Text("Hello!"),
		message.Choice("Billing or bug?", message.Option("Billing", "billing"), message.Option("Bug", "bug")),
		card,
		&message.Unknown{Type: "poll", Raw: json.RawMessage(`{"question":"Lunch?"}`)},
	}
	for _, p := range sent {
		// On the wire: the type beside the payload.
		payload, err := json.Marshal(p)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s %s\n", p.MessageType(), payload)

		got, err := message.Decode(p.MessageType(), payload)
		if err != nil {
			fmt.Println(err)
			return
		}
		switch got := got.(type) {
		case *message.TextPayload:
			fmt.Println("  says:", got.Text)
		case *message.ChoicePayload:
			fmt.Println("  asks:", got.Text, "with", len(got.Options), "options")
		case *message.CardPayload:
			fmt.Println("  card:", got.Title, "-", got.Subtitle)
		case *message.Unknown:
			fmt.Println("  unknown type", got.Type, "kept as", string(got.Raw))
		}
	}
	// Output:
	// text {"text":"Hello!"}
	//   says: Hello!
	// choice {"options":[{"label":"Billing","value":"billing"},{"label":"Bug","value":"bug"}],"text":"Billing or bug?"}
	//   asks: Billing or bug? with 2 options
	// card {"actions":[{"action":"url","label":"Details","value":"https://example.com/pro"}],"subtitle":"$20 a month","title":"Pro plan"}
	//   card: Pro plan - $20 a month
	// poll {"question":"Lunch?"}
	//   unknown type poll kept as {"question":"Lunch?"}
}

// The Chat API puts the type inside the payload, and a bloc's parts are flat.
func ExampleEncodeWithType() {
	bloc := message.Bloc(message.Text("Here is the map:"), message.Location(45.5017, -73.5673))
	b, err := message.EncodeWithType(bloc)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(b))

	back, err := message.DecodeWithType(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, item := range back.(*message.BlocPayload).Items {
		fmt.Println(item.Type)
	}
	// Output:
	// {"type":"bloc","items":[{"type":"text","text":"Here is the map:"},{"type":"location","latitude":45.5017,"longitude":-73.5673}]}
	// text
	// location
}

// Read the payload of a message from an answer (gen.Message's Type and
// Payload).
func ExampleDecode() {
	var msg struct {
		Type    string      `json:"type"`
		Payload message.Raw `json:"payload"`
	}
	answer := `{"type":"image","payload":{"imageUrl":"https://example.com/cat.png","title":"Cat"}}`
	if err := json.Unmarshal([]byte(answer), &msg); err != nil {
		fmt.Println(err)
		return
	}
	p, err := message.Decode(msg.Type, msg.Payload)
	if err != nil {
		fmt.Println(err)
		return
	}
	if img, ok := p.(*message.ImagePayload); ok {
		fmt.Println(img.Title, img.ImageURL)
	}
	// Output:
	// Cat https://example.com/cat.png
}
