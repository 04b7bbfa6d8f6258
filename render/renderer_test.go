package render

import (
	"bytes"
	"slices"
	"testing"

	"github.com/jetdag/jetdag/components/worldtest"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/assets"
	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems"
)

func TestRendererBuildAllocatesNothing(t *testing.T) {
	w := donburi.NewWorld()
	worldtest.DAG(w, 10000, 13000)
	var m systems.Marks
	s := gathered(w, &m)
	r := NewRenderer(assets.NewWhite())
	cam := components.Fit(s.Bounds, 1280, 800, 40)
	zoomed := cam
	zoomed.Zoom = 3 // dashes, arrows, labels
	for _, c := range []components.Viewport{cam, zoomed} {
		r.Build(s, c, components.ColorByAggregate) // grow the buffers
		if allocs := testing.AllocsPerRun(10, func() { r.built = buildKey{}; r.Build(s, c, components.ColorByAggregate) }); allocs != 0 {
			t.Errorf("zoom %v: Build allocates %v times a frame, want 0", c.Zoom, allocs)
		}
	}
}

// A build of what was built last (the same scene signature, camera and colour mode) keeps
// the batch and the density pictures; any change, or an arrival pulse, builds afresh.
func TestRendererKeepsUnchangedBuild(t *testing.T) {
	w := donburi.NewWorld()
	worldtest.DAG(w, 2000, 2600)
	var m systems.Marks
	s := gathered(w, &m)
	r := NewRenderer(assets.NewWhite())
	cam := components.Fit(s.Bounds, 1280, 800, 40)
	cam.Zoom /= 8 // zoomed out: the nodes are dots, drawn as density
	r.Build(s, cam, components.ColorByAggregate)
	want := r.Stats
	if want.DensityNodes == 0 {
		t.Fatalf("fitted 2000 nodes drew no density: %+v", want)
	}
	steps := []struct {
		what    string
		do      func()
		rebuild bool
	}{
		{"the same frame", func() {}, false},
		{"a camera move", func() { cam.Pan(10, 0) }, true},
		{"the same camera again", func() {}, false},
		{"a colour mode", func() {}, true},
		{"a node moved (gathered again)", func() {
			components.Position.Get(w.Entry(s.Nodes[0].Entity)).X += 50
			s.Gather(w, &m)
		}, true},
		{"a pulse", func() { s.Pulses = append(s.Pulses[:0], systems.Pulse{Node: 0, Value: 0.5}) }, true},
		{"the pulse again (it moves every frame)", func() {}, true},
		{"the pulse gone (its ring must go too)", func() { s.Pulses = s.Pulses[:0] }, true},
		{"nothing after it", func() {}, false},
	}
	mode := components.ColorByAggregate
	for _, st := range steps {
		st.do()
		if st.what == "a colour mode" {
			mode = components.ColorByType
		}
		before := r.Builds
		r.Build(s, cam, mode)
		if got := r.Builds > before; got != st.rebuild {
			t.Errorf("%s: built afresh %v, want %v", st.what, got, st.rebuild)
		}
	}
	if r.Stats.DensityNodes != want.DensityNodes {
		t.Errorf("kept build's stats %+v, want the density of %d nodes", r.Stats, want.DensityNodes)
	}
}

