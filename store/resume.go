// This file lets a verification continue from a known point instead of the stream's start:
// the transparency log (store/translog) writes every aggregate's head into a signed
// checkpoint's state block, and a reader that trusts that checkpoint resumes from it.

package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/block"
)

// Head is an aggregate's latest verified event at some point of the stream.
type Head struct {
	AggregateID string
	CID         cid.Cid
	Seq         uint64
}

// Heads returns every aggregate's head, sorted by aggregate ID.
func (v *Verifier) Heads() []Head {
	out := make([]Head, 0, len(v.heads))
	for a, h := range v.heads {
		if h.cid.Defined() {
			out = append(out, Head{AggregateID: a, CID: h.cid, Seq: h.seq})
		}
	}
	slices.SortFunc(out, func(a, b Head) int { return strings.Compare(a.AggregateID, b.AggregateID) })
	return out
}

// LastSeq is the highest stream sequence the Verifier has checked.
func (v *Verifier) LastSeq() uint64 { return v.lastSeq }

// NewVerifierAt returns a bounded Verifier (see NewBoundedVerifier) that continues a
// verification which reached lastSeq with these aggregate heads: the next message it checks
// must come after lastSeq, and parents it has not seen are asked of lookup.
func NewVerifierAt(lastSeq uint64, heads []Head, max int, lookup LookupFunc) *Verifier {
	v := NewBoundedVerifier(max, lookup)
	v.lastSeq, v.from = lastSeq, lastSeq
	for _, h := range heads {
		v.heads[h.AggregateID] = headRef{cid: h.CID, seq: h.Seq}
	}
	return v
}

// ResumePoint is a verified point of the stream to start a feed from: the stream sequence of
// a checkpoint's last leaf and every aggregate's head there (translog.Log.ResumePoint builds
// it from a signed checkpoint).
type ResumePoint struct {
	Seq   uint64
	Heads []Head
}

// SubscribeOption adjusts Subscribe.
type SubscribeOption func(*subscribeOptions)

type subscribeOptions struct {
	resume *ResumePoint
}

// ResumeAt starts a feed after p instead of at the stream's first message: the feed's
// verifier starts from p's heads and checks what follows with the same chain, fork and
// parent rules as a full replay (parents older than p are looked up in the CID index).
func ResumeAt(p ResumePoint) SubscribeOption {
	return func(o *subscribeOptions) { o.resume = &p }
}

func collectSubscribeOptions(opts []SubscribeOption) subscribeOptions {
	var o subscribeOptions
	for _, f := range opts {
		f(&o)
	}
	return o
}

// Lookup returns the LookupFunc a bounded Verifier asks for parents it has forgotten: it finds
// a stored event's sequence through the CID index (Get). A failure to ask (a timeout, a leader
// election) is retried for up to 30 s and then returned as an error, never as "not stored": a
// parent that could not be looked up must not make its child look rejected.
func (s *JetStreamEvents) Lookup(ctx context.Context) LookupFunc {
	return func(c cid.Cid) (uint64, bool, error) {
		lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		for {
			ev, err := s.Get(lctx, c)
			if err == nil {
				return ev.Seq, true, nil
			}
			if errors.Is(err, ErrNotFound) {
				return 0, false, nil
			}
			if lctx.Err() != nil || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrAuthorization) {
				return 0, false, err // waiting will not change these
			}
			_ = Sleep(lctx, 100*time.Millisecond) // ended: the next Get reports lctx's error
		}
	}
}

// Scan verifies the stream's messages from fromSeq up to its last sequence at the time of the
// call with v (which holds the state before fromSeq) and calls fn with a Record for each.
// It returns the last sequence it read (fromSeq-1 when there was nothing to read).
func (s *JetStreamEvents) Scan(ctx context.Context, v *Verifier, fromSeq uint64, fn func(Record) error) (uint64, error) {
	last := fromSeq - 1
	if fromSeq == 0 {
		fromSeq, last = 1, 0
	}
	err := s.read(ctx, []string{StreamSubjects}, fromSeq, func(m jetstream.Msg, seq uint64) error {
		rec, err := s.verifyMsg(v, m, seq)
		if err != nil {
			return err // a parent that could not be looked up: this message is not checked
		}
		last = seq
		if fn != nil {
			return fn(rec)
		}
		return nil
	})
	return last, err
}

// CIDAt returns the CID that the body of the message at seq hashes to (ErrNotFound when the
// stream has no such message): a cheap check that the stream still holds what a log
// recorded there.
func (s *JetStreamEvents) CIDAt(ctx context.Context, seq uint64) (cid.Cid, error) {
	msg, err := s.stream.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return cid.Undef, fmt.Errorf("%w: no message at seq %d", ErrNotFound, seq)
	}
	if err != nil {
		return cid.Undef, fmt.Errorf("read seq %d: %w", seq, err)
	}
	return block.Sum(msg.Data), nil
}

// GetAt returns the verified event c read at stream sequence seq (a Head's), without the CID
// index: ErrNotFound when the stream holds no message there, ErrCorrupt when the message
// there does not hash to c. A window resuming from a checkpoint reads the heads so, also on
// a store whose index lags the stream.
func (s *JetStreamEvents) GetAt(ctx context.Context, c cid.Cid, seq uint64) (*StoredEvent, error) {
	return s.getSeq(ctx, c, seq)
}
