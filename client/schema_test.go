package client_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/botpress-go/sdk/client"
)

type schemaLead struct {
	ID      int64             `json:"id,omitempty"`
	Email   string            `json:"email" botpress:"required,pattern=^[^@ ]+@[^@ ]+$"`
	Name    string            `json:"name" botpress:"required,searchable"`
	Score   float64           `json:"score"`
	VIP     bool              `json:"vip"`
	Stage   string            `json:"stage" botpress:"enum=new|won|lost"`
	Seen    time.Time         `json:"seen"`
	Tags    []string          `json:"tags"`
	Extra   map[string]string `json:"extra" botpress:"nullable"`
	Skipped string            `json:"-"`
	Plain   int
	private string
}

func TestSchemaOf(t *testing.T) {
	schema, err := client.SchemaOf[schemaLead]()
	assert.NoError(t, err)
	got, err := json.Marshal(schema)
	assert.NoError(t, err)
	assert.JSONEq(t, `{"type":"object","required":["email","name"],"properties":{
		"email":{"type":"string","pattern":"^[^@ ]+@[^@ ]+$"},
		"name":{"type":"string","x-zui":{"searchable":true}},
		"score":{"type":"number"},
		"vip":{"type":"boolean"},
		"stage":{"type":"string","enum":["new","won","lost"]},
		"seen":{"type":"string","format":"date-time"},
		"tags":{"type":"array"},
		"extra":{"type":"object","nullable":true},
		"Plain":{"type":"number"}}}`, string(got))
	_, err = client.SchemaOf[string]()
	assert.EqualError(t, err, "botpress: SchemaOf: string is not a struct")
	type bad struct {
		A string `botpress:"colour=red"`
	}
	_, err = client.SchemaOf[bad]()
	assert.EqualError(t, err, `botpress: SchemaOf: field A: unknown botpress tag option "colour"`)
}
