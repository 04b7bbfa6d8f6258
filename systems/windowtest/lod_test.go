package windowtest

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems"
)

// clusteredDAG is the synthetic DAG of the frame benchmark with its nodes moved into two
// round clusters, as a settled force layout gathers them: half in a wide halo, half in a core
// a quarter as wide, both centred on (0, 0).
func clusteredDAG(w donburi.World, n, edges int) []donburi.Entity {
	es := syntheticDAG(w, n, edges)
	rng := rand.New(rand.NewPCG(5, 6))
	for i, e := range es {
		sigma := 800.0
		if i%2 == 0 {
			sigma = 200
		}
		components.Position.SetValue(w.Entry(e), components.PositionData{X: rng.NormFloat64() * sigma, Y: rng.NormFloat64() * sigma})
	}
	return es
}

func luma(img *image.RGBA, x, y int) float64 {
	c := img.RGBAAt(x, y)
	return 0.2126*float64(c.R) + 0.7152*float64(c.G) + 0.0722*float64(c.B)
}

// TestDensityZoomedOut: 20,000 nodes fitted on the screen are drawn as the density picture
// (every node counted, a handful of draw calls), which is neither empty nor flat: the dense
// core is brighter than the sparse halo and the pixels take many values. Zoomed in, the
// same graph is drawn as shapes again.
func TestDensityZoomedOut(t *testing.T) {
	const n, m = 20000, 26000
	w := donburi.NewWorld()
	clusteredDAG(w, n, m)
	g := newViewGame(t, w, systems.Options{Width: 1280, Height: 800})
	g.hud = true
	img := snapshot(t, g, 1280, 800, 5) // fits by itself on the first frame
	keep(t, "density.png", img)
	st := g.draw.Renderer.Stats
	if st.Nodes != n || st.DensityNodes != n {
		t.Errorf("drew %d nodes, %d of them as density: want all %d as density", st.Nodes, st.DensityNodes, n)
	}
	if st.DensityEdges == 0 || st.Edges != st.DensityEdges {
		t.Errorf("drew %d edges, %d as density: want all of them as density", st.Edges, st.DensityEdges)
	}
	if st.Calls > 3 || (st.Calls == 0 && !st.Cached) {
		t.Errorf("%d draw calls for the graph (copied: %v), want 1 to 3 (edge picture, node picture) or the settled copy", st.Calls, st.Cached)
	}
	if st.Vertices != 0 {
		t.Errorf("%d vertices built zoomed out, want none", st.Vertices)
	}

	cam := systems.GetOrCreateCamera(g.ecs).Viewport
	cx, cy := cam.WorldToScreen(0, 0)
	px := cam.Zoom // pixels a world unit
	bg := systems.Background()
	// Rings around the centre, in world units: the core (σ 200) and the halo beyond it.
	var coreSum, haloSum float64
	var coreN, haloN, lit int
	levels := map[uint8]bool{}
	for y := 0; y < 800; y++ {
		for x := 0; x < 1280; x++ {
			c := img.RGBAAt(x, y)
			if near(c, bg, 2) {
				continue
			}
			lit++
			levels[uint8(luma(img, x, y))] = true
			r := math.Hypot(float64(x)-cx, float64(y)-cy) / px
			switch {
			case r < 150:
				coreSum += luma(img, x, y)
				coreN++
			case r > 900 && r < 1500:
				haloSum += luma(img, x, y)
				haloN++
			}
		}
	}
	if lit < n/4 {
		t.Fatalf("%d pixels differ from the background, want at least %d for %d nodes", lit, n/4, n)
	}
	if coreN == 0 || haloN == 0 {
		t.Fatalf("no drawn pixels in the core (%d) or in the halo (%d)", coreN, haloN)
	}
	core, halo := coreSum/float64(coreN), haloSum/float64(haloN)
	t.Logf("%d lit pixels, %d brightness levels, core mean %.1f, halo mean %.1f, zoom %.3f", lit, len(levels), core, halo, cam.Zoom)
	if core < halo+20 {
		t.Errorf("core brightness %.1f, halo %.1f: the dense core should read brighter", core, halo)
	}
	if len(levels) < 32 {
		t.Errorf("%d brightness levels among the drawn pixels, want at least 32 (a picture, not a flat disc)", len(levels))
	}

	// Zoomed in on the halo, where diamonds seldom overlap: shapes, no density.
	systems.SetCamera(g.ecs, components.Viewport{CenterX: 1500, Zoom: 2, Width: 1280, Height: 800})
	img = snapshot(t, g, 1280, 800, 2)
	keep(t, "density-zoomed-in.png", img)
	st = g.draw.Renderer.Stats
	if st.DensityNodes != 0 || st.DensityEdges != 0 {
		t.Errorf("zoomed in, %d nodes and %d edges drawn as density, want none", st.DensityNodes, st.DensityEdges)
	}
	if st.Nodes == 0 || st.Nodes == n || st.Vertices < 4*st.Nodes {
		t.Errorf("zoomed in: %d nodes drawn (of %d, culled to the screen) with %d vertices, want shapes of at least 4 vertices", st.Nodes, n, st.Vertices)
	}
	blue := 0
	for y := 0; y < 800; y++ {
		for x := 0; x < 1280; x++ {
			if near(img.RGBAAt(x, y), components.EventBlue(), 3) {
				blue++
			}
		}
	}
	// A diamond of radius 16 pixels covers about 2·16² = 512 pixels.
	if blue < 150*st.Nodes {
		t.Errorf("%d event-blue pixels for %d diamonds of radius 16 px, want at least %d", blue, st.Nodes, 150*st.Nodes)
	}
}
