package ecs_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/systems"
)

// A Partial graph (explore mode) takes a neighbourhood in the order it was fetched: a node
// whose previous event and parents are missing enters at once, and the edges to them appear
// when they come, even after the node; an ExploreMsg puts the world in explore mode.
func TestPartialGraphTakesNeighbourhoodInAnyOrder(t *testing.T) {
	g, b := newGraph(t, ecs.Config{Partial: true}, 16)
	names := []string{"o2", "o1", "p1", "obj"}
	// The root first (its previous o1 and parent p1 not fetched yet), then what it names.
	feed(t, g, b, event(5, "order-1", "o2", "o1", "p1"))
	if nodeCount(g) != 1 || g.Stats().Held != 0 {
		t.Fatalf("root alone: %d nodes, %d held; want 1 node, none held", nodeCount(g), g.Stats().Held)
	}
	if got := edgesOf(t, g, "o2", names); len(got) != 0 {
		t.Fatalf("root's edges before its neighbours came: %v", got)
	}
	if g.Exploring() {
		t.Fatal("exploring before any ExploreMsg")
	}
	feed(t, g, b, event(3, "order-1", "o1", "o0"), event(4, "payment-1", "p1", ""),
		object("obj", ecs.ObjectValue, ""), link("obj", "o2", "References"))
	got := edgesOf(t, g, "o2", names)
	slices.Sort(got)
	if want := []string{"parent:p1", "prev:o1"}; !slices.Equal(got, want) {
		t.Errorf("root's edges once its neighbours came: %v, want %v", got, want)
	}
	if got := edgesOf(t, g, "obj", names); !slices.Equal(got, []string{"link(References):o2"}) {
		t.Errorf("object's edges: %v", got)
	}
	if nodeCount(g) != 4 || g.Stats().Held != 0 || g.Stats().Links != 1 {
		t.Errorf("%d nodes, %d held, %d links; want 4, 0, 1", nodeCount(g), g.Stats().Held, g.Stats().Links)
	}
	// o1's own previous (o0) never comes: nothing waits for it in the held set.
	feed(t, g, b, &ecs.ExploreMsg{Root: cidOf("o2"), Depth: 1, Expanded: []cid.Cid{cidOf("o2")}, Note: "3 new nodes"})
	if !g.Exploring() {
		t.Fatal("not exploring after an ExploreMsg")
	}
	x, ok := components.Explore.First(g.World())
	if !ok {
		t.Fatal("no Explore singleton")
	}
	st := components.Explore.Get(x)
	if !st.Root.Equals(cidOf("o2")) || st.Depth != 1 || st.Expandable(cidOf("o2")) || !st.Expandable(cidOf("o1")) || st.Note != "3 new nodes" || st.NoteSeq != 1 {
		t.Errorf("explore state %+v", st)
	}
}

// Without Partial, the live graph still holds a child until its previous event arrives.
func TestLiveGraphStillHolds(t *testing.T) {
	g, b := newGraph(t, ecs.Config{}, 16)
	feed(t, g, b, event(2, "a", "a2", "a1"))
	if nodeCount(g) != 0 || g.Stats().Held != 1 {
		t.Fatalf("%d nodes, %d held; want the child held", nodeCount(g), g.Stats().Held)
	}
	feed(t, g, b, event(1, "a", "a1", ""))
	if nodeCount(g) != 2 || g.Stats().Held != 0 {
		t.Fatalf("%d nodes, %d held after the previous came", nodeCount(g), g.Stats().Held)
	}
}

