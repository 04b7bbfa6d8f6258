package systems

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/yohamta/donburi"
)

// At zoom 2 centred on the origin, world (x, y) is at screen (400 + 2x, 300 + 2y).
func inputView(t *testing.T, kiosk bool) (*View, []donburi.Entity, *fakeClock) {
	t.Helper()
	w, es := inspectWorld()
	clock := &fakeClock{t: 1e18}
	v, err := NewView(ViewOptions{Width: 800, Height: 600, Now: clock.now, Kiosk: kiosk})
	if err != nil {
		t.Fatal(err)
	}
	e := newECS(w)
	v.UpdateScene(e)
	v.SetCamera(Camera{Zoom: 2, Width: 800, Height: 600})
	return v, es, clock
}

func scr(x, y float64) (float64, float64) { return 400 + 2*x, 300 + 2*y }

func click(v *View, x, y float64) {
	v.HandleInput(&InputFrame{X: x, Y: y, LeftDown: true, LeftPressed: true})
	v.HandleInput(&InputFrame{X: x, Y: y, LeftReleased: true})
}

func keys(v *View, ks ...ebiten.Key) {
	v.HandleInput(&InputFrame{X: 1, Y: 1, Pressed: ks})
}

func typeText(v *View, s string) {
	v.HandleInput(&InputFrame{X: 1, Y: 1, Chars: []rune(s)})
}

func TestClickSelectsAndHoverHighlights(t *testing.T) {
	v, es, _ := inputView(t, false)
	x, y := scr(10, 0) // e1
	v.HandleInput(&InputFrame{X: x + 3, Y: y + 3})
	if v.Marks.Hovered != es[1] {
		t.Errorf("hovered %v, want e1", v.Marks.Hovered)
	}
	click(v, x, y)
	if v.Selected() != es[1] || v.Info() == nil || v.Info().Type != "OrderPaid" {
		t.Fatalf("click on e1 selected %v (info %+v)", v.Selected(), v.Info())
	}
	for _, want := range []donburi.Entity{es[0], es[1], es[2], es[3]} {
		if !v.Marks.Highlighted(want) {
			t.Errorf("%v not highlighted in e1's cone", want)
		}
	}
	if v.Marks.Highlighted(es[6]) {
		t.Error("an unrelated node is highlighted")
	}
	click(v, 50, 50) // empty space
	if v.Selected() != donburi.Null || v.Info() != nil || v.Marks.Highlighted(es[0]) {
		t.Error("a click on empty space did not clear the selection")
	}
}

func TestSelectionPansTheNodeClearOfTheInspector(t *testing.T) {
	v, es, _ := inputView(t, false)
	v.SetCamera(Camera{CenterX: -150, Zoom: 2, Width: 800, Height: 600}) // e6 at x = 780
	n := v.Scene.Nodes[v.Scene.Index(es[6])]
	click(v, 400+2*(n.X+150), 300+2*n.Y)
	if v.Selected() != es[6] {
		t.Fatalf("selected %v", v.Selected())
	}
	sx, _ := v.Camera.WorldToScreen(n.X, n.Y)
	if sx > v.inspectorRect().MinX-fitMargin+1e-9 {
		t.Errorf("the selected node is at x = %v, under the inspector (from %v)", sx, v.inspectorRect().MinX)
	}
}

func TestDragPansWithoutSelecting(t *testing.T) {
	v, _, _ := inputView(t, false)
	x, y := scr(10, 0) // starts on a node: a drag must not select it
	v.HandleInput(&InputFrame{X: x, Y: y, LeftDown: true, LeftPressed: true})
	v.HandleInput(&InputFrame{X: x + 2, Y: y, LeftDown: true}) // under the threshold
	if v.Camera.CenterX != 0 {
		t.Fatalf("moved %v before the drag threshold", v.Camera.CenterX)
	}
	v.HandleInput(&InputFrame{X: x + 30, Y: y - 10, LeftDown: true})
	v.HandleInput(&InputFrame{X: x + 50, Y: y - 10, LeftDown: true})
	v.HandleInput(&InputFrame{X: x + 50, Y: y - 10, LeftReleased: true})
	// 48 pixels right and 10 up since the threshold was crossed, at zoom 2.
	if math.Abs(v.Camera.CenterX - -24) > 1e-9 || math.Abs(v.Camera.CenterY-5) > 1e-9 {
		t.Errorf("centre (%v, %v), want (−24, 5)", v.Camera.CenterX, v.Camera.CenterY)
	}
	if v.Selected() != donburi.Null {
		t.Error("a drag selected a node")
	}
}

