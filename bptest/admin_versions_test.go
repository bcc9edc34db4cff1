package bptest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

// verFetch GETs an address getBotVersion gave (no token, as pre-signed).
func verFetch(t *testing.T, url string) map[string]any {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(raw))
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

// TestBotVersionsAndDeploys: a version saves the bot's JSON as it was; a
// deploy brings that definition back, sets deployedAt and records
// DEPLOY_BOT; getBotJson and publishFromBotJson round-trip; unknown
// versions and bots of other workspaces are 404.
func TestBotVersionsAndDeploys(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	clock := bptest.NewClock(t0)
	srv := bptest.Start(t, bptest.WithClock(clock.Now))
	c := srv.Client()

	b, err := c.CreateBot(ctx, gen.CreateBotJSONRequestBody{Name: admPtr("first"), Tags: map[string]string{"team": "a"}})
	require.NoError(t, err)
	id := b.Bot.ID
	assert.Nil(t, b.Bot.DeployedAt)

	vs, err := c.ListBotVersions(ctx, id)
	require.NoError(t, err)
	assert.Empty(t, vs.Versions)

	v1, err := c.CreateBotVersion(ctx, id, gen.CreateBotVersionBody{Name: "v1", Description: admPtr("the first")})
	require.NoError(t, err)
	assert.Equal(t, "v1", v1.Version.Name)
	assert.Equal(t, "the first", *v1.Version.Description)

	_, err = c.UpdateBot(ctx, id, gen.UpdateBotJSONRequestBody{Name: admPtr("second"), Tags: map[string]*string{"team": admPtr("b")}})
	require.NoError(t, err)
	v2, err := c.CreateBotVersion(ctx, id, gen.CreateBotVersionBody{Name: "v2"})
	require.NoError(t, err)

	vs, err = c.ListBotVersions(ctx, id)
	require.NoError(t, err)
	require.Len(t, vs.Versions, 2)
	assert.Equal(t, []string{v1.Version.ID, v2.Version.ID}, []string{vs.Versions[0].ID, vs.Versions[1].ID})

	// The version's address answers the JSON saved then.
	got, err := c.GetBotVersion(ctx, id, v1.Version.ID)
	require.NoError(t, err)
	saved := verFetch(t, got.URL)
	assert.Equal(t, "first", saved["name"])
	assert.NotContains(t, saved, "id")
	assert.NotContains(t, saved, "signingSecret")

	// Deploying v1 brings its definition back.
	clock.Advance(time.Minute)
	require.NoError(t, c.DeployBotVersion(ctx, id, gen.DeployBotVersionBody{VersionID: v1.Version.ID}))
	bot, err := c.GetBot(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "first", bot.Bot.Name)
	assert.Equal(t, map[string]string{"team": "a"}, bot.Bot.Tags)
	require.NotNil(t, bot.Bot.DeployedAt)
	assert.True(t, bot.Bot.DeployedAt.Equal(t0.Add(time.Minute)))
	assert.True(t, bot.Bot.UpdatedAt.Equal(t0.Add(time.Minute)))
	assert.Equal(t, id, bot.Bot.ID)

	recs := auditAll(t, c, srv.WorkspaceID, nil)
	require.NotEmpty(t, recs)
	assert.Equal(t, gen.AuditRecordActionDEPLOYBOT, recs[0].Action)
	assert.Equal(t, id, recs[0].ResourceID.MustGet())
	assert.Equal(t, v1.Version.ID, recs[0].Value.MustGet())

	// getBotJson → publishFromBotJson round-trips, and a changed document
	// changes the bot.
	doc, err := c.GetBotJSON(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "first", (*doc)["name"])
	(*doc)["name"] = "published"
	(*doc)["description"] = "from JSON"
	clock.Advance(time.Minute)
	pub, err := c.PublishFromBotJSON(ctx, id, gen.PublishFromBotJSONBody{BotJSON: *doc})
	require.NoError(t, err)
	assert.Equal(t, "published", (*pub)["name"])
	bot, err = c.GetBot(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "published", bot.Bot.Name)
	assert.Equal(t, "from JSON", *bot.Bot.Description)
	assert.True(t, bot.Bot.DeployedAt.Equal(t0.Add(2*time.Minute)))
	again, err := c.GetBotJSON(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, *doc, *again)

	// A document that is no bot definition is refused and changes nothing.
	_, err = c.PublishFromBotJSON(ctx, id, gen.PublishFromBotJSONBody{BotJSON: map[string]any{"nonsense": 1}})
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload)
	_, err = c.PublishFromBotJSON(ctx, id, gen.PublishFromBotJSONBody{BotJSON: map[string]any{"tags": "not a map"}})
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload)
	_, err = c.PublishFromBotJSON(ctx, id, gen.PublishFromBotJSONBody{BotJSON: map[string]any{
		"integrations": map[string]any{"mailer": map[string]any{"name": "mailer"}},
	}})
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload, "an installed integration lacking its required fields")
	bot, err = c.GetBot(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "published", bot.Bot.Name)
	assert.Empty(t, bot.Bot.Integrations)

	// Unknown versions; bots of another workspace.
	_, err = c.GetBotVersion(ctx, id, "botver_missing0000000000000000")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	assert.ErrorIs(t, c.DeployBotVersion(ctx, id, gen.DeployBotVersionBody{VersionID: "botver_missing0000000000000000"}), bperrors.ErrResourceNotFound)
	ws, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceJSONRequestBody{Name: "other"})
	require.NoError(t, err)
	other := client.WithWorkspaceID(ws.ID)
	_, err = c.ListBotVersions(ctx, id, other)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.GetBotJSON(ctx, id, other)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.CreateBotVersion(ctx, id, gen.CreateBotVersionBody{Name: "x"}, other)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)

	// Versions go with their bot.
	require.NoError(t, c.DeleteBot(ctx, id))
	_, err = c.ListBotVersions(ctx, id)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	resp, err := http.Get(got.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// TestTransferBot: the bot moves with its versions; it is 404 from the
// workspace it left; both record TRANSFER_BOT; unknown targets are 404 and
// its own workspace 400.
func TestTransferBot(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()
	b, err := c.CreateBot(ctx, gen.CreateBotJSONRequestBody{Name: admPtr("mover")})
	require.NoError(t, err)
	id := b.Bot.ID
	_, err = c.CreateBotVersion(ctx, id, gen.CreateBotVersionBody{Name: "v1"})
	require.NoError(t, err)
	ws, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceJSONRequestBody{Name: "target"})
	require.NoError(t, err)
	to := client.WithWorkspaceID(ws.ID)

	assert.ErrorIs(t, c.TransferBot(ctx, id, gen.TransferBotBody{TargetWorkspaceID: "wkspace_missing000000000000000"}), bperrors.ErrResourceNotFound)
	assert.ErrorIs(t, c.TransferBot(ctx, id, gen.TransferBotBody{TargetWorkspaceID: srv.WorkspaceID}), bperrors.ErrInvalidPayload)

	require.NoError(t, c.TransferBot(ctx, id, gen.TransferBotBody{TargetWorkspaceID: ws.ID}))
	_, err = c.GetBot(ctx, id)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	assert.ErrorIs(t, c.TransferBot(ctx, id, gen.TransferBotBody{TargetWorkspaceID: ws.ID}), bperrors.ErrResourceNotFound)
	got, err := c.GetBot(ctx, id, to)
	require.NoError(t, err)
	assert.Equal(t, "mover", got.Bot.Name)
	assert.NotContains(t, admIDs(admAllBots(t, c, nil)), id)
	assert.Equal(t, []string{id}, admIDs(admAllBots(t, c, nil, to)))
	vs, err := c.ListBotVersions(ctx, id, to)
	require.NoError(t, err)
	assert.Len(t, vs.Versions, 1)

	for _, w := range []string{srv.WorkspaceID, ws.ID} {
		recs := auditAll(t, c, w, nil)
		require.NotEmpty(t, recs, w)
		assert.Equal(t, gen.AuditRecordActionTRANSFERBOT, recs[0].Action, w)
		assert.Equal(t, id, recs[0].ResourceID.MustGet())
		assert.Equal(t, ws.ID, recs[0].Value.MustGet())
	}
}

