package chat_test

import (
	"context"
	"fmt"
	"log"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/message"
)

// echoBot starts bptest, an in-memory Botpress whose Chat API stands in for
// https://chat.botpress.cloud/<webhook ID>, with a bot that answers every
// message with "echo: " and its text; close it when done.
func echoBot() *bptest.Server {
	srv, err := bptest.New()
	if err != nil {
		log.Fatal(err)
	}
	srv.OnMessage(func(_ context.Context, m bptest.IncomingMessage) []message.Payload {
		if t, ok := m.Payload.(*message.TextPayload); ok {
			return []message.Payload{message.Text("echo: " + t.Text)}
		}
		return nil
	})
	return srv
}

// A new user starts a conversation, says hello and reads the bot's answer.
func Example() {
	srv := echoBot()
	defer srv.Close()
	ctx := context.Background()

	// With Botpress Cloud: chat.Connect(ctx, "<webhook ID>").
	c, err := chat.Connect(ctx, "", chat.WithBaseURL(srv.ChatURL()))
	if err != nil {
		log.Fatal(err)
	}
	conv, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{})
	if err != nil {
		log.Fatal(err)
	}
	reply, err := c.SendAndWait(ctx, conv.Conversation.ID, message.Text("Hello"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(reply.Payload.(*message.TextPayload).Text)
	// Output: echo: Hello
}

// Listen yields what happens in a conversation; the loop ends when it
// breaks or ctx ends, and the connection with it.
func ExampleClient_Listen() {
	srv := echoBot()
	defer srv.Close()
	ctx := context.Background()
	c, err := chat.Connect(ctx, "", chat.WithBaseURL(srv.ChatURL()))
	if err != nil {
		log.Fatal(err)
	}
	conv, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{ID: chat.Ptr("support-1")})
	if err != nil {
		log.Fatal(err)
	}
	sent, err := c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: conv.Conversation.ID, Payload: message.Text("Hi")})
	if err != nil {
		log.Fatal(err)
	}
	// From the message sent on, so that an answer already there is not missed.
	for sig, err := range c.Listen(ctx, conv.Conversation.ID, chat.WithResumeAfter(sent.Message)) {
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
