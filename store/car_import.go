// This file reads CAR files: every block checked in a first pass, then loaded in a valid
// order (all or nothing).

package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"

	"github.com/jetdag/jetdag/store/block"
)

// ImportStats summarises an import.
type ImportStats struct {
	// Roots are the roots named in the CAR header.
	Roots []cid.Cid
	// Events appended to the stream, and EventsPresent already there.
	Events, EventsPresent int
	// Blocks written to the bucket (of which Links are link records), and BlocksPresent
	// already there.
	Blocks, Links, BlocksPresent int
	// MessagesRead is how many stream messages the import read and verified before its
	// checks: the whole stream, or only what follows a trusted checkpoint (TrustHeads).
	MessagesRead int
}

// carEvent is an event block of a CAR file waiting for its previous event and parents.
type carEvent struct {
	c    cid.Cid
	data []byte
	deps []cid.Cid
}

// ImportCAR loads a CAR file (v1 or v2) into the stores, all or nothing. A first pass checks
// the whole file before anything is written: every block hashes to its CID and is at most
// MaxBlockSize; event blocks are canonical events with valid names whose messages fit the
// server's max payload; every event's previous event and parents are in the file or already
// in the stream; each aggregate's new events extend its current head in one line (no second
// first event, no fork, no previous event of another aggregate); and link records decode, name
// endpoints that are in the file or stored, and close no cycle (checkLinks). The second
// pass loads bucket blocks into the bucket and appends events in an order where each event's
// previous event and parents come first. Blocks and events already stored are left as they
// are, so an import can be repeated. Only what changes between the passes (another writer
// appending to the same aggregate, a raw client squatting a message ID) can stop the second
// pass part way; the error then says which event.
//
// The stream is read and verified once before the first pass: all of it, or, when events
// trusts a verified checkpoint (TrustHeads), only the messages after it (and the headers of
// those within the stream's duplicate window before it); events up to the checkpoint are then
// found through the CID index.
func ImportCAR(ctx context.Context, r io.ReadSeeker, events *JetStreamEvents, objects *JetStreamObjects) (ImportStats, error) {
	var st ImportStats
	// Messages the stream rejected still hold their message IDs for the duplicate window:
	// an event of the file whose CID one of them holds could not be stored.
	held := make(map[string]*Rejection)
	have, read, err := events.readForImport(ctx, held)
	st.MessagesRead = read
	if err != nil {
		return st, err
	}
	plan := &importPlan{events: events, have: have, held: held, fileEvents: make(map[digestKey]carEventInfo), inFile: make(map[string]struct{})}
	roots, err := readCAR(r, plan.check)
	if err != nil {
		return st, err
	}
	st.Roots = roots
	// A stored event that could not be looked up makes a check fail as if it were missing:
	// that failure, not the check's verdict, is the error (nothing is stored).
	if err := plan.checkEvents(); have.err != nil {
		return st, have.err
	} else if err != nil {
		return st, err
	}
	if err := plan.checkLinks(ctx, objects); have.err != nil {
		return st, have.err
	} else if err != nil {
		return st, err
	}
	plan = nil
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return st, fmt.Errorf("rewind CAR: %w", err)
	}
	ld := &eventLoader{ctx: ctx, events: events, have: have, loaded: make(map[digestKey]struct{}), waiting: make(map[digestKey][]carEvent), st: &st}
	_, err = readCAR(r, func(c cid.Cid, data []byte) error {
		ev, isEvent, err := checkCARBlock(c, data)
		if err != nil {
			return err
		}
		if isEvent {
			return ld.offer(carEvent{c: c, data: data, deps: eventDeps(ev)})
		}
		return objects.importBlock(ctx, c, data, &st)
	})
	if err != nil {
		return st, err
	}
	if n := ld.stuck(); n > 0 {
		return st, fmt.Errorf("%w: %d events of the file could not be ordered after their previous events and parents", ErrUnknownParent, n)
	}
	if err := events.Flush(ctx); err != nil {
		return st, err
	}
	return st, nil
}

