package layout_test

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jetdag/jetdag/layout"
)

// A Sim owned by one goroutine: add an aggregate's chain of events and tick until it settles.
func Example() {
	s := layout.New(layout.DefaultParams())
	prev := layout.NoNode
	for i := range 5 {
		id := s.AddNode(prev, 7, float64(i)) // group 7, time i, placed next to its predecessor
		if prev != layout.NoNode {
			s.AddEdge(id, prev)
		}
		prev = id
	}
	ticks := 0
	for !s.Settled() {
		s.Tick()
		ticks++
	}
	a, b := s.Position(0), s.Position(1)
	d := math.Hypot(a.X-b.X, a.Y-b.Y)
	fmt.Printf("%d nodes settled in %d ticks; first link %.0f long\n", s.Len(), ticks, d)
	// Output: 5 nodes settled in 299 ticks; first link 32 long
}

// A Runner shares the layout: one goroutine ticks it, others add nodes and read positions.
func ExampleRunner() {
	r := layout.NewRunner(layout.New(layout.DefaultParams()))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)

	a := r.AddNode(layout.NoNode, layout.NoGroup, 0) // IDs come back at once
	b := r.AddNode(a, layout.NoGroup, 1)
	r.AddEdge(a, b)

	var pos []layout.Vec2
	for !r.Settled() || len(pos) <= int(b) {
		time.Sleep(10 * time.Millisecond)
		pos = r.Read(pos) // a copy: never waits for a tick
	}
	d := math.Hypot(pos[a].X-pos[b].X, pos[a].Y-pos[b].Y)
	fmt.Printf("two nodes about %.0f apart\n", math.Round(d/10)*10) // a link's rest length is 30
	// Output: two nodes about 30 apart
}
