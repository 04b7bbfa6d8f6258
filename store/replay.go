package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/block"
)

// ReplayStats summarises a replay.
type ReplayStats struct {
	// LastSeq is the stream's last sequence when the replay started.
	LastSeq uint64
	// Messages read, of which Events verified and Rejected failed.
	Messages, Events, Rejected uint64
	// Aggregates seen.
	Aggregates int
	// IndexRepaired counts index entries that were missing and have been written.
	IndexRepaired int
}

// ReplayOptions adjusts Replay.
type ReplayOptions struct {
	// RepairIndex checks the CID index against the stream and writes missing entries.
	RepairIndex bool
	// Progress, when set, is called with the last sequence read and the stream's last
	// sequence, at most a few times a second.
	Progress func(seq, last uint64)
}

// Replay reads the whole stream once through an ordered consumer (never a durable one, so
// every run sees everything), verifies every message against FORMAT.md's invariants and calls
// fn with a Record for each, events and rejections alike. It returns the Verifier holding the
// index (CID -> sequence, aggregate heads) it built.
func (s *JetStreamEvents) Replay(ctx context.Context, opts ReplayOptions, fn func(Record) error) (*Verifier, ReplayStats, error) {
	v := NewVerifier()
	var st ReplayStats
	info, err := s.stream.Info(ctx)
	if err != nil {
		return nil, st, fmt.Errorf("stream info: %w", err)
	}
	st.LastSeq = info.State.LastSeq
	var lastReport time.Time
	err = s.read(ctx, []string{StreamSubjects}, 1, func(m jetstream.Msg, seq uint64) error {
		st.Messages++
		rec := s.verifyMsg(v, m, seq)
		if rec.Event != nil {
			st.Events++
		} else {
			st.Rejected++
		}
		if opts.Progress != nil && time.Since(lastReport) > 200*time.Millisecond {
			lastReport = time.Now()
			opts.Progress(seq, st.LastSeq)
		}
		if fn != nil {
			return fn(rec)
		}
		return nil
	})
	if err != nil {
		return nil, st, err
	}
	if opts.Progress != nil {
		opts.Progress(st.LastSeq, st.LastSeq)
	}
	st.Aggregates = v.Aggregates()
	if opts.RepairIndex {
		n, err := s.repairIndex(ctx, v)
		st.IndexRepaired = n
		if err != nil {
			return v, st, err
		}
	}
	return v, st, nil
}

func (s *JetStreamEvents) verifyMsg(v *Verifier, m jetstream.Msg, seq uint64) Record {
	ev, err := v.Check(seq, m.Subject(), m.Headers(), m.Data())
	if err != nil {
		return Record{Seq: seq, Rejected: rejection(seq, m.Subject(), m.Headers(), m.Data(), err)}
	}
	return Record{Seq: seq, Event: ev}
}

// repairIndex writes the index entries the verifier knows and the bucket lacks or has wrong.
// It reads the bucket's keys once (a stream read, not a request per event).
func (s *JetStreamEvents) repairIndex(ctx context.Context, v *Verifier) (int, error) {
	present := make(map[digestKey]struct{}, v.Len())
	lister, err := s.index.ListKeys(ctx)
	if err != nil && !errors.Is(err, jetstream.ErrNoKeysFound) {
		return 0, fmt.Errorf("index keys: %w", err)
	}
	if err == nil {
		for k := range lister.Keys() {
			c, perr := block.ParseCID(k)
			if perr != nil {
				continue
			}
			if dk, ok := keyOf(c); ok {
				present[dk] = struct{}{}
			}
		}
	}
	repaired := 0
	defer func() {
		if err := s.advanceWatermark(ctx, v.lastSeq); err != nil {
			s.log.Warn("index watermark not advanced", "err", err)
		}
	}()
	for k, seq := range v.seqs {
		if _, ok := present[k]; ok {
			continue
		}
		c := cidOfKey(k)
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], seq)
		if _, err := s.index.Put(ctx, c.String(), b[:]); err != nil {
			return repaired, fmt.Errorf("index repair %s: %w", c, err)
		}
		repaired++
	}
	return repaired, nil
}

// Subscribe replays the stream with full verification and then follows it live. Records
// before fromSeq are verified (they build the chain state) but not sent. The channel is
// closed when ctx ends or the stream cannot be read; the ordered consumer resumes after a
// reconnect from the last sequence it delivered, so the feed has no gap and no duplicate.
func (s *JetStreamEvents) Subscribe(ctx context.Context, fromSeq uint64) (<-chan Record, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("stream info: %w", err)
	}
	last := info.State.LastSeq
	cons, err := s.js.OrderedConsumer(ctx, StreamName, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{StreamSubjects},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("ordered consumer: %w", err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(1024))
	if err != nil {
		return nil, fmt.Errorf("ordered consumer: %w", err)
	}
	out := make(chan Record, 256)
	go func() {
		defer close(out)
		defer it.Stop()
		stop := context.AfterFunc(ctx, it.Stop)
		defer stop()
		send := func(r Record) bool {
			select {
			case out <- r:
				return true
			case <-ctx.Done():
				return false
			}
		}
		caughtUp := last == 0
		if caughtUp && !send(Record{CaughtUp: true}) {
			return
		}
		v := NewVerifier()
		if s.cfg.FeedMemory > 0 {
			v = NewBoundedVerifier(s.cfg.FeedMemory, func(c cid.Cid) (uint64, bool) {
				lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				ev, err := s.Get(lctx, c)
				if err != nil {
					return 0, false
				}
				return ev.Seq, true
			})
		}
		for {
			m, err := it.Next()
			if err != nil {
				if ctx.Err() == nil {
					s.log.Error("event feed stopped", "err", err)
				}
				return
			}
			md, err := m.Metadata()
			if err != nil {
				continue
			}
			seq := md.Sequence.Stream
			rec := s.verifyMsg(v, m, seq)
			if !caughtUp && (seq >= last || md.NumPending == 0) {
				caughtUp = true
				rec.CaughtUp = true
			}
			if seq < fromSeq {
				if rec.CaughtUp && !send(Record{Seq: seq, CaughtUp: true}) {
					return
				}
				continue
			}
			if !send(rec) {
				return
			}
		}
	}()
	return out, nil
}
