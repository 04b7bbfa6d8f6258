// This file writes CAR files: events, bucket blocks and link records, roots the heads.

package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/block"
)

// ExportOptions adjusts ExportCAR.
type ExportOptions struct {
	// Aggregate, when set, restricts the export to what that aggregate's events reach: the
	// aggregate's chain, the events, objects and file content reachable from it through
	// previous, parent and data links, and the link records touching any of those (with what
	// their other endpoint reaches). Empty exports the whole store.
	Aggregate string
}

// ExportStats summarises an export.
type ExportStats struct {
	// Roots are the CAR's roots: the head (last event) of each exported aggregate, in
	// aggregate order; the object heads when the store has no events.
	Roots []cid.Cid
	// Events, Objects, Links and FileBlocks count the blocks written by kind; Other counts
	// bucket blocks of no known kind.
	Events, Objects, Links, FileBlocks, Other int
	// Rejected counts stream messages that failed verification and were left out.
	Rejected int
}

// ExportCAR writes a CARv1 file (go-car) to w holding every verified event block of the
// stream (in stream order), then every bucket block (object blocks, UnixFS nodes and leaves,
// link records), each verified before it is written. A bucket block that fails verification
// stops the export with ErrCorrupt; a stream message that fails it is left out and counted,
// as replay does. The header's roots are the aggregates' heads.
func ExportCAR(ctx context.Context, w io.Writer, events *JetStreamEvents, objects *JetStreamObjects, opts ExportOptions) (ExportStats, error) {
	var st ExportStats
	g, err := scanEvents(ctx, events)
	if err != nil {
		return st, err
	}
	st.Rejected = g.rejected
	entries, err := objects.entries(ctx)
	if err != nil {
		return st, err
	}
	var pick *selection
	if opts.Aggregate != "" {
		head, ok := g.heads[opts.Aggregate]
		if !ok {
			return st, fmt.Errorf("%w: aggregate %q has no events", ErrNotFound, opts.Aggregate)
		}
		if pick, err = objects.reach(ctx, g, head); err != nil {
			return st, err
		}
		st.Roots = []cid.Cid{head}
	} else {
		aggs := make([]string, 0, len(g.heads))
		for a := range g.heads {
			aggs = append(aggs, a)
		}
		slices.Sort(aggs)
		for _, a := range aggs {
			st.Roots = append(st.Roots, g.heads[a])
		}
		if len(st.Roots) == 0 {
			if st.Roots, err = objects.objectHeads(ctx, entries); err != nil {
				return st, err
			}
		}
		if len(st.Roots) == 0 {
			return st, fmt.Errorf("%w: the store holds no events and no objects to export", ErrNotFound)
		}
	}
	car, err := storage.NewWritable(w, st.Roots, carv2.WriteAsCarV1(true))
	if err != nil {
		return st, fmt.Errorf("CAR header: %w", err)
	}
	var werr error
	_, _, err = events.Replay(ctx, ReplayOptions{}, func(r Record) error {
		if r.Event == nil || r.Seq > g.lastSeq || (pick != nil && !pick.has(r.Event.CID)) {
			return nil
		}
		data, c, err := r.Event.Event.Block()
		if err != nil || !c.Equals(r.Event.CID) {
			return fmt.Errorf("%w: event %s re-encodes to %s: %v", ErrCorrupt, r.Event.CID, c, err)
		}
		if err := car.Put(ctx, c.KeyString(), data); err != nil {
			werr = err
			return err
		}
		st.Events++
		return nil
	})
	if werr != nil {
		return st, fmt.Errorf("write CAR: %w", werr)
	}
	if err != nil {
		return st, err
	}
	for _, in := range entries {
		c, err := block.ParseCID(in.Name)
		if err != nil {
			objects.log.Warn("bucket entry is not named by a CID; not exported", "name", in.Name)
			continue
		}
		if pick != nil && !pick.has(c) {
			continue
		}
		data, err := objects.readBlock(ctx, c)
		if err != nil {
			return st, fmt.Errorf("export: %w", err)
		}
		if err := car.Put(ctx, c.KeyString(), data); err != nil {
			return st, fmt.Errorf("write CAR: %w", err)
		}
		switch classify(c, data) {
		case KindObject:
			st.Objects++
		case KindLink:
			st.Links++
		case KindFile:
			st.FileBlocks++
		default:
			st.Other++
		}
	}
	if err := car.Finalize(); err != nil {
		return st, fmt.Errorf("write CAR: %w", err)
	}
	return st, nil
}

