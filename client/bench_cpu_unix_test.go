//go:build unix

package client_test

import (
	"syscall"
	"time"
)

// benchCPUTime returns the CPU time (user and system) this process has used
// so far, and whether it could tell.
func benchCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
