package ecs_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/ecs"
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
