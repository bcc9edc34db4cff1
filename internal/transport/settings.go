package transport

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Fail records err, when not nil, as the config's error: the last invalid
// setting wins, and New or the call reports it.
func (cfg *Config) Fail(err error) {
	if err != nil {
		cfg.Err = err
	}
}

// SetHTTPClient sets the *http.Client that sends requests.
func (cfg *Config) SetHTTPClient(hc *http.Client) {
	if hc == nil {
		cfg.Fail(errors.New("botpress: WithHTTPClient(nil)"))
		return
	}
	cfg.HTTPClient = hc
}

// SetTimeout bounds each attempt; zero means no bound.
func (cfg *Config) SetTimeout(d time.Duration) {
	if d < 0 {
		cfg.Fail(Errorf("botpress: negative timeout %v", d))
		return
	}
	cfg.Timeout = d
}

// SetMaxRetries sets how many times a failed attempt is retried.
func (cfg *Config) SetMaxRetries(n int) {
	if n < 0 {
		cfg.Fail(Errorf("botpress: negative retry count %d", n))
		return
	}
	cfg.MaxRetries = n
}

// SetRetryDelay sets the bounds of the backoff between retries.
func (cfg *Config) SetRetryDelay(base, maxDelay time.Duration) {
	if base <= 0 || maxDelay < base {
		cfg.Fail(Errorf("botpress: invalid retry delays %v, %v: base must be positive and max at least base", base, maxDelay))
		return
	}
	cfg.RetryBase, cfg.RetryMax = base, maxDelay
}

// SetMaxElapsed bounds a whole call, attempts and waits together; zero
// means no bound.
func (cfg *Config) SetMaxElapsed(d time.Duration) {
	if d < 0 {
		cfg.Fail(Errorf("botpress: negative WithMaxElapsed %v", d))
		return
	}
	cfg.MaxElapsed = d
}

// SetMaxEmptyPages bounds the empty pages in a row a walk takes; zero
// means no bound.
func (cfg *Config) SetMaxEmptyPages(n int) {
	if n < 0 {
		cfg.Fail(Errorf("botpress: negative WithMaxEmptyPages %d", n))
		return
	}
	cfg.MaxEmptyPages = n
}

// SetMaxRetryAfter sets the longest Retry-After honoured.
func (cfg *Config) SetMaxRetryAfter(d time.Duration) { cfg.MaxRetryAfter = d }

// SetLogger sets the logger of the attempts.
func (cfg *Config) SetLogger(l *slog.Logger) { cfg.Logger = l }

// SetUserAgent sets the User-Agent header.
func (cfg *Config) SetUserAgent(ua string) { cfg.UserAgent = ua }

// SetIdempotent marks the call as safe to repeat.
func (cfg *Config) SetIdempotent() { cfg.Idempotent = true }

// AddHeader adds an extra header, on a copy of the header map so that a
// call's options never write to the client's.
func (cfg *Config) AddHeader(key, value string) {
	cfg.Header = cfg.Header.Clone()
	if cfg.Header == nil {
		cfg.Header = http.Header{}
	}
	cfg.Header.Add(key, value)
}

// CopyHeader adds the extra headers to h, but those that reserved (given
// the canonical key) says the API package sets itself.
func (cfg *Config) CopyHeader(h http.Header, reserved func(canonicalKey string) bool) {
	for k, vs := range cfg.Header {
		if reserved(http.CanonicalHeaderKey(k)) {
			continue
		}
		for _, v := range vs {
			h.Add(k, v)
		}
	}
}

// ResolveBase checks that baseURL is an absolute http(s) URL and returns it
// without trailing slashes, and the endpoint the operations' paths are
// appended to: the base URL resolved as a directory, so that a path prefix
// (https://proxy/botpress) stays in front of them. Resolving "./" once gives
// the prefix every request URL starts with: resolving "./v1/..." gives the
// same URL with the operation's path appended, as the path has no dot
// segments.
func ResolveBase(baseURL string) (base string, endpoint *Endpoint, err error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", nil, Errorf("botpress: base URL %q is not an absolute http(s) URL", baseURL)
	}
	base = strings.TrimRight(baseURL, "/")
	s, err := url.Parse(base + "/")
	if err == nil {
		endpoint, err = NewEndpoint(s.ResolveReference(&url.URL{Path: "./"}).String())
	}
	if err != nil {
		return "", nil, Errorf("botpress: base URL %q is not an absolute http(s) URL", baseURL)
	}
	return base, endpoint, nil
}

// Named is a setting sent as a header, named for errors: its value is
// never printed, as it may be a secret.
type Named struct{ What, Value string }

// CheckHeaders reports the first of the named values, the user agent and
// the extra headers that cannot be sent in a header.
func (cfg *Config) CheckHeaders(named ...Named) error {
	for _, h := range append(named, Named{"user agent", cfg.UserAgent}) {
		if !ValidHeaderValue(h.Value) {
			// Never print the value: it may be the token.
			return Errorf("botpress: the %s contains a control character", h.What)
		}
	}
	for k, vs := range cfg.Header {
		for _, v := range vs {
			if !ValidHeaderValue(v) || !ValidHeaderValue(k) {
				return Errorf("botpress: header %q has a control character", k)
			}
		}
	}
	return nil
}

// ValidHeaderValue reports whether v can be sent in a header: no control
// characters other than tab.
func ValidHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// keptHeaders are the headers a redirect to another origin keeps: those
// that say nothing of who sends the request. Every other header the
// request had (the token, the scope headers, the user key, the headers of
// WithHeader, cookies) is dropped.
var keptHeaders = map[string]bool{
	"Accept": true, "Accept-Encoding": true, "Accept-Language": true,
	"User-Agent": true, "Content-Type": true, "Content-Length": true,
	"Referer": true,
}

// GuardRedirects returns a copy of hc (same transport, jar and timeout)
// whose redirect policy drops from a redirect that leaves the origin
// (scheme, host and port) of the first request every header but those
// that say nothing of the sender (Accept, User-Agent, Content-Type ...):
// the credentials, the scope headers (x-bot-id ...), the user key, and the
// extra headers of WithHeader. net/http removes the standard credentials
// only, and only when the host name changes, so on its own it sends the
// token to another port of the same host, or from https to http, and the
// other headers anywhere. hc's own CheckRedirect, if any, runs afterwards;
// without one, the default limit of 10 redirects applies. extra names
// headers to drop too (kept for callers; every header not kept is dropped
// anyway).
func GuardRedirects(hc *http.Client, extra ...string) *http.Client {
	guarded := *hc
	next := hc.CheckRedirect
	guarded.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 && origin(req.URL) != origin(via[0].URL) {
			for k := range req.Header {
				if !keptHeaders[k] {
					delete(req.Header, k)
				}
			}
			for _, h := range extra {
				req.Header.Del(h)
			}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &guarded
}

// origin is the scheme, host and port of u, with the scheme's default port
// when u names none.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}
