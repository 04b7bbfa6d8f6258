package systems

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jetdag/jetdag/components/worldtest"

	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// At zoom 2 centred on the origin, world (x, y) is at screen (400 + 2x, 300 + 2y).
func inputView(t *testing.T, kiosk bool) (*ecs.ECS, []donburi.Entity, *fakeClock) {
	t.Helper()
	w, es := inspectWorld()
	clock := &fakeClock{t: 1e18}
	e := newECS(w)
	Setup(e, Options{Width: 800, Height: 600, Now: clock.now, Kiosk: kiosk})
	UpdateScene(e)
	SetCamera(e, components.Viewport{Zoom: 2, Width: 800, Height: 600})
	return e, es, clock
}

func cam(e *ecs.ECS) *components.CameraData { return GetOrCreateCamera(e) }

// takeShot reports, once, that the user asked for a screenshot, as the drawing code does.
func takeShot(e *ecs.ECS) bool {
	s := GetOrCreateSettings(e)
	asked := s.ScreenshotRequested
	s.ScreenshotRequested = false
	return asked
}

func searching(e *ecs.ECS) (bool, string) {
	s := GetOrCreateSearch(e)
	return s.Open, string(s.Query)
}

func scr(x, y float64) (float64, float64) { return 400 + 2*x, 300 + 2*y }

func click(e *ecs.ECS, x, y float64) {
	HandleInput(e, components.InputData{X: x, Y: y, LeftDown: true, LeftPressed: true})
	HandleInput(e, components.InputData{X: x, Y: y, LeftReleased: true})
}

func keys(e *ecs.ECS, ks ...components.Key) {
	HandleInput(e, components.InputData{X: 1, Y: 1, Pressed: ks})
}

func typeText(e *ecs.ECS, s string) {
	HandleInput(e, components.InputData{X: 1, Y: 1, Chars: []rune(s)})
}

func TestClickSelectsAndHoverHighlights(t *testing.T) {
	e, es, _ := inputView(t, false)
	x, y := scr(10, 0) // e1
	HandleInput(e, components.InputData{X: x + 3, Y: y + 3})
	if MarksOf(e).Hovered != es[1] {
		t.Errorf("hovered %v, want e1", MarksOf(e).Hovered)
	}
	click(e, x, y)
	if Selected(e) != es[1] || Info(e) == nil || Info(e).Type != "OrderPaid" {
		t.Fatalf("click on e1 selected %v (info %+v)", Selected(e), Info(e))
	}
	for _, want := range []donburi.Entity{es[0], es[1], es[2], es[3]} {
		if !MarksOf(e).Highlighted(want) {
			t.Errorf("%v not highlighted in e1's cone", want)
		}
	}
	if MarksOf(e).Highlighted(es[6]) {
		t.Error("an unrelated node is highlighted")
	}
	click(e, 50, 50) // empty space
	if Selected(e) != donburi.Null || Info(e) != nil || MarksOf(e).Highlighted(es[0]) {
		t.Error("a click on empty space did not clear the selection")
	}
}

func TestSelectionPansTheNodeClearOfTheInspector(t *testing.T) {
	e, es, _ := inputView(t, false)
	SetCamera(e, components.Viewport{CenterX: -150, Zoom: 2, Width: 800, Height: 600}) // e6 at x = 780
	n := SceneOf(e).Nodes[SceneOf(e).Index(es[6])]
	click(e, 400+2*(n.X+150), 300+2*n.Y)
	if Selected(e) != es[6] {
		t.Fatalf("selected %v", Selected(e))
	}
	sx, _ := cam(e).WorldToScreen(n.X, n.Y)
	if sx > InspectorRect(e).MinX-fitMargin+1e-9 {
		t.Errorf("the selected node is at x = %v, under the inspector (from %v)", sx, InspectorRect(e).MinX)
	}
}

func TestDragPansWithoutSelecting(t *testing.T) {
	e, _, _ := inputView(t, false)
	x, y := scr(10, 0) // starts on a node: a drag must not select it
	HandleInput(e, components.InputData{X: x, Y: y, LeftDown: true, LeftPressed: true})
	HandleInput(e, components.InputData{X: x + 2, Y: y, LeftDown: true}) // under the threshold
	if cam(e).CenterX != 0 {
		t.Fatalf("moved %v before the drag threshold", cam(e).CenterX)
	}
	HandleInput(e, components.InputData{X: x + 30, Y: y - 10, LeftDown: true})
	HandleInput(e, components.InputData{X: x + 50, Y: y - 10, LeftDown: true})
	HandleInput(e, components.InputData{X: x + 50, Y: y - 10, LeftReleased: true})
	// 48 pixels right and 10 up since the threshold was crossed, at zoom 2.
	if math.Abs(cam(e).CenterX - -24) > 1e-9 || math.Abs(cam(e).CenterY-5) > 1e-9 {
		t.Errorf("centre (%v, %v), want (−24, 5)", cam(e).CenterX, cam(e).CenterY)
	}
	if Selected(e) != donburi.Null {
		t.Error("a drag selected a node")
	}
}

