package bptest_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// Seed, calls, dump, a new server from the dump: the same list answers.
// The example seed file of examples/opsreport is loaded here too, so that it
// stays valid.
func TestDumpRoundTrip(t *testing.T) {
	ctx := context.Background()
	f, err := os.ReadFile("../examples/opsreport/seed.json")
	require.NoError(t, err)
	seed := soSeed(t, string(f))
	var bots []string
	for id := range seed.Bots {
		bots = append(bots, id)
	}
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	opts := []bptest.Option{bptest.WithSeed(7), bptest.WithPageSize(2), bptest.WithClock(bptest.NewClock(now).Now), bptest.WithBotID(bots...)}
	srv := bptest.Start(t, append(opts, bptest.WithSeedData(seed))...)
	c := srv.Client()

	// Calls that change the state.
	u, err := c.CreateUser(ctx, gen.CreateUserBody{Name: client.Ptr("Ada"), Tags: map[string]string{}})
	require.NoError(t, err)
	conv, err := c.CreateConversation(ctx, gen.CreateConversationBody{Channel: "web"})
	require.NoError(t, err)
	for i := range 3 {
		_, err := c.CreateMessage(ctx, gen.CreateMessageBody{ConversationID: conv.Conversation.ID, UserID: u.User.ID, Payload: message.Text("hello " + string(rune('a'+i)))})
		require.NoError(t, err)
	}
	_, err = c.AddParticipant(ctx, conv.Conversation.ID, gen.AddParticipantBody{UserID: u.User.ID})
	require.NoError(t, err)
	require.NoError(t, c.DeleteBotIssue(ctx, "bot_opsreport_support_0000001", "issue_support_config"))
	created, err := c.CreateBot(ctx, gen.CreateBotBody{Name: client.Ptr("created"), Tags: map[string]string{"made": "here"}})
	require.NoError(t, err)

	dump, err := srv.Dump()
	require.NoError(t, err)
	assert.Equal(t, "support", dump.Bots["bot_opsreport_support_0000001"].Name)
	assert.Len(t, dump.Bots["bot_opsreport_support_0000001"].Issues, 1, "the deleted issue is gone")
	assert.Equal(t, "created", dump.Bots[created.Bot.ID].Name)

	again := bptest.Start(t, append(opts, bptest.WithSeedData(dump))...)
	c2 := again.Client()

	// Both servers answer the same.
	same := func(what string, read func(c *client.Client) any) {
		t.Helper()
		assert.Equal(t, read(c), read(c2), what)
	}
	same("bots", func(c *client.Client) any {
		return soMap(soAll(t, c.AllBots(ctx, nil)), func(b gen.BotSummary) any { return []any{b.ID, b.Name, b.Tags, b.CreatedAt} })
	})
	for _, bot := range append(bots, created.Bot.ID) {
		on := client.WithBotID(bot)
		same("users", func(c *client.Client) any { return soAll(t, c.AllUsers(ctx, nil, on)) })
		same("conversations", func(c *client.Client) any { return soAll(t, c.AllConversations(ctx, nil, on)) })
		same("messages", func(c *client.Client) any { return soAll(t, c.AllMessages(ctx, nil, on)) })
		same("issues", func(c *client.Client) any { return soAll(t, c.AllBotIssues(ctx, bot, nil)) })
		same("logs", func(c *client.Client) any {
			return soAll(t, c.AllBotLogs(ctx, bot, &gen.GetBotLogsParams{TimeStart: mustTime("2020-01-01T00:00:00Z")}))
		})
		same("usage", func(c *client.Client) any {
			u, err := c.GetUsage(ctx, bot, &gen.GetUsageParams{Type: gen.UsageTypeInvocationCalls})
			require.NoError(t, err)
			return u
		})
	}
	same("participants", func(c *client.Client) any { return soAll(t, c.AllParticipants(ctx, conv.Conversation.ID, nil)) })
	same("issue events", func(c *client.Client) any {
		e, err := c.ListBotIssueEvents(ctx, "bot_opsreport_support_0000001", "issue_support_timeout")
		require.NoError(t, err)
		return e
	})
	same("workspace AI spend", func(c *client.Client) any {
		u, err := c.GetUsage(ctx, srv.WorkspaceID, &gen.GetUsageParams{Type: gen.UsageTypeAiSpend})
		require.NoError(t, err)
		return u
	})

	// The new server makes no ID the dump holds, though it has the same
	// seed of identifiers.
	conv2, err := c2.CreateConversation(ctx, gen.CreateConversationBody{Channel: "web"})
	require.NoError(t, err)
	assert.NotEqual(t, conv.Conversation.ID, conv2.Conversation.ID)
	assert.Len(t, soAll(t, c2.AllConversations(ctx, nil)), 2)
}

// A server loaded from a dump never makes an ID the dump holds, even with
// the same seed of identifiers as the dumped server.
func TestDumpKeepsIDsUnique(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t, bptest.WithSeed(3))
	c := srv.Client()
	var ids []string
	for range 5 {
		conv, err := c.CreateConversation(ctx, gen.CreateConversationBody{Channel: "web"})
		require.NoError(t, err)
		ids = append(ids, conv.Conversation.ID)
	}
	for _, id := range ids[:4] {
		require.NoError(t, c.DeleteConversation(ctx, id))
	}
	dump, err := srv.Dump()
	require.NoError(t, err)
	require.Len(t, dump.Bots[srv.BotID].Conversations, 1)

	c2 := bptest.Start(t, bptest.WithSeed(3), bptest.WithSeedData(dump)).Client()
	seen := map[string]bool{ids[4]: true}
	for range 5 {
		conv, err := c2.CreateConversation(ctx, gen.CreateConversationBody{Channel: "web"})
		require.NoError(t, err)
		assert.False(t, seen[conv.Conversation.ID], "ID %s made twice", conv.Conversation.ID)
		seen[conv.Conversation.ID] = true
	}
	assert.Len(t, soAll(t, c2.AllConversations(ctx, nil)), 6)
}
