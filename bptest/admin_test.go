package bptest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

// admRaw sends a JSON request the SDK's types cannot express (nulls in
// maps) and returns the status and the decoded body.
func admRaw(t *testing.T, srv *bptest.Server, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+srv.Token)
	req.Header.Set("x-workspace-id", srv.WorkspaceID)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	return resp.StatusCode, out
}

func admAllBots(t *testing.T, c *client.Client, params *gen.ListBotsParams, opts ...client.Option) []gen.BotSummary {
	t.Helper()
	var out []gen.BotSummary
	for b, err := range c.AllBots(context.Background(), params, opts...) {
		require.NoError(t, err)
		out = append(out, b)
	}
	return out
}

func admIDs(bots []gen.BotSummary) []string {
	ids := make([]string, len(bots))
	for i, b := range bots {
		ids[i] = b.ID
	}
	return ids
}

const admSecondBot = "bot_bptestsecond00000000000000"

func TestAdminServerBotsHaveRecords(t *testing.T) {
	srv := bptest.Start(t, bptest.WithBotID(bptest.DefaultBotID, admSecondBot), bptest.WithPageSize(1))
	c := srv.Client()
	ctx := context.Background()

	got, err := c.GetBot(ctx, srv.BotID)
	require.NoError(t, err)
	assert.Equal(t, srv.BotID, got.Bot.ID)
	assert.NotEmpty(t, got.Bot.Name)
	assert.False(t, got.Bot.CreatedAt.IsZero())
	assert.Equal(t, gen.BotStatusActive, got.Bot.Status)

	// A bot added after the start gets its record too, after the others.
	third := "bot_bptestthird000000000000000"
	require.NoError(t, srv.AddBot(third))
	assert.Equal(t, []string{bptest.DefaultBotID, admSecondBot, third}, admIDs(admAllBots(t, c, nil)))

	ws, err := c.GetWorkspace(ctx, srv.WorkspaceID)
	require.NoError(t, err)
	assert.EqualValues(t, 3, ws.BotCount)
	assert.Equal(t, bptest.DefaultAccountID, ws.OwnerID)

	_, err = c.GetBot(ctx, "bot_missing00000000000000000000")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
}

func TestAdminCreatedBotWorksAtRuntime(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()

	created, err := c.CreateBot(ctx, gen.CreateBotJSONRequestBody{
		Name: admPtr("support"), Description: admPtr("answers questions"), Tags: map[string]string{"team": "care"},
		States:        map[string]gen.CreateBotBody_States{"profile": {Type: "user", Schema: map[string]any{"type": "object"}}},
		Events:        map[string]gen.CreateBotBody_Events{"ping": {Schema: map[string]any{}}},
		User:          &gen.CreateBotBody_User{Tags: map[string]gen.CreateBotBody_User_Tags{"email": {Title: admPtr("Email")}}},
		Subscriptions: &gen.CreateBotBody_Subscriptions{},
		RecurringEvents: map[string]gen.CreateBotBody_RecurringEvents{
			"tick": {Schedule: gen.CreateBotBody_RecurringEvents_Schedule{Cron: "* * * * *"}, Type: "tick", Payload: map[string]any{}},
		},
	})
	require.NoError(t, err)
	bot := created.Bot
	assert.NotEqual(t, srv.BotID, bot.ID)
	assert.Len(t, bot.ID, 30)
	assert.Equal(t, "support", bot.Name)
	assert.Equal(t, "care", bot.Tags["team"])
	assert.Equal(t, gen.BotStateType("user"), bot.States["profile"].Type)
	assert.Equal(t, "Email", *bot.User.Tags["email"].Title)
	assert.Contains(t, bot.RecurringEvents, "tick")
	assert.NotEmpty(t, bot.SigningSecret)

	got, err := c.GetBot(ctx, bot.ID)
	require.NoError(t, err)
	assert.Equal(t, bot.ID, got.Bot.ID)
	assert.Equal(t, "answers questions", *got.Bot.Description)

	// The new bot is usable in x-bot-id, and its resources are its own.
	u, err := c.CreateUser(ctx, gen.CreateUserJSONRequestBody{Tags: map[string]string{}}, client.WithBotID(bot.ID))
	require.NoError(t, err)
	_, err = c.GetUser(ctx, u.User.ID, client.WithBotID(bot.ID))
	require.NoError(t, err)
	_, err = c.GetUser(ctx, u.User.ID)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)

	require.NoError(t, c.DeleteBot(ctx, bot.ID))
	_, err = c.CreateUser(ctx, gen.CreateUserJSONRequestBody{Tags: map[string]string{}}, client.WithBotID(bot.ID))
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.GetBot(ctx, bot.ID)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	assert.ErrorIs(t, c.DeleteBot(ctx, bot.ID), bperrors.ErrResourceNotFound)
	_, err = c.UpdateBot(ctx, bot.ID, gen.UpdateBotJSONRequestBody{Name: admPtr("x")})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)

	// The server's own bot is untouched.
	_, err = c.CreateUser(ctx, gen.CreateUserJSONRequestBody{Tags: map[string]string{}})
	require.NoError(t, err)
}

