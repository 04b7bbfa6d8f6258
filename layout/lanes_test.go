package layout_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/jetdag/jetdag/layout"
)

func ev(agg, typ string, seq uint64) layout.LaneNode {
	return layout.LaneNode{Kind: layout.LaneEvent, Aggregate: agg, Type: typ, Seq: seq, Time: int64(seq) * 1e9}
}

// Events of one aggregate share one row and go left to right in stream order; different
// aggregates get different rows, in the order they first appear.
func TestLanesOneRowPerAggregate(t *testing.T) {
	aggs := []string{"order-1", "customer-7", "order-2", "order-1", "payment-1", "order-2", "customer-7", "order-1"}
	var nodes []layout.LaneNode
	for i, a := range aggs {
		nodes = append(nodes, ev(a, "E", uint64(i+10)))
	}
	pos := layout.PlaceLanes(nodes, layout.LanesConfig{})
	rowY := map[string]float64{}
	lastX := map[string]float64{}
	for i, a := range aggs {
		p := pos[i]
		if want := float64(i) * 30; p.X != want {
			t.Errorf("node %d (seq %d) at x %v, want %v", i, i+10, p.X, want)
		}
		if y, ok := rowY[a]; ok && y != p.Y {
			t.Errorf("%s has events at y %v and %v", a, y, p.Y)
		}
		if x, ok := lastX[a]; ok && p.X <= x {
			t.Errorf("%s: node %d at x %v is not right of the previous %v", a, i, p.X, x)
		}
		rowY[a], lastX[a] = p.Y, p.X
	}
	want := map[string]float64{"order-1": 0, "customer-7": 60, "order-2": 120, "payment-1": 180}
	for a, y := range want {
		if rowY[a] != y {
			t.Errorf("lane %s at y %v, want %v (order of first appearance)", a, rowY[a], y)
		}
	}
}

// A new event extends its lane and a new aggregate adds a lane below: nothing placed before
// moves.
func TestLanesIncremental(t *testing.T) {
	l := layout.NewLanes(layout.LanesConfig{})
	for i := range 200 {
		l.Add(ev(fmt.Sprintf("order-%d", i%17), "E", uint64(i+1)))
	}
	before := l.Positions(nil)
	rows := len(l.Rows())
	for i := 200; i < 400; i++ {
		l.Add(ev(fmt.Sprintf("order-%d", i%41), "E", uint64(i+1)))
		if i%50 == 0 {
			l.Positions(nil) // reads in between must not matter
		}
	}
	after := l.Positions(nil)
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("node %d moved from %v to %v", i, before[i], after[i])
		}
	}
	if got := len(l.Rows()); got != 41 || rows != 17 {
		t.Fatalf("%d rows, then %d; want 17, then 41", rows, got)
	}
}

// With grouping, lanes stay together by group: a new lane in the last group moves nothing, a
// new lane in an earlier group moves only the rows of later groups, by one lane.
func TestLanesGroupedIncremental(t *testing.T) {
	l := layout.NewLanes(layout.LanesConfig{Grouping: layout.GroupByPrefix})
	for i, a := range []string{"order-1", "customer-1", "order-2", "customer-2"} {
		l.Add(ev(a, "E", uint64(i+1)))
	}
	y := func(i int) float64 { return l.Position(i).Y }
	// order-* first (it appeared first), then customer-*, a group gap between.
	if y(0) != 0 || y(2) != 60 || y(1) != 150 || y(3) != 210 {
		t.Fatalf("rows at %v %v %v %v, want order-1 0, order-2 60, customer-1 150, customer-2 210", y(0), y(2), y(1), y(3))
	}
	before := l.Positions(nil)
	l.Add(ev("customer-3", "E", 5)) // last group: nothing moves
	for i := range before {
		if l.Position(i) != before[i] {
			t.Fatalf("node %d moved after a lane was added to the last group", i)
		}
	}
	l.Add(ev("order-3", "E", 6)) // first group: customers move down one lane
	if y(0) != 0 || y(2) != 60 || y(5) != 120 || y(1) != 210 || y(3) != 270 || y(4) != 330 {
		t.Fatalf("rows %v", l.Positions(nil))
	}
	labels := []string{}
	for _, r := range l.Rows() {
		labels = append(labels, r.Group+" "+r.Label)
	}
	if want := []string{"order-* order-1", "order-* order-2", "order-* order-3", "customer-* customer-1", "customer-* customer-2", "customer-* customer-3"}; !slices.Equal(labels, want) {
		t.Fatalf("rows %q, want %q", labels, want)
	}
}

