package errors

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RateLimit is what an answer says about the rate limit it was counted
// against, in the headers of the IETF draft "RateLimit header fields for
// HTTP" that the Botpress API sends with its answers:
//
//	RateLimit-Limit: 100      requests the window admits
//	RateLimit-Remaining: 37   requests it still admits
//	RateLimit-Reset: 1        seconds until the window resets
//
// Each header is read on its own and leniently: a header that is missing
// or does not hold a number of the right kind leaves its field zero and
// its Has field false. When a header holds a list (as the draft's first
// versions allowed, "100, 100;w=1"), its first item is read.
type RateLimit struct {
	// Limit is how many requests the window admits.
	Limit int
	// Remaining is how many more requests the window admits; 0 when the
	// next request would be refused.
	Remaining int
	// Reset is how long until the window resets. The draft counts whole
	// seconds; fractions of a second are accepted too.
	Reset time.Duration
	// HasLimit, HasRemaining and HasReset say which headers were present
	// and valid.
	HasLimit, HasRemaining, HasReset bool
}

// The canonical keys of the headers, as http.Header stores them.
const (
	headerLimit        = "Ratelimit-Limit"
	headerRemaining    = "Ratelimit-Remaining"
	headerReset        = "Ratelimit-Reset"
	headerRetryAfter   = "Retry-After"
	headerRetryAfterMs = "Retry-After-Ms"
)

// ParseRateLimit reads the RateLimit-Limit, RateLimit-Remaining and
// RateLimit-Reset headers of h. It returns nil when none of them is
// present and valid. It never fails: see RateLimit for how it reads them.
func ParseRateLimit(h http.Header) *RateLimit {
	var rl RateLimit
	rl.Limit, rl.HasLimit = headerCount(h, headerLimit)
	rl.Remaining, rl.HasRemaining = headerCount(h, headerRemaining)
	if s, ok := headerSeconds(h, headerReset); ok {
		rl.Reset, rl.HasReset = s, true
	}
	if !rl.HasLimit && !rl.HasRemaining && !rl.HasReset {
		return nil
	}
	return &rl
}

// ParseRetryAfter reads how long an answer asks to wait before the next
// attempt: the retry-after-ms header (milliseconds, as some APIs send) when
// present and valid, else Retry-After as seconds or as an HTTP date, taken
// relative to now (a date in the past gives 0). It reports false when
// neither header is present and valid.
func ParseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(first(h, headerRetryAfterMs)); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 && !math.IsInf(ms, 0) {
			return duration(ms, time.Millisecond), true
		}
	}
	v := strings.TrimSpace(first(h, headerRetryAfter))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 || math.IsInf(s, 0) || math.IsNaN(s) {
			return 0, false
		}
		return duration(s, time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// first returns the first value of a header stored under its canonical
// key, or "".
func first(h http.Header, key string) string {
	if vs := h[key]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// item returns the first item of a header that may hold a list, without
// its parameters: "100" for "100, 50;w=60" or "100;w=1".
func item(h http.Header, key string) string {
	v := first(h, key)
	if i := strings.IndexAny(v, ",;"); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

// headerCount reads a header holding a non-negative integer.
func headerCount(h http.Header, key string) (int, bool) {
	v := item(h, key)
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// headerSeconds reads a header holding a non-negative number of seconds,
// whole or with a decimal fraction.
func headerSeconds(h http.Header, key string) (time.Duration, bool) {
	v := item(h, key)
	if v == "" || !decimal(v) {
		return 0, false
	}
	s, err := strconv.ParseFloat(v, 64)
	if err != nil || s < 0 || math.IsInf(s, 0) {
		return 0, false
	}
	return duration(s, time.Second), true
}

// decimal reports whether v is digits with at most one decimal point, so
// that what strconv.ParseFloat also accepts ("1e3", "0x1p4", "Inf") is
// refused.
func decimal(v string) bool {
	digits, dot := 0, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// duration converts n units to a Duration, saturating instead of
// overflowing.
func duration(n float64, unit time.Duration) time.Duration {
	if n*float64(unit) >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(n * float64(unit))
}
