package windowtest

import (
	"context"
	"fmt"
	"image"
	"math"
	"testing"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/ipfs/go-cid"
	"github.com/yohamta/donburi"
	donburiecs "github.com/yohamta/donburi/ecs"
	"github.com/yohamta/donburi/filter"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/layout"
	"github.com/jetdag/jetdag/render"
	"github.com/jetdag/jetdag/systems"
)

// litNear reports whether any pixel within one pixel of (x, y) differs from the background.
func litNear(img *image.RGBA, x, y float64) bool {
	for dy := -1.0; dy <= 1; dy++ {
		for dx := -1.0; dx <= 1; dx++ {
			if !near(at(img, x+dx, y+dy), systems.Background(), 8) {
				return true
			}
		}
	}
	return false
}

// In the lanes layout a parent edge between lanes is drawn as a curve leaving and entering
// its nodes horizontally; in the force layout the same edge is a straight line. Probed at
// points a tenth to two fifths and three fifths to nine tenths of the way along (the curve
// and the chord cross in the middle): the dashes light about half of the curve's points and
// none of the chord's, and the other way round in the force layout.
func TestLaneParentEdgeIsACurve(t *testing.T) {
	for _, tc := range []struct {
		mode  components.LayoutMode
		curve bool
	}{{components.LayoutLanes, true}, {components.LayoutForce, false}} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			w := donburi.NewWorld()
			parent := spawn(w, 0, event(0, 0, "order-1", "OrderPlaced"))
			child := spawn(w, 1, event(120, 120, "payment-1", "PaymentTaken"))
			link(w, child, parent, components.EdgeParent)
			g := newViewGame(t, w, systems.Options{Width: 640, Height: 480, Layout: tc.mode})
			systems.SetCamera(g.ecs, components.Viewport{CenterX: 60, CenterY: 60, Zoom: 2, Width: 640, Height: 480})
			img := snapshot(t, g, 640, 480, 3)
			keep(t, "lane-curve-"+tc.mode.String()+".png", img)
			// The child at (440, 360), the parent at (200, 120), radius 16 px.
			ax, ay, bx, by := 440.0, 360.0, 200.0, 120.0
			m := (ax + bx) / 2
			var curveLit, chordLit, probes int
			for k := 10; k <= 90; k++ {
				if k > 40 && k < 60 {
					continue
				}
				tt := float64(k) / 100
				u := 1 - tt
				cx := ax*u*u*u + 3*tt*u*m + bx*tt*tt*tt
				cy := ay + (by-ay)*tt*tt*(3-2*tt)
				if litNear(img, cx, cy) {
					curveLit++
				}
				if litNear(img, ax+(bx-ax)*tt, ay+(by-ay)*tt) {
					chordLit++
				}
				probes++
			}
			lit, dark := curveLit, chordLit
			if !tc.curve {
				lit, dark = chordLit, curveLit
			}
			if lit < probes/3 || dark > probes/20 {
				t.Errorf("curve probes lit %d/%d, chord probes lit %d/%d: want the %s drawn and the other not",
					curveLit, probes, chordLit, probes, map[bool]string{true: "curve", false: "chord"}[tc.curve])
			}
		})
	}
}

// lanesSource sends aggs aggregates' chains of per events each, interleaved (every
// aggregate's first event, then every second one, …), and every third event of aggregate k
// names aggregate k−1's event just before it as a parent.
type lanesSource struct{ aggs, per int }

func (s lanesSource) Follow(ctx context.Context, b *ecs.Bridge) error {
	if err := b.Send(ctx, &ecs.StatusMsg{Connection: ecs.StatusConnected, CaughtUp: true}); err != nil {
		return err
	}
	last := map[string]cid.Cid{}
	n := 0
	for j := 0; j < s.per; j++ {
		for k := 0; k < s.aggs; k++ {
			agg := fmt.Sprint("customer-", k)
			ev := &ecs.EventMsg{Seq: uint64(n + 1), CID: testCID(n), AggregateID: agg, EventType: "CustomerUpdated",
				Previous: last[agg], Timestamp: int64(n+1) * 1e9, PayloadSize: 10}
			if k > 0 && n%3 == 0 {
				ev.Parents = []cid.Cid{testCID(n - 1)}
			}
			last[agg] = ev.CID
			if err := b.Send(ctx, ev); err != nil {
				return err
			}
			n++
		}
	}
	<-ctx.Done()
	return ctx.Err()
}

