// This file reads an event's neighbours without replaying the stream, for the window's
// explore mode: the next event of its chain (one subject-filtered lookup) and its children,
// from the children index (events_children.go) and, past its watermark, among the stream
// messages within a bounded window (one headers-only read).

package store

import (
	"cmp"
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
	next, _, err := s.NextWithRejected(ctx, ev)
	return next, err
}

// NextWithRejected is Next, also returning the messages of ev's aggregate it stepped over
// (junk, forks, forged events), in stream order, each with the reason it is no part of the
// chain: all the aggregate's messages after ev when ev is the head (ErrNotFound).
func (s *JetStreamEvents) NextWithRejected(ctx context.Context, ev *StoredEvent) (*StoredEvent, []*Rejection, error) {
	if ev == nil || !ev.CID.Defined() || ev.Seq == 0 {
		return nil, nil, fmt.Errorf("%w: Next needs a stored event", ErrInvalidInput)
	}
	filter := AggregateFilter(ev.AggregateID)
	seq := ev.Seq + 1
	var rejected []*Rejection
	for range maxNextSkips {
		msg, err := s.stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(filter))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil, rejected, fmt.Errorf("%w: %s is the head of %q", ErrNotFound, ev.CID, ev.AggregateID)
		}
		if err != nil {
			return nil, rejected, fmt.Errorf("next event of %q after seq %d: %w", ev.AggregateID, seq-1, err)
		}
		b, c, err := verifyStandalone(msg.Subject, msg.Header, msg.Data)
		switch {
		case err != nil:
		case b.AggregateID != ev.AggregateID:
			err = fmt.Errorf("aggregate %q on a subject of %q", b.AggregateID, ev.AggregateID)
		case !b.PreviousCID.Equals(ev.CID):
			err = fmt.Errorf("previous_cid %s is not %s, the chain's event before it (a fork)", cidOrNull(b.PreviousCID), ev.CID)
		case !s.parentsBefore(ctx, b, msg.Sequence):
			err = errParentNotBefore
		default:
			return &StoredEvent{Event: *b, CID: c, Seq: msg.Sequence}, rejected, nil
		}
		r := rejection(msg.Sequence, msg.Subject, msg.Header, msg.Data, err)
		r.Stored = msg.Time
		rejected = append(rejected, r)
		seq = msg.Sequence + 1
	}
	return nil, rejected, fmt.Errorf("%w: more than %d messages of %q after seq %d are not its chain", ErrCorrupt, maxNextSkips, ev.AggregateID, ev.Seq)
}

// errParentNotBefore is the reason a message whose parents are not all events stored before
// it is rejected.
var errParentNotBefore = errors.New("a parent is not an event stored before it")

func cidOrNull(c cid.Cid) string {
	if !c.Defined() {
		return "null"
	}
	return c.String()
}

// VerifyAt reads the message stored at seq and checks it on its own (hash, canonical block,
// subject and headers, every parent an event stored before it): an event, or a rejection
// saying why not. The chain is not checked (Next does that). ErrNotFound: no message at seq.
func (s *JetStreamEvents) VerifyAt(ctx context.Context, seq uint64) (Record, error) {
	msg, err := s.stream.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return Record{}, fmt.Errorf("%w: no message at seq %d", ErrNotFound, seq)
	}
	if err != nil {
		return Record{}, fmt.Errorf("read seq %d: %w", seq, err)
	}
	b, c, err := verifyStandalone(msg.Subject, msg.Header, msg.Data)
	if err == nil && !s.parentsBefore(ctx, b, seq) {
		err = errParentNotBefore
	}
	if err != nil {
		r := rejection(seq, msg.Subject, msg.Header, msg.Data, err)
		r.Stored = msg.Time
		return Record{Seq: seq, Rejected: r}, nil
	}
	return Record{Seq: seq, Event: &StoredEvent{Event: *b, CID: c, Seq: seq}}, nil
}

// StoredHeader is a stream message as TailHeaders delivers it: its sequence, subject and
// headers (unverified: VerifyAt checks the message).
type StoredHeader struct {
	Seq     uint64
	Subject string
	Header  nats.Header
}