// carEventInfo is what the first pass keeps of an event block: no payload.
type carEventInfo struct {
	c       cid.Cid
	agg     string
	prev    cid.Cid
	parents []cid.Cid
}

// importPlan is the first pass of ImportCAR: what the file holds, checked block by block and
// then as a whole, before anything is written.
type importPlan struct {
	events     *JetStreamEvents
	have       *importIndex
	fileEvents map[digestKey]carEventInfo
	order      []digestKey // file order
	inFile     map[string]struct{}
	links      []Link
	held       map[string]*Rejection // rejected messages by message ID
}

// check is the per-block part of the first pass.
func (p *importPlan) check(c cid.Cid, data []byte) error {
	ev, isEvent, err := checkCARBlock(c, data)
	if err != nil {
		return err
	}
	p.inFile[c.KeyString()] = struct{}{}
	if !isEvent {
		if classify(c, data) == KindLink {
			l, err := decodeLinkRecord(c, data)
			if err != nil {
				return err
			}
			p.links = append(p.links, l)
		}
		return nil
	}
	m, _, err := EventMessage(ev)
	if err != nil {
		return fmt.Errorf("CAR event %s: %w", c, err)
	}
	if !bytesEqual(m.Data, data) {
		return fmt.Errorf("%w: CAR event %s does not re-encode to the same bytes", ErrInvalidInput, c)
	}
	setExpectHeaders(m, ev.AggregateID, math.MaxUint64) // as AppendBlock sends it, at its largest
	if n := MessageSize(m); n > p.events.maxPayload {
		return fmt.Errorf("%w: CAR event %s is %d bytes with headers, the server accepts %d", ErrPayloadTooLarge, c, n, p.events.maxPayload)
	}
	k, _ := keyOf(c)
	if _, dup := p.fileEvents[k]; !dup {
		p.order = append(p.order, k)
	}
	p.fileEvents[k] = carEventInfo{c: c, agg: ev.AggregateID, prev: ev.PreviousCID, parents: ev.ParentCIDs}
	return nil
}

// checkEvents checks the file's events as a whole: dependencies present, and each aggregate's
// new events one line on its current head.
func (p *importPlan) checkEvents() error {
	next := make(map[string]cid.Cid) // what follows each previous (or the aggregate's start)
	for _, k := range p.order {
		e := p.fileEvents[k]
		for _, d := range append([]cid.Cid{e.prev}, e.parents...) {
			if !d.Defined() {
				continue
			}
			dk, ok := keyOf(d)
			if !ok {
				return fmt.Errorf("%w: event %s names %s, which is not an event CID", ErrUnknownParent, e.c, d)
			}
			if _, ok := p.fileEvents[dk]; ok {
				continue
			}
			if _, ok := p.have.Seq(d); !ok {
				return fmt.Errorf("%w: event %s needs %s, which is neither in the file nor in the stream", ErrUnknownParent, e.c, d)
			}
		}
		if _, stored := p.have.Seq(e.c); stored {
			continue
		}
		if rj, ok := p.held[e.c.String()]; ok {
			window := 2 * time.Minute
			if info := p.events.stream.CachedInfo(); info != nil {
				window = info.Config.Duplicates
			}
			if rj.Stored.IsZero() || time.Since(rj.Stored) < window+time.Second {
				return fmt.Errorf("%w: event %s of the file: the rejected message at seq %d holds its message ID (stored %s; the stream's duplicate window is %s), so it cannot be stored yet; nothing was imported",
					ErrDuplicateMsgID, e.c, rj.Seq, rj.Stored.UTC().Format(time.RFC3339), window)
			}
		}
		key := "start:" + e.agg
		if e.prev.Defined() {
			key = e.prev.KeyString()
		}
		if other, fork := next[key]; fork {
			return fmt.Errorf("%w: events %s and %s of the file both follow %s of aggregate %q: a fork", ErrInvalidInput, other, e.c, describePrev(e.prev), e.agg)
		}
		next[key] = e.c
		pk, _ := keyOf(e.prev)
		prevInFile, inFile := p.fileEvents[pk]
		_, prevStored := p.have.Seq(e.prev)
		switch {
		case e.prev.Defined() && inFile && !prevStored:
			if prevInFile.agg != e.agg {
				return fmt.Errorf("%w: event %s of aggregate %q names as previous %s, an event of %q", ErrInvalidInput, e.c, e.agg, e.prev, prevInFile.agg)
			}
		default:
			// It goes right on the aggregate's current head.
			head, seq, ok := p.have.Head(e.agg)
			if !ok {
				head = cid.Undef
			}
			if !head.Equals(e.prev) {
				return &ConflictError{AggregateID: e.agg, Head: head, HeadSeq: seq, Expected: e.prev}
			}
		}
	}
	return nil
}

