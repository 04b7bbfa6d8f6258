package systems

import (
	"math"
	"testing"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/worldtest"
)

// TestMinimapMaps: the minimap keeps the graph's shape, its corners land inside the box, and
// ToWorld inverts ToMinimap.
func TestMinimapMaps(t *testing.T) {
	box := components.Rect{MinX: 1000, MinY: 600, MaxX: 1220, MaxY: 750}
	world := components.Rect{MinX: -100, MinY: 0, MaxX: 300, MaxY: 100} // 4:1, wider than the box
	m := NewMinimap(box, world)
	x0, y0 := m.ToMinimap(world.MinX, world.MinY)
	x1, y1 := m.ToMinimap(world.MaxX, world.MaxY)
	if x0 < box.MinX || x1 > box.MaxX || y0 < box.MinY || y1 > box.MaxY {
		t.Fatalf("world corners map to (%v,%v)-(%v,%v), outside the box %v", x0, y0, x1, y1, box)
	}
	if r := (x1 - x0) / (y1 - y0); math.Abs(r-4) > 1e-9 {
		t.Errorf("aspect on the minimap %v, want 4 (one scale for both axes)", r)
	}
	if math.Abs(x0-(box.MinX+6)) > 1e-9 || math.Abs(x1-(box.MaxX-6)) > 1e-9 {
		t.Errorf("the wide graph spans x %v..%v, want the box's width inside its 6 px margin", x0, x1)
	}
	for _, p := range [][2]float64{{-100, 0}, {300, 100}, {0, 50}, {123.5, 7.25}} {
		sx, sy := m.ToMinimap(p[0], p[1])
		wx, wy := m.ToWorld(sx, sy)
		if math.Abs(wx-p[0]) > 1e-9 || math.Abs(wy-p[1]) > 1e-9 {
			t.Errorf("ToWorld(ToMinimap(%v)) = (%v, %v)", p, wx, wy)
		}
	}
	cx, cy := m.ToWorld((box.MinX+box.MaxX)/2, (box.MinY+box.MaxY)/2)
	if math.Abs(cx-100) > 1e-9 || math.Abs(cy-50) > 1e-9 {
		t.Errorf("the box's centre stands for (%v, %v), want the world's centre (100, 50)", cx, cy)
	}
}

// TestMinimapClickMovesCamera: with the minimap on (the m key), a click on it centres the
// camera on the world point it stands for, stops fit and follow, and selects nothing.
func TestMinimapClickMovesCamera(t *testing.T) {
	w := donburi.NewWorld()
	for i := 0; i < 20; i++ {
		worldtest.Node(w, i, worldtest.Event(float64(i%5)*100, float64(i/5)*100, "a", "T"))
	}
	e := newECS(w)
	Setup(e, Options{Width: 1280, Height: 800})
	UpdateScene(e)
	in := GetOrCreateInput(e)
	in.Pressed = []components.Key{components.KeyM}
	UpdateInput(e)
	in.Pressed = nil
	if !MinimapShown(e) {
		t.Fatal("the m key did not turn the minimap on")
	}
	m := MinimapOf(e)
	// The point of the minimap that stands for the world's (400, 0) corner region.
	sx, sy := m.ToMinimap(380, 20)
	*in = components.InputData{X: sx, Y: sy, LeftPressed: true, LeftDown: true}
	UpdateInput(e)
	*in = components.InputData{X: sx, Y: sy, LeftReleased: true}
	UpdateInput(e)
	cam := GetOrCreateCamera(e)
	if math.Abs(cam.CenterX-380) > 1e-6 || math.Abs(cam.CenterY-20) > 1e-6 {
		t.Errorf("camera centre (%v, %v) after the click, want (380, 20)", cam.CenterX, cam.CenterY)
	}
	if cam.AutoFit || cam.Follow {
		t.Error("fit or follow still on after a minimap jump: the camera would move back")
	}
	if GetOrCreateSelection(e).Entity != donburi.Null {
		t.Error("a click on the minimap selected a node")
	}
	in.Pressed = []components.Key{components.KeyM}
	UpdateInput(e)
	if MinimapShown(e) {
		t.Error("m again did not turn the minimap off")
	}
}