func TestAdminUpdateBot(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	created, err := c.CreateBot(ctx, gen.CreateBotJSONRequestBody{Name: admPtr("before"), Tags: map[string]string{"a": "1", "b": "2"}})
	require.NoError(t, err)
	id := created.Bot.ID

	integration := "intver_000000000000000000000000"
	updated, err := c.UpdateBot(ctx, id, gen.UpdateBotJSONRequestBody{
		Name:             admPtr("after"),
		Tags:             map[string]*string{"a": nil, "b": admPtr("2"), "c": admPtr("3")},
		MaxExecutionTime: admPtr(30),
		AlwaysAlive:      admPtr(true),
		Configuration:    &gen.UpdateBotBody_Configuration{Data: map[string]any{"apiKey": "k"}},
		Events:           map[string]*gen.EventDefinitionUpdate{"ping": {Schema: map[string]any{"type": "object"}}},
		Integrations: map[string]*gen.BotIntegrationUpdate{
			"telegram": {IntegrationID: admPtr(integration), Enabled: admPtr(true), Configuration: map[string]any{"token": "t"}},
		},
	})
	require.NoError(t, err)
	b := updated.Bot
	assert.Equal(t, "after", b.Name)
	assert.Equal(t, map[string]string{"b": "2", "c": "3"}, b.Tags)
	assert.EqualValues(t, 30, *b.MaxExecutionTime)
	assert.True(t, b.AlwaysAlive)
	assert.Equal(t, "k", b.Configuration.Data["apiKey"])
	assert.Contains(t, b.Events, "ping")
	require.Contains(t, b.Integrations, "telegram")
	assert.Equal(t, integration, b.Integrations["telegram"].ID)
	assert.True(t, b.Integrations["telegram"].Enabled)
	assert.False(t, b.UpdatedAt.Before(b.CreatedAt))

	got, err := c.GetBot(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, b.Tags, got.Bot.Tags)
	assert.Equal(t, "after", got.Bot.Name)

	// null removes an event definition and an integration.
	status, body := admRaw(t, srv, "PUT", "/v1/admin/bots/"+id, `{"events":{"ping":null},"integrations":{"telegram":null}}`)
	require.Equal(t, 200, status, body)
	got, err = c.GetBot(ctx, id)
	require.NoError(t, err)
	assert.NotContains(t, got.Bot.Events, "ping")
	assert.NotContains(t, got.Bot.Integrations, "telegram")

	// An integration ID that cannot exist is refused, and nothing changes.
	_, err = c.UpdateBot(ctx, id, gen.UpdateBotJSONRequestBody{
		Name:         admPtr("never"),
		Integrations: map[string]*gen.BotIntegrationUpdate{"x": {IntegrationID: admPtr("short"), Enabled: admPtr(true)}},
	})
	assert.ErrorIs(t, err, bperrors.ErrReferenceNotFound)
	got, err = c.GetBot(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "after", got.Bot.Name)
}