func describePrev(c cid.Cid) string {
	if !c.Defined() {
		return "nothing (both are a first event)"
	}
	return c.String()
}

// checkLinks checks the file's link records: each endpoint is in the file or stored, no link
// points at itself, and, taken in file order after the stored links, none closes a cycle
// through links and the hash links of stored blocks and events (blocks only in the file are not
// read: their own hash links cannot reach back to a newer link's source).
func (p *importPlan) checkLinks(ctx context.Context, objects *JetStreamObjects) error {
	if len(p.links) == 0 {
		return nil
	}
	all, err := objects.Links(ctx)
	if err != nil {
		return err
	}
	storedLink := make(map[string]bool, len(all))
	for _, l := range all {
		storedLink[l.CID.KeyString()] = true
	}
	for _, l := range p.links {
		if l.From.Equals(l.To) {
			return fmt.Errorf("%w: link record %s links %s to itself", ErrInvalidInput, l.CID, l.From)
		}
		for _, c := range []cid.Cid{l.From, l.To} {
			if _, ok := p.inFile[c.KeyString()]; ok {
				continue
			}
			if _, ok := p.have.Seq(c); ok {
				continue
			}
			ok, err := objects.Exists(ctx, c)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: link record %s names %s, which is neither in the file nor stored", ErrInvalidInput, l.CID, c)
			}
		}
		if storedLink[l.CID.KeyString()] {
			continue
		}
		path, err := objects.reaches(ctx, l.To, l.From, all)
		if err != nil {
			return err
		}
		if path != nil {
			return fmt.Errorf("%w: %w: link record %s from %s to %s would close a cycle (%s already reaches %s)",
				ErrInvalidInput, ErrLinkCycle, l.CID, l.From, l.To, l.To, l.From)
		}
		all = append(all, l)
		storedLink[l.CID.KeyString()] = true
	}
	return nil
}

// readCAR calls fn for every block of a CAR file and returns the header's roots.
func readCAR(r io.Reader, fn func(cid.Cid, []byte) error) ([]cid.Cid, error) {
	// go-car's own hash check is off: checkCARBlock verifies every block with block.Verify,
	// which also refuses hashes and codecs jetdag does not store.
	br, err := carv2.NewBlockReader(r, carv2.MaxAllowedSectionSize(MaxBlockSize+1024), carv2.WithTrustedCAR(true))
	if err != nil {
		return nil, fmt.Errorf("%w: not a CAR file: %w", ErrInvalidInput, err)
	}
	for {
		blk, err := br.Next()
		if errors.Is(err, io.EOF) {
			return br.Roots, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: reading CAR: %w", ErrInvalidInput, err)
		}
		if err := fn(blk.Cid(), blk.RawData()); err != nil {
			return nil, err
		}
	}
}

