package systems

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/worldtest"
)

// refreshWorld is a tracked world of n events with a filter hiding some of them, a selection
// (so a lit cone) and the cursor over one node: every mark the gather applies is in play.
func refreshWorld(t *testing.T, n int) (*ecs.ECS, []donburi.Entity) {
	t.Helper()
	w := donburi.NewWorld()
	es := worldtest.DAG(w, n, n*13/10)
	TrackWorldVersion(w)
	e := newECS(w)
	Setup(e, Options{Width: 1280, Height: 800})
	UpdateScene(e)
	Select(e, es[n/2])
	*GetOrCreateFilter(e) = components.FilterData{Kind: components.ElementEvent, Type: "T3"}
	UpdateScene(e)
	GetOrCreatePointer(e).Hovered = es[n/3]
	UpdateScene(e)
	return e, es
}

// moveAll moves every node by a different random amount, as a layout tick does.
func moveAll(w donburi.World, rng *rand.Rand) {
	components.Position.Each(w, func(en *donburi.Entry) {
		p := components.Position.Get(en)
		p.X += rng.NormFloat64() * 20
		p.Y += rng.NormFloat64() * 20
	})
}

// sameScene fails t unless e's scene holds exactly what a gather of e's world with the same
// marks gives (into the same scene, whose palette slots remember the names it has seen):
// nodes, edges, bounds, signature and the indices the renderer reads.
func sameScene(t *testing.T, what string, e *ecs.ECS) {
	t.Helper()
	want := SceneOf(e)
	got := *want
	got.Nodes, got.Edges = slices.Clone(want.Nodes), slices.Clone(want.Edges)
	want.Gather(e.World, MarksOf(e))
	if got.Shown() == len(got.Nodes) || got.Shown() == 0 || got.Hovered < 0 || got.Selected < 0 {
		t.Fatalf("%s: %d of %d nodes shown, hovered %d, selected %d: the marks are not all in play", what, got.Shown(), len(got.Nodes), got.Hovered, got.Selected)
	}
	if len(got.Nodes) != len(want.Nodes) || len(got.Edges) != len(want.Edges) {
		t.Fatalf("%s: %d nodes and %d edges, a gather gives %d and %d", what, len(got.Nodes), len(got.Edges), len(want.Nodes), len(want.Edges))
	}
	for i := range got.Nodes {
		if got.Nodes[i] != want.Nodes[i] {
			t.Fatalf("%s: node %d is %+v, a gather gives %+v", what, i, got.Nodes[i], want.Nodes[i])
		}
	}
	for k := range got.Edges {
		if got.Edges[k] != want.Edges[k] {
			t.Fatalf("%s: edge %d is %+v, a gather gives %+v", what, k, got.Edges[k], want.Edges[k])
		}
	}
	if got.Bounds != want.Bounds || got.Signature != want.Signature || got.MaxR != want.MaxR ||
		got.Newest != want.Newest || got.Hovered != want.Hovered || got.Selected != want.Selected {
		t.Errorf("%s: bounds %+v sig %x maxR %v newest %d hovered %d selected %d; a gather gives %+v %x %v %d %d %d", what,
			got.Bounds, got.Signature, got.MaxR, got.Newest, got.Hovered, got.Selected,
			want.Bounds, want.Signature, want.MaxR, want.Newest, want.Hovered, want.Selected)
	}
}

