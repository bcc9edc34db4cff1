package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/message"
)

// cfgtUserOK answers every request with a user.
func cfgtUserOK(w http.ResponseWriter, r *http.Request) {
	reply(w, 200, `{"user":{"id":"u1"}}`)
}

// cfgtEnv lists the variables New reads.
var cfgtEnv = []string{client.EnvToken, client.EnvAPIURL, client.EnvBotID, client.EnvWorkspaceID, client.EnvIntegrationID}

// cfgtClearEnv empties the variables New reads, for this test only.
func cfgtClearEnv(t *testing.T) {
	t.Helper()
	for _, k := range cfgtEnv {
		t.Setenv(k, "")
	}
}

// cfgtGetUser calls GetUser on u1 and fails the test on an error.
func cfgtGetUser(t *testing.T, c *client.Client, opts ...client.Option) {
	t.Helper()
	_, err := c.GetUser(context.Background(), "u1", opts...)
	require.NoError(t, err)
}

// cfgtScopeClient is a client for s with no scope header configured,
// whatever the environment holds.
func cfgtScopeClient(t *testing.T, s *server, opts ...client.Option) *client.Client {
	t.Helper()
	base := []client.Option{client.WithBotID(""), client.WithWorkspaceID(""), client.WithIntegrationID("")}
	return newClient(t, s, append(base, opts...)...)
}

// --- Environment (not parallel: t.Setenv) ---

func TestConfigFromEnvironment(t *testing.T) {
	s := newServer(t, cfgtUserOK)
	t.Setenv(client.EnvToken, "bp_pat_from-env")
	t.Setenv(client.EnvAPIURL, s.URL)
	t.Setenv(client.EnvBotID, "bot_env")
	t.Setenv(client.EnvWorkspaceID, "ws_env")
	t.Setenv(client.EnvIntegrationID, "int_env")

	c, err := client.New()
	require.NoError(t, err)
	assert.Equal(t, s.URL, c.BaseURL())
	cfgtGetUser(t, c)

	r := s.last(t)
	assert.Equal(t, "/v1/chat/users/u1", r.Path)
	assert.Equal(t, "Bearer bp_pat_from-env", r.Header.Get("Authorization"))
	assert.Equal(t, "bot_env", r.Header.Get("x-bot-id"))
	assert.Equal(t, "ws_env", r.Header.Get("x-workspace-id"))
	assert.Equal(t, "int_env", r.Header.Get("x-integration-id"))
	assert.Empty(t, r.Header.Values("x-integration-alias"))
}

func TestConfigOptionsOverrideEnvironment(t *testing.T) {
	envServer := newServer(t, cfgtUserOK)
	optServer := newServer(t, cfgtUserOK)
	t.Setenv(client.EnvToken, "bp_pat_from-env")
	t.Setenv(client.EnvAPIURL, envServer.URL)
	t.Setenv(client.EnvBotID, "bot_env")
	t.Setenv(client.EnvWorkspaceID, "ws_env")
	t.Setenv(client.EnvIntegrationID, "int_env")

	c, err := client.New(
		client.WithToken("bp_pat_from-option"),
		client.WithBaseURL(optServer.URL),
		client.WithBotID("bot_opt"),
		client.WithWorkspaceID("ws_opt"),
		client.WithIntegrationID("int_opt"),
	)
	require.NoError(t, err)
	assert.Equal(t, optServer.URL, c.BaseURL())
	cfgtGetUser(t, c)

	assert.Empty(t, envServer.requests())
	r := optServer.last(t)
	assert.Equal(t, "Bearer bp_pat_from-option", r.Header.Get("Authorization"))
	assert.Equal(t, []string{"bot_opt"}, r.Header.Values("x-bot-id"))
	assert.Equal(t, []string{"ws_opt"}, r.Header.Values("x-workspace-id"))
	assert.Equal(t, []string{"int_opt"}, r.Header.Values("x-integration-id"))
}

func TestConfigEnvironmentPartial(t *testing.T) {
	// Options for some settings, the environment for the others.
	s := newServer(t, cfgtUserOK)
	cfgtClearEnv(t)
	t.Setenv(client.EnvToken, "bp_pat_from-env")
	t.Setenv(client.EnvWorkspaceID, "ws_env")
	c, err := client.New(client.WithBaseURL(s.URL), client.WithBotID("bot_opt"))
	require.NoError(t, err)
	cfgtGetUser(t, c)
	r := s.last(t)
	assert.Equal(t, "Bearer bp_pat_from-env", r.Header.Get("Authorization"))
	assert.Equal(t, "bot_opt", r.Header.Get("x-bot-id"))
	assert.Equal(t, "ws_env", r.Header.Get("x-workspace-id"))
	assert.Empty(t, r.Header.Values("x-integration-id"))
}

