// Package transport is the HTTP machinery that package client (the Botpress
// Cloud API) and package chat (the Chat API) share: the one request loop
// that retries what is safe to retry and turns error answers into
// *errors.APIError (Config.Do), request building, the encoding of generated
// parameter structs and bodies, the redirect guard, and the page walkers.
// Each API package keeps what is its own: its options, its authentication
// and scope headers, and the typed methods generated from its spec.
package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	neturl "net/url"
	"strings"
	"time"

	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/internal/version"
)

// Defaults shared by both API packages.
const (
	DefaultTimeout        = 60 * time.Second
	DefaultMaxRetries     = 3
	DefaultRetryBaseDelay = 500 * time.Millisecond
	DefaultRetryMaxDelay  = 8 * time.Second
	DefaultMaxRetryAfter  = 60 * time.Second
	// MaxResponseBody bounds the body read from a successful answer.
	MaxResponseBody = 100 << 20
)

// ErrMissingArgument is wrapped by the error a call returns, before sending
// anything, when a path parameter is empty or required parameters are nil.
var ErrMissingArgument = errors.New("missing argument")

// ErrInvalidArgument is wrapped by the error a call returns, before sending
// anything, when a path parameter is "." or "..", which would change the
// path the request goes to.
var ErrInvalidArgument = errors.New("invalid argument")

// ErrMalformedResponse is errors.ErrMalformedResponse: a success answer
// that is not what the operation promises.
var ErrMalformedResponse = bperrors.ErrMalformedResponse

// Pacer spaces the attempts of a client (package client's WithRateLimit):
// Do waits for it before each attempt and hands it each answer's header.
type Pacer interface {
	// Wait returns when the attempt may go, with its turn, or with the
	// context's error.
	Wait(ctx context.Context) (turn uint64, err error)
	// Observe takes in the header of the answer to the attempt of turn
	// (nil when there was none).
	Observe(turn uint64, h http.Header, now time.Time)
}

// ErrMaxElapsed is wrapped by the error of a call that took longer than
// its bound (WithMaxElapsed), with context.DeadlineExceeded.
var ErrMaxElapsed = errors.New("the call took longer than WithMaxElapsed allows")

// CallContext returns the context a whole call runs under: ctx bounded by
// MaxElapsed, when set, whose error then wraps ErrMaxElapsed (see
// context.Cause). The CancelFunc is never nil.
func (cfg *Config) CallContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if cfg.MaxElapsed <= 0 {
		return ctx, noCancel
	}
	return context.WithTimeoutCause(ctx, cfg.MaxElapsed,
		fmt.Errorf("%w (%v): %w", ErrMaxElapsed, cfg.MaxElapsed, context.DeadlineExceeded))
}

// Config is how requests are sent. The API packages embed it in their own
// configuration; a call works on a copy.
type Config struct {
	HTTPClient    *http.Client
	Timeout       time.Duration // bounds each attempt; 0: no bound
	MaxRetries    int
	RetryBase     time.Duration
	RetryMax      time.Duration
	MaxRetryAfter time.Duration
	// MaxElapsed, when positive, bounds a whole call: its attempts and
	// the waits between them (backoff, Retry-After, the rate limit); see
	// CallContext.
	MaxElapsed time.Duration
	// MaxEmptyPages bounds the empty pages in a row a walk takes, each
	// followed by another, before it ends with ErrEmptyPages; 0: no bound.
	MaxEmptyPages int
	Logger        *slog.Logger // one debug record per attempt when set
	Idempotent    bool         // retry the call like a GET whatever its method
	UserAgent     string
	Header        http.Header // extra headers; see CopyHeader
	Pacer         Pacer       // nil: no pacing
	// Secret, when set, is masked in error answers that echo it back.
	Secret string
	// StatusInBody, when set, reads the body of a 2xx answer and returns
	// the error status it carries, or 0 when it is not an error: such an
	// answer is then handled as one of that status (retried as such, and
	// returned as an *errors.APIError).
	StatusInBody func(body []byte) int
	// MaxBody, when positive, bounds the body read from an answer below
	// MaxResponseBody: a longer one fails the call with a *TooLargeError,
	// and is not retried.
	MaxBody int
	// Err is the first invalid setting an option met; see Fail.
	Err error
}