// A frame whose only change is BumpPositions refreshes the positions instead of gathering,
// and ends with exactly the scene a gather gives (nodes, edges, bounds, signature); the pick
// grid follows the nodes to where they moved.
func TestScenePositionRefreshEqualsGather(t *testing.T) {
	e, _ := refreshWorld(t, 3000)
	rng := rand.New(rand.NewPCG(7, 8))
	st := getSceneState(e)
	before := *SceneOf(e)
	for round := range 5 {
		gathers, refreshes := SceneGathers(e), SceneRefreshes(e)
		sig := SceneOf(e).Signature
		moveAll(e.World, rng)
		BumpPositions(e.World)
		UpdateScene(e)
		if SceneGathers(e) != gathers || SceneRefreshes(e) != refreshes+1 {
			t.Fatalf("round %d: %d gathers and %d refreshes, want %d and %d", round, SceneGathers(e), SceneRefreshes(e), gathers, refreshes+1)
		}
		if SceneOf(e).Signature == sig {
			t.Fatalf("round %d: the signature did not change although every node moved", round)
		}
		sameScene(t, "after a refresh", e)
		s := SceneOf(e)
		picked := 0
		for i := 0; i < len(s.Nodes) && picked < 50; i++ {
			n := s.Nodes[i]
			if n.Flags&FlagHidden != 0 {
				continue
			}
			picked++
			if got := st.Grid.Pick(s.Nodes, n.X, n.Y, 0); got < 0 || s.Nodes[got].X != n.X || s.Nodes[got].Y != n.Y {
				t.Errorf("round %d: the grid picks %d at node %d's new position", round, got, i)
			}
		}
		if picked < 50 {
			t.Fatalf("round %d: only %d shown nodes to pick", round, picked)
		}
	}
	if s := SceneOf(e); s.Selected != before.Selected || s.Hovered != before.Hovered || s.Shown() != before.Shown() {
		t.Errorf("refreshes changed the marks: selected %d hovered %d shown %d, were %d %d %d", s.Selected, s.Hovered, s.Shown(), before.Selected, before.Hovered, before.Shown())
	}
	// A frame with nothing bumped keeps the scene.
	gathers, refreshes := SceneGathers(e), SceneRefreshes(e)
	UpdateScene(e)
	if SceneGathers(e) != gathers || SceneRefreshes(e) != refreshes {
		t.Errorf("an idle frame gathered or refreshed")
	}
}

// After position-only bumps, a change that is not only a move (BumpWorld) gathers again, also
// when both are bumped in one frame, and the marks' changes gather too.
func TestSceneRefreshThenChangeGathers(t *testing.T) {
	e, es := refreshWorld(t, 2000)
	rng := rand.New(rand.NewPCG(9, 10))
	w := e.World
	step := func(what string, wantGather bool, do func()) {
		t.Helper()
		gathers, refreshes := SceneGathers(e), SceneRefreshes(e)
		do()
		UpdateScene(e)
		if got := SceneGathers(e) > gathers; got != wantGather {
			t.Errorf("%s: gathered %v, want %v", what, got, wantGather)
		}
		if wantGather && SceneRefreshes(e) != refreshes {
			t.Errorf("%s: refreshed as well as gathered", what)
		}
		sameScene(t, what, e)
	}
	step("a move", false, func() { moveAll(w, rng); BumpPositions(w) })
	step("a size change", true, func() {
		components.GraphNodeVisual.Get(w.Entry(es[10])).Size = 3
		BumpWorld(w)
	})
	step("a move", false, func() { moveAll(w, rng); BumpPositions(w) })
	step("a move and a colour change in one frame", true, func() {
		moveAll(w, rng)
		BumpPositions(w)
		components.GraphNodeVisual.Get(w.Entry(es[20])).BaseColor = components.EventCyan()
		BumpWorld(w)
	})
	step("a move", false, func() { moveAll(w, rng); BumpPositions(w) })
	step("a node removed", true, func() { w.Remove(es[30]); BumpWorld(w) })
	step("a move", false, func() { moveAll(w, rng); BumpPositions(w) })
	// Adding a component moves the node's components to another archetype's storage: the
	// scene's kept Position pointers are stale until the BumpWorld this change must make
	// (components.Position's rule), and the moves after it are refreshed through the new ones.
	step("a component added to two nodes", true, func() {
		w.Entry(es[60]).AddComponent(components.Toast)
		w.Entry(es[61]).AddComponent(components.Toast)
		BumpWorld(w)
	})
	step("a move", false, func() { moveAll(w, rng); BumpPositions(w) })
	step("a node unplaced", true, func() {
		components.DddElement.Get(w.Entry(es[40])).Index = -1
		BumpWorld(w)
	})
	step("a move", false, func() { moveAll(w, rng); BumpPositions(w) })
	step("a new selection", true, func() { Select(e, es[50]) })
	step("a move", false, func() { moveAll(w, rng); BumpPositions(w) })
	step("a filter change", true, func() { *GetOrCreateFilter(e) = components.FilterData{Kind: components.ElementEvent, Type: "T5"} })
	step("a move", false, func() { moveAll(w, rng); BumpPositions(w) })
}
