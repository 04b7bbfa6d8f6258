// This file finds an aggregate's head for the expected-sequence check: the cached head, the
// server's last message on the aggregate's subjects, and a verified read of the chain when the
// two disagree (a cold cache, another writer, junk published by a raw client).

package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

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
// verified read of the aggregate's chain (from a trusted checkpoint on, see TrustHeads). The expected-sequence check then uses the sequence of
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
	if st := s.trusted(); !ok && st != nil && msg.Sequence <= st.seq {
		// Nothing on the aggregate's subjects after the trusted checkpoint: its head there
		// is the head, with no read at all.
		h := st.head(aggregateID, msg.Sequence)
		s.setHead(aggregateID, h)
		return h, nil
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

// The first chain read of aggregates the process does not know waits for others to join it
// (AppendAsync to many aggregates asks for all their heads at once): until no new aggregate
// asked for coldQuiet, at most coldGather.
const (
	coldQuiet  = 2 * time.Millisecond
	coldGather = 50 * time.Millisecond
)

// coldBatch bounds the aggregates one chain read follows (each is one filter subject).
const coldBatch = 256

// coldReads batches the chain reads of aggregates whose head the process does not know: one
// read of the stream follows the chains of every aggregate asked for meanwhile, instead of one
// read each. Reading the chains together also finds most parents (earlier in the stream)
// already verified by the same read, so the parent checks cost no round trips.
type coldReads struct {
	mu      sync.Mutex
	waiting map[string][]chan coldHead // by aggregate ID
	running bool
	// quiet and gather override coldQuiet and coldGather when set (tests on a loaded
	// machine widen the window so that every caller joins one read).
	quiet, gather time.Duration
}

// coldHead is one aggregate's result of a batched chain read.
type coldHead struct {
	h   headRef
	err error
}

// chainHead reads the aggregate's whole chain and returns its head; last is the highest
// sequence read. Concurrent calls share one read (coldReads).
func (s *JetStreamEvents) chainHead(ctx context.Context, aggregateID string) (headRef, error) {
	ch := make(chan coldHead, 1)
	c := &s.cold
	c.mu.Lock()
	if c.waiting == nil {
		c.waiting = make(map[string][]chan coldHead)
	}
	c.waiting[aggregateID] = append(c.waiting[aggregateID], ch)
	if !c.running {
		c.running = true
		// The read serves every caller that joins it, so one caller's end does not end it;
		// a read that stalls ends by itself (readStall), and each caller stops waiting when
		// its own ctx ends.
		go s.readColdHeads(context.WithoutCancel(ctx))
	}
	c.mu.Unlock()
	select {
	case r := <-ch:
		return r.h, r.err
	case <-ctx.Done():
		return headRef{}, fmt.Errorf("read the chain of %q: %w", aggregateID, ctx.Err())
	}
}

// readColdHeads runs batched chain reads while aggregates wait for one.
func (s *JetStreamEvents) readColdHeads(ctx context.Context) {
	c := &s.cold
	c.mu.Lock()
	quiet, gather := cmp.Or(c.quiet, coldQuiet), cmp.Or(c.gather, coldGather)
	c.mu.Unlock()
	for start, n := time.Now(), 0; time.Since(start) < gather; {
		time.Sleep(quiet)
		c.mu.Lock()
		waiting := len(c.waiting)
		c.mu.Unlock()
		if waiting == n {
			break
		}
		n = waiting
	}
	for {
		c.mu.Lock()
		if len(c.waiting) == 0 {
			c.running = false
			c.mu.Unlock()
			return
		}
		batch := make(map[string][]chan coldHead, min(len(c.waiting), coldBatch))
		for agg, chs := range c.waiting {
			if len(batch) == coldBatch {
				break
			}
			batch[agg] = chs
			delete(c.waiting, agg)
		}
		c.mu.Unlock()
		aggs := make([]string, 0, len(batch))
		for agg := range batch {
			aggs = append(aggs, agg)
		}
		heads, err := s.readChains(ctx, aggs)
		for agg, chs := range batch {
			for _, ch := range chs {
				ch <- coldHead{h: heads[agg], err: err}
			}
		}
	}
}

// readChains follows the chains of several aggregates in one read, from the stream's start or
// after the trusted checkpoint (TrustHeads) from its heads, and returns their heads; last is
// the highest sequence read of each.
func (s *JetStreamEvents) readChains(ctx context.Context, aggs []string) (map[string]headRef, error) {
	heads := make(map[string]headRef, len(aggs))
	byToken := make(map[string]string, len(aggs))
	filters := make([]string, len(aggs))
	from, st := uint64(1), s.trusted()
	if st != nil {
		from = st.seq + 1
	}
	for i, agg := range aggs {
		heads[agg] = headRef{}
		if st != nil {
			heads[agg] = st.head(agg, st.seq)
		}
		byToken[EscapeToken(agg)] = agg
		filters[i] = AggregateFilter(agg)
	}
	t0, n := time.Now(), 0
	err := s.read(ctx, filters, from, func(m jetstream.Msg, seq uint64) error {
		n++
		tok, _, _ := strings.Cut(strings.TrimPrefix(m.Subject(), SubjectPrefix), ".")
		agg, ok := byToken[tok]
		if !ok {
			return nil // outside the filters: never delivered
		}
		h := heads[agg]
		s.follow(ctx, agg, &h, m, seq)
		heads[agg] = h
		return nil
	})
	s.log.Debug("read the chains of aggregates with no cached head", "aggregates", len(aggs), "from_seq", from,
		"messages", n, "took", time.Since(t0), "err", err)
	if err != nil {
		return nil, fmt.Errorf("read the chains of %d aggregates: %w", len(aggs), err)
	}
	return heads, nil
}

// extend follows the aggregate's chain from a head known to be valid through the messages
// stored after from.last, and returns the new head; last is the highest sequence read.
func (s *JetStreamEvents) extend(ctx context.Context, aggregateID string, from headRef) (headRef, error) {
	h := from
	err := s.read(ctx, []string{AggregateFilter(aggregateID)}, from.last+1, func(m jetstream.Msg, seq uint64) error {
		s.follow(ctx, aggregateID, &h, m, seq)
		return nil
	})
	if err != nil {
		return headRef{}, fmt.Errorf("read the new events of %q: %w", aggregateID, err)
	}
	return h, nil
}

// follow moves h, the aggregate's valid chain read so far, over message m at seq: m becomes
// the head when it verifies, belongs to the aggregate, chains on h and its parents are
// earlier events. Every message that verifies is remembered for later parent checks.
func (s *JetStreamEvents) follow(ctx context.Context, aggregateID string, h *headRef, m jetstream.Msg, seq uint64) {
	h.last = max(h.last, seq)
	ev, c, err := verifyStandalone(m.Subject(), m.Headers(), m.Data())
	if err != nil {
		return // not part of the chain
	}
	s.rememberVerified(c, seq)
	if ev.AggregateID != aggregateID || !ev.PreviousCID.Equals(h.cid) || !s.parentsBefore(ctx, ev, seq) {
		return // not part of the chain
	}
	h.cid, h.seq = c, seq
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

// parentsBefore reports whether every parent of ev is a stored event earlier than seq. A
// parent the process already knows verified at an earlier sequence (its own appends, events a
// chain read verified, parents looked up before) costs no round trip; any other is read and
// verified (Get), and remembered. Reading an existing aggregate's chain thus looks each parent
// up once, not once per child at two round trips each (the stall of a second `jetdag load`).
func (s *JetStreamEvents) parentsBefore(ctx context.Context, ev *block.Event, seq uint64) bool {
	for _, p := range ev.ParentCIDs {
		k, ok := keyOf(p)
		if !ok {
			return false
		}
		s.mu.Lock()
		at, known := s.known[k]
		s.mu.Unlock()
		if known && at < seq {
			continue
		}
		pe, err := s.Get(ctx, p)
		if err != nil {
			return false
		}
		s.rememberVerified(p, pe.Seq)
		if pe.Seq >= seq {
			return false
		}
	}
	return true
}

// rememberVerified records that a verified copy of event c is stored at seq, keeping the
// earliest copy known (a raw client may have stored the same block again later).
func (s *JetStreamEvents) rememberVerified(c cid.Cid, seq uint64) {
	k, ok := keyOf(c)
	if !ok {
		return
	}
	s.mu.Lock()
	at, known := s.known[k]
	s.mu.Unlock()
	if !known || seq < at {
		s.remember(k, seq)
	}
}

func (s *JetStreamEvents) setHead(aggregateID string, h headRef) {
	s.mu.Lock()
	s.heads[aggregateID] = h
	s.mu.Unlock()
}
