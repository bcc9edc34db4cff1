package bptest_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

// keysOwner is what the API key tests need of bots and integrations: how
// to make an owner, and the key calls on it.
type keysOwner struct {
	create func(t *testing.T, c *client.Client, name string) string
	make   func(c *client.Client, owner string, note *string) (id, value, gotNote string, err error)
	list   func(c *client.Client, owner string) ([]gen.APIKeySummary, error)
	del    func(c *client.Client, id string) error
	drop   func(c *client.Client, owner string) error
}

var keysOwners = map[string]keysOwner{
	"bot": {
		create: func(t *testing.T, c *client.Client, name string) string {
			b, err := c.CreateBot(context.Background(), gen.CreateBotJSONRequestBody{Name: &name})
			require.NoError(t, err)
			return b.Bot.ID
		},
		make: func(c *client.Client, owner string, note *string) (string, string, string, error) {
			k, err := c.CreateBotAPIKey(context.Background(), gen.CreateBotAPIKeyBody{BotID: owner, Note: note})
			if err != nil {
				return "", "", "", err
			}
			return k.ID, k.Value, k.Note, nil
		},
		list: func(c *client.Client, owner string) ([]gen.APIKeySummary, error) {
			l, err := c.ListBotAPIKeys(context.Background(), &gen.ListBotAPIKeysParams{BotID: owner})
			if err != nil {
				return nil, err
			}
			return l.Baks, nil
		},
		del:  func(c *client.Client, id string) error { return c.DeleteBotAPIKey(context.Background(), id) },
		drop: func(c *client.Client, owner string) error { return c.DeleteBot(context.Background(), owner) },
	},
	"integration": {
		create: func(t *testing.T, c *client.Client, name string) string {
			i, err := c.CreateIntegration(context.Background(), gen.CreateIntegrationJSONRequestBody{Name: name, Version: "1.0.0"})
			require.NoError(t, err)
			return i.Integration.ID
		},
		make: func(c *client.Client, owner string, note *string) (string, string, string, error) {
			k, err := c.CreateIntegrationAPIKey(context.Background(), gen.CreateIntegrationAPIKeyBody{IntegrationID: owner, Note: note})
			if err != nil {
				return "", "", "", err
			}
			return k.ID, k.Value, k.Note, nil
		},
		list: func(c *client.Client, owner string) ([]gen.APIKeySummary, error) {
			l, err := c.ListIntegrationAPIKeys(context.Background(), &gen.ListIntegrationAPIKeysParams{IntegrationID: owner})
			if err != nil {
				return nil, err
			}
			return l.Iaks, nil
		},
		del:  func(c *client.Client, id string) error { return c.DeleteIntegrationAPIKey(context.Background(), id) },
		drop: func(c *client.Client, owner string) error { return c.DeleteIntegration(context.Background(), owner) },
	},
}

// TestAdminAPIKeys: a key's value is answered at creation only; lists show
// the owner's keys with id, note and createdAt; delete removes one (a second
// delete is 404); another workspace sees neither the owner nor its keys; the
// keys go with their owner.
func TestAdminAPIKeys(t *testing.T) {
	for kind, k := range keysOwners {
		t.Run(kind, func(t *testing.T) {
			srv := bptest.Start(t)
			c := srv.Client()
			owner := k.create(t, c, "mailer")
			other := k.create(t, c, "pager")

			empty, err := k.list(c, owner)
			require.NoError(t, err)
			assert.NotNil(t, empty)
			assert.Empty(t, empty)

			id1, v1, note1, err := k.make(c, owner, admPtr("ci"))
			require.NoError(t, err)
			assert.Equal(t, "ci", note1)
			assert.NotEmpty(t, v1)
			id2, v2, note2, err := k.make(c, owner, nil)
			require.NoError(t, err)
			assert.Equal(t, "", note2)
			assert.NotEqual(t, v1, v2)
			_, _, _, err = k.make(c, other, admPtr("other"))
			require.NoError(t, err)

			got, err := k.list(c, owner)
			require.NoError(t, err)
			require.Len(t, got, 2)
			assert.Equal(t, id1, got[0].ID)
			assert.Equal(t, "ci", got[0].Note)
			assert.False(t, got[0].CreatedAt.IsZero())
			assert.Equal(t, id2, got[1].ID)
			raw, err := json.Marshal(got)
			require.NoError(t, err)
			assert.NotContains(t, string(raw), v1, "a list never shows a value")

			ws, err := c.CreateWorkspace(context.Background(), gen.CreateWorkspaceJSONRequestBody{Name: "elsewhere"})
			require.NoError(t, err)
			away := srv.Client(client.WithWorkspaceID(ws.ID))
			_, err = k.list(away, owner)
			assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
			_, _, _, err = k.make(away, owner, nil)
			assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
			assert.ErrorIs(t, k.del(away, id1), bperrors.ErrResourceNotFound)

			require.NoError(t, k.del(c, id1))
			assert.ErrorIs(t, k.del(c, id1), bperrors.ErrResourceNotFound)
			got, err = k.list(c, owner)
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, id2, got[0].ID)

			_, _, _, err = k.make(c, "unknown_00000000000000000000000", nil)
			assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)

			require.NoError(t, k.drop(c, owner))
			assert.ErrorIs(t, k.del(c, id2), bperrors.ErrResourceNotFound, "a key goes with its owner")
		})
	}
}

