package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

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
	// IndexBad counts what CheckIndex or RepairIndex found wrong in the CID index (and the
	// same kinds of fault in the children index, events_children.go): entries
	// that are malformed, name a sequence not holding their CID, or name no event, events at or
	// below the watermark without an entry, and a watermark that is malformed or past the
	// stream's end (before any repair).
	IndexBad int
	// IndexRepaired counts index entries (and the watermark) written, rewritten or deleted.
	IndexRepaired int
}

// ReplayOptions adjusts Replay.
type ReplayOptions struct {
	// CheckIndex checks the CID index against the verified stream (ReplayStats.IndexBad).
	CheckIndex bool
	// RepairIndex checks the CID index and puts it right: it writes missing and wrong
	// entries, deletes those that name no event and sets a wrong watermark.
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
	var links childLinks // the parent links, for the children index's check
	if opts.CheckIndex || opts.RepairIndex {
		links = childLinks{}
	}
	err = s.read(ctx, []string{StreamSubjects}, 1, func(m jetstream.Msg, seq uint64) error {
		st.Messages++
		rec, err := s.verifyMsg(v, m, seq)
		if err != nil {
			return err // unreachable: a full verification's Verifier looks nothing up
		}
		if rec.Event != nil {
			st.Events++
			if links != nil {
				links.add(rec.Event)
			}
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
	if opts.CheckIndex || opts.RepairIndex {
		bad, n, err := s.checkIndex(ctx, v, st.LastSeq, opts.RepairIndex)
		st.IndexBad, st.IndexRepaired = bad, n
		if err != nil {
			return v, st, err
		}
		bad, n, err = s.checkChildren(ctx, links, st.LastSeq, v.lastSeq, opts.RepairIndex)
		st.IndexBad, st.IndexRepaired = st.IndexBad+bad, st.IndexRepaired+n
		if err != nil {
			return v, st, err
		}
	}
	return v, st, nil
}

// verifyMsg checks one message with v. Its error (wrapping ErrLookup) says the message could
// be neither accepted nor rejected; the read must stop there.
func (s *JetStreamEvents) verifyMsg(v *Verifier, m jetstream.Msg, seq uint64) (Record, error) {
	ev, err := v.Check(seq, m.Subject(), m.Headers(), m.Data())
	if errors.Is(err, ErrLookup) {
		return Record{}, fmt.Errorf("seq %d: %w", seq, err)
	}
	if err != nil {
		r := rejection(seq, m.Subject(), m.Headers(), m.Data(), err)
		if md, merr := m.Metadata(); merr == nil {
			r.Stored = md.Timestamp
		}
		return Record{Seq: seq, Rejected: r}, nil
	}
	return Record{Seq: seq, Event: ev}, nil
}

// checkIndex compares the CID index with what a verified replay found (v; the stream's last
// sequence was last when it started) and returns how many entries are wrong and, with repair,
// how many it wrote, rewrote or deleted. Wrong are: a value that is not 8 bytes, a sequence that
// does not hold the CID's bytes, a key that is not an event CID, an event at or below the
// watermark without an entry, and a watermark past the stream's end or malformed. Repair
// writes every verified event's entry (missing or wrong), deletes the entries of what is no
// event, and sets the watermark to the last sequence checked. The bucket is read once, as a
// watch of its current values.
func (s *JetStreamEvents) checkIndex(ctx context.Context, v *Verifier, last uint64, repair bool) (bad, repaired int, err error) {
	w, wrev, wok, err := s.watermarkEntry(ctx)
	if err != nil {
		return 0, 0, err
	}
	badMark := !wok || w > last
	if badMark {
		bad++
		w = last // every event the replay saw should be indexed
	}
	type fix struct {
		key string
		seq uint64 // 0: delete
	}
	var fixes []fix
	seen := make(map[digestKey]struct{}, v.Len())
	watch, err := s.index.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return 0, 0, fmt.Errorf("index: %w", err)
	}
	for e := range watch.Updates() {
		if e == nil {
			break // every current value has been delivered
		}
		key := e.Key()
		if key == watermarkKey || isChildrenKey(key) {
			continue // the children index is checked on every use (events_children.go)
		}
		c, perr := block.ParseCID(key)
		k, ok := keyOf(c)
		if perr != nil || !ok {
			fixes = append(fixes, fix{key: key})
			continue
		}
		seen[k] = struct{}{}
		want, known := v.seqs[k]
		if val := e.Value(); len(val) == 8 {
			seq := binary.BigEndian.Uint64(val)
			if known && seq == want {
				continue
			}
			if _, gerr := s.getSeq(ctx, c, seq); gerr == nil {
				continue // another copy of the same bytes: Get finds the event
			}
		}
		fixes = append(fixes, fix{key: key, seq: want}) // want is 0 (delete) when no event has the CID
	}
	if err := watch.Stop(); err != nil {
		return 0, 0, fmt.Errorf("index: %w", err)
	}
	bad += len(fixes)
	for k, seq := range v.seqs {
		if _, ok := seen[k]; ok {
			continue
		}
		if seq <= w {
			bad++
			fixes = append(fixes, fix{key: cidOfKey(k).String(), seq: seq})
		} else if repair {
			fixes = append(fixes, fix{key: cidOfKey(k).String(), seq: seq})
		}
	}
	if !repair {
		return bad, 0, nil
	}
	for _, f := range fixes {
		if f.seq == 0 {
			err = s.index.Delete(ctx, f.key)
		} else {
			var b [8]byte
			binary.BigEndian.PutUint64(b[:], f.seq)
			_, err = s.index.Put(ctx, f.key, b[:])
		}
		if err != nil {
			return bad, repaired, fmt.Errorf("index repair %s: %w", f.key, err)
		}
		repaired++
	}
	if badMark {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], v.lastSeq)
		if _, err := s.index.Update(ctx, watermarkKey, b[:], wrev); err != nil {
			return bad, repaired, fmt.Errorf("index repair: watermark: %w", err)
		}
		repaired++
	} else if err := s.advanceWatermark(ctx, v.lastSeq); err != nil {
		return bad, repaired, err
	}
	return bad, repaired, nil
}

