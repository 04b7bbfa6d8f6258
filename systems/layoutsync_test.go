package systems

import (
	"context"
	"testing"
	"time"

	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/layout"
)

// syncWorld builds a world of n nodes on a chain, each with its node in a real layout Runner.
func syncWorld(t testing.TB, n int) (*ecs.ECS, *layout.Runner, *LayoutSync, []donburi.Entity) {
	t.Helper()
	r := layout.NewRunner(layout.New(layout.Params{Seed: 1}))
	s := NewLayoutSync(r)
	w := donburi.NewWorld()
	ents := make([]donburi.Entity, n)
	prev := layout.NoNode
	for i := range ents {
		id := r.AddNode(prev, 0, float64(i))
		if prev != layout.NoNode {
			r.AddEdge(id, prev)
		}
		s.Placed(id)
		e := w.Create(components.DddElement, components.Position)
		components.DddElement.SetValue(w.Entry(e), components.DddElementData{Index: int32(id)})
		ents[i], prev = e, id
	}
	return ecs.NewECS(w), r, s, ents
}

// settle runs the layout until it idles (no tick for a while).
func settle(t testing.TB, r *layout.Runner) { settleN(t, r, 0) }

// settleN waits until the runner sleeps with nothing queued (Settled, its tick count unchanged
// over a pause) and has published at least n positions. A stalled tick count alone is not
// enough on a loaded machine: the runner may not have been scheduled, or may not yet have taken
// a node added since.
func settleN(t testing.TB, r *layout.Runner, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	last := r.Ticks()
	for time.Now().Before(deadline) {
		time.Sleep(30 * time.Millisecond)
		now := r.Ticks()
		if now == last && now > 0 && r.Settled() && len(r.Read(nil)) >= n {
			return
		}
		last = now
	}
	t.Fatalf("layout did not settle with %d positions published (%d ticks, settled %v, %d published)",
		n, r.Ticks(), r.Settled(), len(r.Read(nil)))
}

func TestLayoutSyncCopiesPositions(t *testing.T) {
	e, r, s, ents := syncWorld(t, 40)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	settle(t, r)
	s.Update(e)
	s.Update(e)
	buf := r.Read(nil)
	moved := 0
	for _, ent := range ents {
		en := e.World.Entry(ent)
		id := components.DddElement.Get(en).Index
		p := components.Position.GetValue(en)
		if p.X != buf[id].X || p.Y != buf[id].Y {
			t.Fatalf("node %d at %+v, layout says %+v", id, p, buf[id])
		}
		if p != (components.PositionData{}) {
			moved++
		}
	}
	if moved == 0 {
		t.Fatal("no position was copied")
	}
	// A settled layout barely moves: the next copy leaves every node nearly where it was.
	was := make([]components.PositionData, len(ents))
	for i, ent := range ents {
		was[i] = components.Position.GetValue(e.World.Entry(ent))
	}
	s.Update(e)
	for i, ent := range ents {
		p := components.Position.GetValue(e.World.Entry(ent))
		if dx, dy := p.X-was[i].X, p.Y-was[i].Y; dx*dx+dy*dy > 1 {
			t.Errorf("settled node moved from %+v to %+v", was[i], p)
		}
	}
}