// A collapsed group is one row holding all its lanes' nodes; expanding brings the lanes back.
func TestLanesCollapse(t *testing.T) {
	l := layout.NewLanes(layout.LanesConfig{Grouping: layout.GroupByPrefix})
	aggs := []string{"order-1", "payment-1", "order-2", "payment-2", "order-3", "shipment-1"}
	for i, a := range aggs {
		l.Add(ev(a, "E", uint64(i+1)))
	}
	expanded := l.Positions(nil)
	l.SetCollapsed("order-*", true)
	if !l.Collapsed("order-*") {
		t.Fatal("not collapsed")
	}
	rows := l.Rows()
	if len(rows) != 4 || rows[0].Label != "order-*" || !rows[0].Collapsed || rows[0].Lanes != 3 || rows[0].Nodes != 3 {
		t.Fatalf("rows %+v", rows)
	}
	p := l.Positions(nil)
	if p[0].Y != p[2].Y || p[2].Y != p[4].Y {
		t.Fatalf("collapsed order lanes at y %v %v %v", p[0].Y, p[2].Y, p[4].Y)
	}
	if p[1].Y == p[0].Y || p[1].Y != p[3].Y-60 {
		t.Fatalf("payment lanes at %v and %v beside collapsed orders at %v", p[1].Y, p[3].Y, p[0].Y)
	}
	for i := range p {
		if p[i].X != expanded[i].X {
			t.Fatalf("collapsing moved node %d along x", i)
		}
	}
	l.SetCollapsed("order-*", false)
	if got := l.Positions(nil); !slices.Equal(got, expanded) {
		t.Fatalf("expanded again: %v, want %v", got, expanded)
	}
	// Collapsing means nothing without grouping.
	l.SetGrouping(layout.GroupNone)
	l.SetCollapsed("order-*", true)
	if len(l.Rows()) != 6 {
		t.Fatalf("%d rows without grouping", len(l.Rows()))
	}
}

// Grouped by event-type family, a lane joins the family of its first event's type.
func TestLanesTypeFamily(t *testing.T) {
	l := layout.NewLanes(layout.LanesConfig{Grouping: layout.GroupByTypeFamily})
	l.Add(ev("a", "OrderCreated", 1))
	l.Add(ev("b", "PaymentAuthorized", 2))
	l.Add(ev("c", "OrderCreated", 3))
	l.Add(ev("a", "PaymentCaptured", 4)) // a stays in Order*
	if l.GroupOf("a") != "Order*" || l.GroupOf("b") != "Payment*" || l.GroupOf("nope") != "" {
		t.Fatalf("groups %q %q", l.GroupOf("a"), l.GroupOf("b"))
	}
	l.SetCollapsed("Order*", true)
	if p := l.Positions(nil); p[0].Y != p[2].Y || p[0].Y != p[3].Y || p[1].Y == p[0].Y {
		t.Fatalf("positions %v", p)
	}
}

// Sorted by name, digits compare as numbers; a new lane is inserted in its place.
func TestLanesOrderByName(t *testing.T) {
	l := layout.NewLanes(layout.LanesConfig{Order: layout.OrderByName})
	for i, a := range []string{"order-10", "order-2", "customer-7"} {
		l.Add(ev(a, "E", uint64(i+1)))
	}
	var labels []string
	for _, r := range l.Rows() {
		labels = append(labels, r.Label)
	}
	if want := []string{"customer-7", "order-2", "order-10"}; !slices.Equal(labels, want) {
		t.Fatalf("rows %q, want %q", labels, want)
	}
	l.Add(ev("order-9", "E", 4))
	if y := l.Position(0).Y; y != 180 {
		t.Fatalf("order-10 at y %v after order-9 arrived, want 180", y)
	}
	if y := l.Position(3).Y; y != 120 {
		t.Fatalf("order-9 at y %v, want 120", y)
	}
}