// Defaults returns the configuration both API packages start from.
func Defaults() Config {
	return Config{
		Timeout:       DefaultTimeout,
		UserAgent:     version.UserAgent(),
		MaxRetries:    DefaultMaxRetries,
		RetryBase:     DefaultRetryBaseDelay,
		RetryMax:      DefaultRetryMaxDelay,
		MaxRetryAfter: DefaultMaxRetryAfter,
		MaxEmptyPages: DefaultMaxEmptyPages,
	}
}

// Do sends req, retrying as the config allows, and returns the body of a
// 2xx answer, an *errors.APIError for any other answer, or the transport
// error wrapped; name is the operation's, for errors and logs. It adds no
// header: the caller has set them. req carries the context of the first
// attempt, made by FirstAttemptContext(ctx), which the caller cancels once
// Do returns; later attempts get their own.
//
// When the config has a Pacer, each attempt, retries included, first waits
// for it, and the answer's header is handed back to it.
func (cfg *Config) Do(ctx context.Context, name string, req *http.Request) ([]byte, error) {
	repeatable := cfg.Idempotent || IsIdempotent(req.Method)
	// A body that cannot be read twice cannot be sent again.
	resendable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	for attempt := 0; ; attempt++ {
		var turn uint64
		if cfg.Pacer != nil {
			var err error
			if turn, err = cfg.Pacer.Wait(ctx); err != nil {
				return nil, Errorf("botpress: %s: waiting for the rate limit: %w", name, cause(ctx, err))
			}
		}
		var start time.Time
		if cfg.Logger != nil {
			start = time.Now()
		}
		res, err := cfg.attempt(ctx, req, attempt)
		if cfg.Pacer != nil {
			cfg.Pacer.Observe(turn, res.header, time.Now())
		}
		if cfg.Logger != nil {
			cfg.log(ctx, req, res, err, attempt, time.Since(start))
		}
		if err == nil && res.status >= 200 && res.status < 300 {
			if cfg.StatusInBody == nil {
				return res.body, nil
			}
			if res.status = cfg.StatusInBody(res.body); res.status == 0 {
				return res.body, nil
			}
		}
		if ctx.Err() != nil {
			// The caller gave up: report that, whatever the attempt saw.
			return nil, Errorf("botpress: %s: %w", name, context.Cause(ctx))
		}
		var apiErr *bperrors.APIError
		if err == nil {
			apiErr = cfg.ErrorOf(name, req, res.status, res.header, res.body)
		}
		wait, again := cfg.retryWait(attempt, repeatable, resendable, res, err)
		if !again {
			if apiErr != nil {
				return nil, apiErr
			}
			if attempt > 0 {
				return nil, Errorf("botpress: %s: after %d attempts: %w", name, attempt+1, err)
			}
			return nil, Errorf("botpress: %s: %w", name, err)
		}
		if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
			// The wait would outlast the call: fail now, with what the
			// last attempt got and the deadline.
			if apiErr != nil {
				return nil, Errorf("botpress: %w (not retried: waiting %v would pass the deadline: %w)", apiErr, wait.Round(time.Millisecond), context.DeadlineExceeded)
			}
			return nil, Errorf("botpress: %s: after %d attempts: %w (not retried: waiting %v would pass the deadline: %w)", name, attempt+1, err, wait.Round(time.Millisecond), context.DeadlineExceeded)
		}
		if err := Sleep(ctx, wait); err != nil {
			return nil, Errorf("botpress: %s: waiting to retry: %w", name, cause(ctx, err))
		}
	}
}

// cause is context.Cause(ctx) when err is ctx's error, else err.
func cause(ctx context.Context, err error) error {
	if err != nil && err == ctx.Err() {
		return context.Cause(ctx)
	}
	return err
}

// ErrorOf is the *errors.APIError of an answer of status to req, sent for
// operation name, with the config's secret masked.
func (cfg *Config) ErrorOf(name string, req *http.Request, status int, header http.Header, body []byte) *bperrors.APIError {
	e := bperrors.FromResponse(status, header, body)
	e.Operation, e.Method, e.Path = name, req.Method, req.URL.Path
	scrubSecret(e, cfg.Secret)
	return e
}

