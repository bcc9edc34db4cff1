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

// Assemble turns the pieces of a streamed reply into its growing text and
// gives its final message once, here from signals as a server may send
// them: out of order, repeated, then the final message twice (complete,
// then created).
func ExampleAssemble() {
	piece := func(seq int64, text string) chat.Signal {
		d := &chat.MessageStreamDelta{}
		d.StreamID, d.Sequence, d.Delta = "stream-1", seq, text
		return d
	}
	final := chatgen.Message{ID: "msg-1", Payload: message.Text("Hello, world"),
		Metadata: &chatgen.MessageMetadata{"streamId": "stream-1"}}
	signals := []chat.Signal{
		piece(1, "Hello"), piece(3, "world"), piece(2, ", "), piece(2, ", "),
		&chat.MessageStreamComplete{StreamID: "stream-1", Message: final},
		&chat.MessageCreated{Message: final, IsBot: true},
	}
	source := func(yield func(chat.Signal, error) bool) {
		for _, s := range signals {
			if !yield(s, nil) {
				return
			}
		}
	}
	for sig, err := range chat.Assemble(source) {
		if err != nil {
			log.Fatal(err)
		}
		switch s := sig.(type) {
		case *chat.StreamText:
			fmt.Printf("text: %q\n", s.Text)
		case *chat.MessageCreated:
			fmt.Println("final:", s.Message.Payload.(*message.TextPayload).Text, "of", s.StreamID)
		}
	}
	// Output:
	// text: "Hello"
	// text: "Hello, world"
	// final: Hello, world of stream-1
}
