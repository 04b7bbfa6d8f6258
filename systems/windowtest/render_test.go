package windowtest

import (
	"bytes"
	"image"
	"image/color"
	"testing"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/yohamta/donburi"
	donburiecs "github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/render"
	"github.com/jetdag/jetdag/systems"
)

// Nodes of the shape world, in world units; with the camera at zoom 2 centred on (0, 0)
// a 640×480 screen shows them at (320 + 2x, 240 + 2y), radius 16 pixels.
func shapeWorld() (donburi.World, []donburi.Entity) {
	w := donburi.NewWorld()
	es := []donburi.Entity{
		spawn(w, 0, event(0, 0, "order-1", "OrderPlaced")),
		spawn(w, 1, event(60, 0, "order-1", "OrderPaid")),
		spawn(w, 2, node{components.ElementObject, components.ShapeCircle, 0, 60, "", "value", components.ObjectGreen(), components.ObjectYellow()}),
		spawn(w, 3, node{components.ElementObject, components.ShapeSquare, 60, 60, "", "file", components.FileOrange(), components.ObjectYellow()}),
		spawn(w, 4, node{components.ElementRejected, components.ShapeWarning, -60, 0, "order-1", "", components.RejectedRed(), components.RejectedWhite()}),
		spawn(w, 5, event(-60, 60, "customer-9", "CustomerCreated")),
	}
	link(w, es[1], es[0], components.EdgePrevious)
	link(w, es[1], es[5], components.EdgeParent)
	return w, es
}

func screenOf(x, y float64) (float64, float64) { return 320 + 2*x, 240 + 2*y }

func TestRenderShapesAndColours(t *testing.T) {
	w, es := shapeWorld()
	cam := components.Viewport{Zoom: 2, Width: 640, Height: 480}

	type probe struct {
		name string
		x, y float64 // world
		want color.RGBA
		// agg or typ, when set: want is the colour the scene gave that aggregate or type
		// (the one the legend shows).
		agg, typ string
	}
	diamond := func(name string, x, y float64, c color.RGBA) probe { return probe{name: name, x: x, y: y, want: c} }
	ofAgg := func(name string, x, y float64) probe { return probe{name: name, x: x, y: y, agg: name} }
	ofType := func(name string, x, y float64) probe { return probe{name: name, x: x, y: y, typ: name} }
	tests := []struct {
		name   string
		setup  func(e *donburiecs.ECS)
		probes []probe
	}{
		{
			name: "kinds",
			probes: []probe{
				diamond("event diamond centre is blue", 0, 0, components.EventBlue()),
				diamond("event diamond inside |dx|+|dy|<r", 3, 3, components.EventBlue()),
				diamond("outside the diamond's corner is background", 6.5, 6.5, systems.Background()),
				diamond("circle object is green", 0, 60, components.ObjectGreen()),
				diamond("file object square is orange (corner inside the square)", 60+6, 60+6, components.FileOrange()),
				diamond("rejected triangle is red", -60-3, 3, components.RejectedRed()),
				diamond("background between nodes", 30, 30, systems.Background()),
			},
		},
		{
			name:  "selected node is cyan, its cone too, others dimmed",
			setup: func(e *donburiecs.ECS) { systems.Select(e, es[1]); systems.SetCamera(e, cam) }, // back where the probes look
			probes: []probe{
				diamond("selected event", 60, 0, components.EventCyan()),
				diamond("its previous event (cone)", 0, 0, components.EventCyan()),
				diamond("its parent (cone)", -60, 60, components.EventCyan()),
				diamond("object off the cone is dimmed", 0, 60, blend(components.ObjectGreen(), systems.Background(), 0.28)),
			},
		},
		{
			name:  "colour by aggregate",
			setup: func(e *donburiecs.ECS) { systems.GetOrCreateSettings(e).ColorMode = components.ColorByAggregate },
			probes: []probe{
				ofAgg("order-1", 0, 0),
				ofAgg("customer-9", -60, 60),
				diamond("objects keep their colour", 0, 60, components.ObjectGreen()),
			},
		},
		{
			name:  "colour by type",
			setup: func(e *donburiecs.ECS) { systems.GetOrCreateSettings(e).ColorMode = components.ColorByType },
			probes: []probe{
				ofType("OrderPlaced", 0, 0),
				ofType("OrderPaid", 60, 0),
			},
		},
		{
			name:  "filter by aggregate hides the rest",
			setup: func(e *donburiecs.ECS) { systems.SetFilter(e, components.FilterData{Aggregate: "order-1"}) },
			probes: []probe{
				diamond("order-1 event shown", 0, 0, components.EventBlue()),
				diamond("customer-9 event hidden", -60, 60, systems.Background()),
				diamond("object hidden", 0, 60, systems.Background()),
				diamond("rejected message of order-1 shown", -60-3, 3, components.RejectedRed()),
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newViewGame(t, w, systems.Options{Width: 640, Height: 480})
			systems.SetCamera(g.ecs, cam)
			systems.UpdateScene(g.ecs) // so that a setup can select
			if tc.setup != nil {
				tc.setup(g.ecs)
			}
			img := snapshot(t, g, 640, 480, 3)
			seen := map[color.RGBA]string{}
			for _, p := range tc.probes {
				if p.agg != "" || p.typ != "" {
					onLoop(t, func() {
						sc := systems.SceneOf(g.ecs)
						if p.agg != "" {
							p.want = sc.AggregateColor(p.agg)
						} else {
							p.want = sc.TypeColor(p.typ)
						}
					})
					if p.want == (color.RGBA{}) {
						t.Errorf("%s: the scene gave it no colour", p.name)
					}
					if other, ok := seen[p.want]; ok {
						t.Errorf("%s and %s share the colour %v: the first aggregates and types must differ", p.name, other, p.want)
					}
					seen[p.want] = p.name
				}
				sx, sy := screenOf(p.x, p.y)
				if got := at(img, sx, sy); !near(got, p.want, 3) {
					t.Errorf("%s: pixel (%.0f, %.0f) = %v, want %v", p.name, sx, sy, got, p.want)
				}
			}
		})
	}
}