// TestAdminPersonalAccessTokens: a created token's value authenticates
// until the token is deleted; lists never show a value.
func TestAdminPersonalAccessTokens(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()

	l, err := c.ListPersonalAccessTokens(ctx)
	require.NoError(t, err)
	assert.Empty(t, l.Pats, "the server's own token is not listed")

	made, err := c.CreatePersonalAccessToken(ctx, gen.CreatePersonalAccessTokenBody{Note: "deploys"})
	require.NoError(t, err)
	p := made.Pat
	assert.Equal(t, "deploys", p.Note)
	assert.True(t, strings.HasPrefix(p.Value, "bp_pat_"), p.Value)
	assert.NotEqual(t, srv.Token, p.Value)
	second, err := c.CreatePersonalAccessToken(ctx, gen.CreatePersonalAccessTokenBody{Note: "ci"})
	require.NoError(t, err)

	l, err = c.ListPersonalAccessTokens(ctx)
	require.NoError(t, err)
	require.Len(t, l.Pats, 2)
	assert.Equal(t, gen.PersonalAccessToken{ID: p.ID, CreatedAt: p.CreatedAt, Note: "deploys"}, l.Pats[0])
	assert.Equal(t, second.Pat.ID, l.Pats[1].ID)

	withPAT := srv.Client(client.WithToken(p.Value))
	acc, err := withPAT.GetAccount(ctx)
	require.NoError(t, err, "a created token authenticates")
	assert.Equal(t, bptest.DefaultAccountEmail, acc.Account.Email)
	_, err = withPAT.ListUsers(ctx, nil)
	require.NoError(t, err, "runtime calls too")

	require.NoError(t, c.DeletePersonalAccessToken(ctx, p.ID))
	_, err = withPAT.GetAccount(ctx)
	assert.ErrorIs(t, err, bperrors.ErrUnauthorized, "a deleted token stops working")
	assert.ErrorIs(t, c.DeletePersonalAccessToken(ctx, p.ID), bperrors.ErrResourceNotFound)
	_, err = srv.Client(client.WithToken(second.Pat.Value)).GetAccount(ctx)
	require.NoError(t, err, "the other token still works")
	_, err = srv.Client(client.WithToken("bp_pat_guess")).GetAccount(ctx)
	assert.ErrorIs(t, err, bperrors.ErrUnauthorized)

	l, err = c.ListPersonalAccessTokens(ctx)
	require.NoError(t, err)
	require.Len(t, l.Pats, 1)
	assert.Equal(t, second.Pat.ID, l.Pats[0].ID)
}

