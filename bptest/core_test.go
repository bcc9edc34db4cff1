package bptest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

// coreDo sends a raw request and returns the status and the decoded error
// body, for the checks the SDK would refuse to make.
func coreDo(t *testing.T, srv *bptest.Server, method, path, contentType, body string, header map[string]string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func coreAuth(srv *bptest.Server) map[string]string {
	return map[string]string{"Authorization": "Bearer " + srv.Token, "x-bot-id": srv.BotID}
}

func TestCoreErrorsAreInTheAPIShape(t *testing.T) {
	srv := bptest.Start(t, bptest.WithMaxBodySize(1024))
	auth := coreAuth(srv)
	cases := []struct {
		name, method, path, contentType, body string
		header                                map[string]string
		status                                int
		typ                                   string
		says                                  string
	}{
		{"no token", "GET", "/v1/chat/users", "", "", map[string]string{"x-bot-id": srv.BotID}, 401, "Unauthorized", "token"},
		{"wrong token", "GET", "/v1/chat/users", "", "", map[string]string{"Authorization": "Bearer nope", "x-bot-id": srv.BotID}, 401, "Unauthorized", "token"},
		{"unknown route", "GET", "/v1/chat/nothing-here", "", "", auth, 404, "ResourceNotFound", "/v1/chat/nothing-here"},
		{"wrong method", "PATCH", "/v1/chat/users", "application/json", "{}", auth, 405, "MethodNotFound", "PATCH"},
		{"body too large", "POST", "/v1/chat/users", "application/json", `{"tags":{"a":"` + strings.Repeat("x", 2000) + `"}}`, auth, 413, "PayloadTooLarge", "larger"},
		{"wrong content type", "POST", "/v1/chat/users", "text/plain", `{"tags":{}}`, auth, 415, "UnsupportedMediaType", "text/plain"},
		{"body breaks the spec", "POST", "/v1/chat/users", "application/json", `{"tags":5}`, auth, 400, "InvalidPayload", "tags"},
		{"unknown property", "POST", "/v1/chat/users", "application/json", `{"tags":{},"colour":"red"}`, auth, 400, "InvalidPayload", "colour"},
		{"query breaks the spec", "GET", "/v1/chat/users?sortField=height", "", "", auth, 400, "InvalidQuery", "sortField"},
		{"required query missing", "GET", "/v1/chat/tags/channel/values", "", "", auth, 400, "InvalidQuery", "type"},
		{"no bot", "GET", "/v1/chat/users", "", "", map[string]string{"Authorization": "Bearer " + srv.Token}, 400, "InvalidPayload", "x-bot-id"},
		{"unknown bot", "GET", "/v1/chat/users", "", "", map[string]string{"Authorization": "Bearer " + srv.Token, "x-bot-id": "bot_unknown000000000000000000"}, 404, "ResourceNotFound", "bot"},
		{"unknown id", "GET", "/v1/chat/users/user_missing0000000000000000", "", "", auth, 404, "ResourceNotFound", "user_missing"},
		{"bad page token", "GET", "/v1/chat/users?nextToken=forged", "", "", auth, 400, "InvalidQuery", "nextToken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := coreDo(t, srv, tc.method, tc.path, tc.contentType, tc.body, tc.header)
			assert.Equal(t, tc.status, status)
			assert.Equal(t, tc.typ, body["type"])
			assert.EqualValues(t, tc.status, body["code"])
			assert.NotEmpty(t, body["id"])
			assert.Contains(t, body["message"], tc.says)
			assert.NotContains(t, body["message"], "\n", "one line")
		})
	}
}

// The SDK reads these answers as typed errors.
func TestCoreErrorsThroughTheSDK(t *testing.T) {
	srv := bptest.Start(t)
	ctx := context.Background()
	_, err := srv.Client().GetUser(ctx, "user_missing0000000000000000")
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	_, err = srv.Client(client.WithToken("wrong")).GetUser(ctx, "user_missing0000000000000000")
	assert.ErrorIs(t, err, bperrors.ErrUnauthorized)
	_, err = srv.Client().ListTagValues(ctx, "k", &gen.ListTagValuesParams{Type: "planet"})
	assert.ErrorIs(t, err, bperrors.ErrInvalidQuery)
}

