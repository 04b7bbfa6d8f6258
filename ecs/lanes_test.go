package ecs_test

import (
	"math"
	"testing"

	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/layout"
)

// The graph keeps the lanes layout beside the force layout, at the same node IDs: an event
// in its aggregate's lane, a rejected message in its aggregate's lane, an object beside the
// event it links to once the link arrives, and a retired node gone from its lane.
func TestGraphKeepsLanes(t *testing.T) {
	g, b := newGraph(t, ecs.Config{MaxNodes: 5}, 16)
	feed(t, g, b,
		event(1, "order-1", "o1a", ""), event(2, "customer-7", "c7a", ""), event(3, "order-1", "o1b", "o1a"),
		rejected(4, "order-1", "forged"), object("inv", "value", ""), link("inv", "o1b", "References"),
	)
	l := g.Lanes()
	pos := func(name string) (x, y float64) {
		p := l.Position(int(elem(t, g, name).Index))
		return p.X, p.Y
	}
	x1, y1 := pos("o1a")
	x3, y3 := pos("o1b")
	_, yc := pos("c7a")
	if y1 != y3 || yc == y1 || x3 <= x1 {
		t.Fatalf("order-1 at (%v,%v) and (%v,%v), customer-7 at y %v", x1, y1, x3, y3, yc)
	}
	if xi, yi := pos("inv"); xi <= x3 || yi <= y3 || yi-y3 >= yc-y3 && yc > y3 {
		t.Fatalf("invoice at (%v,%v), not beside the event it links (%v,%v)", xi, yi, x3, y3)
	}
	rows := l.Rows()
	if len(rows) < 2 || rows[0].Label != "order-1" || rows[0].Nodes != 4 {
		t.Fatalf("rows %+v: want order-1 first with its two events, the rejected message and the invoice", rows)
	}
	// Past MaxNodes the oldest event retires, and leaves its lane.
	feed(t, g, b, event(5, "order-2", "o2a", ""))
	if got := l.Rows()[0].Nodes; got != 3 {
		t.Fatalf("order-1 holds %d nodes after o1a retired, want 3", got)
	}
}

// Through the graph, as the window feeds it: an invoice linked to an event, a file linked
// from the invoice (object to object), two loose objects linked to each other, a loose one
// alone: no two nodes of the lanes share a point, and the file sits beside the invoice's event.
func TestGraphLanesNodesApart(t *testing.T) {
	g, b := newGraph(t, ecs.Config{}, 16)
	feed(t, g, b,
		event(1, "order-1", "o1a", ""), event(2, "customer-7", "c7a", ""), rejected(3, "order-1", "forged"),
		object("inv", "value", ""), object("file", ecs.ObjectFile, ""), link("inv", "o1a", "References"), link("inv", "file", "Attachment"),
		object("a", "value", ""), object("b", "value", ""), link("a", "b", "Pair"), object("alone", "value", ""),
	)
	l := g.Lanes()
	names := []string{"o1a", "c7a", "inv", "file", "a", "b", "alone"}
	pos := map[string]layout.Vec2{}
	for _, n := range names {
		pos[n] = l.Position(int(elem(t, g, n).Index))
	}
	for i, m := range names {
		for _, n := range names[i+1:] {
			if p, q := pos[m], pos[n]; math.Hypot(p.X-q.X, p.Y-q.Y) < 1 {
				t.Errorf("%s at %v and %s at %v share a point", m, p, n, q)
			}
		}
	}
	if f, e := pos["file"], pos["o1a"]; f.X <= e.X || f.X > e.X+60 || f.Y <= e.Y || f.Y >= pos["c7a"].Y {
		t.Errorf("the file at %v, not beside the invoice's event at %v", f, e)
	}
}