// TestAdminPreferences: a value of any JSON type is stored under a key and
// answered back; an unset key, or one set to null, answers null; workspace
// preferences are the workspace's own.
func TestAdminPreferences(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()

	type prefs struct {
		set func(c *client.Client, key string, v any) error
		get func(c *client.Client, key string) (any, bool, error) // value, null
	}
	kinds := map[string]prefs{
		"account": {
			set: func(c *client.Client, key string, v any) error {
				return c.SetAccountPreference(ctx, key, gen.SetAccountPreferenceBody{Value: v})
			},
			get: func(c *client.Client, key string) (any, bool, error) {
				r, err := c.GetAccountPreference(ctx, key)
				if err != nil {
					return nil, false, err
				}
				v, _ := r.Value.Get()
				return v, r.Value.IsNull(), nil
			},
		},
		"workspace": {
			set: func(c *client.Client, key string, v any) error {
				return c.SetWorkspacePreference(ctx, key, gen.SetWorkspacePreferenceBody{Value: v})
			},
			get: func(c *client.Client, key string) (any, bool, error) {
				r, err := c.GetWorkspacePreference(ctx, key)
				if err != nil {
					return nil, false, err
				}
				v, _ := r.Value.Get()
				return v, r.Value.IsNull(), nil
			},
		},
	}
	for kind, p := range kinds {
		t.Run(kind, func(t *testing.T) {
			_, null, err := p.get(c, "theme")
			require.NoError(t, err)
			assert.True(t, null, "an unset key answers null")

			value := map[string]any{"mode": "dark", "sizes": []any{1.0, 2.0}}
			require.NoError(t, p.set(c, "theme", value))
			require.NoError(t, p.set(c, "count", 3))
			got, null, err := p.get(c, "theme")
			require.NoError(t, err)
			assert.False(t, null)
			assert.Equal(t, value, got)
			got, _, err = p.get(c, "count")
			require.NoError(t, err)
			assert.Equal(t, 3.0, got)

			require.NoError(t, p.set(c, "theme", "light"))
			got, _, err = p.get(c, "theme")
			require.NoError(t, err)
			assert.Equal(t, "light", got)

			require.NoError(t, p.set(c, "theme", nil))
			_, null, err = p.get(c, "theme")
			require.NoError(t, err)
			assert.True(t, null, "null unsets")
		})
	}

	ws, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceJSONRequestBody{Name: "other"})
	require.NoError(t, err)
	in := srv.Client(client.WithWorkspaceID(ws.ID))
	r, err := in.GetWorkspacePreference(ctx, "count")
	require.NoError(t, err)
	assert.True(t, r.Value.IsNull(), "another workspace has its own preferences")
	acc, err := in.GetAccountPreference(ctx, "count")
	require.NoError(t, err)
	v, _ := acc.Value.Get()
	assert.Equal(t, 3.0, v, "account preferences are the same from any workspace")
	_, err = srv.Client(client.WithWorkspaceID("wkspace_missing000000000000000")).GetWorkspacePreference(ctx, "count")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
}

// TestAdminBotAllowlist: a bot starts open to all the workspace's users;
// updates set the setting and add or remove users.
func TestAdminBotAllowlist(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()

	l, err := c.GetBotAllowlist(ctx, srv.BotID)
	require.NoError(t, err)
	assert.Equal(t, gen.BotAllowlistSettingALLWORKSPACEUSERS, l.Setting)
	assert.NotNil(t, l.Users)
	assert.Empty(t, l.Users)

	sel := gen.BotAllowlistSettingSELECTEDUSERS
	require.NoError(t, c.UpdateBotAllowlist(ctx, srv.BotID, gen.UpdateBotAllowlistBody{Setting: &sel, Users: map[string]bool{"u-b": true, "u-a": true}}))
	require.NoError(t, c.UpdateBotAllowlist(ctx, srv.BotID, gen.UpdateBotAllowlistBody{Users: map[string]bool{"u-c": true, "u-a": false, "u-x": false}}))
	l, err = c.GetBotAllowlist(ctx, srv.BotID)
	require.NoError(t, err)
	assert.Equal(t, gen.BotAllowlistSettingSELECTEDUSERS, l.Setting)
	assert.Equal(t, []gen.GetBotAllowlistResponse_Users{{ID: "u-b"}, {ID: "u-c"}}, l.Users)

	ws, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceJSONRequestBody{Name: "other"})
	require.NoError(t, err)
	away := srv.Client(client.WithWorkspaceID(ws.ID))
	_, err = away.GetBotAllowlist(ctx, srv.BotID)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	assert.ErrorIs(t, away.UpdateBotAllowlist(ctx, srv.BotID, gen.UpdateBotAllowlistBody{}), bperrors.ErrResourceNotFound)

	b, err := c.CreateBot(ctx, gen.CreateBotJSONRequestBody{})
	require.NoError(t, err)
	l, err = c.GetBotAllowlist(ctx, b.Bot.ID)
	require.NoError(t, err)
	assert.Empty(t, l.Users, "each bot has its own")
}

