// This file reads an event's neighbours without replaying the stream, for the window's
// explore mode: the next event of its chain (one subject-filtered lookup) and, since no index
// says who names an event as a parent, its children among the stream messages that follow it
// within a bounded window (one headers-only read).

package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// maxNextSkips bounds how many messages of an aggregate that are not part of its chain (junk,
// forks, forged events) Next steps over before it gives up.
const maxNextSkips = 1000

// Next returns the event that follows ev in its aggregate's chain (the one whose previous_cid
// is ev), or ErrNotFound when ev is the aggregate's head. It asks the server for the
// aggregate's next message after ev's sequence (a subject-filtered get, not a read of the
// stream), stepping over messages that fail verification or fork the chain.
func (s *JetStreamEvents) Next(ctx context.Context, ev *StoredEvent) (*StoredEvent, error) {
	if ev == nil || !ev.CID.Defined() || ev.Seq == 0 {
		return nil, fmt.Errorf("%w: Next needs a stored event", ErrInvalidInput)
	}
	filter := AggregateFilter(ev.AggregateID)
	seq := ev.Seq + 1
	for range maxNextSkips {
		msg, err := s.stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(filter))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil, fmt.Errorf("%w: %s is the head of %q", ErrNotFound, ev.CID, ev.AggregateID)
		}
		if err != nil {
			return nil, fmt.Errorf("next event of %q after seq %d: %w", ev.AggregateID, seq-1, err)
		}
		b, c, err := verifyStandalone(msg.Subject, msg.Header, msg.Data)
		if err == nil && b.AggregateID == ev.AggregateID && b.PreviousCID.Equals(ev.CID) && s.parentsBefore(ctx, b, msg.Sequence) {
			return &StoredEvent{Event: *b, CID: c, Seq: msg.Sequence}, nil
		}
		seq = msg.Sequence + 1
	}
	return nil, fmt.Errorf("%w: more than %d messages of %q after seq %d are not its chain", ErrCorrupt, maxNextSkips, ev.AggregateID, ev.Seq)
}

// errWindowEnd stops a read at the end of its window.
var errWindowEnd = errors.New("end of window")

// ChildrenWithin returns the events that name ev as a causal parent among the window stream
// messages after ev's sequence (window ≤ 0: up to the stream's end), each verified, in stream
// order. A child appears only after its parent in the stream (FORMAT.md invariant 4), so the
// read starts at ev; it delivers headers only (their Parent-n headers name the parents) and
// fetches the body of a candidate alone. Children further than window messages away are not
// found: nothing indexes them, and finding them all is a read of the rest of the stream.
func (s *JetStreamEvents) ChildrenWithin(ctx context.Context, ev *StoredEvent, window int) ([]*StoredEvent, error) {
	kids, err := s.ChildrenOf(ctx, []*StoredEvent{ev}, window)
	if err != nil {
		return nil, err
	}
	return kids[ev.CID], nil
}

// childWant is an event ChildrenOf looks for children of.
type childWant struct {
	c   cid.Cid
	end uint64 // last sequence of its window, 0: the stream's end
}

// ChildrenOf is ChildrenWithin for several events, reading each stretch of the stream their
// windows cover once: overlapping windows are one read, windows far apart (a chain's previous
// event a million messages back) are read apart, and nothing between them is read. It maps
// each event's CID to its children.
func (s *JetStreamEvents) ChildrenOf(ctx context.Context, evs []*StoredEvent, window int) (map[cid.Cid][]*StoredEvent, error) {
	out := make(map[cid.Cid][]*StoredEvent, len(evs))
	if len(evs) == 0 {
		return out, nil
	}
	want := make(map[string]childWant, len(evs))
	seqs := make([]uint64, 0, len(evs))
	for _, ev := range evs {
		if ev == nil || !ev.CID.Defined() || ev.Seq == 0 {
			return nil, fmt.Errorf("%w: ChildrenOf needs stored events", ErrInvalidInput)
		}
		w := childWant{c: ev.CID}
		if window > 0 {
			w.end = ev.Seq + uint64(window)
		}
		want[ev.CID.String()] = w
		seqs = append(seqs, ev.Seq)
	}
	// The stretches to read, (after, end] (end 0: to the stream's end), in stream order.
	slices.Sort(seqs)
	type stretch struct{ after, end uint64 }
	stretches := []stretch{{after: seqs[0]}}
	if window > 0 {
		stretches[0].end = seqs[0] + uint64(window)
		for _, q := range seqs[1:] {
			last := &stretches[len(stretches)-1]
			if q <= last.end {
				last.end = max(last.end, q+uint64(window))
			} else {
				stretches = append(stretches, stretch{after: q, end: q + uint64(window)})
			}
		}
	}
	for _, st := range stretches {
		err := s.readWith(ctx, []string{StreamSubjects}, st.after+1, true, func(m jetstream.Msg, seq uint64) error {
			if st.end != 0 && seq > st.end {
				return errWindowEnd
			}
			return s.childOf(ctx, m.Headers(), seq, want, out)
		})
		if err != nil && !errors.Is(err, errWindowEnd) {
			return nil, fmt.Errorf("children of %d events: %w", len(evs), err)
		}
	}
	return out, nil
}

// childOf adds the message at seq (hdr its headers) to out under each wanted event it names
// as a parent within that event's window, once its body is fetched and verified.
func (s *JetStreamEvents) childOf(ctx context.Context, hdr nats.Header, seq uint64, want map[string]childWant, out map[cid.Cid][]*StoredEvent) error {
	var named []childWant
	for i := 0; ; i++ {
		p := hdr.Get(HeaderParentPfx + strconv.Itoa(i))
		if p == "" {
			break
		}
		if w, ok := want[p]; ok && (w.end == 0 || seq <= w.end) {
			named = append(named, w)
		}
	}
	if len(named) == 0 {
		return nil
	}
	raw, err := s.stream.GetMsg(ctx, seq)
	if err != nil {
		return fmt.Errorf("read seq %d: %w", seq, err)
	}
	b, c, err := verifyStandalone(raw.Subject, raw.Header, raw.Data)
	if err != nil || !s.parentsBefore(ctx, b, seq) {
		return nil // a forged or broken child is no child (verify reports it)
	}
	for _, w := range named {
		for _, p := range b.ParentCIDs {
			if p.Equals(w.c) {
				out[w.c] = append(out[w.c], &StoredEvent{Event: *b, CID: c, Seq: seq})
				break
			}
		}
	}
	return nil
}
