package systems

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/worldtest"
)

// Lanes as the lanes layout places them: lane k at y = 60k, column c at x = 30c.
const (
	testLaneH   = 60.0
	testColumnW = 30.0
)

// lanesView is a fitted window on lanes lanes of cols events each, in the given layout
// (the nodes stand where the lanes layout puts them either way). es[k*cols+c] is lane k's
// event c.
func lanesView(t *testing.T, lanes, cols int, mode components.LayoutMode) (*ecs.ECS, []donburi.Entity) {
	t.Helper()
	w := donburi.NewWorld()
	var es []donburi.Entity
	for k := 0; k < lanes; k++ {
		for c := 0; c < cols; c++ {
			es = append(es, worldtest.Node(w, len(es), worldtest.Event(float64(c)*testColumnW, float64(k)*testLaneH, fmt.Sprint("customer-", k), "T")))
		}
	}
	e := newECS(w)
	Setup(e, Options{Width: 1280, Height: 800, Layout: mode})
	UpdateScene(e)
	UpdateCamera(e) // the first picture is fitted at once
	return e, es
}

func nodeOnScreen(e *ecs.ECS, en donburi.Entity) (float64, float64) {
	p := components.Position.Get(e.World.Entry(en))
	return cam(e).WorldToScreen(p.X, p.Y)
}

func shiftWheel(e *ecs.ECS, x, y, notches float64) {
	HandleInput(e, components.InputData{X: x, Y: y, WheelY: notches, Held: []components.Key{components.KeyShift}})
}

