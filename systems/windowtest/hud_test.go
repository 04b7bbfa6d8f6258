package windowtest

import (
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/render"
	"github.com/jetdag/jetdag/systems"
)

// keep writes img under $JETDAG_SHOTS (when set) so that a person can look at it.
func keep(t *testing.T, name string, img image.Image) {
	dir := os.Getenv("JETDAG_SHOTS")
	if dir == "" {
		return
	}
	if err := render.WritePNG(filepath.Join(dir, name), img); err != nil {
		t.Error(err)
	}
}

func TestHUDAndInspector(t *testing.T) {
	w, es := shapeWorld()
	stats := w.Create(components.GraphStats)
	components.GraphStats.SetValue(w.Entry(stats), components.GraphStatsData{
		Events: 3, Objects: 2, Rejected: 1, Lag: 7, EventsPerSecond: 12.5, Connection: "connected", CaughtUp: true,
	})
	g := newViewGame(t, w, systems.Options{Width: 800, Height: 600, Fetch: fetchJSON})
	g.hud = true
	systems.SetCamera(g.ecs, components.Viewport{CenterX: 30, CenterY: 30, Zoom: 2.2, Width: 800, Height: 600})
	systems.UpdateScene(g.ecs)
	systems.Select(g.ecs, es[1])
	img := snapshot(t, g, 800, 600, 20)
	keep(t, "hud.png", img)

	status := systems.StatusLine(g.ecs)
	for _, want := range []string{"connected · live", "12.5 events/s", "6 nodes", "lag 7", "rejected 1"} {
		if !contains(status, want) {
			t.Errorf("status line %q lacks %q", status, want)
		}
	}
	info := systems.Info(g.ecs)
	if info == nil || info.PayloadFormat != systems.PayloadJSON {
		t.Fatalf("inspector payload not fetched as JSON: %+v", info)
	}
	// The panels are drawn: status bar along the bottom, legend top left, inspector on the
	// right, each with text in it (more than one colour in its box).
	boxes := []struct {
		name string
		r    image.Rectangle
	}{
		{"status bar", image.Rect(20, 600-22, 500, 600-2)},
		{"legend", image.Rect(10, 10, 230, 120)},
		{"inspector", image.Rect(800-330, 5, 795, 200)},
	}
	for _, b := range boxes {
		if n := colours(img, b.r); n < 3 {
			t.Errorf("%s: %d distinct colours in %v, want text on a panel", b.name, n, b.r)
		}
	}
}

func contains(s, sub string) bool { return len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0) }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func colours(img *image.RGBA, r image.Rectangle) int {
	seen := map[[3]uint8]bool{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := img.RGBAAt(x, y)
			seen[[3]uint8{c.R, c.G, c.B}] = true
		}
	}
	return len(seen)
}

func TestHelpAndSearchOverlays(t *testing.T) {
	w, _ := shapeWorld()
	g := newViewGame(t, w, systems.Options{Width: 800, Height: 600})
	g.hud = true
	systems.SetCamera(g.ecs, components.Viewport{Zoom: 0.5, Width: 800, Height: 600})
	// Open the help and the search prompt (typing "order") through the input handler.
	systems.HandleInput(g.ecs, components.InputData{Pressed: []components.Key{components.KeyH}})
	systems.HandleInput(g.ecs, components.InputData{Pressed: []components.Key{components.KeySlash}, Chars: []rune{'/'}})
	systems.HandleInput(g.ecs, components.InputData{Chars: []rune("order")})
	img := snapshot(t, g, 800, 600, 3)
	keep(t, "help.png", img)
	// The help panel covers the middle of the screen: panel colour and text, where the
	// zoomed-out graph would otherwise be background with a few dots.
	if n := colours(img, image.Rect(200, 150, 600, 450)); n < 10 {
		t.Errorf("help overlay: %d colours in the middle, want text on a panel", n)
	}
	if n := colours(img, image.Rect(10, 600-24-30, 300, 600-24-10)); n < 3 {
		t.Errorf("search prompt: %d colours above the status bar, want text on a panel", n)
	}
}

