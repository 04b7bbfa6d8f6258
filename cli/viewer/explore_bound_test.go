package viewer

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/store"
)

// boundedExplore runs explore mode's source on --at at with --max-nodes maxNodes into a
// world with the same budget, as the window does, until the neighbourhood is fetched. stop
// ends the source and waits for it, then applies what it sent: after stop the test may read
// the source's state, and the world holds all that was sent.
func (x *exploreStore) boundedExplore(t *testing.T, ctx context.Context, at string, depth, maxNodes int) (ex *exploreSource, g *ecs.Graph, stop func()) {
	t.Helper()
	src, closeSrc, err := openSource(ctx, x.req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeSrc)
	ex, err = newExploreSource(ctx, src, at, depth, maxNodes)
	if err != nil {
		t.Fatal(err)
	}
	srcCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	bridge := ecs.NewBridge(64)
	g = ecs.NewGraph(ecs.Config{Partial: true, MaxNodes: maxNodes}, bridge)
	g.Start(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = bridge.Run(srcCtx, ex)
	}()
	waitWorld(t, ctx, g, func() bool { return g.Stats().CaughtUp })
	stop = func() {
		t.Helper()
		cancel()
		for {
			select {
			case <-done:
				for g.Bridge().Lag() > 0 {
					g.Update()
				}
				g.Update()
				return
			case <-ctx.Done():
				t.Fatal("the explore source did not stop")
			default:
				g.Update() // a source blocked on a full bridge stops once the world drains it
				time.Sleep(time.Millisecond)
			}
		}
	}
	return ex, g, stop
}

// worldNodes counts the world's nodes: events, objects and rejected markers.
func worldNodes(g *ecs.Graph) int {
	st := g.Stats()
	return st.Events + st.Objects + st.Rejected
}

// sameAsWorld fails unless the source holds exactly the world's nodes (call it after stop).
func sameAsWorld(t *testing.T, ex *exploreSource, g *ecs.Graph) {
	t.Helper()
	if ex.held() != worldNodes(g) || len(ex.nodes) != g.Stats().Events+g.Stats().Objects {
		t.Errorf("the source holds %d nodes (%d events and objects), the world %d (%+v)", ex.held(), len(ex.nodes), worldNodes(g), g.Stats())
	}
	for c := range ex.nodes {
		if _, ok := g.Lookup(c); !ok {
			t.Errorf("the source holds %s, which the world retired", c)
		}
	}
}

// A hot parent in a busy store, explored with --max-nodes 20: 200 children of order-1's head
// o5 (1 KiB payloads, each in its own aggregate) are stored while the window shows o5 with
// its neighbours fetched. The source never holds more than 20 nodes, no payload among them:
// the children join until o5, the oldest, retires over the budget, and then, o5 no longer
// shown, the others are not fetched (before, the source kept o5 expanded for ever and
// fetched and held every child, payload included, while the world showed the newest 20).
// At the end the source holds exactly the world's nodes.
func TestExploreLiveChildrenWithinMaxNodes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	x := newExploreStore(t, ctx)
	es, err := store.OpenEvents(ctx, x.srv.Connect(t), store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	const budget, children = 20, 200
	o5 := x.o[4]
	ex, g, stop := x.boundedExplore(t, ctx, o5.CID.String(), 1, budget)
	if n := worldNodes(g); n != 2 {
		t.Fatalf("depth 1 around o5: %d nodes, want 2 (o5, o4)", n)
	}
	payload := bytes.Repeat([]byte{'x'}, 1024)
	kids := make([]*store.StoredEvent, children)
	for i := range kids {
		if kids[i], err = es.Append(ctx, fmt.Sprintf("kid-%d", i+1), "Born", payload, o5.CID); err != nil {
			t.Fatal(err)
		}
	}
	// o5 and o4 leave room for 18 children; the 19th retires o5, and with it what o5 shows.
	last := kids[budget-2]
	worldPeak := 0
	waitWorld(t, ctx, g, func() bool {
		worldPeak = max(worldPeak, worldNodes(g))
		_, ok := g.Lookup(last.CID)
		return ok
	})
	// A barrier: when a child of the 19th child (expanded now) is shown, the source has
	// looked at every header before it, all 200 children's.
	if !ex.Request(last.CID) {
		t.Fatal("request refused")
	}
	waitWorld(t, ctx, g, func() bool { return exploreState(t, g).Expanded[last.CID] })
	sentinel, err := es.Append(ctx, "kid-sentinel", "Born", nil, last.CID)
	if err != nil {
		t.Fatal(err)
	}
	waitWorld(t, ctx, g, func() bool {
		worldPeak = max(worldPeak, worldNodes(g))
		_, ok := g.Lookup(sentinel.CID)
		return ok
	})
	stop()

	shown := 0
	for _, k := range kids {
		if _, ok := g.Lookup(k.CID); ok {
			shown++
		}
	}
	t.Logf("source: %d nodes held at the end, at most %d at once, %d sent; world: %d nodes, at most %d; %d of %d children shown",
		ex.held(), ex.peak, ex.sent, worldNodes(g), worldPeak, shown, children)
	if ex.peak > budget || worldPeak > budget {
		t.Errorf("most nodes at once: source %d, world %d; want at most %d", ex.peak, worldPeak, budget)
	}
	if ex.held() != budget {
		t.Errorf("the source holds %d nodes, want %d", ex.held(), budget)
	}
	// Shown: children 2..19 (the first retired when the sentinel came), none after the 19th.
	if shown != budget-2 {
		t.Errorf("%d children shown, want %d", shown, budget-2)
	}
	for _, k := range kids[budget-1:] {
		if _, ok := g.Lookup(k.CID); ok {
			t.Fatalf("child %s, stored after o5 retired, was fetched", k.AggregateID)
		}
	}
	if ex.sent > budget+3 {
		t.Errorf("%d nodes sent, want at most %d (o5, o4, 19 children, o5 again, the sentinel)", ex.sent, budget+3)
	}
	for c, n := range ex.nodes {
		if n.ev != nil && n.ev.Payload != nil {
			t.Errorf("the source keeps the payload of %s", c)
		}
	}
	sameAsWorld(t, ex, g)
}

