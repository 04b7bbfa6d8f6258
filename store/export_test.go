package store

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// SetColdReadWindow sets how long the batched chain read of cold heads waits for more
// aggregates to join it: until none joined for quiet, at most gather. A test on a loaded
// machine (-race, other suites) widens it so that callers started together share one read.
func SetColdReadWindow(s *JetStreamEvents, quiet, gather time.Duration) {
	s.cold.mu.Lock()
	defer s.cold.mu.Unlock()
	s.cold.quiet, s.cold.gather = quiet, gather
}

// TailReads is how many messages s's tail passes have read.
func TailReads(s *JetStreamEvents) uint64 { return s.tailReads.Load() }

// ReadStream is s's bounded read of the whole stream from startSeq, the one history, replay
// and verify use, with fn called on each message's sequence.
func ReadStream(ctx context.Context, s *JetStreamEvents, startSeq uint64, fn func(seq uint64) error) error {
	return s.read(ctx, []string{StreamSubjects}, startSeq, func(_ jetstream.Msg, seq uint64) error { return fn(seq) })
}
