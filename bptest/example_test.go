package bptest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
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

	u1, _ := c.GetOrCreateUser(ctx, gen.GetOrCreateUserBody{Tags: map[string]string{"email": "ada@example.com"}})
	u2, _ := c.GetOrCreateUser(ctx, gen.GetOrCreateUserBody{Tags: map[string]string{"email": "ada@example.com"}})
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
