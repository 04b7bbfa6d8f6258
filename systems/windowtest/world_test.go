package windowtest

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"math"
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
	"github.com/yohamta/donburi"
	donburiecs "github.com/yohamta/donburi/ecs"
	"github.com/yohamta/donburi/filter"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/archetypes"
	"github.com/jetdag/jetdag/components/worldtest"
	"github.com/jetdag/jetdag/render"
	"github.com/jetdag/jetdag/systems"
)

// node describes one node of a hand-built world.
type node struct {
	kind  components.ElementKind
	shape components.Shape
	x, y  float64
	agg   string
	typ   string
	base  color.RGBA
	light color.RGBA
}

func event(x, y float64, agg, typ string) node {
	return node{components.ElementEvent, components.ShapeDiamond, x, y, agg, typ, components.EventBlue(), components.EventCyan()}
}

func testCID(i int) cid.Cid {
	h, err := multihash.Sum([]byte(fmt.Sprint("node ", i)), multihash.SHA2_256, -1)
	if err != nil {
		panic(err)
	}
	return cid.NewCidV1(cid.DagCBOR, h)
}

// spawn adds n to w as the model would: a node entity of its kind's archetype.
func spawn(w donburi.World, i int, n node) donburi.Entity {
	entry := archetypes.For(n.kind).Spawn(w)
	e := entry.Entity()
	d := components.DddElementData{Kind: n.kind, Index: int32(i), Seq: uint64(i + 1), AggregateID: n.agg, CreatedAt: int64(i+1) * 1e9}
	switch n.kind {
	case components.ElementRejected:
		components.Rejected.SetValue(entry, components.RejectedData{Reason: "forged CID"})
	default:
		d.Type = n.typ
		d.CID = testCID(i)
	}
	components.DddElement.SetValue(entry, d)
	components.GraphNodeVisual.SetValue(entry, components.GraphNodeVisualData{BaseColor: n.base, HighlightColor: n.light, Size: 0.5, Shape: n.shape})
	components.Position.SetValue(entry, components.PositionData{X: n.x, Y: n.y})
	return e
}

// link adds an edge and, like an event block, names its target as previous or parent.
func link(w donburi.World, from, to donburi.Entity, kind components.EdgeKind) {
	fe := w.Entry(from)
	ed := components.Edges.Get(fe)
	ed.Out = append(ed.Out, components.Edge{To: to, Kind: kind})
	if !fe.HasComponent(components.Event) {
		return
	}
	ev := components.Event.Get(fe)
	target := components.DddElement.Get(w.Entry(to)).CID
	switch kind {
	case components.EdgePrevious:
		ev.PreviousCID = target
	case components.EdgeParent:
		ev.ParentCIDs = append(ev.ParentCIDs, target)
	}
}

// viewGame runs the window's systems and drawing over a hand-built world: the window's
// stages without the model's.
type viewGame struct {
	ecs    *donburiecs.ECS
	draw   *render.Drawer
	reader render.InputReader
	input  bool // run the input stage (reads the real, idle, cursor)
	hud    bool // draw labels, inspector and HUD too
	// fed keeps the world's GraphStats as a connected, caught-up source's graph would (the
	// world's own counts) and the HUD's FPS as measured, so that the status bar of a picture
	// for the docs reads as a real window's, not "no source · catching up … 0 FPS".
	fed bool
}

// feed makes g a fed game and, should Ebiten not have measured the frame rate yet (it does
// each second, so the first test of the process would show 0 FPS), runs it on a w×h screen
// until it has.
func (g *viewGame) feed(t testing.TB, w, h int) {
	t.Helper()
	g.fed = true
	fps := func() (f float64) {
		onLoop(t, func() { f = ebiten.ActualFPS() })
		return f
	}
	for deadline := time.Now().Add(10 * time.Second); fps() == 0 && time.Now().Before(deadline); {
		if err := run(t, g, w, h, 10, nil); err != nil {
			t.Fatal(err)
		}
	}
	// The status bar is rewritten every quarter second: the next frame writes it afresh,
	// with the frame rate measured.
	onLoop(t, func() { systems.GetOrCreateHUD(g.ecs).StatusAt = time.Time{} })
}