// Rejected messages sit in their aggregate's lane at their own sequence; objects sit beside
// the event that links them, nearer to its lane than to any other; objects without an event
// go to the objects row.
func TestLanesRejectedAndObjects(t *testing.T) {
	l := layout.NewLanes(layout.LanesConfig{})
	e1 := l.Add(ev("order-1", "OrderPlaced", 1))
	e2 := l.Add(ev("customer-1", "CustomerRegistered", 2))
	r := l.Add(layout.LaneNode{Kind: layout.LaneRejected, Aggregate: "order-1", Seq: 3})
	o1 := l.Add(layout.LaneNode{Kind: layout.LaneObject, Beside: e1})
	o2 := l.Add(layout.LaneNode{Kind: layout.LaneObject, Beside: e1})
	loose := l.Add(layout.LaneNode{Kind: layout.LaneObject, Beside: layout.NoBeside})
	bad := l.Add(layout.LaneNode{Kind: layout.LaneObject, Beside: 99})
	p := l.Positions(nil)
	if p[r].Y != p[e1].Y || p[r].X != 60 {
		t.Fatalf("rejected at %v, want order-1's row at x 60 (event at %v)", p[r], p[e1])
	}
	for _, o := range []int{o1, o2} {
		dx, dy := p[o].X-p[e1].X, p[o].Y-p[e1].Y
		if dx <= 0 || dx > 30 || dy <= 0 || dy >= 30 {
			t.Fatalf("object %d at %v, not just below-right of its event at %v", o, p[o], p[e1])
		}
		if math.Abs(p[o].Y-p[e1].Y) >= math.Abs(p[o].Y-p[e2].Y) {
			t.Fatalf("object %d at %v is nearer the customer lane", o, p[o])
		}
	}
	if p[o1] == p[o2] {
		t.Fatal("two objects beside one event on top of each other")
	}
	rows := l.Rows()
	if last := rows[len(rows)-1]; last.Label != layout.ObjectsLane || last.Nodes != 2 || p[loose].Y != last.Y {
		t.Fatalf("rows %+v; loose objects at %v %v", rows, p[loose], p[bad])
	}
	if p[loose].X != p[r].X {
		t.Fatalf("a loose object at x %v, want the newest sequence's (%v)", p[loose].X, p[r].X)
	}
	// The second loose object at the same newest sequence is stacked below-right of the
	// first, in the objects row's band, not on top of it.
	if dx, dy := p[bad].X-p[loose].X, p[bad].Y-p[loose].Y; dx <= 0 || dx > 30 || dy <= 0 || dy >= 30 {
		t.Fatalf("the second loose object at %v, not just below-right of the first at %v", p[bad], p[loose])
	}
	if l.RowOf(r) != 0 || l.RowOf(e2) != 1 || l.RowOf(loose) != 2 {
		t.Fatalf("RowOf %d %d %d", l.RowOf(r), l.RowOf(e2), l.RowOf(loose))
	}
}

// No two nodes share a point, whatever links the objects: events and rejected messages in
// their lanes, objects beside the events that link them (several beside one event), two
// objects linked to each other both ways, an object linked to a loose object that is then
// linked to an event, loose objects arriving at the same newest sequence, and objects whose
// event retired while others join them; grouped, collapsed and not. (In time order nodes of
// one row at the same time do meet: x is the time.)
func TestLanesNoTwoNodesShareAPoint(t *testing.T) {
	l := layout.NewLanes(layout.LanesConfig{Grouping: layout.GroupByPrefix})
	obj := func() int { return l.Add(layout.LaneNode{Kind: layout.LaneObject, Beside: layout.NoBeside}) }
	e1 := l.Add(ev("order-1", "OrderPlaced", 1))
	e2 := l.Add(ev("order-2", "OrderPlaced", 2))
	e3 := l.Add(ev("payment-1", "PaymentTaken", 3))
	l.Add(layout.LaneNode{Kind: layout.LaneRejected, Aggregate: "order-1", Seq: 4})
	l.Add(layout.LaneNode{Kind: layout.LaneRejected, Aggregate: "order-2", Seq: 0})
	l.Add(layout.LaneNode{Kind: layout.LaneRejected, Aggregate: "order-2", Seq: 0}) // the same unknown sequence
	// Three objects beside e1, one of them placed there at once.
	a, b := obj(), obj()
	l.Add(layout.LaneNode{Kind: layout.LaneObject, Beside: e1})
	l.SetBeside(a, e1)
	l.SetBeside(b, e1)
	// Two objects linked to each other, one of them beside e2, as the window calls it: both ways.
	c, d := obj(), obj()
	l.SetBeside(c, e2)
	if !l.SetBeside(d, c) || !l.SetBeside(c, d) {
		t.Fatal("SetBeside of an object beside an object reported false")
	}
	// Two loose objects linked to each other, both ways, then one of them to e3.
	f, g := obj(), obj()
	l.SetBeside(f, g)
	l.SetBeside(g, f)
	pg := l.Position(g)
	l.SetBeside(g, e3)
	if pf, pe := l.Position(f), l.Position(e3); pf.X <= pe.X || pf.X > pe.X+60 || pf.Y <= pe.Y || pf.Y >= pe.Y+30 {
		t.Fatalf("f, put beside g, stayed at %v when g moved from %v beside e3 at %v", pf, pg, pe)
	}
	// Loose objects arriving together, one linked to another later.
	h := obj()
	obj()
	l.SetBeside(obj(), h)
	// An event retires; an object beside it stays and another object joins that one.
	e4 := l.Add(ev("order-3", "OrderPlaced", 5))
	k, m := obj(), obj()
	l.SetBeside(k, e4)
	l.SetBeside(m, e4)
	l.Remove(e4)
	n := obj()
	l.SetBeside(n, m)
	l.Add(ev("order-3", "OrderPaid", 6))

	check := func(what string) {
		t.Helper()
		p := l.Positions(nil)
		for x := range p {
			if x == e4 {
				continue
			}
			for y := x + 1; y < len(p); y++ {
				if y != e4 && math.Hypot(p[x].X-p[y].X, p[x].Y-p[y].Y) < 1 {
					t.Fatalf("%s: nodes %d and %d at %v and %v", what, x, y, p[x], p[y])
				}
			}
		}
	}
	check("by sequence")
	l.SetCollapsed("order-*", true)
	check("order-* collapsed")
	l.SetGrouping(layout.GroupNone)
	check("not grouped")
	// Three more events of order-1 at one time (their slots' objects included).
	for seq := uint64(7); seq <= 9; seq++ {
		e := l.Add(layout.LaneNode{Kind: layout.LaneEvent, Aggregate: "order-1", Seq: seq, Time: 9e9})
		l.SetBeside(obj(), e)
	}
	l.SetX(layout.XByTime)
	check("by time")
}

