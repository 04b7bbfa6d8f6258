package windowtest

import (
	"image"
	"image/color"
	"testing"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems"
)

// TestLogAlarmBanner: a held checkpoint contradicted (two checkpoints of one size) raises a
// red banner across the top of the window, right of the legend, with its text in it; a log
// without a problem draws none there.
func TestLogAlarmBanner(t *testing.T) {
	w, _ := shapeWorld()
	stats := w.Entry(w.Create(components.GraphStats))
	components.GraphStats.SetValue(stats, components.GraphStatsData{
		Events: 3, Objects: 2, Connection: "connected", CaughtUp: true,
		Log: components.LogStatusData{Present: true, Size: 3, Verified: true},
	})
	g := newViewGame(t, w, systems.Options{Width: 1000, Height: 600})
	g.hud = true
	red := func(c color.RGBA) bool { return c.R > 150 && c.G < 70 && c.B < 70 }
	count := func(img *image.RGBA) (n int) {
		for y := 1; y < 6; y++ {
			for x := 300; x < 1000; x += 7 {
				r, gr, b, _ := img.At(x, y).RGBA()
				if red(color.RGBA{uint8(r >> 8), uint8(gr >> 8), uint8(b >> 8), 0xff}) {
					n++
				}
			}
		}
		return n
	}
	quiet := snapshot(t, g, 1000, 600, 5)
	if n := count(quiet); n != 0 {
		t.Fatalf("%d red pixels along the top with a sound log, want none", n)
	}
	onLoop(t, func() {
		components.GraphStats.Get(stats).Log.Problem = "two checkpoints of size 3 with different roots"
	})
	img := snapshot(t, g, 1000, 600, 5)
	keep(t, "alarm.png", img)
	if want := "transparency log: two checkpoints of size 3 with different roots"; systems.LogAlarm(g.ecs) != want {
		t.Fatalf("alarm %q, want %q", systems.LogAlarm(g.ecs), want)
	}
	lr := systems.LegendRect(g.ecs)
	x0 := int(lr.MaxX) + 12
	if n := count(img); n < 50 {
		t.Errorf("%d red pixels along the top with a contradicted log, want the banner", n)
	}
	if c := at(img, float64(x0-20), 3); red(c) {
		t.Errorf("pixel left of the banner, over the legend, is red %v: the banner covers the legend", c)
	}
	if n := colours(img, image.Rect(x0, 0, x0+300, 22)); n < 3 {
		t.Errorf("%d colours in the banner's left part, want its text on it", n)
	}
}