// A node the world retired over --max-nodes comes back when an expansion reaches it: around
// o3 (--depth 1, --max-nodes 6: o3, o2, o4 and the object linked to o3), three new children of
// o3 arrive live and the third retires o3; a double-click on that child fetches its parent o3
// again, which returns with the edges of the children still shown, its link to the object,
// and its + mark. Expanding o3 then brings more than 6 nodes: o3 is pushed out by its own
// neighbours, and the note says so instead of marking a node the world no longer holds.
func TestExploreRetiredNodeComesBack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	x := newExploreStore(t, ctx)
	es, err := store.OpenEvents(ctx, x.srv.Connect(t), store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	o3 := x.o[2].CID
	ex, g, stop := x.boundedExplore(t, ctx, o3.String(), 1, 6)
	if m := present(g, o3, x.o[1].CID, x.o[3].CID, x.obj); m != nil || worldNodes(g) != 4 || g.Stats().Links != 1 {
		t.Fatalf("depth 1 around o3: missing %v of o3, o2, o4, obj; %d nodes, %d links", m, worldNodes(g), g.Stats().Links)
	}
	var kids []cid.Cid
	for i := range 3 {
		k, err := es.Append(ctx, fmt.Sprintf("kid-%d", i+1), "Born", nil, o3)
		if err != nil {
			t.Fatal(err)
		}
		kids = append(kids, k.CID)
	}
	waitWorld(t, ctx, g, func() bool { _, ok := g.Lookup(kids[2]); return ok })
	if m := present(g, o3, kids[0], kids[1]); len(m) != 1 || m[0] != 0 || g.Stats().Links != 0 {
		t.Fatalf("after the third child: missing %v of o3, kid-1, kid-2 (want o3 retired), %d links", m, g.Stats().Links)
	}

	if !ex.Request(kids[2]) {
		t.Fatal("request refused")
	}
	waitWorld(t, ctx, g, func() bool { return exploreState(t, g).Expanded[kids[2]] })
	e3, ok := g.Lookup(o3)
	if !ok {
		t.Fatalf("expanding kid-3 did not bring back its parent o3 (note %q)", exploreState(t, g).Note)
	}
	for i, k := range kids {
		e, _ := g.Lookup(k)
		found := false
		for _, ed := range components.Edges.Get(g.World().Entry(e)).Out {
			found = found || ed.To == e3 && ed.Kind == components.EdgeParent
		}
		if !found {
			t.Errorf("kid-%d has no parent edge to o3, back", i+1)
		}
	}
	if g.Stats().Links != 1 {
		t.Errorf("%d links with o3 and the object back, want 1", g.Stats().Links)
	}
	if !exploreState(t, g).Expandable(o3) {
		t.Error("o3, back, is not marked +")
	}
	if _, ok := g.Lookup(x.o[1].CID); ok || worldNodes(g) != 6 {
		t.Errorf("o3 back: o2 (the oldest) still shown %v, %d nodes; want it retired, 6 nodes", ok, worldNodes(g))
	}

	notes := exploreState(t, g).NoteSeq
	if !ex.Request(o3) {
		t.Fatal("request refused")
	}
	waitWorld(t, ctx, g, func() bool { return exploreState(t, g).NoteSeq > notes })
	xs := exploreState(t, g)
	if note := xs.Note; !strings.Contains(note, "left the window") {
		t.Errorf("note on expanding o3 past the budget: %q", note)
	}
	if xs.Expanded[o3] || xs.Requested[o3] {
		t.Errorf("o3, pushed out, is marked expanded %v, requested %v", xs.Expanded[o3], xs.Requested[o3])
	}
	stop()
	if _, ok := g.Lookup(o3); ok || worldNodes(g) != 6 {
		t.Errorf("after expanding o3: o3 shown %v, %d nodes; want o3 pushed out, 6 nodes", ok, worldNodes(g))
	}
	sameAsWorld(t, ex, g)
}

// A neighbourhood larger than --max-nodes: --depth 2 around o3 reaches 7 nodes (o3, o2, o4,
// the object, o1, o5 and payment-1's p1) and the window keeps the newest 4; the note says
// so, counting o3 once though it is fetched again when o2's next event reaches it after it
// retired, and the source holds the world's 4 nodes.
func TestExploreNeighbourhoodOverMaxNodes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	x := newExploreStore(t, ctx)
	ex, g, stop := x.boundedExplore(t, ctx, x.o[2].CID.String(), 2, 4)
	note := exploreState(t, g).Note
	stop()
	if !strings.Contains(note, "7 nodes within 2 hops") || !strings.Contains(note, "keeps the newest 4") {
		t.Errorf("note %q, want 7 nodes within 2 hops, the newest 4 kept", note)
	}
	if n := worldNodes(g); n != 4 {
		t.Errorf("%d nodes in the world, want 4", n)
	}
	sameAsWorld(t, ex, g)
}
