// This file finds an aggregate's head for the expected-sequence check: the cached head, the
// server's last message on the aggregate's subjects, and a verified read of the chain when the
// two disagree (a cold cache, another writer, junk published by a raw client).

package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/block"
)

// head returns the aggregate's head, from the cache unless fresh is set or nothing is cached.
//
// The server's last message on the aggregate's subjects decides, but it is only trusted as the
// head when it verifies and extends the head this process knew; anything else (a cold cache, a
// junk, forged or forked message published by a raw client) makes the head come from a
// verified read of the aggregate's chain. The expected-sequence check then uses the sequence of
// that last message, whatever it held, so honest appends continue the valid chain.
func (s *JetStreamEvents) head(ctx context.Context, aggregateID string, fresh bool) (headRef, error) {
	s.mu.Lock()
	cached, ok := s.heads[aggregateID]
	s.mu.Unlock()
	if ok && !fresh {
		return cached, nil
	}
	msg, err := s.lastMsg(ctx, aggregateID)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		h := headRef{}
		s.setHead(aggregateID, h)
		return h, nil
	}
	if err != nil {
		return headRef{}, fmt.Errorf("read head of %q: %w", aggregateID, err)
	}
	if ok && msg.Sequence == cached.last {
		return cached, nil
	}
	if ok && cached.cid.Defined() {
		if ev, c, err := verifyStandalone(msg.Subject, msg.Header, msg.Data); err == nil &&
			ev.AggregateID == aggregateID && ev.PreviousCID.Equals(cached.cid) && s.parentsBefore(ctx, ev, msg.Sequence) {
			h := headRef{cid: c, seq: msg.Sequence, last: msg.Sequence}
			s.setHead(aggregateID, h)
			return h, nil
		}
	}
	var h headRef
	if ok {
		// Several messages since the known head (another writer's run, or junk): read only
		// those, extending the known valid chain, never the whole chain again.
		h, err = s.extend(ctx, aggregateID, cached)
	} else {
		h, err = s.chainHead(ctx, aggregateID)
	}
	// The head is only known once every message up to the server's last has been read: a
	// read that ended early (a consumer reset while a cluster elects a leader) would pair an
	// old head with the new last sequence, and the server would then accept a fork. Read on
	// from where it stopped.
	for tries := 0; err == nil && h.last < msg.Sequence; tries++ {
		if tries == 3 {
			return headRef{}, fmt.Errorf("read head of %q: the read stopped at seq %d before the last message %d", aggregateID, h.last, msg.Sequence)
		}
		s.log.Warn("head read ended early; reading on", "aggregate", aggregateID, "read_to", h.last, "last", msg.Sequence)
		h, err = s.extend(ctx, aggregateID, h)
	}
	if err != nil {
		return headRef{}, err
	}
	s.setHead(aggregateID, h)
	return h, nil
}

// lastMsg reads the last message on the aggregate's subjects, each try bounded by the publish
// timeout and retried as a publish is while the server does not answer.
func (s *JetStreamEvents) lastMsg(ctx context.Context, aggregateID string) (*jetstream.RawStreamMsg, error) {
	var msg *jetstream.RawStreamMsg
	err := s.retrying(ctx, func() (err error) {
		actx, cancel := context.WithTimeout(ctx, s.cfg.PublishTimeout)
		defer cancel()
		msg, err = s.stream.GetLastMsgForSubject(actx, AggregateFilter(aggregateID))
		return err
	})
	return msg, err
}

// chainHead reads the aggregate's whole chain and returns its head; last is the highest
// sequence read.
func (s *JetStreamEvents) chainHead(ctx context.Context, aggregateID string) (headRef, error) {
	return s.extend(ctx, aggregateID, headRef{})
}

// extend follows the aggregate's chain from a head known to be valid through the messages
// stored after from.last, and returns the new head; last is the highest sequence read.
func (s *JetStreamEvents) extend(ctx context.Context, aggregateID string, from headRef) (headRef, error) {
	h := from
	err := s.read(ctx, []string{AggregateFilter(aggregateID)}, from.last+1, func(m jetstream.Msg, seq uint64) error {
		h.last = max(h.last, seq)
		ev, c, err := verifyStandalone(m.Subject(), m.Headers(), m.Data())
		if err != nil || ev.AggregateID != aggregateID || !ev.PreviousCID.Equals(h.cid) || !s.parentsBefore(ctx, ev, seq) {
			return nil // not part of the chain
		}
		h.cid, h.seq = c, seq
		return nil
	})
	if err != nil {
		return headRef{}, fmt.Errorf("read the new events of %q: %w", aggregateID, err)
	}
	return h, nil
}

// verifyStandalone checks what can be checked of one message without the rest of the stream:
// hash, canonical block, subject and headers.
func verifyStandalone(subject string, hdr nats.Header, data []byte) (*block.Event, cid.Cid, error) {
	c := block.Sum(data)
	if c.String() != hdr.Get(HeaderCID) {
		return nil, cid.Undef, errors.New("body does not hash to its Cid header")
	}
	ev, err := block.DecodeEvent(data)
	if err != nil {
		return nil, cid.Undef, err
	}
	if subject != SubjectFor(ev.AggregateID, ev.EventType) {
		return nil, cid.Undef, errors.New("subject disagrees with the block")
	}
	if err := checkHeaders(hdr, ev, c.String()); err != nil {
		return nil, cid.Undef, err
	}
	return ev, c, nil
}

// parentsBefore reports whether every parent of ev is a stored event earlier than seq.
func (s *JetStreamEvents) parentsBefore(ctx context.Context, ev *block.Event, seq uint64) bool {
	for _, p := range ev.ParentCIDs {
		pe, err := s.Get(ctx, p)
		if err != nil || pe.Seq >= seq {
			return false
		}
	}
	return true
}

func (s *JetStreamEvents) setHead(aggregateID string, h headRef) {
	s.mu.Lock()
	s.heads[aggregateID] = h
	s.mu.Unlock()
}