// eventGraph is what one verified replay of the stream tells an export: each event's
// previous and parents, and each aggregate's head.
type eventGraph struct {
	deps     map[digestKey][]cid.Cid
	heads    map[string]cid.Cid
	rejected int
	// lastSeq is the stream's last sequence when it was read: the export writes the events up
	// to it, so that its roots are the heads of what it holds.
	lastSeq uint64
}

func scanEvents(ctx context.Context, events *JetStreamEvents) (*eventGraph, error) {
	g := &eventGraph{deps: make(map[digestKey][]cid.Cid), heads: make(map[string]cid.Cid)}
	_, st, err := events.Replay(ctx, ReplayOptions{}, func(r Record) error {
		if r.Event == nil {
			if r.Rejected != nil {
				g.rejected++
			}
			return nil
		}
		k, _ := keyOf(r.Event.CID)
		var deps []cid.Cid
		if r.Event.PreviousCID.Defined() {
			deps = append(deps, r.Event.PreviousCID)
		}
		deps = append(deps, r.Event.ParentCIDs...)
		g.deps[k] = deps
		g.heads[r.Event.AggregateID] = r.Event.CID
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	g.lastSeq = st.LastSeq
	return g, nil
}

// selection is a set of CIDs chosen for export.
type selection struct{ set map[string]struct{} }

func (p *selection) has(c cid.Cid) bool { _, ok := p.set[c.KeyString()]; return ok }

// reach computes everything the event head reaches: events through previous and parents,
// bucket blocks through object data, previous versions and UnixFS links, and link records
// touching anything reached (whose endpoints are then reached too).
func (s *JetStreamObjects) reach(ctx context.Context, g *eventGraph, head cid.Cid) (*selection, error) {
	links, err := s.Links(ctx)
	if err != nil {
		return nil, err
	}
	touching := make(map[string][]Link)
	for _, l := range links {
		touching[l.From.KeyString()] = append(touching[l.From.KeyString()], l)
		touching[l.To.KeyString()] = append(touching[l.To.KeyString()], l)
	}
	p := &selection{set: make(map[string]struct{})}
	work := []cid.Cid{head}
	for len(work) > 0 {
		c := work[len(work)-1]
		work = work[:len(work)-1]
		if p.has(c) {
			continue
		}
		p.set[c.KeyString()] = struct{}{}
		for _, l := range touching[c.KeyString()] {
			work = append(work, l.CID, l.From, l.To)
		}
		if k, ok := keyOf(c); ok {
			if deps, isEvent := g.deps[k]; isEvent {
				work = append(work, deps...)
				continue
			}
		}
		data, err := s.readBlock(ctx, c)
		if errors.Is(err, ErrNotFound) {
			delete(p.set, c.KeyString()) // a dangling reference: nothing to export
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		next, err := blockLinks(c, data)
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		work = append(work, next...)
	}
	return p, nil
}

// blockLinks lists the CIDs a verified bucket block links to.
func blockLinks(c cid.Cid, data []byte) ([]cid.Cid, error) {
	switch c.Type() {
	case cid.Raw:
		return nil, nil
	case cid.DagProtobuf:
		nd, err := decodeFileBlock(c, data)
		if err != nil {
			return nil, err
		}
		out := make([]cid.Cid, 0, len(nd.Links()))
		for _, l := range nd.Links() {
			out = append(out, l.Cid)
		}
		return out, nil
	}
	v, err := block.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, c, err)
	}
	var out []cid.Cid
	walkLinks(v, func(l cid.Cid) { out = append(out, l) })
	return out, nil
}

// walkLinks calls fn for every link inside a data-model value.
func walkLinks(v any, fn func(cid.Cid)) {
	switch x := v.(type) {
	case cid.Cid:
		fn(x)
	case []any:
		for _, e := range x {
			walkLinks(e, fn)
		}
	case map[string]any:
		for _, e := range x {
			walkLinks(e, fn)
		}
	}
}

// objectHeads are the object blocks no other object names as its previous version.
func (s *JetStreamObjects) objectHeads(ctx context.Context, entries []*jetstream.ObjectInfo) ([]cid.Cid, error) {
	var objs []cid.Cid
	replaced := make(map[string]bool)
	for _, in := range entries {
		if BlockKind(in.Metadata[metaKind]) != KindObject {
			continue
		}
		c, err := block.ParseCID(in.Name)
		if err != nil {
			continue
		}
		obj, err := s.Get(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		objs = append(objs, c)
		if obj.PreviousCID.Defined() {
			replaced[obj.PreviousCID.KeyString()] = true
		}
	}
	var heads []cid.Cid
	for _, c := range objs {
		if !replaced[c.KeyString()] {
			heads = append(heads, c)
		}
	}
	return heads, nil
}