func TestWheelZoomsAroundTheCursorOrScrollsTheInspector(t *testing.T) {
	e, es, _ := inputView(t, false)
	wx, wy := cam(e).ScreenToWorld(200, 150)
	HandleInput(e, components.InputData{X: 200, Y: 150, WheelY: 2})
	if want := 2 * wheelStep * wheelStep; math.Abs(cam(e).Zoom-want) > 1e-9 {
		t.Errorf("zoom %v, want %v", cam(e).Zoom, want)
	}
	if sx, sy := cam(e).WorldToScreen(wx, wy); math.Abs(sx-200) > 1e-9 || math.Abs(sy-150) > 1e-9 {
		t.Errorf("the point under the cursor moved to (%v, %v)", sx, sy)
	}
	Select(e, es[1])
	zoom := cam(e).Zoom
	HandleInput(e, components.InputData{X: 790, Y: 100, WheelY: -2}) // over the inspector
	if cam(e).Zoom != zoom || GetOrCreateSelection(e).Scroll != 6 {
		t.Errorf("wheel over the inspector: zoom %v→%v, scroll %d (want 6)", zoom, cam(e).Zoom, GetOrCreateSelection(e).Scroll)
	}
}

func TestKeys(t *testing.T) {
	tests := []struct {
		name  string
		keys  []components.Key
		check func(*ecs.ECS) bool
	}{
		{"c cycles the colour mode", []components.Key{components.KeyC, components.KeyC}, func(e *ecs.ECS) bool { return GetOrCreateSettings(e).ColorMode == components.ColorByType }},
		{"space pauses", []components.Key{components.KeySpace}, func(e *ecs.ECS) bool { return GetOrCreateSettings(e).Paused }},
		{"space twice resumes", []components.Key{components.KeySpace, components.KeySpace}, func(e *ecs.ECS) bool { return !GetOrCreateSettings(e).Paused }},
		{"l follows", []components.Key{components.KeyL}, func(e *ecs.ECS) bool { return cam(e).Follow }},
		{"f fits", []components.Key{components.KeyF}, func(e *ecs.ECS) bool { return cam(e).AutoFit }},
		{"h opens the help", []components.Key{components.KeyH}, func(e *ecs.ECS) bool { return GetOrCreateSettings(e).ShowHelp }},
		{"Esc closes the help", []components.Key{components.KeyH, components.KeyEscape}, func(e *ecs.ECS) bool { return !GetOrCreateSettings(e).ShowHelp }},
		{"s asks for a screenshot once", []components.Key{components.KeyS}, func(e *ecs.ECS) bool { return takeShot(e) && !takeShot(e) }},
		{"+ held zooms in", nil, func(e *ecs.ECS) bool {
			HandleInput(e, components.InputData{Held: []components.Key{components.KeyEqual}})
			return cam(e).Zoom > 2
		}},
		{"an arrow held pans", nil, func(e *ecs.ECS) bool {
			HandleInput(e, components.InputData{Held: []components.Key{components.KeyArrowLeft}})
			return cam(e).CenterX < 0
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, _, _ := inputView(t, false)
			for _, k := range tc.keys {
				keys(e, k)
			}
			if !tc.check(e) {
				t.Error("not so")
			}
		})
	}
}

