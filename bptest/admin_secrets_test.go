package bptest_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

// signed is what the rotation tests need of a bot or an integration: how to
// make one, read its signing secret back, and rotate it.
type signed struct {
	create func(t *testing.T, c *client.Client) (id, secret string)
	read   func(c *client.Client, id string) (string, error)
	rotate func(c *client.Client, id string) (string, error)
}

var signedKinds = map[string]signed{
	"bot": {
		create: func(t *testing.T, c *client.Client) (string, string) {
			b, err := c.CreateBot(context.Background(), gen.CreateBotJSONRequestBody{})
			require.NoError(t, err)
			return b.Bot.ID, b.Bot.SigningSecret
		},
		read: func(c *client.Client, id string) (string, error) {
			b, err := c.GetBot(context.Background(), id)
			if err != nil {
				return "", err
			}
			return b.Bot.SigningSecret, nil
		},
		rotate: func(c *client.Client, id string) (string, error) {
			r, err := c.RotateBotSigningSecrets(context.Background(), id)
			if err != nil {
				return "", err
			}
			return r.NewSigningSecret, nil
		},
	},
	"integration": {
		create: func(t *testing.T, c *client.Client) (string, string) {
			i, err := c.CreateIntegration(context.Background(), gen.CreateIntegrationJSONRequestBody{Name: "mailer", Version: "1.0.0"})
			require.NoError(t, err)
			return i.Integration.ID, i.Integration.SigningSecret
		},
		read: func(c *client.Client, id string) (string, error) {
			i, err := c.GetIntegration(context.Background(), id)
			if err != nil {
				return "", err
			}
			byName, err := c.GetIntegrationByName(context.Background(), i.Integration.Name, i.Integration.Version)
			if err != nil {
				return "", err
			}
			if byName.Integration.SigningSecret != i.Integration.SigningSecret {
				return "", fmt.Errorf("getIntegrationByName answers %q, getIntegration %q", byName.Integration.SigningSecret, i.Integration.SigningSecret)
			}
			return i.Integration.SigningSecret, nil
		},
		rotate: func(c *client.Client, id string) (string, error) {
			r, err := c.RotateIntegrationSigningSecrets(context.Background(), id)
			if err != nil {
				return "", err
			}
			return r.NewSigningSecret, nil
		},
	},
}

// TestAdminRotateSigningSecrets rotates the signing secret of a bot and of
// an integration: the reads answer the new secret, and the replaced ones
// keep verifying (Server.SigningSecrets) for 24 hours of the server's clock.
func TestAdminRotateSigningSecrets(t *testing.T) {
	for kind, k := range signedKinds {
		t.Run(kind, func(t *testing.T) {
			clock := bptest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
			srv := bptest.Start(t, bptest.WithClock(clock.Now))
			c := srv.Client()
			id, first := k.create(t, c)
			require.NotEmpty(t, first)
			assert.Equal(t, []string{first}, srv.SigningSecrets(id))

			second, err := k.rotate(c, id)
			require.NoError(t, err)
			assert.NotEqual(t, first, second)
			got, err := k.read(c, id)
			require.NoError(t, err)
			assert.Equal(t, second, got, "reads answer the new secret")
			assert.Equal(t, []string{second, first}, srv.SigningSecrets(id), "the replaced secret still verifies")

			clock.Advance(23 * time.Hour)
			third, err := k.rotate(c, id)
			require.NoError(t, err)
			assert.Equal(t, []string{third, second, first}, srv.SigningSecrets(id))

			clock.Advance(time.Hour)
			assert.Equal(t, []string{third, second}, srv.SigningSecrets(id), "24 hours after its rotation, the first is over")
			clock.Advance(23 * time.Hour)
			assert.Equal(t, []string{third}, srv.SigningSecrets(id))
			got, err = k.read(c, id)
			require.NoError(t, err)
			assert.Equal(t, third, got)

			_, err = k.rotate(c, "unknown_00000000000000000000000")
			assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
			assert.Empty(t, srv.SigningSecrets("unknown_00000000000000000000000"))
		})
	}
}

// TestAdminRotateOtherWorkspace: a bot or an integration is only rotated
// from its own workspace.
func TestAdminRotateOtherWorkspace(t *testing.T) {
	for kind, k := range signedKinds {
		t.Run(kind, func(t *testing.T) {
			srv := bptest.Start(t)
			c := srv.Client()
			ws, err := c.CreateWorkspace(context.Background(), gen.CreateWorkspaceJSONRequestBody{Name: "other"})
			require.NoError(t, err)
			id, first := k.create(t, c)
			_, err = k.rotate(srv.Client(client.WithWorkspaceID(ws.ID)), id)
			assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
			assert.Equal(t, []string{first}, srv.SigningSecrets(id))
		})
	}
}

