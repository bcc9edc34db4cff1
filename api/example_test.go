package api_test

import (
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/botpress-go/sdk/api"
)

// The embedded documents load with any OpenAPI library, for a tool that validates requests or
// answers against them.
func Example() {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		fmt.Println(err)
		return
	}
	op := doc.Paths.Find("/v1/chat/users/{id}").Get
	fmt.Println(doc.Info.Title != "", op.OperationID)
	// Output: true getUser
}
