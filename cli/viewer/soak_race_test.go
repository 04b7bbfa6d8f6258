//go:build race

package viewer

// Under the race detector the stream is shorter and the resident size is not judged: the
// detector slows everything ten-fold and keeps shadow memory of its own.
const (
	soakEvents = 50_000
	judgeRSS   = false
)