// scrubSecret masks the secret where a server echoed it back (a proxy's
// "invalid token bp_pat_..." page, say), so that no error carries it: in
// its message, ID, type, body, metadata and header.
func scrubSecret(e *bperrors.APIError, secret string) {
	if len(secret) < 4 {
		return // too short to tell apart from ordinary text
	}
	const mask = "[token]"
	e.Message = strings.ReplaceAll(e.Message, secret, mask)
	e.ID = strings.ReplaceAll(e.ID, secret, mask)
	e.Type = strings.ReplaceAll(e.Type, secret, mask)
	if bytes.Contains(e.Body, []byte(secret)) {
		e.Body = bytes.ReplaceAll(e.Body, []byte(secret), []byte(mask))
	}
	if e.Metadata != nil {
		e.Metadata, _ = scrubValue(e.Metadata, secret, mask).(map[string]any)
	}
	for k, vs := range e.Header {
		for _, v := range vs {
			if strings.Contains(v, secret) || strings.Contains(k, secret) {
				e.Header = scrubHeader(e.Header, secret, mask)
				return
			}
		}
	}
}

// scrubHeader returns a copy of h with secret replaced by mask in its keys
// and values: the answer's header is not written to.
func scrubHeader(h http.Header, secret, mask string) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		c := make([]string, len(vs))
		for i, v := range vs {
			c[i] = strings.ReplaceAll(v, secret, mask)
		}
		out[strings.ReplaceAll(k, secret, mask)] = c
	}
	return out
}

// scrubValue replaces secret by mask in the strings of a decoded JSON
// value, map keys included.
func scrubValue(v any, secret, mask string) any {
	switch v := v.(type) {
	case string:
		return strings.ReplaceAll(v, secret, mask)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[strings.ReplaceAll(k, secret, mask)] = scrubValue(x, secret, mask)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = scrubValue(x, secret, mask)
		}
		return out
	}
	return v
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

// AttemptContext returns the context an attempt runs under: ctx bounded by
// the per-attempt timeout, or ctx itself when there is no timeout or when
// ctx ends no later than the timeout would (a context of its own would
// then cost allocations and a timer, and change nothing). The CancelFunc
// is never nil.
func (cfg *Config) AttemptContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if cfg.Timeout <= 0 {
		return ctx, noCancel
	}
	if d, ok := ctx.Deadline(); ok && !d.After(time.Now().Add(cfg.Timeout)) {
		return ctx, noCancel
	}
	return context.WithTimeout(ctx, cfg.Timeout)
}

// FirstAttemptContext returns the context to build a request with, for Do:
// the first attempt's (AttemptContext), so that the request need not be
// copied to carry it; or, with a Pacer, whose wait comes first and must not
// eat into the attempt's timeout, ctx itself (Do then makes the attempt's
// context after the wait). The caller cancels it once Do has returned.
func (cfg *Config) FirstAttemptContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if cfg.Pacer != nil {
		return ctx, noCancel
	}
	return cfg.AttemptContext(ctx)
}

