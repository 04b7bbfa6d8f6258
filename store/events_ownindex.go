// This file is the writer's side of the index (events_index.go, events_children.go): the
// events an append has just had acknowledged get their CID and children entries from one
// goroutine of the store, off the append's path, and the two watermarks rise over the
// sequences this writer indexed itself. It is an optimisation only: an entry dropped (queue
// full, a write that failed or was refused, a crash) is left for a reader's tail pass, as
// before, and a watermark never rises past a sequence the writer did not index.

package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/block"
)

const (
	// DefaultIndexQueue is a good EventStoreConfig.IndexQueue for a writer that indexes its
	// own appends: how many appended events may wait for their index writes.
	DefaultIndexQueue = 1 << 14
	// ownRound bounds the events one round writes before it waits for the acks and raises
	// the watermarks: the watermarks follow a long run of appends in steps.
	ownRound = 4096
	// gapBudget bounds the messages of other writers (or junk) one round reads to close the
	// gaps between its own sequences; a gap larger than what is left is left to the readers.
	gapBudget = 1024
	// ownCloseWait bounds how long Close waits for the queued index writes.
	ownCloseWait = 2 * time.Second
	// maxRuns bounds the runs of indexed sequences a writer remembers above the watermarks.
	maxRuns = 4096
	// ownRetries is how many times the writer tries again, backing off from ownRetryFirst,
	// to raise a watermark held back by a gap before it waits for new appends.
	ownRetries    = 6
	ownRetryFirst = 100 * time.Millisecond
	// ownGather is how long a round waits for more appends before it writes; ownRaiseEvery
	// how often at most the writer raises the watermarks.
	ownGather     = 5 * time.Millisecond
	ownRaiseEvery = 50 * time.Millisecond
)

// eventKeys are the index keys of event c with these parents by the tail pass's rule: its
// CID key when withCID, a child.<parent>.<c> key per parent link when withKids.
func eventKeys(c cid.Cid, parents []cid.Cid, withCID, withKids bool) []string {
	var keys []string
	if withCID {
		keys = append(keys, c.String())
	}
	if withKids {
		for _, p := range parents {
			keys = append(keys, childKey(p, c))
		}
	}
	return keys
}

// messageKeys are the index keys of a stored message by the tail pass's rule: a message that
// verifies on its own (hash, canonical block, subject, headers) is indexed, anything else is
// deliberately not (nil, false): it is no event, and a watermark steps over it.
func messageKeys(subject string, hdr nats.Header, data []byte, withCID, withKids bool) (*block.Event, cid.Cid, []string, bool) {
	ev, c, err := verifyStandalone(subject, hdr, data)
	if err != nil {
		return nil, cid.Undef, nil, false
	}
	return ev, c, eventKeys(c, ev.ParentCIDs, withCID, withKids), true
}

// ownEntry is an appended event waiting for its index writes.
type ownEntry struct {
	seq     uint64
	c       cid.Cid
	parents []cid.Cid
}

// ownIndex is the writer's index state. The queue and the counters are under mu; done and
// the retry state belong to the loop goroutine.
type ownIndex struct {
	mu      sync.Mutex
	limit   int // queue bound; < 0: appends do not write the index
	queue   []ownEntry
	started bool
	closed  bool
	off     bool   // writes refused (permissions): the readers keep the index
	queued  uint64 // entries accepted
	handled uint64 // entries written, failed or given up
	// raisedFor is handled as it was when the watermarks were last raised; urgent asks the
	// loop to raise them in its next round (Flush).
	raisedFor uint64
	urgent    bool
	dropped   uint64 // entries refused by a full queue
	round     chan struct{}
	wake      chan struct{}
	stop      context.CancelFunc
	exited    chan struct{}

	done    runs      // sequences indexed by this writer (or not indexable), above the marks
	seen    [2]uint64 // the highest value of each watermark this writer has read
	prevMax uint64    // the highest sequence in done when the watermarks were last raised
	tries   int       // raises in a row that moved nothing, with no new appends
	reads   uint64    // other writers' messages read to close gaps (tests)
}

// markKeys are the two watermarks, in the order of ownIndex.seen.
var markKeys = [2]string{watermarkKey, childrenMarkKey}

