package systems

import (
	"testing"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/assets"
	"github.com/jetdag/jetdag/components"
)

func gathered(w donburi.World, m *Marks) *Scene {
	s := NewScene()
	s.Gather(w, m)
	return s
}

func TestRendererBuildAllocatesNothing(t *testing.T) {
	w := donburi.NewWorld()
	mkDAG(w, 10000, 13000)
	var m Marks
	s := gathered(w, &m)
	r := NewRenderer(assets.NewWhite())
	cam := Fit(s.Bounds, 1280, 800, 40)
	zoomed := cam
	zoomed.Zoom = 3 // dashes, arrows, labels
	for _, c := range []Camera{cam, zoomed} {
		r.Build(s, c, ColorByAggregate) // grow the buffers
		if allocs := testing.AllocsPerRun(10, func() { r.Build(s, c, ColorByAggregate) }); allocs != 0 {
			t.Errorf("zoom %v: Build allocates %v times a frame, want 0", c.Zoom, allocs)
		}
	}
}

func TestSceneGatherAllocatesNothing(t *testing.T) {
	w := donburi.NewWorld()
	mkDAG(w, 2000, 2600)
	var m Marks
	s := gathered(w, &m)
	// donburi's query iterator allocates a closure or two a call; the gather itself nothing.
	if allocs := testing.AllocsPerRun(10, func() { s.Gather(w, &m) }); allocs > 4 {
		t.Errorf("Gather allocates %v times a frame, want at most 4 (the query iterator's)", allocs)
	}
}

func TestRendererBatches(t *testing.T) {
	w := donburi.NewWorld()
	const n = 20000
	for i := 0; i < n; i++ {
		mkNode(w, i, ev(float64(i%200)*3, float64(i/200)*3, "a", "T"))
	}
	var m Marks
	s := gathered(w, &m)
	r := NewRenderer(assets.NewWhite())
	r.Build(s, Camera{CenterX: 300, CenterY: 150, Zoom: 1, Width: 640, Height: 480}, ColorByKind)
	if r.Stats.Vertices != 4*n || r.Stats.Nodes != n {
		t.Fatalf("%d vertices for %d nodes, want %d for %d", r.Stats.Vertices, r.Stats.Nodes, 4*n, n)
	}
	chunks := 0
	for _, c := range r.graph.chunks {
		if len(c.v) > maxBatchVertices {
			t.Errorf("a chunk holds %d vertices, over the 16-bit limit", len(c.v))
		}
		for _, i := range c.i {
			if int(i) >= len(c.v) {
				t.Fatalf("index %d beyond the chunk's %d vertices", i, len(c.v))
			}
		}
		if len(c.v) > 0 {
			chunks++
		}
	}
	if chunks != 2 {
		t.Errorf("%d chunks, want 2 for 80,000 vertices", chunks)
	}
}

func TestRendererCullsAndSimplifies(t *testing.T) {
	w := donburi.NewWorld()
	a := mkNode(w, 0, ev(0, 0, "a", "T"))
	b := mkNode(w, 1, ev(40, 0, "a", "T"))
	mkNode(w, 2, spec{components.ElementObject, components.ShapeCircle, 0, 40, "", "value"})
	far := mkNode(w, 3, ev(5000, 5000, "a", "T"))
	mkEdge(w, b, a, components.EdgePrevious)
	mkEdge(w, far, b, components.EdgeParent)
	var m Marks
	s := gathered(w, &m)
	r := NewRenderer(assets.NewWhite())
	tests := []struct {
		name                 string
		cam                  Camera
		marks                Marks
		nodes, edges, labels int
		vertices             int
	}{
		// Diamonds 4 + 4, circle 1+16, far node culled; edge b→a: line 4 + arrow 3; the
		// parent edge from the far node still crosses the screen: dashes.
		{"zoomed in", Camera{Zoom: 2, Width: 400, Height: 300}, Marks{}, 3, 2, 3, -1},
		// Everything on screen as one-triangle dots and edges as one-triangle needles, no
		// labels.
		{"zoomed out", Camera{CenterX: 2500, CenterY: 2500, Zoom: 0.01, Width: 400, Height: 300}, Marks{}, 4, 2, 0, 4*3 + 2*3},
		{"a filter hides nodes and their edges", Camera{Zoom: 2, Width: 400, Height: 300}, Marks{Filter: Filter{Kind: components.ElementObject, Type: "value"}}, 1, 0, 1, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.Gather(w, &tc.marks)
			r.Build(s, tc.cam, ColorByKind)
			st := r.Stats
			if st.Nodes != tc.nodes || st.Edges != tc.edges || st.Labels != tc.labels {
				t.Errorf("drew %d nodes, %d edges, %d labels; want %d, %d, %d", st.Nodes, st.Edges, st.Labels, tc.nodes, tc.edges, tc.labels)
			}
			if tc.vertices >= 0 && st.Vertices != tc.vertices {
				t.Errorf("%d vertices, want %d", st.Vertices, tc.vertices)
			}
		})
	}
}

func TestParseColorMode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ColorMode
		ok   bool
	}{
		{"", ColorByKind, true}, {"kind", ColorByKind, true}, {"aggregate", ColorByAggregate, true},
		{"type", ColorByType, true}, {"Type", 0, false}, {"rainbow", 0, false},
	} {
		got, err := ParseColorMode(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseColorMode(%q) = %v, %v", tc.in, got, err)
		}
		if tc.ok && tc.in != "" && got.String() != tc.in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), tc.in)
		}
	}
	if ColorByType.Next() != ColorByKind || ColorByKind.Next() != ColorByAggregate {
		t.Error("Next does not cycle kind → aggregate → type → kind")
	}
}

func TestSceneGatherMirrorsMarksAndDropsDanglingEdges(t *testing.T) {
	w := donburi.NewWorld()
	a := mkNode(w, 0, ev(0, 0, "x", "T"))
	b := mkNode(w, 1, ev(10, 0, "x", "T"))
	c := mkNode(w, 2, ev(20, 0, "y", "U"))
	unplaced := mkNode(w, 3, ev(30, 0, "y", "U"))
	components.DddElement.Get(w.Entry(unplaced)).Index = -1
	mkEdge(w, b, a, components.EdgePrevious)
	mkEdge(w, c, b, components.EdgeParent)
	m := Marks{Hovered: a, Selected: b, Filter: Filter{Aggregate: "x"}}
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
