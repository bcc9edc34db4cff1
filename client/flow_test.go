package client_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// The SDK's flows against the in-memory API of package bptest, which
// validates every request and answer against the spec.

func TestFlowConversation(t *testing.T) {
	srv := bptest.Start(t, bptest.WithPageSize(3))
	c := srv.Client()
	ctx := context.Background()

	user, err := c.GetOrCreateUser(ctx, gen.GetOrCreateUserJSONRequestBody{Tags: client.NullableStrings(map[string]string{"email": "ada@example.com"})})
	require.NoError(t, err)
	again, err := c.GetOrCreateUser(ctx, gen.GetOrCreateUserJSONRequestBody{Tags: client.NullableStrings(map[string]string{"email": "ada@example.com"})})
	require.NoError(t, err)
	assert.Equal(t, user.User.ID, again.User.ID)

	conv, err := c.CreateConversation(ctx, gen.CreateConversationJSONRequestBody{Channel: "web", Tags: map[string]string{}})
	require.NoError(t, err)
	for i := range 10 {
		_, err := c.CreateMessage(ctx, gen.CreateMessageJSONRequestBody{
			ConversationID: conv.Conversation.ID, UserID: user.User.ID,
			Payload: message.Text(fmt.Sprint(i)), Tags: map[string]string{"n": fmt.Sprint(i % 2)},
		})
		require.NoError(t, err)
	}
	all, err := client.Collect(c.AllMessages(ctx, &gen.ListMessagesParams{ConversationID: &conv.Conversation.ID}), 0)
	require.NoError(t, err)
	assert.Len(t, all, 10, "4 pages of 3")
	odd, err := client.Collect(c.AllMessages(ctx, &gen.ListMessagesParams{ConversationID: &conv.Conversation.ID, Tags: map[string]string{"n": "1"}}), 0)
	require.NoError(t, err)
	assert.Len(t, odd, 5, "tags travel as tags.n=1 and filter")

	_, err = c.SetState(ctx, gen.StateTypeConversation, conv.Conversation.ID, "progress", gen.SetStateJSONRequestBody{
		Payload: nullable.NewNullableWithValue(map[string]any{"step": 1}),
	})
	require.NoError(t, err)
	st, err := c.GetState(ctx, gen.StateTypeConversation, conv.Conversation.ID, "progress")
	require.NoError(t, err)
	assert.EqualValues(t, 1, st.State.Payload["step"])

	require.NoError(t, c.DeleteUser(ctx, user.User.ID))
	_, err = c.GetUser(ctx, user.User.ID)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
}

func TestFlowFiles(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	content := bytes.Repeat([]byte("botpress "), 1000)
	file, err := c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{Key: "docs/notes.txt"}, client.FileFromBytes(content))
	require.NoError(t, err)
	var got bytes.Buffer
	n, err := c.DownloadFile(ctx, file.ID, &got)
	require.NoError(t, err)
	assert.EqualValues(t, len(content), n)
	assert.Equal(t, content, got.Bytes())

	// By key: the slash travels escaped (docs%2Fnotes.txt) and stays one segment.
	got.Reset()
	_, err = c.DownloadFile(ctx, "docs/notes.txt", &got)
	require.NoError(t, err)
	assert.Equal(t, content, got.Bytes())
	require.NoError(t, c.DeleteFile(ctx, "docs/notes.txt"))
	_, err = c.GetFile(ctx, "docs/notes.txt")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
}

// Retries against injected faults: GETs recover, a POST is not repeated.
func TestFlowRetriesAgainstFaults(t *testing.T) {
	srv := bptest.Start(t)
	ctx := context.Background()
	c := srv.Client(client.WithMaxRetries(3))
	conv, err := c.CreateConversation(ctx, gen.CreateConversationJSONRequestBody{Channel: "web", Tags: map[string]string{}})
	require.NoError(t, err)

	remove := srv.InjectFault(bptest.Fault{Operation: "getConversation", Status: 503, Times: 2})
	_, err = c.GetConversation(ctx, conv.Conversation.ID)
	remove()
	require.NoError(t, err)

	remove = srv.InjectFault(bptest.Fault{Operation: "listConversations", Status: 429, RetryAfter: 10 * time.Millisecond, Times: 1})
	_, err = client.Collect(c.AllConversations(ctx, nil), 0)
	remove()
	require.NoError(t, err)

	remove = srv.InjectFault(bptest.Fault{Operation: "createConversation", Status: 503, Times: 1})
	_, err = c.CreateConversation(ctx, gen.CreateConversationJSONRequestBody{Channel: "web", Tags: map[string]string{}})
	remove()
	assert.ErrorIs(t, err, bperrors.ErrInternal)
	convs, err := client.Collect(c.AllConversations(ctx, nil), 0)
	require.NoError(t, err)
	assert.Len(t, convs, 1, "the failed POST was not retried, nor created")

	remove = srv.InjectFault(bptest.Fault{Operation: "getConversation", Drop: true, Times: 1})
	_, err = c.GetConversation(ctx, conv.Conversation.ID)
	remove()
	require.NoError(t, err, "a dropped connection is retried for a GET")
}

// One client shared by many goroutines, acting on two bots.
func TestFlowConcurrentBots(t *testing.T) {
	const other = "bot_other000000000000000000000"
	srv := bptest.Start(t, bptest.WithBotID(bptest.DefaultBotID, other))
	c := srv.Client()
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var opts []client.Option
			if i%2 == 1 {
				opts = append(opts, client.WithBotID(other))
			}
			_, err := c.CreateUser(ctx, gen.CreateUserJSONRequestBody{Tags: map[string]string{"i": fmt.Sprint(i)}}, opts...)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	mine, err := client.Collect(c.AllUsers(ctx, nil), 0)
	require.NoError(t, err)
	theirs, err := client.Collect(c.AllUsers(ctx, nil, client.WithBotID(other)), 0)
	require.NoError(t, err)
	assert.Len(t, mine, 20)
	assert.Len(t, theirs, 20)
}
