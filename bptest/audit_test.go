package bptest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

func auditAll(t *testing.T, c *client.Client, ws string, params *gen.GetAuditRecordsParams) []gen.AuditRecord {
	t.Helper()
	var out []gen.AuditRecord
	for r, err := range c.AllAuditRecords(context.Background(), ws, params) {
		require.NoError(t, err)
		out = append(out, r)
	}
	return out
}

func auditActions(recs []gen.AuditRecord) []gen.AuditRecordAction {
	out := make([]gen.AuditRecordAction, len(recs))
	for i, r := range recs {
		out[i] = r.Action
	}
	return out
}

// TestAuditRecords: the admin calls record what they did in the workspace
// they act on, newest first, with the account, the server's time, the
// resource and (for roles and limits) the value; a failed call records
// nothing; pages honour pageSize; a deleted or unknown workspace is 404.
func TestAuditRecords(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	clock := bptest.NewClock(t0)
	srv := bptest.Start(t, bptest.WithClock(clock.Now))
	c := srv.Client()
	step := func() { clock.Advance(time.Second) }

	recs := auditAll(t, c, srv.WorkspaceID, nil)
	assert.Empty(t, recs, "nothing done yet")

	bot, err := c.CreateBot(ctx, gen.CreateBotJSONRequestBody{Name: admPtr("audited")})
	require.NoError(t, err)
	step()
	_, err = c.UpdateBot(ctx, bot.Bot.ID, gen.UpdateBotJSONRequestBody{Name: admPtr("renamed")})
	require.NoError(t, err)
	step()
	m, err := c.CreateWorkspaceMember(ctx, gen.CreateWorkspaceMemberBody{Email: "ann@example.com", Role: "viewer"})
	require.NoError(t, err)
	step()
	_, err = c.UpdateWorkspaceMember(ctx, m.ID, gen.UpdateWorkspaceMemberBody{Role: admPtr(gen.WorkspaceMemberRoleManager)})
	require.NoError(t, err)
	step()
	require.NoError(t, c.DeleteWorkspaceMember(ctx, m.ID))
	step()
	_, err = c.UpdateWorkspace(ctx, srv.WorkspaceID, gen.UpdateWorkspaceBody{Name: admPtr("team")})
	require.NoError(t, err)
	step()
	_, err = c.UpdateWorkspace(ctx, srv.WorkspaceID, gen.UpdateWorkspaceBody{SpendingLimit: admPtr(250.0)})
	require.NoError(t, err)
	step()
	require.NoError(t, c.DeleteBot(ctx, bot.Bot.ID))
	// Failures record nothing.
	assert.Error(t, c.DeleteBot(ctx, bot.Bot.ID))
	assert.Error(t, c.DeleteWorkspaceMember(ctx, m.ID))

	recs = auditAll(t, c, srv.WorkspaceID, nil)
	require.Equal(t, []gen.AuditRecordAction{
		gen.AuditRecordActionDELETEBOT, gen.AuditRecordActionSETSPENDINGLIMIT, gen.AuditRecordActionUPDATEWORKSPACE,
		gen.AuditRecordActionREMOVEWORKSPACEMEMBER, gen.AuditRecordActionUPDATEWORKSPACEMEMBER,
		gen.AuditRecordActionADDWORKSPACEMEMBER, gen.AuditRecordActionUPDATEBOT, gen.AuditRecordActionCREATEBOT,
	}, auditActions(recs))
	for i, r := range recs {
		assert.Equal(t, t0.Add(time.Duration(len(recs)-1-i)*time.Second), r.RecordedAt, r.Action)
		assert.Equal(t, bptest.DefaultAccountID, r.UserID.MustGet().String(), r.Action)
		assert.Equal(t, bptest.DefaultAccountEmail, r.UserEmail.MustGet(), r.Action)
		assert.NotEmpty(t, r.ID)
	}
	byAction := map[gen.AuditRecordAction]gen.AuditRecord{}
	for _, r := range recs {
		byAction[r.Action] = r
	}
	check := func(a gen.AuditRecordAction, id, name, value string) {
		t.Helper()
		r := byAction[a]
		assert.Equal(t, id, r.ResourceID.MustGet(), a)
		assert.Equal(t, name, r.ResourceName.MustGet(), a)
		if value == "" {
			assert.False(t, r.Value.IsSpecified(), a)
		} else {
			assert.Equal(t, value, r.Value.MustGet(), a)
		}
	}
	check(gen.AuditRecordActionCREATEBOT, bot.Bot.ID, "audited", "")
	check(gen.AuditRecordActionUPDATEBOT, bot.Bot.ID, "renamed", "")
	check(gen.AuditRecordActionDELETEBOT, bot.Bot.ID, "renamed", "")
	check(gen.AuditRecordActionADDWORKSPACEMEMBER, m.ID, "ann@example.com", "viewer")
	check(gen.AuditRecordActionUPDATEWORKSPACEMEMBER, m.ID, "ann@example.com", "manager")
	check(gen.AuditRecordActionREMOVEWORKSPACEMEMBER, m.ID, "ann@example.com", "")
	check(gen.AuditRecordActionUPDATEWORKSPACE, srv.WorkspaceID, "team", "")
	check(gen.AuditRecordActionSETSPENDINGLIMIT, srv.WorkspaceID, "team", "250")

	// Pages of the size asked for, newest first across pages.
	size := 3
	first, err := c.GetAuditRecords(ctx, srv.WorkspaceID, &gen.GetAuditRecordsParams{PageSize: &size})
	require.NoError(t, err)
	assert.Equal(t, recs[:3], first.Records)
	require.NotNil(t, first.Meta.NextToken)
	assert.Equal(t, recs, auditAll(t, c, srv.WorkspaceID, &gen.GetAuditRecordsParams{PageSize: &size}))

	// Another workspace has its own records; a new one starts with its creation.
	ws, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceJSONRequestBody{Name: "other"})
	require.NoError(t, err)
	other := auditAll(t, c, ws.ID, nil)
	require.Len(t, other, 1)
	assert.Equal(t, gen.AuditRecordActionCREATEWORKSPACE, other[0].Action)
	assert.Equal(t, ws.ID, other[0].ResourceID.MustGet())
	assert.Equal(t, "other", other[0].ResourceName.MustGet())
	_, err = c.CreateBot(ctx, gen.CreateBotJSONRequestBody{}, client.WithWorkspaceID(ws.ID))
	require.NoError(t, err)
	assert.Len(t, auditAll(t, c, ws.ID, nil), 2)
	assert.Len(t, auditAll(t, c, srv.WorkspaceID, nil), len(recs), "not in the server's workspace")

	require.NoError(t, c.DeleteWorkspace(ctx, ws.ID))
	_, err = c.GetAuditRecords(ctx, ws.ID, nil)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = c.GetAuditRecords(ctx, "wkspace_missing000000000000000", nil)
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
}