// indexOwn queues the index entries of events this store has just had acknowledged. It never
// waits: when the queue is full the entries are dropped (a reader's tail pass indexes them).
func (s *JetStreamEvents) indexOwn(stored []*StoredEvent) {
	o := &s.own
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.limit < 0 || o.closed || o.off {
		return
	}
	if len(o.queue)+len(stored) > o.limit {
		if o.dropped == 0 {
			s.log.Warn("index queue full: these appends' index entries are left to the readers", "queue", o.limit)
		}
		o.dropped += uint64(len(stored))
		return
	}
	if !o.started {
		o.started = true
		ctx, cancel := context.WithCancel(context.Background())
		o.stop, o.exited, o.wake, o.round = cancel, make(chan struct{}), make(chan struct{}, 1), make(chan struct{})
		go s.ownLoop(ctx)
	}
	for _, st := range stored {
		var ps []cid.Cid
		if len(st.ParentCIDs) > 0 {
			ps = slices.Clone(st.ParentCIDs) // the caller's slice: it may be reused
		}
		o.queue = append(o.queue, ownEntry{seq: st.Seq, c: st.CID, parents: ps})
	}
	o.queued += uint64(len(stored))
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// ownLoop writes the queued entries round after round until the store is closed.
func (s *JetStreamEvents) ownLoop(ctx context.Context) {
	o := &s.own
	defer func() {
		// Given up (Close timed out): what is still queued is the readers' now.
		o.mu.Lock()
		o.handled += uint64(len(o.queue))
		o.queue = nil
		o.raisedFor = o.handled
		o.mu.Unlock()
		close(o.exited)
	}()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var lastRaise time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		case <-timer.C:
		}
		// Appends arrive one by one: a round a moment later writes many of them together.
		o.mu.Lock()
		gather := !o.closed && len(o.queue) < ownRound
		o.mu.Unlock()
		if gather && Sleep(ctx, ownGather) != nil {
			return
		}
		o.mu.Lock()
		n := min(len(o.queue), ownRound)
		batch := slices.Clone(o.queue[:n])
		o.queue = slices.Delete(o.queue, 0, n)
		off, closing, more := o.off, o.closed, len(o.queue) > 0
		o.mu.Unlock()
		final := closing && !more
		raised, tried := false, false
		if !off {
			s.ownWrite(ctx, batch)
			// The watermarks at most every ownRaiseEvery (two reads and two updates of
			// the bucket): not after every round of a writer appending one event at a time.
			o.mu.Lock()
			urgent := o.urgent
			o.urgent = false
			o.mu.Unlock()
			if final || urgent || time.Since(lastRaise) >= ownRaiseEvery {
				raised, tried = s.ownRaise(ctx, final), true
				lastRaise = time.Now()
			}
		}
		o.mu.Lock()
		o.handled += uint64(n)
		if tried || off {
			o.raisedFor = o.handled
		}
		close(o.round)
		o.round = make(chan struct{})
		o.mu.Unlock()
		if ctx.Err() != nil || final {
			return // Close: the last round is done
		}
		if more {
			select {
			case o.wake <- struct{}{}:
			default:
			}
			continue
		}
		// Sequences indexed above the watermarks: raise them when due; one held back by a
		// gap (another writer's messages not indexed yet) is tried again a few times,
		// backing off, and then left until new appends come.
		switch {
		case raised || n > 0:
			o.tries = 0
		case tried:
			o.tries++
		}
		if !off && o.done.len() > 0 && o.tries < ownRetries {
			timer.Reset(max(ownRaiseEvery-time.Since(lastRaise), ownRetryFirst<<o.tries))
		}
	}
}

// ownWrite writes batch's entries and waits for their acks; those acknowledged join done.
func (s *JetStreamEvents) ownWrite(ctx context.Context, batch []ownEntry) {
	if len(batch) == 0 {
		return
	}
	keys := make([][]string, len(batch))
	for i, e := range batch {
		keys[i] = eventKeys(e.c, e.parents, true, true)
	}
	ok := s.writeKeys(ctx, keys, func(i int) uint64 { return batch[i].seq })
	for i, e := range batch {
		if ok[i] {
			s.own.done.add(e.seq)
		}
	}
}

// ownRaise raises both watermarks over what is indexed (raiseMark); final (Close, nothing
// more queued) closes gaps without waiting for them to age. It reports whether one rose.
func (s *JetStreamEvents) ownRaise(ctx context.Context, final bool) bool {
	o := &s.own
	raised := false
	for m := range markKeys {
		if s.raiseMark(ctx, m, final) {
			raised = true
		}
	}
	o.done.dropTo(min(o.seen[0], o.seen[1]))
	o.prevMax = max(o.prevMax, o.done.max())
	if o.done.len() > maxRuns {
		// Too many gaps to follow (many writers, little of it ours): the readers' tail
		// passes raise the watermarks; start afresh.
		o.done = runs{}
	}
	return raised
}