// Operations without state answer an example that the spec accepts (Start
// checks every answer against the spec when the test ends).
func TestCoreCannedAnswers(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	plans, err := c.ListPlans(ctx)
	require.NoError(t, err)
	assert.NotNil(t, plans)
	_, err = c.GetBotAnalytics(ctx, srv.BotID, &gen.GetBotAnalyticsParams{StartDate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), EndDate: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	// API keys are kept now (admin_keys.go): an unknown integration is 404.
	_, err = c.ListIntegrationAPIKeys(ctx, &gen.ListIntegrationAPIKeysParams{IntegrationID: "int_000000000000000000000000000"})
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	assert.Empty(t, srv.ResponseViolations())
}

func TestCoreFaults(t *testing.T) {
	srv := bptest.Start(t)
	ctx := context.Background()
	c := srv.Client(client.WithMaxRetries(0))

	t.Run("429 with Retry-After, retried by the SDK", func(t *testing.T) {
		remove := srv.InjectFault(bptest.Fault{Operation: "getAccount", Status: 429, RetryAfter: 20 * time.Millisecond, Times: 2})
		defer remove()
		_, err := c.GetAccount(ctx)
		require.ErrorIs(t, err, bperrors.ErrRateLimited)
		var apiErr *bperrors.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, "1", apiErr.Header.Get("Retry-After"))
		assert.Equal(t, "20", apiErr.Header.Get("Retry-After-Ms"))
		start := time.Now()
		_, err = srv.Client(client.WithMaxRetries(3)).GetAccount(ctx) // second hit, then through
		require.NoError(t, err)
		assert.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond)
	})
	t.Run("5xx on one operation only", func(t *testing.T) {
		remove := srv.InjectFault(bptest.Fault{Operation: "listPlans", Status: 503})
		defer remove()
		_, err := c.ListPlans(ctx)
		require.Error(t, err)
		assert.ErrorIs(t, err, bperrors.ErrInternal)
		_, err = c.GetAccount(ctx)
		require.NoError(t, err)
	})
	t.Run("latency", func(t *testing.T) {
		remove := srv.InjectFault(bptest.Fault{Latency: 30 * time.Millisecond})
		defer remove()
		start := time.Now()
		_, err := c.GetAccount(ctx)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)
		_, err = c.GetAccount(ctx, client.WithTimeout(5*time.Millisecond))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("dropped connection", func(t *testing.T) {
		remove := srv.InjectFault(bptest.Fault{Operation: "getAccount", Drop: true, Times: 1})
		defer remove()
		_, err := c.GetAccount(ctx)
		require.Error(t, err)
		var apiErr *bperrors.APIError
		assert.False(t, errors.As(err, &apiErr), "a dropped connection is a transport error: %v", err)
		_, err = c.GetAccount(ctx) // Times: 1
		require.NoError(t, err)
	})
	t.Run("by probability", func(t *testing.T) {
		srv := bptest.Start(t, bptest.WithSeed(7))
		remove := srv.InjectFault(bptest.Fault{Status: 500, Rate: 0.5})
		defer remove()
		c := srv.Client(client.WithMaxRetries(0))
		var failed atomic.Int32
		for range 200 {
			if _, err := c.GetAccount(ctx); err != nil {
				failed.Add(1)
			}
		}
		assert.InDelta(t, 100, failed.Load(), 40)
		assert.Equal(t, int(failed.Load()), srv.FaultHits())
	})
}

