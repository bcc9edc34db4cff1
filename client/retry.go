package client

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// isIdempotent reports whether a method may be repeated without changing
// the outcome, and so may be retried.
func isIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// retryWait decides whether the failed attempt number n (from 0) is retried
// and how long to wait first. Network errors and 429 or 5xx answers are
// retried when the call may be repeated, up to maxRetries times, with
// jittered exponential backoff, or the server's Retry-After when it gives
// one no longer than maxRetryAfter.
func (cfg *config) retryWait(n int, repeatable bool, res result, err error) (time.Duration, bool) {
	if !repeatable || n >= cfg.maxRetries {
		return 0, false
	}
	if err != nil {
		if errors.Is(err, errTooLarge) {
			return 0, false
		}
		return cfg.backoff(n), true
	}
	if res.status != http.StatusTooManyRequests && res.status < 500 {
		return 0, false
	}
	if d, ok := parseRetryAfter(res.header, time.Now()); ok {
		if d > cfg.maxRetryAfter {
			return 0, false
		}
		return d, true
	}
	return cfg.backoff(n), true
}

// backoff is base·2ⁿ capped at max, less a random part of up to a half.
func (cfg *config) backoff(n int) time.Duration {
	d := cfg.retryMax
	if n < 30 {
		if e := cfg.retryBase << n; e > 0 && e < d {
			d = e
		}
	}
	half := d / 2
	return half + rand.N(half+1)
}

// parseRetryAfter reads Retry-After as seconds or as an HTTP date, and
// retry-after-ms as milliseconds.
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return duration(ms, time.Millisecond), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		return duration(s, time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// duration converts n units to a Duration, saturating instead of overflowing.
func duration(n float64, unit time.Duration) time.Duration {
	if n*float64(unit) >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(n * float64(unit))
}

// sleep waits for d, or returns early with the context's error.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
