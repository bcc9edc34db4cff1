package bptest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// In a test, bptest.Start(t) does the same and stops the server when the
// test ends. Here, outside a test, New and Close.
func Example() {
	srv, err := bptest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c := srv.Client() // URL, token, bot and workspace of the server
	ctx := context.Background()

	u1, _ := c.GetOrCreateUser(ctx, gen.GetOrCreateUserBody{Tags: client.NullableStrings(map[string]string{"email": "ada@example.com"})})
	u2, _ := c.GetOrCreateUser(ctx, gen.GetOrCreateUserBody{Tags: client.NullableStrings(map[string]string{"email": "ada@example.com"})})
	fmt.Println("same user:", u1.User.ID == u2.User.ID)

	_, err = c.GetUser(ctx, "user_unknown00000000000000000")
	fmt.Println("unknown user:", errors.Is(err, bperrors.ErrResourceNotFound))
	// Output:
	// same user: true
	// unknown user: true
}

// Faults exercise a client's retries: here two 429 answers, then success.
func ExampleServer_InjectFault() {
	srv, err := bptest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	remove := srv.InjectFault(bptest.Fault{Operation: "getAccount", Status: 429, RetryAfter: 10 * time.Millisecond, Times: 2})
	defer remove()

	_, err = srv.Client(client.WithMaxRetries(3)).GetAccount(context.Background())
	fmt.Println("error:", err, "- faults hit:", srv.FaultHits())
	// Output: error: <nil> - faults hit: 2
}

// The Chat API of the same server, with a scripted bot: a user sends a
// message through the Chat API, the bot answers, and the bot's reply is
// read back through the runtime API.
func ExampleServer_OnMessage() {
	srv, err := bptest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.OnMessage(func(_ context.Context, m bptest.IncomingMessage) []message.Payload {
		return []message.Payload{message.Text("you said: " + m.Payload.(*message.TextPayload).Text)}
	})
	key := srv.ChatUserKey("ada") // a key signed with the server's encryption key
	chatCall := func(method, path, body string) map[string]any {
		req, _ := http.NewRequest(method, srv.ChatURL()+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("x-user-key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return out
	}
	chatCall("POST", "/users/get-or-create", `{"name":"Ada"}`)
	chatCall("POST", "/conversations", `{"id":"support-1"}`)
	chatCall("POST", "/messages", `{"conversationId":"support-1","payload":{"type":"text","text":"hello"}}`)

	ctx := context.Background()
	if err := srv.WaitChatBot(ctx); err != nil {
		log.Fatal(err)
	}
	msgs, _ := srv.Client().ListMessages(ctx, &gen.ListMessagesParams{})
	for _, m := range msgs.Messages {
		fmt.Println(m.Direction, m.Type, m.Payload)
	}
	// Output:
	// outgoing text {"text":"you said: hello"}
	// incoming text {"text":"hello"}
}

// Rotating a bot's signing secret: getBot answers the new one, and the
// server still accepts the old one for a while (Server.SigningSecrets).
func ExampleServer_SigningSecrets() {
	srv, err := bptest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()

	rotated, err := c.RotateBotSigningSecrets(ctx, srv.BotID)
	if err != nil {
		log.Fatal(err)
	}
	bot, err := c.GetBot(ctx, srv.BotID)
	if err != nil {
		log.Fatal(err)
	}
	secrets := srv.SigningSecrets(srv.BotID)
	fmt.Println("getBot answers the new secret:", bot.Bot.SigningSecret == rotated.NewSigningSecret)
	fmt.Println("secrets that verify:", len(secrets), "- the new one first:", secrets[0] == rotated.NewSigningSecret)
	// Output:
	// getBot answers the new secret: true
	// secrets that verify: 2 - the new one first: true
}

// The v2 billing API against bptest's own catalogue: move the workspace to
// another plan, read the subscription back, and read a usage figure that
// the server counts from what it holds.
func ExampleServer_billing() {
	srv, err := bptest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()

	if _, err := c.SetPlan(ctx, gen.SetPlanBody{PlanID: "team", Interval: gen.BillingIntervalMonth}); err != nil {
		log.Fatal(err)
	}
	sub, err := c.GetSubscription(ctx)
	if err != nil {
		log.Fatal(err)
	}
	usage, err := c.GetWorkspaceUsage(ctx, &gen.GetWorkspaceUsageParams{
		Feature: gen.BillingFeatureBotCount,
		Period:  time.Now().UTC().Format(time.RFC3339),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("plan:", sub.Plan.Current.PlanID)
	fmt.Printf("bots: %.0f of %.0f\n", *usage.Usage, usage.Quota)
	// Output:
	// plan: team
	// bots: 1 of 10
}
