package bptest

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimit makes the server limit requests as the Botpress API limits a
// workspace's: at most Requests requests in any sliding window of Window
// (the API documents 100 per second). Every request to the API counts,
// whatever its operation, bot or workspace: the server is one workspace's
// worth of limit. Requests to the file storage URLs do not count, as
// Botpress's storage is another service.
//
// Every answer carries the headers of the IETF draft the API sends:
//
//	RateLimit-Limit: 100       Requests
//	RateLimit-Remaining: 37    how many more the window admits now
//	RateLimit-Reset: 1         seconds until the quota is whole again: until
//	                           the newest request counted leaves the window
//
// A request over the limit is refused before anything else is checked, and
// not processed: it gets a 429 in the API's error shape, type RateLimited,
// with Retry-After (whole seconds, rounded up) and retry-after-ms saying
// when the oldest request counted leaves the window, which lets one more
// in. A refused request does not count against the window.
//
// RateLimit-Reset is in whole seconds, rounded up, when Window is a second
// or more, as the API writes it; for a shorter window, which only a test
// would use, it keeps millisecond precision ("0.034"), or it would always
// read 1.
type RateLimit struct {
	// Requests is how many requests a window admits; zero or less turns
	// the limit off.
	Requests int
	// Window is the length of the sliding window; zero means a second.
	Window time.Duration
	// Now is the clock the limiter reads; nil means time.Now. A test can
	// give a clock it moves itself, to check the limiter without waiting.
	Now func() time.Time
}

// RateLimitStats counts what the rate limit did since the server started.
type RateLimitStats struct {
	// Admitted is how many requests the limit let through.
	Admitted int
	// Refused is how many it answered with 429 RateLimited.
	Refused int
}

// WithRateLimit limits requests from the start; see RateLimit.
func WithRateLimit(rl RateLimit) Option { return func(s *settings) { s.rateLimit = rl } }

// SetRateLimit replaces the rate limit of a running server, with an empty
// window; a RateLimit whose Requests is zero turns it off. See RateLimit.
func (s *Server) SetRateLimit(rl RateLimit) {
	s.limiter.Store(newRateLimiter(rl))
}

// RateLimitStats returns how many requests the rate limit has admitted and
// refused so far.
func (s *Server) RateLimitStats() RateLimitStats {
	return RateLimitStats{Admitted: int(s.rlAdmitted.Load()), Refused: int(s.rlRefused.Load())}
}

// rateLimiter is a sliding window log: the times of the requests admitted
// in the last window, oldest first, in a ring of Requests entries.
type rateLimiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	times []time.Time
	head  int // index of the oldest entry
	n     int // entries in use
}

// newRateLimiter returns the limiter for rl, or nil when rl is off.
func newRateLimiter(rl RateLimit) *rateLimiter {
	if rl.Requests <= 0 {
		return nil
	}
	l := &rateLimiter{limit: rl.Requests, window: rl.Window, now: rl.Now, times: make([]time.Time, rl.Requests)}
	if l.window <= 0 {
		l.window = time.Second
	}
	if l.now == nil {
		l.now = time.Now
	}
	return l
}

// take counts a request now if the window has room, and returns what the
// headers say: whether it was admitted, how many more the window admits,
// how long until the newest request counted leaves it (reset) and how
// long until the oldest does (retry).
func (l *rateLimiter) take() (ok bool, remaining int, reset, retry time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for l.n > 0 && now.Sub(l.times[l.head]) >= l.window {
		l.head = (l.head + 1) % l.limit
		l.n--
	}
	if l.n < l.limit {
		l.times[(l.head+l.n)%l.limit] = now
		l.n++
		ok = true
	}
	// A clock that went back gives more than a window; never less than 0.
	newest := l.times[(l.head+l.n-1)%l.limit]
	reset = max(newest.Add(l.window).Sub(now), 0)
	retry = max(l.times[l.head].Add(l.window).Sub(now), 0)
	return ok, l.limit - l.n, reset, retry
}

// applyRateLimit counts a request against the rate limit, if one is set,
// and writes the rate-limit headers. It reports whether it refused the
// request, having answered it with 429.
func (s *Server) applyRateLimit(w http.ResponseWriter) bool {
	l := s.limiter.Load()
	if l == nil {
		return false
	}
	ok, remaining, reset, retry := l.take()
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(l.limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("RateLimit-Reset", formatSeconds(reset, l.window >= time.Second))
	if ok {
		s.rlAdmitted.Add(1)
		return false
	}
	s.rlRefused.Add(1)
	h.Set("Retry-After", formatSeconds(retry, true))
	h.Set("Retry-After-Ms", strconv.FormatInt(ceilDiv(retry, time.Millisecond), 10))
	writeError(w, errorf(http.StatusTooManyRequests, "RateLimited",
		"rate limit of %d requests per %v reached; retry in %v", l.limit, l.window, retry.Round(time.Millisecond)))
	return true
}

// formatSeconds writes d in seconds: whole and rounded up, or with up to
// three decimals (rounded up to the millisecond).
func formatSeconds(d time.Duration, whole bool) string {
	if whole {
		return strconv.FormatInt(ceilDiv(d, time.Second), 10)
	}
	return strconv.FormatFloat(float64(ceilDiv(d, time.Millisecond))/1000, 'f', -1, 64)
}

// ceilDiv is d/unit rounded up, for d ≥ 0.
func ceilDiv(d, unit time.Duration) int64 {
	q := d / unit
	if d%unit != 0 {
		q++
	}
	return int64(q)
}