func TestConfigDefaultBaseURL(t *testing.T) {
	cfgtClearEnv(t)
	t.Setenv(client.EnvToken, "bp_pat_x")
	c, err := client.New()
	require.NoError(t, err)
	assert.Equal(t, client.DefaultBaseURL, c.BaseURL())
	assert.Equal(t, "https://api.botpress.cloud", c.BaseURL())
}

func TestConfigNoToken(t *testing.T) {
	cfgtClearEnv(t)
	for _, opts := range [][]client.Option{
		nil,
		{client.WithBaseURL("http://127.0.0.1:1"), client.WithBotID("bot_1")},
		{client.WithToken("")},
	} {
		c, err := client.New(opts...)
		require.Error(t, err)
		assert.Nil(t, c)
		assert.Contains(t, err.Error(), "BP_TOKEN")
	}
}

func TestConfigEnvironmentBaseURL(t *testing.T) {
	cfgtClearEnv(t)
	t.Setenv(client.EnvToken, "bp_pat_x")

	t.Setenv(client.EnvAPIURL, "not a url")
	_, err := client.New()
	require.Error(t, err, "an invalid BP_API_URL must be refused")

	s := newServer(t, cfgtUserOK)
	t.Setenv(client.EnvAPIURL, s.URL+"/")
	c, err := client.New()
	require.NoError(t, err)
	assert.Equal(t, s.URL, c.BaseURL())
	cfgtGetUser(t, c)
	assert.Equal(t, "/v1/chat/users/u1", s.last(t).Path)
}

// --- Base URL ---

func TestConfigInvalidBaseURL(t *testing.T) {
	t.Parallel()
	s := newServer(t, cfgtUserOK)
	c := newClient(t, s)
	for _, u := range []string{"not a url", "ftp://x", "", "http://", "/v1/chat", "api.botpress.cloud", "://x", "mailto:a@b.c"} {
		t.Run(fmt.Sprintf("%q", u), func(t *testing.T) {
			got, err := client.New(client.WithToken(testToken), client.WithBaseURL(u))
			require.Error(t, err, "New must refuse base URL %q", u)
			assert.Nil(t, got)
			assert.Contains(t, err.Error(), "base URL")

			_, err = c.GetUser(context.Background(), "u1", client.WithBaseURL(u))
			require.Error(t, err, "a call must refuse base URL %q", u)
			assert.Contains(t, err.Error(), "getUser")
		})
	}
	assert.Empty(t, s.requests(), "nothing is sent with an invalid base URL")
}

func TestConfigTrailingSlash(t *testing.T) {
	t.Parallel()
	s := newServer(t, cfgtUserOK)
	for _, u := range []string{s.URL + "/", s.URL + "//"} {
		c := newClient(t, s, client.WithBaseURL(u))
		assert.Equal(t, s.URL, c.BaseURL())
		cfgtGetUser(t, c)
		assert.Equal(t, "/v1/chat/users/u1", s.last(t).Path)
	}
}

// TestConfigBaseURLPathPrefix: an API behind a proxy at a path prefix
// (BP_API_URL=https://proxy.example.com/botpress) keeps its prefix, as it
// does with the official client, which appends the path to the base URL.
func TestConfigBaseURLPathPrefix(t *testing.T) {
	t.Parallel()
	s := newServer(t, cfgtUserOK)
	for _, u := range []string{s.URL + "/botpress", s.URL + "/botpress/"} {
		t.Run(u[len(s.URL):], func(t *testing.T) {
			cfgtGetUser(t, newClient(t, s, client.WithBaseURL(u)))
			assert.Equal(t, "/botpress/v1/chat/users/u1", s.last(t).Path)
		})
	}
}

