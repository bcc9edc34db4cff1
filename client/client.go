// Package client calls the Botpress Cloud API.
//
// A Client carries the token, the base URL and the scope headers (bot,
// workspace, integration), retries what is safe to retry, and turns error
// answers into *errors.APIError values. It has one typed method per
// operation of api/openapi.yaml (generated into operations.gen.go) and, for
// every list operation, a walker that ranges over all items page by page:
//
//	c, err := client.New(client.WithBotID("bot_..."))  // token from BP_TOKEN
//	for conv, err := range c.AllConversations(ctx, nil) {
//		if err != nil { ... }
//		fmt.Println(conv.ID)
//	}
//
// The request and response types live in package gen. Every option works
// both on New and on a single call; the call's options win.
package client

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Defaults used when neither an option nor the environment says otherwise.
const (
	DefaultBaseURL    = "https://api.botpress.cloud"
	DefaultTimeout    = 60 * time.Second
	DefaultMaxRetries = 3
	DefaultUserAgent  = "botpress-go"
	// DefaultRetryBaseDelay and DefaultRetryMaxDelay bound the exponential backoff.
	DefaultRetryBaseDelay = 500 * time.Millisecond
	DefaultRetryMaxDelay  = 8 * time.Second
	// DefaultMaxRetryAfter is the longest Retry-After the client waits for;
	// a longer one ends the retries and returns the error.
	DefaultMaxRetryAfter = 60 * time.Second
	// MaxResponseBody bounds the body read from a successful answer.
	MaxResponseBody = 100 << 20
)

// Environment variables read by New when the matching option is not given.
const (
	EnvToken         = "BP_TOKEN"
	EnvAPIURL        = "BP_API_URL"
	EnvWorkspaceID   = "BP_WORKSPACE_ID"
	EnvBotID         = "BP_BOT_ID"
	EnvIntegrationID = "BP_INTEGRATION_ID"
)

// The scope headers, sent when configured.
const (
	HeaderBotID            = "x-bot-id"
	HeaderWorkspaceID      = "x-workspace-id"
	HeaderIntegrationID    = "x-integration-id"
	HeaderIntegrationAlias = "x-integration-alias"
)

// Client calls the Botpress API. It is safe for concurrent use; create one
// and share it.
type Client struct {
	cfg config
}

// config is everything an Option can set. A call works on a copy of the
// client's config with the call's options applied.
type config struct {
	token            string
	baseURL          string
	botID            string
	workspaceID      string
	integrationID    string
	integrationAlias string
	httpClient       *http.Client
	timeout          time.Duration
	userAgent        string
	header           http.Header
	maxRetries       int
	retryBase        time.Duration
	retryMax         time.Duration
	maxRetryAfter    time.Duration
	logger           *slog.Logger
	idempotent       bool
	rateLimit        *rateLimit // set by WithRateLimit; New makes pacer from it
	pacer            *pacer     // shared by every call of the client
	rowsInFlight     int        // InsertRows, UpdateRows, UpsertRows: calls at once; 0 for DefaultRowsInFlight
	rowsPerCall      int        // ... and rows a call; 0 for MaxRowsPerCall
	err              error

	// Derived by validate from the settings above, once per client (or per
	// call with options) rather than once per request.
	endpoint     *endpoint // baseURL resolved as a directory: "https://host/prefix/"
	headerValues []string  // the values of the headers setHeaders sets, see makeHeaderValues
}

