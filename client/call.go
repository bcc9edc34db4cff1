package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"

	bperrors "github.com/botpress-go/sdk/errors"
)

// ErrMissingArgument is wrapped by the error a call returns, before sending
// anything, when a path parameter is empty or required parameters are nil.
var ErrMissingArgument = errors.New("missing argument")

// ErrInvalidArgument is wrapped by the error a call returns, before sending
// anything, when a path parameter is "." or "..", which would change the
// path the request goes to.
var ErrInvalidArgument = errors.New("invalid argument")

// ErrMalformedResponse is wrapped by the error a call returns when the
// server answered with a success status but a body that is not the JSON
// object the operation promises.
var ErrMalformedResponse = errors.New("malformed response")

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

func (op operation) missing(what string) error {
	return fmt.Errorf("botpress: %s: %w: %s is empty", op.name, ErrMissingArgument, what)
}

// checkPath refuses a path parameter that is empty or a dot segment.
func (op operation) checkPath(name, value string) error {
	switch value {
	case "":
		return op.missing(name)
	case ".", "..":
		return fmt.Errorf("botpress: %s: %w: %s is %q", op.name, ErrInvalidArgument, name, value)
	}
	return nil
}

// newRequest builds the request of an operation, as oapi-codegen's request
// builders do (NewXxxRequest(server, ..., nil, body)) but without parsing
// URLs three times: method; the URL made of server, the base URL resolved
// as a directory ("https://host/prefix/"), and path, the spec's path with
// %s in place of each path parameter, filled with params escaped by
// url.PathEscape; and, when body is not nil, body encoded by json.Marshal
// and sent as application/json.
//
// The URL is the one the builders make: they resolve "./"+path against
// server, which gives server resolved against "./" (what config.server
// holds) followed by path, as long as path has no "." or ".." segment: the
// spec's paths have none, and checkPath refuses them as path parameters.
func newRequest(method, server string, body any, path string, params ...string) (*http.Request, error) {
	path = strings.TrimPrefix(path, "/")
	var u strings.Builder
	u.Grow(len(server) + len(path) + 48*len(params))
	u.WriteString(server)
	for _, p := range params {
		i := strings.Index(path, "%s")
		if i < 0 {
			return nil, fmt.Errorf("path %q has fewer parameters than the %d given", path, len(params))
		}
		u.WriteString(path[:i])
		u.WriteString(url.PathEscape(p))
		path = path[i+len("%s"):]
	}
	u.WriteString(path)
	var r io.Reader
	if body != nil {
		buf, err := json.Marshal(nilSafe(body))
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, u.String(), r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Add("Content-Type", "application/json")
	}
	return req, nil
}

// call sends one operation and decodes its JSON answer into a new T.
func call[T any](ctx context.Context, c *Client, op operation, build func(server string) (*http.Request, error), opts []Option) (*T, error) {
	body, err := c.send(ctx, op, build, opts)
	if err != nil {
		return nil, err
	}
	out := new(T)
	if err := decodeObject(body, out); err != nil {
		return nil, fmt.Errorf("botpress: %s: %w: %v", op.name, ErrMalformedResponse, err)
	}
	return out, nil
}

// callEmpty sends an operation whose success answer carries nothing.
func callEmpty(ctx context.Context, c *Client, op operation, build func(server string) (*http.Request, error), opts []Option) error {
	_, err := c.send(ctx, op, build, opts)
	return err
}