// checkCARBlock verifies one block of a CAR file and says whether it is an event.
func checkCARBlock(c cid.Cid, data []byte) (*block.Event, bool, error) {
	if err := block.Verify(c, data); errors.Is(err, block.ErrUnsupportedCID) {
		return nil, false, fmt.Errorf("%w: CAR block %s: %w", ErrInvalidInput, c, err)
	} else if err != nil {
		return nil, false, fmt.Errorf("%w: CAR block %s: %w", ErrCorrupt, c, err)
	}
	if len(data) > MaxBlockSize {
		return nil, false, fmt.Errorf("%w: CAR block %s is %d bytes, more than %d", ErrInvalidInput, c, len(data), MaxBlockSize)
	}
	if c.Type() != cid.DagCBOR {
		return nil, false, nil
	}
	if _, err := block.Decode(data); err != nil {
		return nil, false, fmt.Errorf("%w: CAR block %s: %w", ErrCorrupt, c, err)
	}
	ev, err := block.DecodeEvent(data)
	if errors.Is(err, block.ErrInvalidName) {
		// An event in every other respect whose name the stream could not carry.
		return nil, false, fmt.Errorf("%w: CAR event %s: %w", ErrInvalidInput, c, err)
	}
	if err != nil {
		return nil, false, nil // an object, a link record or another DAG-CBOR block
	}
	return ev, true, nil
}

func eventDeps(ev *block.Event) []cid.Cid {
	var deps []cid.Cid
	if ev.PreviousCID.Defined() {
		deps = append(deps, ev.PreviousCID)
	}
	return append(deps, ev.ParentCIDs...)
}

// importBlock stores one verified non-event block in the bucket, classified so that List,
// Links and Subscribe index it.
func (s *JetStreamObjects) importBlock(ctx context.Context, c cid.Cid, data []byte, st *ImportStats) error {
	if ok, err := s.Exists(ctx, c); err != nil {
		return err
	} else if ok {
		if _, err := s.readBlock(ctx, c); err == nil {
			st.BlocksPresent++
			return nil
		}
		// a corrupt entry: the verified block from the file replaces it
	}
	kind := classify(c, data)
	var meta map[string]string
	if kind == KindLink {
		l, err := decodeLinkRecord(c, data)
		if err != nil {
			return err
		}
		meta = linkMeta(l.From, l.To, l.Type, l.Timestamp)
		st.Links++
	}
	if err := s.putBlock(ctx, c, data, kind, meta); err != nil {
		return err
	}
	st.Blocks++
	return nil
}

// eventLoader appends the events of a CAR file once their dependencies are stored; an event
// that arrives before one of them waits in memory (a file written by ExportCAR is in stream
// order, so none waits).
type eventLoader struct {
	ctx     context.Context
	events  *JetStreamEvents
	have    *importIndex
	loaded  map[digestKey]struct{}
	waiting map[digestKey][]carEvent // by the dependency they wait for
	nWait   int
	st      *ImportStats
}

func (l *eventLoader) stored(c cid.Cid) bool {
	k, _ := keyOf(c)
	if _, ok := l.loaded[k]; ok {
		return true
	}
	_, ok := l.have.Seq(c)
	return ok
}

func (l *eventLoader) offer(first carEvent) error {
	queue := []carEvent{first}
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		stored := l.stored(e.c)
		if l.have.err != nil {
			return l.have.err
		}
		if stored {
			l.st.EventsPresent++
			continue
		}
		blocked := false
		for _, d := range e.deps {
			if !l.stored(d) {
				k, _ := keyOf(d)
				l.waiting[k] = append(l.waiting[k], e)
				l.nWait++
				blocked = true
				break
			}
		}
		if l.have.err != nil {
			return l.have.err
		}
		if blocked {
			continue
		}
		if _, err := l.events.AppendBlock(l.ctx, e.data); err != nil {
			return fmt.Errorf("append event %s: %w", e.c, err)
		}
		l.st.Events++
		k, _ := keyOf(e.c)
		l.loaded[k] = struct{}{}
		ready := l.waiting[k]
		delete(l.waiting, k)
		l.nWait -= len(ready)
		queue = append(queue, ready...)
	}
	return nil
}

func (l *eventLoader) stuck() int { return l.nWait }