// TestPublicWorkspaces: only workspaces made public are listed and
// answered, filtered by IDs and search text, in pages; a private or unknown
// one is 404.
func TestPublicWorkspaces(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()
	yes, no := true, false

	var ids []string
	for _, name := range []string{"Alpha Labs", "Beta", "Gamma"} {
		ws, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceJSONRequestBody{Name: name})
		require.NoError(t, err)
		ids = append(ids, ws.ID)
	}
	_, err := c.UpdateWorkspace(ctx, ids[0], gen.UpdateWorkspaceBody{IsPublic: &yes, About: admPtr("we build bots"), Handle: admPtr("alpha")})
	require.NoError(t, err)
	_, err = c.UpdateWorkspace(ctx, ids[2], gen.UpdateWorkspaceBody{IsPublic: &yes, Handle: admPtr("gamma-co"), SocialAccounts: []string{"https://example.com/g"}})
	require.NoError(t, err)

	list := func(p *gen.ListPublicWorkspacesParams) []string {
		t.Helper()
		var out []string
		for ws, err := range c.AllPublicWorkspaces(ctx, p) {
			require.NoError(t, err)
			out = append(out, ws.ID)
		}
		return out
	}
	assert.Equal(t, []string{ids[0], ids[2]}, list(nil), "the server's workspace and Beta are private")
	one := 1
	page, err := c.ListPublicWorkspaces(ctx, &gen.ListPublicWorkspacesParams{PageSize: &one})
	require.NoError(t, err)
	require.Len(t, page.Workspaces, 1)
	assert.NotNil(t, page.Meta.NextToken)
	assert.Equal(t, []string{ids[0], ids[2]}, list(&gen.ListPublicWorkspacesParams{PageSize: &one}))
	assert.Equal(t, []string{ids[2]}, list(&gen.ListPublicWorkspacesParams{WorkspaceIDs: []string{ids[1], ids[2]}}))
	assert.Equal(t, []string{ids[0]}, list(&gen.ListPublicWorkspacesParams{Search: admPtr("LABS")}), "name, any case")
	assert.Equal(t, []string{ids[2]}, list(&gen.ListPublicWorkspacesParams{Search: admPtr("gamma-")}), "handle")
	assert.Empty(t, list(&gen.ListPublicWorkspacesParams{Search: admPtr("beta")}))

	got, err := c.GetPublicWorkspace(ctx, ids[0])
	require.NoError(t, err)
	assert.Equal(t, "Alpha Labs", got.Name)
	assert.Equal(t, "we build bots", *got.About)
	assert.Equal(t, "alpha", *got.Handle)
	for _, id := range []string{ids[1], srv.WorkspaceID, "wkspace_missing000000000000000"} {
		_, err = c.GetPublicWorkspace(ctx, id)
		assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, id)
	}
	_, err = c.UpdateWorkspace(ctx, ids[0], gen.UpdateWorkspaceBody{IsPublic: &no})
	require.NoError(t, err)
	_, err = c.GetPublicWorkspace(ctx, ids[0])
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound, "private again")
	assert.Equal(t, []string{ids[2]}, list(nil))
}