// Subscribe replays the stream with full verification and then follows it live. Records
// before fromSeq are verified (they build the chain state) but not sent. The channel is
// closed when ctx ends or the stream cannot be read; the ordered consumer resumes after a
// reconnect from the last sequence it delivered, so the feed has no gap and no duplicate.
func (s *JetStreamEvents) Subscribe(ctx context.Context, fromSeq uint64, opts ...SubscribeOption) (<-chan Record, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("stream info: %w", err)
	}
	last := info.State.LastSeq
	resume := collectSubscribeOptions(opts).resume
	ccfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{StreamSubjects}, DeliverPolicy: jetstream.DeliverAllPolicy}
	if resume != nil {
		ccfg.DeliverPolicy, ccfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, resume.Seq+1
	}
	cons, err := s.js.OrderedConsumer(ctx, StreamName, ccfg)
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
		defer dropOrdered(ctx, s.js, StreamName, cons)
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
		caughtUp := last == 0 || resume != nil && last <= resume.Seq
		if caughtUp && !send(Record{CaughtUp: true}) {
			return
		}
		v := NewVerifier()
		if resume != nil {
			v = NewVerifierAt(resume.Seq, resume.Heads, max(s.cfg.FeedMemory, 1<<16), s.Lookup(ctx))
		} else if s.cfg.FeedMemory > 0 {
			v = NewBoundedVerifier(s.cfg.FeedMemory, s.Lookup(ctx))
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
			rec, err := s.verifyMsg(v, m, seq)
			for err != nil {
				// Neither accepted nor rejected (a parent's lookup failed for 30 s): the
				// feed waits and checks the message again rather than show a valid event
				// as rejected; the Verifier is unchanged by the failed check.
				s.log.Warn("event feed: a parent could not be looked up; checking again", "seq", seq, "err", err)
				if Sleep(ctx, time.Second) != nil {
					return
				}
				rec, err = s.verifyMsg(v, m, seq)
			}
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