// TestIntegrationChecks: the validations answer what create and update
// would without storing; verification moves unapproved to pending.
func TestIntegrationChecks(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()

	require.NoError(t, c.ValidateIntegrationCreation(ctx, gen.ValidateIntegrationCreationBody{Name: "mailer", Version: "1.0.0"}))
	list, err := c.ListIntegrations(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, list.Integrations, "validating stores nothing")

	in, err := c.CreateIntegration(ctx, gen.CreateIntegrationBody{Name: "mailer", Version: "1.0.0"})
	require.NoError(t, err)
	assert.ErrorIs(t, c.ValidateIntegrationCreation(ctx, gen.ValidateIntegrationCreationBody{Name: "mailer", Version: "1.0.0"}), bperrors.ErrAlreadyExists)
	require.NoError(t, c.ValidateIntegrationCreation(ctx, gen.ValidateIntegrationCreationBody{Name: "mailer", Version: "1.1.0"}))

	require.NoError(t, c.ValidateIntegrationUpdate(ctx, in.Integration.ID, gen.ValidateIntegrationUpdateBody{Title: admPtr("Changed")}))
	got, err := c.GetIntegration(ctx, in.Integration.ID)
	require.NoError(t, err)
	assert.Equal(t, "mailer", got.Integration.Title, "validating changes nothing")
	assert.ErrorIs(t, c.ValidateIntegrationUpdate(ctx, "intver_missing0000000000000000", gen.ValidateIntegrationUpdateBody{}), bperrors.ErrResourceNotFound)

	assert.Equal(t, gen.VerificationStatus("unapproved"), got.Integration.VerificationStatus)
	require.NoError(t, c.RequestIntegrationVerification(ctx, gen.RequestIntegrationVerificationBody{IntegrationID: in.Integration.ID}))
	got, err = c.GetIntegration(ctx, in.Integration.ID)
	require.NoError(t, err)
	assert.Equal(t, gen.VerificationStatus("pending"), got.Integration.VerificationStatus)
	assert.ErrorIs(t, c.RequestIntegrationVerification(ctx, gen.RequestIntegrationVerificationBody{IntegrationID: "intver_missing0000000000000000"}), bperrors.ErrResourceNotFound)

	// Another workspace's integration is not found.
	ws, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceJSONRequestBody{Name: "other"})
	require.NoError(t, err)
	other := client.WithWorkspaceID(ws.ID)
	assert.ErrorIs(t, c.ValidateIntegrationUpdate(ctx, in.Integration.ID, gen.ValidateIntegrationUpdateBody{}, other), bperrors.ErrResourceNotFound)
	require.NoError(t, c.ValidateIntegrationCreation(ctx, gen.ValidateIntegrationCreationBody{Name: "mailer", Version: "1.0.0"}, other), "names are unique per workspace")
}

