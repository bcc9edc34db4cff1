package chat

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/botpress-go/sdk/internal/transport"
)

// Option configures a Client when passed to New or Connect, or a single
// call when passed to one of its methods; on a call it overrides the
// client's setting for that call only.
//
// The options that say how requests are sent (WithHTTPClient, WithTimeout,
// WithUserAgent, WithHeader, WithMaxRetries, WithRetryDelay,
// WithMaxRetryAfter, WithMaxElapsed, WithLogger, WithIdempotent) are those of package
// client, with the same meaning and defaults, applied by the same code:
// see there for the details.
type Option func(*config)

// WithBaseURL sets the full API URL, webhook ID included
// (https://chat.botpress.cloud/<webhook ID>, or a proxy's or a test
// server's); New's webhookID is then not used. Default: see New.
func WithBaseURL(baseURL string) Option {
	return func(c *config) { c.baseURL = baseURL }
}

// WithUserKey sets the user key sent as x-user-key: the client acts as the
// user the key names. It wins over WithEncryptionKey. On a call, the call
// acts as that user.
func WithUserKey(key string) Option {
	return func(c *config) { c.key = key }
}

// WithEncryptionKey sets the encryption key configured in the bot's Chat
// integration, for apps that sign user keys themselves: with WithUserID,
// New and Connect sign the key of that user (see SignUserKey), and Connect
// creates the user on first use (getOrCreateUser). The encryption key is
// never sent.
func WithEncryptionKey(key string) Option {
	return func(c *config) { c.encryptionKey = key }
}

// WithUserID sets the ID of the user: the one whose key WithEncryptionKey
// signs, or, for Connect without a key, the ID to create the user with
// (left out, the API picks one).
func WithUserID(id string) Option {
	return func(c *config) { c.userID = id }
}

// WithHTTPClient is client.WithHTTPClient: the *http.Client to send with.
// Leave its Timeout zero if you Listen: it would bound the whole stream. The
// copy the client works on drops x-user-key on a redirect to another origin.
//
// A process that listens as many users shares one *http.Client among
// their clients. Over HTTP/1.1 each stream holds a connection, with the
// transport's read and write buffers (4 KiB each by default) and its two
// goroutines: an http.Transport with ReadBufferSize and WriteBufferSize of
// 1 KiB, and MaxIdleConnsPerHost as large as the number of listens opened
// at once, is what BenchmarkListeners measures (see BENCHMARKS.md).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) { c.SetHTTPClient(hc) }
}

// WithTimeout is client.WithTimeout: it bounds each attempt of a call, and
// the wait for a stream's answer (not the stream). Default: 60 s.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.SetTimeout(d) }
}

// WithUserAgent is client.WithUserAgent. Default: client.DefaultUserAgent(),
// "botpress-go/<version> go/<go version>".
func WithUserAgent(ua string) Option {
	return func(c *config) { c.SetUserAgent(ua) }
}

// WithHeader is client.WithHeader: a header for every request (or a
// call's). It cannot set x-user-key; use WithUserKey.
func WithHeader(key, value string) Option {
	return func(c *config) { c.AddHeader(key, value) }
}

// WithMaxRetries is client.WithMaxRetries: how many times a failed attempt
// is retried (429 always; 5xx and network errors when the call may be
// repeated). Default: 3.
func WithMaxRetries(n int) Option {
	return func(c *config) { c.SetMaxRetries(n) }
}

// WithRetryDelay is client.WithRetryDelay: the bounds of the jittered
// exponential backoff between retries. Defaults: 500 ms and 8 s.
func WithRetryDelay(base, max time.Duration) Option {
	return func(c *config) { c.SetRetryDelay(base, max) }
}

// WithMaxElapsed is client.WithMaxElapsed: a bound on a whole call,
// attempts and waits together; the error wraps ErrMaxElapsed. It bounds
// each call, not a Listen (see WithWatchdog). Default: none.
func WithMaxElapsed(d time.Duration) Option {
	return func(c *config) { c.SetMaxElapsed(d) }
}

// ErrMaxElapsed is client.ErrMaxElapsed.
var ErrMaxElapsed = transport.ErrMaxElapsed

// WithMaxEmptyPages is client.WithMaxEmptyPages: how many empty pages in
// a row a walk takes before it ends with ErrEmptyPages. Default: 100; 0
// means no bound.
func WithMaxEmptyPages(n int) Option {
	return func(c *config) { c.SetMaxEmptyPages(n) }
}

// ErrEmptyPages is client.ErrEmptyPages.
var ErrEmptyPages = transport.ErrEmptyPages

// WithMaxRetryAfter is client.WithMaxRetryAfter: the longest Retry-After
// waited for, by calls and by Listen. Default: 60 s.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *config) { c.SetMaxRetryAfter(d) }
}

// WithLogger is client.WithLogger: debug records of the attempts, and of
// Listen's reconnections and skipped signals. Keys are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.SetLogger(l) }
}

// WithIdempotent is client.WithIdempotent: retry this POST call like a
// GET. Pass it to a call, not to New.
func WithIdempotent() Option {
	return func(c *config) { c.SetIdempotent() }
}

// withMaxBody bounds the body of a call's answer below
// client.MaxResponseBody (see transport.Config.MaxBody).
func withMaxBody(n int) Option {
	return func(c *config) { c.MaxBody = n }
}
