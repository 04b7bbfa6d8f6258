package windowtest

import (
	"image/color"
	"testing"
	"time"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems"
)

// TestActivityPanelScreenshot: coloured by aggregate, the activity panel at the top right
// shows the sparkline's bars and, beside each of the busiest aggregates, a swatch in the
// colour its events are drawn in; the i key takes the panel away.
func TestActivityPanelScreenshot(t *testing.T) {
	w := donburi.NewWorld()
	aggs := []string{"order-1", "customer-7", "payment-3"}
	// Three chains side by side, as a settled layout would place them (the picture is
	// docs/view-activity.png).
	var es []donburi.Entity
	for i := 0; i < 30; i++ {
		es = append(es, spawn(w, i, event(float64(i/3)*40, float64(i%3)*40, aggs[i%3], "Placed")))
		if i >= 3 {
			link(w, es[i], es[i-3], components.EdgePrevious)
		}
	}
	now := time.Unix(31, 0) // the events are stamped 1..30 s: all in the last five minutes
	g := newViewGame(t, w, systems.Options{Width: 1280, Height: 800, ColorBy: components.ColorByAggregate, Now: func() time.Time { return now }})
	g.hud = true
	g.feed(t, 1280, 800)
	img := snapshot(t, g, 1280, 800, 5)
	keep(t, "view-activity.png", img)
	g.realStatus(t, "30 nodes (30 events, 0 objects)")
	var colours []color.RGBA
	onLoop(t, func() {
		for _, a := range aggs {
			colours = append(colours, systems.SceneOf(g.ecs).AggregateColor(a))
		}
	})
	panel := func(img interface{ RGBAAt(x, y int) color.RGBA }, c color.RGBA) int {
		n := 0
		for y := 8; y < 200; y++ { // the panel's four rows end near y 170; the chains are below
			for x := 1280 - 8 - 250; x < 1280-8; x++ {
				if near(img.RGBAAt(x, y), c, 3) {
					n++
				}
			}
		}
		return n
	}
	for i, c := range colours {
		if n := panel(img, c); n < 20 {
			t.Errorf("%s's colour %v: %d pixels in the activity panel, want its legend swatch", aggs[i], c, n)
		}
	}
	if n := panel(img, components.EventBlue()); n < 30 {
		t.Errorf("%d pixels of event blue in the activity panel: no sparkline bars", n)
	}
	onLoop(t, func() { systems.ToggleActivity(g.ecs, components.KeyI) })
	off := snapshot(t, g, 1280, 800, 2)
	if n := panel(off, colours[0]); n > 5 {
		t.Errorf("panel off: %d pixels of %s's colour remain", n, aggs[0])
	}
}