// TestAdminIntegrationShareableID: made once per installation, found by
// integration ID or alias, withdrawn by delete; 404 for an integration the
// bot has not installed, and after it is uninstalled.
func TestAdminIntegrationShareableID(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	const integ = "intver_telegram0000000000000000"
	_, err := c.UpdateBot(ctx, srv.BotID, gen.UpdateBotJSONRequestBody{
		Integrations: map[string]*gen.BotIntegrationUpdate{"tg": {IntegrationID: admPtr(integ)}},
	})
	require.NoError(t, err)

	_, err = c.GetIntegrationShareableID(ctx, srv.BotID, integ, nil)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, "none made yet")

	made, err := c.CreateIntegrationShareableID(ctx, srv.BotID, integ, nil, gen.CreateIntegrationShareableIDBody{})
	require.NoError(t, err)
	assert.NotEmpty(t, made.ShareableID)
	again, err := c.CreateIntegrationShareableID(ctx, srv.BotID, "ignored", &gen.CreateIntegrationShareableIDParams{IntegrationInstanceAlias: admPtr("tg")}, gen.CreateIntegrationShareableIDBody{})
	require.NoError(t, err)
	assert.Equal(t, made.ShareableID, again.ShareableID, "one per installation")

	got, err := c.GetIntegrationShareableID(ctx, srv.BotID, integ, nil)
	require.NoError(t, err)
	assert.Equal(t, made.ShareableID, got.ShareableID)
	assert.False(t, got.IsExpired)

	_, err = c.GetIntegrationShareableID(ctx, srv.BotID, "intver_other000000000000000000000", nil)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, "not installed")
	_, err = c.GetIntegrationShareableID(ctx, srv.BotID, integ, &gen.GetIntegrationShareableIDParams{IntegrationInstanceAlias: admPtr("nope")})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, "no installation with that alias")
	ws, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceJSONRequestBody{Name: "other"})
	require.NoError(t, err)
	_, err = srv.Client(client.WithWorkspaceID(ws.ID)).GetIntegrationShareableID(ctx, srv.BotID, integ, nil)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, "another workspace's bot")

	require.NoError(t, c.DeleteIntegrationShareableID(ctx, srv.BotID, integ, nil))
	_, err = c.GetIntegrationShareableID(ctx, srv.BotID, integ, nil)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	assert.ErrorIs(t, c.DeleteIntegrationShareableID(ctx, srv.BotID, integ, nil), bperrors.ErrResourceNotFound)

	_, err = c.CreateIntegrationShareableID(ctx, srv.BotID, integ, nil, gen.CreateIntegrationShareableIDBody{})
	require.NoError(t, err)
	_, err = c.UpdateBot(ctx, srv.BotID, gen.UpdateBotJSONRequestBody{Integrations: map[string]*gen.BotIntegrationUpdate{"tg": nil}})
	require.NoError(t, err)
	_, err = c.GetIntegrationShareableID(ctx, srv.BotID, integ, nil)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, "uninstalled")
}

// TestAdminBotWebchat: every form of the embed code names the bot; the
// configurable one carries its name and, as clientId, the webhook ID of
// its webchat installation.
func TestAdminBotWebchat(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	b, err := c.CreateBot(ctx, gen.CreateBotJSONRequestBody{Name: admPtr("Support <desk>")})
	require.NoError(t, err)
	id := b.Bot.ID

	page := "https://" + bptest.WebchatHost + "/" + id
	code := func(typ gen.GetBotWebchatParamsType) string {
		t.Helper()
		r, err := c.GetBotWebchat(ctx, id, &gen.GetBotWebchatParams{Type: typ})
		require.NoError(t, err)
		return r.Code
	}
	assert.Equal(t, page, code(gen.GetBotWebchatParamsTypeSharableURL))
	assert.Contains(t, code(gen.GetBotWebchatParamsTypePreconfigured), page+"/config.js")
	full := code(gen.GetBotWebchatParamsTypeFullscreen)
	assert.Contains(t, full, page)
	assert.Contains(t, full, "<title>Support &lt;desk&gt;</title>")
	assert.Contains(t, code(gen.GetBotWebchatParamsTypeConfigurable), `"clientId":"`+id+`"`)

	up, err := c.UpdateBot(ctx, id, gen.UpdateBotJSONRequestBody{
		Integrations: map[string]*gen.BotIntegrationUpdate{"webchat": {IntegrationID: admPtr("intver_webchat00000000000000000")}},
	})
	require.NoError(t, err)
	conf := code(gen.GetBotWebchatParamsTypeConfigurable)
	assert.Contains(t, conf, `"clientId":"`+up.Bot.Integrations["webchat"].WebhookID+`"`)
	assert.Contains(t, conf, `"botId":"`+id+`"`)
	assert.Contains(t, conf, `"botName":"Support \u003cdesk\u003e"`)

	ws, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceJSONRequestBody{Name: "other"})
	require.NoError(t, err)
	_, err = srv.Client(client.WithWorkspaceID(ws.ID)).GetBotWebchat(ctx, id, &gen.GetBotWebchatParams{Type: gen.GetBotWebchatParamsTypeSharableURL})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
}
