package render

import (
	"math"
	"slices"
	"testing"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/assets"
	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/worldtest"
	"github.com/jetdag/jetdag/systems"
)

// nearestVertex is the distance from (x, y) to the nearest vertex of the batch.
func nearestVertex(r *Renderer, x, y float64) float64 {
	best := math.Inf(1)
	for _, c := range r.graph.chunks {
		for _, v := range c.v {
			best = min(best, math.Hypot(float64(v.DstX)-x, float64(v.DstY)-y))
		}
	}
	return best
}

// With Curves (the lanes layout) a parent edge between lanes is a curve leaving and entering
// horizontally: a quarter of the way along, its vertices are on the Bézier, well off the
// straight line, where without Curves they are. An edge within a lane stays straight.
func TestRendererCurvesParentEdgesAcrossLanes(t *testing.T) {
	w := donburi.NewWorld()
	parent := worldtest.Node(w, 0, worldtest.Event(0, 0, "a", "T"))
	prev := worldtest.Node(w, 1, worldtest.Event(60, 0, "a", "T"))
	child := worldtest.Node(w, 2, worldtest.Event(120, 120, "b", "T"))
	worldtest.Edge(w, child, parent, components.EdgeParent)
	worldtest.Edge(w, prev, parent, components.EdgePrevious)
	var m systems.Marks
	s := gathered(w, &m)
	r := NewRenderer(assets.NewWhite())
	cam := components.Viewport{CenterX: 60, CenterY: 60, Zoom: 2, Width: 640, Height: 480}
	// The child is at screen (440, 360), the parent at (200, 120). At t = 1/4 the curve is
	// at x = ax + 19/64·dx, y = ay + 5/32·dy; the straight line there is 34 px higher.
	ax, ay, dx, dy := 440.0, 360.0, -240.0, -240.0
	onCurve := [2]float64{ax + dx*19/64, ay + dy*5/32}
	onLine := [2]float64{onCurve[0], ay + dy*19/64}
	// The chord's own quarter point, and the curve's near the other end (t = 3/4).
	chordQuarter := [2]float64{ax + dx/4, ay + dy/4}
	curve3 := [2]float64{ax + dx*45/64, ay + dy*27/32}
	for _, tc := range []struct {
		curves    bool
		near, far [][2]float64
	}{
		{true, [][2]float64{onCurve, curve3}, [][2]float64{onLine, chordQuarter}},
		{false, [][2]float64{onLine, chordQuarter}, [][2]float64{onCurve, curve3}},
	} {
		r.Curves = tc.curves
		r.Build(s, cam, components.ColorByKind)
		// Dashes are 6 px on and 4 off: a vertex lies within 6 px of any point of the edge.
		for _, p := range tc.near {
			if d := nearestVertex(r, p[0], p[1]); d > 6 {
				t.Errorf("curves %v: nearest vertex %.1f px from (%.1f, %.1f), want the edge there", tc.curves, d, p[0], p[1])
			}
		}
		for _, p := range tc.far {
			if d := nearestVertex(r, p[0], p[1]); d < 15 {
				t.Errorf("curves %v: a vertex %.1f px from (%.1f, %.1f), want none near", tc.curves, d, p[0], p[1])
			}
		}
	}

	// A parent edge within one row (a collapsed group's) stays a straight line.
	w = donburi.NewWorld()
	worldtest.Edge(w, worldtest.Node(w, 1, worldtest.Event(120, 0, "b", "T")), worldtest.Node(w, 0, worldtest.Event(0, 0, "a", "T")), components.EdgeParent)
	s = gathered(w, &m)
	verts := func(curves bool) []float32 {
		r.Curves = curves
		r.Build(s, cam, components.ColorByKind)
		var out []float32
		for _, c := range r.graph.chunks {
			for _, v := range c.v {
				out = append(out, v.DstX, v.DstY)
			}
		}
		return out
	}
	if a, b := verts(false), verts(true); !slices.Equal(a, b) {
		t.Errorf("a parent edge within a row: %d vertex coordinates with curves, %d without, or elsewhere", len(b), len(a))
	}
}

// The polyline dasher carries its pattern across corners: a straight path cut into pieces
// dashes exactly as the unbroken line does.
func TestDashedPathMatchesDashed(t *testing.T) {
	line := newBatch(assets.NewWhite())
	line.dashed(0, 0, 103, 0, 1, 6, 4, fcolor{1, 1, 1, 1})
	path := newBatch(assets.NewWhite())
	path.dashedPath([][2]float32{{0, 0}, {7, 0}, {33.5, 0}, {34, 0}, {80, 0}, {103, 0}}, 1, 6, 4, fcolor{1, 1, 1, 1})
	lit := func(b *batch) []bool { // which x in [0, 103) lie under a dash
		out := make([]bool, 103)
		for _, c := range b.chunks {
			for q := 0; q+3 < len(c.v); q += 4 {
				x0, x1 := min(c.v[q].DstX, c.v[q+1].DstX), max(c.v[q].DstX, c.v[q+1].DstX)
				for x := range out {
					if px := float32(x) + 0.5; px >= x0 && px < x1 {
						out[x] = true
					}
				}
			}
		}
		return out
	}
	a, b := lit(&line), lit(&path)
	for x := range a {
		if a[x] != b[x] {
			t.Fatalf("at x %d the dashed line is lit %v, the dashed path %v", x, a[x], b[x])
		}
	}
	if !a[3] || a[8] || !a[12] {
		t.Errorf("pattern: lit at 3, 8, 12 = %v %v %v, want on, off, on", a[3], a[8], a[12])
	}
}

// Curves cost no allocation a frame, dashed or solid.
func TestRendererCurvesAllocateNothing(t *testing.T) {
	w := donburi.NewWorld()
	worldtest.DAG(w, 3000, 4500)
	var m systems.Marks
	s := gathered(w, &m)
	r := NewRenderer(assets.NewWhite())
	r.Curves = true
	cam := components.Fit(s.Bounds, 1280, 800, 40)
	cam.Zoom *= 3
	cam.Stretch = 2
	r.Build(s, cam, components.ColorByAggregate)
	if allocs := testing.AllocsPerRun(10, func() { r.built = buildKey{}; r.Build(s, cam, components.ColorByAggregate) }); allocs != 0 {
		t.Errorf("Build with curves allocates %v times a frame, want 0", allocs)
	}
}