func TestWheelZoomsAroundTheCursorOrScrollsTheInspector(t *testing.T) {
	v, es, _ := inputView(t, false)
	wx, wy := v.Camera.ScreenToWorld(200, 150)
	v.HandleInput(&InputFrame{X: 200, Y: 150, WheelY: 2})
	if want := 2 * wheelStep * wheelStep; math.Abs(v.Camera.Zoom-want) > 1e-9 {
		t.Errorf("zoom %v, want %v", v.Camera.Zoom, want)
	}
	if sx, sy := v.Camera.WorldToScreen(wx, wy); math.Abs(sx-200) > 1e-9 || math.Abs(sy-150) > 1e-9 {
		t.Errorf("the point under the cursor moved to (%v, %v)", sx, sy)
	}
	v.Select(es[1])
	zoom := v.Camera.Zoom
	v.HandleInput(&InputFrame{X: 790, Y: 100, WheelY: -2}) // over the inspector
	if v.Camera.Zoom != zoom || v.infoScroll != 6 {
		t.Errorf("wheel over the inspector: zoom %v→%v, scroll %d (want 6)", zoom, v.Camera.Zoom, v.infoScroll)
	}
}

func TestKeys(t *testing.T) {
	tests := []struct {
		name  string
		keys  []ebiten.Key
		check func(*View) bool
	}{
		{"c cycles the colour mode", []ebiten.Key{ebiten.KeyC, ebiten.KeyC}, func(v *View) bool { return v.ColorMode == ColorByType }},
		{"space pauses", []ebiten.Key{ebiten.KeySpace}, func(v *View) bool { return v.Paused() }},
		{"space twice resumes", []ebiten.Key{ebiten.KeySpace, ebiten.KeySpace}, func(v *View) bool { return !v.Paused() }},
		{"l follows", []ebiten.Key{ebiten.KeyL}, func(v *View) bool { return v.Following() }},
		{"f fits", []ebiten.Key{ebiten.KeyF}, func(v *View) bool { return v.Fitting() }},
		{"h opens the help", []ebiten.Key{ebiten.KeyH}, func(v *View) bool { return v.showHelp }},
		{"Esc closes the help", []ebiten.Key{ebiten.KeyH, ebiten.KeyEscape}, func(v *View) bool { return !v.showHelp }},
		{"s asks for a screenshot once", []ebiten.Key{ebiten.KeyS}, func(v *View) bool { return v.TakeScreenshotRequest() && !v.TakeScreenshotRequest() }},
		{"+ held zooms in", nil, func(v *View) bool {
			v.HandleInput(&InputFrame{Held: []ebiten.Key{ebiten.KeyEqual}})
			return v.Camera.Zoom > 2
		}},
		{"an arrow held pans", nil, func(v *View) bool {
			v.HandleInput(&InputFrame{Held: []ebiten.Key{ebiten.KeyArrowLeft}})
			return v.Camera.CenterX < 0
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, _, _ := inputView(t, false)
			for _, k := range tc.keys {
				keys(v, k)
			}
			if !tc.check(v) {
				t.Error("not so")
			}
		})
	}
}

func TestFiltersAndEscape(t *testing.T) {
	v, es, _ := inputView(t, false)
	keys(v, ebiten.KeyA)
	if v.Marks.Filter.Active() || !strings.Contains(v.toast, "select a node first") {
		t.Errorf("a without a selection: filter %+v, toast %q", v.Marks.Filter, v.toast)
	}
	v.Select(es[1])
	keys(v, ebiten.KeyA)
	if v.Marks.Filter != (Filter{Aggregate: "order-1"}) {
		t.Errorf("a: filter %+v", v.Marks.Filter)
	}
	keys(v, ebiten.KeyT)
	if v.Marks.Filter.Kind.String() != "event" || v.Marks.Filter.Type != "OrderPaid" {
		t.Errorf("t: filter %+v", v.Marks.Filter)
	}
	keys(v, ebiten.KeyEscape)
	if v.Marks.Filter.Active() || v.Selected() != es[1] {
		t.Errorf("first Esc: filter %+v selected %v; want the filter cleared, the selection kept", v.Marks.Filter, v.Selected())
	}
	keys(v, ebiten.KeyEscape)
	if v.Selected() != donburi.Null {
		t.Error("second Esc kept the selection")
	}
}

