package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/api"
)

func load(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	return doc
}

// TestConventions checks the rules every operation of the spec follows;
// see "The spec and the generated code" in CONTRIBUTING.md.
func TestConventions(t *testing.T) {
	doc := load(t)
	require.Contains(t, doc.Components.SecuritySchemes, "bearerAuth")
	assert.Equal(t, "bearer", doc.Components.SecuritySchemes["bearerAuth"].Value.Scheme)
	require.Len(t, doc.Security, 1)
	assert.Contains(t, doc.Security[0], "bearerAuth")
	tags := map[string]bool{}
	for _, tag := range doc.Tags {
		tags[tag.Name] = true
		assert.NotEmpty(t, tag.Description, "tag %s", tag.Name)
	}
	ids := map[string]bool{}
	count := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			count++
			name := method + " " + path + " " + op.OperationID
			assert.NotEmpty(t, op.OperationID, name)
			assert.False(t, ids[op.OperationID], "duplicate operationId %s", op.OperationID)
			ids[op.OperationID] = true
			assert.NotEmpty(t, op.Summary, "summary of %s", name)
			assert.NotEmpty(t, op.Description, "description of %s", name)
			if assert.Len(t, op.Tags, 1, name) {
				assert.True(t, tags[op.Tags[0]], "%s: tag %q is not declared", name, op.Tags[0])
			}
			for _, code := range []string{"4XX", "default"} {
				r := op.Responses.Value(code)
				if assert.NotNil(t, r, "%s: no %s response", name, code) {
					assert.Equal(t, "#/components/responses/Error", r.Ref, "%s: %s", name, code)
				}
			}
			if rb := op.RequestBody; rb != nil && rb.Value != nil {
				if mt := rb.Value.Content.Get("application/json"); mt != nil {
					// A named body, so that go doc lands on its fields.
					want := "#/components/schemas/" + strings.ToUpper(op.OperationID[:1]) + op.OperationID[1:] + "Body"
					assert.Equal(t, want, mt.Schema.Ref, "%s: the JSON body should be the named schema", name)
				}
			}
			success := 0
			for code, r := range op.Responses.Map() {
				if strings.HasPrefix(code, "2") {
					success++
					s := r.Value.Content.Get("application/json").Schema
					assert.True(t, strings.HasPrefix(s.Ref, "#/components/schemas/"), "%s: success body should be a named schema", name)
				}
			}
			assert.Equal(t, 1, success, "%s: one success response", name)
			var hasNextToken bool
			for _, p := range op.Parameters {
				if p.Value.In == "header" && strings.HasPrefix(p.Value.Name, "x-") && p.Value.Name != "x-destination-bot-id" {
					assert.True(t, strings.HasPrefix(p.Ref, "#/components/parameters/"), "%s: scope header %s should be a shared parameter", name, p.Value.Name)
				}
				if p.Value.Name == "nextToken" {
					hasNextToken = true
					assert.Equal(t, "#/components/parameters/NextToken", p.Ref, name)
				}
			}
			if hasNextToken {
				// The next page's token is in meta (a PageMeta), or, for the
				// two log operations, at the top level of the answer.
				body := op.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
				// Its docs say in which order the items come.
				order, _ := op.Extensions["x-botpress-order"].(string)
				assert.NotEmpty(t, order, "%s: a list operation says its order in x-botpress-order", name)
				if meta, ok := body.Properties["meta"]; ok {
					assert.Equal(t, "#/components/schemas/PageMeta", meta.Ref, name)
				} else if assert.Contains(t, body.Properties, "nextToken", name) {
					assert.True(t, body.Properties["nextToken"].Value.Type.Is("string"), name)
				}
			}
		}
	}
	assert.Equal(t, 218, count)
}

// TestErrorSchema checks the shared error body: both wire shapes and the
// 26 types.
func TestErrorSchema(t *testing.T) {
	doc := load(t)
	e := doc.Components.Schemas["Error"].Value
	for _, p := range []string{"id", "code", "status", "type", "message", "description", "metadata"} {
		assert.Contains(t, e.Properties, p)
	}
	assert.Len(t, doc.Components.Schemas["ErrorType"].Value.Enum, 26)
}
