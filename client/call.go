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
	// The trailing slash keeps a path prefix of the base URL
	// (https://proxy/botpress) in front of the operation's path.
	req, err := build(cfg.baseURL + "/")
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
	return cfg.do(ctx, op.name, req)
}

// do sends req, retrying as the config allows, and returns the body of a
// 2xx answer, an *errors.APIError for any other answer, or the transport
// error wrapped. It adds no header: the caller has set them.
func (cfg *config) do(ctx context.Context, name string, req *http.Request) ([]byte, error) {
	retryable := cfg.idempotent || isIdempotent(req.Method)
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		retryable = false // the body cannot be read twice
	}
	for attempt := 0; ; attempt++ {
		start := time.Now()
		res, err := cfg.attempt(ctx, req, attempt)
		cfg.log(ctx, req, res, err, attempt, time.Since(start))
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
		}
		wait, again := cfg.retryWait(attempt, retryable, res, err)
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

// unprefix drops the "botpress: " of an option error, which send adds back
// with the operation's name.
func unprefix(err error) error {
	if s, ok := strings.CutPrefix(err.Error(), "botpress: "); ok {
		return errors.New(s)
	}
	return err
}

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
	for _, s := range [...]struct{ name, value string }{
		{HeaderBotID, cfg.botID},
		{HeaderWorkspaceID, cfg.workspaceID},
		{HeaderIntegrationID, cfg.integrationID},
		{HeaderIntegrationAlias, cfg.integrationAlias},
	} {
		if s.value != "" && h.Get(s.name) == "" {
			h.Set(s.name, s.value)
		}
	}
	h.Set("Authorization", "Bearer "+cfg.token)
	h.Set("Accept", "application/json")
	if cfg.userAgent != "" {
		h.Set("User-Agent", cfg.userAgent)
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
	r := req.Clone(ctx)
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
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBody+1))
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
