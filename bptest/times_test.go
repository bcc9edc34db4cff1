package bptest_test

import "time"

// mustTime reads a date-time in RFC 3339, or a date, for a test's literal.
func mustTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	panic("mustTime: " + s)
}