func TestCoreOptions(t *testing.T) {
	_, err := bptest.New(bptest.WithPageSize(0))
	require.Error(t, err)
	srv, err := bptest.New(bptest.WithToken("bp_pat_custom"), bptest.WithBotID("bot_first00000000000000000000", "bot_second0000000000000000000"))
	require.NoError(t, err)
	defer srv.Close()
	assert.Equal(t, "bp_pat_custom", srv.Token)
	assert.Equal(t, "bot_first00000000000000000000", srv.BotID)
	c := srv.Client()
	ctx := context.Background()
	_, err = c.ListUsers(ctx, nil, client.WithBotID("bot_second0000000000000000000"))
	require.NoError(t, err)
	_, err = c.ListUsers(ctx, nil, client.WithBotID("bot_third00000000000000000000"))
	assert.ErrorIs(t, err, bperrors.ErrResourceNotFound)
	require.NoError(t, srv.AddBot("bot_third00000000000000000000"))
	require.Error(t, srv.AddBot("bot_short"))
	_, err = bptest.New(bptest.WithBotID("bot_short"))
	require.Error(t, err)
	_, err = c.ListUsers(ctx, nil, client.WithBotID("bot_third00000000000000000000"))
	require.NoError(t, err)
}

func TestCoreSeedData(t *testing.T) {
	seed, err := bptest.DecodeSeedData(strings.NewReader(`{"bots":{"bot_seeded0000000000000000000":{
		"users":[{"id":"user_seeded000000000000000000","tags":{"email":"a@b.c"}}],
		"conversations":[{"id":"conv_seeded000000000000000000","channel":"web","integration":"webchat","tags":{}}],
		"participants":{"conv_seeded000000000000000000":["user_seeded000000000000000000"]},
		"messages":[{"conversationId":"conv_seeded000000000000000000","userId":"user_seeded000000000000000000","type":"text","payload":{"text":"hi"}}]}}}`))
	require.NoError(t, err)
	srv := bptest.Start(t, bptest.WithBotID("bot_seeded0000000000000000000"), bptest.WithSeedData(seed))
	c := srv.Client()
	u, err := c.GetUser(context.Background(), "user_seeded000000000000000000")
	require.NoError(t, err)
	assert.Equal(t, "a@b.c", u.User.Tags["email"])

	_, err = bptest.DecodeSeedData(strings.NewReader(`{"bots":{},"extra":1}`))
	assert.Error(t, err, "unknown fields are refused")
	_, err = bptest.New(bptest.WithSeedData(&bptest.SeedData{Bots: map[string]bptest.BotSeed{
		"b": {Messages: []gen.Message{{ConversationID: "nope"}}}}}))
	assert.Error(t, err, "a message in an unknown conversation is refused")
}

// An upload URL is good until the file is upserted again.
func TestCoreStaleUploadURL(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	first, err := c.UpsertFile(ctx, gen.UpsertFileJSONRequestBody{Key: "a.txt", Size: 1})
	require.NoError(t, err)
	_, err = c.UpsertFile(ctx, gen.UpsertFileJSONRequestBody{Key: "a.txt", Size: 1})
	require.NoError(t, err)
	status, body := coreDo(t, srv, "PUT", strings.TrimPrefix(first.File.UploadURL, srv.URL), "text/plain", "x", nil)
	assert.Equal(t, 403, status)
	assert.Equal(t, "Forbidden", body["type"])
}

func TestCoreBadDates(t *testing.T) {
	srv := bptest.Start(t)
	// The client's types send only date-times; a raw request sends another.
	status, body := coreDo(t, srv, "GET", "/v1/chat/users?afterDate=yesterday", "", "", coreAuth(srv))
	assert.Equal(t, 400, status)
	assert.Equal(t, "InvalidQuery", body["type"])
}

// An operation that takes a body gets a 400 without one, before its handler.
func TestCoreBodyRequired(t *testing.T) {
	srv := bptest.Start(t)
	status, body := coreDo(t, srv, "POST", "/v1/chat/users", "application/json", "", coreAuth(srv))
	assert.Equal(t, 400, status)
	assert.Equal(t, "InvalidPayload", body["type"])
	assert.Contains(t, body["message"], "createUser needs a JSON body")
}