// Link, as the window calls it for every object link: an object goes beside the event it is
// linked with, whichever way the link points; a loose object linked with one that sits beside
// an event joins it there; two objects beside events stay beside their own; two loose objects
// go together, and follow whichever of them is linked to an event next.
func TestLanesLink(t *testing.T) {
	l := layout.NewLanes(layout.LanesConfig{})
	e1 := l.Add(ev("order-1", "E", 1))
	e2 := l.Add(ev("order-2", "E", 2))
	obj := func() int { return l.Add(layout.LaneNode{Kind: layout.LaneObject, Beside: layout.NoBeside}) }
	near := func(o, e int) bool {
		p, q := l.Position(o), l.Position(e)
		return p.X > q.X && p.X < q.X+60 && p.Y > q.Y && p.Y < q.Y+30
	}
	inv, file := obj(), obj()
	l.Link(e1, inv) // the event links the object
	l.Link(file, inv)
	if !near(inv, e1) || !near(file, e1) || l.Position(inv) == l.Position(file) {
		t.Fatalf("invoice at %v, file at %v: want both beside e1 at %v, apart", l.Position(inv), l.Position(file), l.Position(e1))
	}
	other := obj()
	l.Link(other, e2)
	before := l.Positions(nil)
	l.Link(inv, other) // both beside events: neither moves
	l.Link(e1, e2)     // two events: nothing
	if got := l.Positions(nil); !slices.Equal(got, before) {
		t.Fatalf("linking placed nodes moved them: %v, then %v", before, got)
	}
	a, b := obj(), obj()
	l.Link(a, b)
	l.Link(e2, a) // a moves beside e2, and b, loose and linked with it, comes along
	if !near(a, e2) || !near(b, e2) {
		t.Fatalf("a at %v, b at %v: want both beside e2 at %v", l.Position(a), l.Position(b), l.Position(e2))
	}
	c, d := obj(), obj()
	l.Link(c, d)
	l.Link(d, e1) // d moves, c (put beside it) comes along
	if !near(c, e1) || !near(d, e1) {
		t.Fatalf("c at %v, d at %v: want both beside e1 at %v", l.Position(c), l.Position(d), l.Position(e1))
	}
}

// A new lane that moves lanes already placed (in an earlier group, or sorted among them)
// counts as a reshape, so that the window glides the lanes below it; a lane added at the
// end, or an event in a lane there is, does not.
func TestLanesReshapedWhenLanesMove(t *testing.T) {
	l := layout.NewLanes(layout.LanesConfig{Grouping: layout.GroupByPrefix})
	l.Add(ev("order-1", "E", 1))
	pay := l.Add(ev("payment-1", "E", 2))
	r := l.Reshaped()
	l.Add(ev("payment-2", "E", 3)) // last group
	l.Add(ev("order-1", "E", 4))   // an existing lane
	l.Add(ev("shipment-1", "E", 5))
	if got := l.Reshaped(); got != r {
		t.Fatalf("Reshaped went from %d to %d with nothing placed moving", r, got)
	}
	before := l.Position(pay)
	l.Add(ev("order-2", "E", 6)) // first group: payments and shipments move down
	if got := l.Reshaped(); got == r {
		t.Fatal("a lane added to an earlier group moved the later groups without a reshape")
	}
	if after := l.Position(pay); after.Y <= before.Y {
		t.Fatalf("payment-1 at %v, then %v: want it one lane lower", before, after)
	}
	r = l.Reshaped()
	if got := l.Reshaped(); got != r {
		t.Fatal("reading Reshaped twice counted twice")
	}

	byName := layout.NewLanes(layout.LanesConfig{Order: layout.OrderByName})
	byName.Add(ev("order-2", "E", 1))
	byName.Add(ev("order-10", "E", 2))
	r = byName.Reshaped()
	byName.Add(ev("order-11", "E", 3)) // sorts last
	if byName.Reshaped() != r {
		t.Fatal("a lane sorted last counted as a reshape")
	}
	byName.Add(ev("order-3", "E", 4)) // before order-10 and order-11
	if byName.Reshaped() == r {
		t.Fatal("a lane sorted among others moved them without a reshape")
	}
}