func TestRenderEdges(t *testing.T) {
	w, _ := shapeWorld()
	g := newViewGame(t, w, systems.Options{Width: 640, Height: 480})
	systems.SetCamera(g.ecs, components.Viewport{Zoom: 2, Width: 640, Height: 480})
	img := snapshot(t, g, 640, 480, 3)
	// The Previous edge runs from (60,0) to (0,0): halfway it is the edge colour over the
	// background; the arrowhead sits just outside the target diamond.
	mid := at(img, 320+60, 240)
	want := blend(systems.PreviousEdgeColor(), systems.Background(), float64(systems.PreviousEdgeColor().A)/255)
	if !near(mid, want, 12) {
		t.Errorf("previous edge midpoint = %v, want about %v", mid, want)
	}
	arrow := at(img, 320+16+4, 240)
	if near(arrow, systems.Background(), 10) {
		t.Errorf("no arrowhead next to the target diamond: %v", arrow)
	}
	// The parent edge from (60,0) to (-60,60) is dashed: along it some pixels are edge
	// colour and some background.
	var lit, dark int
	for k := 30; k <= 90; k++ {
		f := float64(k) / 120
		x, y := screenOf(60-120*f, 60*f)
		if near(at(img, x, y), systems.Background(), 8) {
			dark++
		} else {
			lit++
		}
	}
	if lit == 0 || dark == 0 {
		t.Errorf("parent edge not dashed: %d lit and %d dark samples", lit, dark)
	}
}

