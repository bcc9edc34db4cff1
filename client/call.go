package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/internal/transport"
)

// ErrMissingArgument is wrapped by the error a call returns, before sending
// anything, when a path parameter is empty or required parameters are nil.
var ErrMissingArgument = transport.ErrMissingArgument

// ErrInvalidArgument is wrapped by the error a call returns, before sending
// anything, when a path parameter is "." or "..", which would change the
// path the request goes to.
var ErrInvalidArgument = transport.ErrInvalidArgument

// ErrMalformedResponse is wrapped by the error a call returns when the
// server answered with a success status but a body that is not the JSON
// object the operation promises.
var ErrMalformedResponse = transport.ErrMalformedResponse

// operation describes one call for the generic machinery below; the
// generated methods fill it in.
type operation struct {
	name   string // operationId, as in the spec
	method string
	path   string // path template, as in the spec
	params any    // *gen.XxxParams with its query and header parameters, or nil
	// requiredHeaders are scope headers the operation cannot do without,
	// such as billing's x-workspace-id.
	requiredHeaders []string
	// scopes are the scope headers that say what the operation acts on;
	// an error answer to a call that sent none of them gets a hint naming
	// the option to set.
	scopes scope
}

// scope is a set of scope headers.
type scope uint8

const (
	scopeBot         scope = 1 << iota // x-bot-id
	scopeWorkspace                     // x-workspace-id
	scopeIntegration                   // x-integration-id
)

// scopeHints are, in the order hint tries them, each scope header and how
// to set it.
var scopeHints = [...]struct {
	scope  scope
	header string
	hint   string
}{
	{scopeBot, HeaderBotID, "no bot ID was set: use client.WithBotID or BP_BOT_ID"},
	{scopeWorkspace, HeaderWorkspaceID, "no workspace ID was set: use client.WithWorkspaceID or BP_WORKSPACE_ID"},
	{scopeIntegration, HeaderIntegrationID, "no integration ID was set: use client.WithIntegrationID or BP_INTEGRATION_ID"},
}

// hint returns what to add to an error answer of status to req: the fix
// for the first scope header of the operation that req did not send, for
// the statuses a missing scope causes (400, 401, 403, 404).
func (op operation) hint(status int, req *http.Request) string {
	switch status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
	default:
		return ""
	}
	for _, s := range scopeHints {
		if op.scopes&s.scope != 0 && req.Header.Get(s.header) == "" {
			return s.hint
		}
	}
	return ""
}

func (op operation) missing(what string) error { return transport.Missing(op.name, what) }

// checkPath refuses a path parameter that is empty or a dot segment.
func (op operation) checkPath(name, value string) error {
	return transport.CheckPath(op.name, name, value)
}

// newRequest builds the request of an operation; see transport.NewRequest.
func newRequest(method, server string, body any, path string, params ...string) (*http.Request, error) {
	return transport.NewRequest(method, server, body, path, params...)
}

// call sends one operation and decodes its JSON answer into a new T.
func call[T any](ctx context.Context, c *Client, op operation, build func(server string) (*http.Request, error), opts []Option) (*T, error) {
	body, err := c.send(ctx, op, build, opts)
	if err != nil {
		return nil, err
	}
	return transport.Decode[T](op.name, body)
}

// callEmpty sends an operation whose success answer carries nothing.
func callEmpty(ctx context.Context, c *Client, op operation, build func(server string) (*http.Request, error), opts []Option) error {
	_, err := c.send(ctx, op, build, opts)
	return err
}

// send builds the request, adds the headers, and runs the attempts. It
// returns the body of a 2xx answer, an *errors.APIError for any other
// answer, or the transport error wrapped.
func (c *Client) send(ctx context.Context, op operation, build func(server string) (*http.Request, error), opts []Option) ([]byte, error) {
	if ctx == nil {
		return nil, fmt.Errorf("botpress: %s: nil context", op.name)
	}
	cfg, err := c.with(opts)
	if err != nil {
		return nil, fmt.Errorf("botpress: %s: %w", op.name, transport.Unprefix(err))
	}
	// The base URL as a directory, whose trailing slash keeps a path
	// prefix (https://proxy/botpress) in front of the operation's path.
	server := cfg.server
	if server == "" {
		server = cfg.baseURL + "/"
	}
	req, err := transport.Prepare(op.name, server, build, op.params)
	if err != nil {
		return nil, err
	}
	cfg.setHeaders(req)
	for _, h := range op.requiredHeaders {
		if req.Header.Get(h) == "" {
			return nil, fmt.Errorf("botpress: %s: %w: the %s header; set it with an option such as WithWorkspaceID or the matching BP_ environment variable", op.name, ErrMissingArgument, h)
		}
	}
	body, err := cfg.Do(ctx, op.name, req)
	if err != nil && op.scopes != 0 {
		var apiErr *bperrors.APIError
		if errors.As(err, &apiErr) {
			apiErr.Hint = op.hint(apiErr.StatusCode, req)
		}
	}
	return body, err
}

// The canonical forms of the scope headers, the keys http.Header.Set would
// use, so that setHeaders need not compute them for every request.
var (
	canonicalBotID            = http.CanonicalHeaderKey(HeaderBotID)
	canonicalWorkspaceID      = http.CanonicalHeaderKey(HeaderWorkspaceID)
	canonicalIntegrationID    = http.CanonicalHeaderKey(HeaderIntegrationID)
	canonicalIntegrationAlias = http.CanonicalHeaderKey(HeaderIntegrationAlias)
)

// setHeaders adds authentication, the scope headers and the extra headers.
// Scope headers already set by the operation's parameters are kept.
func (cfg *config) setHeaders(req *http.Request) {
	h := req.Header
	cfg.CopyHeader(h, isReserved)
	// What follows is h.Set(key, value) with keys already canonical, and the
	// values, one each, sharing one array: one allocation instead of one per
	// header. Each gets a slice of capacity 1, so that appending to one (as
	// Header.Add does) cannot write over the next.
	values := make([]string, 0, 7)
	set := func(key, value string) {
		values = append(values, value)
		n := len(values)
		h[key] = values[n-1 : n : n]
	}
	for _, s := range [...]struct{ key, value string }{
		{canonicalBotID, cfg.botID},
		{canonicalWorkspaceID, cfg.workspaceID},
		{canonicalIntegrationID, cfg.integrationID},
		{canonicalIntegrationAlias, cfg.integrationAlias},
	} {
		if vs := h[s.key]; s.value != "" && (len(vs) == 0 || vs[0] == "") {
			set(s.key, s.value)
		}
	}
	auth := cfg.authorization
	if auth == "" {
		auth = "Bearer " + cfg.token
	}
	set("Authorization", auth)
	set("Accept", "application/json")
	if cfg.UserAgent != "" {
		set("User-Agent", cfg.UserAgent)
	}
}

// isReserved reports whether a header (its canonical key) is one that
// setHeaders sets, which WithHeader cannot replace.
func isReserved(key string) bool {
	switch key {
	case "Authorization", "X-Bot-Id", "X-Workspace-Id", "X-Integration-Id", "X-Integration-Alias":
		return true
	}
	return false
}
