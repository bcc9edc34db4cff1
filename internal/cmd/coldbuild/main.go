// Command coldbuild is the program whose cold build scripts/coldbuild
// times: the smallest real use of the SDK, a client calling GetUser. It
// only has to compile; running it calls Botpress Cloud with the token
// from BP_TOKEN.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/botpress-go/sdk/client"
)

func main() {
	c, err := client.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	user, err := c.GetUser(context.Background(), "user_1")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(user.User.ID)
}
