// This file reads events back: by CID, by aggregate, and in stream order.

package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/block"
)

// DefaultReadStall is EventStoreConfig.ReadStall's default; readAttempts is how many
// consumers a bounded read opens, each resuming after the last message delivered, before it
// gives up (a consumer lost to a leader election or a server restart is replaced rather than
// failing the read).
const (
	DefaultReadStall = 10 * time.Second
	readAttempts     = 3
)

// errReadStalled ends one consumer's pass of a bounded read that got no message for a stall.
var errReadStalled = errors.New("read stream: stalled")

// Get returns the verified event with CID c: the index gives its sequence, the stream its
// bytes, which must hash to c.
func (s *JetStreamEvents) Get(ctx context.Context, c cid.Cid) (*StoredEvent, error) {
	if !c.Defined() {
		return nil, fmt.Errorf("%w: undefined CID", ErrNotFound)
	}
	if _, ok := keyOf(c); !ok {
		return nil, fmt.Errorf("%w: %s is not an event CID", ErrNotFound, c)
	}
	k, _ := keyOf(c)
	s.mu.Lock()
	seq, recent := s.known[k]
	s.mu.Unlock()
	if recent {
		return s.getSeq(ctx, c, seq)
	}
	entry, err := s.index.Get(ctx, c.String())
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		// Not indexed yet: index what was stored since the watermark and look again.
		seq, found, terr := s.indexTail(ctx, c)
		if terr != nil {
			return nil, fmt.Errorf("index the stream's tail: %w", terr)
		}
		if !found {
			return nil, fmt.Errorf("%w: event %s", ErrNotFound, c)
		}
		return s.getSeq(ctx, c, seq)
	}
	if err != nil {
		return nil, fmt.Errorf("index lookup %s: %w", c, err)
	}
	if len(entry.Value()) == 8 {
		seq := binary.BigEndian.Uint64(entry.Value())
		ev, err := s.getSeq(ctx, c, seq)
		if err == nil || !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrCorrupt) {
			return ev, err
		}
		s.log.Warn("CID index entry names the wrong sequence; reading the stream", "cid", c, "seq", seq, "err", err)
	} else {
		s.log.Warn("CID index entry is malformed; reading the stream", "cid", c, "bytes", len(entry.Value()))
	}
	// The index is a cache: a wrong entry is no reason to fail. Find the event in the stream
	// and put the entry right.
	seq, found, err := s.findInStream(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("look for %s in the stream: %w", c, err)
	}
	if !found {
		return nil, fmt.Errorf("%w: event %s", ErrNotFound, c)
	}
	s.putIndex(ctx, c, seq)
	return s.getSeq(ctx, c, seq)
}

func (s *JetStreamEvents) getSeq(ctx context.Context, c cid.Cid, seq uint64) (*StoredEvent, error) {
	msg, err := s.stream.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, fmt.Errorf("%w: index names seq %d for %s, which does not exist", ErrNotFound, seq, c)
	}
	if err != nil {
		return nil, fmt.Errorf("read seq %d: %w", seq, err)
	}
	if err := block.Verify(c, msg.Data); err != nil {
		return nil, fmt.Errorf("%w: seq %d does not hash to %s: %w", ErrCorrupt, seq, c, err)
	}
	ev, err := block.DecodeEvent(msg.Data)
	if err != nil {
		return nil, fmt.Errorf("%w: seq %d: %w", ErrCorrupt, seq, err)
	}
	return &StoredEvent{Event: *ev, CID: c, Seq: seq}, nil
}

// Head returns the aggregate's latest event, read from the server.
func (s *JetStreamEvents) Head(ctx context.Context, aggregateID string) (*StoredEvent, error) {
	if err := ValidateName("aggregate ID", aggregateID); err != nil {
		return nil, err
	}
	h, err := s.head(ctx, aggregateID, true)
	if err != nil {
		return nil, err
	}
	if !h.cid.Defined() {
		return nil, fmt.Errorf("%w: aggregate %q has no events", ErrNotFound, aggregateID)
	}
	return s.getSeq(ctx, h.cid, h.seq)
}

// History reads the aggregate's events (a server-side filtered read), verifying each block,
// its headers, the chain and the parents; messages that fail are left out.
func (s *JetStreamEvents) History(ctx context.Context, aggregateID string) ([]*StoredEvent, error) {
	if err := ValidateName("aggregate ID", aggregateID); err != nil {
		return nil, err
	}
	out, err := s.chain(ctx, aggregateID)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: aggregate %q has no events", ErrNotFound, aggregateID)
	}
	return out, nil
}