func TestConfigPerCallBaseURL(t *testing.T) {
	t.Parallel()
	s1 := newServer(t, cfgtUserOK)
	s2 := newServer(t, cfgtUserOK)
	c := newClient(t, s1)
	cfgtGetUser(t, c, client.WithBaseURL(s2.URL+"/"))
	assert.Empty(t, s1.requests())
	require.Len(t, s2.requests(), 1)
	r := s2.last(t)
	assert.Equal(t, "/v1/chat/users/u1", r.Path)
	assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
	assert.Equal(t, s1.URL, c.BaseURL(), "a call's option does not change the client")

	cfgtGetUser(t, c)
	assert.Len(t, s1.requests(), 1)
	assert.Len(t, s2.requests(), 1)
}

// --- Headers ---

func TestConfigDefaultHeaders(t *testing.T) {
	t.Parallel()
	s := newServer(t, cfgtUserOK)
	cfgtGetUser(t, newClient(t, s))
	r := s.last(t)
	assert.Equal(t, []string{"Bearer " + testToken}, r.Header.Values("Authorization"))
	assert.Equal(t, []string{"botpress-go/" + client.Version + " go/" + strings.TrimPrefix(runtime.Version(), "go")}, r.Header.Values("User-Agent"))
	assert.Equal(t, client.DefaultUserAgent(), r.Header.Get("User-Agent"))
	assert.Equal(t, "application/json", r.Header.Get("Accept"))
	assert.Equal(t, []string{"bot_1"}, r.Header.Values("x-bot-id"))
}

func TestConfigUserAgent(t *testing.T) {
	t.Parallel()
	s := newServer(t, cfgtUserOK)
	c := newClient(t, s, client.WithUserAgent("my-app/1.2 (+https://example.com)"))
	cfgtGetUser(t, c)
	assert.Equal(t, []string{"my-app/1.2 (+https://example.com)"}, s.last(t).Header.Values("User-Agent"))

	cfgtGetUser(t, c, client.WithUserAgent("one-call/0.1"))
	assert.Equal(t, "one-call/0.1", s.last(t).Header.Get("User-Agent"))
	cfgtGetUser(t, c)
	assert.Equal(t, "my-app/1.2 (+https://example.com)", s.last(t).Header.Get("User-Agent"))
}

func TestConfigScopeHeaders(t *testing.T) {
	t.Parallel()
	scope := []string{client.HeaderBotID, client.HeaderWorkspaceID, client.HeaderIntegrationID, client.HeaderIntegrationAlias}
	assert.Equal(t, []string{"x-bot-id", "x-workspace-id", "x-integration-id", "x-integration-alias"}, scope)

	t.Run("all configured", func(t *testing.T) {
		s := newServer(t, cfgtUserOK)
		c := newClient(t, s,
			client.WithBotID("bot_9"),
			client.WithWorkspaceID("ws_9"),
			client.WithIntegrationID("int_9"),
			client.WithIntegrationAlias("alias_9"),
		)
		cfgtGetUser(t, c)
		r := s.last(t)
		assert.Equal(t, []string{"bot_9"}, r.Header.Values("x-bot-id"))
		assert.Equal(t, []string{"ws_9"}, r.Header.Values("x-workspace-id"))
		assert.Equal(t, []string{"int_9"}, r.Header.Values("x-integration-id"))
		assert.Equal(t, []string{"alias_9"}, r.Header.Values("x-integration-alias"))
	})
	t.Run("none configured", func(t *testing.T) {
		s := newServer(t, cfgtUserOK)
		cfgtGetUser(t, cfgtScopeClient(t, s))
		r := s.last(t)
		for _, h := range scope {
			assert.Empty(t, r.Header.Values(h), "%s must not be sent when not configured", h)
		}
		assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
	})
	t.Run("only workspace", func(t *testing.T) {
		s := newServer(t, cfgtUserOK)
		cfgtGetUser(t, cfgtScopeClient(t, s, client.WithWorkspaceID("ws_only")))
		r := s.last(t)
		assert.Equal(t, "ws_only", r.Header.Get("x-workspace-id"))
		assert.Empty(t, r.Header.Values("x-bot-id"))
		assert.Empty(t, r.Header.Values("x-integration-id"))
		assert.Empty(t, r.Header.Values("x-integration-alias"))
	})
}

