package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"

	"github.com/jetdag/jetdag/store/block"
)

// MemoryEvents is an EventStore that keeps its stream in memory, for users' unit tests (the
// seed's MockEventStore). It builds the same blocks, subjects and headers as JetStreamEvents
// and accepts a message only after the same Verifier has checked it, so it obeys the same
// contract; it is not durable and serves a single process.
type MemoryEvents struct {
	mu      sync.Mutex
	msgs    []*nats.Msg // index i holds sequence i+1
	v       *Verifier
	changed chan struct{} // closed and replaced on every append
	now     func() int64
	// MaxPayload mirrors the server limit (default 1 MiB).
	MaxPayload int
}

var _ EventStore = (*MemoryEvents)(nil)

// NewMemoryEvents returns an empty in-memory event store.
func NewMemoryEvents() *MemoryEvents {
	return &MemoryEvents{
		v: NewVerifier(), changed: make(chan struct{}),
		now: func() int64 { return time.Now().UnixNano() }, MaxPayload: 1 << 20,
	}
}

// Append adds one event to the aggregate's chain.
func (m *MemoryEvents) Append(ctx context.Context, aggregateID, eventType string, payload []byte, parents ...cid.Cid) (*StoredEvent, error) {
	return m.AppendEvent(ctx, NewEvent{AggregateID: aggregateID, EventType: eventType, Payload: payload, Parents: parents})
}

// AppendEvent appends one event with options.
func (m *MemoryEvents) AppendEvent(ctx context.Context, ne NewEvent, opts ...AppendOption) (*StoredEvent, error) {
	evs, err := m.AppendBatch(ctx, ne.AggregateID, []NewEvent{ne}, opts...)
	if err != nil {
		return nil, err
	}
	return evs[0], nil
}

// AppendAsync appends at once (there is no round trip to hide in memory) and returns the
// finished PendingAppend.
func (m *MemoryEvents) AppendAsync(ctx context.Context, ne NewEvent, opts ...AppendOption) *PendingAppend {
	ev, err := m.AppendEvent(ctx, ne, opts...)
	return resolvedAppend(ev, err)
}

// AppendBatch appends evs atomically after the aggregate's head.
func (m *MemoryEvents) AppendBatch(ctx context.Context, aggregateID string, evs []NewEvent, opts ...AppendOption) ([]*StoredEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o := collectOptions(opts)
	if err := validateBatch(aggregateID, evs); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, ne := range evs {
		for _, p := range ne.Parents {
			if _, ok := m.v.Seq(p); !ok {
				return nil, fmt.Errorf("%w: %s", ErrUnknownParent, p)
			}
		}
	}
	head, headSeq, _ := m.v.Head(aggregateID)
	if o.expectSet && !head.Equals(o.expectHead) {
		return nil, &ConflictError{AggregateID: aggregateID, Head: head, HeadSeq: headSeq, Expected: o.expectHead}
	}
	now := m.now()
	// Build and verify against a scratch copy first, so a failure stores nothing.
	built := make([]*nats.Msg, len(evs))
	prev := head
	for i, ne := range evs {
		ts := ne.Timestamp
		if ts == 0 {
			ts = now
		}
		ev := block.Event{AggregateID: aggregateID, EventType: ne.EventType, ParentCIDs: ne.Parents,
			Payload: ne.Payload, PreviousCID: prev, Timestamp: ts}
		msg, c, err := EventMessage(&ev)
		if err != nil {
			return nil, err
		}
		if n := MessageSize(msg); n > m.MaxPayload {
			return nil, fmt.Errorf("%w: event %d is %d bytes with headers, the limit is %d", ErrPayloadTooLarge, i, n, m.MaxPayload)
		}
		built[i] = msg
		prev = c
	}
	out := make([]*StoredEvent, 0, len(built))
	for _, msg := range built {
		seq := uint64(len(m.msgs)) + 1
		st, err := m.v.Check(seq, msg.Subject, msg.Header, msg.Data)
		if err != nil {
			return nil, fmt.Errorf("memory store: %w", err) // unreachable: built above on the head
		}
		m.msgs = append(m.msgs, msg)
		out = append(out, st)
	}
	close(m.changed)
	m.changed = make(chan struct{})
	return out, nil
}

