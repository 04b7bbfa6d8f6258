// This file appends events: single, batched and prebuilt blocks, with the chain and parent
// checks and lost-race handling. Finding the head is in events_head.go, publishing in
// events_publish.go, duplicate answers in events_duplicate.go.

package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/block"
)

// Append adds one event to the aggregate's chain.
func (s *JetStreamEvents) Append(ctx context.Context, aggregateID, eventType string, payload []byte, parents ...cid.Cid) (*StoredEvent, error) {
	return s.AppendEvent(ctx, NewEvent{AggregateID: aggregateID, EventType: eventType, Payload: payload, Parents: parents})
}

// AppendEvent appends one event with options.
func (s *JetStreamEvents) AppendEvent(ctx context.Context, ne NewEvent, opts ...AppendOption) (*StoredEvent, error) {
	evs, err := s.AppendBatch(ctx, ne.AggregateID, []NewEvent{ne}, opts...)
	if err != nil {
		return nil, err
	}
	return evs[0], nil
}

// AppendBatch appends evs to one aggregate atomically, chained in order after its head. One
// event is a plain publish; several use JetStream's atomic batch publish (at most 1000).
func (s *JetStreamEvents) AppendBatch(ctx context.Context, aggregateID string, evs []NewEvent, opts ...AppendOption) ([]*StoredEvent, error) {
	o := collectOptions(opts)
	if err := validateBatch(aggregateID, evs); err != nil {
		return nil, err
	}
	if err := s.checkParents(ctx, evs); err != nil {
		return nil, err
	}
	attempts := 1
	if !o.expectSet {
		attempts += max(o.retries, 0)
	}
	var lastErr error
	for attempt := range attempts {
		if attempt > 0 {
			// Writers that lost a race back off for a random while, growing with each loss,
			// so that several writers on one aggregate take turns instead of colliding again.
			if err := Sleep(ctx, conflictBackoff(attempt)); err != nil {
				return nil, fmt.Errorf("%w (retrying: %w)", lastErr, err)
			}
		}
		head, err := s.head(ctx, aggregateID, false)
		if err != nil {
			return nil, err
		}
		if o.expectSet && !head.cid.Equals(o.expectHead) {
			// The cache may be stale: ask the server before refusing.
			if head, err = s.head(ctx, aggregateID, true); err != nil {
				return nil, err
			}
			if !head.cid.Equals(o.expectHead) {
				return nil, &ConflictError{AggregateID: aggregateID, Head: head.cid, HeadSeq: head.seq, Expected: o.expectHead}
			}
		}
		stored, err := s.publishChain(ctx, aggregateID, head, evs)
		if err == nil {
			return stored, nil
		}
		lastErr = err
		if !errors.Is(err, ErrConflict) {
			return nil, err
		}
	}
	return nil, lastErr
}

// setExpectHeaders makes m stored only if the aggregate's last message is still at sequence
// last: the server's optimistic-concurrency check.
func setExpectHeaders(m *nats.Msg, aggregateID string, last uint64) {
	m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(last, 10))
	m.Header.Set("Nats-Expected-Last-Subject-Sequence-Subject", AggregateFilter(aggregateID))
}

// expectHeadersSize is what setExpectHeaders adds to a message at most.
func expectHeadersSize(aggregateID string) int {
	return len(jetstream.ExpectedLastSubjSeqHeader) + 20 + 4 + len("Nats-Expected-Last-Subject-Sequence-Subject") + len(AggregateFilter(aggregateID)) + 4
}

// batchHeadersSize is what publishBatch adds to a message at most: Nats-Batch-Id (an inbox
// token), Nats-Batch-Sequence (up to 1000) and Nats-Batch-Commit.
const batchHeadersSize = len("Nats-Batch-Id") + 32 + 4 + len("Nats-Batch-Sequence") + 4 + 4 + len("Nats-Batch-Commit") + 1 + 4

// conflictBackoff is the random wait before retry n (n >= 1) after a lost race: uniform in
// [0, 2^n ms), at most 256 ms.
func conflictBackoff(n int) time.Duration {
	ceiling := time.Millisecond << min(n, 8)
	return rand.N(ceiling)
}

func validateBatch(aggregateID string, evs []NewEvent) error {
	if len(evs) == 0 {
		return fmt.Errorf("%w: no events to append", ErrInvalidInput)
	}
	if len(evs) > 1000 {
		return fmt.Errorf("%w: %d events in one batch, at most 1000", ErrInvalidInput, len(evs))
	}
	if err := ValidateName("aggregate ID", aggregateID); err != nil {
		return err
	}
	for i := range evs {
		if evs[i].AggregateID != "" && evs[i].AggregateID != aggregateID {
			return fmt.Errorf("%w: batch event %d is for aggregate %q, not %q", ErrInvalidInput, i, evs[i].AggregateID, aggregateID)
		}
		if err := ValidateName("event type", evs[i].EventType); err != nil {
			return err
		}
	}
	return nil
}