// TestCheckHandleAvailability: a handle a workspace holds is taken, by it,
// with free handles suggested that updateWorkspace accepts; another is free.
func TestCheckHandleAvailability(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t)
	c := srv.Client()

	free, err := c.CheckHandleAvailability(ctx, gen.CheckHandleAvailabilityBody{Handle: "nobody"})
	require.NoError(t, err)
	assert.True(t, free.Available)
	assert.Empty(t, free.Suggestions)
	assert.Nil(t, free.UsedBy)

	// The server's workspace holds "bptest"; "bptest-1" goes to another.
	ws, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceJSONRequestBody{Name: "other"})
	require.NoError(t, err)
	_, err = c.UpdateWorkspace(ctx, ws.ID, gen.UpdateWorkspaceBody{Handle: admPtr("bptest-1")})
	require.NoError(t, err)

	taken, err := c.CheckHandleAvailability(ctx, gen.CheckHandleAvailabilityBody{Handle: "bptest"})
	require.NoError(t, err)
	assert.False(t, taken.Available)
	assert.Equal(t, srv.WorkspaceID, *taken.UsedBy)
	assert.Equal(t, []string{"bptest-2", "bptest-3", "bptest-4"}, taken.Suggestions)
	taken, err = c.CheckHandleAvailability(ctx, gen.CheckHandleAvailabilityBody{Handle: "bptest-1"})
	require.NoError(t, err)
	assert.Equal(t, ws.ID, *taken.UsedBy)
	assert.Equal(t, []string{"bptest-1-1", "bptest-1-2", "bptest-1-3"}, taken.Suggestions)

	// A suggestion can be taken.
	_, err = c.UpdateWorkspace(ctx, ws.ID, gen.UpdateWorkspaceBody{Handle: &taken.Suggestions[0]})
	require.NoError(t, err)
	again, err := c.CheckHandleAvailability(ctx, gen.CheckHandleAvailabilityBody{Handle: "bptest-1"})
	require.NoError(t, err)
	assert.True(t, again.Available, "released when its workspace changed handle")
}
