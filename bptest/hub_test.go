package bptest_test

import (
	"context"
	"iter"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

// hubAll collects what a walker yields.
func hubAll[T any](t *testing.T, seq iter.Seq2[T, error]) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

// hubIDs maps items to their IDs.
func hubIDs[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, v := range items {
		out[i] = id(v)
	}
	return out
}

func hubIntegrationID(v gen.PublicIntegrationSummary) string { return v.ID }
func hubPluginID(v gen.PluginSummary) string                 { return v.ID }
func hubInterfaceID(v gen.InterfaceSummary) string           { return v.ID }

func hubVisibility(v string) *gen.Visibility {
	return admPtr(gen.Visibility(v))
}

// TestInterfaces: interface versions are kept per workspace, unique by
// name and version, merged by updates, listed by name and version.
func TestInterfaces(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	schema := map[string]any{"type": "object"}
	var ids []string
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0"} {
		i, err := c.CreateInterface(ctx, gen.CreateInterfaceBody{
			Name: "tracker", Version: v, Title: admPtr("Tracker"),
			Entities:     map[string]gen.CreateInterfaceBody_Entities{"item": {Schema: schema}},
			Actions:      map[string]gen.CreateInterfaceBody_Actions{"file": {Input: gen.CreateInterfaceBody_Actions_Input{Schema: schema}, Output: gen.CreateInterfaceBody_Actions_Output{Schema: schema}}},
			Attributes:   map[string]string{"category": "issues", "tier": "free"},
			NameTemplate: &gen.CreateInterfaceBody_NameTemplate{Script: "name", Language: "vrl"},
		})
		require.NoError(t, err)
		assert.Equal(t, v, i.Interface.Version)
		assert.Equal(t, "Tracker", i.Interface.Title)
		assert.False(t, i.Interface.Public)
		assert.Contains(t, i.Interface.Entities, "item")
		ids = append(ids, i.Interface.ID)
	}
	_, err := c.CreateInterface(ctx, gen.CreateInterfaceBody{Name: "tracker", Version: "1.0.0"})
	assert.ErrorIs(t, err, bperrors.ErrAlreadyExists)
	other, err := c.CreateInterface(ctx, gen.CreateInterfaceBody{Name: "chat", Version: "1.0.0"})
	require.NoError(t, err)
	assert.Equal(t, "chat", other.Interface.Title, "the title defaults to the name")
	assert.Equal(t, map[string]gen.Interface_Channels{}, other.Interface.Channels)

	got, err := c.GetInterface(ctx, ids[1])
	require.NoError(t, err)
	assert.Equal(t, "1.1.0", got.Interface.Version)
	byName, err := c.GetInterfaceByName(ctx, "tracker", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, ids[0], byName.Interface.ID)
	latest, err := c.GetInterfaceByName(ctx, "tracker", "latest")
	require.NoError(t, err)
	assert.Equal(t, ids[2], latest.Interface.ID)
	_, err = c.GetInterfaceByName(ctx, "tracker", "9.9.9")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)

	// An update changes map entries one by one; null removes one.
	up, err := c.UpdateInterface(ctx, ids[0], gen.UpdateInterfaceBody{
		Entities:   map[string]*gen.EntityDefinitionUpdate{"item": nil, "comment": {Schema: schema}},
		Attributes: map[string]*string{"tier": nil, "owner": admPtr("ops")},
		Channels: map[string]*gen.InterfaceChannelDefinitionUpdate{"updates": {
			Messages: map[string]*gen.MessageDefinitionUpdate{"text": {Schema: schema}},
		}},
		Description: admPtr("Issue trackers"),
	})
	require.NoError(t, err)
	i := up.Interface
	assert.Equal(t, []string{"comment"}, hubKeys(i.Entities))
	assert.Equal(t, map[string]string{"category": "issues", "owner": "ops"}, i.Attributes)
	assert.Contains(t, i.Channels["updates"].Messages, "text")
	assert.Equal(t, "Issue trackers", i.Description)
	assert.Equal(t, "tracker", i.Name, "name and version stay")
	assert.Contains(t, i.Actions, "file", "a map left out stays")
	require.NotNil(t, i.NameTemplate)
	assert.Equal(t, "vrl", i.NameTemplate.Language)

	// Lists: pageSize, name, version, and latest as the last version of each name.
	page, err := c.ListInterfaces(ctx, &gen.ListInterfacesParams{PageSize: admPtr(2)})
	require.NoError(t, err)
	assert.Equal(t, ids[:2], hubIDs(page.Interfaces, hubInterfaceID))
	require.NotNil(t, page.Meta.NextToken)
	all := hubAll(t, c.AllInterfaces(ctx, &gen.ListInterfacesParams{PageSize: admPtr(1)}))
	assert.Equal(t, append(append([]string{}, ids...), other.Interface.ID), hubIDs(all, hubInterfaceID))
	all = hubAll(t, c.AllInterfaces(ctx, &gen.ListInterfacesParams{Name: admPtr("tracker"), Version: admPtr("1.1.0")}))
	assert.Equal(t, ids[1:2], hubIDs(all, hubInterfaceID))
	all = hubAll(t, c.AllInterfaces(ctx, &gen.ListInterfacesParams{Version: admPtr("latest")}))
	assert.Equal(t, []string{ids[2], other.Interface.ID}, hubIDs(all, hubInterfaceID))

	// A plugin's interface dependency given by name and version gets the
	// stored version's ID; one given by ID its name and version.
	p, err := c.CreatePlugin(ctx, gen.CreatePluginJSONRequestBody{Name: "triage", Version: "1.0.0",
		Dependencies: &gen.CreatePluginBody_Dependencies{Interfaces: map[string]gen.CreatePluginBody_Dependencies_Interfaces{
			"byName": {Name: admPtr("tracker"), Version: admPtr("1.1.0")},
			"byID":   {ID: admPtr(ids[2])},
		}},
	})
	require.NoError(t, err)
	deps := p.Plugin.Dependencies.Interfaces
	assert.Equal(t, ids[1], deps["byName"].ID)
	assert.Equal(t, "tracker", deps["byID"].Name)
	assert.Equal(t, "2.0.0", deps["byID"].Version)

	// Another workspace sees none of them, and may reuse the name and version.
	ws, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceJSONRequestBody{Name: "other"})
	require.NoError(t, err)
	c2 := srv.Client(client.WithWorkspaceID(ws.ID))
	_, err = c2.GetInterface(ctx, ids[0])
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	assert.Empty(t, hubAll(t, c2.AllInterfaces(ctx, nil)))
	_, err = c2.CreateInterface(ctx, gen.CreateInterfaceBody{Name: "tracker", Version: "1.0.0"})
	require.NoError(t, err)

	require.NoError(t, c.DeleteInterface(ctx, ids[0]))
	_, err = c.GetInterface(ctx, ids[0])
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	assert.ErrorIs(t, c.DeleteInterface(ctx, ids[0]), bperrors.ErrResourceNotFound)
	_, err = c.UpdateInterface(ctx, ids[0], gen.UpdateInterfaceBody{})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.CreateInterface(ctx, gen.CreateInterfaceBody{Name: "tracker", Version: "1.0.0"})
	require.NoError(t, err, "a deleted version's name and version are free again")

	assert.Empty(t, srv.ResponseViolations())
}

func hubKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// TestHubIntegrations: the Hub answers the public integrations of every
// workspace, with their owner workspace, install count and today's fields
// from state; unlisted ones only by ID or name, private ones never.
func TestHubIntegrations(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	create := func(c *client.Client, name, version, visibility string, body gen.CreateIntegrationBody) string {
		t.Helper()
		body.Name, body.Version = name, version
		if visibility != "" {
			body.Visibility = hubVisibility(visibility)
		}
		i, err := c.CreateIntegration(ctx, body)
		require.NoError(t, err)
		return i.Integration.ID
	}
	schema := map[string]any{"type": "object"}
	notifier, err := c.CreateInterface(ctx, gen.CreateInterfaceBody{Name: "notifier", Version: "1.2.0", Public: admPtr(true)})
	require.NoError(t, err)
	mailer1 := create(c, "mailer", "1.0.0", "public", gen.CreateIntegrationBody{
		Title: admPtr("Mailer"), Description: admPtr("Sends email"), Attributes: map[string]string{"category": "email"},
		Actions: map[string]gen.CreateIntegrationBody_Actions{"sendMail": {
			Title: admPtr("Send a mail"), Input: gen.CreateIntegrationBody_Actions_Input{Schema: schema}, Output: gen.CreateIntegrationBody_Actions_Output{Schema: schema},
		}},
		Interfaces: map[string]gen.CreateIntegrationBody_Interfaces{"alerts": {ID: notifier.Interface.ID}},
	})
	mailer2 := create(c, "mailer", "2.0.0", "public", gen.CreateIntegrationBody{Title: admPtr("Mailer")})
	unlisted := create(c, "beta", "0.1.0", "unlisted", gen.CreateIntegrationBody{})
	private := create(c, "secret", "1.0.0", "", gen.CreateIntegrationBody{})
	ws, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceJSONRequestBody{Name: "other"})
	require.NoError(t, err)
	c2 := srv.Client(client.WithWorkspaceID(ws.ID))
	foreign := create(c2, "pager", "1.0.0", "public", gen.CreateIntegrationBody{})

	// A bot installs mailer 1.0.0.
	_, err = c.UpdateBot(ctx, srv.BotID, gen.UpdateBotJSONRequestBody{
		Integrations: map[string]*gen.BotIntegrationUpdate{"mailer": {IntegrationID: admPtr(mailer1)}},
	})
	require.NoError(t, err)

	list := func(p *gen.ListPublicIntegrationsParams) []gen.PublicIntegrationSummary {
		t.Helper()
		return hubAll(t, c.AllPublicIntegrations(ctx, p))
	}
	all := list(nil)
	assert.Equal(t, []string{mailer1, mailer2, foreign}, hubIDs(all, hubIntegrationID), "public ones of every workspace, unlisted and private left out")
	s := all[0]
	assert.Equal(t, "Mailer", s.Title)
	assert.Equal(t, "Sends email", s.Description)
	assert.Equal(t, map[string]string{"category": "email"}, s.Attributes)
	assert.Equal(t, gen.VisibilityPublic, s.Visibility)
	assert.True(t, s.Public)
	assert.Equal(t, srv.WorkspaceID, s.OwnerWorkspace.ID)
	assert.Equal(t, "bptest", s.OwnerWorkspace.Name)
	assert.Equal(t, "bptest", s.OwnerWorkspace.Handle.MustGet())
	assert.Equal(t, 1, s.Meta.Installs)
	assert.Equal(t, 0, all[1].Meta.Installs)
	assert.Nil(t, s.MatchedOn, "matchedOn only for a search")
	assert.Equal(t, ws.ID, all[2].OwnerWorkspace.ID)
	assert.Equal(t, "other", all[2].OwnerWorkspace.Name)

	// Filters.
	assert.Equal(t, []string{mailer1, mailer2}, hubIDs(list(&gen.ListPublicIntegrationsParams{Name: admPtr("mailer")}), hubIntegrationID))
	assert.Equal(t, []string{mailer2, foreign}, hubIDs(list(&gen.ListPublicIntegrationsParams{Version: admPtr("latest")}), hubIntegrationID))
	assert.Equal(t, []string{mailer1}, hubIDs(list(&gen.ListPublicIntegrationsParams{InterfaceName: admPtr("notifier")}), hubIntegrationID))
	assert.Equal(t, []string{mailer1}, hubIDs(list(&gen.ListPublicIntegrationsParams{InterfaceID: admPtr(notifier.Interface.ID)}), hubIntegrationID))
	assert.Equal(t, []string{mailer1}, hubIDs(list(&gen.ListPublicIntegrationsParams{InstalledByBotID: admPtr(srv.BotID)}), hubIntegrationID))
	assert.Empty(t, list(&gen.ListPublicIntegrationsParams{InstalledByBotID: admPtr("bot_nosuchbot000000000000000000")}))
	assert.Len(t, list(&gen.ListPublicIntegrationsParams{VerificationStatus: admPtr(gen.VerificationStatusUnapproved)}), 3)
	assert.Empty(t, list(&gen.ListPublicIntegrationsParams{VerificationStatus: admPtr(gen.VerificationStatusApproved)}))

	found := list(&gen.ListPublicIntegrationsParams{Search: admPtr("MAIL")})
	require.Equal(t, []string{mailer1, mailer2}, hubIDs(found, hubIntegrationID))
	require.NotNil(t, found[0].MatchedOn)
	m := found[0].MatchedOn
	assert.Equal(t, admPtr(true), m.Name)
	assert.Equal(t, admPtr(true), m.Title)
	assert.Equal(t, admPtr(true), m.Description)
	assert.Equal(t, []string{"sendMail"}, m.Actions)
	assert.Empty(t, m.Interfaces)
	found = list(&gen.ListPublicIntegrationsParams{Search: admPtr("notif")})
	require.Equal(t, []string{mailer1}, hubIDs(found, hubIntegrationID))
	assert.Equal(t, []string{"notifier"}, found[0].MatchedOn.Interfaces)

	// Sorting.
	desc := admPtr(gen.SortDirectionDesc)
	assert.Equal(t, []string{foreign, mailer2, mailer1}, hubIDs(list(&gen.ListPublicIntegrationsParams{Direction: desc}), hubIntegrationID))
	assert.Equal(t, []string{mailer1, mailer2, foreign}, hubIDs(list(&gen.ListPublicIntegrationsParams{SortBy: admPtr(gen.IntegrationSortFieldName)}), hubIntegrationID))
	assert.Equal(t, []string{foreign, mailer2, mailer1}, hubIDs(list(&gen.ListPublicIntegrationsParams{SortBy: admPtr(gen.IntegrationSortFieldName), Direction: desc}), hubIntegrationID))
	byInstalls := list(&gen.ListPublicIntegrationsParams{SortBy: admPtr(gen.IntegrationSortFieldInstallCount)})
	assert.Equal(t, mailer1, byInstalls[0].ID, "most installed first")

	// Gets, by ID and by name: the full definition, with today's fields from state.
	own, err := c.GetIntegration(ctx, mailer1)
	require.NoError(t, err)
	byID, err := c.GetPublicIntegrationByID(ctx, mailer1)
	require.NoError(t, err)
	i := byID.Integration
	assert.Equal(t, own.Integration.SigningSecret, i.SigningSecret)
	assert.NotEmpty(t, i.SigningSecret)
	assert.Equal(t, map[string]string{"category": "email"}, i.Attributes)
	assert.Contains(t, i.Actions, "sendMail")
	assert.Equal(t, "notifier", i.Interfaces["alerts"].Name, "an interface entry takes the name and version of the stored interface")
	assert.Equal(t, "1.2.0", i.Interfaces["alerts"].Version)
	assert.Equal(t, 1, i.Meta.Installs)
	assert.Equal(t, srv.WorkspaceID, i.OwnerWorkspace.ID)
	byName, err := c.GetPublicIntegration(ctx, "mailer", "latest")
	require.NoError(t, err)
	assert.Equal(t, mailer2, byName.Integration.ID)
	byName, err = c.GetPublicIntegration(ctx, "mailer", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, mailer1, byName.Integration.ID)
	got, err := c.GetPublicIntegrationByID(ctx, unlisted)
	require.NoError(t, err, "an unlisted integration is answered by ID")
	assert.Equal(t, gen.VisibilityUnlisted, got.Integration.Visibility)
	_, err = c.GetPublicIntegration(ctx, "beta", "0.1.0")
	require.NoError(t, err, "and by name")

	for _, id := range []string{private, "intver_nosuchintegration00000000"} {
		_, err = c.GetPublicIntegrationByID(ctx, id)
		assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, id)
	}
	_, err = c.GetPublicIntegration(ctx, "secret", "1.0.0")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.GetPublicIntegration(ctx, "secret", "latest")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)

	// Made private, it leaves the Hub.
	_, err = c.UpdateIntegration(ctx, mailer2, gen.UpdateIntegrationBody{Visibility: admPtr(gen.VisibilityPrivate)})
	require.NoError(t, err)
	_, err = c.GetPublicIntegrationByID(ctx, mailer2)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	assert.Equal(t, []string{mailer1, foreign}, hubIDs(list(nil), hubIntegrationID))

	assert.Empty(t, srv.ResponseViolations())
}

