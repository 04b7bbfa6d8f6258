// This file keeps the CID index (KV bucket event-index): CID -> stream sequence and the
// watermark up to which every stored event is indexed. The children index shares the bucket
// and the pass that writes it (events_children.go). Readers write both in the tail pass
// below; writers write their own events' entries (events_ownindex.go) by the same rule
// (messageKeys).

package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go/jetstream"
)

// indexAsync records CID -> sequence in the index bucket without waiting for the ack.
func (s *JetStreamEvents) indexAsync(c cid.Cid, seq uint64) {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], seq)
	if _, err := s.js.PublishAsync("$KV."+IndexBucket+"."+c.String(), v[:]); err != nil {
		s.log.Warn("index write failed; the next reader repairs it", "cid", c, "seq", seq, "err", err)
	}
}

// putIndex writes CID -> sequence and waits for it; a failure is only logged (the entry is a
// cache the next reader can rebuild).
func (s *JetStreamEvents) putIndex(ctx context.Context, c cid.Cid, seq uint64) {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], seq)
	if _, err := s.index.Put(ctx, c.String(), v[:]); err != nil {
		s.log.Warn("index write failed", "cid", c, "seq", seq, "err", err)
	}
}

// errFound stops a stream read once what it looks for is found.
var errFound = errors.New("found")

// findInStream reads the whole stream's headers for a message whose Cid header is c and whose
// bytes hash to c (and whose headers agree with them), and returns the first one's sequence.
// It is the fallback for a wrong index entry: one headers-only pass, no bodies but the
// candidates'.
func (s *JetStreamEvents) findInStream(ctx context.Context, c cid.Cid) (uint64, bool, error) {
	want := c.String()
	var found uint64
	err := s.readWith(ctx, []string{StreamSubjects}, 1, true, func(m jetstream.Msg, seq uint64) error {
		if m.Headers().Get(HeaderCID) != want {
			return nil
		}
		raw, err := s.stream.GetMsg(ctx, seq)
		if err != nil {
			return fmt.Errorf("read seq %d: %w", seq, err)
		}
		if _, _, err := verifyStandalone(raw.Subject, raw.Header, raw.Data); err == nil {
			found = seq
			return errFound
		}
		return nil
	})
	if err != nil && !errors.Is(err, errFound) {
		return 0, false, err
	}
	return found, found != 0, nil
}

// watermarkKey holds the sequence up to which every stored event is in the index.
const watermarkKey = "watermark"

func (s *JetStreamEvents) watermark(ctx context.Context) (uint64, uint64, error) {
	w, rev, _, err := s.watermarkEntry(ctx)
	return w, rev, err
}

// watermarkEntry is the CID index's watermark, its revision (0: none) and whether its value
// is well formed (a malformed one reads as 0).
func (s *JetStreamEvents) watermarkEntry(ctx context.Context) (w, rev uint64, ok bool, err error) {
	return s.markEntry(ctx, watermarkKey)
}

// markEntry is the watermark under key (watermarkKey or childrenMarkKey), its revision (0:
// none) and whether its value is well formed (a malformed one reads as 0).
func (s *JetStreamEvents) markEntry(ctx context.Context, key string) (w, rev uint64, ok bool, err error) {
	e, err := s.index.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, 0, true, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("index %s: %w", key, err)
	}
	if len(e.Value()) != 8 {
		return 0, e.Revision(), false, nil
	}
	return binary.BigEndian.Uint64(e.Value()), e.Revision(), true, nil
}

// advanceWatermark raises the CID index's watermark to seq (never lowers it).
func (s *JetStreamEvents) advanceWatermark(ctx context.Context, seq uint64) error {
	return s.advanceMark(ctx, watermarkKey, seq)
}

// advanceMark raises the watermark under key to seq (never lowers it), tolerating other
// writers.
func (s *JetStreamEvents) advanceMark(ctx context.Context, key string, seq uint64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], seq)
	for range 5 {
		w, rev, _, err := s.markEntry(ctx, key)
		if err != nil {
			return err
		}
		if w >= seq {
			return nil
		}
		if rev == 0 {
			_, err = s.index.Create(ctx, key, v[:])
		} else {
			_, err = s.index.Update(ctx, key, v[:], rev)
		}
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("index %s: too much contention", key)
}

// lowerMark replaces a watermark found wrong (at revision rev) with seq; another writer's
// change since wins.
func (s *JetStreamEvents) lowerMark(ctx context.Context, key string, seq, rev uint64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], seq)
	_, err := s.index.Update(ctx, key, v[:], rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		return nil // changed meanwhile
	}
	if err != nil {
		return fmt.Errorf("index %s: %w", key, err)
	}
	return nil
}

// tailMark is one of the two watermarks as indexTail found it.
type tailMark struct {
	key     string
	at, rev uint64
	bogus   bool // past the stream's end or malformed: read as 0, replaced after the pass
}

// readTailMark reads the watermark under key; a malformed one is wrong and reads as 0.
func (s *JetStreamEvents) readTailMark(ctx context.Context, key string) (tailMark, error) {
	w, rev, ok, err := s.markEntry(ctx, key)
	if err != nil {
		return tailMark{}, err
	}
	m := tailMark{key: key, at: w, rev: rev}
	if !ok {
		s.log.Warn("index watermark is malformed; indexing the whole stream", "key", key)
		m.at, m.bogus = 0, true
	}
	return m, nil
}

