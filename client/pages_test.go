package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// TestPagesCheckpoint exports a conversation's messages page by page,
// stops after two pages as a crashed export would, and resumes from the
// saved token: every message comes exactly once, in the API's order.
func TestPagesCheckpoint(t *testing.T) {
	srv := bptest.Start(t, bptest.WithPageSize(3))
	c := srv.Client()
	ctx := context.Background()
	user, err := c.CreateUser(ctx, gen.CreateUserJSONRequestBody{})
	require.NoError(t, err)
	conv, err := c.CreateConversation(ctx, gen.CreateConversationJSONRequestBody{Channel: "web"})
	require.NoError(t, err)
	for i := range 10 {
		_, err := c.CreateMessage(ctx, gen.CreateMessageJSONRequestBody{
			ConversationID: conv.Conversation.ID, UserID: user.User.ID, Payload: message.Text(fmt.Sprint(i)),
		})
		require.NoError(t, err)
	}
	params := &gen.ListMessagesParams{ConversationID: &conv.Conversation.ID}
	want, err := client.Collect(c.AllMessages(ctx, params), 0)
	require.NoError(t, err)
	require.Len(t, want, 10)

	var got []gen.Message
	checkpoint := ""
	n := 0
	for page, err := range c.ListMessagesPages(ctx, params) {
		require.NoError(t, err)
		assert.Equal(t, checkpoint, page.Token, "each page says the token it was fetched with")
		got = append(got, page.Items...)
		checkpoint = page.NextToken
		if n++; n == 2 {
			break // the export stops here
		}
	}
	require.NotEmpty(t, checkpoint)
	resumed := *params
	resumed.NextToken = &checkpoint
	pages := 0
	for page, err := range c.ListMessagesPages(ctx, &resumed) {
		require.NoError(t, err)
		pages++
		got = append(got, page.Items...)
		assert.Equal(t, page.Last(), page.NextToken == "")
	}
	assert.Equal(t, 2, pages, "10 items in pages of 3: 2 pages after the first 2")
	assert.Equal(t, want, got, "nothing skipped, nothing repeated")
}

// TestPagesEmptyAndRepeated: empty pages with a next token are yielded;
// a token the server already gave ends the walk with ErrRepeatedToken
// after the page's items.
func TestPagesEmptyAndRepeated(t *testing.T) {
	answers := map[string]string{
		"":   `{"users":[{"id":"u1"}],"meta":{"nextToken":"t1"}}`,
		"t1": `{"users":[],"meta":{"nextToken":"t2"}}`,
		"t2": `{"users":[{"id":"u2"}],"meta":{"nextToken":"t1"}}`,
	}
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, answers[r.URL.Query().Get("nextToken")])
	})
	c := newClient(t, s)
	var seen []string
	var last error
	for page, err := range c.ListUsersPages(context.Background(), nil) {
		if err != nil {
			last = err
			break
		}
		ids := []string{}
		for _, u := range page.Items {
			ids = append(ids, u.ID)
		}
		seen = append(seen, fmt.Sprintf("%s>%v>%s", page.Token, ids, page.NextToken))
	}
	assert.Equal(t, []string{">[u1]>t1", "t1>[]>t2", "t2>[u2]>"}, seen)
	assert.True(t, errors.Is(last, client.ErrRepeatedToken), "got %v", last)
}

// TestPagesRequiredParams: a page iterator whose operation needs params
// says so instead of sending a request.
func TestPagesRequiredParams(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, `{}`) })
	c := newClient(t, s)
	for _, err := range c.ListParticipantsPages(context.Background(), "", nil) {
		assert.ErrorIs(t, err, client.ErrMissingArgument)
	}
	for _, err := range c.ListActivitiesPages(context.Background(), nil) {
		require.Error(t, err)
	}
	assert.Empty(t, s.requests())
}

func TestAllTableRows(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	_, err := c.CreateTable(ctx, gen.CreateTableJSONRequestBody{Name: "ordersTable", Schema: map[string]any{
		"type": "object", "properties": map[string]any{"n": map[string]any{"type": "number"}},
	}})
	require.NoError(t, err)
	rows := make([]map[string]any, 25)
	for i := range rows {
		rows[i] = map[string]any{"n": float64(i)}
	}
	_, err = c.CreateTableRows(ctx, "ordersTable", gen.CreateTableRowsJSONRequestBody{Rows: rows})
	require.NoError(t, err)

	limit := 10
	got, err := client.Collect(c.AllTableRows(ctx, "ordersTable", gen.FindTableRowsJSONRequestBody{
		Limit: &limit, Filter: map[string]any{"n": map[string]any{"$gte": 5}},
	}), 0)
	require.NoError(t, err)
	require.Len(t, got, 20, "rows 5 to 24, in pages of 10")
	for i, r := range got {
		assert.Equal(t, json.Number(strconv.Itoa(i+5)), r.AdditionalProperties["n"])
	}
	offset := 18
	tail, err := client.Collect(c.AllTableRows(ctx, "ordersTable", gen.FindTableRowsJSONRequestBody{Offset: &offset}), 0)
	require.NoError(t, err)
	assert.Len(t, tail, 7, "from the offset given")

	// A server that claims more rows but gives none does not loop.
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"rows":[],"hasMore":true,"offset":0,"limit":100}`)
	})
	_, err = client.Collect(newClient(t, s).AllTableRows(ctx, "t", gen.FindTableRowsJSONRequestBody{}), 0)
	assert.ErrorIs(t, err, client.ErrRepeatedToken)
	assert.Len(t, s.requests(), 1)
}
