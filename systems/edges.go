package systems

import (
	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
)

// Link adds an edge from one node to another and records the back reference the target
// needs to drop it later. It reports false, adding nothing, when the same edge (same target,
// kind and label) is already there or either entity lacks an Edges component.
func Link(w donburi.World, from, to donburi.Entity, kind components.EdgeKind, label string) bool {
	if !w.Valid(from) || !w.Valid(to) {
		return false
	}
	fe, te := w.Entry(from), w.Entry(to)
	if !fe.HasComponent(components.Edges) || !te.HasComponent(components.Edges) {
		return false
	}
	out := components.Edges.Get(fe)
	pointsAlready := false
	for _, e := range out.Out {
		if e.To != to {
			continue
		}
		pointsAlready = true
		if e.Kind == kind && e.Label == label {
			return false
		}
	}
	out.Out = append(out.Out, components.Edge{To: to, Kind: kind, Label: label})
	if !pointsAlready {
		in := components.Edges.Get(w.Entry(to))
		in.In = append(in.In, from)
	}
	return true
}

// Unlink drops every edge that points at e from the nodes that hold one, and e's own back
// references in the nodes it points at, so that e can leave the world without leaving
// dangling edges behind. It returns how many EdgeLink edges disappeared (in both
// directions), for the link count. Call it before e is removed.
func Unlink(w donburi.World, e donburi.Entity) (links int) {
	if !w.Valid(e) {
		return 0
	}
	entry := w.Entry(e)
	if !entry.HasComponent(components.Edges) {
		return 0
	}
	self := components.Edges.Get(entry)
	for _, src := range self.In {
		if src == e || !w.Valid(src) {
			continue
		}
		se := w.Entry(src)
		if !se.HasComponent(components.Edges) {
			continue
		}
		d := components.Edges.Get(se)
		kept := d.Out[:0]
		for _, out := range d.Out {
			if out.To == e {
				if out.Kind == components.EdgeLink {
					links++
				}
				continue
			}
			kept = append(kept, out)
		}
		clearTail(d.Out, len(kept))
		d.Out = kept
	}
	for _, out := range self.Out {
		if out.Kind == components.EdgeLink {
			links++
		}
		if out.To == e || !w.Valid(out.To) {
			continue
		}
		te := w.Entry(out.To)
		if !te.HasComponent(components.Edges) {
			continue
		}
		d := components.Edges.Get(te)
		kept := d.In[:0]
		for _, in := range d.In {
			if in != e {
				kept = append(kept, in)
			}
		}
		clear(d.In[len(kept):])
		d.In = kept
	}
	self.Out, self.In = nil, nil
	return links
}

// clearTail zeroes the dropped tail so that labels it held can be collected.
func clearTail(s []components.Edge, from int) {
	clear(s[from:])
}
