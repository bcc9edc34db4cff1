package client_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

// TestScopeHints: an error answer to a call that sent no bot or workspace
// ID says which option or variable sets it; one that did send it, or an
// error a missing scope does not cause, gets no hint.
func TestScopeHints(t *testing.T) {
	srv := bptest.Start(t)
	ctx := context.Background()
	noScope, err := client.New(client.WithToken(srv.Token), client.WithBaseURL(srv.URL), client.WithBotID(""), client.WithWorkspaceID(""))
	require.NoError(t, err)
	assert.Empty(t, noScope.BotID())
	assert.Empty(t, noScope.WorkspaceID())

	_, err = noScope.GetUser(ctx, "user_1")
	var apiErr *bperrors.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "no bot ID was set: use client.WithBotID or BP_BOT_ID", apiErr.Hint)
	assert.Contains(t, err.Error(), "use client.WithBotID or BP_BOT_ID")

	// With the scope set, a 404 is only a 404.
	c := srv.Client()
	assert.Equal(t, srv.BotID, c.BotID())
	assert.Equal(t, srv.WorkspaceID, c.WorkspaceID())
	_, err = c.GetUser(ctx, "user_missing")
	require.ErrorAs(t, err, &apiErr)
	assert.Empty(t, apiErr.Hint)
	assert.NotContains(t, err.Error(), "WithBotID")

	// A scope set on the call counts, and so does one set in params.
	_, err = noScope.GetUser(ctx, "user_missing", client.WithBotID(srv.BotID))
	require.ErrorAs(t, err, &apiErr)
	assert.Empty(t, apiErr.Hint)
	_, err = noScope.ListUsers(ctx, &gen.ListUsersParams{XBotID: &srv.BotID, NextToken: ptrTo("garbage")})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 400, apiErr.StatusCode)
	assert.Empty(t, apiErr.Hint)
}

// TestScopeHintsOnlyForScopeStatuses: a 500 or a 429 without a bot ID is
// not blamed on it.
func TestScopeHintsOnlyForScopeStatuses(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409, 429, 500} {
		s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			reply(w, status, `{"type":"X","message":"no"}`)
		})
		c, err := client.New(client.WithToken("bp_pat_x"), client.WithBaseURL(s.URL), client.WithMaxRetries(0))
		require.NoError(t, err)
		_, err = c.GetUser(context.Background(), "u")
		var apiErr *bperrors.APIError
		require.ErrorAs(t, err, &apiErr)
		_, err = c.ListWorkspaceMembers(context.Background(), nil)
		var wsErr *bperrors.APIError
		require.ErrorAs(t, err, &wsErr)
		if status <= 404 {
			assert.Equal(t, "no bot ID was set: use client.WithBotID or BP_BOT_ID", apiErr.Hint, "%d", status)
			assert.Equal(t, "no workspace ID was set: use client.WithWorkspaceID or BP_WORKSPACE_ID", wsErr.Hint, "%d", status)
		} else {
			assert.Empty(t, apiErr.Hint, "%d", status)
			assert.Empty(t, wsErr.Hint, "%d", status)
		}
	}
}

func TestRetryDelayError(t *testing.T) {
	_, err := client.New(client.WithToken("x"), client.WithRetryDelay(time.Second, time.Millisecond))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "base must be positive and max at least base")
}

func ptrTo[T any](v T) *T { return &v }

// TestPacerWaitIsNotPartOfTheAttemptTimeout: a call held by the pacer for
// longer than the per-attempt timeout still gets its whole timeout once it
// is sent.
func TestPacerWaitIsNotPartOfTheAttemptTimeout(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, `{"user":{"id":"u1"}}`) })
	c := newClient(t, s, client.WithRateLimit(1, 1), client.WithTimeout(300*time.Millisecond), client.WithMaxRetries(0))
	ctx := context.Background()
	_, err := c.GetUser(ctx, "u1")
	require.NoError(t, err)
	start := time.Now()
	_, err = c.GetUser(ctx, "u1") // waits about a second for the pacer
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "the pacer held the call")
}