// checkParents refuses parents that name no stored event (ErrUnknownParent).
func (s *JetStreamEvents) checkParents(ctx context.Context, evs []NewEvent) error {
	for _, ne := range evs {
		for _, p := range ne.Parents {
			k, ok := keyOf(p)
			if !ok {
				return fmt.Errorf("%w: %s is not an event CID (dag-cbor, sha2-256)", ErrUnknownParent, p)
			}
			s.mu.Lock()
			_, known := s.known[k]
			s.mu.Unlock()
			if known {
				continue
			}
			ev, err := s.Get(ctx, p)
			if errors.Is(err, ErrNotFound) {
				return fmt.Errorf("%w: %s", ErrUnknownParent, p)
			}
			if err != nil {
				return fmt.Errorf("check parent %s: %w", p, err)
			}
			s.remember(k, ev.Seq)
		}
	}
	return nil
}

// knownEvents bounds the cache of verified event sequences (a 32-byte key and a sequence each,
// some 15-25 MiB when full: an estimate, not measured): enough
// for the parents of a few hundred thousand events read back when a process finds existing
// aggregates.
const knownEvents = 1 << 18

func (s *JetStreamEvents) remember(k digestKey, seq uint64) {
	s.mu.Lock()
	if len(s.known) > knownEvents { // a cache, not the index: keep it bounded
		clear(s.known)
	}
	s.known[k] = seq
	s.mu.Unlock()
}

// publishChain builds the events on head and publishes them; a lost race refreshes the cached
// head and returns a *ConflictError.
func (s *JetStreamEvents) publishChain(ctx context.Context, aggregateID string, head headRef, evs []NewEvent) ([]*StoredEvent, error) {
	return s.publishChainN(ctx, aggregateID, head, evs, 3)
}

// builtChain is a run of events built on a head, ready to publish.
type builtChain struct {
	msgs   []*nats.Msg
	stored []*StoredEvent // without sequences
}

// buildChain builds evs as messages chained after head; the first carries the aggregate's
// expected-sequence check. A message over the server's max payload is ErrPayloadTooLarge. The
// names must have passed validateBatch.
func (s *JetStreamEvents) buildChain(aggregateID string, head headRef, evs []NewEvent) (builtChain, error) {
	now := s.cfg.Now()
	b := builtChain{msgs: make([]*nats.Msg, len(evs)), stored: make([]*StoredEvent, len(evs))}
	prev := head.cid
	for i, ne := range evs {
		ts := ne.Timestamp
		if ts == 0 {
			ts = now
		}
		ev := block.Event{
			AggregateID: aggregateID, EventType: ne.EventType, ParentCIDs: ne.Parents,
			Payload: ne.Payload, PreviousCID: prev, Timestamp: ts,
		}
		m, c, err := eventMessage(&ev)
		if err != nil {
			return builtChain{}, err
		}
		// The server counts the headers added below too: the expected-sequence check on the
		// first message, the batch headers on every message of a batch.
		extra := 0
		if i == 0 {
			extra += expectHeadersSize(aggregateID)
		}
		if len(evs) > 1 {
			extra += batchHeadersSize
		}
		if n := MessageSize(m) + extra; n > s.maxPayload {
			return builtChain{}, fmt.Errorf("%w: event %d is %d bytes with headers, the server accepts %d", ErrPayloadTooLarge, i, n, s.maxPayload)
		}
		b.msgs[i] = m
		b.stored[i] = &StoredEvent{Event: ev, CID: c}
		prev = c
	}
	setExpectHeaders(b.msgs[0], aggregateID, head.last)
	return b, nil
}

func (s *JetStreamEvents) publishChainN(ctx context.Context, aggregateID string, head headRef, evs []NewEvent, junkRetries int) ([]*StoredEvent, error) {
	b, err := s.buildChain(aggregateID, head, evs)
	if err != nil {
		return nil, err
	}
	msgs, stored := b.msgs, b.stored

	var lastSeq uint64
	if len(msgs) == 1 {
		lastSeq, err = s.publishOne(ctx, msgs[0])
	} else {
		lastSeq, err = s.publishBatch(ctx, msgs, stored)
	}
	if err != nil {
		if isWrongLastSeq(err) {
			return s.lostRace(ctx, aggregateID, head, evs, junkRetries)
		}
		return nil, err
	}
	s.recordStored(aggregateID, stored, lastSeq)
	return stored, nil
}

