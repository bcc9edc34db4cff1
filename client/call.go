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

// endpoint is what the operations' paths are appended to: the base URL
// resolved as a directory ("https://host/prefix/"), as a string and parsed
// once per client.
type endpoint struct {
	raw string   // "https://host/prefix/"
	url *url.URL // url.Parse(raw), its host without an empty port
}

// newEndpoint parses raw, the base URL resolved as a directory.
func newEndpoint(raw string) (*endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	u.Host = removeEmptyPort(u.Host)
	return &endpoint{raw: raw, url: u}, nil
}

// removeEmptyPort drops the colon of a host with an empty port
// ("host:"), as http.NewRequest does.
func removeEmptyPort(host string) string {
	return strings.TrimSuffix(host, ":")
}

// newRequest builds the request of an operation for its first attempt,
// with ctx as its context, as oapi-codegen's request builders do (internal/reference)
// (NewXxxRequest(server, ..., nil, body)) but without parsing URLs: method;
// the URL made of base and path, the spec's path with %s in place of each
// path parameter, filled with params escaped by url.PathEscape (see
// fillURL); and, when body is not nil, body encoded by json.Marshal (the
// header Content-Type: application/json is set by setHeaders).
func newRequest(ctx context.Context, base *endpoint, method string, body any, path string, params ...string) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		buf, err := json.Marshal(nilSafe(body))
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(buf)
	}
	// An empty URL parses to an empty *url.URL without looking at
	// anything: fillURL fills it in.
	req, err := http.NewRequestWithContext(ctx, method, "", r)
	if err != nil {
		return nil, err
	}
	if err := fillURL(req.URL, base, path, params); err != nil {
		return nil, err
	}
	req.Host = req.URL.Host
	return req, nil
}

// fillURL sets u to the URL that url.Parse makes of base.raw followed by
// path (without its leading slash) with each %s replaced by the next of
// params escaped by url.PathEscape. That is the URL oapi-codegen's builders
// make: they resolve "./"+path against the base URL, which gives the base
// resolved against "./" (base.raw) followed by path, as long as path has no
// "." or ".." segment: the spec's paths have none, and checkPath refuses
// them as path parameters.
//
// When neither the base's path, nor path's text, nor any parameter needs
// escaping (the usual case: IDs are letters, digits and underscores), the
// URL is built from base.url's parts without parsing anything: Path is
// base.url.Path followed by path with the parameters as they are, and
// RawPath stays empty, since escaping Path gives back the escaped path.
// Otherwise the escaped URL is built as a string and parsed.
func fillURL(u *url.URL, base *endpoint, path string, params []string) error {
	path = strings.TrimPrefix(path, "/")
	plain := base.url.RawPath == "" && plainPath(path)
	n := len(base.url.Path) + len(path)
	for _, p := range params {
		n += len(p)
		plain = plain && url.PathEscape(p) == p // no copy when nothing is escaped
	}
	if strings.Count(path, "%s") != len(params) {
		return fmt.Errorf("path %q does not have %d parameters", path, len(params))
	}
	var b strings.Builder
	if !plain {
		b.Grow(len(base.raw) + len(path) + 3*n)
		b.WriteString(base.raw)
		writePath(&b, path, params, url.PathEscape)
		parsed, err := url.Parse(b.String())
		if err != nil {
			return err
		}
		*u = *parsed
		u.Host = removeEmptyPort(u.Host)
		return nil
	}
	b.Grow(n)
	b.WriteString(base.url.Path)
	writePath(&b, path, params, nil)
	*u = url.URL{Scheme: base.url.Scheme, User: base.url.User, Host: base.url.Host, Path: b.String()}
	return nil
}

// writePath writes path with each %s replaced by the next of params,
// passed through escape if not nil. The caller has checked that path has
// as many %s as there are params.
func writePath(b *strings.Builder, path string, params []string, escape func(string) string) {
	for _, p := range params {
		i := strings.Index(path, "%s")
		b.WriteString(path[:i])
		if escape != nil {
			p = escape(p)
		}
		b.WriteString(p)
		path = path[i+len("%s"):]
	}
	b.WriteString(path)
}

