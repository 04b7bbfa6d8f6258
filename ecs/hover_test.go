package ecs_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/layout"
	"github.com/jetdag/jetdag/systems"
)

// The node under the cursor stays put while the graph grows around it, so that the click
// lands on the node the tooltip names; once the cursor leaves, it moves with the layout again.
func TestHoveredNodeStaysPut(t *testing.T) {
	g, b := newGraph(t, ecs.Config{}, 64)
	feed(t, g, b, event(1, "order-1", "a1", ""), event(2, "order-1", "a2", "a1"), event(3, "order-1", "a3", "a2"))
	target := entry(t, g, "a2")
	ptr := g.World().Create(components.Pointer)
	components.Pointer.Get(g.World().Entry(ptr)).Hovered = target.Entity()
	settleUpdates(g, 20)
	held := components.Position.GetValue(target)

	// Pile new events onto the hovered one: each pulls at it.
	for i := range 30 {
		feed(t, g, b, event(uint64(10+i), fmt.Sprint("agg-", i), fmt.Sprint("n", i), "", "a2"))
	}
	settleUpdates(g, 60)
	if p := components.Position.GetValue(target); p != held {
		t.Fatalf("the hovered node moved from %+v to %+v", held, p)
	}

	components.Pointer.Get(g.World().Entry(ptr)).Hovered = g.World().Entry(ptr).Entity() // not a node
	for i := range 30 {
		feed(t, g, b, event(uint64(100+i), fmt.Sprint("bgg-", i), fmt.Sprint("m", i), "", "a2"))
	}
	settleUpdates(g, 60)
	if p := components.Position.GetValue(target); p == held {
		t.Fatal("released, the node still does not move while thirty more events pull at it")
	}
}

// settleUpdates runs the graph's Update n times with a pause between, letting the layout tick.
func settleUpdates(g *ecs.Graph, n int) {
	for range n {
		g.Update()
		time.Sleep(5 * time.Millisecond)
	}
}

// In the lanes the node under the cursor stays put too: a new order moves the payment lanes
// down a row, and the hovered payment stays where the cursor found it while the one beside it
// glides down; let go, it glides to its new row (between the two half way) rather than jumping.
func TestHoveredNodeStaysPutInLanes(t *testing.T) {
	g, b := newGraph(t, ecs.Config{}, 64)
	clock := time.Unix(1_000_000, 0)
	systems.Setup(g.ECS(), systems.Options{Now: func() time.Time { return clock }, Layout: components.LayoutLanes, Lanes: g.Lanes()})
	run := func(d time.Duration) {
		clock = clock.Add(d)
		g.Update()
	}
	feed(t, g, b, event(1, "order-1", "o1", ""), event(2, "payment-1", "p1", "", "o1"), event(3, "payment-1", "p2", "p1"))
	run(2 * layout.GlideDuration) // the first glide into the lanes ends
	run(0)
	target, other := entry(t, g, "p1"), entry(t, g, "p2")
	held, otherFrom := components.Position.GetValue(target), components.Position.GetValue(other)
	if p := g.Lanes().Position(int(elem(t, g, "p1").Index)); p.X != held.X || p.Y != held.Y {
		t.Fatalf("p1 at %+v, not at its lane place %v", held, p)
	}
	ptr, _ := components.Pointer.First(g.World())
	components.Pointer.Get(ptr).Hovered = target.Entity()
	run(0)

	feed(t, g, b, event(4, "order-2", "o2", "")) // order-* grows: payment-* moves down a lane
	place := g.Lanes().Position(int(elem(t, g, "p1").Index))
	if place.Y <= held.Y {
		t.Fatalf("p1's lane place went from %+v to %v: want a row lower", held, place)
	}
	for range 5 {
		run(layout.GlideDuration / 2)
	}
	if p := components.Position.GetValue(target); p != held {
		t.Fatalf("the hovered node moved from %+v to %+v", held, p)
	}
	if p := components.Position.GetValue(other); p.Y <= otherFrom.Y {
		t.Fatalf("p2, not hovered, stayed at %+v (from %+v): the lanes did not move", p, otherFrom)
	}

	components.Pointer.Get(ptr).Hovered = donburi.Null
	run(0)
	if p := components.Position.GetValue(target); p != held {
		t.Fatalf("let go, p1 jumped from %+v to %+v", held, p)
	}
	run(layout.GlideDuration / 2)
	if p := components.Position.GetValue(target); !(p.Y > held.Y && p.Y < place.Y) {
		t.Fatalf("half way p1 at %+v, want between %+v and %v", p, held, place)
	}
	run(layout.GlideDuration)
	run(0)
	if p := components.Position.GetValue(target); p.X != place.X || p.Y != place.Y {
		t.Fatalf("after the glide p1 at %+v, want its lane place %v", p, place)
	}
}