const verIntegrationID = "intver_0000000000mailer0000000"

// verInstall installs an integration in the server's bot under alias.
func verInstall(t *testing.T, c *client.Client, botID, alias string) {
	t.Helper()
	_, err := c.UpdateBot(context.Background(), botID, gen.UpdateBotJSONRequestBody{
		Integrations: map[string]*gen.BotIntegrationUpdate{alias: {IntegrationID: admPtr(verIntegrationID), Enabled: admPtr(true)}},
	})
	require.NoError(t, err)
}

// TestConfigureIntegrationAndSandbox: configureIntegration sets the
// installation's identifier that getBot shows; null removes it; the
// calling integration must be installed.
func TestConfigureIntegrationAndSandbox(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()
	verInstall(t, c, srv.BotID, "mailer")

	asAlias := client.WithIntegrationAlias("mailer")
	require.NoError(t, c.ConfigureIntegration(ctx, gen.ConfigureIntegrationBody{Identifier: nullable.NewNullableWithValue("acct-42")}, asAlias))
	bot, err := c.GetBot(ctx, srv.BotID)
	require.NoError(t, err)
	require.NotNil(t, bot.Bot.Integrations["mailer"].Identifier)
	assert.Equal(t, "acct-42", *bot.Bot.Integrations["mailer"].Identifier)

	require.NoError(t, c.ConfigureIntegration(ctx, gen.ConfigureIntegrationBody{Identifier: nullable.NewNullNullable[string]()}, client.WithIntegrationID(verIntegrationID)))
	bot, err = c.GetBot(ctx, srv.BotID)
	require.NoError(t, err)
	assert.Nil(t, bot.Bot.Integrations["mailer"].Identifier)

	assert.ErrorIs(t, c.ConfigureIntegration(ctx, gen.ConfigureIntegrationBody{}, client.WithIntegrationAlias("nope")), bperrors.ErrResourceNotFound)
	assert.ErrorIs(t, c.ConfigureIntegration(ctx, gen.ConfigureIntegrationBody{}), bperrors.ErrInvalidPayload)

	require.NoError(t, c.UnlinkSandboxedConversations(ctx, srv.BotID, verIntegrationID, nil))
	require.NoError(t, c.UnlinkSandboxedConversations(ctx, srv.BotID, "ignored", &gen.UnlinkSandboxedConversationsParams{IntegrationInstanceAlias: admPtr("mailer")}))
	assert.ErrorIs(t, c.UnlinkSandboxedConversations(ctx, srv.BotID, "intver_missing0000000000000000", nil), bperrors.ErrResourceNotFound)
	assert.ErrorIs(t, c.UnlinkSandboxedConversations(ctx, "bot_missing00000000000000000000", verIntegrationID, nil), bperrors.ErrResourceNotFound)
}

