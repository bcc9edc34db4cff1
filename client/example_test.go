package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"

	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// exampleServer stands in for Botpress Cloud so that the examples run
// offline: a handful of routes with canned answers, and five messages
// served two per page.
func exampleServer() *httptest.Server {
	const ts = `"createdAt":"2026-01-02T03:04:05Z","updatedAt":"2026-01-02T03:04:05Z"`
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/users/get-or-create", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"user":{"id":"user_1","name":"Ada","tags":{"email":"ada@example.com"},`+ts+`}}`)
	})
	mux.HandleFunc("POST /v1/chat/conversations", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 201, `{"conversation":{"id":"conv_1","channel":"channel","integration":"webhook","tags":{},`+ts+`}}`)
	})
	mux.HandleFunc("POST /v1/chat/messages", func(w http.ResponseWriter, r *http.Request) {
		// The message sent, as the API answers it.
		var in struct {
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			reply(w, 400, `{"id":"err_2","code":400,"type":"InvalidPayload","message":"bad body"}`)
			return
		}
		typ, _ := json.Marshal(in.Type)
		reply(w, 201, `{"message":{"id":"msg_1","type":`+string(typ)+`,"payload":`+string(in.Payload)+`,"direction":"outgoing","userId":"user_1","conversationId":"conv_1","tags":{},`+ts+`}}`)
	})
	mux.HandleFunc("GET /v1/chat/messages", func(w http.ResponseWriter, r *http.Request) {
		start, _ := strconv.Atoi(r.URL.Query().Get("nextToken"))
		var items []string
		for i := start; i < start+2 && i < 5; i++ {
			items = append(items, fmt.Sprintf(`{"id":"msg_%d","type":"text","payload":{"text":"message %d"},"direction":"incoming","userId":"user_1","conversationId":"conv_1","tags":{},%s}`, i+1, i+1, ts))
		}
		meta := `{}`
		if start+2 < 5 {
			meta = fmt.Sprintf(`{"nextToken":"%d"}`, start+2)
		}
		reply(w, 200, `{"messages":[`+strings.Join(items, ",")+`],"meta":`+meta+`}`)
	})
	mux.HandleFunc("GET /v1/chat/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 404, `{"id":"err_1","code":404,"type":"ResourceNotFound","message":"User `+r.PathValue("id")+` not found"}`)
	})
	return httptest.NewServer(mux)
}

