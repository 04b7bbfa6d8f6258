package translog

import (
	"context"
	"errors"
	"fmt"

	"github.com/jetdag/jetdag/store"
)

// ErrUnverified: a checkpoint whose signature was not checked (ParseNote, or Latest on a Log
// opened without a Verifier) was given where only a verified one will do.
var ErrUnverified = errors.New("checkpoint signature not verified")

// ResumePoint turns a verified checkpoint (from OpenCheckpoint, or Latest on a log opened
// with a Verifier) into the point a feed or a verification resumes from: its state block,
// which must hash to the CID the signed note names and agree with its size and sequence, and
// a stream that still holds the checkpoint's last leaf (read from its entry bundle, checked
// against the root) at its sequence. What follows is then verified with the same rules as a
// full replay (store.ResumeAt). A checkpoint whose signature was not checked is refused
// with ErrUnverified before anything is read: resuming trusts the signature in place of a
// replay.
func (l *Log) ResumePoint(ctx context.Context, cp *Checkpoint) (store.ResumePoint, error) {
	var p store.ResumePoint
	if !cp.Verified() {
		return p, fmt.Errorf("%w: resume only from a checkpoint opened with the log's verifier key (size %d)", ErrUnverified, cp.N)
	}
	st, err := LoadState(ctx, l.bs, cp.State)
	if err != nil {
		return p, err
	}
	if st.Size != cp.N || st.Seq != cp.Seq {
		return p, fmt.Errorf("%w: state block says size %d seq %d, the checkpoint %d and %d", ErrBadState, st.Size, st.Seq, cp.N, cp.Seq)
	}
	if cp.N > 0 {
		last, err := l.Leaf(ctx, cp, cp.N-1)
		if err != nil {
			return p, err
		}
		at, err := l.es.CIDAt(ctx, cp.Seq)
		if err != nil || !at.Equals(last) {
			return p, fmt.Errorf("%w: the stream does not hold the checkpoint's last leaf %s at seq %d (%v)", ErrInconsistent, last, cp.Seq, err)
		}
	}
	return store.ResumePoint{Seq: cp.Seq, Heads: st.Heads}, nil
}
