// This file lets a fresh writer process start from a trusted point instead of the stream's
// start when it looks for the head of an aggregate it does not know: the heads of a signed
// checkpoint's state block (translog.Log.ResumePoint), so that only the aggregate's messages
// after the checkpoint are read and verified.

package store

import (
	"context"
	"errors"
	"sync"
)

// trustedStart is a verified point of the stream a head read starts from.
type trustedStart struct {
	seq   uint64             // the checkpoint's last leaf: every message up to it is accounted for
	heads map[string]headRef // every aggregate's head there (cid, seq; last unset)
}

// TrustHeads makes p, a verified point of the stream (translog.Log.ResumePoint of a checkpoint
// whose signature verified with the log's key), where this process starts when it looks for
// the head of an aggregate it does not know yet: an aggregate with no message after p.Seq has
// p's head (or none, when p names none) without any read, and for the others only the
// messages after p.Seq are read and verified, with the same chain, fork and parent rules as a
// read from the stream's start. Without it a fresh process reads the aggregate's whole chain
// once. p must come from a verified checkpoint: its heads are not checked again.
//
// Call it before the first append; heads already cached are kept (they are verified too).
func (s *JetStreamEvents) TrustHeads(p ResumePoint) {
	st := &trustedStart{seq: p.Seq, heads: make(map[string]headRef, len(p.Heads))}
	for _, h := range p.Heads {
		if h.CID.Defined() && h.Seq <= p.Seq {
			st.heads[h.AggregateID] = headRef{cid: h.CID, seq: h.Seq}
		}
	}
	s.mu.Lock()
	s.start = st
	s.mu.Unlock()
	for _, h := range st.heads {
		s.rememberVerified(h.cid, h.seq) // parents of later events that are heads cost no look-up
	}
}

// trusted returns the trusted start, nil when TrustHeads was not called.
func (s *JetStreamEvents) trusted() *trustedStart {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.start
}

// trustedHead returns the aggregate's head at the trusted start, with last set to from.
func (st *trustedStart) head(aggregateID string, last uint64) headRef {
	h := st.heads[aggregateID]
	h.last = last
	return h
}

// WarmHeads finds the heads of aggregates the process is about to append to, asking for all
// of them at once: their chains are then followed in one batched read (at most coldBatch
// aggregates a read), in which most parents are verified by the same read, instead of one read
// per gather of appends that arrive a few milliseconds apart, where the first read follows a
// single aggregate and looks up each of its parents in other aggregates (two round trips
// each). Heads already cached, or given by TrustHeads, cost at most one request. Each
// aggregate ID must be valid (ErrInvalidInput).
func (s *JetStreamEvents) WarmHeads(ctx context.Context, aggregateIDs []string) error {
	for _, id := range aggregateIDs {
		if err := ValidateName("aggregate ID", id); err != nil {
			return err
		}
	}
	errs := make([]error, len(aggregateIDs))
	slots := make(chan struct{}, coldBatch)
	var wg sync.WaitGroup
	for i, id := range aggregateIDs {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			_, errs[i] = s.head(ctx, id, false)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