// writeKeys writes every key of keys[i] with value val(i) and waits for the acks (each times
// out after the publish timeout); ok[i] is set when all of keys[i] were acknowledged. Writes
// the server refuses for permissions turn the writer's indexing off.
func (s *JetStreamEvents) writeKeys(ctx context.Context, keys [][]string, val func(int) uint64) []bool {
	type write struct {
		f jetstream.PubAckFuture
		i int
	}
	ok := make([]bool, len(keys))
	var writes []write
	for i, ks := range keys {
		ok[i] = true
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], val(i))
		for _, k := range ks {
			f, err := s.js.PublishAsync("$KV."+IndexBucket+"."+k, v[:], jetstream.WithStallWait(s.cfg.PublishTimeout))
			if err != nil {
				ok[i] = false
				break
			}
			writes = append(writes, write{f, i})
		}
	}
	probe := time.NewTicker(permissionProbe)
	defer probe.Stop()
	for _, w := range writes {
	wait:
		for {
			select {
			case <-w.f.Ok():
				break wait
			case <-w.f.Err():
				ok[w.i] = false
				break wait
			case <-probe.C:
				if s.indexDenied() {
					return make([]bool, len(keys))
				}
			case <-ctx.Done():
				return make([]bool, len(keys))
			}
		}
	}
	return ok
}

// indexDenied reports whether the server refused this connection a write to the index bucket,
// and then turns the writer's indexing off for good: a user that may append but not write the
// bucket leaves the index to the readers, as before.
func (s *JetStreamEvents) indexDenied() bool {
	last := s.nc.LastError()
	if last == nil || !errors.Is(last, nats.ErrPermissionViolation) || !strings.Contains(last.Error(), "Publish to \"$KV."+IndexBucket+".") {
		return false
	}
	o := &s.own
	o.mu.Lock()
	if !o.off {
		s.log.Warn("this user may not write the index bucket: appends leave the index to the readers' tail passes", "err", last)
	}
	o.handled += uint64(len(o.queue)) // dropped: a Flush does not wait for them
	o.raisedFor = o.handled
	o.off, o.queue = true, nil
	o.mu.Unlock()
	return true
}

// raiseMark raises watermark m (0: the CID index's, 1: the children index's) over the
// sequences this writer has indexed right after it, closing small gaps of other writers'
// messages first by the tail pass's rule. The mark moves only from a value just read (a
// compare-and-set on its revision) to the end of the run of indexed sequences right after
// that value: never past a sequence nobody indexed. A malformed mark is left to the readers'
// tail pass, which replaces it; a mark found lower than this writer saw it (deleted or reset
// by a repair) makes the writer forget what it indexed, since entries may have gone with it.
func (s *JetStreamEvents) raiseMark(ctx context.Context, m int, final bool) bool {
	o := &s.own
	key := markKeys[m]
	for range 5 {
		rctx, cancel := context.WithTimeout(ctx, s.cfg.PublishTimeout)
		w, rev, ok, err := s.markEntry(rctx, key)
		cancel()
		if err != nil || !ok {
			return false
		}
		if w < o.seen[m] {
			s.log.Warn("index watermark lowered by another process; this writer's entries below it are left to the readers", "key", key, "was", o.seen[m], "now", w)
			o.done = runs{}
		}
		o.seen[m] = w
		o.done.dropTo(min(o.seen[0], o.seen[1]))
		s.fillGaps(ctx, w, final)
		to := o.done.reach(w)
		if to <= w {
			return false
		}
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], to)
		wctx, cancel := context.WithTimeout(ctx, s.cfg.PublishTimeout)
		if rev == 0 {
			_, err = s.index.Create(wctx, key, v[:])
		} else {
			_, err = s.index.Update(wctx, key, v[:], rev)
		}
		cancel()
		if err == nil {
			o.seen[m] = to
			return true
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			s.log.Debug("index watermark not raised by the writer", "key", key, "to", to, "err", err)
			return false
		}
		// Another writer or reader moved it meanwhile: read it again.
	}
	return false
}

// fillGaps indexes, by the tail pass's rule, the messages in the gaps between w and the
// sequences this writer indexed: other writers' events, junk (indexed as nothing). Only gaps
// below what the writer had indexed when it last raised the watermarks are filled (its own
// acks may still be on their way),
// unless final; at most gapBudget messages, lowest first, whole gaps only.
func (s *JetStreamEvents) fillGaps(ctx context.Context, w uint64, final bool) {
	o := &s.own
	budget := gapBudget
	for {
		lo, hi, ok := o.done.gap(w)
		if !ok || hi-lo+1 > uint64(budget) || !final && hi >= o.prevMax {
			return
		}
		budget -= int(hi - lo + 1)
		var seqs []uint64
		var keys [][]string
		for seq := lo; seq <= hi; seq++ {
			raw, err := s.stream.GetMsg(ctx, seq)
			o.reads++
			if errors.Is(err, jetstream.ErrMsgNotFound) {
				o.done.add(seq) // no message: nothing to index, as the tail pass reads none
				continue
			}
			if err != nil {
				return
			}
			_, _, ks, indexable := messageKeys(raw.Subject, raw.Header, raw.Data, true, true)
			if !indexable {
				o.done.add(seq)
				continue
			}
			seqs = append(seqs, seq)
			keys = append(keys, ks)
		}
		written := s.writeKeys(ctx, keys, func(i int) uint64 { return seqs[i] })
		for i, seq := range seqs {
			if !written[i] {
				return
			}
			o.done.add(seq)
		}
	}
}

