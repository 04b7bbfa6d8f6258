package components

import (
	"math"
	"testing"
)

func closeTo(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(1, math.Abs(a), math.Abs(b)) }

func TestCameraTransforms(t *testing.T) {
	tests := []struct {
		name   string
		cam    Viewport
		wx, wy float64
		sx, sy float64
	}{
		{"origin at the centre", Viewport{Zoom: 1, Width: 800, Height: 600}, 0, 0, 400, 300},
		{"zoom scales from the centre", Viewport{Zoom: 2, Width: 800, Height: 600}, 10, -5, 420, 290},
		{"centre moves the picture", Viewport{CenterX: 100, CenterY: 50, Zoom: 0.5, Width: 800, Height: 600}, 100, 50, 400, 300},
		{"off-centre point", Viewport{CenterX: 100, CenterY: 50, Zoom: 0.5, Width: 800, Height: 600}, 0, 0, 350, 275},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sx, sy := tc.cam.WorldToScreen(tc.wx, tc.wy)
			if !closeTo(sx, tc.sx) || !closeTo(sy, tc.sy) {
				t.Errorf("WorldToScreen(%v, %v) = (%v, %v), want (%v, %v)", tc.wx, tc.wy, sx, sy, tc.sx, tc.sy)
			}
			wx, wy := tc.cam.ScreenToWorld(tc.sx, tc.sy)
			if !closeTo(wx, tc.wx) || !closeTo(wy, tc.wy) {
				t.Errorf("ScreenToWorld(%v, %v) = (%v, %v), want (%v, %v)", tc.sx, tc.sy, wx, wy, tc.wx, tc.wy)
			}
		})
	}
}

func TestCameraZoomAtKeepsThePointUnderTheCursor(t *testing.T) {
	tests := []struct {
		name     string
		factor   float64
		wantZoom float64
	}{
		{"zoom in", 1.5, 1.5},
		{"zoom out", 0.25, 0.25},
		{"clamped at MaxZoom", 1e6, MaxZoom},
		{"clamped at MinZoom", 1e-9, MinZoom},
		{"non-positive factor ignored", -2, 1},
		{"NaN ignored", math.NaN(), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Viewport{CenterX: 30, CenterY: -20, Zoom: 1, Width: 1000, Height: 700}
			wx, wy := c.ScreenToWorld(123, 456)
			c.ZoomAt(123, 456, tc.factor)
			if !closeTo(c.Zoom, tc.wantZoom) {
				t.Errorf("zoom = %v, want %v", c.Zoom, tc.wantZoom)
			}
			sx, sy := c.WorldToScreen(wx, wy)
			if math.Abs(sx-123) > 1e-6 || math.Abs(sy-456) > 1e-6 {
				t.Errorf("the world point under the cursor moved to (%v, %v)", sx, sy)
			}
		})
	}
}

func TestCameraPanFollowsTheCursor(t *testing.T) {
	c := Viewport{Zoom: 4, Width: 800, Height: 600}
	wx, wy := c.ScreenToWorld(200, 100)
	c.Pan(30, -12)
	sx, sy := c.WorldToScreen(wx, wy)
	if !closeTo(sx, 230) || !closeTo(sy, 88) {
		t.Errorf("after a pan of (30, −12) the point is at (%v, %v), want (230, 88)", sx, sy)
	}
}

func TestFit(t *testing.T) {
	tests := []struct {
		name     string
		b        Rect
		wantZoom float64
	}{
		{"wide box: width decides", Rect{0, 0, 1000, 100}, (800 - 2*50) / 1000.0},
		{"tall box: height decides", Rect{-50, -500, 50, 500}, (600 - 2*50) / 1000.0},
		{"one point: zoom 1", Rect{5, 5, 5, 5}, 1},
		{"a line: its length decides", Rect{0, 0, 0, 250}, 2},
		{"empty: origin at zoom 1", EmptyRect(), 1},
		{"huge box: clamped", Rect{0, 0, 1e9, 1e9}, MinZoom},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Fit(tc.b, 800, 600, 50)
			if !closeTo(c.Zoom, tc.wantZoom) {
				t.Errorf("zoom = %v, want %v", c.Zoom, tc.wantZoom)
			}
			if tc.b.Empty() || tc.wantZoom == MinZoom {
				return
			}
			for _, p := range [][2]float64{{tc.b.MinX, tc.b.MinY}, {tc.b.MaxX, tc.b.MaxY}} {
				sx, sy := c.WorldToScreen(p[0], p[1])
				if sx < 50-1e-6 || sx > 750+1e-6 || sy < 50-1e-6 || sy > 550+1e-6 {
					t.Errorf("corner %v lands at (%v, %v), outside the margin", p, sx, sy)
				}
			}
		})
	}
}

func TestCameraEaseTo(t *testing.T) {
	c := Viewport{CenterX: 0, CenterY: 0, Zoom: 1, Width: 100, Height: 100}
	target := Viewport{CenterX: 100, CenterY: -40, Zoom: 4, Width: 100, Height: 100}
	half := c
	half.EaseTo(target, 0.5)
	if !closeTo(half.CenterX, 50) || !closeTo(half.CenterY, -20) || !closeTo(half.Zoom, 2) {
		t.Errorf("halfway: %+v, want centre (50, −20) and zoom 2 (geometric)", half)
	}
	c.EaseTo(target, 1)
	if c != target {
		t.Errorf("all the way: %+v, want %+v", c, target)
	}
	// Repeated small steps come to rest exactly on the target.
	c = Viewport{Zoom: 1, Width: 100, Height: 100}
	for i := 0; i < 500 && c != target; i++ {
		c.EaseTo(target, 0.1)
	}
	if c != target {
		t.Errorf("after 500 steps of 10%%: %+v, not at rest on %+v", c, target)
	}
}