func TestAdminBotSecretsAndType(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	created, err := c.CreateBot(ctx, gen.CreateBotJSONRequestBody{
		Secrets: map[string]string{"API_KEY": "k1", "DB_URL": "postgres://"},
		Type:    admPtr(gen.BotTypeAdk),
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"API_KEY", "DB_URL"}, created.Bot.Secrets, "names only, sorted")
	assert.Equal(t, gen.BotTypeAdk, created.Bot.Type)
	id := created.Bot.ID

	updated, err := c.UpdateBot(ctx, id, gen.UpdateBotJSONRequestBody{
		Secrets: map[string]*string{"DB_URL": nil, "TOKEN": admPtr("t")},
		Type:    admPtr(gen.BotTypeDesk),
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"API_KEY", "TOKEN"}, updated.Bot.Secrets)
	assert.Equal(t, gen.BotTypeDesk, updated.Bot.Type)

	got, err := c.GetBot(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, []string{"API_KEY", "TOKEN"}, got.Bot.Secrets)
	assert.Equal(t, gen.BotTypeDesk, got.Bot.Type)

	// Left out, they keep their value; the server's own bot is a studio bot
	// with no secrets.
	updated, err = c.UpdateBot(ctx, id, gen.UpdateBotJSONRequestBody{Name: admPtr("renamed")})
	require.NoError(t, err)
	assert.Equal(t, []string{"API_KEY", "TOKEN"}, updated.Bot.Secrets)
	assert.Equal(t, gen.BotTypeDesk, updated.Bot.Type)
	own, err := c.GetBot(ctx, srv.BotID)
	require.NoError(t, err)
	assert.Equal(t, gen.BotTypeStudio, own.Bot.Type)
	assert.Empty(t, own.Bot.Secrets)

	types := map[string]gen.BotType{}
	for _, b := range admAllBots(t, c, nil) {
		types[b.ID] = b.Type
	}
	assert.Equal(t, map[string]gen.BotType{srv.BotID: gen.BotTypeStudio, id: gen.BotTypeDesk}, types)
}

func TestAdminListBotsPageSize(t *testing.T) {
	srv := bptest.Start(t, bptest.WithMaxPageSize(3))
	c := srv.Client()
	ctx := context.Background()
	want := []string{srv.BotID}
	for range 6 {
		b, err := c.CreateBot(ctx, gen.CreateBotJSONRequestBody{})
		require.NoError(t, err)
		want = append(want, b.Bot.ID)
	}
	page, err := c.ListBots(ctx, &gen.ListBotsParams{PageSize: admPtr(2)})
	require.NoError(t, err)
	assert.Equal(t, want[:2], admIDs(page.Bots))
	require.NotNil(t, page.Meta.NextToken)
	page, err = c.ListBots(ctx, &gen.ListBotsParams{PageSize: admPtr(2), NextToken: page.Meta.NextToken})
	require.NoError(t, err)
	assert.Equal(t, want[2:4], admIDs(page.Bots))

	// Capped by WithMaxPageSize; the walk still sees every bot.
	page, err = c.ListBots(ctx, &gen.ListBotsParams{PageSize: admPtr(50)})
	require.NoError(t, err)
	assert.Len(t, page.Bots, 3)
	assert.Equal(t, want, admIDs(admAllBots(t, c, &gen.ListBotsParams{PageSize: admPtr(4)})))
}

func TestAdminListBotsByIntegrationAndPlugin(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	b, err := c.CreateBot(ctx, gen.CreateBotJSONRequestBody{})
	require.NoError(t, err)
	_, err = c.UpdateBot(ctx, b.Bot.ID, gen.UpdateBotJSONRequestBody{
		Integrations: map[string]*gen.BotIntegrationUpdate{"telegram": {IntegrationID: admPtr("intver_000000000000000000000000")}},
	})
	require.NoError(t, err)
	got := admAllBots(t, c, &gen.ListBotsParams{IntegrationNames: []string{"telegram"}})
	assert.Equal(t, []string{b.Bot.ID}, admIDs(got))
	assert.Empty(t, admAllBots(t, c, &gen.ListBotsParams{IntegrationNames: []string{"telegram", "slack"}}))
	assert.Empty(t, admAllBots(t, c, &gen.ListBotsParams{PluginNames: []string{"logger"}}))
}

