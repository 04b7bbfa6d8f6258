package windowtest

import (
	"context"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/filter"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/render"
	"github.com/jetdag/jetdag/systems"
)

// The lanes layout in a real window: every aggregate's events on one row, in sequence order
// from left to right, rows in the order the aggregates first appeared; in the pixels too,
// each aggregate's colour (colour by aggregate) lies in one horizontal band of its own.
func TestLanesScreenshot(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	shot := filepath.Join(t.TempDir(), "lanes.png")
	game, graph, _ := newGame(t, ctx, fixedSource{events: 30}, render.GameOptions{
		Width: 800, Height: 600, Screenshot: shot, Frames: 90,
		Layout: components.LayoutLanes, ColorBy: components.ColorByAggregate,
	})
	// (At 800 pixels wide the activity panel, whose legend swatches would count as rows of
	// their own, is off.)
	var img *image.RGBA
	if err := run(t, game, 800, 600, 0, func(screen *ebiten.Image, frame int) {
		if frame == 90 {
			img = render.Capture(screen)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if img == nil {
		t.Fatal("no frame captured")
	}
	keep(t, "lanes.png", img)

	// The world: one y per aggregate, x growing with the sequence.
	type pt struct {
		seq  uint64
		x, y float64
	}
	byAgg := map[string][]pt{}
	onLoop(t, func() {
		q := donburi.NewQuery(filter.Contains(components.DddElement, components.Position))
		q.Each(graph.World(), func(en *donburi.Entry) {
			d := components.DddElement.Get(en)
			if d.Kind != components.ElementEvent {
				return
			}
			p := components.Position.Get(en)
			byAgg[d.AggregateID] = append(byAgg[d.AggregateID], pt{d.Seq, p.X, p.Y})
		})
	})
	var rowY []float64
	for _, agg := range []string{"order-0", "order-1", "order-2"} {
		pts := byAgg[agg]
		if len(pts) != 10 {
			t.Fatalf("%s: %d events in the world, want 10", agg, len(pts))
		}
		slices.SortFunc(pts, func(a, b pt) int { return int(a.seq) - int(b.seq) })
		for i, p := range pts {
			if p.y != pts[0].y {
				t.Fatalf("%s: seq %d at y %v, seq %d at y %v: not one row", agg, p.seq, p.y, pts[0].seq, pts[0].y)
			}
			if i > 0 && p.x <= pts[i-1].x {
				t.Fatalf("%s: seq %d at x %v is not right of seq %d at %v", agg, p.seq, p.x, pts[i-1].seq, pts[i-1].x)
			}
		}
		rowY = append(rowY, pts[0].y)
	}
	if !(rowY[0] < rowY[1] && rowY[1] < rowY[2]) {
		t.Fatalf("rows at %v, want order-0 above order-1 above order-2 (first appearance)", rowY)
	}

	// The pixels: each aggregate's colour in a band of its own, spread along x.
	type band struct{ minX, maxX, minY, maxY, n int }
	var bands []band
	for _, agg := range []string{"order-0", "order-1", "order-2"} {
		var c color.RGBA
		onLoop(t, func() { c = systems.SceneOf(graph.ECS()).AggregateColor(agg) })
		b := band{minX: math.MaxInt, minY: math.MaxInt, maxX: -1, maxY: -1}
		for y := 0; y < 600-systems.StatusBarH; y++ {
			for x := 0; x < 800; x++ {
				if near(img.RGBAAt(x, y), c, 3) {
					b.n++
					b.minX, b.maxX = min(b.minX, x), max(b.maxX, x)
					b.minY, b.maxY = min(b.minY, y), max(b.maxY, y)
				}
			}
		}
		if b.n < 30 {
			t.Fatalf("%s (%v): %d pixels, want ten diamonds' worth", agg, c, b.n)
		}
		if b.maxY-b.minY > 16 {
			t.Errorf("%s: its colour spans y %d..%d, more than one row", agg, b.minY, b.maxY)
		}
		if b.maxX-b.minX < 300 {
			t.Errorf("%s: its colour spans x %d..%d only, want the row across the picture", agg, b.minX, b.maxX)
		}
		bands = append(bands, b)
	}
	for i := 1; i < len(bands); i++ {
		if bands[i].minY <= bands[i-1].maxY {
			t.Errorf("bands %d and %d overlap: %+v %+v", i-1, i, bands[i-1], bands[i])
		}
	}
	if s := game.Summary(); s.Layout != "lanes" || s.Events != 30 || s.Rejected != 1 || s.Objects != 2 || s.Nodes != 33 || s.AsOfSeq != 31 {
		t.Errorf("summary %+v", s)
	}
}
