package ecs

import (
	"math"

	"github.com/ipfs/go-cid"
	"github.com/yohamta/donburi"
	donburiecs "github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/layout"
	"github.com/jetdag/jetdag/systems"
)

// ingest is the first model stage: it drains at most the frame budget from the bridge and
// applies each message in order.
func (g *Graph) ingest(*donburiecs.ECS) {
	applied := false
	for range g.cfg.FrameBudget {
		m, ok := g.bridge.receive()
		if !ok {
			break
		}
		g.apply(m)
		applied = true
	}
	if applied {
		systems.BumpWorld(g.world) // the scene gathers again (a status message costs one too)
	}
}

// apply applies one message to the world.
func (g *Graph) apply(m Message) {
	switch m := m.(type) {
	case *EventMsg:
		g.applyNode(m, m.CID)
	case *ObjectMsg:
		g.applyNode(m, m.CID)
	case *NodeMsg:
		if g.kinds.Has(m.Kind) {
			g.applyNode(m, m.CID)
		}
	case *LinkMsg:
		g.applyLink(m)
	case *RejectedMsg:
		g.applyRejected(m)
	case *StatusMsg:
		s := components.GraphStats.Get(g.world.Entry(g.stats))
		s.Connection, s.CaughtUp = m.Connection, m.CaughtUp
		if m.Target != 0 {
			s.CatchUpTarget = m.Target
		}
		if m.ResumedSize != 0 {
			s.ResumedSeq, s.ResumedSize = m.ResumedSeq, m.ResumedSize
		}
	case *LogMsg:
		s := components.GraphStats.Get(g.world.Entry(g.stats))
		s.Log = components.LogStatusData{Present: true, Size: m.Size, Time: m.Time, Witnesses: m.Witnesses, Verified: m.Verified, Problem: m.Problem,
			Seq: m.Seq, PrevSeq: m.PrevSeq, WitnessesVerified: m.WitnessesVerified}
	case *ExploreMsg:
		g.applyExplore(m)
	}
}

// refs lists the blocks m points at: an event's previous event and parents, an object's
// previous version, a link's two endpoints.
func refs(m Message, dst []cid.Cid) []cid.Cid {
	switch m := m.(type) {
	case *EventMsg:
		if m.Previous.Defined() {
			dst = append(dst, m.Previous)
		}
		dst = append(dst, m.Parents...)
	case *ObjectMsg:
		if m.Previous.Defined() {
			dst = append(dst, m.Previous)
		}
	case *NodeMsg:
		if m.Previous.Defined() {
			dst = append(dst, m.Previous)
		}
		dst = append(dst, m.Parents...)
	case *LinkMsg:
		dst = append(dst, m.From, m.To)
	}
	return dst
}

// missing returns the references of m that are neither in the world nor recently removed,
// without repeats. A node pointing at itself (impossible for a real hash, possible in junk)
// does not wait for itself.
func (g *Graph) missing(m Message, self cid.Cid) []cid.Cid {
	var out []cid.Cid
	var buf [8]cid.Cid
	for _, c := range refs(m, buf[:0]) {
		if _, ok := g.index[c]; ok || c == self || g.gone.has(c) {
			continue
		}
		repeat := false
		for _, o := range out {
			if o == c {
				repeat = true
				break
			}
		}
		if !repeat {
			out = append(out, c)
		}
	}
	return out
}

// applyNode applies an event or object message: ignored when its CID is known, held while a
// block it points at is missing, spawned otherwise (and then whatever waited for it).
func (g *Graph) applyNode(m Message, key cid.Cid) {
	if _, ok := g.index[key]; ok || g.gone.has(key) || g.held.holds(key) {
		g.n.duplicates++
		return
	}
	if g.cfg.Partial {
		// Room first: the block retired to make it may be one m points at, whose edge then
		// waits, dangling, for it to come back.
		g.retire.MakeRoom(g.world, 1)
		miss := g.missing(m, key)
		g.spawnNode(m)
		g.dangle(m, miss)
		g.attachDangling(key)
		g.release(key)
		return
	}
	if miss := g.missing(m, key); len(miss) > 0 {
		g.hold(m, key, miss)
		return
	}
	g.spawnNode(m)
	g.release(key)
}

