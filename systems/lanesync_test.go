package systems

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/layout"
)

// Switching the layout (the v key) glides every node from where it is to the other layout in
// layout.GlideDuration, eased, and then follows that layout.
func TestLayoutSyncGlidesBetweenForceAndLanes(t *testing.T) {
	e, r, s, ents := syncWorld(t, 12)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	settle(t, r)
	clock := &fakeClock{t: 1e18}
	Setup(e, Options{Now: clock.now})
	lanes := layout.NewLanes(layout.LanesConfig{})
	for i, ent := range ents {
		id := components.DddElement.Get(e.World.Entry(ent)).Index
		lanes.Set(int(id), layout.LaneNode{Aggregate: fmt.Sprint("agg-", i%3), Seq: uint64(i + 1)})
	}
	s.SetLanes(lanes)
	at := func() []layout.Vec2 {
		out := make([]layout.Vec2, len(ents))
		for i, ent := range ents {
			p := components.Position.GetValue(e.World.Entry(ent))
			out[i] = layout.Vec2{X: p.X, Y: p.Y}
		}
		return out
	}
	for range 3 {
		s.Update(e)
	}
	force := at()
	want := make([]layout.Vec2, len(ents))
	for i, ent := range ents {
		want[i] = lanes.Position(int(components.DddElement.Get(e.World.Entry(ent)).Index))
	}

	GetOrCreateSettings(e).Layout = components.LayoutLanes
	s.Update(e)
	if got := at(); got[5] != force[5] {
		t.Fatalf("the glide jumped at once: %v, from %v", got[5], force[5])
	}
	clock.advance(layout.GlideDuration / 2)
	s.Update(e)
	mid := at()
	for i := range mid {
		wx, wy := (force[i].X+want[i].X)/2, (force[i].Y+want[i].Y)/2
		if d := (mid[i].X-wx)*(mid[i].X-wx) + (mid[i].Y-wy)*(mid[i].Y-wy); d > 1e-6 {
			t.Fatalf("half way, node %d at %v, want %v", i, mid[i], layout.Vec2{X: wx, Y: wy})
		}
	}
	clock.advance(layout.GlideDuration)
	s.Update(e)
	s.Update(e)
	for i, p := range at() {
		if p != want[i] {
			t.Fatalf("after the glide node %d at %v, want its lane position %v", i, p, want[i])
		}
	}
	// A new node placed in the lanes shows up without another switch.
	lanes.Set(int(components.DddElement.Get(e.World.Entry(ents[0])).Index), layout.LaneNode{Aggregate: "agg-9", Seq: 99})
	s.Update(e)
	if p := at()[0]; p != lanes.Position(int(components.DddElement.Get(e.World.Entry(ents[0])).Index)) {
		t.Fatalf("a changed lane position was not copied: %v", p)
	}

	// Collapsing a group glides too.
	lanes.SetGrouping(layout.GroupByPrefix)
	lanes.SetCollapsed("agg-*", true)
	before := at()
	s.Update(e)
	if got := at(); got[3] != before[3] {
		t.Fatalf("collapsing jumped node 3 from %v to %v at once", before[3], got[3])
	}
	clock.advance(2 * layout.GlideDuration)
	s.Update(e)
	s.Update(e)
	if p, w := at()[3], lanes.Position(int(components.DddElement.Get(e.World.Entry(ents[3])).Index)); p != w || p.Y != at()[4].Y {
		t.Fatalf("after collapsing, node 3 at %v, want %v on node 4's row", p, w)
	}

	GetOrCreateSettings(e).Layout = components.LayoutForce
	s.Update(e)
	clock.advance(2 * layout.GlideDuration)
	for range 4 {
		s.Update(e)
		time.Sleep(time.Millisecond)
	}
	buf := r.Read(nil)
	for i, ent := range ents {
		id := components.DddElement.Get(e.World.Entry(ent)).Index
		if p := at()[i]; p != buf[id] {
			t.Fatalf("back in force, node %d at %v, the layout says %v", i, p, buf[id])
		}
	}
}

// A new aggregate in an earlier group moves the later groups down a lane: their nodes glide
// there, as after a collapse, instead of jumping. A node placed during the glide, in a slot a
// removed node left, is at its lane place at once rather than gliding from the removed one's.
func TestLayoutSyncGlidesLanesMovedByANewLane(t *testing.T) {
	e, r, s, ents := syncWorld(t, 6)
	clock := &fakeClock{t: 1e18}
	Setup(e, Options{Now: clock.now})
	lanes := layout.NewLanes(layout.LanesConfig{Grouping: layout.GroupByPrefix})
	id := func(i int) int { return int(components.DddElement.Get(e.World.Entry(ents[i])).Index) }
	for i, agg := range []string{"order-1", "payment-1", "payment-1", "order-1"} {
		lanes.Set(id(i), layout.LaneNode{Aggregate: agg, Seq: uint64(i + 1)})
	}
	s.SetLanes(lanes)
	pos := func(i int) layout.Vec2 {
		p := components.Position.GetValue(e.World.Entry(ents[i]))
		return layout.Vec2{X: p.X, Y: p.Y}
	}
	GetOrCreateSettings(e).Layout = components.LayoutLanes
	s.Update(e)
	clock.advance(2 * layout.GlideDuration)
	s.Update(e)
	s.Update(e)
	from := pos(1)
	if from != lanes.Position(id(1)) {
		t.Fatalf("payment-1 at %v, not at its lane place %v", from, lanes.Position(id(1)))
	}

	lanes.Set(id(4), layout.LaneNode{Aggregate: "order-2", Seq: 5}) // the order-* group grows
	to := lanes.Position(id(1))
	if to.Y <= from.Y || to.X != from.X {
		t.Fatalf("payment-1's place went from %v to %v: want one lane down", from, to)
	}
	s.Update(e)
	if got := pos(1); got != from {
		t.Fatalf("payment-1 jumped from %v to %v at once", from, got)
	}
	clock.advance(layout.GlideDuration / 2)
	s.Update(e)
	if mid := pos(1); !(mid.Y > from.Y && mid.Y < to.Y) || mid.X != from.X {
		t.Fatalf("half way payment-1 at %v, want between %v and %v", mid, from, to)
	}

	// Mid-glide, ents[0] leaves and a new node takes its slot.
	old := id(0)
	e.World.Remove(ents[0])
	r.RemoveNode(layout.NodeID(old))
	lanes.Remove(old)
	nid := r.AddNode(layout.NoNode, 0, 9)
	if int(nid) != old {
		t.Fatalf("the runner gave the new node slot %d, not the freed %d", nid, old)
	}
	s.Placed(nid)
	ne := e.World.Create(components.DddElement, components.Position)
	components.DddElement.SetValue(e.World.Entry(ne), components.DddElementData{Index: int32(nid)})
	lanes.Set(int(nid), layout.LaneNode{Aggregate: "payment-1", Seq: 6})
	clock.advance(layout.GlideDuration / 10)
	s.Update(e)
	if got, want := components.Position.GetValue(e.World.Entry(ne)), lanes.Position(int(nid)); got.X != want.X || got.Y != want.Y {
		t.Fatalf("a node placed mid-glide at %+v, want its lane place %v", got, want)
	}

	clock.advance(layout.GlideDuration)
	s.Update(e)
	s.Update(e)
	if got := pos(1); got != to {
		t.Fatalf("after the glide payment-1 at %v, want %v", got, to)
	}
}