// realStatus fails t unless the status bar g last drew reads as a real window's: connected
// and caught up, a measured frame rate, and each of wants.
func (g *viewGame) realStatus(t testing.TB, wants ...string) {
	t.Helper()
	var drawn string
	onLoop(t, func() { drawn = systems.GetOrCreateHUD(g.ecs).Status })
	for _, want := range append([]string{"connected · live"}, wants...) {
		if !contains(drawn, want) {
			t.Errorf("status bar drawn %q lacks %q", drawn, want)
		}
	}
	if contains(drawn, " 0 FPS") || contains(drawn, "no source") {
		t.Errorf("status bar drawn %q: a test harness's, not a window's", drawn)
	}
}

// feedStats sets w's GraphStats (creating it) to what the graph of a connected source that
// has caught up would hold for w: its events, objects and rejected messages counted, its
// highest stream sequence, no lag, a quiet feed.
func feedStats(w donburi.World) {
	st := components.GraphStatsData{Connection: "connected", CaughtUp: true}
	donburi.NewQuery(filter.Contains(components.DddElement)).Each(w, func(entry *donburi.Entry) {
		d := components.DddElement.Get(entry)
		switch d.Kind {
		case components.ElementEvent:
			st.Events++
		case components.ElementObject:
			st.Objects++
		case components.ElementRejected:
			st.Rejected++
		}
		st.LastSeq = max(st.LastSeq, d.Seq)
		if entry.HasComponent(components.Edges) {
			for _, ed := range components.Edges.Get(entry).Out {
				if ed.Kind == components.EdgeLink {
					st.Links++
				}
			}
		}
	})
	st.CatchUpTarget = st.LastSeq
	entry, ok := components.GraphStats.First(w)
	if !ok {
		entry = w.Entry(w.Create(components.GraphStats))
	}
	components.GraphStats.SetValue(entry, st)
}

func newViewGame(t testing.TB, w donburi.World, opts systems.Options) *viewGame {
	t.Helper()
	var d *render.Drawer
	var err error
	onLoop(t, func() { d, err = render.NewDrawer() })
	if err != nil {
		t.Fatal(err)
	}
	e := donburiecs.NewECS(w)
	systems.Setup(e, opts)
	d.Attach(e)
	return &viewGame{ecs: e, draw: d}
}

func (g *viewGame) Update() error {
	if g.fed {
		feedStats(g.ecs.World)
		systems.GetOrCreateHUD(g.ecs).FPS = ebiten.ActualFPS()
	}
	systems.UpdateTimeline(g.ecs)
	systems.UpdateScene(g.ecs)
	if g.input {
		g.reader.Read(systems.GetOrCreateInput(g.ecs))
		systems.UpdateInput(g.ecs)
	}
	systems.UpdateCamera(g.ecs)
	systems.UpdateInspector(g.ecs)
	systems.UpdateHUD(g.ecs)
	return nil
}

func (g *viewGame) Draw(screen *ebiten.Image) {
	g.draw.DrawGraph(g.ecs, screen)
	if g.hud {
		g.draw.DrawLabels(g.ecs, screen)
		g.draw.DrawInspector(g.ecs, screen)
		g.draw.DrawHUD(g.ecs, screen)
	}
}

func (g *viewGame) Layout(w, h int) (int, int) {
	systems.Resize(g.ecs, w, h)
	return w, h
}

// snapshot runs g for frames frames on a w×h screen and returns the last frame's pixels.
func snapshot(t testing.TB, g ebiten.Game, w, h, frames int) *image.RGBA {
	t.Helper()
	var img *image.RGBA
	err := run(t, g, w, h, frames, func(screen *ebiten.Image, frame int) {
		if frame == frames {
			img = render.Capture(screen)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if img == nil {
		t.Fatal("no frame captured")
	}
	return img
}

// near reports whether two colours differ by at most tol in every channel.
func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) bool { return int(x)-int(y) <= tol && int(y)-int(x) <= tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

func at(img *image.RGBA, x, y float64) color.RGBA {
	return img.RGBAAt(int(math.Round(x)), int(math.Round(y)))
}

// syntheticDAG builds n events in per-aggregate chains (200 aggregates) plus cross parents
// up to edges edges, laid out on a jittered grid like a settled force layout (neighbours
// about 30 apart).
func syntheticDAG(w donburi.World, n, edges int) []donburi.Entity {
	return worldtest.SyntheticDAG(w, n, edges)
}

// fetchJSON is a payload fetcher over fixed bytes: a JSON document for every CID.
func fetchJSON(_ context.Context, c cid.Cid) ([]byte, error) {
	return []byte(`{"order":"` + c.String()[:12] + `","total":{"amount":4200,"currency":"EUR"},"lines":[{"sku":"A-1","qty":2}]}`), nil
}

func rgbaOf(r, g, b uint32) color.RGBA {
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0xff}
}
