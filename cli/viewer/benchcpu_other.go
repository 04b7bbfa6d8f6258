//go:build !unix

package viewer

import "time"

// processCPU is 0 where getrusage is missing: moving_cost.cpu_ms then reads 0.
func processCPU() time.Duration { return 0 }
