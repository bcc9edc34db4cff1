package client

import (
	"context"
	"errors"
	"net/http"
	"reflect"

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
// object the operation promises, or one that lacks a top-level field the
// API says it always sends (or has it null). It is
// errors.ErrMalformedResponse.
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

// malformed is the error of a success answer that lacks field, a
// required top-level field of the operation's answer (or has it null).
func (op operation) malformed(field string) error {
	return transport.Errorf("botpress: %s: %w: the answer lacks %q, which the API always sends", op.name, ErrMalformedResponse, field)
}

// zero reports whether *p is its type's zero value: a required parameter
// left unset. It takes a pointer so that nothing is copied or allocated.
func zero[T any](p *T) bool { return reflect.ValueOf(p).Elem().IsZero() }

// checkPath refuses a path parameter that is empty or a dot segment.
func (op operation) checkPath(name, value string) error {
	return transport.CheckPath(op.name, name, value)
}

// endpoint is the base URL the operations' paths are appended to.
type endpoint = transport.Endpoint

// newRequest builds the request of an operation for its first attempt; see
// transport.NewRequest.
func newRequest(ctx context.Context, base *endpoint, method string, body any, path string, params ...string) (*http.Request, error) {
	return transport.NewRequest(ctx, base, method, body, path, params...)
}

// call sends one operation and decodes its JSON answer into a new T.
func call[T any](ctx context.Context, c *Client, op operation, build transport.Builder, opts []Option) (*T, error) {
	body, err := c.send(ctx, op, build, opts)
	if err != nil {
		return nil, err
	}
	return transport.Decode[T](op.name, body)
}

// callEmpty sends an operation whose success answer carries nothing.
func callEmpty(ctx context.Context, c *Client, op operation, build transport.Builder, opts []Option) error {
	_, err := c.send(ctx, op, build, opts)
	return err
}

// send builds the request, adds the headers, and runs the attempts. It
// returns the body of a 2xx answer, an *errors.APIError for any other
// answer, or the transport error wrapped.
func (c *Client) send(ctx context.Context, op operation, build transport.Builder, opts []Option) ([]byte, error) {
	if ctx == nil {
		return nil, transport.Errorf("botpress: %s: nil context", op.name)
	}
	cfg, err := c.with(opts)
	if err != nil {
		return nil, transport.Errorf("botpress: %s: %w", op.name, transport.Unprefix(err))
	}
	ctx, end := cfg.CallContext(ctx)
	defer end()
	// The request is built for the first attempt, with the context that
	// attempt runs under (see transport.Config.FirstAttemptContext).
	actx, cancel := cfg.FirstAttemptContext(ctx)
	defer cancel()
	req, err := transport.Prepare(actx, op.name, cfg.endpoint, build, op.params)
	if err != nil {
		return nil, err
	}
	cfg.setHeaders(req)
	for _, h := range op.requiredHeaders {
		if req.Header.Get(h) == "" {
			return nil, transport.Errorf("botpress: %s: %w: the %s header; set it with an option such as WithWorkspaceID or the matching BP_ environment variable", op.name, ErrMissingArgument, h)
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

// setHeaders adds authentication, the scope headers and the extra headers,
// and Content-Type: application/json to a request with a body (newRequest's
// JSON). Scope headers already set by the operation's parameters are kept.
func (cfg *config) setHeaders(req *http.Request) {
	h := req.Header
	cfg.CopyHeader(h, isReserved)
	// What follows is h.Set(key, value) with keys already canonical and
	// values that validate made once for the config: each header gets a
	// slice of capacity 1 of cfg.headerValues, shared by every request of
	// the client, so that setting them allocates nothing. Nothing writes to
	// a header's values in place (http.Client copies the header before it
	// changes it, a RoundTripper must not modify the request, and appending
	// to a full slice, as Header.Add does, copies it), so sharing them is
	// safe.
	hv := cfg.headerValues
	set := func(key string, i int) { h[key] = hv[i : i+1 : i+1] }
	for _, s := range [...]struct {
		key   string
		value int
	}{
		{canonicalBotID, hvBotID},
		{canonicalWorkspaceID, hvWorkspaceID},
		{canonicalIntegrationID, hvIntegrationID},
		{canonicalIntegrationAlias, hvIntegrationAlias},
	} {
		if vs := h[s.key]; hv[s.value] != "" && (len(vs) == 0 || vs[0] == "") {
			set(s.key, s.value)
		}
	}
	set("Authorization", hvAuthorization)
	set("Accept", hvJSON)
	if transport.HasBody(req) && len(h["Content-Type"]) == 0 {
		set("Content-Type", hvJSON)
	}
	if hv[hvUserAgent] != "" {
		set("User-Agent", hvUserAgent)
	}
}

// The indexes of config.headerValues.
const (
	hvBotID = iota
	hvWorkspaceID
	hvIntegrationID
	hvIntegrationAlias
	hvAuthorization
	hvJSON // "application/json", for Accept and Content-Type
	hvUserAgent
	hvCount
)

// makeHeaderValues returns the values setHeaders sends, in the order of the
// hv constants.
func (cfg *config) makeHeaderValues() []string {
	hv := make([]string, hvCount)
	hv[hvBotID] = cfg.botID
	hv[hvWorkspaceID] = cfg.workspaceID
	hv[hvIntegrationID] = cfg.integrationID
	hv[hvIntegrationAlias] = cfg.integrationAlias
	hv[hvAuthorization] = "Bearer " + cfg.token
	hv[hvJSON] = "application/json"
	hv[hvUserAgent] = cfg.UserAgent
	return hv
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