// applyLink adds an object link, holding it while an endpoint is missing and dropping it
// when an endpoint has left the world.
func (g *Graph) applyLink(l *LinkMsg) {
	if g.gone.has(l.From) || g.gone.has(l.To) {
		return
	}
	if miss := g.missing(l, cid.Undef); len(miss) > 0 {
		g.hold(l, cid.Undef, miss)
		return
	}
	g.addLink(l)
}

func (g *Graph) addLink(l *LinkMsg) {
	from, okF := g.index[l.From]
	to, okT := g.index[l.To]
	if !okF || !okT {
		return
	}
	if g.edge(from, to, components.EdgeLink, l.Type) {
		g.n.links++
	}
}

// edge adds a DAG edge and, for the first edge between the two nodes, a layout spring.
func (g *Graph) edge(from, to donburi.Entity, kind components.EdgeKind, label string) bool {
	first := !g.pointsAt(from, to)
	if !systems.Link(g.world, from, to, kind, label) {
		return false
	}
	if first {
		g.runner.AddEdge(g.layoutID(from), g.layoutID(to))
		if kind == components.EdgeLink {
			// In the lanes, an object sits beside the node it is linked with (two linked
			// objects side by side, where one of them already sits).
			g.lanes.Link(int(g.layoutID(from)), int(g.layoutID(to)))
		}
	}
	return true
}

func (g *Graph) pointsAt(from, to donburi.Entity) bool {
	for _, e := range components.Edges.Get(g.world.Entry(from)).Out {
		if e.To == to {
			return true
		}
	}
	return false
}

func (g *Graph) layoutID(e donburi.Entity) layout.NodeID {
	if !g.world.Valid(e) {
		return layout.NoNode
	}
	return layout.NodeID(components.DddElement.Get(g.world.Entry(e)).Index)
}

// present returns the entity of c if it is in the world.
func (g *Graph) present(c cid.Cid) (donburi.Entity, bool) {
	if !c.Defined() {
		return donburi.Null, false
	}
	e, ok := g.index[c]
	return e, ok && g.world.Valid(e)
}

// aggregate returns the record of aggregate id, creating it.
func (g *Graph) aggregate(id string) *aggregate {
	a, ok := g.aggs[id]
	if !ok {
		a = &aggregate{id: id, group: g.groups.alloc(), latest: donburi.Null}
		g.aggs[id] = a
	}
	return a
}

// spawnNode puts an event, object or node of another kind into the world with the edges to
// whichever of the blocks it points at are there (a held node forced in by MaxHeld lacks the
// others).
func (g *Graph) spawnNode(m Message) {
	g.retire.MakeRoom(g.world, 1) // before looking anything up: it may remove what we point at
	d, previous, parents := nodeOf(m)
	if !g.kinds.Has(d.Kind) {
		return
	}
	group := int32(layout.NoGroup)
	var agg *aggregate
	if d.AggregateID != "" {
		agg = g.aggregate(d.AggregateID)
		group = agg.group
		d.AggregateID = agg.id // one string per aggregate, not one per event
	}
	d.Type = g.strs.intern(d.Type)
	prev, hasPrev := g.present(previous)
	near := prev
	if !hasPrev {
		for _, p := range parents {
			if e, ok := g.present(p); ok {
				near = e
				break
			}
		}
	}
	if !g.world.Valid(near) {
		near = g.waiter(d.CID) // explore mode: beside a child fetched before it
	}
	entry := g.spawn(d, group, float64(d.Seq), near)
	setOwn(entry, m)
	g.shareRefs(entry)
	e := entry.Entity()
	if hasPrev {
		g.edge(e, prev, components.EdgePrevious, "")
	}
	for _, p := range parents {
		if pe, ok := g.present(p); ok {
			g.edge(e, pe, components.EdgeParent, "")
		}
	}
	if agg != nil {
		agg.live++
		if d.Kind == components.ElementEvent && (!g.world.Valid(agg.latest) || d.Seq >= agg.latestSeq) {
			agg.latest, agg.latestSeq = e, d.Seq
		}
	}
	g.index[d.CID] = e
	switch d.Kind {
	case components.ElementEvent:
		g.n.events++
		g.rate.add(1)
	case components.ElementObject:
		g.n.objects++
	}
	g.n.lastSeq = max(g.n.lastSeq, d.Seq)
}

