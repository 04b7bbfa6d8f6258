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

// watermarkKey holds the sequence up to which every stored event is in the index.
const watermarkKey = "watermark"

func (s *JetStreamEvents) watermark(ctx context.Context) (uint64, uint64, error) {
	e, err := s.index.Get(ctx, watermarkKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("index watermark: %w", err)
	}
	if len(e.Value()) != 8 {
		return 0, e.Revision(), nil
	}
	return binary.BigEndian.Uint64(e.Value()), e.Revision(), nil
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

// indexTail indexes the messages stored after the watermark (each checked on its own: hash,
// canonical block, subject and headers), raises the watermark, and returns the sequence of
// want if it was among them.
func (s *JetStreamEvents) indexTail(ctx context.Context, want cid.Cid) (uint64, bool, error) {
	w, _, err := s.watermark(ctx)
	if err != nil {
		return 0, false, err
	}
	last, err := s.LastSeq(ctx)
	if err != nil || last <= w {
		return 0, false, err
	}
	var found uint64
	err = s.read(ctx, []string{StreamSubjects}, w+1, func(m jetstream.Msg, seq uint64) error {
		if seq > last {
			return nil
		}
		_, c, err := verifyStandalone(m.Subject(), m.Headers(), m.Data())
		if err != nil {
			return nil
		}
		s.indexAsync(c, seq)
		if c.Equals(want) && found == 0 {
			found = seq
		}
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	if err := s.Flush(ctx); err != nil {
		return 0, false, err
	}
	if err := s.advanceWatermark(ctx, last); err != nil {
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