// A first call: get or create a user, open a conversation and send a
// message. Without options, New reads BP_TOKEN, BP_BOT_ID and BP_API_URL.
func Example() {
	srv := exampleServer() // stands in for https://api.botpress.cloud
	defer srv.Close()

	c, err := client.New(
		client.WithToken("bp_pat_..."), // or BP_TOKEN
		client.WithBotID("bot_123"),    // or BP_BOT_ID
		client.WithBaseURL(srv.URL),    // or BP_API_URL; defaults to Botpress Cloud
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	user, err := c.GetOrCreateUser(ctx, gen.GetOrCreateUserBody{
		Tags: client.NullableStrings(map[string]string{"email": "ada@example.com"}),
	})
	if err != nil {
		log.Fatal(err)
	}
	conv, err := c.CreateConversation(ctx, gen.CreateConversationBody{
		Channel: "channel",
		Tags:    map[string]string{},
	})
	if err != nil {
		log.Fatal(err)
	}
	msg, err := c.CreateMessage(ctx, gen.CreateMessageBody{
		ConversationID: conv.Conversation.ID,
		UserID:         user.User.ID,
		Payload:        message.Text("Hello"), // the type, "text", is taken from the payload
		Tags:           map[string]string{},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(user.User.ID, conv.Conversation.ID, msg.Message.ID, msg.Message.Type, msg.Message.Payload)
	// Output: user_1 conv_1 msg_1 text {"text":"Hello"}
}

// Walk every message of a conversation. Pages are fetched as the loop
// needs them; breaking out of the loop stops the walk.
func ExampleClient_AllMessages() {
	srv := exampleServer()
	defer srv.Close()
	c, _ := client.New(client.WithToken("bp_pat_..."), client.WithBotID("bot_123"), client.WithBaseURL(srv.URL))

	params := &gen.ListMessagesParams{ConversationID: ptr("conv_1")}
	for msg, err := range c.AllMessages(context.Background(), params) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(msg.ID, msg.Type, msg.Payload)
	}
	// Output:
	// msg_1 text {"text":"message 1"}
	// msg_2 text {"text":"message 2"}
	// msg_3 text {"text":"message 3"}
	// msg_4 text {"text":"message 4"}
	// msg_5 text {"text":"message 5"}
}

// Send a typed message, then read a message back as a Go value to switch on.
func ExampleClient_CreateMessage() {
	srv := exampleServer()
	defer srv.Close()
	c, _ := client.New(client.WithToken("bp_pat_..."), client.WithBotID("bot_123"), client.WithBaseURL(srv.URL))

	out, err := c.CreateMessage(context.Background(), gen.CreateMessageBody{
		ConversationID: "conv_1", UserID: "user_1", Tags: map[string]string{},
		Payload: message.Choice("Billing or bug?",
			message.Option("Billing", "billing"),
			message.Option("Bug", "bug")),
	})
	if err != nil {
		log.Fatal(err)
	}
	p, err := message.Decode(out.Message.Type, out.Message.Payload)
	if err != nil {
		log.Fatal(err)
	}
	switch p := p.(type) {
	case *message.TextPayload:
		fmt.Println("text:", p.Text)
	case *message.ChoicePayload:
		fmt.Println("choice:", p.Text)
		for _, o := range p.Options {
			fmt.Printf("  %s (%s)\n", o.Label, o.Value)
		}
	case *message.Unknown:
		fmt.Println("a", p.Type, "message:", string(p.Raw))
	}
	// Output:
	// choice: Billing or bug?
	//   Billing (billing)
	//   Bug (bug)
}

// Collect gathers a walk into a slice, here stopping after three items.
func ExampleCollect() {
	srv := exampleServer()
	defer srv.Close()
	c, _ := client.New(client.WithToken("bp_pat_..."), client.WithBotID("bot_123"), client.WithBaseURL(srv.URL))

	msgs, err := client.Collect(c.AllMessages(context.Background(), nil), 3)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(msgs), msgs[2].ID)
	// Output: 3 msg_3
}

// Error answers match their sentinel with errors.Is, and errors.As gives
// the details.
func Example_errors() {
	srv := exampleServer()
	defer srv.Close()
	c, _ := client.New(client.WithToken("bp_pat_..."), client.WithBotID("bot_123"), client.WithBaseURL(srv.URL))

	_, err := c.GetUser(context.Background(), "user_404")
	if errors.Is(err, bperrors.ErrResourceNotFound) {
		fmt.Println("not found")
	}
	var apiErr *bperrors.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Type, apiErr.ID)
	}
	fmt.Println(err)
	// Output:
	// not found
	// 404 ResourceNotFound err_1
	// botpress: getUser: 404 ResourceNotFound: User user_404 not found (id err_1)
}

// Options given to a call apply to that call only: one client can act on
// several bots, or retry a POST the caller knows is safe to repeat.
func ExampleWithBotID() {
	srv := exampleServer()
	defer srv.Close()
	c, _ := client.New(client.WithToken("bp_pat_..."), client.WithBotID("bot_123"), client.WithBaseURL(srv.URL))

	_, err := c.CreateMessage(context.Background(), gen.CreateMessageBody{
		ConversationID: "conv_1", UserID: "user_1",
		Payload: message.Text("Hi"), Tags: map[string]string{},
	}, client.WithBotID("bot_456"), client.WithIdempotent())
	fmt.Println(err)
	// Output: <nil>
}

func ptr[T any](v T) *T { return &v }