// In a window too short for the key table the help is laid out in pages that fit it: the
// panel's border is drawn inside the window all round, with the page footer's text above
// its bottom edge, and h turns to the next page.
func TestHelpInAShortWindow(t *testing.T) {
	const w, h = 640, 400
	world, _ := shapeWorld()
	g := newViewGame(t, world, systems.Options{Width: w, Height: h})
	g.hud = true
	systems.SetCamera(g.ecs, components.Viewport{Zoom: 0.5, Width: w, Height: h})
	systems.HandleInput(g.ecs, components.InputData{Pressed: []components.Key{components.KeyH}})
	img := snapshot(t, g, w, h, 3)
	keep(t, "help-short.png", img)
	p := g.draw.HelpShown()
	if p.Pages < 2 || p.Page != 0 {
		t.Fatalf("help at %d×%d: page %d of %d, want the first of several", w, h, p.Page, p.Pages)
	}
	box := image.Rect(int(p.Box.MinX), int(p.Box.MinY), int(p.Box.MaxX), int(p.Box.MaxY))
	if !box.In(image.Rect(0, 0, w, h)) {
		t.Fatalf("help panel %v is not inside the %d×%d window", box, w, h)
	}
	// The border (panel edge colour) at the middle of each side.
	edge := color.RGBA{0x3a, 0x48, 0x66, 0xff}
	for _, pt := range []image.Point{{box.Min.X, box.Min.Y + box.Dy()/2}, {box.Max.X - 1, box.Min.Y + box.Dy()/2}, {box.Min.X + box.Dx()/2, box.Min.Y}, {box.Min.X + box.Dx()/2, box.Max.Y - 1}} {
		if c := img.RGBAAt(pt.X, pt.Y); c.R != edge.R || c.G != edge.G || c.B != edge.B {
			t.Errorf("help panel border at %v is %v, want %v", pt, c, edge)
		}
	}
	// The footer, last line of the panel: text on it.
	fy := int(p.Footer.Y)
	if n := colours(img, image.Rect(int(p.Footer.X), fy, int(p.Footer.X+p.Footer.W), fy+14)); n < 3 {
		t.Errorf("help footer %q: %d colours where it goes, want text", p.Footer.Text, n)
	}
	systems.HandleInput(g.ecs, components.InputData{Pressed: []components.Key{components.KeyH}})
	snapshot(t, g, w, h, 2)
	if q := g.draw.HelpShown(); !systems.GetOrCreateSettings(g.ecs).ShowHelp || q.Page != 1 || q.Box != p.Box {
		t.Errorf("after h: help shown %v at page %d in %v, want page 1 in %v", systems.GetOrCreateSettings(g.ecs).ShowHelp, q.Page, q.Box, p.Box)
	}
}

func TestHoverTooltip(t *testing.T) {
	w, _ := shapeWorld()
	g := newViewGame(t, w, systems.Options{Width: 640, Height: 480})
	g.hud = true
	systems.SetCamera(g.ecs, components.Viewport{Zoom: 2, Width: 640, Height: 480})
	systems.UpdateScene(g.ecs)
	before := snapshot(t, g, 640, 480, 2)
	// The cursor rests on the OrderPaid diamond at (440, 240): a two-line tooltip box opens
	// just below the cursor (to its left here, as it would not fit on the right).
	systems.HandleInput(g.ecs, components.InputData{X: 440, Y: 240})
	after := snapshot(t, g, 640, 480, 2)
	keep(t, "tooltip.png", after)
	changed := 0
	for y := 256; y < 296; y++ {
		for x := 0; x < 640; x++ {
			if before.RGBAAt(x, y) != after.RGBAAt(x, y) {
				changed++
			}
		}
	}
	if changed < 5000 {
		t.Errorf("%d pixels changed below the cursor, want a tooltip box (over 5000)", changed)
	}
	if got := at(after, 440, 240); !near(got, components.EventCyan(), 3) {
		t.Errorf("hovered diamond %v, want the highlight cyan", got)
	}
}