func TestLayoutSyncTracksMovement(t *testing.T) {
	e, r, s, ents := syncWorld(t, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	settle(t, r)
	s.Update(e)
	s.Update(e)
	s.Update(e)
	first := e.World.Entry(ents[0])
	id := layout.NodeID(components.DddElement.Get(first).Index)
	before := components.Position.GetValue(first)
	target := layout.Vec2{X: before.X + 500, Y: before.Y}
	r.Pin(id, target)
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.Update(e)
		p := components.Position.GetValue(first)
		if p.X == target.X && p.Y == target.Y {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pinned node at %+v, want %+v", p, target)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestLayoutSyncSkipsReusedSlots(t *testing.T) {
	// A Sim with three nodes, wrapped in a Runner that never ticks: its published buffer
	// keeps the three initial positions.
	sim := layout.New(layout.Params{Seed: 1})
	for i := range 3 {
		sim.AddNode(layout.NoNode, 0, float64(i))
	}
	r := layout.NewRunner(sim)
	s := NewLayoutSync(r)
	w := donburi.NewWorld()
	e := ecs.NewECS(w)
	var ents []donburi.Entity
	for i := range 2 {
		en := w.Create(components.DddElement, components.Position)
		components.DddElement.SetValue(w.Entry(en), components.DddElementData{Index: int32(i)})
		ents = append(ents, en)
	}
	// Node 2 leaves; a new node takes its slot, which still holds the old position.
	r.RemoveNode(2)
	id := r.AddNode(layout.NoNode, 0, 3)
	if id != 2 {
		t.Fatalf("the runner handed out ID %d, want the freed 2", id)
	}
	s.Placed(id)
	fresh := w.Create(components.DddElement, components.Position)
	components.DddElement.SetValue(w.Entry(fresh), components.DddElementData{Index: int32(id)})
	components.Position.SetValue(w.Entry(fresh), components.PositionData{X: 7, Y: 9})
	s.Update(e)
	if p := components.Position.GetValue(w.Entry(fresh)); p.X != 7 || p.Y != 9 {
		t.Errorf("new node took the old node's position %+v", p)
	}
	buf := r.Read(nil)
	for i, en := range ents {
		if p := components.Position.GetValue(w.Entry(en)); p.X != buf[i].X || p.Y != buf[i].Y {
			t.Errorf("node %d at %+v, layout says %+v", i, p, buf[i])
		}
	}
}

func TestLayoutSyncAllocatesNothing(t *testing.T) {
	e, r, s, _ := syncWorld(t, 2000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	for r.Ticks() < 5 {
		time.Sleep(time.Millisecond)
	}
	s.Update(e) // grows the buffer once
	s.Update(e)
	allocs := testing.AllocsPerRun(50, func() {
		s.idle = 0 // copy even if the layout has settled meanwhile
		s.lastTicks--
		s.Update(e)
	})
	if allocs != 0 {
		t.Errorf("LayoutSync.Update allocates %.1f times per frame, want 0", allocs)
	}
}

// In a world that tracks its version the sync keeps its list of nodes between frames, and
// still copies into a node added (and one placed) after a bump, leaves a removed node's
// position alone, and copies into every other node exactly what the layout published.
func TestLayoutSyncTrackedWorld(t *testing.T) {
	e, r, s, ents := syncWorld(t, 30)
	w := e.World
	TrackWorldVersion(w)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	check := func(what string, skip donburi.Entity) {
		t.Helper()
		maxID := int32(-1)
		components.DddElement.Each(w, func(en *donburi.Entry) {
			maxID = max(maxID, components.DddElement.Get(en).Index)
		})
		settleN(t, r, int(maxID)+1)
		for range settleFrames + 2 {
			s.Update(e)
		}
		buf := r.Read(nil)
		n := 0
		components.DddElement.Each(w, func(en *donburi.Entry) {
			id := components.DddElement.Get(en).Index
			if id < 0 || en.Entity() == skip {
				return
			}
			if int(id) >= len(buf) {
				t.Fatalf("%s: node %d has no published position (%d published)", what, id, len(buf))
			}
			n++
			if p := components.Position.GetValue(en); p.X != buf[id].X || p.Y != buf[id].Y {
				t.Errorf("%s: node %d at %+v, the layout says %+v", what, id, p, buf[id])
			}
		})
		if n == 0 {
			t.Fatalf("%s: no node checked", what)
		}
	}
	check("first copies", donburi.Null)
	if !s.targetsOK || len(s.targets) != len(ents) {
		t.Fatalf("the sync holds %d targets (kept %v), want the %d nodes", len(s.targets), s.targetsOK, len(ents))
	}
	// A node added after the list was made: a bump, and it is copied into.
	id := r.AddNode(layout.NodeID(components.DddElement.Get(w.Entry(ents[0])).Index), 0, 99)
	r.AddEdge(id, layout.NodeID(components.DddElement.Get(w.Entry(ents[0])).Index))
	s.Placed(id)
	added := w.Create(components.DddElement, components.Position)
	components.DddElement.SetValue(w.Entry(added), components.DddElementData{Index: int32(id)})
	BumpWorld(w)
	check("a node added", donburi.Null)
	if p := components.Position.GetValue(w.Entry(added)); p == (components.PositionData{}) {
		t.Errorf("the added node was never copied into")
	}
	// A node removed: its layout node goes too; the others still follow the layout.
	gone := ents[5]
	r.RemoveNode(layout.NodeID(components.DddElement.Get(w.Entry(gone)).Index))
	w.Remove(gone)
	BumpWorld(w)
	check("a node removed", donburi.Null)
	if len(s.targets) != len(ents) {
		t.Errorf("%d targets after one added and one removed, want %d", len(s.targets), len(ents))
	}
}
