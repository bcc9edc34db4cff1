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
//
// The guides (calls and configuration, messages, files, tables, pagination,
// errors and retries, the Chat API, testing offline) are in the repository's
// docs directory: https://github.com/botpress-go/sdk/tree/main/docs. Version is
// this SDK's version, which clients send in their User-Agent.
package client

import (
	"errors"
	"net/http"
	"os"
	"time"

	"github.com/botpress-go/sdk/internal/transport"
)

// Defaults used when neither an option nor the environment says otherwise.
const (
	DefaultBaseURL    = "https://api.botpress.cloud"
	DefaultTimeout    = transport.DefaultTimeout
	DefaultMaxRetries = transport.DefaultMaxRetries
	// DefaultRetryBaseDelay and DefaultRetryMaxDelay bound the exponential backoff.
	DefaultRetryBaseDelay = transport.DefaultRetryBaseDelay
	DefaultRetryMaxDelay  = transport.DefaultRetryMaxDelay
	// DefaultMaxRetryAfter is the longest Retry-After the client waits for;
	// a longer one ends the retries and returns the error.
	DefaultMaxRetryAfter = transport.DefaultMaxRetryAfter
	// MaxResponseBody bounds the body read from a successful answer.
	MaxResponseBody = transport.MaxResponseBody
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
// client's config with the call's options applied. How requests are sent
// (HTTP client, timeout, retries, logger, user agent, extra headers) is the
// embedded transport.Config, shared with package chat.
type config struct {
	transport.Config
	token            string
	baseURL          string
	botID            string
	workspaceID      string
	integrationID    string
	integrationAlias string
	rateLimit        *rateLimit    // set by WithRateLimit; New makes pacer from it
	pacer            *pacer        // shared by every call of the client
	rowsInFlight     int           // InsertRows, UpdateRows, UpsertRows: calls at once; 0 for DefaultRowsInFlight
	rowsPerCall      int           // ... and rows a call; 0 for MaxRowsPerCall
	pollFirst        time.Duration // WaitFileIndexed, WaitTableJob: first wait; 0 for DefaultPollInterval
	pollMax          time.Duration // ... and the longest; 0 for DefaultMaxPollInterval

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
		Config:        transport.Defaults(),
		token:         os.Getenv(EnvToken),
		baseURL:       os.Getenv(EnvAPIURL),
		botID:         os.Getenv(EnvBotID),
		workspaceID:   os.Getenv(EnvWorkspaceID),
		integrationID: os.Getenv(EnvIntegrationID),
	}
	if cfg.baseURL == "" {
		cfg.baseURL = DefaultBaseURL
	}
	transport.Apply(&cfg, opts)
	if cfg.Idempotent {
		return nil, errors.New("botpress: WithIdempotent applies to one call; pass it to the call, not to New")
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.token == "" {
		return nil, transport.Errorf("botpress: no token: set %s or pass client.WithToken", EnvToken)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	cfg.HTTPClient = transport.GuardRedirects(cfg.HTTPClient)
	if cfg.rateLimit != nil {
		cfg.pacer = newPacer(cfg.rateLimit.rps, cfg.rateLimit.burst, cfg.MaxRetryAfter)
		cfg.Pacer = cfg.pacer
	}
	return &Client{cfg: cfg}, nil
}

// validate reports the first invalid setting, and derives the server URL,
// the Authorization header and the secret errors must not show.
func (cfg *config) validate() error {
	if cfg.Err != nil {
		return cfg.Err
	}
	var err error
	if cfg.baseURL, cfg.endpoint, err = transport.ResolveBase(cfg.baseURL); err != nil {
		return err
	}
	cfg.headerValues = cfg.makeHeaderValues()
	cfg.Secret = cfg.token
	return cfg.CheckHeaders(
		transport.Named{What: "token", Value: cfg.token}, transport.Named{What: "bot ID", Value: cfg.botID},
		transport.Named{What: "workspace ID", Value: cfg.workspaceID}, transport.Named{What: "integration ID", Value: cfg.integrationID},
		transport.Named{What: "integration alias", Value: cfg.integrationAlias},
	)
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
	transport.Apply(&cfg, opts)
	if err := cfg.validate(); err != nil {
		return cfg, err
	}
	if cfg.rateLimit != c.cfg.rateLimit {
		// A pacer made for one call would pace nothing: the limit is the
		// client's, shared by all its calls.
		return cfg, errors.New("botpress: WithRateLimit applies to a client; pass it to New, not to a call")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = c.cfg.HTTPClient
	} else if cfg.HTTPClient != c.cfg.HTTPClient {
		cfg.HTTPClient = transport.GuardRedirects(cfg.HTTPClient)
	}
	return cfg, nil
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
