package bptest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

// TestWorkspaceBillingVersion: a workspace is created on billing v3 unless
// it asks for v4, migrateWorkspaceToV4 moves it to v4 (getWorkspace and
// listWorkspaces show it), and the server's own workspace is on v4.
func TestWorkspaceBillingVersion(t *testing.T) {
	ctx := context.Background()
	clock := bptest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv := bptest.Start(t, bptest.WithClock(clock.Now))
	c := srv.Client()

	own, err := c.GetWorkspace(ctx, srv.WorkspaceID)
	require.NoError(t, err)
	assert.Equal(t, gen.WorkspaceBillingVersionV4, own.BillingVersion)
	assert.Equal(t, gen.WorkspacePlanCommunity, own.Plan)

	old, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceJSONRequestBody{Name: "old"})
	require.NoError(t, err)
	assert.Equal(t, gen.WorkspaceBillingVersionV3, old.BillingVersion)
	assert.Equal(t, gen.WorkspacePlanCommunity, old.Plan)
	v4 := gen.CreateWorkspaceBodyBillingVersionV4
	fresh, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceJSONRequestBody{Name: "fresh", BillingVersion: &v4})
	require.NoError(t, err)
	assert.Equal(t, gen.WorkspaceBillingVersionV4, fresh.BillingVersion)
	got, err := c.GetWorkspace(ctx, fresh.ID)
	require.NoError(t, err)
	assert.Equal(t, gen.WorkspaceBillingVersionV4, got.BillingVersion, "stored")

	clock.Advance(time.Second)
	require.NoError(t, c.MigrateWorkspaceToV4(ctx, old.ID, gen.MigrateWorkspaceToV4JSONRequestBody{}))
	got, err = c.GetWorkspace(ctx, old.ID)
	require.NoError(t, err)
	assert.Equal(t, gen.WorkspaceBillingVersionV4, got.BillingVersion)
	assert.Equal(t, mustTime("2026-01-02T03:04:06.000Z"), got.UpdatedAt)
	assert.Equal(t, old.Name, got.Name)
	assert.Equal(t, old.Plan, got.Plan)
	list, err := c.ListWorkspaces(ctx, nil)
	require.NoError(t, err)
	versions := map[string]gen.WorkspaceBillingVersion{}
	for _, ws := range list.Workspaces {
		versions[ws.ID] = ws.BillingVersion
	}
	assert.Equal(t, gen.WorkspaceBillingVersionV4, versions[old.ID])

	// Again: nothing changes.
	clock.Advance(time.Second)
	require.NoError(t, c.MigrateWorkspaceToV4(ctx, old.ID, gen.MigrateWorkspaceToV4JSONRequestBody{}))
	again, err := c.GetWorkspace(ctx, old.ID)
	require.NoError(t, err)
	assert.Equal(t, got, again)

	err = c.MigrateWorkspaceToV4(ctx, "wkspace_missing000000000000000", gen.MigrateWorkspaceToV4JSONRequestBody{})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
}

// TestWorkspaceListsPageSize: listWorkspaces and listWorkspaceMembers answer
// pages of the size a call asks for, capped by WithMaxPageSize, and the
// server's own size when the call names none.
func TestWorkspaceListsPageSize(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t, bptest.WithPageSize(2), bptest.WithMaxPageSize(4))
	c := srv.Client()
	for i := range 5 {
		_, err := c.CreateWorkspace(ctx, gen.CreateWorkspaceJSONRequestBody{Name: fmt.Sprintf("w%d", i)})
		require.NoError(t, err)
		_, err = c.CreateWorkspaceMember(ctx, gen.CreateWorkspaceMemberJSONRequestBody{
			Email: openapi_types.Email(fmt.Sprintf("m%d@example.com", i)), Role: "viewer", SendEmail: admPtr(i%2 == 0),
		})
		require.NoError(t, err, "sendEmail is accepted")
	}
	// 6 workspaces and 6 members, the server's own among them.
	for _, tc := range []struct {
		size *int
		want []int
	}{
		{nil, []int{2, 2, 2}},
		{admPtr(1), []int{1, 1, 1, 1, 1, 1}},
		{admPtr(3), []int{3, 3}},
		{admPtr(50), []int{4, 2}},
	} {
		var sizes []int
		var token *string
		for {
			page, err := c.ListWorkspaces(ctx, &gen.ListWorkspacesParams{NextToken: token, PageSize: tc.size})
			require.NoError(t, err)
			sizes = append(sizes, len(page.Workspaces))
			if token = page.Meta.NextToken; token == nil {
				break
			}
		}
		assert.Equal(t, tc.want, sizes, "workspaces, pageSize %v", tc.size)

		sizes = nil
		token = nil
		for {
			page, err := c.ListWorkspaceMembers(ctx, &gen.ListWorkspaceMembersParams{NextToken: token, PageSize: tc.size})
			require.NoError(t, err)
			sizes = append(sizes, len(page.Members))
			if token = page.Meta.NextToken; token == nil {
				break
			}
		}
		assert.Equal(t, tc.want, sizes, "members, pageSize %v", tc.size)
	}

	// The walkers keep the page size from one page to the next.
	n := 0
	for page, err := range c.ListWorkspacesPages(ctx, &gen.ListWorkspacesParams{PageSize: admPtr(5)}) {
		require.NoError(t, err)
		if n == 0 {
			assert.Len(t, page.Items, 4, "capped by the server's maximum")
		}
		n++
	}
	assert.Equal(t, 2, n)
	var emails []string
	for m, err := range c.AllWorkspaceMembers(ctx, &gen.ListWorkspaceMembersParams{PageSize: admPtr(5)}) {
		require.NoError(t, err)
		emails = append(emails, m.Email)
	}
	assert.Len(t, emails, 6)

	_, err := c.ListWorkspaces(ctx, &gen.ListWorkspacesParams{PageSize: admPtr(0)})
	assert.ErrorIs(t, err, bperrors.ErrInvalidQuery, "below 1 is refused")
}
