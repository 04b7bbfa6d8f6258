// This file keeps the CID index (KV bucket event-index): CID -> stream sequence and the
// watermark up to which every stored event is indexed.

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

// watermarkEntry is the watermark, its revision (0: none) and whether its value is well
// formed (a malformed one reads as 0).
func (s *JetStreamEvents) watermarkEntry(ctx context.Context) (w, rev uint64, ok bool, err error) {
	e, err := s.index.Get(ctx, watermarkKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, 0, true, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("index watermark: %w", err)
	}
	if len(e.Value()) != 8 {
		return 0, e.Revision(), false, nil
	}
	return binary.BigEndian.Uint64(e.Value()), e.Revision(), true, nil
}

// advanceWatermark raises the watermark to seq (never lowers it), tolerating other writers.
func (s *JetStreamEvents) advanceWatermark(ctx context.Context, seq uint64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], seq)
	for range 5 {
		w, rev, err := s.watermark(ctx)
		if err != nil {
			return err
		}
		if w >= seq {
			return nil
		}
		if rev == 0 {
			_, err = s.index.Create(ctx, watermarkKey, v[:])
		} else {
			_, err = s.index.Update(ctx, watermarkKey, v[:], rev)
		}
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("index watermark: too much contention")
}

// lowerWatermark replaces a watermark found wrong (at revision rev) with seq; another
// writer's change since wins.
func (s *JetStreamEvents) lowerWatermark(ctx context.Context, seq, rev uint64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], seq)
	_, err := s.index.Update(ctx, watermarkKey, v[:], rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		return nil // changed meanwhile
	}
	if err != nil {
		return fmt.Errorf("index watermark: %w", err)
	}
	return nil
}

// indexTail indexes the messages stored after the watermark (each checked on its own: hash,
// canonical block, subject and headers), raises the watermark, and returns the sequence of
// want if it was among them.
func (s *JetStreamEvents) indexTail(ctx context.Context, want cid.Cid) (uint64, bool, error) {
	w, rev, err := s.watermark(ctx)
	if err != nil {
		return 0, false, err
	}
	last, err := s.LastSeq(ctx)
	if err != nil {
		return 0, false, err
	}
	bogus := w > last // the stream never loses messages: a watermark past its end is wrong
	if bogus {
		s.log.Warn("CID index watermark is past the stream's last sequence; indexing the whole stream", "watermark", w, "last_seq", last)
		w = 0
	}
	if last <= w {
		return 0, false, nil
	}
	var found uint64
	var writes []jetstream.PubAckFuture
	writesOK := true
	err = s.read(ctx, []string{StreamSubjects}, w+1, func(m jetstream.Msg, seq uint64) error {
		if seq > last {
			return nil
		}
		_, c, err := verifyStandalone(m.Subject(), m.Headers(), m.Data())
		if err != nil {
			return nil
		}
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], seq)
		if f, err := s.js.PublishAsync("$KV."+IndexBucket+"."+c.String(), v[:]); err != nil {
			writesOK = false
		} else {
			writes = append(writes, f)
		}
		if c.Equals(want) && found == 0 {
			found = seq
		}
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	// The watermark promises that everything below it is indexed: raise it only when every
	// write of this pass was acknowledged (they time out after the publish timeout).
	for _, f := range writes {
		select {
		case <-f.Ok():
		case <-f.Err():
			writesOK = false
		case <-ctx.Done():
			return 0, false, ctx.Err()
		}
	}
	if !writesOK {
		s.log.Warn("CID index writes not all acknowledged; the watermark stays for the next reader", "from", w+1, "to", last)
		return found, found != 0, nil
	}
	if bogus {
		err = s.lowerWatermark(ctx, last, rev)
	} else {
		err = s.advanceWatermark(ctx, last)
	}
	if err != nil {
		return 0, false, err
	}
	return found, found != 0, nil
}

// Flush waits until every index write has been acknowledged (or ctx ends).
func (s *JetStreamEvents) Flush(ctx context.Context) error {
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
