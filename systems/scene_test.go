package systems

import (
	"testing"

	"github.com/jetdag/jetdag/components/worldtest"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
)

func gathered(w donburi.World, m *Marks) *Scene {
	s := NewScene()
	s.Gather(w, m)
	return s
}

func TestSceneGatherAllocatesNothing(t *testing.T) {
	w := donburi.NewWorld()
	worldtest.DAG(w, 2000, 2600)
	var m Marks
	s := gathered(w, &m)
	// donburi's query iterator allocates a closure or two a call; the gather itself nothing.
	if allocs := testing.AllocsPerRun(10, func() { s.Gather(w, &m) }); allocs > 4 {
		t.Errorf("Gather allocates %v times a frame, want at most 4 (the query iterator's)", allocs)
	}
}

func TestSceneGatherMirrorsMarksAndDropsDanglingEdges(t *testing.T) {
	w := donburi.NewWorld()
	a := worldtest.Node(w, 0, worldtest.Event(0, 0, "x", "T"))
	b := worldtest.Node(w, 1, worldtest.Event(10, 0, "x", "T"))
	c := worldtest.Node(w, 2, worldtest.Event(20, 0, "y", "U"))
	unplaced := worldtest.Node(w, 3, worldtest.Event(30, 0, "y", "U"))
	components.DddElement.Get(w.Entry(unplaced)).Index = -1
	worldtest.Edge(w, b, a, components.EdgePrevious)
	worldtest.Edge(w, c, b, components.EdgeParent)
	m := Marks{Hovered: a, Selected: b, Filter: components.FilterData{Aggregate: "x"}}
	m.SetHighlighted([]donburi.Entity{a, b})
	w.Remove(a) // an edge to a removed node must not be drawn
	s := gathered(w, &m)
	if len(s.Nodes) != 2 {
		t.Fatalf("%d nodes, want 2 (a removed, one unplaced)", len(s.Nodes))
	}
	if len(s.Edges) != 1 || s.Edges[0].Kind != components.EdgeParent {
		t.Fatalf("edges %+v, want only c → b", s.Edges)
	}
	ib, ic := components.Interaction.Get(w.Entry(b)), components.Interaction.Get(w.Entry(c))
	if !ib.Selected || !ib.Highlighted || ib.Hidden || ib.Hovered {
		t.Errorf("b's interaction %+v, want selected and highlighted", *ib)
	}
	if !ic.Hidden || ic.Selected {
		t.Errorf("c's interaction %+v, want hidden (aggregate y)", *ic)
	}
	if s.Selected != s.Index(b) || s.Hovered != -1 {
		t.Errorf("selected %d hovered %d", s.Selected, s.Hovered)
	}
	if s.Newest != s.Index(b) {
		t.Errorf("newest shown node is %d, want b (c is hidden)", s.Newest)
	}
}

// The window's per-frame systems allocate nothing in steady state: a wall screen runs for
// weeks. (The inspector reads its node again every coneEvery ticks, which allocates.)
func TestWindowStagesAllocateNothing(t *testing.T) {
	w := donburi.NewWorld()
	es := worldtest.DAG(w, 2000, 2600)
	e := newECS(w)
	Setup(e, Options{Width: 1280, Height: 800})
	UpdateScene(e)
	Select(e, es[500])
	idle := components.InputData{X: 10, Y: 10}
	frame := func() {
		*GetOrCreateInput(e) = idle
		UpdateScene(e)
		UpdateInput(e)
		UpdateCamera(e)
		UpdateHUD(e)
		UsePicture(e)
	}
	frame()
	if allocs := testing.AllocsPerRun(20, frame); allocs > 4 {
		t.Errorf("a frame's window stages allocate %v times, want at most 4 (the query iterator's)", allocs)
	}
}

// TestSceneShownEdges: the edges counted as drawn (the screenshot's "edges") are those whose
// both ends are shown: an edge to a node hidden by the timeline or a filter is not.
func TestSceneShownEdges(t *testing.T) {
	w := donburi.NewWorld()
	var es []donburi.Entity
	for i := range 10 {
		es = append(es, worldtest.Node(w, i, worldtest.Event(float64(i), 0, []string{"x", "y"}[i/5], "T")))
		if i > 0 {
			worldtest.Edge(w, es[i], es[i-1], components.EdgePrevious)
		}
	}
	for _, tc := range []struct {
		name        string
		m           Marks
		shown, want int
	}{
		{"all shown", Marks{}, 10, 9},
		{"as of seq 3", Marks{AsOf: 3}, 3, 2},
		{"filter aggregate y", Marks{Filter: components.FilterData{Aggregate: "y"}}, 5, 4},
		{"as of seq 7, aggregate y", Marks{AsOf: 7, Filter: components.FilterData{Aggregate: "y"}}, 2, 1},
	} {
		s := gathered(w, &tc.m)
		if s.Shown() != tc.shown || s.ShownEdges() != tc.want || len(s.Edges) != 9 {
			t.Errorf("%s: %d nodes and %d edges shown (%d gathered), want %d and %d (9)", tc.name, s.Shown(), s.ShownEdges(), len(s.Edges), tc.shown, tc.want)
		}
	}
}