func TestConfigWithHeader(t *testing.T) {
	t.Parallel()
	s := newServer(t, cfgtUserOK)
	c := cfgtScopeClient(t, s,
		client.WithBotID("bot_1"),
		client.WithHeader("X-Trace-Id", "trace-1"),
		client.WithHeader("x-multi", "a"),
		client.WithHeader("x-multi", "b"),
		client.WithHeader("Authorization", "Bearer evil"),
		client.WithHeader("authorization", "Basic ZXZpbA=="),
		client.WithHeader("x-bot-id", "bot_evil"),
		client.WithHeader("X-BOT-ID", "bot_evil2"),
		client.WithHeader("x-workspace-id", "ws_evil"),
		client.WithHeader("x-integration-id", "int_evil"),
		client.WithHeader("x-integration-alias", "alias_evil"),
	)
	check := func(r seen) {
		t.Helper()
		assert.Equal(t, []string{"Bearer " + testToken}, r.Header.Values("Authorization"))
		assert.Equal(t, []string{"bot_1"}, r.Header.Values("x-bot-id"))
		assert.Empty(t, r.Header.Values("x-workspace-id"))
		assert.Empty(t, r.Header.Values("x-integration-id"))
		assert.Empty(t, r.Header.Values("x-integration-alias"))
		assert.Equal(t, []string{"trace-1"}, r.Header.Values("X-Trace-Id"))
		assert.Equal(t, []string{"a", "b"}, r.Header.Values("X-Multi"))
	}
	cfgtGetUser(t, c)
	check(s.last(t))

	// Per call: added for that call only, still unable to override.
	cfgtGetUser(t, c,
		client.WithHeader("X-Call", "call-1"),
		client.WithHeader("Authorization", "Bearer evil-call"),
		client.WithHeader("x-bot-id", "bot_evil-call"),
	)
	r := s.last(t)
	check(r)
	assert.Equal(t, []string{"call-1"}, r.Header.Values("X-Call"))

	cfgtGetUser(t, c)
	r = s.last(t)
	check(r)
	assert.Empty(t, r.Header.Values("X-Call"), "a call's header must not leak into the client")
}

// TestConfigPerCallOverride: one client, several bots.
func TestConfigPerCallOverride(t *testing.T) {
	t.Parallel()
	s := newServer(t, cfgtUserOK)
	c := newClient(t, s, client.WithWorkspaceID("ws_1"))

	cfgtGetUser(t, c, client.WithBotID("bot_2"))
	assert.Equal(t, []string{"bot_2"}, s.last(t).Header.Values("x-bot-id"))

	cfgtGetUser(t, c)
	assert.Equal(t, []string{"bot_1"}, s.last(t).Header.Values("x-bot-id"))

	cfgtGetUser(t, c, client.WithBotID("bot_3"), client.WithWorkspaceID("ws_3"), client.WithToken("bp_bot_token-3"))
	r := s.last(t)
	assert.Equal(t, "bot_3", r.Header.Get("x-bot-id"))
	assert.Equal(t, "ws_3", r.Header.Get("x-workspace-id"))
	assert.Equal(t, "Bearer bp_bot_token-3", r.Header.Get("Authorization"))

	// The call's last option wins.
	cfgtGetUser(t, c, client.WithBotID("bot_a"), client.WithBotID("bot_b"))
	assert.Equal(t, "bot_b", s.last(t).Header.Get("x-bot-id"))

	// An empty bot for one call sends no x-bot-id.
	cfgtGetUser(t, c, client.WithBotID(""))
	assert.Empty(t, s.last(t).Header.Values("x-bot-id"))

	cfgtGetUser(t, c)
	r = s.last(t)
	assert.Equal(t, "bot_1", r.Header.Get("x-bot-id"))
	assert.Equal(t, "ws_1", r.Header.Get("x-workspace-id"))
	assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
}