// attempt sends the request once, within the per-attempt timeout, and
// reads the whole answer. The first attempt (n is 0) sends req, which
// already carries its context (see FirstAttemptContext), as it is; a later
// one, or any attempt of a config with a Pacer, sends a copy with a context
// of its own and, after the first, the body again.
func (cfg *Config) attempt(ctx context.Context, req *http.Request, n int) (result, error) {
	r := req
	if n > 0 || cfg.Pacer != nil {
		actx, cancel := cfg.AttemptContext(ctx)
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
	if cfg.HTTPClient.Jar != nil {
		// http.Client adds the jar's cookies to the header of the request
		// it is given: each attempt gets its own copy of the original.
		r = r.Clone(r.Context())
	}
	resp, err := cfg.HTTPClient.Do(r)
	if err != nil {
		// Pre-signed storage URLs carry their signature in the query.
		return result{}, RedactErr(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// An error answer: only its first bperrors.MaxErrorRead bytes are
		// read, whatever its length (the rest is not read: the connection
		// is closed), so that it keeps its status and becomes an
		// *APIError, which keeps a bounded part of it.
		body, err := readBody(resp.Body, resp.ContentLength, bperrors.MaxErrorRead)
		if len(body) > bperrors.MaxErrorRead {
			body = body[:bperrors.MaxErrorRead]
		}
		res := result{status: resp.StatusCode, header: resp.Header, body: body}
		if err != nil && len(body) == 0 {
			return res, fmt.Errorf("reading %d answer: %w", resp.StatusCode, err)
		}
		return res, nil
	}
	limit := MaxResponseBody
	if cfg.MaxBody > 0 && cfg.MaxBody < limit {
		limit = cfg.MaxBody
	}
	body, err := readBody(resp.Body, resp.ContentLength, limit)
	res := result{status: resp.StatusCode, header: resp.Header, body: body}
	if err != nil {
		return res, fmt.Errorf("reading %d answer: %w", resp.StatusCode, err)
	}
	if len(body) > limit {
		res.body = nil // not kept: the caller gets the error only
		return res, &TooLargeError{Limit: limit}
	}
	return res, nil
}

// TooLargeError is the error of an answer whose body is longer than
// allowed (MaxResponseBody, or Config.MaxBody): reading stopped past the
// limit. Such a call is not retried.
type TooLargeError struct {
	// Limit is the number of bytes allowed.
	Limit int
}

func (e *TooLargeError) Error() string { return fmt.Sprintf("answer larger than %d bytes", e.Limit) }

// maxSizeHint bounds the buffer readBody reserves from the announced size
// before any of the answer came, so that a wrong Content-Length cannot
// make it reserve much more than the answer holds; and it is the size of
// the chunks a long answer of unknown length is read in.
const maxSizeHint = 1 << 20

// readBody reads r to its end, or to max+1 bytes if it is longer (so that
// the caller can tell), like io.ReadAll(io.LimitReader(r, max+1)), with
// memory close to the answer's size where io.ReadAll would grow its buffer
// many times (allocating about five times a large answer's size):
//
//   - size is the announced size (-1 when unknown). The buffer starts at
//     that size (up to maxSizeHint) plus one byte; once it is full, an
//     answer that keeps coming is believed, and the buffer grows once to
//     the announced size plus one byte: a correct answer takes at most two
//     allocations, the second of its size.
//   - An answer of unknown size past maxSizeHint is read in chunks of
//     maxSizeHint bytes, copied once into a buffer of its size at the end:
//     twice its size in all.
func readBody(r io.Reader, size int64, max int) ([]byte, error) {
	limit := max + 1
	capacity := 512
	if size >= 0 {
		capacity = int(min(size, maxSizeHint, int64(max))) + 1
	}
	b := make([]byte, 0, capacity)
	var chunks [][]byte // full chunks of an answer of unknown size, before b
	read := 0           // bytes in chunks
	for {
		if len(b) == cap(b) {
			switch {
			case size >= 0 && int64(cap(b)) <= size && size < int64(limit):
				// Believe the announced size now that this much came.
				nb := make([]byte, len(b), int(size)+1)
				copy(nb, b)
				b = nb
			case len(b) < maxSizeHint:
				nb := make([]byte, len(b), min(2*cap(b), maxSizeHint))
				copy(nb, b)
				b = nb
			default:
				chunks = append(chunks, b)
				read += len(b)
				b = make([]byte, 0, maxSizeHint)
			}
		}
		buf := b[len(b):cap(b)]
		if rest := limit - read - len(b); len(buf) > rest {
			buf = buf[:rest]
		}
		var n int
		var err error
		if len(buf) == 0 {
			err = io.EOF // the limit is reached: stop there
		} else {
			n, err = r.Read(buf)
			b = b[:len(b)+n]
		}
		if err == io.EOF || err != nil {
			if chunks != nil {
				all := make([]byte, 0, read+len(b))
				for _, c := range chunks {
					all = append(all, c...)
				}
				b = append(all, b...)
			}
			if err == io.EOF {
				return b, nil
			}
			return b, err
		}
	}
}

// log writes one debug record for an attempt. It never logs headers.
func (cfg *Config) log(ctx context.Context, req *http.Request, res result, err error, attempt int, d time.Duration) {
	if cfg.Logger == nil {
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
	cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "botpress request", attrs...)
}

// RedactErr removes the query from the URL a transport error quotes.
func RedactErr(err error) error {
	var ue *neturl.Error
	if errors.As(err, &ue) {
		ue.URL = Redact(ue.URL)
	}
	return err
}

// Redact drops the query of a URL, where pre-signed URLs keep their
// signature.
func Redact(url string) string {
	for i := 0; i < len(url); i++ {
		if url[i] == '?' {
			return url[:i] + "?..."
		}
	}
	return url
}