// labelAt reports whether a lane label's panel stands at the left edge at row y: its
// one-pixel border at x = 4 from a few pixels above y to a few below.
func labelAt(img *image.RGBA, y float64) bool {
	for _, dy := range []float64{-4, 0, 4} {
		if !near(at(img, 4, y+dy), render.PanelEdgeColor(), 3) {
			return false
		}
	}
	return true
}

// rowsOnScreen lists the screen y of every row with nodes whose label has room: below the
// legend and above the bottom bars by half a line, and a line below the row above.
func rowsOnScreen(e *donburiecs.ECS, l *layout.Lanes) (ys []float64, legendBottom float64) {
	cam := systems.GetOrCreateCamera(e)
	legendBottom = systems.LegendRect(e).MaxY
	line := systems.GetOrCreateSettings(e).LineHeight
	last := math.Inf(-1)
	for _, r := range l.Rows() {
		_, sy := cam.WorldToScreen(0, r.Y)
		if r.Nodes == 0 || sy < legendBottom+line/2 || sy > float64(cam.Height)-systems.BottomH-line/2 || sy-last < line {
			continue
		}
		last = sy
		ys = append(ys, sy)
	}
	return ys, legendBottom
}

// The lane labels stay at the left edge while panning: with the camera moved so that the
// lanes begin far off the screen's left edge and shifted down, and again with the lanes
// spread vertically (shift+wheel), every visible row with room for a label has its label's
// panel at x = 4 at the row's y, and there is none between the rows. Fitted, the lanes
// begin below the legend, so that no row's label is skipped under it.
func TestLaneLabelsStayAtTheLeftEdge(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const w, h = 800, 600
	const aggs = 16
	game, graph, _ := newGame(t, ctx, lanesSource{aggs: aggs, per: 2}, render.GameOptions{
		Width: w, Height: h, Frames: 110, Layout: components.LayoutLanes,
	})
	e := graph.ECS()
	type shot struct {
		name       string
		img        *image.RGBA
		rows       []float64
		legend     float64
		laneStartX float64 // where the lanes begin on the screen
	}
	var shots []shot
	take := func(name string, screen *ebiten.Image) {
		ys, legend := rowsOnScreen(e, graph.Lanes())
		x0, _ := systems.GetOrCreateCamera(e).WorldToScreen(0, 0)
		shots = append(shots, shot{name, render.Capture(screen), ys, legend, x0})
	}
	err := run(t, game, w, h, 0, func(screen *ebiten.Image, frame int) {
		switch frame {
		case 80:
			take("fitted", screen)
			v := systems.GetOrCreateCamera(e).Viewport
			v.Pan(-300, 37)
			systems.SetCamera(e, v)
		case 90:
			take("panned", screen)
			systems.HandleInput(e, components.InputData{X: 400, Y: 300, WheelY: 3, Held: []components.Key{components.KeyShift}})
		case 100:
			take("spread", screen)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(shots) != 3 {
		t.Fatalf("%d pictures taken, want 3", len(shots))
	}
	for i, s := range shots {
		keep(t, "lane-labels-"+s.name+".png", s.img)
		switch {
		case i == 0 && len(s.rows) != aggs:
			t.Errorf("fitted: %d of the %d lanes have room for a label below the legend (which ends at y %.0f)", len(s.rows), aggs, s.legend)
		case i > 0 && s.laneStartX > -100:
			t.Errorf("%s: the lanes begin at x %.0f, want them far off the left edge", s.name, s.laneStartX)
		case len(s.rows) < 4:
			t.Fatalf("%s: only %d rows on the screen", s.name, len(s.rows))
		}
		for k, y := range s.rows {
			if !labelAt(s.img, y) {
				t.Errorf("%s: no label panel at the left edge at row y %.1f (row %d of %d on the screen)", s.name, y, k, len(s.rows))
			}
			if k > 0 && y-s.rows[k-1] > 24 && labelAt(s.img, (y+s.rows[k-1])/2) {
				t.Errorf("%s: a label panel between the rows at y %.1f and %.1f", s.name, s.rows[k-1], y)
			}
		}
	}
	if shots[2].rows[1]-shots[2].rows[0] < 1.4*(shots[1].rows[1]-shots[1].rows[0]) {
		t.Errorf("shift+wheel ×3 spread the rows from %.1f to %.1f px apart, want about 1.5×",
			shots[1].rows[1]-shots[1].rows[0], shots[2].rows[1]-shots[2].rows[0])
	}
}

// The selected node's lane is highlighted: a faint band across the screen over its row, as
// tall as a lane, and no band over the other rows.
func TestSelectedLaneBand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const w, h = 800, 600
	game, graph, _ := newGame(t, ctx, fixedSource{events: 30}, render.GameOptions{
		Width: w, Height: h, Frames: 100, Layout: components.LayoutLanes,
	})
	e := graph.ECS()
	var img *image.RGBA
	var selRow, otherRow, half, right float64
	err := run(t, game, w, h, 0, func(screen *ebiten.Image, frame int) {
		switch frame {
		case 80:
			systems.SetCamera(e, systems.GetOrCreateCamera(e).Viewport) // hold the camera while the inspector opens
			q := donburi.NewQuery(filter.Contains(components.DddElement))
			q.Each(e.World, func(en *donburi.Entry) {
				if d := components.DddElement.Get(en); d.AggregateID == "order-1" && d.Seq == 5 {
					systems.Select(e, en.Entity())
				}
			})
		case 95:
			img = render.Capture(screen)
			l, cam := graph.Lanes(), systems.GetOrCreateCamera(e)
			sel := systems.Selected(e)
			row := l.RowOf(int(components.DddElement.Get(e.World.Entry(sel)).Index))
			_, selRow = cam.WorldToScreen(0, l.Rows()[row].Y)
			_, otherRow = cam.WorldToScreen(0, l.Rows()[(row+1)%len(l.Rows())].Y)
			half = l.Config().LaneHeight * cam.ZoomY() / 2
			right = systems.InspectorRect(e).MinX
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if img == nil {
		t.Fatal("no frame captured")
	}
	keep(t, "lane-band.png", img)
	if half < 6 {
		t.Fatalf("the lanes are %.1f px apart: too close to probe a band", 2*half)
	}
	band := blend(render.LaneBandColor(), systems.Background(), float64(render.LaneBandColor().A)/255)
	// Probe off the row's centre line (where the chain's edges run), across the screen from
	// the labels to the inspector.
	tinted := func(y, x0, x1 float64) (in, bg, probes int) {
		for x := x0; x < x1; x += 7 {
			switch c := at(img, x, y); {
			case near(c, band, 3):
				in++
			case near(c, systems.Background(), 3):
				bg++
			}
			probes++
		}
		return in, bg, probes
	}
	for _, p := range []struct {
		what string
		y    float64
		band bool
	}{
		{"the selected row, above its line", selRow - half/2, true},
		{"the selected row, below its line", selRow + half/2, true},
		{"the next row", otherRow + half/2, false},
		{"beyond the band's edge", selRow + half + 3, false},
	} {
		in, bg, probes := tinted(p.y, 100, right-10)
		if p.band && in < probes*3/4 || !p.band && bg < probes*3/4 {
			t.Errorf("%s (y %.0f): %d of %d probes the band's colour, %d background; want the %s", p.what, p.y, in, probes, bg,
				map[bool]string{true: "band", false: "background"}[p.band])
		}
	}
	// The band stops at the inspector: over the panel (empty below its last row) the row is
	// the panel's colour, as below it.
	for _, dx := range []float64{20, 100, 200} {
		if c, below := at(img, right+dx, selRow), at(img, right+dx, selRow+2*half); !near(c, below, 2) {
			t.Errorf("over the inspector at x %.0f the selected row is %v, the panel below it %v: the band reaches over the panel", right+dx, c, below)
		}
	}
}