// The window places nodes at the force layout's node IDs, which are reused after a removal,
// and learns which event an object links to after the object: Set, Remove and SetBeside.
func TestLanesSetRemoveBeside(t *testing.T) {
	l := layout.NewLanes(layout.LanesConfig{})
	l.Set(3, ev("order-1", "E", 1))
	l.Set(0, ev("order-2", "E", 2))
	l.Set(1, layout.LaneNode{Kind: layout.LaneObject, Beside: layout.NoBeside})
	if l.Len() != 4 || l.RowOf(2) != -1 || l.Position(2) != (layout.Vec2{}) {
		t.Fatalf("Len %d, empty index 2 in row %d at %v", l.Len(), l.RowOf(2), l.Position(2))
	}
	rows := l.Rows()
	if len(rows) != 3 || rows[2].Label != layout.ObjectsLane || rows[2].Nodes != 1 {
		t.Fatalf("rows %+v", rows)
	}
	v := l.Version()
	l.SetBeside(1, 3)
	if l.Version() == v {
		t.Fatal("SetBeside did not change the Version")
	}
	if p, e := l.Position(1), l.Position(3); p.X <= e.X || p.Y <= e.Y || p.Y-e.Y >= 30 {
		t.Fatalf("object at %v after SetBeside, event at %v", p, e)
	}
	if rows := l.Rows(); rows[0].Nodes != 2 || rows[2].Nodes != 0 {
		t.Fatalf("node counts after SetBeside %+v", rows)
	}
	l.SetBeside(0, 3) // not an object: nothing happens
	if l.Position(0).Y != 60 {
		t.Fatal("SetBeside moved an event")
	}
	l.Remove(3)
	l.Remove(3)
	if l.RowOf(3) != -1 || l.Rows()[0].Nodes != 1 {
		t.Fatalf("after Remove: row %d, rows %+v", l.RowOf(3), l.Rows())
	}
	l.Set(0, ev("order-1", "E", 5)) // index 0 reused, for another aggregate
	if p := l.Position(0); p.Y != 0 || p.X != 4*30 {
		t.Fatalf("reused index 0 at %v, want order-1's row at x 120", p)
	}
	if rows := l.Rows(); rows[0].Nodes != 2 || rows[1].Nodes != 0 {
		t.Fatalf("node counts after reuse %+v", rows)
	}
}

// In time mode x is the event time, TimeScale per second from the first event.
func TestLanesByTime(t *testing.T) {
	l := layout.NewLanes(layout.LanesConfig{X: layout.XByTime, TimeScale: 10})
	l.Add(layout.LaneNode{Aggregate: "a", Seq: 1, Time: 100e9})
	l.Add(layout.LaneNode{Aggregate: "b", Seq: 2, Time: 103e9})
	l.Add(layout.LaneNode{Kind: layout.LaneRejected, Aggregate: "a", Seq: 3}) // no time: the latest
	// Earlier than the rejected message before it in lane a (at 30): TimeGap (20) right of
	// it, not back at its time's 15, so that the lane still reads left to right.
	l.Add(layout.LaneNode{Aggregate: "a", Seq: 4, Time: 101.5e9})
	var xs []float64
	for _, p := range l.Positions(nil) {
		xs = append(xs, p.X)
	}
	if want := []float64{0, 30, 30, 50}; !slices.Equal(xs, want) {
		t.Fatalf("x %v, want %v", xs, want)
	}
	l.SetX(layout.XBySeq)
	if x := l.Position(3).X; x != 90 {
		t.Fatalf("back in stream order, seq 4 at x %v, want 90", x)
	}
}

// Thousands of lanes: rows are LaneHeight apart, and the rows on screen are found by binary
// search.
func TestLanesManyRows(t *testing.T) {
	l := layout.NewLanes(layout.LanesConfig{LaneHeight: 20})
	for i := range 5000 {
		l.Add(ev(fmt.Sprintf("agg-%d", i), "E", uint64(i+1)))
	}
	if y := l.Position(4321).Y; y != 4321*20 {
		t.Fatalf("lane 4321 at %v", y)
	}
	vis := l.RowsBetween(1000, 1400)
	if len(vis) != 21 || vis[0].Label != "agg-50" || vis[20].Label != "agg-70" {
		t.Fatalf("rows between 1000 and 1400: %d, %+v..", len(vis), vis[0])
	}
	if got := l.RowsBetween(-50, -1); len(got) != 0 {
		t.Fatalf("rows above the first: %v", got)
	}
	if i, ok := l.RowAt(1011); !ok || l.Rows()[i].Label != "agg-51" {
		t.Fatalf("RowAt(1011) = %d", i)
	}
	if i, _ := l.RowAt(1e9); i != 4999 {
		t.Fatalf("RowAt below the last = %d", i)
	}
	if _, ok := layout.NewLanes(layout.LanesConfig{}).RowAt(0); ok {
		t.Fatal("RowAt with no rows")
	}
}