// chain reads the aggregate's valid chain, oldest first.
func (s *JetStreamEvents) chain(ctx context.Context, aggregateID string) ([]*StoredEvent, error) {
	var out []*StoredEvent
	var prev cid.Cid
	err := s.read(ctx, []string{AggregateFilter(aggregateID)}, 1, func(m jetstream.Msg, seq uint64) error {
		ev, c, err := verifyStandalone(m.Subject(), m.Headers(), m.Data())
		if err != nil || ev.AggregateID != aggregateID || !ev.PreviousCID.Equals(prev) || !s.parentsBefore(ctx, ev, seq) {
			return nil // junk, forged or forked: never part of the chain (verify reports it)
		}
		out = append(out, &StoredEvent{Event: *ev, CID: c, Seq: seq})
		prev = c
		return nil
	})
	return out, err
}

// read delivers every message matching filters from startSeq up to the stream's last
// sequence at the time of the call, in order, through an ordered (ephemeral) consumer.
func (s *JetStreamEvents) read(ctx context.Context, filters []string, startSeq uint64, fn func(jetstream.Msg, uint64) error) error {
	return s.readWith(ctx, filters, startSeq, false, fn)
}

// readWith is read, delivering only the messages' headers when headersOnly is set.
func (s *JetStreamEvents) readWith(ctx context.Context, filters []string, startSeq uint64, headersOnly bool, fn func(jetstream.Msg, uint64) error) error {
	// Bound the read by the last matching message now, so it ends even when nothing matches.
	var last uint64
	if len(filters) == 1 && filters[0] != StreamSubjects {
		m, err := s.stream.GetLastMsgForSubject(ctx, filters[0])
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("last message of %s: %w", filters[0], err)
		}
		last = m.Sequence
	} else {
		info, err := s.stream.Info(ctx)
		if err != nil {
			return fmt.Errorf("stream info: %w", err)
		}
		if info.State.Msgs == 0 {
			return nil
		}
		last = info.State.LastSeq
	}
	if last < startSeq {
		return nil
	}
	from := startSeq
	for attempt := 1; ; attempt++ {
		done, delivered, err := s.readPass(ctx, filters, from, last, headersOnly, fn)
		if done || !errors.Is(err, errReadStalled) {
			return err
		}
		if attempt == readAttempts {
			return fmt.Errorf("read stream: no message for %s on %d consumers in turn, after seq %d of %d", s.readStall(), readAttempts, max(delivered, from-1), last)
		}
		if delivered >= from {
			from = delivered + 1
		}
		s.log.Warn("stream read stalled; resuming on a new consumer", "from_seq", from, "last_seq", last, "attempt", attempt+1)
	}
}

// readStall is how long one consumer of a bounded read may deliver nothing.
func (s *JetStreamEvents) readStall() time.Duration {
	if s.cfg.ReadStall > 0 {
		return s.cfg.ReadStall
	}
	return DefaultReadStall
}

// readPass is one ordered consumer's part of readWith: it delivers messages from seq from
// up to last and reports whether it reached the end, and the last sequence it delivered.
// It fails with errReadStalled when no message came for readStall while messages remained;
// time spent in fn is not a stall.
func (s *JetStreamEvents) readPass(ctx context.Context, filters []string, from, last uint64, headersOnly bool, fn func(jetstream.Msg, uint64) error) (done bool, delivered uint64, err error) {
	cons, err := s.js.OrderedConsumer(ctx, StreamName, jetstream.OrderedConsumerConfig{
		FilterSubjects: filters,
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    from,
		HeadersOnly:    headersOnly,
	})
	if err != nil {
		return false, 0, fmt.Errorf("ordered consumer: %w", err)
	}
	defer dropOrdered(ctx, s.js, StreamName, cons)
	it, err := cons.Messages(jetstream.PullMaxMessages(1024))
	if err != nil {
		return false, 0, fmt.Errorf("ordered consumer: %w", err)
	}
	defer it.Stop()
	// A bounded read must end: stop it when ctx ends, or when no message came for
	// readStall while messages up to last remain.
	finished := make(chan struct{})
	defer close(finished)
	var progress atomic.Uint64 // messages handled; odd while fn runs; the watchdog looks for change
	var stalled atomic.Bool
	stall := s.readStall()
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		seen, since := progress.Load(), time.Now()
		for {
			select {
			case <-ctx.Done():
				it.Stop()
				return
			case <-finished:
				return
			case now := <-tick.C:
				if p := progress.Load(); p != seen || p%2 == 1 {
					seen, since = p, now
				} else if now.Sub(since) > stall {
					stalled.Store(true)
					it.Stop()
					return
				}
			}
		}
	}()
	for {
		m, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return false, delivered, ctx.Err()
			}
			if stalled.Load() {
				return false, delivered, errReadStalled
			}
			return false, delivered, fmt.Errorf("read stream: %w", err)
		}
		progress.Add(1)
		md, err := m.Metadata()
		if err != nil {
			return false, delivered, fmt.Errorf("message metadata: %w", err)
		}
		seq := md.Sequence.Stream
		if err := fn(m, seq); err != nil {
			return false, delivered, err
		}
		delivered = seq
		progress.Add(1)
		if seq >= last || md.NumPending == 0 {
			return true, delivered, nil
		}
	}
}