// TestAdminUpdateBotNullRemoves defines one entry in each of the bot's
// definition maps, then removes them all with null entries sent by the
// typed client (nil map values), while an empty tag definition ({}) is
// kept: only null removes.
func TestAdminUpdateBotNullRemoves(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	created, err := c.CreateBot(ctx, gen.CreateBotJSONRequestBody{})
	require.NoError(t, err)
	id := created.Bot.ID

	schema := map[string]any{"type": "object"}
	_, err = c.UpdateBot(ctx, id, gen.UpdateBotJSONRequestBody{
		User:         &gen.UpdateBotBody_User{Tags: map[string]*gen.TagDefinitionUpdate{"email": {Title: admPtr("Email")}, "blank": {}}},
		Conversation: &gen.UpdateBotBody_Conversation{Tags: map[string]*gen.TagDefinitionUpdate{"topic": {}}},
		Message:      &gen.UpdateBotBody_Message{Tags: map[string]*gen.TagDefinitionUpdate{"lang": {Description: admPtr("ISO code")}}},
		Events:       map[string]*gen.EventDefinitionUpdate{"ping": {Schema: schema}},
		Actions:      map[string]*gen.ActionDefinitionUpdate{"greet": {Input: gen.ActionDefinitionUpdate_Input{Schema: schema}, Output: gen.ActionDefinitionUpdate_Output{Schema: schema}}},
		States:       map[string]*gen.BotStateDefinitionUpdate{"profile": {Type: gen.BotStateTypeUser, Schema: schema}},
		RecurringEvents: map[string]*gen.RecurringEventUpdate{
			"tick": {Schedule: gen.RecurringEventUpdate_Schedule{Cron: "* * * * *"}, Type: "tick", Payload: map[string]any{}},
		},
		Integrations: map[string]*gen.BotIntegrationUpdate{"telegram": {IntegrationID: admPtr("intver_000000000000000000000000"), Enabled: admPtr(true)}},
		Plugins:      map[string]*gen.BotPluginUpdate{"crm": {ID: "plugin_00000000000000000000000000"}},
	})
	require.NoError(t, err)
	got, err := c.GetBot(ctx, id)
	require.NoError(t, err)
	b := got.Bot
	assert.Contains(t, b.User.Tags, "email")
	assert.Contains(t, b.User.Tags, "blank", "an empty definition defines the tag")
	assert.Contains(t, b.Conversation.Tags, "topic")
	assert.Contains(t, b.Message.Tags, "lang")
	assert.Contains(t, b.Events, "ping")
	assert.Contains(t, b.Actions, "greet")
	assert.Contains(t, b.States, "profile")
	assert.Contains(t, b.RecurringEvents, "tick")
	assert.Contains(t, b.Integrations, "telegram")
	assert.Contains(t, b.Plugins, "crm")

	_, err = c.UpdateBot(ctx, id, gen.UpdateBotJSONRequestBody{
		User:            &gen.UpdateBotBody_User{Tags: map[string]*gen.TagDefinitionUpdate{"email": nil}},
		Conversation:    &gen.UpdateBotBody_Conversation{Tags: map[string]*gen.TagDefinitionUpdate{"topic": nil}},
		Message:         &gen.UpdateBotBody_Message{Tags: map[string]*gen.TagDefinitionUpdate{"lang": nil}},
		Events:          map[string]*gen.EventDefinitionUpdate{"ping": nil},
		Actions:         map[string]*gen.ActionDefinitionUpdate{"greet": nil},
		States:          map[string]*gen.BotStateDefinitionUpdate{"profile": nil},
		RecurringEvents: map[string]*gen.RecurringEventUpdate{"tick": nil},
		Integrations:    map[string]*gen.BotIntegrationUpdate{"telegram": nil},
		Plugins:         map[string]*gen.BotPluginUpdate{"crm": nil},
	})
	require.NoError(t, err)
	got, err = c.GetBot(ctx, id)
	require.NoError(t, err)
	b = got.Bot
	assert.NotContains(t, b.User.Tags, "email")
	assert.Contains(t, b.User.Tags, "blank", "entries left out stay")
	assert.NotContains(t, b.Conversation.Tags, "topic")
	assert.NotContains(t, b.Message.Tags, "lang")
	assert.NotContains(t, b.Events, "ping")
	assert.NotContains(t, b.Actions, "greet")
	assert.NotContains(t, b.States, "profile")
	assert.NotContains(t, b.RecurringEvents, "tick")
	assert.NotContains(t, b.Integrations, "telegram")
	assert.NotContains(t, b.Plugins, "crm")
}

// TestAdminNullMapEntriesAccepted sends the other updates that take null
// map entries: the server's request validation (kin-openapi, from the spec)
// lets them through.
func TestAdminNullMapEntriesAccepted(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	integration, err := c.CreateIntegration(ctx, gen.CreateIntegrationJSONRequestBody{Name: "chat", Version: "1.0.0"})
	require.NoError(t, err)
	id := integration.Integration.ID
	_, err = c.UpdateIntegration(ctx, id, gen.UpdateIntegrationJSONRequestBody{
		Channels: map[string]*gen.ChannelDefinitionUpdate{"old": nil, "chat": {
			Messages: map[string]*gen.MessageDefinitionUpdate{"old": nil},
			Message:  &gen.ChannelDefinitionUpdate_Message{Tags: map[string]*gen.TagDefinitionUpdate{"old": nil}},
		}},
		Configurations: map[string]*gen.ConfigurationDefinitionUpdate{"old": nil},
		Interfaces:     map[string]*gen.InterfaceImplementationUpdate{"old": nil},
		Secrets:        map[string]*string{"OLD": nil},
	})
	require.NoError(t, err)
	require.NoError(t, c.ValidateIntegrationUpdate(ctx, id, gen.ValidateIntegrationUpdateJSONRequestBody{
		States:   map[string]*gen.IntegrationStateDefinitionUpdate{"old": nil},
		Entities: map[string]*gen.EntityDefinitionUpdate{"old": nil},
	}))
	iface, err := c.CreateInterface(ctx, gen.CreateInterfaceJSONRequestBody{Name: "chat", Version: "1.0.0"})
	require.NoError(t, err)
	_, err = c.UpdateInterface(ctx, iface.Interface.ID, gen.UpdateInterfaceJSONRequestBody{
		Channels: map[string]*gen.InterfaceChannelDefinitionUpdate{"old": nil},
		Events:   map[string]*gen.EventDefinitionUpdate{"old": nil},
	})
	require.NoError(t, err)
	plugin, err := c.CreatePlugin(ctx, gen.CreatePluginJSONRequestBody{Name: "logger", Version: "1.0.0"})
	require.NoError(t, err)
	_, err = c.UpdatePlugin(ctx, plugin.Plugin.ID, gen.UpdatePluginJSONRequestBody{
		Dependencies: &gen.UpdatePluginBody_Dependencies{
			Integrations: map[string]*gen.PluginDependencyUpdate{"old": nil},
			Interfaces:   map[string]*gen.PluginDependencyUpdate{"old": nil},
		},
		States: map[string]*gen.BotStateDefinitionUpdate{"old": nil},
	})
	require.NoError(t, err)

	// The validation is on: what is neither a definition nor null is refused.
	status, body := admRaw(t, srv, "PUT", "/v1/admin/integrations/"+id, `{"channels":{"old":5}}`)
	assert.Equal(t, 400, status, body)
}

func TestAdminListBots(t *testing.T) {
	srv := bptest.Start(t, bptest.WithPageSize(2))
	c := srv.Client()
	ctx := context.Background()
	want := []string{srv.BotID}
	for i := range 5 {
		team := "red"
		if i%2 == 1 {
			team = "blue"
		}
		b, err := c.CreateBot(ctx, gen.CreateBotJSONRequestBody{Name: admPtr(fmt.Sprintf("bot %d", i)), Tags: map[string]string{"team": team}})
		require.NoError(t, err)
		want = append(want, b.Bot.ID)
	}
	dev, err := c.CreateBot(ctx, gen.CreateBotJSONRequestBody{Dev: admPtr(true)})
	require.NoError(t, err)

	page, err := c.ListBots(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, page.Bots, 2)
	require.NotNil(t, page.Meta.NextToken)

	// Production bots only, in creation order, over three pages.
	assert.Equal(t, want, admIDs(admAllBots(t, c, nil)))

	desc := gen.SortDirectionDesc
	rev := admIDs(admAllBots(t, c, &gen.ListBotsParams{SortDirection: &desc}))
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	assert.Equal(t, want, rev)

	blue := admAllBots(t, c, &gen.ListBotsParams{Tags: map[string]string{"team": "blue"}})
	assert.Equal(t, []string{want[2], want[4]}, admIDs(blue))

	assert.Equal(t, []string{dev.Bot.ID}, admIDs(admAllBots(t, c, &gen.ListBotsParams{Dev: admPtr(true)})))

	// Updated last, listed last when sorted by updatedAt.
	_, err = c.UpdateBot(ctx, want[1], gen.UpdateBotJSONRequestBody{Name: admPtr("renamed")})
	require.NoError(t, err)
	byUpdate := gen.DateFieldUpdatedAt
	ids := admIDs(admAllBots(t, c, &gen.ListBotsParams{SortField: &byUpdate}))
	require.Len(t, ids, len(want))
	assert.Equal(t, want[1], ids[len(ids)-1])

	// A bot created between two pages is neither skipped nor repeated.
	first, err := c.ListBots(ctx, nil)
	require.NoError(t, err)
	late, err := c.CreateBot(ctx, gen.CreateBotJSONRequestBody{})
	require.NoError(t, err)
	rest := admAllBots(t, c, &gen.ListBotsParams{NextToken: first.Meta.NextToken})
	all := append(admIDs(first.Bots), admIDs(rest)...)
	assert.Equal(t, append(append([]string{}, want...), late.Bot.ID), all)
}