func TestAdminIntegrations(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	var ids []string
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0"} {
		i, err := c.CreateIntegration(ctx, gen.CreateIntegrationJSONRequestBody{
			Name: "mailer", Version: v, Title: admPtr("Mailer"),
			Secrets:    map[string]*string{"SMTP_PASSWORD": admPtr("p")},
			Attributes: map[string]string{"category": "email"},
			Channels: map[string]gen.CreateIntegrationBody_Channels{
				"email": {Messages: map[string]gen.CreateIntegrationBody_Channels_Messages{"text": {Schema: map[string]any{"type": "object"}}}},
			},
		})
		require.NoError(t, err)
		assert.Equal(t, []string{"SMTP_PASSWORD"}, i.Integration.Secrets)
		assert.Contains(t, i.Integration.Channels["email"].Messages, "text")
		ids = append(ids, i.Integration.ID)
	}
	_, err := c.CreateIntegration(ctx, gen.CreateIntegrationJSONRequestBody{Name: "mailer", Version: "1.0.0"})
	assert.ErrorIs(t, err, bperrors.ErrAlreadyExists)

	latest, err := c.GetIntegrationByName(ctx, "mailer", "latest")
	require.NoError(t, err)
	assert.Equal(t, ids[2], latest.Integration.ID)

	page, err := c.ListIntegrations(ctx, &gen.ListIntegrationsParams{PageSize: admPtr(2)})
	require.NoError(t, err)
	require.Len(t, page.Integrations, 2)
	assert.Equal(t, ids[0], page.Integrations[0].ID)
	assert.Equal(t, "email", page.Integrations[0].Attributes["category"])
	require.NotNil(t, page.Meta.NextToken)
	page, err = c.ListIntegrations(ctx, &gen.ListIntegrationsParams{PageSize: admPtr(2), NextToken: page.Meta.NextToken})
	require.NoError(t, err)
	require.Len(t, page.Integrations, 1)
	assert.Equal(t, ids[2], page.Integrations[0].ID)
	assert.Nil(t, page.Meta.NextToken)

	up, err := c.UpdateIntegration(ctx, ids[0], gen.UpdateIntegrationJSONRequestBody{
		Title:    admPtr("Mail"),
		Secrets:  map[string]*string{"SMTP_PASSWORD": nil, "API_KEY": admPtr("k")},
		Channels: map[string]*gen.ChannelDefinitionUpdate{"email": nil},
	})
	require.NoError(t, err)
	assert.Equal(t, "Mail", up.Integration.Title)
	assert.Equal(t, []string{"API_KEY"}, up.Integration.Secrets)
	assert.Empty(t, up.Integration.Channels)
	assert.Equal(t, "1.0.0", up.Integration.Version)

	require.NoError(t, c.DeleteIntegration(ctx, ids[0]))
	_, err = c.GetIntegration(ctx, ids[0])
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	assert.Empty(t, srv.SigningSecrets(ids[0]))
}

func TestAdminPlugins(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	created, err := c.CreatePlugin(ctx, gen.CreatePluginJSONRequestBody{
		Name: "logger", Version: "0.1.0",
		Message: &gen.CreatePluginBody_Message{Tags: map[string]gen.CreatePluginBody_Message_Tags{
			"level": {Title: admPtr("Level")}, "source": {},
		}},
	})
	require.NoError(t, err)
	p := created.Plugin
	assert.Equal(t, "Level", *p.Message.Tags["level"].Title)
	assert.Contains(t, p.Message.Tags, "source")
	assert.Empty(t, p.Conversation.Tags)

	up, err := c.UpdatePlugin(ctx, p.ID, gen.UpdatePluginJSONRequestBody{
		Message: &gen.UpdatePluginBody_Message{Tags: map[string]*gen.TagDefinitionUpdate{
			"source": nil, "origin": {Description: admPtr("Where it came from")},
		}},
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"level", "origin"}, admKeys(up.Plugin.Message.Tags))

	byName, err := c.GetPluginByName(ctx, "logger", "0.1.0")
	require.NoError(t, err)
	assert.Equal(t, []string{"level", "origin"}, admKeys(byName.Plugin.Message.Tags))

	for _, v := range []string{"0.2.0", "0.3.0"} {
		_, err := c.CreatePlugin(ctx, gen.CreatePluginJSONRequestBody{Name: "logger", Version: v})
		require.NoError(t, err)
	}
	page, err := c.ListPlugins(ctx, &gen.ListPluginsParams{PageSize: admPtr(2)})
	require.NoError(t, err)
	assert.Len(t, page.Plugins, 2)
	assert.NotNil(t, page.Meta.NextToken)
	n := 0
	for _, err := range c.AllPlugins(ctx, &gen.ListPluginsParams{PageSize: admPtr(1)}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 3, n)
}

func admKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
