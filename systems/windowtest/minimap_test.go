package windowtest

import (
	"testing"
	"time"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems"
)

// TestMinimapScreenshot: with the minimap on and the camera zoomed in, the minimap's box in
// the corner shows the graph's density and the view as a yellow rectangle where the camera
// looks.
func TestMinimapScreenshot(t *testing.T) {
	w := donburi.NewWorld()
	syntheticDAG(w, 2000, 2600)
	now := time.Unix(2001, 0) // the events are stamped 1..2000 s: the activity panel's last five minutes hold 300
	g := newViewGame(t, w, systems.Options{Width: 1280, Height: 800, Now: func() time.Time { return now }})
	g.hud = true
	g.feed(t, 1280, 800)
	snapshot(t, g, 1280, 800, 5) // fit
	onLoop(t, func() {
		systems.ToggleMinimap(g.ecs, components.KeyM)
		cam := systems.GetOrCreateCamera(g.ecs)
		cam.AutoFit, cam.Follow = false, false
		cam.Zoom *= 4
	})
	img := snapshot(t, g, 1280, 800, 3)
	keep(t, "view-minimap.png", img)
	g.realStatus(t, "2000 nodes (2000 events, 0 objects)")
	var m systems.Minimap
	var v components.Rect
	onLoop(t, func() {
		m = systems.MinimapOf(g.ecs)
		v = m.ViewRect(systems.GetOrCreateCamera(g.ecs).Viewport)
	})
	if v.Width() < 10 || v.Width() > m.Box.Width()/2 {
		t.Fatalf("view rectangle %v in box %v: want a small one after zooming in 4×", v, m.Box)
	}
	yellow := func(x, y float64) bool { return near(at(img, x, y), rgbaOf(0xffff, 0xd5d5, 0x4f4f), 40) }
	cx, cy := (v.MinX+v.MaxX)/2, (v.MinY+v.MaxY)/2
	for _, p := range [][2]float64{{cx, v.MinY + 0.5}, {cx, v.MaxY - 1}, {v.MinX + 0.5, cy}, {v.MaxX - 1, cy}} {
		if !yellow(p[0], p[1]) {
			t.Errorf("pixel %v of the view rectangle's edge is %v, want yellow", p, at(img, p[0], p[1]))
		}
	}
	if yellow(cx, cy) {
		t.Errorf("the view rectangle's centre is yellow: it is filled, not outlined")
	}
	blue := 0
	for y := m.Box.MinY + 2; y < m.Box.MaxY-2; y++ {
		for x := m.Box.MinX + 2; x < m.Box.MaxX-2; x++ {
			c := at(img, x, y)
			if c.B > c.R+40 && c.B > 90 {
				blue++
			}
		}
	}
	if blue < 2000 {
		t.Errorf("%d blue pixels in the minimap box: the graph's density is not drawn", blue)
	}
}
