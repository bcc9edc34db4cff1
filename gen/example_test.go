package gen_test

import (
	"encoding/json"
	"fmt"

	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// A request body is a plain struct; a message's type comes from its payload, and the optional
// fields left empty are left out of the JSON.
func ExampleCreateMessageBody() {
	body := gen.CreateMessageBody{
		ConversationID: "conv_1",
		UserID:         "user_1",
		Payload:        message.Text("Hello"),
		Tags:           map[string]string{},
	}
	b, err := json.Marshal(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(b))
	// Output: {"conversationId":"conv_1","payload":{"text":"Hello"},"tags":{},"type":"text","userId":"user_1"}
}

// Query parameters are a struct of pointers: client.Ptr fills the optional ones.
func ExampleListConversationsParams() {
	params := &gen.ListConversationsParams{Channel: client.Ptr("web"), PageSize: client.Ptr(50)}
	fmt.Println(*params.Channel, *params.PageSize)
	// Output: web 50
}