// decodeObject decodes a JSON answer into out, refusing empty bodies, null,
// and a JSON value of another kind than out (an object for a struct or a
// map, an array for a slice).
func decodeObject(body []byte, out any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return errors.New("empty body")
	}
	want := byte('{')
	if k := reflect.TypeOf(out).Elem().Kind(); k == reflect.Slice || k == reflect.Array {
		want = '['
	}
	if trimmed[0] != want {
		return fmt.Errorf("body is not a JSON %s: %.40q", map[byte]string{'{': "object", '[': "array"}[want], trimmed)
	}
	return json.Unmarshal(trimmed, out)
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
		return nil, fmt.Errorf("botpress: %s: %w", op.name, unprefix(err))
	}
	// The base URL as a directory, whose trailing slash keeps a path
	// prefix (https://proxy/botpress) in front of the operation's path.
	server := cfg.server
	if server == "" {
		server = cfg.baseURL + "/"
	}
	req, err := build(server)
	if err != nil {
		return nil, fmt.Errorf("botpress: %s: building request: %w", op.name, err)
	}
	if op.params != nil {
		q, err := encodeQuery(op.params)
		if err != nil {
			return nil, fmt.Errorf("botpress: %s: encoding query: %w", op.name, err)
		}
		req.URL.RawQuery = q
		if err := encodeHeaders(op.params, req.Header); err != nil {
			return nil, fmt.Errorf("botpress: %s: encoding headers: %w", op.name, err)
		}
	}
	cfg.setHeaders(req)
	for _, h := range op.requiredHeaders {
		if req.Header.Get(h) == "" {
			return nil, fmt.Errorf("botpress: %s: %w: the %s header; set it with an option such as WithWorkspaceID or the matching BP_ environment variable", op.name, ErrMissingArgument, h)
		}
	}
	body, err := cfg.do(ctx, op.name, req)
	if err != nil && op.scopes != 0 {
		var apiErr *bperrors.APIError
		if errors.As(err, &apiErr) {
			apiErr.Hint = op.hint(apiErr.StatusCode, req)
		}
	}
	return body, err
}

// do sends req, retrying as the config allows, and returns the body of a
// 2xx answer, an *errors.APIError for any other answer, or the transport
// error wrapped. It adds no header: the caller has set them.
//
// When the client has a pacer (WithRateLimit), each attempt, retries
// included, first waits for it, and the answer's rate-limit headers are
// handed back to it.
func (cfg *config) do(ctx context.Context, name string, req *http.Request) ([]byte, error) {
	repeatable := cfg.idempotent || isIdempotent(req.Method)
	// A body that cannot be read twice cannot be sent again.
	resendable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	for attempt := 0; ; attempt++ {
		var turn uint64
		if cfg.pacer != nil {
			var err error
			if turn, err = cfg.pacer.wait(ctx); err != nil {
				return nil, fmt.Errorf("botpress: %s: waiting for the rate limit: %w", name, err)
			}
		}
		var start time.Time
		if cfg.logger != nil {
			start = time.Now()
		}
		res, err := cfg.attempt(ctx, req, attempt)
		if cfg.pacer != nil {
			cfg.pacer.observe(turn, res.header, time.Now())
		}
		if cfg.logger != nil {
			cfg.log(ctx, req, res, err, attempt, time.Since(start))
		}
		if err == nil && res.status >= 200 && res.status < 300 {
			return res.body, nil
		}
		if ctx.Err() != nil {
			// The caller gave up: report that, whatever the attempt saw.
			return nil, fmt.Errorf("botpress: %s: %w", name, ctx.Err())
		}
		var apiErr *bperrors.APIError
		if err == nil {
			apiErr = bperrors.FromResponse(res.status, res.header, res.body)
			apiErr.Operation, apiErr.Method, apiErr.Path = name, req.Method, req.URL.Path
			scrubToken(apiErr, cfg.token)
		}
		wait, again := cfg.retryWait(attempt, repeatable, resendable, res, err)
		if !again {
			if apiErr != nil {
				return nil, apiErr
			}
			if attempt > 0 {
				return nil, fmt.Errorf("botpress: %s: after %d attempts: %w", name, attempt+1, err)
			}
			return nil, fmt.Errorf("botpress: %s: %w", name, err)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("botpress: %s: waiting to retry: %w", name, err)
		}
	}
}

// scrubToken masks the token where a server echoed it back (a proxy's
// "invalid token bp_pat_..." page, say), so that no error string carries it.
func scrubToken(e *bperrors.APIError, token string) {
	if len(token) < 4 {
		return // too short to tell apart from ordinary text
	}
	const mask = "[token]"
	e.Message = strings.ReplaceAll(e.Message, token, mask)
	e.ID = strings.ReplaceAll(e.ID, token, mask)
	e.Type = strings.ReplaceAll(e.Type, token, mask)
	if bytes.Contains(e.Body, []byte(token)) {
		e.Body = bytes.ReplaceAll(e.Body, []byte(token), []byte(mask))
	}
}

