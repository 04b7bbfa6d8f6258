package windowtest

import (
	"image/color"
	"testing"
	"time"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems"
)

// TestTimelineScreenshot: the timeline bar is drawn above the status bar with its handle at
// the right end (green) while live; shown as of seq 10 (what a drag or [ does), events 1..10
// are drawn where they were and 11..20 are not, the handle is yellow at seq 10's place on
// the track, and the status bar says as of seq 10.
func TestTimelineScreenshot(t *testing.T) {
	w := donburi.NewWorld()
	var es []donburi.Entity
	for i := 0; i < 20; i++ {
		es = append(es, spawn(w, i, event(float64(i)*20-190, float64(i%2)*20, "order-1", "Placed")))
	}
	for i := 1; i < 20; i++ {
		link(w, es[i], es[i-1], components.EdgePrevious)
	}
	g := newViewGame(t, w, systems.Options{Width: 1280, Height: 800})
	g.hud = true
	g.feed(t, 1280, 800)
	live := snapshot(t, g, 1280, 800, 5)
	var tr components.Rect
	var liveX, asOfX float64
	var pos [20][2]float64
	onLoop(t, func() {
		cam := systems.GetOrCreateCamera(g.ecs)
		cam.AutoFit = false // keep the camera where live put it
		tr = systems.TimelineTrack(g.ecs)
		liveX = systems.XOfSeq(g.ecs, 0)
		for i := range pos {
			x, y := cam.WorldToScreen(float64(i)*20-190, float64(i%2)*20)
			pos[i] = [2]float64{x, y}
		}
		systems.SetAsOf(g.ecs, 10)
		asOfX = systems.XOfSeq(g.ecs, 10)
		// The status bar is rewritten every quarter second: the picture shows it as the
		// window does by then, not the live one of three frames before.
		systems.GetOrCreateHUD(g.ecs).StatusAt = time.Time{}
	})
	img := snapshot(t, g, 1280, 800, 3)
	keep(t, "view-timeline.png", img)
	blueish := func(c color.RGBA) bool { return c.B > 150 && c.B > c.R+60 }
	for i, p := range pos {
		if !blueish(at(live, p[0], p[1])) {
			t.Errorf("live: event %d at %v is %v, want drawn", i+1, p, at(live, p[0], p[1]))
		}
		drawn := blueish(at(img, p[0], p[1]))
		if i < 10 && !drawn {
			t.Errorf("as of seq 10: event %d at %v is %v, want drawn", i+1, p, at(img, p[0], p[1]))
		}
		if i >= 10 && drawn {
			t.Errorf("as of seq 10: event %d at %v is drawn (%v), want hidden", i+1, p, at(img, p[0], p[1]))
		}
	}
	midY := (tr.MinY + tr.MaxY) / 2
	green := func(c color.RGBA) bool { return near(c, rgbaOf(0x4040, 0xd0d0, 0x6060), 40) }
	yellow := func(c color.RGBA) bool { return near(c, rgbaOf(0xffff, 0xd5d5, 0x4f4f), 40) }
	if !green(at(live, liveX, midY)) {
		t.Errorf("live: the handle at the track's right end (%v, %v) is %v, want green", liveX, midY, at(live, liveX, midY))
	}
	if !yellow(at(img, asOfX, midY)) {
		t.Errorf("as of seq 10: the handle at (%v, %v) is %v, want yellow", asOfX, midY, at(img, asOfX, midY))
	}
	if asOfX < tr.MinX+tr.Width()*0.4 || asOfX > tr.MinX+tr.Width()*0.55 {
		t.Errorf("seq 10 of 1..20 at x %v on the track %v: want near its middle", asOfX, tr)
	}
	var status string
	onLoop(t, func() { status = systems.StatusLine(g.ecs) })
	if !contains(status, "as of seq 10 · 1970-01-01T00:00:10Z") {
		t.Errorf("status %q: want as of seq 10 and its time", status)
	}
	g.realStatus(t, "10 of 20 nodes (20 events, 0 objects)", "as of seq 10") // docs/view-timeline.png's
}
