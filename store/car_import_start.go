// This file decides where an import's read of the stream starts: at the stream's first
// message, or, when the process trusts a verified checkpoint (TrustHeads), right after it.

package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go/jetstream"
)

// importIndex is what an import knows of the stored events: those its read of the stream
// verified and, when that read started after a trusted checkpoint, the events up to the
// checkpoint through the CID index (as a feed resumed with ResumeAt looks up older parents).
type importIndex struct {
	v      *Verifier
	upTo   uint64 // the trusted checkpoint's last sequence; 0 when v read the whole stream
	lookup LookupFunc
	// err is the first lookup that could not be answered: the import fails with it rather
	// than take a stored event for a missing one.
	err error
}

// Seq returns a stored event's sequence.
func (x *importIndex) Seq(c cid.Cid) (uint64, bool) {
	if s, ok := x.v.Seq(c); ok {
		return s, true
	}
	if x.lookup == nil {
		return 0, false
	}
	// After the checkpoint only what the read verified counts.
	s, ok, err := x.lookup(c)
	if err != nil {
		if x.err == nil {
			x.err = fmt.Errorf("%w: %s: %w", ErrLookup, c, err)
		}
		return 0, false
	}
	if ok && s <= x.upTo {
		return s, true
	}
	return 0, false
}

// Head returns an aggregate's current head.
func (x *importIndex) Head(aggregateID string) (cid.Cid, uint64, bool) {
	return x.v.Head(aggregateID)
}

// readForImport reads and verifies the stream for an import and puts into held every
// rejected message by message ID (while the stream's duplicate window lasts, the server drops
// an event sent with one of their IDs). With a trusted start (TrustHeads) it verifies only the
// messages after the checkpoint, from a Verifier holding the checkpoint's heads; of the
// messages up to the checkpoint it reads only the headers of those stored within the duplicate
// window, every one of whose IDs it counts as held (an event of the file that is stored is
// found first, through the CID index). It returns the index and the number of messages it
// verified.
func (s *JetStreamEvents) readForImport(ctx context.Context, held map[string]*Rejection) (*importIndex, int, error) {
	n := 0
	collect := func(r Record) error {
		n++
		if rj := r.Rejected; rj != nil && rj.MsgID != "" {
			held[rj.MsgID] = rj
		}
		return nil
	}
	st := s.trusted()
	if st == nil || st.seq == 0 {
		v, _, err := s.Replay(ctx, ReplayOptions{}, collect)
		if err != nil {
			return nil, n, fmt.Errorf("read events: %w", err)
		}
		return &importIndex{v: v}, n, nil
	}
	from, err := s.duplicateWindowStart(ctx, st.seq)
	if err != nil {
		return nil, 0, err
	}
	if from <= st.seq {
		err := s.readWith(ctx, []string{StreamSubjects}, from, true, func(m jetstream.Msg, seq uint64) error {
			if seq > st.seq {
				return errWindowRead
			}
			md, err := m.Metadata()
			if err != nil {
				return fmt.Errorf("message metadata: %w", err)
			}
			if id := m.Headers().Get(HeaderMsgID); id != "" {
				held[id] = &Rejection{Seq: seq, Subject: m.Subject(), MsgID: id, Stored: md.Timestamp, Reason: "stored within the duplicate window before the checkpoint"}
			}
			return nil
		})
		if err != nil && !errors.Is(err, errWindowRead) {
			return nil, 0, fmt.Errorf("read the duplicate window before the checkpoint: %w", err)
		}
	}
	v := NewVerifier()
	v.lastSeq = st.seq
	for a, h := range st.heads {
		v.heads[a] = headRef{cid: h.cid, seq: h.seq}
	}
	if _, err := s.Scan(ctx, v, st.seq+1, collect); err != nil {
		return nil, n, fmt.Errorf("read events after the checkpoint: %w", err)
	}
	s.log.Info("import read the stream from a checkpoint", "from_seq", st.seq+1, "messages", n, "window_from_seq", from)
	return &importIndex{v: v, upTo: st.seq, lookup: s.Lookup(ctx)}, n, nil
}

// errWindowRead ends the header read of the duplicate window at the checkpoint.
var errWindowRead = errors.New("end of the window read")

// duplicateWindowStart returns the first sequence up to last stored less than the stream's
// duplicate window (and a second) ago, last+1 when there is none: a binary search over the
// messages' stored times (about twenty requests at a million messages). A gap in the
// sequences (a message that cannot be read) makes it return 1: all of them count.
func (s *JetStreamEvents) duplicateWindowStart(ctx context.Context, last uint64) (uint64, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("stream info: %w", err)
	}
	cutoff := time.Now().Add(-info.Config.Duplicates - time.Second)
	lo, hi := uint64(1), last+1 // the answer is in [lo, hi]
	for lo < hi {
		mid := lo + (hi-lo)/2
		m, err := s.stream.GetMsg(ctx, mid)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return 1, nil
		}
		if err != nil {
			return 0, fmt.Errorf("read message %d: %w", mid, err)
		}
		if m.Time.Before(cutoff) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, nil
}
