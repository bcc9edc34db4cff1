package chatgen_test

import (
	"encoding/json"
	"fmt"

	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/message"
)

// A signal of listenConversation's stream decodes into Signal; ValueByDiscriminator gives the
// typed value, and a message's payload is a message.Payload. (chat.Client.Listen does this for
// you, with reconnection.)
func ExampleSignal() {
	data := `{"type":"message_created","data":{"id":"msg_1","conversationId":"conv_1","userId":"user_bot",
		"isBot":true,"createdAt":"2026-12-07T12:00:00.000Z","payload":{"type":"text","text":"Hi there"}}}`
	var s chatgen.Signal
	if err := json.Unmarshal([]byte(data), &s); err != nil {
		fmt.Println(err)
		return
	}
	v, err := s.ValueByDiscriminator()
	if err != nil {
		fmt.Println("a signal this package does not know:", err)
		return
	}
	if m, ok := v.(chatgen.SignalMessageCreated); ok {
		if text, ok := m.Data.Payload.(*message.TextPayload); ok {
			fmt.Println(m.Data.IsBot, text.Text)
		}
	}
	// Output: true Hi there
}