// TestCallAction: without a handler a call is 400 Runtime; with one, its
// output is answered and the run recorded (SUCCESS or FAILURE) for
// listActionRuns; the integration must be installed.
func TestCallAction(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	clock := bptest.NewClock(t0)
	srv := bptest.Start(t, bptest.WithClock(clock.Now))
	c := srv.Client()

	call := func(typ string, input map[string]any) (*gen.CallActionResponse, error) {
		return c.CallAction(ctx, gen.CallActionBody{Type: typ, Input: input})
	}
	_, err := call("mailer:send", map[string]any{})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, "not installed")
	verInstall(t, c, srv.BotID, "mailer")
	_, err = call("mailer:send", map[string]any{"to": "a@b.c"})
	assert.ErrorIs(t, err, bperrors.ErrRuntime, "no handler")
	var apiErr *bperrors.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Contains(t, apiErr.Message, "no action handler")
	_, err = call("nocolon", map[string]any{})
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload)

	srv.OnAction(func(ctx context.Context, actionType string, input map[string]any) (map[string]any, error) {
		assert.Equal(t, srv.BotID, bptest.ActionBotID(ctx))
		clock.Advance(250 * time.Millisecond)
		if input["to"] == "" {
			return nil, errors.New("no recipient")
		}
		return map[string]any{"sent": true, "type": actionType, "to": input["to"]}, nil
	})
	out, err := call("mailer:send", map[string]any{"to": "a@b.c"})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"sent": true, "type": "mailer:send", "to": "a@b.c"}, out.Output)
	assert.False(t, out.Meta.Cached)
	_, err = call("mailer:send", map[string]any{"to": ""})
	assert.ErrorIs(t, err, bperrors.ErrRuntime)
	require.True(t, errors.As(err, &apiErr))
	assert.Contains(t, apiErr.Message, "no recipient")

	runs, err := c.ListActionRuns(ctx, srv.BotID, &gen.ListActionRunsParams{IntegrationName: "mailer"})
	require.NoError(t, err)
	require.Len(t, runs.Data, 2, "the refused calls record nothing")
	failed, ok := runs.Data[0], runs.Data[1]
	assert.Equal(t, gen.ActionRunStatusFAILURE, failed.Status)
	assert.Equal(t, "no recipient", failed.ErrorMessage.MustGet())
	assert.True(t, failed.Output.IsNull())
	assert.Equal(t, gen.ActionRunStatusSUCCESS, ok.Status)
	assert.Equal(t, "mailer:send", ok.ActionType)
	assert.Equal(t, map[string]any{"to": "a@b.c"}, ok.Input)
	assert.Equal(t, true, ok.Output.MustGet()["sent"])
	assert.EqualValues(t, 250, ok.DurationMs)
	assert.Equal(t, mustTime("2026-03-04T05:06:07.000Z"), ok.Timestamp)
}