// TailHeaders delivers the headers of every message stored after seq, in stream order, and
// then of each new one as it is stored, through an ordered consumer (headers only, no
// bodies), until ctx ends or the stream cannot be read; then the channel is closed.
func (s *JetStreamEvents) TailHeaders(ctx context.Context, after uint64) (<-chan StoredHeader, error) {
	cons, err := s.js.OrderedConsumer(ctx, StreamName, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{StreamSubjects},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    after + 1,
		HeadersOnly:    true,
	})
	if err != nil {
		return nil, fmt.Errorf("ordered consumer: %w", err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(256))
	if err != nil {
		return nil, fmt.Errorf("ordered consumer: %w", err)
	}
	out := make(chan StoredHeader, 256)
	go func() {
		defer close(out)
		defer dropOrdered(ctx, s.js, StreamName, cons)
		defer it.Stop()
		stop := context.AfterFunc(ctx, it.Stop)
		defer stop()
		for {
			m, err := it.Next()
			if err != nil {
				if ctx.Err() == nil {
					s.log.Error("header feed stopped", "err", err)
				}
				return
			}
			md, err := m.Metadata()
			if err != nil {
				continue
			}
			select {
			case out <- StoredHeader{Seq: md.Sequence.Stream, Subject: m.Subject(), Header: m.Headers()}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// errWindowEnd stops a read at the end of its window.
var errWindowEnd = errors.New("end of window")

// ChildrenWithin returns the events that name ev as a causal parent, each verified, in
// stream order: those the children index knows, and among the window stream messages after
// the index's watermark (or after ev, when ev is past it; window ≤ 0: up to the stream's
// end) those it does not know yet. See ChildrenOf.
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

// ChildrenOf maps each event of evs to the events that name it as a causal parent, each
// verified, in stream order. Children stored up to the children index's watermark come from
// the index (one listing of the bucket, each entry checked against the stream: an entry that
// names no child of its parent is ignored), wherever they are in the stream. Past the
// watermark, which readers raise as they index the stream's tail (indexTail), nothing is
// indexed yet: ChildrenOf reads the window messages after the watermark, or after the event
// when it is past the watermark (window ≤ 0: to the stream's end), headers only (their
// Parent-n headers name the parents), and fetches the body of a candidate alone. A child
// appears only after its parent in the stream (FORMAT.md invariant 4), so nothing before is
// read. The events' scans that overlap are one read, and scans far apart are read apart:
// nothing between them is read.
func (s *JetStreamEvents) ChildrenOf(ctx context.Context, evs []*StoredEvent, window int) (map[cid.Cid][]*StoredEvent, error) {
	out := make(map[cid.Cid][]*StoredEvent, len(evs))
	if len(evs) == 0 {
		return out, nil
	}
	for _, ev := range evs {
		if ev == nil || !ev.CID.Defined() || ev.Seq == 0 {
			return nil, fmt.Errorf("%w: ChildrenOf needs stored events", ErrInvalidInput)
		}
	}
	cw, err := s.childrenFromIndex(ctx, evs, out)
	if err != nil {
		return nil, fmt.Errorf("children of %d events: %w", len(evs), err)
	}
	want := make(map[string]childWant, len(evs))
	afters := make([]uint64, 0, len(evs))
	for _, ev := range evs {
		after := max(ev.Seq, cw)
		w := childWant{c: ev.CID}
		if window > 0 {
			w.end = after + uint64(window)
		}
		want[ev.CID.String()] = w
		afters = append(afters, after)
	}
	// The stretches to read, (after, end] (end 0: to the stream's end), in stream order.
	slices.Sort(afters)
	type stretch struct{ after, end uint64 }
	stretches := []stretch{{after: afters[0]}}
	if window > 0 {
		stretches[0].end = afters[0] + uint64(window)
		for _, q := range afters[1:] {
			last := &stretches[len(stretches)-1]
			if q <= last.end {
				last.end = max(last.end, q+uint64(window))
			} else {
				stretches = append(stretches, stretch{after: q, end: q + uint64(window)})
			}
		}
	}
	scanned := make(map[cid.Cid][]*StoredEvent, len(evs))
	for _, st := range stretches {
		err := s.readWith(ctx, []string{StreamSubjects}, st.after+1, true, func(m jetstream.Msg, seq uint64) error {
			if st.end != 0 && seq > st.end {
				return errWindowEnd
			}
			if seq <= cw {
				return nil // the index's part
			}
			return s.childOf(ctx, m.Headers(), seq, want, scanned)
		})
		if err != nil && !errors.Is(err, errWindowEnd) {
			return nil, fmt.Errorf("children of %d events: %w", len(evs), err)
		}
	}
	for c, kids := range scanned {
		for _, k := range kids {
			if !slices.ContainsFunc(out[c], func(o *StoredEvent) bool { return o.CID.Equals(k.CID) }) {
				out[c] = append(out[c], k)
			}
		}
	}
	for c := range out {
		slices.SortFunc(out[c], func(a, b *StoredEvent) int { return cmp.Compare(a.Seq, b.Seq) })
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
