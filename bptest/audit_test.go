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
	_, err = c.UpdateWorkspaceMember(ctx, m.ID, gen.UpdateWorkspaceMemberBody{Role: admPtr(gen.UpdateWorkspaceMemberBodyRoleManager)})
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