// lostRace handles evs refused because the aggregate moved past head: junk that arrived after
// the head (the valid head is unchanged) is stepped over by publishing the same events on the
// new sequence, up to junkRetries times; another writer's event is a *ConflictError holding
// the new head.
func (s *JetStreamEvents) lostRace(ctx context.Context, aggregateID string, head headRef, evs []NewEvent, junkRetries int) ([]*StoredEvent, error) {
	h, err := s.head(ctx, aggregateID, true)
	if err != nil {
		return nil, fmt.Errorf("%w (and %w)", ErrConflict, err)
	}
	if h.cid.Equals(head.cid) && h.last != head.last && junkRetries > 0 {
		return s.publishChainN(ctx, aggregateID, h, evs, junkRetries-1)
	}
	return nil, &ConflictError{AggregateID: aggregateID, Head: h.cid, HeadSeq: h.seq}
}

// recordStored gives stored (published together, the last at lastSeq) their sequences, makes
// the last one the aggregate's cached head and queues their index entries.
func (s *JetStreamEvents) recordStored(aggregateID string, stored []*StoredEvent, lastSeq uint64) {
	first := lastSeq - uint64(len(stored)) + 1
	for i, st := range stored {
		st.Seq = first + uint64(i)
		k, _ := keyOf(st.CID)
		s.remember(k, st.Seq)
	}
	last := stored[len(stored)-1]
	s.setHead(aggregateID, headRef{cid: last.CID, seq: last.Seq, last: last.Seq})
	s.indexOwn(stored)
}

// AppendBlock stores a prebuilt event block (CAR import, replication from another store). The
// block must be canonical, its previous_cid must be the aggregate's current head and its
// parents stored events; it is published with the same headers and expected-sequence check as
// Append. A block that is already stored is not stored again: its stored event is returned.
func (s *JetStreamEvents) AppendBlock(ctx context.Context, data []byte) (*StoredEvent, error) {
	ev, err := block.DecodeEvent(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	m, c, err := EventMessage(ev)
	if err != nil {
		return nil, err
	}
	if !bytesEqual(m.Data, data) {
		return nil, fmt.Errorf("%w: block does not re-encode to the same bytes", ErrInvalidInput)
	}
	existing, gerr := s.Get(ctx, c)
	if gerr == nil && s.inChain(ctx, existing) {
		return existing, nil
	}
	if err := s.checkParents(ctx, []NewEvent{{Parents: ev.ParentCIDs}}); err != nil {
		return nil, err
	}
	setExpectHeaders(m, ev.AggregateID, math.MaxUint64) // counted at their largest
	if n := MessageSize(m); n > s.maxPayload {
		return nil, fmt.Errorf("%w: %d bytes with headers, the server accepts %d", ErrPayloadTooLarge, n, s.maxPayload)
	}
	head, err := s.head(ctx, ev.AggregateID, true)
	if err != nil {
		return nil, err
	}
	if !head.cid.Equals(ev.PreviousCID) {
		return nil, &ConflictError{AggregateID: ev.AggregateID, Head: head.cid, HeadSeq: head.seq, Expected: ev.PreviousCID}
	}
	// A copy found by CID but out of the chain (published by a raw client out of order) does
	// not count as stored: publish the block in its place. Within the duplicate window the
	// server answers that copy's sequence, which confirmDuplicate refuses.
	setExpectHeaders(m, ev.AggregateID, head.last)
	seq, err := s.publishOne(ctx, m)
	if err != nil {
		if isWrongLastSeq(err) {
			h, _ := s.head(ctx, ev.AggregateID, true)
			return nil, &ConflictError{AggregateID: ev.AggregateID, Head: h.cid, HeadSeq: h.seq, Expected: ev.PreviousCID}
		}
		return nil, err
	}
	st := &StoredEvent{Event: *ev, CID: c, Seq: seq}
	s.setHead(ev.AggregateID, headRef{cid: c, seq: seq, last: seq})
	k, _ := keyOf(c)
	s.remember(k, seq)
	s.indexOwn([]*StoredEvent{st})
	return st, nil
}

// inChain reports whether a stored event (found by CID) is part of its aggregate's chain:
// it is the head, or the head's chain reaches it. Only the previous links from the head back
// to ev's sequence are read.
func (s *JetStreamEvents) inChain(ctx context.Context, ev *StoredEvent) bool {
	head, err := s.head(ctx, ev.AggregateID, true)
	if err != nil || !head.cid.Defined() || head.seq < ev.Seq {
		return false
	}
	c, seq := head.cid, head.seq
	for seq > ev.Seq {
		cur, err := s.getSeq(ctx, c, seq)
		if err != nil || !cur.PreviousCID.Defined() {
			return false
		}
		prev, err := s.Get(ctx, cur.PreviousCID)
		if err != nil {
			return false
		}
		c, seq = prev.CID, prev.Seq
	}
	return c.Equals(ev.CID)
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }
