package errors_test

import (
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	bperrors "github.com/botpress-go/sdk/errors"
)

// rlHeader builds a header from key, value pairs, canonicalising the keys
// as a received answer's header is.
func rlHeader(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestParseRateLimit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header http.Header
		want   *bperrors.RateLimit
	}{
		{"none", rlHeader(), nil},
		{"nil header", nil, nil},
		{"all three", rlHeader("RateLimit-Limit", "100", "RateLimit-Remaining", "37", "RateLimit-Reset", "1"),
			&bperrors.RateLimit{Limit: 100, Remaining: 37, Reset: time.Second, HasLimit: true, HasRemaining: true, HasReset: true}},
		{"lower-case keys as a server may send them", rlHeader("ratelimit-limit", "100", "ratelimit-remaining", "0", "ratelimit-reset", "30"),
			&bperrors.RateLimit{Limit: 100, Remaining: 0, Reset: 30 * time.Second, HasLimit: true, HasRemaining: true, HasReset: true}},
		{"remaining zero is present", rlHeader("RateLimit-Remaining", "0"),
			&bperrors.RateLimit{HasRemaining: true}},
		{"fraction of a second", rlHeader("RateLimit-Reset", "0.25"),
			&bperrors.RateLimit{Reset: 250 * time.Millisecond, HasReset: true}},
		{"spaces", rlHeader("RateLimit-Limit", "  100 ", "RateLimit-Reset", " 2 "),
			&bperrors.RateLimit{Limit: 100, Reset: 2 * time.Second, HasLimit: true, HasReset: true}},
		{"list of the draft's first versions", rlHeader("RateLimit-Limit", "100, 100;w=1, 1000;w=60", "RateLimit-Reset", "3;w=1"),
			&bperrors.RateLimit{Limit: 100, Reset: 3 * time.Second, HasLimit: true, HasReset: true}},
		{"first of repeated headers", rlHeader("RateLimit-Limit", "100", "RateLimit-Limit", "5"),
			&bperrors.RateLimit{Limit: 100, HasLimit: true}},
		{"bad ones are absent, good ones kept", rlHeader("RateLimit-Limit", "lots", "RateLimit-Remaining", "-1", "RateLimit-Reset", "4"),
			&bperrors.RateLimit{Reset: 4 * time.Second, HasReset: true}},
		{"all bad", rlHeader("RateLimit-Limit", "1.5", "RateLimit-Remaining", "", "RateLimit-Reset", "soon"), nil},
		{"integer overflow", rlHeader("RateLimit-Limit", "99999999999999999999999", "RateLimit-Remaining", "3"),
			&bperrors.RateLimit{Remaining: 3, HasRemaining: true}},
		{"reset: no exponents, hex, infinities or signs", rlHeader("RateLimit-Reset", "1e3"), nil},
		{"reset hex", rlHeader("RateLimit-Reset", "0x10"), nil},
		{"reset inf", rlHeader("RateLimit-Reset", "Inf"), nil},
		{"reset NaN", rlHeader("RateLimit-Reset", "NaN"), nil},
		{"reset negative", rlHeader("RateLimit-Reset", "-1"), nil},
		{"reset plus", rlHeader("RateLimit-Reset", "+1"), nil},
		{"reset dot only", rlHeader("RateLimit-Reset", "."), nil},
		{"reset two dots", rlHeader("RateLimit-Reset", "1.2.3"), nil},
		{"reset huge saturates", rlHeader("RateLimit-Reset", "999999999999999999999999"),
			&bperrors.RateLimit{Reset: math.MaxInt64, HasReset: true}},
		{"control characters", rlHeader("RateLimit-Limit", "1\x00", "RateLimit-Reset", "\x7f"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, bperrors.ParseRateLimit(tc.header))
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		header http.Header
		want   time.Duration
		ok     bool
	}{
		{"none", rlHeader(), 0, false},
		{"nil", nil, 0, false},
		{"seconds", rlHeader("Retry-After", "3"), 3 * time.Second, true},
		{"zero", rlHeader("Retry-After", "0"), 0, true},
		{"fraction", rlHeader("Retry-After", "1.5"), 1500 * time.Millisecond, true},
		{"date", rlHeader("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat)), 90 * time.Second, true},
		{"date in the past", rlHeader("Retry-After", now.Add(-time.Hour).Format(http.TimeFormat)), 0, true},
		{"ms wins", rlHeader("Retry-After", "3", "retry-after-ms", "250"), 250 * time.Millisecond, true},
		{"bad ms falls back", rlHeader("Retry-After", "3", "retry-after-ms", "soon"), 3 * time.Second, true},
		{"negative", rlHeader("Retry-After", "-3"), 0, false},
		{"garbage", rlHeader("Retry-After", "later"), 0, false},
		{"infinite", rlHeader("Retry-After", "Inf"), 0, false},
		{"huge saturates", rlHeader("Retry-After", "1e300"), math.MaxInt64, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := bperrors.ParseRetryAfter(tc.header, now)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, d)
		})
	}
}

func TestFromResponseRateLimitHeaders(t *testing.T) {
	t.Run("429 with every header", func(t *testing.T) {
		h := rlHeader("RateLimit-Limit", "100", "RateLimit-Remaining", "0", "RateLimit-Reset", "1",
			"Retry-After", "1", "retry-after-ms", "640")
		e := bperrors.FromResponse(429, h, []byte(`{"id":"err_rl","code":429,"type":"RateLimited","message":"Too many requests"}`))
		assert.ErrorIs(t, e, bperrors.ErrRateLimited)
		require.NotNil(t, e.RateLimit)
		assert.Equal(t, bperrors.RateLimit{Limit: 100, Remaining: 0, Reset: time.Second,
			HasLimit: true, HasRemaining: true, HasReset: true}, *e.RateLimit)
		assert.True(t, e.HasRetryAfter)
		assert.Equal(t, 640*time.Millisecond, e.RetryAfter)
	})
	t.Run("an error that is not a 429 carries them too", func(t *testing.T) {
		e := bperrors.FromResponse(404, rlHeader("RateLimit-Remaining", "12"), []byte(`{"type":"ResourceNotFound"}`))
		require.NotNil(t, e.RateLimit)
		assert.Equal(t, 12, e.RateLimit.Remaining)
		assert.False(t, e.RateLimit.HasLimit)
		assert.False(t, e.HasRetryAfter)
	})
	t.Run("none", func(t *testing.T) {
		e := bperrors.FromResponse(500, rlHeader("Content-Type", "text/html"), []byte(`oops`))
		assert.Nil(t, e.RateLimit)
		assert.False(t, e.HasRetryAfter)
		assert.Zero(t, e.RetryAfter)
	})
	t.Run("bad headers do not hurt", func(t *testing.T) {
		h := rlHeader("RateLimit-Limit", "x", "RateLimit-Remaining", "y", "RateLimit-Reset", "z", "Retry-After", "w")
		e := bperrors.FromResponse(429, h, []byte(`{"type":"RateLimited","message":"slow down"}`))
		assert.Nil(t, e.RateLimit)
		assert.False(t, e.HasRetryAfter)
		assert.Equal(t, "slow down", e.Message)
		assert.ErrorIs(t, e, bperrors.ErrRateLimited)
	})
}

func FuzzParseRateLimit(f *testing.F) {
	for _, s := range []string{"100", "0", "1.5", "-1", "1e3", "100, 100;w=1", "", " ", "99999999999999999999", "0x1p4", ".5", "5."} {
		f.Add(s, s, s)
	}
	f.Fuzz(func(t *testing.T, limit, remaining, reset string) {
		h := http.Header{"Ratelimit-Limit": {limit}, "Ratelimit-Remaining": {remaining}, "Ratelimit-Reset": {reset}, "Retry-After": {reset}}
		rl := bperrors.ParseRateLimit(h)
		_, _ = bperrors.ParseRetryAfter(h, time.Now())
		if rl == nil {
			return
		}
		if rl.Limit < 0 || rl.Remaining < 0 || rl.Reset < 0 {
			t.Fatalf("negative value from %q %q %q: %+v", limit, remaining, reset, rl)
		}
		if !rl.HasLimit && !rl.HasRemaining && !rl.HasReset {
			t.Fatal("non-nil RateLimit with nothing present")
		}
	})
}