// TestHubPlugins: public plugins by ID and name, their code, and their
// dereferenced form with integrations of the Hub.
func TestHubPlugins(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	issue := map[string]any{"type": "object", "properties": map[string]any{"title": map[string]any{"type": "string"}}}
	linear, err := c.CreateIntegration(ctx, gen.CreateIntegrationJSONRequestBody{
		Name: "linear", Version: "1.0.0", Visibility: hubVisibility("public"),
		Entities:   map[string]gen.CreateIntegrationBody_Entities{"issue": {Schema: issue}},
		Interfaces: map[string]gen.CreateIntegrationBody_Interfaces{"tracker": {ID: derefTracker, Entities: map[string]gen.CreateIntegrationBody_Interfaces_Entities{"item": {Name: "issue"}}}},
	})
	require.NoError(t, err)
	privateInteg := derefIntegration(t, c, "jira", "issue", issue)

	create := func(name, version string, visibility gen.Visibility) string {
		t.Helper()
		p, err := c.CreatePlugin(ctx, gen.CreatePluginJSONRequestBody{
			Name: name, Version: version, Visibility: &visibility, Attributes: map[string]string{"kind": "triage"},
			Code: gen.CreatePluginBody_Code{Node: "node code of " + name, Browser: "browser code of " + name},
			Dependencies: &gen.CreatePluginBody_Dependencies{Interfaces: map[string]gen.CreatePluginBody_Dependencies_Interfaces{
				"tracker": {ID: admPtr(derefTracker)},
			}},
			Events: map[string]gen.CreatePluginBody_Events{"filed": {Schema: derefRef("tracker", "item")}},
		})
		require.NoError(t, err)
		return p.Plugin.ID
	}
	triage1 := create("triage", "1.0.0", gen.VisibilityPublic)
	triage2 := create("triage", "1.1.0", gen.VisibilityPublic)
	unlisted := create("beta", "0.1.0", gen.VisibilityUnlisted)
	private := create("internal", "1.0.0", gen.VisibilityPrivate)

	all := hubAll(t, c.AllPublicPlugins(ctx, nil))
	assert.Equal(t, []string{triage1, triage2}, hubIDs(all, hubPluginID))
	assert.Equal(t, "triage", all[0].Title)
	latest := hubAll(t, c.AllPublicPlugins(ctx, &gen.ListPublicPluginsParams{Name: admPtr("triage"), Version: admPtr("latest")}))
	assert.Equal(t, []string{triage2}, hubIDs(latest, hubPluginID))

	got, err := c.GetPublicPluginByID(ctx, triage1)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"kind": "triage"}, got.Plugin.Attributes)
	assert.Equal(t, derefRef("tracker", "item"), got.Plugin.Events["filed"].Schema)
	byName, err := c.GetPublicPlugin(ctx, "triage", "latest")
	require.NoError(t, err)
	assert.Equal(t, triage2, byName.Plugin.ID)
	_, err = c.GetPublicPlugin(ctx, "beta", "0.1.0")
	require.NoError(t, err, "an unlisted plugin is answered")

	// Code, as created, then as updated.
	code, err := c.GetPublicPluginCode(ctx, triage1, gen.CodePlatformNode)
	require.NoError(t, err)
	assert.Equal(t, "node code of triage", code.Code)
	_, err = c.UpdatePlugin(ctx, triage1, gen.UpdatePluginBody{Code: &gen.UpdatePluginBody_Code{Browser: admPtr("new browser code")}})
	require.NoError(t, err)
	code, err = c.GetPublicPluginCode(ctx, triage1, gen.CodePlatformBrowser)
	require.NoError(t, err)
	assert.Equal(t, "new browser code", code.Code)
	code, err = c.GetPublicPluginCode(ctx, triage1, gen.CodePlatformNode)
	require.NoError(t, err)
	assert.Equal(t, "node code of triage", code.Code, "the other platform's code stays")

	// Dereferenced, with an integration of the Hub.
	d, err := c.GetDereferencedPublicPluginByID(ctx, triage1, &gen.GetDereferencedPublicPluginByIDParams{Interfaces: map[string]string{"tracker": linear.Integration.ID}})
	require.NoError(t, err)
	assert.Equal(t, issue, d.Plugin.Events["filed"].Schema)
	_, err = c.GetDereferencedPublicPluginByID(ctx, triage1, &gen.GetDereferencedPublicPluginByIDParams{Interfaces: map[string]string{"tracker": privateInteg}})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, "a private integration is not in the Hub")

	// A private plugin is not in the Hub.
	_, err = c.GetPublicPluginByID(ctx, private)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.GetPublicPlugin(ctx, "internal", "1.0.0")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.GetPublicPluginCode(ctx, private, gen.CodePlatformNode)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.GetDereferencedPublicPluginByID(ctx, private, &gen.GetDereferencedPublicPluginByIDParams{Interfaces: map[string]string{"tracker": linear.Integration.ID}})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.GetPublicPluginByID(ctx, "plugver_nosuchplugin000000000000")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.GetPublicPluginByID(ctx, unlisted)
	require.NoError(t, err)

	assert.Empty(t, srv.ResponseViolations())
}