func TestCameraView(t *testing.T) {
	c := Viewport{CenterX: 10, CenterY: 20, Zoom: 2, Width: 400, Height: 200}
	if got, want := c.Visible(), (Rect{-90, -30, 110, 70}); got != want {
		t.Errorf("View = %+v, want %+v", got, want)
	}
}

func TestFitInCentresInTheArea(t *testing.T) {
	// The area is the left half of the screen below a 100-pixel band.
	area := Rect{0, 100, 400, 600}
	c := FitIn(Rect{-10, -10, 10, 10}, 800, 600, area)
	if !closeTo(c.Zoom, 20) {
		t.Errorf("zoom %v, want 20 (400 px for 20 units)", c.Zoom)
	}
	for _, p := range [][2]float64{{-10, -10}, {10, 10}} {
		sx, sy := c.WorldToScreen(p[0], p[1])
		if !area.Contains(sx, sy) {
			t.Errorf("corner %v at (%v, %v), outside the area", p, sx, sy)
		}
	}
	if sx, sy := c.WorldToScreen(0, 0); !closeTo(sx, 200) || !closeTo(sy, 350) {
		t.Errorf("box centre at (%v, %v), want the area's centre (200, 350)", sx, sy)
	}
}

// The stretch scales y alone: the lanes view's vertical zoom spreads the lanes around the
// cursor's row, leaves x and the zoom (the nodes' size) alone, and keeps pan and the inverse
// transform consistent.
func TestCameraStretchAt(t *testing.T) {
	c := Viewport{CenterX: 30, CenterY: -20, Zoom: 0.5, Width: 1000, Height: 700}
	wx, wy := c.ScreenToWorld(123, 456)
	ox, oy := c.ScreenToWorld(600, 100)
	c.StretchAt(456, 8)
	if c.Stretch != 8 || c.Zoom != 0.5 || c.ZoomY() != 4 {
		t.Fatalf("after StretchAt(·, 8): stretch %v zoom %v zoomY %v, want 8, 0.5, 4", c.Stretch, c.Zoom, c.ZoomY())
	}
	if sx, sy := c.WorldToScreen(wx, wy); math.Abs(sx-123) > 1e-6 || math.Abs(sy-456) > 1e-6 {
		t.Errorf("the world point under the cursor moved to (%v, %v)", sx, sy)
	}
	sx, sy := c.WorldToScreen(ox, oy)
	if math.Abs(sx-600) > 1e-6 {
		t.Errorf("x moved: %v, want 600", sx)
	}
	if want := 456 + (100-456)*8.0; math.Abs(sy-want) > 1e-6 {
		t.Errorf("a point 356 px above the cursor is at y %v, want %v (8× as far)", sy, want)
	}
	if bx, by := c.ScreenToWorld(c.WorldToScreen(ox, oy)); !closeTo(bx, ox) || !closeTo(by, oy) {
		t.Errorf("ScreenToWorld does not invert WorldToScreen: (%v, %v), want (%v, %v)", bx, by, ox, oy)
	}
	px, py := c.ScreenToWorld(200, 100)
	c.Pan(30, -12)
	if sx, sy := c.WorldToScreen(px, py); !closeTo(sx, 230) || !closeTo(sy, 88) {
		t.Errorf("after a pan of (30, −12) the point is at (%v, %v), want (230, 88)", sx, sy)
	}
	// A uniform zoom keeps the stretch.
	c.ZoomAt(500, 350, 2)
	if c.Stretch != 8 || c.Zoom != 1 {
		t.Errorf("after ZoomAt(2): stretch %v zoom %v, want 8 and 1", c.Stretch, c.Zoom)
	}
	for _, tc := range []struct {
		name         string
		zoom, factor float64
		want         float64
	}{
		{"squeezed down to MinStretch", 1, 1e-9, MinStretch},
		{"spread up to MaxStretch", 1e-3, 1e9, MaxStretch},
		{"y never past MaxZoom pixels a unit", 2, 1e9, MaxZoom / 2},
		{"at MaxZoom a stretch can still squeeze", MaxZoom, 0.5, 0.5},
		{"non-positive factor ignored", 1, -1, 1},
		{"NaN ignored", 1, math.NaN(), 1},
	} {
		v := Viewport{Zoom: tc.zoom, Width: 100, Height: 100}
		v.StretchAt(10, tc.factor)
		if !closeTo(v.YStretch(), tc.want) {
			t.Errorf("%s: stretch %v, want %v", tc.name, v.YStretch(), tc.want)
		}
	}
}

// Easing to a fitted (uniform) camera brings the stretch back to 1 and lands on the target.
func TestCameraEaseToUniform(t *testing.T) {
	c := Viewport{Zoom: 1, Stretch: 16, Width: 100, Height: 100}
	target := Viewport{CenterX: 10, Zoom: 1, Width: 100, Height: 100}
	half := c
	half.EaseTo(target, 0.5)
	if !closeTo(half.Stretch, 4) {
		t.Errorf("halfway: stretch %v, want 4 (geometric)", half.Stretch)
	}
	for i := 0; i < 500 && c != target; i++ {
		c.EaseTo(target, 0.1)
	}
	if c != target {
		t.Errorf("after 500 steps of 10%%: %+v, not at rest on %+v", c, target)
	}
}
