// Command quickstart runs a first flow through the SDK: get or create a
// user, open a conversation, send messages, walk them page by page, keep a
// state, and catch a typed 404.
//
//	go run ./examples/quickstart
//
// With no BP_TOKEN set it starts the in-memory API of package bptest and
// runs against it, offline. With BP_TOKEN and BP_BOT_ID set (and BP_API_URL
// if not Botpress Cloud) it runs the same flow against that API.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/oapi-codegen/nullable"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run does the flow, printing each step to out.
func run(ctx context.Context, out io.Writer, getenv func(string) string) error {
	c, where, stop, err := connect(getenv)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintln(out, "talking to", where)

	user, err := c.GetOrCreateUser(ctx, gen.GetOrCreateUserBody{
		Name: client.Ptr("Ada"),
	})
	if err != nil {
		return fmt.Errorf("get or create user: %w", err)
	}
	fmt.Fprintln(out, "user:", user.User.ID)

	conv, err := c.CreateConversation(ctx, gen.CreateConversationBody{
		Channel: "channel",
	})
	if err != nil {
		return fmt.Errorf("create conversation: %w", err)
	}
	fmt.Fprintln(out, "conversation:", conv.Conversation.ID)

	// Four text messages and a choice; each message's type comes from its payload.
	payloads := []message.Payload{
		message.Text("message 1"), message.Text("message 2"), message.Text("message 3"), message.Text("message 4"),
		message.Choice("message 5: anything else?", message.Option("Yes", "yes"), message.Option("No", "no")),
	}
	for i, p := range payloads {
		_, err := c.CreateMessage(ctx, gen.CreateMessageBody{
			ConversationID: conv.Conversation.ID, UserID: user.User.ID, Payload: p,
		})
		if err != nil {
			return fmt.Errorf("create message %d: %w", i+1, err)
		}
	}
	fmt.Fprintln(out, "sent 5 messages")

	// The walker fetches pages as the loop needs them.
	n := 0
	for msg, err := range c.AllMessages(ctx, &gen.ListMessagesParams{ConversationID: &conv.Conversation.ID}) {
		if err != nil {
			return fmt.Errorf("walk messages: %w", err)
		}
		n++
		p, err := message.Decode(msg.Type, msg.Payload)
		if err != nil {
			return fmt.Errorf("read message %s: %w", msg.ID, err)
		}
		switch p := p.(type) {
		case *message.TextPayload:
			fmt.Fprintf(out, "  %s text: %s\n", msg.ID, p.Text)
		case *message.ChoicePayload:
			fmt.Fprintf(out, "  %s choice: %s (%d options)\n", msg.ID, p.Text, len(p.Options))
		default:
			fmt.Fprintf(out, "  %s %s: %s\n", msg.ID, msg.Type, msg.Payload)
		}
	}
	fmt.Fprintln(out, "walked", n, "messages")

	_, err = c.SetState(ctx, gen.StateTypeConversation, conv.Conversation.ID, "progress", gen.SetStateBody{
		Payload: nullable.NewNullableWithValue(map[string]any{"step": 2}),
	})
	if err != nil {
		return fmt.Errorf("set state: %w", err)
	}
	state, err := c.GetState(ctx, gen.StateTypeConversation, conv.Conversation.ID, "progress")
	if err != nil {
		return fmt.Errorf("get state: %w", err)
	}
	fmt.Fprintln(out, "state:", state.State.Payload["step"])

	_, err = c.GetUser(ctx, "user_does_not_exist_00000000000")
	switch {
	case errors.Is(err, bperrors.ErrResourceNotFound):
		var apiErr *bperrors.APIError
		errors.As(err, &apiErr)
		fmt.Fprintln(out, "unknown user: ResourceNotFound, status", apiErr.StatusCode)
	case err == nil:
		return errors.New("an unknown user was found")
	default:
		return fmt.Errorf("get unknown user: %w", err)
	}
	return nil
}

// connect returns a client for Botpress Cloud when BP_TOKEN is set, or for
// an in-memory API otherwise, and a function that releases it.
func connect(getenv func(string) string) (*client.Client, string, func(), error) {
	if getenv(client.EnvToken) != "" {
		if getenv(client.EnvBotID) == "" {
			return nil, "", nil, errors.New("BP_TOKEN is set: set BP_BOT_ID too")
		}
		c, err := client.New() // reads BP_TOKEN, BP_BOT_ID, BP_API_URL ...
		if err != nil {
			return nil, "", nil, err
		}
		return c, c.BaseURL(), func() {}, nil
	}
	srv, err := bptest.New()
	if err != nil {
		return nil, "", nil, err
	}
	return srv.Client(), "an in-memory Botpress API at " + srv.URL + " (set BP_TOKEN and BP_BOT_ID to use Botpress Cloud)", func() { srv.Close() }, nil
}