func TestConfigParamsScopeHeaderKept(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"users":[],"meta":{}}`)
	})
	c := newClient(t, s)
	bot := "bot_param"
	_, err := c.ListUsers(context.Background(), &gen.ListUsersParams{XBotID: &bot})
	require.NoError(t, err)
	assert.Equal(t, []string{"bot_param"}, s.last(t).Header.Values("x-bot-id"),
		"a scope header set by the operation's parameters is kept")
}

// --- HTTP client ---

// cfgtCountingTransport counts the requests it carries.
type cfgtCountingTransport struct {
	n    atomic.Int64
	base http.RoundTripper
}

func (ct *cfgtCountingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ct.n.Add(1)
	return ct.base.RoundTrip(r)
}

func TestConfigWithHTTPClient(t *testing.T) {
	t.Parallel()
	var flaky atomic.Bool
	flaky.Store(true)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if flaky.CompareAndSwap(true, false) {
			reply(w, 503, `{}`)
			return
		}
		cfgtUserOK(w, r)
	})
	own := &cfgtCountingTransport{base: http.DefaultTransport}
	c := newClient(t, s, client.WithHTTPClient(&http.Client{Transport: own}))
	cfgtGetUser(t, c)
	assert.Equal(t, int64(2), own.n.Load(), "both attempts go through the custom transport")
	cfgtGetUser(t, c)
	assert.Equal(t, int64(3), own.n.Load())

	other := &cfgtCountingTransport{base: http.DefaultTransport}
	cfgtGetUser(t, c, client.WithHTTPClient(&http.Client{Transport: other}))
	assert.Equal(t, int64(1), other.n.Load())
	assert.Equal(t, int64(3), own.n.Load(), "a call's client replaces the client's for that call")

	cfgtGetUser(t, c)
	assert.Equal(t, int64(4), own.n.Load())
	assert.Len(t, s.requests(), 5)
}

// --- Invalid options ---

func TestConfigInvalidOptions(t *testing.T) {
	t.Parallel()
	s := newServer(t, cfgtUserOK)
	c := newClient(t, s)
	for _, tc := range []struct {
		name string
		opt  client.Option
	}{
		{"WithHTTPClient(nil)", client.WithHTTPClient(nil)},
		{"WithTimeout(-1s)", client.WithTimeout(-time.Second)},
		{"WithMaxRetries(-1)", client.WithMaxRetries(-1)},
		{"WithRetryDelay(0, 1s)", client.WithRetryDelay(0, time.Second)},
		{"WithRetryDelay(-1s, 1s)", client.WithRetryDelay(-time.Second, time.Second)},
		{"WithRetryDelay(2s, 1s)", client.WithRetryDelay(2*time.Second, time.Second)},
		{"WithBaseURL(ftp)", client.WithBaseURL("ftp://x")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := client.New(client.WithToken(testToken), client.WithBaseURL(s.URL), tc.opt)
			require.Error(t, err, "New must refuse %s", tc.name)
			assert.Nil(t, got)

			_, err = c.GetUser(context.Background(), "u1", tc.opt)
			require.Error(t, err, "a call must refuse %s", tc.name)
			assert.True(t, strings.HasPrefix(err.Error(), "botpress: getUser: "), "error %q", err)
			assert.Equal(t, 1, strings.Count(err.Error(), "botpress:"), "error %q", err)
			var apiErr *bperrors.APIError
			assert.NotErrorAs(t, err, &apiErr)

			// An invalid option spoils the call even with valid ones after it.
			_, err = c.GetUser(context.Background(), "u1", tc.opt, client.WithBotID("bot_2"))
			require.Error(t, err)
		})
	}
	assert.Empty(t, s.requests(), "no call with an invalid option may send anything")

	// The client itself is unharmed.
	cfgtGetUser(t, c)
	assert.Len(t, s.requests(), 1)
}

func TestConfigValidEdgeOptions(t *testing.T) {
	t.Parallel()
	s := newServer(t, cfgtUserOK)
	for _, opt := range []client.Option{
		client.WithTimeout(0), // no limit
		client.WithMaxRetries(0),
		client.WithRetryDelay(time.Millisecond, time.Millisecond),
	} {
		c := newClient(t, s, opt)
		cfgtGetUser(t, c)
		cfgtGetUser(t, c, opt)
	}
}

// --- Logging ---

func TestConfigLogger(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			// First, on a fresh connection: net/http itself replays a GET
			// whose reused connection is closed, and the client would
			// not see this error.
			rtHijack(w, r)
		case 2:
			reply(w, 503, `{"type":"Internal","message":"try again"}`)
		default:
			cfgtUserOK(w, r)
		}
	})
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, s, client.WithLogger(logger), client.WithHeader("X-Api-Key", "header-secret-value"))
	cfgtGetUser(t, c)

	out := buf.String()
	assert.NotContains(t, out, testToken, "the token must never be logged")
	assert.NotContains(t, out, "header-secret-value", "headers must never be logged")

	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, "one record per attempt:\n%s", out)
	for i, line := range lines {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		assert.Equal(t, "DEBUG", rec["level"])
		assert.Equal(t, "GET", rec["method"])
		assert.Equal(t, "/v1/chat/users/u1", rec["path"])
		assert.EqualValues(t, i+1, rec["attempt"])
		d, ok := rec["duration"].(float64)
		assert.True(t, ok, "duration in %s", line)
		assert.GreaterOrEqual(t, d, 0.0)
		switch i {
		case 0:
			assert.NotContains(t, rec, "status", "a network error has no status")
			assert.Contains(t, rec, "error")
		case 1:
			assert.EqualValues(t, 503, rec["status"])
			assert.NotContains(t, rec, "error")
		case 2:
			assert.EqualValues(t, 200, rec["status"])
			assert.NotContains(t, rec, "error")
		}
	}

	// Per call, with another token: still not logged.
	var buf2 bytes.Buffer
	l2 := slog.New(slog.NewJSONHandler(&buf2, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfgtGetUser(t, c, client.WithLogger(l2), client.WithToken("bp_bot_other-secret"))
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(buf2.String()), "\n")+1, buf2.String())
	assert.NotContains(t, buf2.String(), "other-secret")
	assert.Len(t, strings.Split(strings.TrimSpace(buf.String()), "\n"), 3, "the call's logger replaces the client's")
}

// TestConfigInvalidTokenNotLeaked: a token that cannot go in a header
// fails the call without sending it, and neither the error nor the log
// shows it.
func TestConfigInvalidTokenNotLeaked(t *testing.T) {
	t.Parallel()
	const secret = "bp_pat_very-secret"
	s := newServer(t, cfgtUserOK)
	bad := client.WithToken(secret + "\r\nX-Injected: 1")

	// New refuses a token that cannot be a header value, without echoing it.
	_, err := client.New(client.WithBaseURL(s.URL), bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "token")
	assert.NotContains(t, err.Error(), secret)

	// The same token given to one call fails that call before sending.
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, s, client.WithLogger(logger))
	_, err = c.GetUser(context.Background(), "u1", bad)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)
	assert.NotContains(t, buf.String(), secret)
	assert.Empty(t, s.requests(), "nothing reaches the server")
}

// --- Concurrency ---

// cfgtEchoServer is a server that does not record requests, so that its
// handler can read their bodies.
func cfgtEchoServer(t *testing.T, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{Server: httptest.NewServer(h)}
	t.Cleanup(s.Close)
	return s
}

func TestConfigConcurrentCalls(t *testing.T) {
	t.Parallel()
	var flakySeen sync.Map
	var total atomic.Int64
	// Not newServer: its recording reads the body before the handler,
	// and this handler echoes the body.
	s := cfgtEchoServer(t, func(w http.ResponseWriter, r *http.Request) {
		total.Add(1)
		bot := r.Header.Get("x-bot-id")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/v1/chat/users":
			tag := r.URL.Query().Get("tags.caller")
			users := []map[string]any{{"id": "list-" + tag, "tags": map[string]string{"bot": bot, "caller": tag}}}
			b, _ := json.Marshal(map[string]any{"users": users, "meta": map[string]any{}})
			reply(w, 200, string(b))
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/chat/users/"):
			id := strings.TrimPrefix(r.URL.Path, "/v1/chat/users/")
			if strings.HasSuffix(id, "-flaky") {
				if _, loaded := flakySeen.LoadOrStore(id, true); !loaded {
					reply(w, 503, `{"type":"Internal","message":"once"}`)
					return
				}
			}
			tags := map[string]string{"bot": bot, "client": r.Header.Get("X-Client"), "caller": r.Header.Get("X-Caller")}
			b, _ := json.Marshal(map[string]any{"user": map[string]any{"id": id, "tags": tags}})
			reply(w, 200, string(b))
		case r.Method == http.MethodPost && r.URL.Path == "/v1/chat/messages":
			var in map[string]any
			if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
				reply(w, 400, `{"type":"InvalidPayload","message":"bad json"}`)
				return
			}
			msg := map[string]any{
				"id":             "msg-" + fmt.Sprint(in["conversationId"]),
				"conversationId": in["conversationId"],
				"userId":         in["userId"],
				"type":           in["type"],
				"payload":        in["payload"],
				"direction":      "outgoing",
				"tags":           map[string]string{"bot": bot},
			}
			b, _ := json.Marshal(map[string]any{"message": msg})
			reply(w, 200, string(b))
		default:
			reply(w, 404, `{"type":"ResourceNotFound","message":"no route"}`)
		}
	})
	c := newClient(t, s, client.WithHeader("X-Client", "shared"))

	const goroutines, calls = 50, 20
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			ctx := context.Background()
			for i := range calls {
				wantBot := "bot_1"
				var opts []client.Option
				if (g+i)%3 == 0 {
					wantBot = fmt.Sprintf("bot_g%d_c%d", g, i)
					opts = append(opts, client.WithBotID(wantBot))
				}
				key := fmt.Sprintf("g%d-c%d", g, i)
				switch i % 3 {
				case 0:
					id := "user-" + key
					if i%5 == 0 {
						id += "-flaky"
					}
					wantCaller := ""
					if i%2 == 0 {
						wantCaller = key
						opts = append(opts, client.WithHeader("X-Caller", key))
					}
					u, err := c.GetUser(ctx, id, opts...)
					if assert.NoError(t, err, key) {
						assert.Equal(t, id, u.User.ID, key)
						assert.Equal(t, wantBot, u.User.Tags["bot"], key)
						assert.Equal(t, "shared", u.User.Tags["client"], key)
						assert.Equal(t, wantCaller, u.User.Tags["caller"], key)
					}
				case 1:
					page, err := c.ListUsers(ctx, &gen.ListUsersParams{Tags: map[string]string{"caller": key}}, opts...)
					if assert.NoError(t, err, key) && assert.Len(t, page.Users, 1, key) {
						assert.Equal(t, "list-"+key, page.Users[0].ID, key)
						assert.Equal(t, wantBot, page.Users[0].Tags["bot"], key)
						assert.Equal(t, key, page.Users[0].Tags["caller"], key)
					}
				case 2:
					m, err := c.CreateMessage(ctx, gen.CreateMessageJSONRequestBody{
						ConversationID: "conv-" + key,
						UserID:         "user-" + key,
						Payload:        message.Text("hello " + key),
						Tags:           map[string]string{},
					}, opts...)
					if assert.NoError(t, err, key) {
						assert.Equal(t, "msg-conv-"+key, m.Message.ID, key)
						assert.Equal(t, "conv-"+key, m.Message.ConversationID, key)
						assert.Equal(t, "user-"+key, m.Message.UserID, key)
						p, err := message.Decode(m.Message.Type, m.Message.Payload)
						assert.NoError(t, err, key)
						assert.Equal(t, message.Text("hello "+key), p, key)
						assert.Equal(t, wantBot, m.Message.Tags["bot"], key)
					}
				}
			}
		})
	}
	wg.Wait()

	flaky := 0
	for i := range calls {
		if i%3 == 0 && i%5 == 0 {
			flaky += goroutines
		}
	}
	assert.Equal(t, int64(goroutines*calls+flaky), total.Load(), "one request per call, plus one retry per flaky user")
}

// Billing calls declare x-workspace-id as required: without a workspace ID
// the call fails before sending; with one it is sent.
func TestConfigRequiredScopeHeader(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"invoices":[],"meta":{}}`)
	})
	c := newClient(t, s)
	_, err := c.ListInvoices(context.Background(), nil)
	require.ErrorIs(t, err, client.ErrMissingArgument)
	assert.Contains(t, err.Error(), "x-workspace-id")
	assert.Empty(t, s.requests())

	_, err = c.ListInvoices(context.Background(), nil, client.WithWorkspaceID("ws_1"))
	require.NoError(t, err)
	assert.Equal(t, "ws_1", s.last(t).Header.Get("x-workspace-id"))
}

// TestConfigNilOptionIgnored: a nil Option is no option, for New and for a
// call. A call that took a params struct before the API dropped its last
// query parameter (getBot's shouldMergePlugins) still compiles with the
// caller's nil, which then lands among the options: it must not panic.
func TestConfigNilOptionIgnored(t *testing.T) {
	t.Parallel()
	s := newServer(t, cfgtUserOK)
	c, err := client.New(client.WithBaseURL(s.URL), client.WithToken("t"), nil)
	require.NoError(t, err)
	_, err = c.GetUser(context.Background(), "u1", nil)
	require.NoError(t, err)
	_, err = c.GetUser(context.Background(), "u1", nil, client.WithBotID("b"), nil)
	require.NoError(t, err)
	reqs := s.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "b", reqs[1].Header.Get("x-bot-id"), "the options around a nil one still apply")
}