func TestRendererBatches(t *testing.T) {
	w := donburi.NewWorld()
	const n = 20000
	for i := 0; i < n; i++ {
		worldtest.Node(w, i, worldtest.Event(float64(i%200)*3, float64(i/200)*3, "a", "T"))
	}
	var m systems.Marks
	s := gathered(w, &m)
	r := NewRenderer(assets.NewWhite())
	r.Build(s, components.Viewport{CenterX: 300, CenterY: 150, Zoom: 1, Width: 640, Height: 480}, components.ColorByKind)
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
	a := worldtest.Node(w, 0, worldtest.Event(0, 0, "a", "T"))
	b := worldtest.Node(w, 1, worldtest.Event(40, 0, "a", "T"))
	worldtest.Node(w, 2, worldtest.Spec{Kind: components.ElementObject, Shape: components.ShapeCircle, X: 0, Y: 40, Agg: "", Type: "value"})
	far := worldtest.Node(w, 3, worldtest.Event(5000, 5000, "a", "T"))
	worldtest.Edge(w, b, a, components.EdgePrevious)
	worldtest.Edge(w, far, b, components.EdgeParent)
	var m systems.Marks
	s := gathered(w, &m)
	r := NewRenderer(assets.NewWhite())
	tests := []struct {
		name                 string
		cam                  components.Viewport
		marks                systems.Marks
		nodes, edges, labels int
		vertices             int
	}{
		// Diamonds 4 + 4, circle 1+16, far node culled; edge b→a: line 4 + arrow 3; the
		// parent edge from the far node still crosses the screen: dashes.
		{"zoomed in", components.Viewport{Zoom: 2, Width: 400, Height: 300}, systems.Marks{}, 3, 2, 3, -1},
		// Everything on screen goes into the density pictures: no vertices, no labels.
		{"zoomed out", components.Viewport{CenterX: 2500, CenterY: 2500, Zoom: 0.01, Width: 400, Height: 300}, systems.Marks{}, 4, 2, 0, 0},
		{"a filter hides nodes and their edges", components.Viewport{Zoom: 2, Width: 400, Height: 300}, systems.Marks{Filter: components.FilterData{Kind: components.ElementObject, Type: "value"}}, 1, 0, 1, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.Gather(w, &tc.marks)
			r.Build(s, tc.cam, components.ColorByKind)
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

// The newest checkpoint's events (the k key) are drawn lit and everything else dimmed, as a
// selection's cone is: without the highlight no vertex is dimmed.
func TestRendererDimsOutsideTheCheckpoint(t *testing.T) {
	w := donburi.NewWorld()
	worldtest.Node(w, 0, worldtest.Event(0, 0, "a", "T"))  // seq 1: before the checkpoint
	worldtest.Node(w, 1, worldtest.Event(40, 0, "a", "T")) // seq 2: the checkpoint's
	r := NewRenderer(assets.NewWhite())
	cam := components.Viewport{Zoom: 2, Width: 400, Height: 300}
	alphas := func(m systems.Marks) (dim, lit int) {
		s := gathered(w, &m)
		r.Build(s, cam, components.ColorByKind)
		for _, c := range r.graph.chunks {
			for _, v := range c.v {
				switch {
				case v.ColorA < 0.5:
					dim++
				case v.ColorA > 0.99:
					lit++
				}
			}
		}
		return dim, lit
	}
	if dim, lit := alphas(systems.Marks{}); dim != 0 || lit == 0 {
		t.Fatalf("no highlight: %d dimmed vertices, %d lit", dim, lit)
	}
	dim, lit := alphas(systems.Marks{LogOn: true, LogFrom: 1, LogTo: 2})
	if dim == 0 || lit == 0 {
		t.Fatalf("checkpoint highlight: %d dimmed vertices, %d lit; want both", dim, lit)
	}
}

// TestBatchReleasesUnusedChunks: after one large frame, a batch that stays small drops the
// chunks it no longer uses, releaseAfter frames later.
func TestBatchReleasesUnusedChunks(t *testing.T) {
	b := newBatch(assets.NewWhite())
	for k := 0; k < 50000; k++ { // 200,000 vertices: 4 chunks
		b.rect(0, 0, 1, 1, fcolor{1, 1, 1, 1})
	}
	if len(b.chunks) != 4 {
		t.Fatalf("%d chunks for 200,000 vertices, want 4", len(b.chunks))
	}
	for f := 0; f <= releaseAfter+1; f++ {
		b.reset()
		b.rect(0, 0, 1, 1, fcolor{1, 1, 1, 1})
	}
	if len(b.chunks) != 1 {
		t.Errorf("%d chunks kept after %d small frames, want 1", len(b.chunks), releaseAfter+1)
	}
}

// TestRendererCrowdedFrameIsDensity: more than maxShapeNodes nodes on screen are drawn as
// density even when each is big enough for a shape.
func TestRendererCrowdedFrameIsDensity(t *testing.T) {
	w := donburi.NewWorld()
	const n = maxShapeNodes + 5000
	for i := 0; i < n; i++ {
		worldtest.Node(w, i, worldtest.Event(float64(i%250)*2, float64(i/250)*2, "a", "T"))
	}
	var m systems.Marks
	s := gathered(w, &m)
	r := NewRenderer(assets.NewWhite())
	r.Build(s, components.Viewport{CenterX: 250, CenterY: 100, Zoom: 1, Width: 640, Height: 480}, components.ColorByKind)
	if r.Stats.DensityNodes != n || r.Stats.Vertices != 0 {
		t.Errorf("%d of %d nodes as density, %d vertices: want all as density, none as shapes", r.Stats.DensityNodes, n, r.Stats.Vertices)
	}
}

// TestRendererManyEdgesSolid: past maxDashedEdges edges on screen, parent edges are one quad
// each instead of dashes; past maxShapeEdges the frame is density.
func TestRendererManyEdgesSolid(t *testing.T) {
	build := func(edges int) RenderStats {
		w := donburi.NewWorld()
		es := make([]donburi.Entity, 200)
		for i := range es {
			es[i] = worldtest.Node(w, i, worldtest.Event(float64(i%20)*30, float64(i/20)*30, "a", "T"))
		}
		for k := 0; k < edges; k++ {
			worldtest.Edge(w, es[k%200], es[(k*7+1)%200], components.EdgeParent)
		}
		var m systems.Marks
		s := gathered(w, &m)
		r := NewRenderer(assets.NewWhite())
		r.Build(s, components.Viewport{CenterX: 300, CenterY: 150, Zoom: 1, Width: 640, Height: 480}, components.ColorByKind)
		return r.Stats
	}
	few, many, crowd := build(1000), build(maxDashedEdges+1000), build(maxShapeEdges+1000)
	if few.Edges == 0 || float64(few.Vertices-4*200)/float64(few.Edges) < 8 {
		t.Errorf("1000 parent edges: %d vertices for %d edges, want dashes (several quads an edge)", few.Vertices-4*200, few.Edges)
	}
	if got := many.Vertices - 4*200; got != 4*many.Edges {
		t.Errorf("%d parent edges: %d edge vertices, want one quad (4) each", many.Edges, got)
	}
	if crowd.DensityEdges != crowd.Edges || crowd.DensityNodes != 200 {
		t.Errorf("%d edges on screen: %d as density, %d nodes as density; want all", crowd.Edges, crowd.DensityEdges, crowd.DensityNodes)
	}
}

// A build whose edges are split between two goroutines draws exactly what one goroutine
// draws: the same batch (vertices and indices, in order), the same density pictures and boxes
// and the same figures, zoomed out (density), with a selection's lit cone over dimmed edges,
// and zoomed in (needles, dashes, arrowheads).
func TestRendererSplitEdgesDrawTheSame(t *testing.T) {
	w := donburi.NewWorld()
	es := worldtest.DAG(w, 10000, 13000)
	var m systems.Marks
	s := gathered(w, &m)
	cam := components.Fit(s.Bounds, 1280, 800, 40)
	zoomed := cam
	zoomed.Zoom = 3
	mid := cam
	mid.Zoom *= 6 // dots and shapes both on screen
	lit := systems.Marks{Selected: es[5000]}
	lit.SetHighlighted(es[4000:5001])
	for _, tc := range []struct {
		name  string
		cam   components.Viewport
		marks *systems.Marks
	}{
		{"fitted", cam, &m},
		{"fitted, a selection lit", cam, &lit},
		{"zoomed in", zoomed, &m},
		{"zoomed in, a selection lit", zoomed, &lit},
		{"half way", mid, &lit},
	} {
		s.Gather(w, tc.marks)
		one, two := NewRenderer(assets.NewWhite()), NewRenderer(assets.NewWhite())
		one.splitAt, two.splitAt = len(s.Edges)+1, 1
		for _, r := range []*Renderer{one, two} {
			r.Build(s, tc.cam, components.ColorByAggregate)
		}
		if one.Stats != two.Stats || !slices.Equal(one.Labels, two.Labels) {
			t.Errorf("%s: split %+v (%d labels), one goroutine %+v (%d)", tc.name, two.Stats, len(two.Labels), one.Stats, len(one.Labels))
		}
		if one.Stats.Edges == 0 {
			t.Errorf("%s: no edge drawn", tc.name)
		}
		if len(one.graph.chunks) != len(two.graph.chunks) {
			t.Fatalf("%s: %d batch chunks split, %d on one goroutine", tc.name, len(two.graph.chunks), len(one.graph.chunks))
		}
		for c := range one.graph.chunks {
			if !slices.Equal(one.graph.chunks[c].v, two.graph.chunks[c].v) || !slices.Equal(one.graph.chunks[c].i, two.graph.chunks[c].i) {
				t.Fatalf("%s: batch chunk %d differs", tc.name, c)
			}
		}
		if one.dens.EdgeBox() != two.dens.EdgeBox() || one.dens.NodeBox() != two.dens.NodeBox() {
			t.Fatalf("%s: boxes %v %v split, %v %v on one goroutine", tc.name, two.dens.EdgeBox(), two.dens.NodeBox(), one.dens.EdgeBox(), one.dens.NodeBox())
		}
		if !bytes.Equal(one.dens.EdgePixels(one.dens.EdgeBox()), two.dens.EdgePixels(two.dens.EdgeBox())) {
			t.Errorf("%s: the edge picture differs", tc.name)
		}
		if !bytes.Equal(one.dens.NodePixels(one.dens.NodeBox()), two.dens.NodePixels(two.dens.NodeBox())) {
			t.Errorf("%s: the node picture differs", tc.name)
		}
	}
}
