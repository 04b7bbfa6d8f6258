//go:build !linux

package cpubench

import "time"

// threadCPU is not read outside Linux.
func threadCPU() (time.Duration, bool) { return 0, false }

// processCPU is not read outside Linux.
func processCPU() (time.Duration, bool) { return 0, false }