// plainPath reports whether s, a path template, has only characters that
// neither url.PathEscape nor url.URL.EscapedPath escape, apart from '/'
// (which EscapedPath leaves) and the %s of parameters.
func plainPath(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~', c == '/':
		case c == '%' && i+1 < len(s) && s[i+1] == 's':
			i++
		default:
			return false
		}
	}
	return true
}

// call sends one operation and decodes its JSON answer into a new T.
func call[T any](ctx context.Context, c *Client, op operation, build func(ctx context.Context, base *endpoint) (*http.Request, error), opts []Option) (*T, error) {
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
func callEmpty(ctx context.Context, c *Client, op operation, build func(ctx context.Context, base *endpoint) (*http.Request, error), opts []Option) error {
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
func (c *Client) send(ctx context.Context, op operation, build func(ctx context.Context, base *endpoint) (*http.Request, error), opts []Option) ([]byte, error) {
	if ctx == nil {
		return nil, fmt.Errorf("botpress: %s: nil context", op.name)
	}
	cfg, err := c.with(opts)
	if err != nil {
		return nil, fmt.Errorf("botpress: %s: %w", op.name, unprefix(err))
	}
	// The request is built for the first attempt: with the context that
	// attempt runs under, so that it need not be copied to carry it. With a
	// pacer, whose wait comes first and must not eat into the attempt's
	// timeout, attempt makes that context after the wait.
	actx, cancel := ctx, noCancel
	if cfg.pacer == nil {
		actx, cancel = cfg.attemptContext(ctx)
	}
	defer cancel()
	req, err := build(actx, cfg.endpoint)
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
// error wrapped. It adds no header: the caller has set them. req carries
// the context of the first attempt, made by cfg.attemptContext(ctx), which
// the caller cancels once do returns; later attempts get their own.
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

// setHeaders adds authentication, the scope headers and the extra headers,
// and Content-Type: application/json to a request with a body (newRequest's
// JSON). Scope headers already set by the operation's parameters are kept.
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
	if req.Body != nil && req.Body != http.NoBody && len(h["Content-Type"]) == 0 {
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
	hv[hvUserAgent] = cfg.userAgent
	return hv
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

// noCancel is the CancelFunc of an attempt that needs no context of its
// own.
func noCancel() {}

// attemptContext returns the context an attempt runs under: ctx bounded by
// the per-attempt timeout, or ctx itself when there is no timeout or when
// ctx ends no later than the timeout would (a context of its own would
// then cost allocations and a timer, and change nothing). The CancelFunc
// is never nil.
func (cfg *config) attemptContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if cfg.timeout <= 0 {
		return ctx, noCancel
	}
	if d, ok := ctx.Deadline(); ok && !d.After(time.Now().Add(cfg.timeout)) {
		return ctx, noCancel
	}
	return context.WithTimeout(ctx, cfg.timeout)
}

// attempt sends the request once, within the per-attempt timeout, and
// reads the whole answer. The first attempt (n is 0) sends req, which
// already carries its context (see send), as it is; a later one, or any
// attempt of a client with a pacer, sends a copy with a context of its own
// and, after the first, the body again.
func (cfg *config) attempt(ctx context.Context, req *http.Request, n int) (result, error) {
	r := req
	if n > 0 || cfg.pacer != nil {
		actx, cancel := cfg.attemptContext(ctx)
		defer cancel()
		// Neither http.Client nor a RoundTripper (which must not modify
		// the request) writes to the request's header or URL, so a shallow
		// copy carrying the attempt's context is enough: no need to copy
		// them for every attempt (but see the jar below).
		r = req.WithContext(actx)
		if n > 0 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return result{}, err
			}
			r.Body = body
		}
	}
	if cfg.httpClient.Jar != nil {
		// http.Client adds the jar's cookies to the header of the request
		// it is given: each attempt gets its own copy of the original.
		r = r.Clone(r.Context())
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