// The expansion model, headless: a double-click on a node marked expandable asks the source
// for its neighbours (once, while they are on their way), and the source's report clears the
// mark; a double-click on an expanded node, a single click or two slow clicks ask nothing.
// The status bar names the root, the depth and the node count.
func TestDoubleClickExpands(t *testing.T) {
	g, b := newGraph(t, ecs.Config{Partial: true}, 16)
	feed(t, g, b, event(2, "order-1", "o2", "o1"), event(1, "order-1", "o1", "o0"),
		&ecs.ExploreMsg{Root: cidOf("o2"), Depth: 1, Expanded: []cid.Cid{cidOf("o2")}})
	now := time.Unix(1e9, 0)
	var asked []cid.Cid
	e := g.ECS()
	systems.Setup(e, systems.Options{Width: 800, Height: 600, Now: func() time.Time { return now },
		Expand: func(c cid.Cid) bool { asked = append(asked, c); return true }})
	frame := func() {
		g.Update()
		for _, s := range ecs.WindowStages() {
			s.Run(e)
		}
	}
	// settle runs frames until the layout has spread the nodes apart (a click then picks the
	// node it aims at), and the camera has framed them.
	settle := func() {
		t.Helper()
		for start := time.Now(); ; {
			frame()
			time.Sleep(5 * time.Millisecond)
			sc := systems.SceneOf(e)
			apart := len(sc.Nodes) > 0
			for i := range sc.Nodes {
				for j := i + 1; j < len(sc.Nodes); j++ {
					a, b := sc.Nodes[i], sc.Nodes[j]
					if math.Hypot(a.X-b.X, a.Y-b.Y) < 3*max(a.R, b.R) {
						apart = false
					}
				}
			}
			if apart && time.Since(start) > 200*time.Millisecond {
				return
			}
			if time.Since(start) > 20*time.Second {
				t.Fatal("the layout did not spread the nodes apart in 20 s")
			}
		}
	}
	settle()
	flags := func(name string) systems.NodeFlags {
		t.Helper()
		ent, ok := g.Lookup(cidOf(name))
		if !ok {
			t.Fatalf("%s not in the world", name)
		}
		i := systems.SceneOf(e).Index(ent)
		if i < 0 {
			t.Fatalf("%s not in the scene", name)
		}
		return systems.SceneOf(e).Nodes[i].Flags
	}
	click := func(name string) {
		t.Helper()
		ent, _ := g.Lookup(cidOf(name))
		n := systems.SceneOf(e).Nodes[systems.SceneOf(e).Index(ent)]
		x, y := systems.GetOrCreateCamera(e).WorldToScreen(n.X, n.Y)
		systems.HandleInput(e, components.InputData{X: x, Y: y})
		systems.HandleInput(e, components.InputData{X: x, Y: y, LeftDown: true, LeftPressed: true})
		systems.HandleInput(e, components.InputData{X: x, Y: y, LeftReleased: true})
		if systems.Selected(e) != ent {
			t.Fatalf("the click on %s selected %v", name, systems.Selected(e))
		}
	}
	toast := func() string { return systems.GetOrCreateToast(e).Text }

	if flags("o2")&systems.FlagExpandable != 0 || flags("o1")&systems.FlagExpandable == 0 {
		t.Fatalf("flags: root %b, o1 %b; want only o1 expandable", flags("o2"), flags("o1"))
	}
	click("o1")
	if len(asked) != 0 {
		t.Fatalf("a single click asked for %v", asked)
	}
	click("o1")
	if len(asked) != 1 || !asked[0].Equals(cidOf("o1")) || !strings.Contains(toast(), "fetching the neighbours") {
		t.Fatalf("double-click on o1: asked %v, toast %q", asked, toast())
	}
	click("o1")
	click("o1")
	if len(asked) != 1 || !strings.Contains(toast(), "still fetching") {
		t.Fatalf("double-click while fetching: asked %v, toast %q", asked, toast())
	}

	feed(t, g, b, event(0, "order-1", "o0", ""), &ecs.ExploreMsg{Root: cidOf("o2"), Depth: 1, Expanded: []cid.Cid{cidOf("o1")}, Note: "1 new node"})
	settle() // o0 arrived beside o1
	if flags("o1")&systems.FlagExpandable != 0 || flags("o0")&systems.FlagExpandable == 0 {
		t.Errorf("after o1's expansion: o1 %b, o0 %b; want only o0 expandable", flags("o1"), flags("o0"))
	}
	if toast() != "1 new node" {
		t.Errorf("toast %q, want the source's note", toast())
	}
	root := cidOf("o2").String()
	if line := systems.StatusLine(e); !strings.Contains(line, "explore …"+root[len(root)-6:]+" · depth 1 · 3 nodes") {
		t.Errorf("status line %q", line)
	}
	click("o2")
	click("o2")
	if len(asked) != 1 || !strings.Contains(toast(), "already expanded") {
		t.Errorf("double-click on the expanded root: asked %v, toast %q", asked, toast())
	}
	click("o0")
	now = now.Add(time.Second)
	click("o0")
	if len(asked) != 1 {
		t.Errorf("two clicks a second apart asked %v", asked)
	}
	// The first click's selection may pan the camera (to keep the node clear of the
	// inspector): the second click, at the same place, still expands the node first hit.
	now = now.Add(time.Second)
	o0, _ := g.Lookup(cidOf("o0"))
	n := systems.SceneOf(e).Nodes[systems.SceneOf(e).Index(o0)]
	x, y := systems.GetOrCreateCamera(e).WorldToScreen(n.X, n.Y)
	press := func() {
		systems.HandleInput(e, components.InputData{X: x, Y: y, LeftDown: true, LeftPressed: true})
		systems.HandleInput(e, components.InputData{X: x, Y: y, LeftReleased: true})
	}
	press()
	systems.GetOrCreateCamera(e).Pan(300, 0)
	systems.UpdateScene(e)
	press()
	if len(asked) != 2 || !asked[1].Equals(cidOf("o0")) || systems.Selected(e) != o0 {
		t.Errorf("double-click with a pan between: asked %v, selected %v; want o0 asked and selected", asked, systems.Selected(e))
	}
	// The e key asks for the selected node's neighbours.
	feed(t, g, b, &ecs.ExploreMsg{Root: cidOf("o2"), Depth: 1, Failed: []cid.Cid{cidOf("o0")}, Note: "could not fetch"})
	frame()
	systems.HandleInput(e, components.InputData{X: 1, Y: 1, Pressed: []components.Key{components.KeyE}})
	if len(asked) != 3 || !asked[2].Equals(cidOf("o0")) {
		t.Errorf("e on the selected o0 after a failed fetch: asked %v", asked)
	}
}

