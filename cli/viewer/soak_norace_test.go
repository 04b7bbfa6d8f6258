//go:build !race

package viewer

// soakEvents is how many events TestKioskMemoryFlat streams.
const (
	soakEvents = 1_000_000
	judgeRSS   = true
)
