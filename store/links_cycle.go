// This file keeps the graph of hash links and links acyclic: a link is refused when its
// target already reaches its source.

package store

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/ipfs/go-cid"
)

// reaches looks for a path from start to goal along hash links (an object's previous version
// and every CID in its data, a link record's endpoints, a UnixFS node's children, an event's
// previous event and parents) and the given links, and returns it (start first), or nil.
//
// The walk reads only what it must: a file's children only when some link leaves file
// content, and an event's previous event and parents only while an event that matters (goal,
// or the source of a link) may still lie below it: along hash links stream sequences only go
// down.
func (s *JetStreamObjects) reaches(ctx context.Context, start, goal cid.Cid, links []Link) ([]cid.Cid, error) {
	out := make(map[string][]cid.Cid)
	fileSources := false
	for _, l := range links {
		out[l.From.KeyString()] = append(out[l.From.KeyString()], l.To)
		if t := l.From.Type(); t == cid.Raw || t == cid.DagProtobuf {
			fileSources = true
		}
	}
	lowest := uint64(math.MaxUint64) // the lowest sequence of an event that matters
	lowestKnown := false
	eventFloor := func() (uint64, error) {
		if lowestKnown {
			return lowest, nil
		}
		lowestKnown = true
		cands := []cid.Cid{goal}
		for _, l := range links {
			cands = append(cands, l.From)
		}
		for _, c := range cands {
			if _, ok := keyOf(c); !ok {
				continue
			}
			ev, err := s.cfg.EventLookup(ctx, c)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return 0, fmt.Errorf("event lookup %s: %w", c, err)
			}
			lowest = min(lowest, ev.Seq)
		}
		return lowest, nil
	}

	prev := map[string]cid.Cid{start.KeyString(): cid.Undef}
	pathTo := func(c cid.Cid) []cid.Cid {
		var p []cid.Cid
		for c.Defined() {
			p = append([]cid.Cid{c}, p...)
			c = prev[c.KeyString()]
		}
		return p
	}
	queue := []cid.Cid{start}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		if x.Equals(goal) {
			return pathTo(x), nil
		}
		next := append([]cid.Cid(nil), out[x.KeyString()]...)
		hash, err := s.hashLinks(ctx, x, fileSources, eventFloor)
		if err != nil {
			return nil, err
		}
		next = append(next, hash...)
		for _, n := range next {
			if _, seen := prev[n.KeyString()]; seen || !n.Defined() {
				continue
			}
			prev[n.KeyString()] = x
			queue = append(queue, n)
		}
	}
	return nil, nil
}

// hashLinks lists the CIDs node x names by hash, as far as reaches needs them.
func (s *JetStreamObjects) hashLinks(ctx context.Context, x cid.Cid, fileSources bool, eventFloor func() (uint64, error)) ([]cid.Cid, error) {
	switch x.Type() {
	case cid.Raw:
		return nil, nil
	case cid.DagProtobuf:
		if !fileSources {
			return nil, nil // file content reaches only file content, which no link leaves
		}
	}
	data, err := s.readBlock(ctx, x)
	if err == nil {
		return blockLinks(x, data)
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if s.cfg.EventLookup == nil || x.Type() != cid.DagCBOR {
		return nil, nil
	}
	ev, err := s.cfg.EventLookup(ctx, x)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("event lookup %s: %w", x, err)
	}
	floor, err := eventFloor()
	if err != nil {
		return nil, err
	}
	if ev.Seq <= floor {
		return nil, nil // nothing that matters lies below it
	}
	return eventDeps(&ev.Event), nil
}