func TestAdminWorkspaces(t *testing.T) {
	srv := bptest.Start(t, bptest.WithPageSize(2))
	c := srv.Client()
	ctx := context.Background()

	own, err := c.GetWorkspace(ctx, srv.WorkspaceID)
	require.NoError(t, err)
	assert.Equal(t, srv.WorkspaceID, own.ID)
	assert.NotEmpty(t, own.Name)
	assert.EqualValues(t, 1, own.BotCount)

	_, err = c.GetWorkspace(ctx, "wkspace_missing000000000000000")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)

	var made []string
	for i := range 3 {
		ws, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceJSONRequestBody{Name: fmt.Sprintf("team %d", i)})
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("team %d", i), ws.Name)
		assert.Equal(t, bptest.DefaultAccountID, ws.OwnerID)
		assert.EqualValues(t, 0, ws.BotCount)
		made = append(made, ws.ID)
	}
	var listed []string
	for ws, err := range c.AllWorkspaces(ctx, nil) {
		require.NoError(t, err)
		listed = append(listed, ws.ID)
	}
	assert.Equal(t, append([]string{srv.WorkspaceID}, made...), listed)

	upd, err := c.UpdateWorkspace(ctx, made[0], gen.UpdateWorkspaceJSONRequestBody{
		Name: admPtr("renamed"), Handle: admPtr("renamed-team"), SpendingLimit: admPtr(50.0), SocialAccounts: []string{"https://x.example/t"},
	})
	require.NoError(t, err)
	assert.Equal(t, "renamed", upd.Name)
	assert.Equal(t, "renamed-team", *upd.Handle)
	assert.EqualValues(t, 50, upd.SpendingLimit)
	got, err := c.GetWorkspace(ctx, made[0])
	require.NoError(t, err)
	assert.Equal(t, "renamed", got.Name)
	assert.Equal(t, []string{"https://x.example/t"}, got.SocialAccounts)

	byHandle, err := c.ListWorkspaces(ctx, &gen.ListWorkspacesParams{Handle: admPtr("renamed-team")})
	require.NoError(t, err)
	require.Len(t, byHandle.Workspaces, 1)
	assert.Equal(t, made[0], byHandle.Workspaces[0].ID)

	_, err = c.UpdateWorkspace(ctx, made[1], gen.UpdateWorkspaceJSONRequestBody{Handle: admPtr("renamed-team")})
	assert.ErrorIs(t, err, bperrors.ErrAlreadyExists)
	_, err = c.UpdateWorkspace(ctx, "wkspace_missing000000000000000", gen.UpdateWorkspaceJSONRequestBody{Name: admPtr("x")})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)

	// Bots belong to the workspace they were made in.
	other := client.WithWorkspaceID(made[1])
	b, err := c.CreateBot(ctx, gen.CreateBotJSONRequestBody{}, other)
	require.NoError(t, err)
	assert.Equal(t, []string{b.Bot.ID}, admIDs(admAllBots(t, c, nil, other)))
	assert.Equal(t, []string{srv.BotID}, admIDs(admAllBots(t, c, nil)))
	_, err = c.GetBot(ctx, b.Bot.ID)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.GetBot(ctx, b.Bot.ID, other)
	require.NoError(t, err)
	ws1, err := c.GetWorkspace(ctx, made[1])
	require.NoError(t, err)
	assert.EqualValues(t, 1, ws1.BotCount)

	// Deleting a workspace takes its bots along.
	require.NoError(t, c.DeleteWorkspace(ctx, made[1]))
	_, err = c.GetWorkspace(ctx, made[1])
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	assert.ErrorIs(t, c.DeleteWorkspace(ctx, made[1]), bperrors.ErrResourceNotFound)
	_, err = c.CreateUser(ctx, gen.CreateUserJSONRequestBody{Tags: map[string]string{}}, client.WithBotID(b.Bot.ID))
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.ListBots(ctx, nil, other)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.CreateBot(ctx, gen.CreateBotJSONRequestBody{}, other)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
}