// Thousands of aggregates: fitted, 2,000 lanes are a fraction of a pixel apart. In the lanes
// layout shift+wheel spreads them around the cursor's row until each has a line of text, x
// and the node size staying put; control+wheel scrolls, shift+↑/↓ spread and squeeze
// around the middle, the plain wheel still zooms uniformly, and f fits (uniformly) again.
func TestLanesVerticalZoom(t *testing.T) {
	const lanes, cols = 2000, 3
	e, es := lanesView(t, lanes, cols, components.LayoutLanes)
	gap := func() float64 { // pixels between two neighbouring lanes
		_, y0 := nodeOnScreen(e, es[0])
		_, y1 := nodeOnScreen(e, es[cols])
		return y1 - y0
	}
	if g := gap(); g >= 1 {
		t.Fatalf("fitted, %d lanes are %.2f px apart: the test wants them unreadable", lanes, g)
	}
	fitZoom := cam(e).Zoom
	const cx, cy = 640.0, 400.0
	wx, wy := cam(e).ScreenToWorld(cx, cy)
	notches := 0
	for ; gap() < 16 && notches < 60; notches++ {
		shiftWheel(e, cx, cy, 1)
	}
	if gap() < 16 {
		t.Fatalf("after %d notches of shift+wheel the lanes are %.2f px apart", notches, gap())
	}
	if want := math.Ceil(math.Log(16/(testLaneH*fitZoom)) / math.Log(wheelStep)); float64(notches) != want {
		t.Errorf("%d notches to spread the lanes to 16 px, want %v (%.2f× each)", notches, want, wheelStep)
	}
	if c := cam(e); c.Zoom != fitZoom || c.AutoFit {
		t.Errorf("shift+wheel changed the zoom to %v (was %v) or left fit on (%v)", c.Zoom, fitZoom, c.AutoFit)
	}
	if sx, sy := cam(e).WorldToScreen(wx, wy); math.Abs(sx-cx) > 1e-6 || math.Abs(sy-cy) > 1e-6 {
		t.Errorf("the world point under the cursor moved to (%v, %v)", sx, sy)
	}
	// A node on screen is hit where it is drawn (its radius in pixels is the zoom's), not
	// across the stretched lane.
	k := lanes / 2
	x, y := nodeOnScreen(e, es[k*cols+1])
	if got := PickAt(e, x, y); got < 0 || SceneOf(e).Nodes[got].Entity != es[k*cols+1] {
		t.Errorf("a click on lane %d's node picked %d", k, got)
	}
	if got := PickAt(e, x, y+pickSlackPx+3); got >= 0 {
		t.Errorf("a click %v px below a node a fraction of a pixel big picked node %d", pickSlackPx+3, got)
	}

	// Control+wheel scrolls: two notches towards the user move the picture up 80 px.
	before := cam(e).Viewport
	HandleInput(e, components.InputData{X: cx, Y: cy, WheelY: -2, Held: []components.Key{components.KeyControl}})
	after := cam(e).Viewport
	if after.Zoom != before.Zoom || after.Stretch != before.Stretch || after.CenterX != before.CenterX {
		t.Errorf("control+wheel zoomed or moved sideways: %+v → %+v", before, after)
	}
	_, y0 := before.WorldToScreen(0, 0)
	if _, y1 := after.WorldToScreen(0, 0); math.Abs(y1-(y0-2*wheelScrollPx)) > 1e-6 {
		t.Errorf("control+wheel −2 moved a lane from y %v to %v, want %v", y0, y1, y0-2*wheelScrollPx)
	}

	// Shift+↓ held squeezes around the middle; ↓ alone pans.
	s0 := cam(e).YStretch()
	_, mid := cam(e).ScreenToWorld(0, 400)
	for range 10 {
		HandleInput(e, components.InputData{X: cx, Y: cy, Held: []components.Key{components.KeyShift, components.KeyArrowDown}})
	}
	if got, want := cam(e).YStretch(), s0/math.Pow(keyStretch, 10); math.Abs(got-want) > 1e-9*want {
		t.Errorf("10 ticks of shift+↓: stretch %v, want %v", got, want)
	}
	if _, sy := cam(e).WorldToScreen(0, mid); math.Abs(sy-400) > 1e-6 {
		t.Errorf("shift+↓ moved the middle row to y %v", sy)
	}
	s1, c1 := cam(e).YStretch(), cam(e).CenterY
	HandleInput(e, components.InputData{X: cx, Y: cy, Held: []components.Key{components.KeyArrowDown}})
	if cam(e).YStretch() != s1 || cam(e).CenterY == c1 {
		t.Errorf("↓ alone: stretch %v (was %v), centre y %v (was %v): want a pan", cam(e).YStretch(), s1, cam(e).CenterY, c1)
	}

	// The plain wheel zooms both ways, keeping the stretch.
	z := cam(e).Zoom
	HandleInput(e, components.InputData{X: cx, Y: cy, WheelY: 1})
	if cam(e).Zoom != z*wheelStep || cam(e).YStretch() != s1 {
		t.Errorf("plain wheel: zoom %v stretch %v, want %v and %v", cam(e).Zoom, cam(e).YStretch(), z*wheelStep, s1)
	}

	// f fits everything again, uniformly.
	keys(e, components.KeyF)
	UpdateCamera(e)
	if c := cam(e); c.YStretch() != 1 || c.Zoom != fitZoom {
		t.Errorf("after f: stretch %v zoom %v, want 1 and %v", c.YStretch(), c.Zoom, fitZoom)
	}
	var named bool
	for _, b := range KeysOf(e) {
		named = named || strings.Contains(b.Name, "shift + wheel")
	}
	if !named {
		t.Error("the key table does not name shift + wheel")
	}
}

// In the force layout the modifiers change nothing: shift+wheel and control+wheel zoom as the
// wheel does, and shift+↓ pans.
func TestForceLayoutIgnoresLaneZoom(t *testing.T) {
	e, _ := lanesView(t, 50, 3, components.LayoutForce)
	z := cam(e).Zoom
	shiftWheel(e, 640, 400, 1)
	HandleInput(e, components.InputData{X: 640, Y: 400, WheelY: 1, Held: []components.Key{components.KeyControl}})
	if c := cam(e); c.YStretch() != 1 || math.Abs(c.Zoom-z*wheelStep*wheelStep) > 1e-12 {
		t.Errorf("force layout, shift and control+wheel: stretch %v zoom %v, want 1 and %v", c.YStretch(), c.Zoom, z*wheelStep*wheelStep)
	}
	cy := cam(e).CenterY
	HandleInput(e, components.InputData{X: 640, Y: 400, Held: []components.Key{components.KeyShift, components.KeyArrowDown}})
	if c := cam(e); c.YStretch() != 1 || c.CenterY == cy {
		t.Errorf("force layout, shift+↓: stretch %v centre y %v (was %v), want a pan", c.YStretch(), c.CenterY, cy)
	}
}
