// This file keeps the children index beside the CID index, in the same bucket: one key
// child.<parentCID>.<childCID> per causal-parent link, whose value is the child's stream
// sequence, and the key children-watermark, the sequence up to which every stored event's
// links are indexed. Readers write it in the same pass as the CID index (indexTail); it is a
// cache like the CID index: every entry is checked against the stream before it is used.

package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/block"
)

// childPrefix begins the children index's keys: child.<parentCID>.<childCID>.
const childPrefix = "child."

// childrenMarkKey holds the sequence up to which every stored event's parent links are in the
// children index. It is apart from watermarkKey: a store indexed before the children index
// existed has a CID watermark and no children.
const childrenMarkKey = "children-watermark"

// childKey is the children index's key for the link from child c to its parent p.
func childKey(p, c cid.Cid) string { return childPrefix + p.String() + "." + c.String() }

// isChildrenKey reports whether an index bucket key belongs to the children index.
func isChildrenKey(key string) bool {
	return key == childrenMarkKey || strings.HasPrefix(key, childPrefix)
}

// childEntry is a child link as the index tells it: unchecked.
type childEntry struct {
	child string // the child's CID as written in the key
	seq   uint64
}

// indexedChildren lists the children index's entries for each parent: the keys come from the
// bucket's stream info filtered on child.<parent>.* (the server answers it from its subject
// tree, without reading the stream; a consumer on that filter made the server load every
// block of a bucket of a million keys first, seconds on a cold server), each value from one
// key lookup. Nothing is checked; a key deleted since reads as sequence 0.
func (s *JetStreamEvents) indexedChildren(ctx context.Context, parents []cid.Cid) (map[string][]childEntry, error) {
	out := make(map[string][]childEntry, len(parents))
	bucket, err := s.js.Stream(ctx, "KV_"+IndexBucket)
	if err != nil {
		return nil, fmt.Errorf("children index: %w", err)
	}
	pre := "$KV." + IndexBucket + "."
	for _, p := range parents {
		info, err := bucket.Info(ctx, jetstream.WithSubjectFilter(pre+childPrefix+p.String()+".*"))
		if err != nil {
			return nil, fmt.Errorf("children index of %s: %w", p, err)
		}
		for subj := range info.State.Subjects {
			key := strings.TrimPrefix(subj, pre)
			c, ok := strings.CutPrefix(key, childPrefix+p.String()+".")
			if !ok {
				continue
			}
			var seq uint64 // 0: no well-formed value, the child is looked up by CID
			e, err := s.index.Get(ctx, key)
			switch {
			case err == nil && len(e.Value()) == 8:
				seq = binary.BigEndian.Uint64(e.Value())
			case err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) && !errors.Is(err, jetstream.ErrKeyDeleted):
				return nil, fmt.Errorf("children index %s: %w", key, err)
			}
			out[p.String()] = append(out[p.String()], childEntry{child: c, seq: seq})
		}
	}
	return out, nil
}

// checkChild returns the child an index entry names when it is one: the message at the
// entry's sequence, or else (a wrong or malformed sequence) the event the CID index finds for
// the CID the key names, must hash to that CID, verify on its own, name parent among its
// parents and have every parent stored before it. Anything else (an entry forged or gone
// stale) is nil: the entry is ignored.
func (s *JetStreamEvents) checkChild(ctx context.Context, parent cid.Cid, e childEntry) (*StoredEvent, error) {
	isChild := func(b *block.Event, seq uint64) bool {
		return slices.ContainsFunc(b.ParentCIDs, parent.Equals) && s.parentsBefore(ctx, b, seq)
	}
	if e.seq != 0 {
		raw, err := s.stream.GetMsg(ctx, e.seq)
		if err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil, fmt.Errorf("read seq %d: %w", e.seq, err)
		}
		if err == nil {
			b, c, err := verifyStandalone(raw.Subject, raw.Header, raw.Data)
			if err == nil && c.String() == e.child && isChild(b, e.seq) {
				return &StoredEvent{Event: *b, CID: c, Seq: e.seq}, nil
			}
		}
	}
	c, err := block.ParseCID(e.child)
	if err != nil {
		return nil, nil
	}
	ev, err := s.Get(ctx, c)
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrCorrupt) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("child %s: %w", c, err)
	}
	if !isChild(&ev.Event, ev.Seq) {
		return nil, nil
	}
	return ev, nil
}

// childrenFromIndex adds to out, under each event of evs, the children the index knows
// (each checked against the stream; wrong entries are logged and ignored), and returns the
// children watermark it read: children stored after it may be missing from the index.
func (s *JetStreamEvents) childrenFromIndex(ctx context.Context, evs []*StoredEvent, out map[cid.Cid][]*StoredEvent) (uint64, error) {
	cw, _, ok, err := s.markEntry(ctx, childrenMarkKey)
	if err != nil {
		return 0, err
	}
	last, err := s.LastSeq(ctx)
	if err != nil {
		return 0, err
	}
	if !ok || cw > last {
		return 0, nil // a wrong watermark promises nothing: the scan covers everything
	}
	var ask []cid.Cid
	for _, ev := range evs {
		if ev.Seq < cw {
			ask = append(ask, ev.CID)
		}
	}
	if len(ask) == 0 {
		return cw, nil
	}
	entries, err := s.indexedChildren(ctx, ask)
	if err != nil {
		return 0, err
	}
	for _, p := range ask {
		for _, e := range entries[p.String()] { // one entry a key: no child twice
			kid, err := s.checkChild(ctx, p, e)
			if err != nil {
				return 0, err
			}
			if kid == nil {
				s.log.Warn("children index entry names no child of its parent; ignored", "parent", p, "child", e.child, "seq", e.seq)
				continue
			}
			out[p] = append(out[p], kid)
		}
	}
	return cw, nil
}

