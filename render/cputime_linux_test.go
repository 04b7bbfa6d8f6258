//go:build linux

package render

import (
	"syscall"
	"time"
)

// threadCPU is the CPU time the calling OS thread has used (user and system), for
// benchmarks that report CPU time per operation: on a loaded machine it moves far less than
// the wall time does.
func threadCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