// Close does nothing: the memory store has no background work.
func (m *MemoryEvents) Close(context.Context) error { return nil }

// Get returns the event with CID c.
func (m *MemoryEvents) Get(ctx context.Context, c cid.Cid) (*StoredEvent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	seq, ok := m.v.Seq(c)
	if !ok {
		return nil, fmt.Errorf("%w: event %s", ErrNotFound, c)
	}
	return m.decodeLocked(seq)
}

func (m *MemoryEvents) decodeLocked(seq uint64) (*StoredEvent, error) {
	msg := m.msgs[seq-1]
	ev, err := block.DecodeEvent(msg.Data)
	if err != nil {
		return nil, fmt.Errorf("%w: seq %d: %w", ErrCorrupt, seq, err)
	}
	return &StoredEvent{Event: *ev, CID: block.Sum(msg.Data), Seq: seq}, nil
}

// Head returns the aggregate's latest event.
func (m *MemoryEvents) Head(ctx context.Context, aggregateID string) (*StoredEvent, error) {
	if err := ValidateName("aggregate ID", aggregateID); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, seq, ok := m.v.Head(aggregateID)
	if !ok {
		return nil, fmt.Errorf("%w: aggregate %q has no events", ErrNotFound, aggregateID)
	}
	return m.decodeLocked(seq)
}

// History returns the aggregate's events, oldest first.
func (m *MemoryEvents) History(ctx context.Context, aggregateID string) ([]*StoredEvent, error) {
	if err := ValidateName("aggregate ID", aggregateID); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	subj := AggregateFilter(aggregateID)
	prefix := subj[:len(subj)-1]
	var out []*StoredEvent
	for i, msg := range m.msgs {
		if len(msg.Subject) > len(prefix) && msg.Subject[:len(prefix)] == prefix {
			st, err := m.decodeLocked(uint64(i) + 1)
			if err != nil {
				return nil, err
			}
			out = append(out, st)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: aggregate %q has no events", ErrNotFound, aggregateID)
	}
	return out, nil
}

// Subscribe sends every event from fromSeq on, marks the catch-up, then follows live. The
// memory store holds its own verified state, so ResumeAt only moves fromSeq past the point.
func (m *MemoryEvents) Subscribe(ctx context.Context, fromSeq uint64, opts ...SubscribeOption) (<-chan Record, error) {
	if o := collectSubscribeOptions(opts); o.resume != nil {
		fromSeq = max(fromSeq, o.resume.Seq+1)
	}
	m.mu.Lock()
	last := uint64(len(m.msgs))
	m.mu.Unlock()
	out := make(chan Record, 256)
	go func() {
		defer close(out)
		send := func(r Record) bool {
			select {
			case out <- r:
				return true
			case <-ctx.Done():
				return false
			}
		}
		if last == 0 && !send(Record{CaughtUp: true}) {
			return
		}
		next := uint64(1)
		for {
			m.mu.Lock()
			n := uint64(len(m.msgs))
			changed := m.changed
			var batch []Record
			for ; next <= n; next++ {
				if next < fromSeq && next != last {
					continue
				}
				rec := Record{Seq: next, CaughtUp: next == last}
				if next >= fromSeq {
					st, err := m.decodeLocked(next)
					if err != nil {
						rec.Rejected = &Rejection{Seq: next, Subject: m.msgs[next-1].Subject, Reason: err.Error()}
					} else {
						rec.Event = st
					}
				}
				batch = append(batch, rec)
			}
			m.mu.Unlock()
			for _, r := range batch {
				if !send(r) {
					return
				}
			}
			select {
			case <-changed:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