// Explore mode over MaxNodes: a retired node is no tombstone. When the source sends it again
// (an expansion reached it), it comes back with the previous and parent edges of the nodes
// still shown that point at it, and with its + mark (the source forgot its neighbours, so
// the world forgets it was expanded); a link sent again joins it up. Outside explore mode a
// Partial graph (a resumed feed) still ignores a retired block sent again.
func TestExploreRetiredNodeComesBack(t *testing.T) {
	names := []string{"a", "b", "c", "d", "e", "obj"}
	g, b := newGraph(t, ecs.Config{Partial: true, MaxNodes: 5}, 16)
	feed(t, g, b, &ecs.ExploreMsg{Root: cidOf("a"), Depth: 1},
		event(1, "order-1", "a", ""), event(2, "order-1", "b", "a"), event(3, "pay-1", "c", "", "a"),
		object("obj", ecs.ObjectValue, ""), link("obj", "a", "References"),
		&ecs.ExploreMsg{Root: cidOf("a"), Depth: 1, Expanded: []cid.Cid{cidOf("a")}})
	feed(t, g, b, event(4, "other-1", "d", ""), event(5, "other-2", "e", "")) // e retires a
	if _, ok := g.Lookup(cidOf("a")); ok || nodeCount(g) != 5 || g.Stats().Links != 0 {
		t.Fatalf("after e: a present %v, %d nodes, %d links; want a retired, 5 nodes, 0 links",
			ok, nodeCount(g), g.Stats().Links)
	}
	if got := edgesOf(t, g, "b", names); len(got) != 0 {
		t.Fatalf("b's edges with a retired: %v", got)
	}
	// The source sends a again (it retires b, now the oldest), then the link.
	feed(t, g, b, event(1, "order-1", "a", ""), link("obj", "a", "References"))
	if _, ok := g.Lookup(cidOf("a")); !ok {
		t.Fatalf("a sent again after it retired is not in the world (%d duplicates)", g.Duplicates())
	}
	if _, ok := g.Lookup(cidOf("b")); ok || nodeCount(g) != 5 {
		t.Fatalf("a back: b present %v, %d nodes; want b retired, 5 nodes", ok, nodeCount(g))
	}
	if got := edgesOf(t, g, "c", names); !slices.Equal(got, []string{"parent:a"}) {
		t.Errorf("c's edges once a is back: %v, want its parent edge", got)
	}
	if got := edgesOf(t, g, "obj", names); !slices.Equal(got, []string{"link(References):a"}) || g.Stats().Links != 1 {
		t.Errorf("obj's edges once a and its link are back: %v (%d links)", got, g.Stats().Links)
	}
	x, _ := components.Explore.First(g.World())
	if st := components.Explore.Get(x); !st.Expandable(cidOf("a")) || len(st.Expanded) != 0 {
		t.Errorf("a back is not marked +: expanded %v", st.Expanded)
	}

	// A node whose arrival retires its own parent (c, the oldest now) points at it once it
	// is back.
	feed(t, g, b, event(6, "pay-2", "f", "", "c"))
	if _, ok := g.Lookup(cidOf("c")); ok {
		t.Fatal("f's arrival did not retire c")
	}
	feed(t, g, b, event(3, "pay-1", "c", "", "a"))
	if got := edgesOf(t, g, "f", append(names, "f")); !slices.Equal(got, []string{"parent:c"}) {
		t.Errorf("f's edges once c, retired by f's arrival, is back: %v", got)
	}

	// A resumed feed (Partial, no ExploreMsg) keeps ignoring a retired block.
	g, b = newGraph(t, ecs.Config{Partial: true, MaxNodes: 2}, 16)
	feed(t, g, b, event(1, "a", "a1", ""), event(2, "a", "a2", "a1"), event(3, "a", "a3", "a2"))
	feed(t, g, b, event(1, "a", "a1", ""))
	if _, ok := g.Lookup(cidOf("a1")); ok || g.Duplicates() != 1 {
		t.Errorf("resumed feed: a retired block sent again entered (%d duplicates)", g.Duplicates())
	}
}