// TestHubInterfaces: public interfaces by ID and name; others are 404.
func TestHubInterfaces(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	create := func(name, version string, public bool) string {
		t.Helper()
		i, err := c.CreateInterface(ctx, gen.CreateInterfaceBody{Name: name, Version: version, Public: &public, Attributes: map[string]string{"k": "v"}})
		require.NoError(t, err)
		return i.Interface.ID
	}
	t1 := create("tracker", "1.0.0", true)
	t2 := create("tracker", "2.0.0", true)
	private := create("draft", "0.1.0", false)

	all := hubAll(t, c.AllPublicInterfaces(ctx, nil))
	assert.Equal(t, []string{t1, t2}, hubIDs(all, hubInterfaceID))
	assert.True(t, all[0].Public)
	got, err := c.GetPublicInterfaceByID(ctx, t1)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"k": "v"}, got.Interface.Attributes)
	byName, err := c.GetPublicInterface(ctx, "tracker", "latest")
	require.NoError(t, err)
	assert.Equal(t, t2, byName.Interface.ID)

	_, err = c.GetPublicInterfaceByID(ctx, private)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.GetPublicInterface(ctx, "draft", "0.1.0")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)

	// Published by an update.
	_, err = c.UpdateInterface(ctx, private, gen.UpdateInterfaceBody{Public: admPtr(true)})
	require.NoError(t, err)
	_, err = c.GetPublicInterface(ctx, "draft", "0.1.0")
	require.NoError(t, err)
	assert.Len(t, hubAll(t, c.AllPublicInterfaces(ctx, nil)), 3)

	assert.Empty(t, srv.ResponseViolations())
}