func TestFiltersAndEscape(t *testing.T) {
	e, es, _ := inputView(t, false)
	keys(e, components.KeyA)
	if GetOrCreateFilter(e).Active() || !strings.Contains(GetOrCreateToast(e).Text, "select a node first") {
		t.Errorf("a without a selection: filter %+v, toast %q", *GetOrCreateFilter(e), GetOrCreateToast(e).Text)
	}
	Select(e, es[1])
	keys(e, components.KeyA)
	if *GetOrCreateFilter(e) != (components.FilterData{Aggregate: "order-1"}) {
		t.Errorf("a: filter %+v", *GetOrCreateFilter(e))
	}
	keys(e, components.KeyT)
	if GetOrCreateFilter(e).Kind.String() != "event" || GetOrCreateFilter(e).Type != "OrderPaid" {
		t.Errorf("t: filter %+v", *GetOrCreateFilter(e))
	}
	keys(e, components.KeyEscape)
	if GetOrCreateFilter(e).Active() || Selected(e) != es[1] {
		t.Errorf("first Esc: filter %+v selected %v; want the filter cleared, the selection kept", *GetOrCreateFilter(e), Selected(e))
	}
	keys(e, components.KeyEscape)
	if Selected(e) != donburi.Null {
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
		{"CID prefix", worldtest.CID(4).String()[:14], 4, false},
		{"upper-case CID prefix", strings.ToUpper(worldtest.CID(3).String()[:14]), 3, false},
		{"nothing", "nope", -1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, es, _ := inputView(t, false)
			SetCamera(e, components.Viewport{Zoom: 0.1, Width: 800, Height: 600})
			HandleInput(e, components.InputData{Pressed: []components.Key{components.KeySlash}, Chars: []rune{'/'}})
			if on, q := searching(e); !on || q != "" {
				t.Fatalf("/ opened no empty prompt: %v %q", on, q)
			}
			typeText(e, tc.query+"x")
			keys(e, components.KeyBackspace)
			if _, q := searching(e); q != tc.query {
				t.Fatalf("prompt holds %q, want %q", q, tc.query)
			}
			// A key typed into the prompt is text, not a command; backspace takes it away.
			HandleInput(e, components.InputData{Pressed: []components.Key{components.KeyC}, Chars: []rune{'c'}})
			if _, q := searching(e); q != tc.query+"c" {
				t.Fatalf("prompt holds %q after c", q)
			}
			keys(e, components.KeyBackspace)
			keys(e, components.KeyEnter)
			if on, _ := searching(e); on {
				t.Fatal("Enter left the prompt open")
			}
			if GetOrCreateSettings(e).ColorMode != components.ColorByKind {
				t.Error("c typed in the prompt changed the colour mode")
			}
			if tc.want < 0 {
				if Selected(e) != donburi.Null || !strings.Contains(GetOrCreateToast(e).Text, "nothing matches") {
					t.Errorf("selected %v, toast %q", Selected(e), GetOrCreateToast(e).Text)
				}
				return
			}
			if Selected(e) != es[tc.want] {
				t.Fatalf("selected %v, want e%d", Selected(e), tc.want)
			}
			n := SceneOf(e).Nodes[SceneOf(e).Index(es[tc.want])]
			if cam(e).CenterX != n.X || cam(e).CenterY != n.Y || n.R*cam(e).Zoom < jumpPx-1e-9 {
				t.Errorf("camera %+v not on the node (%v, %v) at a readable zoom", cam(e).Viewport, n.X, n.Y)
			}
		})
	}
}

func TestSearchEscapeCancels(t *testing.T) {
	e, _, _ := inputView(t, false)
	keys(e, components.KeySlash)
	typeText(e, "order")
	keys(e, components.KeyEscape)
	if on, _ := searching(e); on || Selected(e) != donburi.Null {
		t.Error("Esc did not cancel the search")
	}
}

func TestKioskResumesFitAndFollowWhenIdle(t *testing.T) {
	e, _, clock := inputView(t, true)
	HandleInput(e, components.InputData{X: 10, Y: 10, WheelY: 1}) // someone touched the wall screen
	UpdateCamera(e)
	if cam(e).AutoFit || cam(e).Follow {
		t.Fatal("input did not stop fit and follow")
	}
	clock.advance(10 * time.Second)
	UpdateCamera(e)
	if cam(e).AutoFit {
		t.Fatal("resumed before the idle time")
	}
	clock.advance(11 * time.Second)
	UpdateCamera(e)
	if !cam(e).AutoFit || !cam(e).Follow {
		t.Fatal("kiosk did not resume fit and follow after 21 s idle")
	}
	// Framed at once: every node is now on screen.
	for _, n := range SceneOf(e).Nodes {
		sx, sy := cam(e).WorldToScreen(n.X, n.Y)
		if sx < 0 || sx > 800 || sy < 0 || sy > 600 {
			t.Errorf("node at (%v, %v) off screen at (%v, %v)", n.X, n.Y, sx, sy)
		}
	}
}

func TestFollowEasesTowardTheNewestNode(t *testing.T) {
	e, es, _ := inputView(t, false)
	keys(e, components.KeyL)
	newest := SceneOf(e).Nodes[SceneOf(e).Index(es[6])] // the highest timestamp
	for i := 0; i < 200; i++ {
		UpdateCamera(e)
	}
	if math.Abs(cam(e).CenterX-newest.X) > 0.01 || math.Abs(cam(e).CenterY-newest.Y) > 0.01 {
		t.Errorf("centre (%v, %v), want the newest node (%v, %v)", cam(e).CenterX, cam(e).CenterY, newest.X, newest.Y)
	}
	if cam(e).Zoom != 2 {
		t.Errorf("follow changed the zoom to %v", cam(e).Zoom)
	}
}
