package chat_test

import (
	"context"
	"fmt"
	"log"

	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/message"
)

// echoBot starts a stand-in for https://chat.botpress.cloud/<webhook ID>
// whose bot answers every message with "echo: " and the text; close it
// when done.
func echoBot() *fakeChat {
	f := startFakeChat(func(format string, args ...any) { log.Printf(format, args...) })
	f.onCreate = func(f *fakeChat, m chatgen.Message) { f.say(fkBot, "echo: "+text(m)) }
	return f
}

// A new user starts a conversation, says hello and reads the bot's answer.
func Example() {
	bot := echoBot()
	defer bot.srv.Close()
	ctx := context.Background()

	// With the real API: chat.Connect(ctx, "<webhook ID>").
	c, err := chat.Connect(ctx, "", chat.WithBaseURL(bot.srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	conv, err := c.CreateConversation(ctx, chatgen.CreateConversationJSONRequestBody{})
	if err != nil {
		log.Fatal(err)
	}
	reply, err := c.SendAndWait(ctx, conv.Conversation.ID, &message.TextPayload{Text: "Hello"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(reply.Payload.(*message.TextPayload).Text)
	// Output: echo: Hello
}

// Listen yields what happens in a conversation; the loop ends when it
// breaks or ctx ends, and the connection with it.
func ExampleClient_Listen() {
	bot := echoBot()
	defer bot.srv.Close()
	ctx := context.Background()
	c, err := chat.Connect(ctx, "", chat.WithBaseURL(bot.srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	sent, err := c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: "conv_1", Payload: &message.TextPayload{Text: "Hi"}})
	if err != nil {
		log.Fatal(err)
	}
	// From the message sent on, so that an answer already there is not missed.
	for sig, err := range c.Listen(ctx, "conv_1", chat.WithResumeAfter(sent.Message)) {
		if err != nil {
			log.Fatal(err)
		}
		switch s := sig.(type) {
		case *chat.MessageCreated:
			if s.IsBot {
				fmt.Println("bot:", s.Message.Payload.(*message.TextPayload).Text)
				return
			}
		case *chat.ParticipantRemoved:
			fmt.Println("left:", s.ParticipantID)
		}
	}
	// Output: bot: echo: Hi
}