func TestRenderSplitsBatchesAt65536Vertices(t *testing.T) {
	// 20,000 diamonds are 80,000 vertices: two DrawTriangles calls; the last node, in the
	// second call, must be on screen.
	w := donburi.NewWorld()
	const n = 20000
	for i := 0; i < n; i++ {
		spawn(w, i, event(float64(i%200)*3, float64(i/200)*3, "a", "T"))
	}
	g := newViewGame(t, w, systems.Options{Width: 640, Height: 480})
	systems.SetCamera(g.ecs, components.Viewport{CenterX: 300, CenterY: 150, Zoom: 1, Width: 640, Height: 480})
	img := snapshot(t, g, 640, 480, 2)
	st := g.draw.Renderer.Stats
	if st.Calls != 2 || st.Vertices != 4*n {
		t.Errorf("calls %d vertices %d, want 2 and %d", st.Calls, st.Vertices, 4*n)
	}
	// Last node at world (597, 297) → screen (617, 387).
	if got := at(img, 617, 387); !near(got, components.EventBlue(), 3) {
		t.Errorf("last node (second batch) = %v, want blue", got)
	}
}

// blend is c with alpha a over bg, as the GPU composes it.
func blend(c, bg color.RGBA, a float64) color.RGBA {
	mix := func(x, y uint8) uint8 { return uint8(float64(x)*a + float64(y)*(1-a) + 0.5) }
	return color.RGBA{mix(c.R, bg.R), mix(c.G, bg.G), mix(c.B, bg.B), 0xff}
}

func TestSettledPictureIsReused(t *testing.T) {
	w, es := shapeWorld()
	g := newViewGame(t, w, systems.Options{Width: 640, Height: 480})
	systems.SetCamera(g.ecs, components.Viewport{Zoom: 2, Width: 640, Height: 480})
	var first, last *image.RGBA
	err := run(t, g, 640, 480, 6, func(screen *ebiten.Image, frame int) {
		switch frame {
		case 1:
			first = render.Capture(screen)
		case 6:
			last = render.Capture(screen)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !g.draw.Renderer.Stats.Cached {
		t.Error("frame 6 of an unchanged scene was drawn again, not copied")
	}
	if !bytes.Equal(first.Pix, last.Pix) {
		t.Error("the reused picture differs from the drawn one")
	}
	// A change (a selection) draws again, and shows.
	onLoop(t, func() { systems.Select(g.ecs, es[0]) })
	img := snapshot(t, g, 640, 480, 1)
	if g.draw.Renderer.Stats.Cached {
		t.Error("a changed scene was copied from the cache")
	}
	if got := at(img, 320, 240); !near(got, components.EventCyan(), 3) {
		t.Errorf("selected node %v after the cache, want cyan", got)
	}
}

func TestLargeGraphZoomedOut(t *testing.T) {
	w := donburi.NewWorld()
	syntheticDAG(w, 10000, 13000)
	g := newViewGame(t, w, systems.Options{Width: 1280, Height: 800})
	g.hud = true
	img := snapshot(t, g, 1280, 800, 5) // fits by itself on the first frame
	keep(t, "large.png", img)
	st := g.draw.Renderer.Stats
	if st.Nodes != 10000 || st.Edges != 13000 {
		t.Errorf("drew %d nodes and %d edges, want all 10000 and 13000 (fitted)", st.Nodes, st.Edges)
	}
	// Zoomed out, nodes and edges go into the density pictures: no vertices at all.
	if st.DensityNodes != 10000 || st.DensityEdges != 13000 || st.Vertices != 0 {
		t.Errorf("%d nodes and %d edges as density, %d vertices: want 10000, 13000 and 0", st.DensityNodes, st.DensityEdges, st.Vertices)
	}
	blue := 0
	for y := 0; y < 800; y++ {
		for x := 0; x < 1280; x++ {
			if near(img.RGBAAt(x, y), components.EventBlue(), 3) {
				blue++
			}
		}
	}
	if blue < 10000 {
		t.Errorf("%d event-blue pixels, want at least one a node", blue)
	}
}
