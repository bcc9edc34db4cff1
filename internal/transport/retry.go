package transport

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	bperrors "github.com/botpress-go/sdk/errors"
)

// IsIdempotent reports whether a method may be repeated without changing
// the outcome, and so may be retried.
func IsIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// retryWait decides whether the failed attempt number n (from 0) is
// retried, and how long to wait first. Nothing is retried past MaxRetries,
// nor when the request's body cannot be sent again (resendable false).
//
//   - A 429 is retried whatever the method: a request the rate limiter
//     refused was not processed, so sending it again cannot apply it twice.
//     The wait is the answer's Retry-After (or retry-after-ms), else its
//     RateLimit-Reset when above zero, else the backoff.
//   - A request that never left (the connection could not be made:
//     refused, DNS failure, dial timeout) is retried whatever the method,
//     with the backoff: the server cannot have applied it.
//   - A 5xx answer or another network error is retried only when the call
//     may be repeated (repeatable: an idempotent method, or WithIdempotent),
//     as the request may have been applied. The wait is Retry-After, else
//     the backoff.
//
// A wait the server asks for (Retry-After, RateLimit-Reset) longer than
// MaxRetryAfter ends the retries.
func (cfg *Config) retryWait(n int, repeatable, resendable bool, res result, err error) (time.Duration, bool) {
	if !resendable || n >= cfg.MaxRetries {
		return 0, false
	}
	if err != nil {
		var tooLarge *TooLargeError
		if (!repeatable && !NeverSent(err)) || errors.As(err, &tooLarge) {
			return 0, false
		}
		return Backoff(n, cfg.RetryBase, cfg.RetryMax), true
	}
	switch {
	case res.status == http.StatusTooManyRequests:
	case res.status >= 500 && repeatable:
	default:
		return 0, false
	}
	d, ok := bperrors.ParseRetryAfter(res.header, time.Now())
	if !ok && res.status == http.StatusTooManyRequests {
		if rl := bperrors.ParseRateLimit(res.header); rl != nil && rl.HasReset && rl.Reset > 0 {
			d, ok = rl.Reset, true
		}
	}
	if !ok {
		return Backoff(n, cfg.RetryBase, cfg.RetryMax), true
	}
	if d > cfg.MaxRetryAfter {
		return 0, false
	}
	return d, true
}

// NeverSent reports whether err says that the request never left: dialing
// the server failed (connection refused, DNS failure, dial timeout), so
// nothing was sent.
func NeverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// Backoff is the wait before retry number n (from 0): base·2ⁿ capped at
// maxDelay, less a random part of up to a half.
func Backoff(n int, base, maxDelay time.Duration) time.Duration {
	d := maxDelay
	if n < 30 {
		if e := base << n; e > 0 && e < d {
			d = e
		}
	}
	half := d / 2
	return half + rand.N(half+1)
}

// Sleep waits for d, or returns early with the context's error.
func Sleep(ctx context.Context, d time.Duration) error {
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