func TestAdminWorkspaceMembers(t *testing.T) {
	srv := bptest.Start(t, bptest.WithPageSize(2))
	c := srv.Client()
	ctx := context.Background()

	me, err := c.GetWorkspaceMember(ctx)
	require.NoError(t, err)
	assert.Equal(t, bptest.DefaultAccountEmail, me.Email)
	assert.Equal(t, gen.WorkspaceMemberRole("owner"), me.Role)
	require.NotNil(t, me.UserID)
	assert.Equal(t, bptest.DefaultAccountID, me.UserID.String())

	var ids []string
	for i, role := range []gen.WorkspaceMemberRole{"developer", "viewer", "billing"} {
		m, err := c.CreateWorkspaceMember(ctx, gen.CreateWorkspaceMemberJSONRequestBody{Email: openapi_types.Email(fmt.Sprintf("p%d@example.com", i)), Role: role})
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("p%d@example.com", i), m.Email)
		assert.Equal(t, string(role), string(m.Role))
		assert.NotEmpty(t, m.ID)
		ids = append(ids, m.ID)
	}
	_, err = c.CreateWorkspaceMember(ctx, gen.CreateWorkspaceMemberJSONRequestBody{Email: "P0@Example.com", Role: "manager"})
	assert.ErrorIs(t, err, bperrors.ErrAlreadyExists)
	_, err = c.CreateWorkspaceMember(ctx, gen.CreateWorkspaceMemberJSONRequestBody{Email: bptest.DefaultAccountEmail, Role: "viewer"})
	assert.ErrorIs(t, err, bperrors.ErrAlreadyExists)

	var emails []string
	for m, err := range c.AllWorkspaceMembers(ctx, nil) {
		require.NoError(t, err)
		emails = append(emails, m.Email)
	}
	assert.Equal(t, []string{bptest.DefaultAccountEmail, "p0@example.com", "p1@example.com", "p2@example.com"}, emails)

	up, err := c.UpdateWorkspaceMember(ctx, ids[1], gen.UpdateWorkspaceMemberJSONRequestBody{Role: admPtr(gen.WorkspaceMemberRole("administrator"))})
	require.NoError(t, err)
	assert.Equal(t, "administrator", string(up.Role))
	page, err := c.ListWorkspaceMembers(ctx, nil)
	require.NoError(t, err)
	require.Len(t, page.Members, 2)
	assert.Equal(t, gen.WorkspaceMemberRoleDeveloper, page.Members[1].Role)

	require.NoError(t, c.DeleteWorkspaceMember(ctx, ids[0]))
	assert.ErrorIs(t, c.DeleteWorkspaceMember(ctx, ids[0]), bperrors.ErrResourceNotFound)
	_, err = c.UpdateWorkspaceMember(ctx, ids[0], gen.UpdateWorkspaceMemberJSONRequestBody{})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	// Gone, the address can be added again.
	again, err := c.CreateWorkspaceMember(ctx, gen.CreateWorkspaceMemberJSONRequestBody{Email: "p0@example.com", Role: "viewer"})
	require.NoError(t, err)
	assert.NotEqual(t, ids[0], again.ID)

	// Another workspace has its own members, the account among them.
	ws, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceJSONRequestBody{Name: "other"})
	require.NoError(t, err)
	in := client.WithWorkspaceID(ws.ID)
	list, err := c.ListWorkspaceMembers(ctx, nil, in)
	require.NoError(t, err)
	require.Len(t, list.Members, 1)
	assert.Equal(t, bptest.DefaultAccountEmail, list.Members[0].Email)
	_, err = c.CreateWorkspaceMember(ctx, gen.CreateWorkspaceMemberJSONRequestBody{Email: "p1@example.com", Role: "viewer"}, in)
	require.NoError(t, err)

	// An unknown workspace is a 404 for every member operation.
	nowhere := client.WithWorkspaceID("wkspace_missing000000000000000")
	_, err = c.ListWorkspaceMembers(ctx, nil, nowhere)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.GetWorkspaceMember(ctx, nowhere)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.CreateWorkspaceMember(ctx, gen.CreateWorkspaceMemberJSONRequestBody{Email: "z@example.com", Role: "viewer"}, nowhere)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)

	// Without its own membership, "me" is not found.
	require.NoError(t, c.DeleteWorkspaceMember(ctx, me.ID))
	_, err = c.GetWorkspaceMember(ctx)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
}