// New returns a Client. Settings not given as options are read from the
// environment (BP_TOKEN, BP_API_URL, BP_WORKSPACE_ID, BP_BOT_ID,
// BP_INTEGRATION_ID), then fall back to the defaults. New fails when no
// token is set, or when an option is invalid.
func New(opts ...Option) (*Client, error) {
	cfg := config{
		token:         os.Getenv(EnvToken),
		baseURL:       os.Getenv(EnvAPIURL),
		botID:         os.Getenv(EnvBotID),
		workspaceID:   os.Getenv(EnvWorkspaceID),
		integrationID: os.Getenv(EnvIntegrationID),
		timeout:       DefaultTimeout,
		userAgent:     DefaultUserAgent,
		maxRetries:    DefaultMaxRetries,
		retryBase:     DefaultRetryBaseDelay,
		retryMax:      DefaultRetryMaxDelay,
		maxRetryAfter: DefaultMaxRetryAfter,
	}
	if cfg.baseURL == "" {
		cfg.baseURL = DefaultBaseURL
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.idempotent {
		return nil, errors.New("botpress: WithIdempotent applies to one call; pass it to the call, not to New")
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.token == "" {
		return nil, fmt.Errorf("botpress: no token: set %s or pass client.WithToken", EnvToken)
	}
	if cfg.httpClient == nil {
		cfg.httpClient = &http.Client{}
	}
	cfg.httpClient = guardRedirects(cfg.httpClient)
	if cfg.rateLimit != nil {
		cfg.pacer = newPacer(cfg.rateLimit.rps, cfg.rateLimit.burst, cfg.maxRetryAfter)
	}
	return &Client{cfg: cfg}, nil
}

// validate reports the first invalid setting.
func (cfg *config) validate() error {
	if cfg.err != nil {
		return cfg.err
	}
	u, err := url.Parse(cfg.baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("botpress: base URL %q is not an absolute http(s) URL", cfg.baseURL)
	}
	cfg.baseURL = strings.TrimRight(cfg.baseURL, "/")
	// The operations' paths are resolved against the base URL as a
	// directory, so that a path prefix (https://proxy/botpress) stays in
	// front of them. Resolving "./" once gives the prefix every request URL
	// starts with: resolving "./v1/..." gives the same URL with the
	// operation's path appended, as the path has no dot segments.
	server, err := url.Parse(cfg.baseURL + "/")
	if err != nil {
		return fmt.Errorf("botpress: base URL %q is not an absolute http(s) URL", cfg.baseURL)
	}
	if cfg.endpoint, err = newEndpoint(server.ResolveReference(&url.URL{Path: "./"}).String()); err != nil {
		return fmt.Errorf("botpress: base URL %q is not an absolute http(s) URL", cfg.baseURL)
	}
	cfg.headerValues = cfg.makeHeaderValues()
	for _, h := range []struct{ what, value string }{
		{"token", cfg.token}, {"bot ID", cfg.botID}, {"workspace ID", cfg.workspaceID},
		{"integration ID", cfg.integrationID}, {"integration alias", cfg.integrationAlias},
		{"user agent", cfg.userAgent},
	} {
		if !validHeaderValue(h.value) {
			// Never print the value: it may be the token.
			return fmt.Errorf("botpress: the %s contains a control character", h.what)
		}
	}
	for k, vs := range cfg.header {
		for _, v := range vs {
			if !validHeaderValue(v) || !validHeaderValue(k) {
				return fmt.Errorf("botpress: header %q has a control character", k)
			}
		}
	}
	return nil
}

// validHeaderValue reports whether v can be sent in a header: no control
// characters other than tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// with returns the config for one call: the client's, with opts applied.
func (c *Client) with(opts []Option) (config, error) {
	if len(opts) == 0 {
		// Kept apart from withOptions, whose cfg escapes to the heap
		// (options get its address): a call without options allocates
		// nothing here.
		return c.cfg, nil
	}
	return c.withOptions(opts)
}

// withOptions is with for a call that has options.
func (c *Client) withOptions(opts []Option) (config, error) {
	cfg := c.cfg
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return cfg, err
	}
	if cfg.rateLimit != c.cfg.rateLimit {
		// A pacer made for one call would pace nothing: the limit is the
		// client's, shared by all its calls.
		return cfg, errors.New("botpress: WithRateLimit applies to a client; pass it to New, not to a call")
	}
	if cfg.httpClient == nil {
		cfg.httpClient = c.cfg.httpClient
	} else if cfg.httpClient != c.cfg.httpClient {
		cfg.httpClient = guardRedirects(cfg.httpClient)
	}
	return cfg, nil
}

// credentialHeaders are the headers a redirect to another origin must not
// carry.
var credentialHeaders = []string{
	"Authorization", "Proxy-Authorization", "Cookie", "Cookie2",
	"Www-Authenticate", "Proxy-Authenticate",
}

// guardRedirects returns a copy of hc (same transport, jar and timeout)
// whose redirect policy removes the credentials from a redirect that
// leaves the origin (scheme, host and port) of the first request. net/http
// removes them only when the host name changes, so on its own it sends the
// token to another port of the same host, or from https to http. hc's own
// CheckRedirect, if any, runs afterwards; without one, the default limit of
// 10 redirects applies.
func guardRedirects(hc *http.Client) *http.Client {
	guarded := *hc
	next := hc.CheckRedirect
	guarded.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 && origin(req.URL) != origin(via[0].URL) {
			for _, h := range credentialHeaders {
				req.Header.Del(h)
			}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &guarded
}

// origin is the scheme, host and port of u, with the scheme's default port
// when u names none.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// BaseURL returns the API address the client calls.
func (c *Client) BaseURL() string { return c.cfg.baseURL }

// BotID returns the bot the client acts on (the x-bot-id it sends), from
// WithBotID or BP_BOT_ID; "" when none was set.
func (c *Client) BotID() string { return c.cfg.botID }

// WorkspaceID returns the workspace the client acts on (the x-workspace-id
// it sends), from WithWorkspaceID or BP_WORKSPACE_ID; "" when none was set.
func (c *Client) WorkspaceID() string { return c.cfg.workspaceID }

// IntegrationID returns the integration the client calls as (the
// x-integration-id it sends), from WithIntegrationID or BP_INTEGRATION_ID;
// "" when none was set.
func (c *Client) IntegrationID() string { return c.cfg.integrationID }

// Ptr returns a pointer to v, for the optional fields of request bodies and
// parameters, which are pointers so that "not set" differs from a zero
// value: gen.GetOrCreateUserJSONRequestBody{Name: client.Ptr("Ada")}.
func Ptr[T any](v T) *T { return &v }