func TestSearch(t *testing.T) {
	tests := []struct {
		name   string
		query  string
		want   int // index into es, or −1
		zoomed bool
	}{
		{"aggregate: its newest event", "order-1", 2, false},
		{"aggregate prefix", "invoice", 3, false},
		{"CID prefix", specCID(4).String()[:14], 4, false},
		{"upper-case CID prefix", strings.ToUpper(specCID(3).String()[:14]), 3, false},
		{"nothing", "nope", -1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, es, _ := inputView(t, false)
			v.SetCamera(Camera{Zoom: 0.1, Width: 800, Height: 600})
			v.HandleInput(&InputFrame{Pressed: []ebiten.Key{ebiten.KeySlash}, Chars: []rune{'/'}})
			if on, q := v.Searching(); !on || q != "" {
				t.Fatalf("/ opened no empty prompt: %v %q", on, q)
			}
			typeText(v, tc.query+"x")
			keys(v, ebiten.KeyBackspace)
			if _, q := v.Searching(); q != tc.query {
				t.Fatalf("prompt holds %q, want %q", q, tc.query)
			}
			// A key typed into the prompt is text, not a command; backspace takes it away.
			v.HandleInput(&InputFrame{Pressed: []ebiten.Key{ebiten.KeyC}, Chars: []rune{'c'}})
			if _, q := v.Searching(); q != tc.query+"c" {
				t.Fatalf("prompt holds %q after c", q)
			}
			keys(v, ebiten.KeyBackspace)
			keys(v, ebiten.KeyEnter)
			if on, _ := v.Searching(); on {
				t.Fatal("Enter left the prompt open")
			}
			if v.ColorMode != ColorByKind {
				t.Error("c typed in the prompt changed the colour mode")
			}
			if tc.want < 0 {
				if v.Selected() != donburi.Null || !strings.Contains(v.toast, "nothing matches") {
					t.Errorf("selected %v, toast %q", v.Selected(), v.toast)
				}
				return
			}
			if v.Selected() != es[tc.want] {
				t.Fatalf("selected %v, want e%d", v.Selected(), tc.want)
			}
			n := v.Scene.Nodes[v.Scene.Index(es[tc.want])]
			if v.Camera.CenterX != n.X || v.Camera.CenterY != n.Y || n.R*v.Camera.Zoom < jumpPx-1e-9 {
				t.Errorf("camera %+v not on the node (%v, %v) at a readable zoom", v.Camera, n.X, n.Y)
			}
		})
	}
}

func TestSearchEscapeCancels(t *testing.T) {
	v, _, _ := inputView(t, false)
	keys(v, ebiten.KeySlash)
	typeText(v, "order")
	keys(v, ebiten.KeyEscape)
	if on, _ := v.Searching(); on || v.Selected() != donburi.Null {
		t.Error("Esc did not cancel the search")
	}
}

func TestKioskResumesFitAndFollowWhenIdle(t *testing.T) {
	v, _, clock := inputView(t, true)
	e := newECS(v.world)
	v.HandleInput(&InputFrame{X: 10, Y: 10, WheelY: 1}) // someone touched the wall screen
	v.UpdateCamera(e)
	if v.Fitting() || v.Following() {
		t.Fatal("input did not stop fit and follow")
	}
	clock.advance(10 * time.Second)
	v.UpdateCamera(e)
	if v.Fitting() {
		t.Fatal("resumed before the idle time")
	}
	clock.advance(11 * time.Second)
	v.UpdateCamera(e)
	if !v.Fitting() || !v.Following() {
		t.Fatal("kiosk did not resume fit and follow after 21 s idle")
	}
	// Framed at once: every node is now on screen.
	for _, n := range v.Scene.Nodes {
		sx, sy := v.Camera.WorldToScreen(n.X, n.Y)
		if sx < 0 || sx > 800 || sy < 0 || sy > 600 {
			t.Errorf("node at (%v, %v) off screen at (%v, %v)", n.X, n.Y, sx, sy)
		}
	}
}

func TestFollowEasesTowardTheNewestNode(t *testing.T) {
	v, es, _ := inputView(t, false)
	keys(v, ebiten.KeyL)
	e := newECS(v.world)
	newest := v.Scene.Nodes[v.Scene.Index(es[6])] // the highest timestamp
	for i := 0; i < 200; i++ {
		v.UpdateCamera(e)
	}
	if math.Abs(v.Camera.CenterX-newest.X) > 0.01 || math.Abs(v.Camera.CenterY-newest.Y) > 0.01 {
		t.Errorf("centre (%v, %v), want the newest node (%v, %v)", v.Camera.CenterX, v.Camera.CenterY, newest.X, newest.Y)
	}
	if v.Camera.Zoom != 2 {
		t.Errorf("follow changed the zoom to %v", v.Camera.Zoom)
	}
}