func TestAdminAccount(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()

	acc, err := c.GetAccount(ctx)
	require.NoError(t, err)
	assert.Equal(t, bptest.DefaultAccountEmail, acc.Account.Email)
	assert.Equal(t, bptest.DefaultAccountID, acc.Account.ID)
	assert.True(t, acc.Account.EmailVerified)
	assert.False(t, acc.Account.CreatedAt.IsZero())

	up, err := c.UpdateAccount(ctx, gen.UpdateAccountJSONRequestBody{DisplayName: admPtr("Ada"), ProfilePicture: admPtr("https://example.com/ada.png")})
	require.NoError(t, err)
	assert.Equal(t, "Ada", *up.Account.DisplayName)
	assert.Equal(t, bptest.DefaultAccountEmail, up.Account.Email)

	acc, err = c.GetAccount(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Ada", *acc.Account.DisplayName)
	assert.Equal(t, "https://example.com/ada.png", *acc.Account.ProfilePicture)

	// Fields left out keep their value; the membership shows the new name.
	_, err = c.UpdateAccount(ctx, gen.UpdateAccountJSONRequestBody{ProfilePicture: admPtr("https://example.com/2.png")})
	require.NoError(t, err)
	me, err := c.GetWorkspaceMember(ctx)
	require.NoError(t, err)
	require.NotNil(t, me.DisplayName)
	assert.Equal(t, "Ada", *me.DisplayName)
	assert.Equal(t, "https://example.com/2.png", *me.ProfilePicture)

	require.NoError(t, c.DeleteAccount(ctx, gen.DeleteAccountJSONRequestBody{}))
}

func TestAdminConcurrentBotCreation(t *testing.T) {
	srv := bptest.Start(t, bptest.WithPageSize(3))
	c := srv.Client()
	ctx := context.Background()
	const n = 20
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := c.CreateBot(ctx, gen.CreateBotJSONRequestBody{Name: admPtr(fmt.Sprintf("bot %d", i))})
			if err != nil {
				errs[i] = err
				return
			}
			ids[i] = b.Bot.ID
			_, errs[i] = c.CreateUser(ctx, gen.CreateUserJSONRequestBody{Tags: map[string]string{}}, client.WithBotID(b.Bot.ID))
		}()
	}
	// Members too, concurrently with the bots.
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.CreateWorkspaceMember(ctx, gen.CreateWorkspaceMemberJSONRequestBody{Email: openapi_types.Email(fmt.Sprintf("m%d@example.com", i)), Role: "viewer"})
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}

	listed := admIDs(admAllBots(t, c, nil))
	assert.Len(t, listed, n+1)
	seen := map[string]bool{}
	for _, id := range listed {
		assert.False(t, seen[id], "listed twice: %s", id)
		seen[id] = true
	}
	for _, id := range ids {
		assert.True(t, seen[id], "not listed: %s", id)
	}
	ws, err := c.GetWorkspace(ctx, srv.WorkspaceID)
	require.NoError(t, err)
	assert.EqualValues(t, n+1, ws.BotCount)

	count := 0
	for _, err := range c.AllWorkspaceMembers(ctx, nil) {
		require.NoError(t, err)
		count++
	}
	assert.Equal(t, n+1, count)
}

func admPtr[T any](v T) *T { return &v }