// nodeOf is what spawning m's node needs, whatever its kind: its element and the blocks it
// points at by a previous and a parent edge.
func nodeOf(m Message) (d components.DddElementData, previous cid.Cid, parents []cid.Cid) {
	switch m := m.(type) {
	case *EventMsg:
		return components.DddElementData{
			Kind: components.ElementEvent, CID: m.CID, Seq: m.Seq, Type: m.EventType,
			AggregateID: m.AggregateID, CreatedAt: m.Timestamp,
		}, m.Previous, m.Parents
	case *ObjectMsg:
		return components.DddElementData{
			Kind: components.ElementObject, CID: m.CID, Type: m.Kind, CreatedAt: m.Timestamp,
		}, m.Previous, nil
	case *NodeMsg:
		return components.DddElementData{
			Kind: m.Kind, CID: m.CID, Seq: m.Seq, Type: m.Type, AggregateID: m.AggregateID, CreatedAt: m.Timestamp,
		}, m.Previous, m.Parents
	}
	return components.DddElementData{}, cid.Undef, nil
}

// shareRefs points the previous and parent CIDs of a new event or object at the CID strings
// of the nodes they name, where those are in the world, so that each block's CID is held
// once rather than again by every block that points at it (a decoded message carries its
// own copies).
func (g *Graph) shareRefs(entry *donburi.Entry) {
	switch {
	case entry.HasComponent(components.Event):
		ev := components.Event.Get(entry)
		ev.PreviousCID = g.shared(ev.PreviousCID)
		for i, p := range ev.ParentCIDs {
			ev.ParentCIDs[i] = g.shared(p)
		}
	case entry.HasComponent(components.Object):
		o := components.Object.Get(entry)
		o.PreviousCID = g.shared(o.PreviousCID)
	}
}

// shared returns the world's copy of c (the CID of the node it names) if there is one.
func (g *Graph) shared(c cid.Cid) cid.Cid {
	if e, ok := g.present(c); ok {
		return components.DddElement.Get(g.world.Entry(e)).CID
	}
	return c
}

// setOwn sets the kind's own component of m's node.
func setOwn(entry *donburi.Entry, m Message) {
	switch m := m.(type) {
	case *EventMsg:
		components.Event.SetValue(entry, components.EventData{
			PreviousCID: m.Previous, ParentCIDs: append([]cid.Cid(nil), m.Parents...), PayloadSize: m.PayloadSize,
		})
	case *ObjectMsg:
		components.Object.SetValue(entry, components.ObjectData{PreviousCID: m.Previous, ContentCID: m.Content, Size: m.Size})
	case *NodeMsg:
		m.Own.SetOn(entry)
	}
}

// applyRejected puts a red warning node beside the latest event of its aggregate (if known),
// tied to it by a layout spring but no DAG edge.
func (g *Graph) applyRejected(r *RejectedMsg) {
	// A sequence identifies a rejected message; 0 (unknown) identifies nothing.
	if e, ok := g.rejected[r.Seq]; ok && r.Seq != 0 && g.world.Valid(e) {
		g.n.duplicates++
		return
	}
	g.retire.MakeRoom(g.world, 1)
	group, near := layout.NoGroup, donburi.Null
	var agg *aggregate
	if r.AggregateID != "" {
		agg = g.aggregate(r.AggregateID)
		group = agg.group
		if g.world.Valid(agg.latest) {
			near = agg.latest
		}
	}
	aggID := r.AggregateID
	if agg != nil {
		aggID = agg.id
	}
	entry := g.spawn(components.DddElementData{
		Kind: components.ElementRejected, Seq: r.Seq, AggregateID: aggID,
	}, group, float64(r.Seq), near)
	components.Rejected.SetValue(entry, components.RejectedData{Reason: r.Reason, Subject: r.Subject})
	e := entry.Entity()
	if near != donburi.Null {
		g.runner.AddEdge(g.layoutID(e), g.layoutID(near))
	}
	if agg != nil {
		agg.live++
	}
	if r.Seq != 0 {
		g.rejected[r.Seq] = e
	}
	g.n.rejects++
	g.n.lastSeq = max(g.n.lastSeq, r.Seq)
}

