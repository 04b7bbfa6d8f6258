package ecs

import (
	donburiecs "github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/layout"
)

// asOfLayout keeps the nodes the timeline hides out of the force layout: while the picture
// is shown as of an earlier stream sequence (a replay, or the bar dragged back), the nodes
// later than it are drawn nowhere, so they must not push or pull the ones that are drawn.
// It holds, per layout node ID, what the timeline's rule needs (the node's sequence and
// time), so that a new as-of costs a pass over flat slices, not over the world.
type asOfLayout struct {
	seq    []uint64 // per layout ID: the node's stream sequence (0: an object)
	at     []int64  // per layout ID: its block time, Unix ns
	live   []bool   // per layout ID: a node of the world holds it
	hidden []bool   // per layout ID: taken out of the layout
	// asOf and asOfTime are the timeline's as of the last pass (0: live).
	asOf     uint64
	asOfTime int64
}

// later is the timeline's rule (the scene's): as of seq asOf, later events and rejected
// messages are hidden, and objects stamped after asOfTime.
func later(asOf uint64, asOfTime int64, seq uint64, at int64) bool {
	return asOf != 0 && (seq > asOf || seq == 0 && at > asOfTime)
}

// placed records node id's keys when it enters the layout and reports whether the as-of in
// force hides it.
func (a *asOfLayout) placed(id layout.NodeID, seq uint64, at int64) bool {
	if id < 0 {
		return false
	}
	for int(id) >= len(a.seq) {
		a.seq, a.at = append(a.seq, 0), append(a.at, 0)
		a.live, a.hidden = append(a.live, false), append(a.hidden, false)
	}
	h := later(a.asOf, a.asOfTime, seq, at)
	a.seq[id], a.at[id], a.live[id], a.hidden[id] = seq, at, true, h
	return h
}

// removed forgets node id (the layout drops its flag with the node).
func (a *asOfLayout) removed(id layout.NodeID) {
	if id >= 0 && int(id) < len(a.live) {
		a.live[id], a.hidden[id] = false, false
	}
}

// update is the model stage: when the timeline's as-of has changed since the last frame, it
// takes the nodes it now hides out of the force layout and puts back those it shows again.
func (g *Graph) updateAsOf(*donburiecs.ECS) {
	var asOf uint64
	var asOfTime int64
	if entry, ok := components.Timeline.First(g.world); ok {
		tl := components.Timeline.Get(entry)
		asOf, asOfTime = tl.AsOf, tl.AsOfTime
	}
	a := &g.asOf
	if asOf == a.asOf && asOfTime == a.asOfTime {
		return
	}
	a.asOf, a.asOfTime = asOf, asOfTime
	for id, ok := range a.live {
		if !ok {
			continue
		}
		if h := later(asOf, asOfTime, a.seq[id], a.at[id]); h != a.hidden[id] {
			a.hidden[id] = h
			g.runner.SetActive(layout.NodeID(id), !h)
		}
	}
}