// unprefix drops the "botpress: " of an option error, which send adds back
// with the operation's name.
func unprefix(err error) error {
	if s, ok := strings.CutPrefix(err.Error(), "botpress: "); ok {
		return errors.New(s)
	}
	return err
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
	for k, vs := range cfg.header {
		if isReserved(k) {
			continue
		}
		for _, v := range vs {
			h.Add(k, v)
		}
	}
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
	if cfg.userAgent != "" {
		set("User-Agent", cfg.userAgent)
	}
}

func isReserved(key string) bool {
	switch http.CanonicalHeaderKey(key) {
	case "Authorization", "X-Bot-Id", "X-Workspace-Id", "X-Integration-Id", "X-Integration-Alias":
		return true
	}
	return false
}

// result is what one attempt got back.
type result struct {
	status int
	header http.Header
	body   []byte
}

// attempt sends the request once, within the per-attempt timeout, and
// reads the whole answer.
func (cfg *config) attempt(ctx context.Context, req *http.Request, n int) (result, error) {
	if cfg.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.timeout)
		defer cancel()
	}
	var r *http.Request
	if cfg.httpClient.Jar == nil {
		// Neither http.Client nor a RoundTripper (which must not modify
		// the request) writes to the request's header or URL, so a shallow
		// copy carrying the attempt's context is enough: no need to copy
		// them for every attempt.
		r = req.WithContext(ctx)
	} else {
		// http.Client adds the jar's cookies to the header of the request
		// it is given: each attempt gets its own copy of the original.
		r = req.Clone(ctx)
	}
	if n > 0 && req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return result{}, err
		}
		r.Body = body
	}
	resp, err := cfg.httpClient.Do(r)
	if err != nil {
		// Pre-signed storage URLs carry their signature in the query.
		return result{}, redactErr(err)
	}
	defer resp.Body.Close()
	body, err := readBody(resp.Body, resp.ContentLength)
	res := result{status: resp.StatusCode, header: resp.Header, body: body}
	if err != nil {
		return res, fmt.Errorf("reading %d answer: %w", resp.StatusCode, err)
	}
	if len(body) > MaxResponseBody {
		return res, errTooLarge
	}
	return res, nil
}

var errTooLarge = fmt.Errorf("answer larger than %d bytes", MaxResponseBody)

// maxSizeHint bounds the buffer readBody reserves from the announced size,
// so that a wrong Content-Length cannot make it reserve much more than the
// answer holds.
const maxSizeHint = 1 << 20

// readBody reads r to its end, or to MaxResponseBody+1 bytes if it is
// longer (so that the caller can tell), like
// io.ReadAll(io.LimitReader(r, MaxResponseBody+1)). It starts from a buffer
// of the announced size (size, -1 when unknown; up to maxSizeHint) plus one
// byte, so that an answer of the size announced is read into one
// allocation, where io.ReadAll would grow its buffer several times.
func readBody(r io.Reader, size int64) ([]byte, error) {
	const limit = MaxResponseBody + 1
	capacity := 512
	if size >= 0 {
		capacity = int(min(size, maxSizeHint)) + 1
	}
	b := make([]byte, 0, capacity)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // grow as append does
		}
		buf := b[len(b):cap(b)]
		if rest := limit - len(b); len(buf) > rest {
			buf = buf[:rest]
		}
		if len(buf) == 0 {
			return b, nil
		}
		n, err := r.Read(buf)
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// log writes one debug record for an attempt. It never logs headers.
func (cfg *config) log(ctx context.Context, req *http.Request, res result, err error, attempt int, d time.Duration) {
	if cfg.logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("path", req.URL.Path),
		slog.Int("attempt", attempt+1),
		slog.Duration("duration", d),
	}
	if res.status != 0 {
		attrs = append(attrs, slog.Int("status", res.status))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	cfg.logger.LogAttrs(ctx, slog.LevelDebug, "botpress request", attrs...)
}