// finish raises (or, when it was wrong, replaces) the watermark to last.
func (s *JetStreamEvents) finish(ctx context.Context, m tailMark, last uint64) error {
	if m.bogus {
		return s.lowerMark(ctx, m.key, last, m.rev)
	}
	return s.advanceMark(ctx, m.key, last)
}

// indexTail indexes the messages stored after the watermarks (each checked on its own: hash,
// canonical block, subject and headers): CID -> sequence past the CID index's watermark, and
// a child.<parent>.<child> entry for each parent link past the children watermark. It raises
// both watermarks and returns the sequence of want if it was among the messages read. A
// store indexed before the children index existed has its children watermark at 0: its first
// pass reads the whole stream once, writing only the children entries below the CID
// watermark.
func (s *JetStreamEvents) indexTail(ctx context.Context, want cid.Cid) (uint64, bool, error) {
	// The watermarks first, then the stream's end: another reader raising them in between
	// must not make them look past the end.
	cidMark, err := s.readTailMark(ctx, watermarkKey)
	if err != nil {
		return 0, false, err
	}
	kidMark, err := s.readTailMark(ctx, childrenMarkKey)
	if err != nil {
		return 0, false, err
	}
	last, err := s.LastSeq(ctx)
	if err != nil {
		return 0, false, err
	}
	for _, m := range []*tailMark{&cidMark, &kidMark} {
		if m.at > last { // the stream never loses messages: a watermark past its end is wrong
			s.log.Warn("index watermark is past the stream's last sequence; indexing the whole stream", "key", m.key, "watermark", m.at, "last_seq", last)
			m.at, m.bogus = 0, true
		}
	}
	from := min(cidMark.at, kidMark.at)
	if last <= from {
		// Nothing to read; a wrong watermark at an empty stream's 0 stays for the next pass.
		return 0, false, nil
	}
	var found uint64
	// done is the sequence up to which every write of this pass was sent and acknowledged:
	// the watermarks rise to it, so a pass cut short (writes refused or timed out) still
	// keeps what it did, and the next one goes on from there.
	done := last
	type write struct {
		f   jetstream.PubAckFuture
		seq uint64
	}
	var writes []write
	put := func(key string, seq uint64) bool {
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], seq)
		// A long tail is more writes than may be pending at once: wait for acks (as long as
		// one may take) rather than fail the pass.
		f, err := s.js.PublishAsync("$KV."+IndexBucket+"."+key, v[:], jetstream.WithStallWait(s.cfg.PublishTimeout))
		if err != nil {
			done = min(done, seq-1)
			return false
		}
		writes = append(writes, write{f, seq})
		return true
	}
	err = s.read(ctx, []string{StreamSubjects}, from+1, func(m jetstream.Msg, seq uint64) error {
		if seq > last {
			return nil
		}
		s.tailReads.Add(1)
		_, c, keys, ok := messageKeys(m.Subject(), m.Headers(), m.Data(), seq > cidMark.at, seq > kidMark.at)
		if !ok {
			return nil
		}
		if c.Equals(want) && found == 0 {
			found = seq
		}
		for _, k := range keys {
			if !put(k, seq) {
				return errWritesStopped
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errWritesStopped) {
		return 0, false, err
	}
	// A watermark promises that everything below it is indexed: raise them only over writes
	// that were acknowledged (they time out after the publish timeout).
	for _, w := range writes {
		select {
		case <-w.f.Ok():
		case <-w.f.Err():
			done = min(done, w.seq-1)
		case <-ctx.Done():
			return 0, false, ctx.Err()
		}
	}
	if done < last {
		s.log.Warn("index writes not all acknowledged; the watermarks rise only over those that were", "from", from+1, "to", last, "indexed_to", done)
	}
	for _, m := range []tailMark{cidMark, kidMark} {
		if m.at >= done {
			continue
		}
		// A watermark is a cache's too: one that cannot be written (a reader that may not
		// write the bucket, whose requests get no answer) is logged, and the next pass redoes
		// the work.
		mctx, cancel := context.WithTimeout(ctx, s.cfg.PublishTimeout)
		err := s.finish(mctx, m, done)
		cancel()
		if ctx.Err() != nil {
			return 0, false, ctx.Err()
		}
		if err != nil {
			s.log.Warn("index watermark not raised", "key", m.key, "to", done, "err", err)
		}
	}
	return found, found != 0, nil
}

// errWritesStopped stops a tail pass whose index writes are refused.
var errWritesStopped = errors.New("index writes refused")

// Flush waits until every index write has been acknowledged (or ctx ends): the entries of
// the events appended so far (events_ownindex.go) and those of tail passes.
func (s *JetStreamEvents) Flush(ctx context.Context) error {
	if err := s.ownFlush(ctx); err != nil {
		return err
	}
	select {
	case <-s.js.PublishAsyncComplete():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Exists reports whether an event with this CID is stored.
func (s *JetStreamEvents) Exists(ctx context.Context, c cid.Cid) (bool, error) {
	_, err := s.Get(ctx, c)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
