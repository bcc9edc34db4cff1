package main

import "testing"

func TestNewer(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"1.105.0", "1.70.2", true}, {"1.70.2", "1.105.0", false}, {"1.70.2", "1.70.2", false},
		{"2.0.0", "1.99.99", true}, {"1.70.10", "1.70.9", true}, {"v1.2.0", "1.1.9", true},
	} {
		if got := newer(tc.a, tc.b); got != tc.want {
			t.Errorf("newer(%s, %s) = %t, want %t", tc.a, tc.b, got, tc.want)
		}
	}
}