func TestIDPrefixAndTypeFamily(t *testing.T) {
	for _, tt := range [][2]string{
		{"order-23", "order-*"}, {"order-23-payment", "order-*"}, {"user:42", "user:*"},
		{"a_b", "a_*"}, {"order23", "order*"}, {"12345", "12345"}, {"solo", "solo"}, {"-x", "-x"}, {"", ""},
	} {
		if got := layout.IDPrefix(tt[0]); got != tt[1] {
			t.Errorf("IDPrefix(%q) = %q, want %q", tt[0], got, tt[1])
		}
	}
	for _, tt := range [][2]string{
		{"OrderCreated", "Order*"}, {"OrderPaid", "Order*"}, {"order.created", "order.*"},
		{"order-created", "order-*"}, {"HTTPRequestSent", "HTTPRequest*"}, {"Created", "Created"},
		{"V2Upgraded", "V2*"}, {"", ""},
	} {
		if got := layout.TypeFamily(tt[0]); got != tt[1] {
			t.Errorf("TypeFamily(%q) = %q, want %q", tt[0], got, tt[1])
		}
	}
}

func TestNaturalCompare(t *testing.T) {
	sorted := []string{"", "a", "order-1", "order-01", "order-2", "order-9", "order-10", "order-10-x", "order-100", "order-b", "ordera"}
	for i := range sorted {
		for j := range sorted {
			got := layout.NaturalCompare(sorted[i], sorted[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got != want {
				t.Errorf("NaturalCompare(%q, %q) = %d, want %d", sorted[i], sorted[j], got, want)
			}
		}
	}
}

func TestGlide(t *testing.T) {
	from := []layout.Vec2{{0, 0}, {10, 10}}
	to := []layout.Vec2{{100, 0}, {10, -10}, {5, 5}}
	t0 := time.Unix(1000, 0)
	g := layout.NewGlide(from, to, t0, 0)
	if got := g.At(t0, nil); !slices.Equal(got, []layout.Vec2{{0, 0}, {10, 10}, {5, 5}}) {
		t.Fatalf("at the start %v", got)
	}
	if got := g.At(t0.Add(250*time.Millisecond), nil); got[0] != (layout.Vec2{50, 0}) || got[1] != (layout.Vec2{10, 0}) {
		t.Fatalf("half way %v", got)
	}
	prev := -1.0
	for ms := 0; ms <= 600; ms += 25 {
		x := g.At(t0.Add(time.Duration(ms)*time.Millisecond), nil)[0].X
		if x < prev {
			t.Fatalf("x went back from %v to %v at %d ms", prev, x, ms)
		}
		prev = x
	}
	if g.Done(t0.Add(499*time.Millisecond)) || !g.Done(t0.Add(500*time.Millisecond)) {
		t.Fatal("Done is not at 0.5 s")
	}
	if got := g.At(t0.Add(time.Second), nil); !slices.Equal(got, to) {
		t.Fatalf("after the end %v", got)
	}
	// Retargeting half way: no jump, then on to the new destination.
	now := t0.Add(250 * time.Millisecond)
	here := g.At(now, nil)
	g.Retarget([]layout.Vec2{{0, 100}, {0, 0}, {0, 0}}, now)
	if got := g.At(now, nil); !slices.Equal(got, here) {
		t.Fatalf("retarget jumped from %v to %v", here, got)
	}
	if got := g.At(now.Add(time.Second), nil); got[0] != (layout.Vec2{0, 100}) {
		t.Fatalf("after the retarget %v", got)
	}
	if layout.Ease(-1) != 0 || layout.Ease(2) != 1 || layout.Ease(0.5) != 0.5 || layout.Ease(0.1) >= 0.1 {
		t.Fatal("Ease is not a clamped smoothstep")
	}
}

func TestVisibleAsOf(t *testing.T) {
	nodes := []layout.HistoryNode{
		0: {Seq: 1, Time: 10},
		1: {Seq: 2, Time: 20},
		2: {Seq: 0, After: []int{0}},    // invoice linked to event 0
		3: {Seq: 4, Time: 40},           // a rejected message or an event
		4: {Seq: 0, After: []int{2, 3}}, // the invoice's next version, linked to seq 4
		5: {Seq: 0},                     // an object with nothing before it
		6: {Seq: 0, After: []int{7}},    // listed before what it depends on
		7: {Seq: 0, After: []int{3}},
		8: {Seq: 3, Time: 0},
	}
	for _, tt := range []struct {
		asOf uint64
		want []bool
	}{
		{0, []bool{false, false, false, false, false, true, false, false, false}},
		{1, []bool{true, false, true, false, false, true, false, false, false}},
		{3, []bool{true, true, true, false, false, true, false, false, true}},
		{4, []bool{true, true, true, true, true, true, true, true, true}},
	} {
		if got := layout.VisibleAsOf(nodes, tt.asOf, nil); !slices.Equal(got, tt.want) {
			t.Errorf("as of %d: %v, want %v", tt.asOf, got, tt.want)
		}
	}
	if s, ok := layout.SeqAtTime(nodes, 25); !ok || s != 2 {
		t.Errorf("SeqAtTime(25) = %d %v, want 2", s, ok)
	}
	if _, ok := layout.SeqAtTime(nodes, 5); ok {
		t.Error("SeqAtTime before the first event found one")
	}
	if tm, ok := layout.TimeAsOf(nodes, 3); !ok || tm != 20 {
		t.Errorf("TimeAsOf(3) = %d %v, want 20 (seq 3 has no time)", tm, ok)
	}
	for _, tt := range [][3]int{{2, 1, 3}, {2, -1, 1}, {4, 1, 4}, {1, -1, 1}, {0, 1, 1}, {100, -1, 4}} {
		if got := layout.StepSeq(nodes, uint64(tt[0]), tt[1]); got != uint64(tt[2]) {
			t.Errorf("StepSeq(%d, %d) = %d, want %d", tt[0], tt[1], got, tt[2])
		}
	}
}

// BenchmarkLanes100k places 100,000 events in 1,000 lanes and reads every position, the work
// of switching the window to the lanes view; the baseline beside it is one tick of the force
// layout on the same graph.
func BenchmarkLanes100k(b *testing.B) {
	g := layout.Synthetic(100_000, 1)
	nodes := make([]layout.LaneNode, g.Nodes)
	for i := range nodes {
		nodes[i] = ev(fmt.Sprintf("agg-%d", g.Groups[i]%1000), "E", uint64(i+1))
	}
	b.Run("lanes", func(b *testing.B) {
		var pos []layout.Vec2
		for b.Loop() {
			l := layout.NewLanes(layout.LanesConfig{})
			for _, n := range nodes {
				l.Add(n)
			}
			pos = l.Positions(pos)
		}
	})
	b.Run("positions", func(b *testing.B) {
		l := layout.NewLanes(layout.LanesConfig{Grouping: layout.GroupByPrefix})
		for _, n := range nodes {
			l.Add(n)
		}
		var pos []layout.Vec2
		for b.Loop() {
			pos = l.Positions(pos)
		}
	})
	b.Run("baseline-force-tick", func(b *testing.B) {
		s := layout.New(layout.DefaultParams())
		g.Load(s, true)
		for b.Loop() {
			s.Tick()
		}
	})
}

// A window that retires old nodes while new aggregates keep coming keeps a bounded number of
// lanes: lanes left empty are dropped, and what remains keeps its nodes, rows and order.
func TestLanesDropEmptyLanes(t *testing.T) {
	l := layout.NewLanes(layout.LanesConfig{Grouping: layout.GroupByPrefix})
	const window = 500 // node slots, reused as in the force layout
	for i := range 20_000 {
		l.Set(i%window, ev(fmt.Sprintf("order-%d", i/5), "E", uint64(i+1))) // a new aggregate every 5 events
	}
	if n := l.Lanes(); n > 300 {
		t.Fatalf("%d lanes for %d live nodes in %d aggregates", n, window, window/5)
	}
	rows := l.Rows()
	live := 0
	for _, r := range rows {
		live += r.Nodes
	}
	if live != window {
		t.Fatalf("rows hold %d nodes, want %d", live, window)
	}
	// The newest aggregate's events share its row, in sequence order.
	var prev layout.Vec2
	for i := 19_995; i < 20_000; i++ {
		p := l.Position(i % window)
		if i > 19_995 && (p.Y != prev.Y || p.X <= prev.X) {
			t.Fatalf("order-3999 event %d at %v after %v", i, p, prev)
		}
		prev = p
	}
	if rows[l.RowOf(19_999%window)].Label != "order-3999" {
		t.Fatalf("the newest node's row is %q", rows[l.RowOf(19_999%window)].Label)
	}
}

// Events of one lane at one event time (a batch appended at once), or closer in time than a
// node is wide, do not meet in XByTime: each goes TimeGap right of the one before it in
// stream order, and a new one moves none placed before it.
func TestLanesByTimeEqualTimesDoNotMeet(t *testing.T) {
	l := layout.NewLanes(layout.LanesConfig{X: layout.XByTime})
	gap := l.Config().TimeGap
	if gap < 2*8 {
		t.Fatalf("TimeGap %v is less than a node's width (16)", gap)
	}
	const t0 = int64(1_700_000_000e9)
	var a, b []int // indices of lane a and lane b, in stream order
	for seq := uint64(1); seq <= 60; seq++ {
		at := t0
		if seq > 40 {
			at = t0 + int64(seq-40)*1e8 // 0.1 s apart: 6 px at the default 60 px/s
		}
		before := l.Positions(nil)
		i := l.Add(layout.LaneNode{Aggregate: "a", Seq: seq, Time: at})
		a = append(a, i)
		if seq%3 == 0 {
			b = append(b, l.Add(layout.LaneNode{Aggregate: "b", Seq: seq + 1000, Time: at}))
		}
		after := l.Positions(nil)
		for k := range before {
			if after[k] != before[k] {
				t.Fatalf("adding seq %d moved node %d from %v to %v", seq, k, before[k], after[k])
			}
		}
	}
	p := l.Positions(nil)
	for _, lane := range [][]int{a, b} {
		if x := p[lane[0]].X; x != 0 {
			t.Errorf("first node of a lane at x %v, want 0 (its time, the first seen)", x)
		}
		for n := 1; n < len(lane); n++ {
			prev, cur := p[lane[n-1]], p[lane[n]]
			if cur.Y != prev.Y {
				t.Fatalf("nodes %d and %d of one lane at y %v and %v", lane[n-1], lane[n], prev.Y, cur.Y)
			}
			if d := cur.X - prev.X; math.Abs(d-gap) > 1e-9 {
				t.Errorf("node %d at x %v, %v right of the one before it at %v: want TimeGap %v", lane[n], cur.X, d, prev.X, gap)
			}
		}
	}
	// The burst keeps lane a's last node right of its time: 59 gaps from 0.
	if x, want := p[a[len(a)-1]].X, 59*gap; math.Abs(x-want) > 1e-9 {
		t.Errorf("last node of lane a at x %v, want %v", x, want)
	}
}

// Well separated event times keep their time's x in XByTime, in every lane, also once a lane
// has caught up after a burst of equal times.
func TestLanesByTimeKeepsSeparatedTimes(t *testing.T) {
	l := layout.NewLanes(layout.LanesConfig{X: layout.XByTime, TimeScale: 10})
	type want struct {
		i int
		x float64
	}
	var wants []want
	add := func(agg string, seq uint64, sec float64) int {
		i := l.Add(layout.LaneNode{Aggregate: agg, Seq: seq, Time: int64(sec * 1e9)})
		wants = append(wants, want{i, (sec - 100) * 10})
		return i
	}
	add("a", 1, 100)
	add("b", 2, 102)
	add("a", 3, 105)
	add("c", 4, 105)
	add("b", 5, 130)
	// Three at one time in lane a, then one far later: back at its time's x.
	burst := l.Add(layout.LaneNode{Aggregate: "a", Seq: 6, Time: 110e9})
	wants = append(wants, want{burst, 100})
	l.Add(layout.LaneNode{Aggregate: "a", Seq: 7, Time: 110e9})
	l.Add(layout.LaneNode{Aggregate: "a", Seq: 8, Time: 110e9})
	add("a", 9, 200)
	for _, w := range wants {
		if x := l.Position(w.i).X; x != w.x {
			t.Errorf("node %d at x %v, want its time's x %v", w.i, x, w.x)
		}
	}
	if x := l.Position(burst + 2).X; x != 100+2*l.Config().TimeGap {
		t.Errorf("third node at one time at x %v, want %v", x, 100+2*l.Config().TimeGap)
	}
}

// Switching the x axis back and forth: stream order puts every sequence in its column, time
// mode brings back the same spread-out x as before, and each switch counts in Reshaped (the
// window glides the nodes).
func TestLanesSwitchSeqAndTime(t *testing.T) {
	l := layout.NewLanes(layout.LanesConfig{X: layout.XByTime})
	for seq := uint64(1); seq <= 10; seq++ {
		l.Add(layout.LaneNode{Aggregate: fmt.Sprintf("agg-%d", seq%2), Seq: seq, Time: 5e9})
	}
	byTime := l.Positions(nil)
	r := l.Reshaped()
	l.SetX(layout.XBySeq)
	if l.Reshaped() == r {
		t.Error("switching to stream order did not count in Reshaped")
	}
	for i, p := range l.Positions(nil) {
		if want := float64(i) * 30; p.X != want || p.Y != byTime[i].Y {
			t.Errorf("stream order: node %d at %v, want x %v in its row at y %v", i, p, want, byTime[i].Y)
		}
	}
	l.SetX(layout.XByTime)
	if back := l.Positions(nil); !slices.Equal(back, byTime) {
		t.Errorf("back in time mode at %v, want %v as before", back, byTime)
	}
	// Five events at one time in each lane: 0, gap, 2 gap, ... apart.
	for i, p := range byTime {
		if want := float64(i/2) * l.Config().TimeGap; p.X != want {
			t.Errorf("time mode: node %d at x %v, want %v", i, p.X, want)
		}
	}
}
