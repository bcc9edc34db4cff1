package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"reflect"
	"strconv"

	"github.com/botpress-go/sdk/internal/transport"
)

// ErrMissingArgument is wrapped by the error a call returns, before sending
// anything, when a path parameter is empty or a user key is needed and the
// client has none. It is client.ErrMissingArgument.
var ErrMissingArgument = transport.ErrMissingArgument

// ErrInvalidArgument is wrapped by the error a call returns, before sending
// anything, when a path parameter is "." or "..". It is
// client.ErrInvalidArgument.
var ErrInvalidArgument = transport.ErrInvalidArgument

// ErrMalformedResponse is wrapped by the error a call returns when the
// server answered with a success status but a body that is not the JSON
// object the operation promises, or one that lacks a top-level field the
// API says it always sends (or has it null). It is
// errors.ErrMalformedResponse. It is client.ErrMalformedResponse.
var ErrMalformedResponse = transport.ErrMalformedResponse

// operation describes one call for the machinery below; the generated
// methods fill it in.
type operation struct {
	name   string // operationId, as in the spec
	method string
	path   string // path template, as in the spec
	params any    // *chatgen.XxxParams with its query parameters, or nil
	auth   bool   // sends the user key: every operation but createUser
}

// malformed is the error of a success answer that lacks field, a
// required top-level field of the operation's answer (or has it null).
func (op operation) malformed(field string) error {
	return transport.Errorf("botpress: %s: %w: the answer lacks %q, which the API always sends", op.name, ErrMalformedResponse, field)
}

// zero reports whether *p is its type's zero value.
func zero[T any](p *T) bool { return reflect.ValueOf(p).Elem().IsZero() }

// checkPath refuses a path parameter that is empty or a dot segment.
func (op operation) checkPath(name, value string) error {
	return transport.CheckPath(op.name, name, value)
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

// send builds the request, adds the headers, and runs the attempts with
// package client's machinery. It returns the body of a 2xx answer that is
// not an error object, an *errors.APIError for any other answer, or the
// transport error wrapped.
func (c *Client) send(ctx context.Context, op operation, build transport.Builder, opts []Option) ([]byte, error) {
	if ctx == nil {
		return nil, transport.Errorf("botpress: %s: nil context", op.name)
	}
	cfg, err := c.with(opts)
	if err != nil {
		return nil, transport.Errorf("botpress: %s: %w", op.name, transport.Unprefix(err))
	}
	return cfg.send(ctx, op, build)
}

// send is Client.send with the config of the call already made.
func (cfg *config) send(ctx context.Context, op operation, build transport.Builder) ([]byte, error) {
	ctx, end := cfg.CallContext(ctx)
	defer end()
	// The request is built for the first attempt, with the context that
	// attempt runs under (see transport.Config.FirstAttemptContext).
	actx, cancel := cfg.FirstAttemptContext(ctx)
	defer cancel()
	req, err := cfg.request(actx, op, build)
	if err != nil {
		return nil, err
	}
	return cfg.Do(ctx, op.name, req)
}

// request builds the request of op, with ctx as its context, and sets its
// headers: the extra ones, then the user key (when op needs it), Accept,
// Content-Type for a JSON body, and User-Agent.
func (cfg *config) request(ctx context.Context, op operation, build transport.Builder) (*http.Request, error) {
	if op.auth && cfg.userKey == "" {
		return nil, transport.Errorf("botpress: %s: %w: no user key; use chat.Connect, chat.WithUserKey, or chat.WithEncryptionKey with chat.WithUserID", op.name, ErrMissingArgument)
	}
	req, err := transport.Prepare(ctx, op.name, cfg.endpoint, build, op.params)
	if err != nil {
		return nil, err
	}
	h := req.Header
	cfg.CopyHeader(h, isReserved)
	if op.auth {
		h.Set(HeaderUserKey, cfg.userKey)
	}
	h.Set("Accept", "application/json")
	if transport.HasBody(req) && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	if cfg.UserAgent != "" {
		h.Set("User-Agent", cfg.UserAgent)
	}
	return req, nil
}

// isReserved reports whether a header (its canonical key) is one WithHeader
// cannot set: x-user-key.
func isReserved(key string) bool { return key == "X-User-Key" }

// statusInBody reads a success answer as the Chat API's bridge may send
// it: a JSON object whose numeric code, from 400 to 599, says that the call
// failed (with its message beside it). It returns that code, or 0 for an
// answer that is not such an error. Like the official client, it looks at
// the top-level code only.
func statusInBody(body []byte) int {
	if !bytes.Contains(body, []byte(`"code"`)) {
		return 0 // the common case, without decoding
	}
	var fields struct {
		Code json.RawMessage `json:"code"`
	}
	if json.Unmarshal(body, &fields) != nil || len(fields.Code) == 0 {
		return 0
	}
	code, err := strconv.ParseFloat(string(fields.Code), 64)
	if err != nil || code < 400 || code >= 600 {
		return 0
	}
	return int(code)
}

// pages walks the pages of op with the walk bounds of the client's config
// with opts applied.
func pages[T any](ctx context.Context, c *Client, opts []Option, op string, start *string, fetch transport.FetchPage[T]) iter.Seq2[Page[T], error] {
	cfg, err := c.with(opts)
	if err != nil {
		return failed[Page[T]](transport.Errorf("botpress: %s: %w", op, transport.Unprefix(err)))
	}
	return transport.Pages(ctx, op, start, cfg.MaxEmptyPages, fetch)
}

// failed is an iterator that yields err and ends.
func failed[T any](err error) iter.Seq2[T, error] { return transport.FailedWalk[T](err) }
