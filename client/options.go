package client

import (
	"log/slog"
	"math"
	"net/http"
	"time"

	"github.com/botpress-go/sdk/internal/transport"
)

// Option configures a Client when passed to New, or a single call when
// passed to one of its methods; on a call it overrides the client's setting
// for that call only.
type Option func(*config)

// WithToken sets the bearer token (a personal access token, a bot token or
// an integration token). Default: $BP_TOKEN.
func WithToken(token string) Option {
	return func(c *config) { c.token = token }
}

// WithBaseURL sets the API address. Default: $BP_API_URL, else
// https://api.botpress.cloud.
func WithBaseURL(baseURL string) Option {
	return func(c *config) { c.baseURL = baseURL }
}

// WithBotID sets the x-bot-id header: the bot that runtime, file and table
// calls act on. Default: $BP_BOT_ID.
func WithBotID(id string) Option {
	return func(c *config) { c.botID = id }
}

// WithWorkspaceID sets the x-workspace-id header, needed by workspace-level
// calls. Default: $BP_WORKSPACE_ID.
func WithWorkspaceID(id string) Option {
	return func(c *config) { c.workspaceID = id }
}

// WithIntegrationID sets the x-integration-id header, sent by integrations
// acting on a bot. Default: $BP_INTEGRATION_ID.
func WithIntegrationID(id string) Option {
	return func(c *config) { c.integrationID = id }
}

// WithIntegrationAlias sets the x-integration-alias header.
func WithIntegrationAlias(alias string) Option {
	return func(c *config) { c.integrationAlias = alias }
}

// WithHTTPClient sets the *http.Client that sends requests, for custom
// transports, proxies or tracing. Its own Timeout, if any, also applies.
// The client works on a copy of hc whose redirect policy also removes the
// token from a redirect to another origin (scheme, host and port), then
// runs hc's own CheckRedirect.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) { c.SetHTTPClient(hc) }
}

// WithTimeout bounds each attempt of a call, from sending the request to
// reading the whole answer. Zero means no limit. Default: 60 s.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.SetTimeout(d) }
}

// WithUserAgent sets the User-Agent header. Default: DefaultUserAgent(),
// "botpress-go/<version> go/<go version>".
func WithUserAgent(ua string) Option {
	return func(c *config) { c.SetUserAgent(ua) }
}

// WithHeader adds a header to every request (or to one call's requests).
// It cannot replace Authorization or the scope headers; use their options.
func WithHeader(key, value string) Option {
	return func(c *config) { c.AddHeader(key, value) }
}

// WithMaxRetries sets how many times a failed attempt is retried; 0 turns
// retries off. Default: 3.
func WithMaxRetries(n int) Option {
	return func(c *config) { c.SetMaxRetries(n) }
}

// WithRetryDelay sets the backoff between retries: the first waits about
// base, each next one twice as long, never more than max; each wait is
// jittered down by up to half. Defaults: 500 ms and 8 s.
func WithRetryDelay(base, max time.Duration) Option {
	return func(c *config) { c.SetRetryDelay(base, max) }
}

// WithMaxElapsed bounds a whole call: its attempts and every wait between
// them (backoff, Retry-After, WithRateLimit's pacing) together, where
// WithTimeout bounds each attempt. A call that reaches it fails with an
// error wrapping ErrMaxElapsed and context.DeadlineExceeded; a retry whose
// wait would go past it is not made, and the last attempt's error is
// returned at once. It bounds UploadFile, DownloadFile and DownloadURL
// whole too, transfers included, and each page of a walk. Zero (the
// default) means no bound: a call then lasts at most about
// (MaxRetries+1) × (WithTimeout + WithMaxRetryAfter).
func WithMaxElapsed(d time.Duration) Option {
	return func(c *config) { c.SetMaxElapsed(d) }
}

// ErrMaxElapsed is wrapped, with context.DeadlineExceeded, by the error of
// a call that took longer than WithMaxElapsed allows.
var ErrMaxElapsed = transport.ErrMaxElapsed

// WithMaxEmptyPages sets how many empty pages in a row, each followed by
// another, a walk (All*, *Pages) takes before it ends with ErrEmptyPages:
// a server handing empty pages with fresh tokens forever would otherwise
// keep it going. Default: DefaultMaxEmptyPages (100); 0 means no bound.
func WithMaxEmptyPages(n int) Option {
	return func(c *config) { c.SetMaxEmptyPages(n) }
}

// WithMaxRetryAfter sets the longest Retry-After the client honours. A
// server asking for a longer wait gets no retry: its error is returned.
// Default: 60 s.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *config) { c.SetMaxRetryAfter(d) }
}

// WithLogger logs one debug record per attempt (method, path, status,
// duration, attempt) to l. Tokens and headers are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.SetLogger(l) }
}

// WithIdempotent declares that this call is safe to repeat, so that it is
// retried like a GET even when its method is POST or PATCH. Pass it to a
// call, not to New.
func WithIdempotent() Option {
	return func(c *config) { c.SetIdempotent() }
}

// rateLimit is what WithRateLimit asks for. Each use of the option makes a
// new one, so that a call given the option can be told apart.
type rateLimit struct {
	rps   float64
	burst int
}

// WithRateLimit paces the client's requests: at most rps requests a second
// on average, with bursts of up to burst, shared by every call and every
// goroutine using the client (a token bucket, from golang.org/x/time/rate).
// Each attempt, retries included, waits its turn before it is sent, or
// until its context ends (the call then fails with the context's error).
//
// The pacer also listens to the API's answers: when RateLimit-Remaining,
// less the requests still in flight, falls to a tenth of RateLimit-Limit or
// less, it spreads what is left over the time until RateLimit-Reset (or
// Retry-After), and with nothing left it holds new requests until then,
// unless that is longer than WithMaxRetryAfter; a newer answer with more
// room ends the slowdown. See docs/errors.md on rate limits.
//
// The Botpress API admits 100 requests a second per workspace: a client
// that has the workspace to itself can use WithRateLimit(100, 1), one that
// shares it less. Requests to file storage (the upload step of UploadFile)
// are not paced. Pass it to New: the pacer belongs to the client, and a
// call given this option fails. Default: no pacing (429 answers are still
// retried).
func WithRateLimit(rps float64, burst int) Option {
	return func(c *config) {
		if !(rps > 0) || math.IsInf(rps, 0) || burst < 1 {
			c.Err = transport.Errorf("botpress: WithRateLimit(%v, %d): the rate and the burst must be positive", rps, burst)
			return
		}
		c.rateLimit = &rateLimit{rps: rps, burst: burst}
	}
}

// WithPollInterval sets how WaitFileIndexed and WaitTableJob poll: the
// first wait between two looks is first, each next one twice as long,
// never more than max. Defaults: DefaultPollInterval and
// DefaultMaxPollInterval. Every look is an ordinary call, paced by
// WithRateLimit and retried on 429 like any other.
func WithPollInterval(first, max time.Duration) Option {
	return func(c *config) {
		if first <= 0 || max < first {
			c.Err = transport.Errorf("botpress: WithPollInterval(%v, %v): the first wait must be positive and max at least as long", first, max)
			return
		}
		c.pollFirst, c.pollMax = first, max
	}
}