// ownFlush waits until every entry queued before the call has been written (or given up) and
// the watermarks raised over them, or ctx ends.
func (s *JetStreamEvents) ownFlush(ctx context.Context) error {
	o := &s.own
	o.mu.Lock()
	target := o.queued
	if o.started && o.raisedFor < target {
		o.urgent = true
		select {
		case o.wake <- struct{}{}:
		default:
		}
	}
	o.mu.Unlock()
	for {
		o.mu.Lock()
		if o.raisedFor >= target || !o.started {
			o.mu.Unlock()
			return nil
		}
		round, exited := o.round, o.exited
		o.mu.Unlock()
		select {
		case <-round:
		case <-exited:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close waits for the index writes of the events appended so far (at most a couple of
// seconds, less when ctx ends sooner) and stops the goroutine that writes them. What it did
// not write is left to the readers' tail passes: the error it returns when it gave up waiting
// loses nothing, and callers that are exiting may ignore it. The store stays usable: later
// appends are stored as before but leave their index entries to the readers. Close does not
// close the NATS connection.
func (s *JetStreamEvents) Close(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, ownCloseWait)
	defer cancel()
	o := &s.own
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil
	}
	o.closed = true
	started := o.started
	if started {
		select {
		case o.wake <- struct{}{}: // a last round closes the gaps it can
		default:
		}
	}
	o.mu.Unlock()
	if !started {
		return nil
	}
	select {
	case <-o.exited:
	case <-ctx.Done():
		o.stop()
		<-o.exited
		return fmt.Errorf("index writes of the last appends not all done (the readers' tail passes index them): %w", ctx.Err())
	}
	return nil
}

// runs is a set of sequences kept as sorted, disjoint, non-adjacent closed intervals.
type runs struct{ r [][2]uint64 }

func (rs *runs) len() int { return len(rs.r) }

func (rs *runs) max() uint64 {
	if len(rs.r) == 0 {
		return 0
	}
	return rs.r[len(rs.r)-1][1]
}

// add puts seq in the set.
func (rs *runs) add(seq uint64) {
	// i: the first run ending at or after seq-1 (the one seq may extend or fall in).
	i := sort.Search(len(rs.r), func(i int) bool { return rs.r[i][1]+1 >= seq })
	switch {
	case i < len(rs.r) && rs.r[i][0] <= seq && seq <= rs.r[i][1]:
		return
	case i < len(rs.r) && rs.r[i][1]+1 == seq:
		rs.r[i][1] = seq
		if i+1 < len(rs.r) && rs.r[i+1][0] == seq+1 {
			rs.r[i][1] = rs.r[i+1][1]
			rs.r = slices.Delete(rs.r, i+1, i+2)
		}
	case i < len(rs.r) && rs.r[i][0] == seq+1:
		rs.r[i][0] = seq
	default:
		rs.r = slices.Insert(rs.r, i, [2]uint64{seq, seq})
	}
}

// reach is the highest S such that every sequence in (w, S] is in the set (w when w+1 is not).
func (rs *runs) reach(w uint64) uint64 {
	i := sort.Search(len(rs.r), func(i int) bool { return rs.r[i][1] >= w+1 })
	if i < len(rs.r) && rs.r[i][0] <= w+1 {
		return rs.r[i][1]
	}
	return w
}

// gap is the first run of sequences after w missing from the set that has a sequence of the
// set above it: [lo, hi]; false when there is none.
func (rs *runs) gap(w uint64) (lo, hi uint64, ok bool) {
	lo = rs.reach(w) + 1
	i := sort.Search(len(rs.r), func(i int) bool { return rs.r[i][0] > lo })
	if i == len(rs.r) {
		return 0, 0, false
	}
	return lo, rs.r[i][0] - 1, true
}

// dropTo forgets the sequences up to w.
func (rs *runs) dropTo(w uint64) {
	i := sort.Search(len(rs.r), func(i int) bool { return rs.r[i][1] > w })
	rs.r = rs.r[i:]
	if len(rs.r) > 0 && rs.r[0][0] <= w {
		rs.r[0][0] = w + 1
	}
}
