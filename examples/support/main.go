// Command support plays a small support conversation with typed messages:
// a customer writes, the bot answers with a choice, the customer picks an
// option, and the bot sends an image and a card. Then it reads the
// conversation back and prints each message according to its type.
//
//	go run ./examples/support
//
// With no BP_TOKEN set it runs against the in-memory API of package
// bptest, offline. With BP_TOKEN and BP_BOT_ID set (and BP_API_URL if not
// Botpress Cloud) it writes the conversation to that bot.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "support:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, getenv func(string) string) error {
	c, stop, err := connect(getenv)
	if err != nil {
		return err
	}
	defer stop()

	customer, err := c.GetOrCreateUser(ctx, gen.GetOrCreateUserBody{
		Name: client.Ptr("Grace"), Tags: client.NullableStrings(map[string]string{"email": "grace@example.com"}),
	})
	if err != nil {
		return fmt.Errorf("customer: %w", err)
	}
	bot, err := c.GetOrCreateUser(ctx, gen.GetOrCreateUserBody{
		Name: client.Ptr("Support bot"), Tags: client.NullableStrings(map[string]string{"role": "bot"}),
	})
	if err != nil {
		return fmt.Errorf("bot user: %w", err)
	}
	conv, err := c.CreateConversation(ctx, gen.CreateConversationBody{Channel: "web"})
	if err != nil {
		return fmt.Errorf("conversation: %w", err)
	}
	convID := conv.Conversation.ID

	send := func(from string, p message.Payload) error {
		_, err := c.CreateMessage(ctx, gen.CreateMessageBody{ConversationID: convID, UserID: from, Payload: p})
		return err
	}
	img := message.Image("https://example.com/invoice-help.png")
	img.Title = "Where to find your invoice"
	steps := []struct {
		from string
		p    message.Payload
	}{
		{customer.User.ID, message.Text("Hi, I was charged twice this month.")},
		{bot.User.ID, message.Choice("Is this about billing or a bug?",
			message.Option("Billing", "billing"), message.Option("A bug", "bug"))},
		{customer.User.ID, message.Text("billing")},
		{bot.User.ID, img},
		{bot.User.ID, message.Card("Talk to a person",
			message.URLAction("Open a ticket", "https://example.com/tickets/new"),
			message.PostbackAction("Call me back", "callback"))},
	}
	for i, s := range steps {
		if err := send(s.from, s.p); err != nil {
			return fmt.Errorf("message %d: %w", i+1, err)
		}
	}

	// Read the conversation back, oldest first (the API lists newest first).
	msgs, err := client.Collect(c.AllMessages(ctx, &gen.ListMessagesParams{ConversationID: &convID}), 0)
	if err != nil {
		return fmt.Errorf("reading back: %w", err)
	}
	slices.Reverse(msgs)
	names := map[string]string{customer.User.ID: "Grace", bot.User.ID: "bot"}
	for _, m := range msgs {
		p, err := message.Decode(m.Type, m.Payload)
		if err != nil {
			return fmt.Errorf("message %s: %w", m.ID, err)
		}
		who := names[m.UserID]
		switch p := p.(type) {
		case *message.TextPayload:
			fmt.Fprintf(out, "%s: %s\n", who, p.Text)
		case *message.ChoicePayload:
			fmt.Fprintf(out, "%s: %s", who, p.Text)
			for _, o := range p.Options {
				fmt.Fprintf(out, " [%s]", o.Label)
			}
			fmt.Fprintln(out)
		case *message.ImagePayload:
			fmt.Fprintf(out, "%s: (image %q) %s\n", who, p.Title, p.ImageURL)
		case *message.CardPayload:
			fmt.Fprintf(out, "%s: (card) %s", who, p.Title)
			for _, a := range p.Actions {
				fmt.Fprintf(out, " [%s -> %s %s]", a.Label, a.Action, a.Value)
			}
			fmt.Fprintln(out)
		case *message.Unknown:
			fmt.Fprintf(out, "%s: (%s) %s\n", who, p.Type, p.Raw)
		default:
			fmt.Fprintf(out, "%s: (%s)\n", who, p.MessageType())
		}
	}
	return nil
}

// connect returns a client for the configured API or, with no BP_TOKEN, for
// an in-memory one.
func connect(getenv func(string) string) (*client.Client, func(), error) {
	if getenv("BP_TOKEN") != "" {
		if getenv("BP_BOT_ID") == "" {
			return nil, nil, errors.New("BP_BOT_ID must name the bot to talk to")
		}
		c, err := client.New()
		return c, func() {}, err
	}
	srv, err := bptest.New()
	if err != nil {
		return nil, nil, err
	}
	return srv.Client(), func() { srv.Close() }, nil
}
