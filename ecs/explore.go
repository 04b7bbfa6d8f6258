package ecs

import (
	"github.com/ipfs/go-cid"
	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
)

// This file is the model's side of explore mode (view --at). The source sends one node's
// neighbourhood in whatever order it fetches it, so a Partial graph holds nothing back: a
// node enters at once with the edges to the blocks that are there, and an edge to a block
// that is not waits, dangling, until that block arrives (a parent fetched after its child).

// danglingEdge is an edge whose source is in the world and whose target is not (yet).
type danglingEdge struct {
	from donburi.Entity
	kind components.EdgeKind
}

// dangle records the edges of m, just spawned, to the blocks of miss.
func (g *Graph) dangle(m Message, miss []cid.Cid) {
	var from donburi.Entity
	var prev cid.Cid
	switch m := m.(type) {
	case *EventMsg:
		from, prev = g.index[m.CID], m.Previous
	case *ObjectMsg:
		from, prev = g.index[m.CID], m.Previous
	case *NodeMsg:
		from, prev = g.index[m.CID], m.Previous
	default:
		return
	}
	if g.dangling == nil {
		g.dangling = make(map[cid.Cid][]danglingEdge)
	}
	for _, c := range miss {
		kind := components.EdgeParent
		if c == prev {
			kind = components.EdgePrevious
		}
		g.dangling[c] = append(g.dangling[c], danglingEdge{from: from, kind: kind})
	}
	if len(g.dangling) > max(g.danglingSweep, minDanglingSweep) {
		g.sweepDangling()
	}
}

// minDanglingSweep is how many blocks may have dangling edges before the first sweep.
const minDanglingSweep = 4096

// sweepDangling forgets the dangling edges whose source has left the world (a bounded world
// retired it): a resumed live feed (view --checkpoint) keeps pointing at blocks that never
// arrive, and without the sweep their edges would pile up for as long as the window runs.
// The next sweep comes when twice as many blocks are waited for as survived this one.
func (g *Graph) sweepDangling() {
	for c, waits := range g.dangling {
		kept := waits[:0]
		for _, d := range waits {
			if g.world.Valid(d.from) {
				kept = append(kept, d)
			}
		}
		if len(kept) == 0 {
			delete(g.dangling, c)
		} else {
			g.dangling[c] = kept
		}
	}
	g.danglingSweep = 2 * len(g.dangling)
}

// waiter is a node that points at c and waits for it, where c is placed when it has no
// neighbour of its own in the world (donburi.Null: none).
func (g *Graph) waiter(c cid.Cid) donburi.Entity {
	for _, d := range g.dangling[c] {
		if g.world.Valid(d.from) {
			return d.from
		}
	}
	return donburi.Null
}

// attachDangling adds the edges that waited for c, now in the world as entity to.
func (g *Graph) attachDangling(c cid.Cid) {
	waits, ok := g.dangling[c]
	if !ok {
		return
	}
	delete(g.dangling, c)
	to, ok := g.present(c)
	if !ok {
		return
	}
	for _, d := range waits {
		if g.world.Valid(d.from) {
			g.edge(d.from, to, d.kind, "")
		}
	}
}

// retireExplored prepares explore mode for node e, of CID c, leaving the world (retired
// over MaxNodes): the source forgets it too and sends it again when an expansion or a new
// event reaches it (cli/viewer's explore source mirrors the retirement), so its CID is no
// tombstone, the previous and parent edges of the nodes that point at it wait, dangling, for
// it to come back (links the source sends again), and it loses its expanded mark: back, it
// is a node whose neighbours have not been fetched.
func (g *Graph) retireExplored(e donburi.Entity, c cid.Cid) {
	x := components.Explore.Get(g.world.Entry(g.explore))
	delete(x.Expanded, c)
	delete(x.Requested, c)
	entry := g.world.Entry(e)
	if !entry.HasComponent(components.Edges) {
		return
	}
	for _, src := range components.Edges.Get(entry).In {
		if src == e || !g.world.Valid(src) {
			continue
		}
		se := g.world.Entry(src)
		if !se.HasComponent(components.Edges) {
			continue
		}
		for _, out := range components.Edges.Get(se).Out {
			if out.To == e && out.Kind != components.EdgeLink {
				if g.dangling == nil {
					g.dangling = make(map[cid.Cid][]danglingEdge)
				}
				g.dangling[c] = append(g.dangling[c], danglingEdge{from: src, kind: out.Kind})
			}
		}
	}
}

// applyExplore keeps the Explore singleton from an explore report.
func (g *Graph) applyExplore(m *ExploreMsg) {
	if g.explore == donburi.Null || !g.world.Valid(g.explore) {
		g.explore = g.world.Create(components.Explore)
		components.Explore.SetValue(g.world.Entry(g.explore), components.ExploreData{
			Expanded: make(map[cid.Cid]bool), Requested: make(map[cid.Cid]bool),
		})
	}
	x := components.Explore.Get(g.world.Entry(g.explore))
	x.Root, x.Depth = m.Root, m.Depth
	for _, c := range m.Expanded {
		x.Expanded[c] = true
		delete(x.Requested, c)
	}
	for _, c := range m.Failed {
		delete(x.Requested, c)
	}
	if m.Note != "" {
		x.Note = m.Note
		x.NoteSeq++
	}
}

// Exploring reports whether the world is in explore mode (an ExploreMsg has arrived).
func (g *Graph) Exploring() bool { return g.explore != donburi.Null && g.world.Valid(g.explore) }
