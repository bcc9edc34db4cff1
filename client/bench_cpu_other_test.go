//go:build !unix

package client_test

import "time"

// benchCPUTime reports that this platform's process CPU time is not read.
func benchCPUTime() (time.Duration, bool) { return 0, false }
