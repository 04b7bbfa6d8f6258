package ecs_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/layout"
)

// waitTicks waits until the graph's layout has ticked n more times.
func waitTicks(t *testing.T, g *ecs.Graph, n uint64) {
	t.Helper()
	r := g.Layout()
	want := r.Ticks() + n
	deadline := time.Now().Add(20 * time.Second)
	for r.Ticks() < want {
		if time.Now().After(deadline) {
			t.Fatalf("the layout ticked %d times in 20 s, want %d", r.Ticks()-(want-n), n)
		}
		r.Reheat(1) // keep it ticking
		time.Sleep(2 * time.Millisecond)
	}
}

// TestTimelineHidesFromLayout: with the timeline shown as of an earlier sequence, the later
// nodes (those already in the world and one arriving meanwhile) leave the force layout: they
// stay where they are while the layout ticks on and the earlier nodes keep moving. Back to
// live, they move again. (layout.TestHiddenNodesDoNotAct shows the visible positions are then
// those of a layout without the hidden nodes.)
func TestTimelineHidesFromLayout(t *testing.T) {
	g, b := newGraph(t, ecs.Config{}, 0)
	var msgs []ecs.Message
	const n, asOf = 40, 20
	for i := 1; i <= n; i++ {
		agg := fmt.Sprint("a", i%2)
		prev := ""
		if i > 2 {
			prev = fmt.Sprint("e", i-2)
		}
		msgs = append(msgs, event(uint64(i), agg, fmt.Sprint("e", i), prev))
	}
	feed(t, g, b, msgs...)
	waitTicks(t, g, 3)

	tl := g.World().Entry(g.World().Create(components.Timeline))
	components.Timeline.Get(tl).AsOf = asOf
	components.Timeline.Get(tl).AsOfTime = int64(asOf) * int64(time.Millisecond)
	g.Update() // the as-of stage takes seq 21..40 out of the layout
	feed(t, g, b, event(n+1, "a1", fmt.Sprint("e", n+1), fmt.Sprint("e", n-1)))
	waitTicks(t, g, 3) // the changes are applied and published

	ids := func() map[int]layout.NodeID {
		out := map[int]layout.NodeID{}
		for i := 1; i <= n+1; i++ {
			out[i] = layout.NodeID(elem(t, g, fmt.Sprint("e", i)).Index)
		}
		return out
	}()
	before := g.Layout().Read(nil)
	waitTicks(t, g, 30)
	after := g.Layout().Read(nil)
	movedVisible := 0
	for i := 1; i <= n+1; i++ {
		id := ids[i]
		if i > asOf && after[id] != before[id] {
			t.Fatalf("e%d (seq %d, later than the as-of %d) moved in the layout: %v → %v", i, i, asOf, before[id], after[id])
		}
		if i <= asOf && after[id] != before[id] {
			movedVisible++
		}
	}
	if movedVisible == 0 {
		t.Fatalf("no node up to the as-of moved in 30 ticks: the check shows nothing")
	}

	components.Timeline.Get(tl).AsOf, components.Timeline.Get(tl).AsOfTime = 0, 0 // live
	g.Update()
	waitTicks(t, g, 3)
	before = g.Layout().Read(before)
	waitTicks(t, g, 30)
	after = g.Layout().Read(after)
	for i := asOf + 1; i <= n+1; i++ {
		if id := ids[i]; after[id] == before[id] {
			t.Fatalf("e%d did not move once the timeline went live again (%v)", i, after[id])
		}
	}
}