// spawn creates a node entity of d's kind (its archetype and look from its row of the kind
// table) with its layout node, placed next to near (donburi.Null: none). The caller sets
// the kind's own component.
func (g *Graph) spawn(d components.DddElementData, group int32, t float64, near donburi.Entity) *donburi.Entry {
	nearID := layout.NoNode
	var pos components.PositionData
	g.rank++
	// Golden-angle jitter, so that siblings do not start on top of each other.
	angle := g.rank * (math.Pi * (3 - math.Sqrt(5)))
	if g.world.Valid(near) {
		ne := g.world.Entry(near)
		nearID = layout.NodeID(components.DddElement.Get(ne).Index)
		p := components.Position.Get(ne)
		pos = components.PositionData{X: p.X + 10*math.Cos(angle), Y: p.Y + 10*math.Sin(angle)}
	} else {
		r := 10 * math.Sqrt(g.rank)
		pos = components.PositionData{X: r * math.Cos(angle), Y: r * math.Sin(angle)}
	}
	id := g.runner.AddNode(nearID, group, t)
	g.sync.Placed(id)
	if g.asOf.placed(id, d.Seq, d.CreatedAt) {
		g.runner.SetActive(id, false) // later than the timeline's as-of: not in the layout
	}
	row := g.kinds.Row(d.Kind)
	g.lanes.Set(int(id), laneNode(&d, row.Lane))
	d.Index = int32(id)
	entry := row.Archetype.Spawn(g.world)
	components.DddElement.SetValue(entry, d)
	components.GraphNodeVisual.SetValue(entry, row.Look(&d))
	components.Position.SetValue(entry, pos)
	g.retire.Track(entry.Entity())
	return entry
}

// onRemove runs (through the world's OnRemove callback) before any node leaves the world,
// whoever removes it: it drops the node from the index, the layout, the counts and the edges
// of the nodes that point at it, and remembers its CID as gone (in explore mode, where the
// source sends a block again only once the world has let it go, it makes the node one that
// may come back instead: see retireExplored).
func (g *Graph) onRemove(w donburi.World, e donburi.Entity) {
	entry := w.Entry(e)
	if !entry.HasComponent(components.DddElement) {
		return
	}
	d := components.DddElement.Get(entry)
	systems.BumpWorld(w) // retired or removed: the scene gathers again
	exploring := g.Exploring()
	if exploring && d.CID.Defined() && g.index[d.CID] == e {
		g.retireExplored(e, d.CID)
	}
	g.n.links -= systems.Unlink(w, e)
	switch d.Kind {
	case components.ElementEvent:
		g.n.events--
	case components.ElementObject:
		g.n.objects--
	case components.ElementRejected:
		g.n.rejects--
		if g.rejected[d.Seq] == e {
			delete(g.rejected, d.Seq)
		}
	}
	if d.CID.Defined() && g.index[d.CID] == e {
		delete(g.index, d.CID)
		if !exploring {
			g.gone.add(d.CID)
		}
	}
	if d.Index >= 0 {
		g.asOf.removed(layout.NodeID(d.Index))
		g.runner.RemoveNode(layout.NodeID(d.Index))
		g.lanes.Remove(int(d.Index))
	}
	if d.AggregateID != "" { // objects have none
		if a, ok := g.aggs[d.AggregateID]; ok {
			a.live--
			if a.latest == e {
				a.latest = donburi.Null
			}
			if a.live <= 0 {
				g.groups.release(a.group)
				delete(g.aggs, d.AggregateID)
			}
		}
	}
}

// laneNode is what the lanes layout needs of a node (kind: its row's Lane).
func laneNode(d *components.DddElementData, kind layout.LaneKind) layout.LaneNode {
	return layout.LaneNode{Kind: kind, Aggregate: d.AggregateID, Type: d.Type, Seq: d.Seq, Time: d.CreatedAt, Beside: layout.NoBeside}
}