// childLinks are the parent links of the events a verified replay found: (parent, child) ->
// the child's sequence. checkChildren compares the children index with them.
type childLinks map[[2]digestKey]uint64

func (l childLinks) add(ev *StoredEvent) {
	ck, ok := keyOf(ev.CID)
	if !ok {
		return
	}
	for _, p := range ev.ParentCIDs {
		if pk, ok := keyOf(p); ok {
			if _, dup := l[[2]digestKey{pk, ck}]; !dup {
				l[[2]digestKey{pk, ck}] = ev.Seq
			}
		}
	}
}

// parseChildKey splits a children index key into the parent and child CIDs it names.
func parseChildKey(key string) (p, c cid.Cid, ok bool) {
	rest, ok := strings.CutPrefix(key, childPrefix)
	if !ok {
		return cid.Undef, cid.Undef, false
	}
	ps, cs, ok := strings.Cut(rest, ".")
	if !ok {
		return cid.Undef, cid.Undef, false
	}
	p, perr := block.ParseCID(ps)
	c, cerr := block.ParseCID(cs)
	if _, okp := keyOf(p); perr != nil || cerr != nil || !okp {
		return cid.Undef, cid.Undef, false
	}
	if _, okc := keyOf(c); !okc {
		return cid.Undef, cid.Undef, false
	}
	return p, c, true
}

// checkChildren is checkIndex for the children index: wrong are a key that names no parent
// link, a value that is not the child's sequence (unless the message there is a copy of that
// child: a fork's child the tail pass indexed checks out too), a link at or below the
// children watermark without an entry, and a watermark past the stream's end (last) or
// malformed. Repair rewrites or deletes the wrong entries, writes the missing ones and sets
// the watermark to upTo (the last sequence the replay checked). A store indexed before the
// children index (no children watermark) has nothing wrong for a missing entry.
func (s *JetStreamEvents) checkChildren(ctx context.Context, links childLinks, last, upTo uint64, repair bool) (bad, repaired int, err error) {
	cw, crev, cok, err := s.markEntry(ctx, childrenMarkKey)
	if err != nil {
		return 0, 0, err
	}
	badMark := !cok || cw > last
	if badMark {
		bad++
		cw = last
	}
	type fix struct {
		key string
		seq uint64 // 0: delete
	}
	var fixes []fix
	seen := make(map[[2]digestKey]struct{}, len(links))
	watch, err := s.index.WatchFiltered(ctx, []string{childPrefix + ">"}, jetstream.IgnoreDeletes())
	if err != nil {
		return 0, 0, fmt.Errorf("children index: %w", err)
	}
	for e := range watch.Updates() {
		if e == nil {
			break // every current value has been delivered
		}
		p, c, ok := parseChildKey(e.Key())
		if !ok {
			fixes = append(fixes, fix{key: e.Key()})
			continue
		}
		pk, _ := keyOf(p)
		ck, _ := keyOf(c)
		var seq uint64
		if len(e.Value()) == 8 {
			seq = binary.BigEndian.Uint64(e.Value())
		}
		if want, known := links[[2]digestKey{pk, ck}]; known {
			seen[[2]digestKey{pk, ck}] = struct{}{}
			if seq != want {
				fixes = append(fixes, fix{key: e.Key(), seq: want})
			}
			continue
		}
		if seq != 0 {
			if raw, gerr := s.stream.GetMsg(ctx, seq); gerr == nil {
				if b, bc, verr := verifyStandalone(raw.Subject, raw.Header, raw.Data); verr == nil && bc.Equals(c) && slices.ContainsFunc(b.ParentCIDs, p.Equals) {
					continue
				}
			}
		}
		fixes = append(fixes, fix{key: e.Key()})
	}
	if err := watch.Stop(); err != nil {
		return 0, 0, fmt.Errorf("children index: %w", err)
	}
	bad += len(fixes)
	for lk, seq := range links {
		if _, ok := seen[lk]; ok {
			continue
		}
		if cw != 0 && seq <= cw {
			bad++
		} else if !repair {
			continue
		}
		fixes = append(fixes, fix{key: childKey(cidOfKey(lk[0]), cidOfKey(lk[1])), seq: seq})
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
			return bad, repaired, fmt.Errorf("children index repair %s: %w", f.key, err)
		}
		repaired++
	}
	if badMark {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], upTo)
		if _, err := s.index.Update(ctx, childrenMarkKey, b[:], crev); err != nil {
			return bad, repaired, fmt.Errorf("children index repair: watermark: %w", err)
		}
		repaired++
	} else if err := s.advanceMark(ctx, childrenMarkKey, upTo); err != nil {
		return bad, repaired, err
	}
	return bad, repaired, nil
}