// TestHubPageSize: the Hub's lists page with pageSize (limit for
// integrations), capped by WithMaxPageSize, and their walkers see all.
func TestHubPageSize(t *testing.T) {
	srv := bptest.Start(t, bptest.WithMaxPageSize(2))
	c := srv.Client()
	ctx := context.Background()
	var integs, plugins, ifaces []string
	for _, v := range []string{"1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4"} {
		i, err := c.CreateIntegration(ctx, gen.CreateIntegrationJSONRequestBody{Name: "mailer", Version: v, Visibility: hubVisibility("public")})
		require.NoError(t, err)
		integs = append(integs, i.Integration.ID)
		p, err := c.CreatePlugin(ctx, gen.CreatePluginJSONRequestBody{Name: "logger", Version: v, Public: admPtr(true)})
		require.NoError(t, err)
		plugins = append(plugins, p.Plugin.ID)
		f, err := c.CreateInterface(ctx, gen.CreateInterfaceBody{Name: "tracker", Version: v, Public: admPtr(true)})
		require.NoError(t, err)
		ifaces = append(ifaces, f.Interface.ID)
	}

	ip, err := c.ListPublicIntegrations(ctx, &gen.ListPublicIntegrationsParams{PageSize: admPtr(1)})
	require.NoError(t, err)
	assert.Equal(t, integs[:1], hubIDs(ip.Integrations, hubIntegrationID))
	ip, err = c.ListPublicIntegrations(ctx, &gen.ListPublicIntegrationsParams{PageSize: admPtr(1), NextToken: ip.Meta.NextToken})
	require.NoError(t, err)
	assert.Equal(t, integs[1:2], hubIDs(ip.Integrations, hubIntegrationID))
	ip, err = c.ListPublicIntegrations(ctx, &gen.ListPublicIntegrationsParams{PageSize: admPtr(50)})
	require.NoError(t, err)
	assert.Len(t, ip.Integrations, 2, "capped by WithMaxPageSize")
	ip, err = c.ListPublicIntegrations(ctx, &gen.ListPublicIntegrationsParams{Limit: admPtr(1)})
	require.NoError(t, err)
	assert.Len(t, ip.Integrations, 1, "limit when pageSize is left out")
	assert.Equal(t, integs, hubIDs(hubAll(t, c.AllPublicIntegrations(ctx, &gen.ListPublicIntegrationsParams{PageSize: admPtr(1)})), hubIntegrationID))

	pp, err := c.ListPublicPlugins(ctx, &gen.ListPublicPluginsParams{PageSize: admPtr(50)})
	require.NoError(t, err)
	assert.Equal(t, plugins[:2], hubIDs(pp.Plugins, hubPluginID))
	require.NotNil(t, pp.Meta.NextToken)
	assert.Equal(t, plugins, hubIDs(hubAll(t, c.AllPublicPlugins(ctx, &gen.ListPublicPluginsParams{PageSize: admPtr(1)})), hubPluginID))

	fp, err := c.ListPublicInterfaces(ctx, &gen.ListPublicInterfacesParams{PageSize: admPtr(1)})
	require.NoError(t, err)
	assert.Equal(t, ifaces[:1], hubIDs(fp.Interfaces, hubInterfaceID))
	assert.Equal(t, ifaces, hubIDs(hubAll(t, c.AllPublicInterfaces(ctx, nil)), hubInterfaceID))

	assert.Empty(t, srv.ResponseViolations())
}

// The admin getPluginCode answers the code stored by createPlugin, per
// platform, for the plugins of the caller's workspace, private ones too.
func TestGetPluginCode(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	created, err := c.CreatePlugin(ctx, gen.CreatePluginBody{
		Name: "codeplugin", Version: "1.0.0",
		Code: gen.CreatePluginBody_Code{Node: "module.exports = 1", Browser: "export default 1"},
	})
	require.NoError(t, err)
	got, err := c.GetPluginCode(ctx, created.Plugin.ID, gen.CodePlatformNode)
	require.NoError(t, err)
	require.Equal(t, "module.exports = 1", got.Code)
	got, err = c.GetPluginCode(ctx, created.Plugin.ID, gen.CodePlatformBrowser)
	require.NoError(t, err)
	require.Equal(t, "export default 1", got.Code)
	_, err = c.GetPluginCode(ctx, "plugin_unknown", gen.CodePlatformNode)
	require.ErrorIs(t, err, bperrors.ErrResourceNotFound)
}
