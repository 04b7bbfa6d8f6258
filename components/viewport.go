package components

import "math"

// Zoom limits, in screen pixels per world unit. A node of the seed's size has a radius of 8
// world units, so MinZoom shows it a hundredth of a pixel wide (a 100,000-node DAG fits a
// screen) and MaxZoom 160 pixels wide.
const (
	MinZoom = 0.001
	MaxZoom = 20.0
)

// Stretch limits: how far the lanes view's vertical zoom (Viewport.Stretch) may squeeze or
// spread y beyond the zoom. MaxStretch lets 2,000 lanes fitted a fraction of a pixel apart
// spread to a line of text each; past it, zoom in.
const (
	MinStretch = 1.0 / 16
	MaxStretch = 4096.0
)

// Rect is an axis-aligned rectangle in world units (or pixels, where said).
type Rect struct{ MinX, MinY, MaxX, MaxY float64 }

// EmptyRect is the identity of Extend: it contains nothing and any point extends it.
func EmptyRect() Rect {
	return Rect{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
}

// Empty reports whether r contains no point.
func (r Rect) Empty() bool { return r.MinX > r.MaxX || r.MinY > r.MaxY }

// Extend returns r grown to contain the disc of radius rad around (x, y).
func (r Rect) Extend(x, y, rad float64) Rect {
	return Rect{min(r.MinX, x-rad), min(r.MinY, y-rad), max(r.MaxX, x+rad), max(r.MaxY, y+rad)}
}

// Contains reports whether (x, y) lies in r, edges included.
func (r Rect) Contains(x, y float64) bool {
	return x >= r.MinX && x <= r.MaxX && y >= r.MinY && y <= r.MaxY
}

// Viewport maps world units to screen pixels:
//
//	screen x = (x − CenterX) · Zoom + Width/2
//	screen y = (y − CenterY) · Zoom · Stretch + Height/2
//
// Stretch is the lanes view's vertical zoom: it spreads or squeezes the lanes while the nodes
// keep their size (Zoom alone sizes them). A Stretch of 0 means 1, so that a viewport made
// without it is uniform.
//
// The zero value is not usable; start from NewViewport. All methods are plain arithmetic, so
// tests call them without a window.
type Viewport struct {
	CenterX, CenterY float64 // the world point at the middle of the screen
	Zoom             float64 // screen pixels per world unit
	Stretch          float64 // y's extra scale (0: 1), within [MinStretch, MaxStretch]
	Width, Height    int     // the screen, in pixels
}

// ZoomY is the screen pixels per world unit along y: Zoom · Stretch.
func (c Viewport) ZoomY() float64 {
	if c.Stretch == 0 {
		return c.Zoom
	}
	return c.Zoom * c.Stretch
}

// YStretch is Stretch with 0 read as 1.
func (c Viewport) YStretch() float64 {
	if c.Stretch == 0 {
		return 1
	}
	return c.Stretch
}

// NewViewport returns a viewport over a width×height screen looking at the world origin at
// zoom 1.
func NewViewport(width, height int) Viewport {
	return Viewport{Zoom: 1, Width: width, Height: height}
}

// WorldToScreen maps a world point to screen pixels.
func (c Viewport) WorldToScreen(x, y float64) (sx, sy float64) {
	return (x-c.CenterX)*c.Zoom + float64(c.Width)/2, (y-c.CenterY)*c.ZoomY() + float64(c.Height)/2
}

// ScreenToWorld maps screen pixels to a world point; it inverts WorldToScreen.
func (c Viewport) ScreenToWorld(sx, sy float64) (x, y float64) {
	return (sx-float64(c.Width)/2)/c.Zoom + c.CenterX, (sy-float64(c.Height)/2)/c.ZoomY() + c.CenterY
}

// Visible is the rectangle of the world the screen shows.
func (c Viewport) Visible() Rect {
	x0, y0 := c.ScreenToWorld(0, 0)
	x1, y1 := c.ScreenToWorld(float64(c.Width), float64(c.Height))
	return Rect{x0, y0, x1, y1}
}

// Pan moves the picture by (dx, dy) screen pixels, as when the cursor drags it.
func (c *Viewport) Pan(dx, dy float64) {
	c.CenterX -= dx / c.Zoom
	c.CenterY -= dy / c.ZoomY()
}

// ZoomAt multiplies the zoom by factor, clamped to [MinZoom, MaxZoom], keeping the world
// point under the screen point (sx, sy) where it is: zooming around the cursor.
func (c *Viewport) ZoomAt(sx, sy, factor float64) {
	if factor <= 0 || math.IsNaN(factor) || math.IsInf(factor, 0) {
		return
	}
	wx, wy := c.ScreenToWorld(sx, sy)
	c.Zoom = ClampZoom(c.Zoom * factor)
	if c.Stretch != 0 {
		c.Stretch = ClampStretch(c.Zoom, c.Stretch)
	}
	// Solve WorldToScreen(wx, wy) == (sx, sy) for the centre.
	c.CenterX = wx - (sx-float64(c.Width)/2)/c.Zoom
	c.CenterY = wy - (sy-float64(c.Height)/2)/c.ZoomY()
}

// StretchAt multiplies the stretch (y's scale alone) by factor, clamped by ClampStretch,
// keeping the world y under the screen row sy where it is: the lanes view's vertical zoom
// around the cursor. x does not move.
func (c *Viewport) StretchAt(sy, factor float64) {
	if factor <= 0 || math.IsNaN(factor) || math.IsInf(factor, 0) {
		return
	}
	_, wy := c.ScreenToWorld(0, sy)
	c.Stretch = ClampStretch(c.Zoom, c.YStretch()*factor)
	c.CenterY = wy - (sy-float64(c.Height)/2)/c.ZoomY()
}

// Fit returns the camera that shows the whole of b with margin pixels to spare on every side
// of a width×height screen, centred. An empty b gives the camera at the origin at zoom 1.
func Fit(b Rect, width, height int, margin float64) Viewport {
	return FitIn(b, width, height, Rect{margin, margin, float64(width) - margin, float64(height) - margin})
}

// FitIn returns the camera over a width×height screen that shows the whole of b inside the
// screen rectangle area (pixels), as large as fits and centred in area: the part of the
// screen that panels do not cover. An empty b gives the camera at the origin at zoom 1.
func FitIn(b Rect, width, height int, area Rect) Viewport {
	c := NewViewport(width, height)
	if b.Empty() {
		return c
	}
	w, h := b.MaxX-b.MinX, b.MaxY-b.MinY
	availW := max(area.MaxX-area.MinX, 1)
	availH := max(area.MaxY-area.MinY, 1)
	switch {
	case w <= 0 && h <= 0:
		c.Zoom = 1
	case w <= 0:
		c.Zoom = availH / h
	case h <= 0:
		c.Zoom = availW / w
	default:
		c.Zoom = min(availW/w, availH/h)
	}
	c.Zoom = ClampZoom(c.Zoom)
	// The box's centre goes to the area's centre, which is off the screen's centre by
	// (dx, dy) pixels.
	dx := (area.MinX+area.MaxX)/2 - float64(width)/2
	dy := (area.MinY+area.MaxY)/2 - float64(height)/2
	c.CenterX = (b.MinX+b.MaxX)/2 - dx/c.Zoom
	c.CenterY = (b.MinY+b.MaxY)/2 - dy/c.Zoom
	return c
}

// EaseTo moves c a fraction t (0…1) of the way to target: the centre linearly, the zoom and
// the stretch geometrically, so that a follow or fit animation feels even at every scale.
//
// Once the camera is within a twentieth of a pixel of the target it lands on it exactly, so
// that an eased camera comes to rest (and a settled picture can be reused).
func (c *Viewport) EaseTo(target Viewport, t float64) {
	t = min(max(t, 0), 1)
	c.CenterX += (target.CenterX - c.CenterX) * t
	c.CenterY += (target.CenterY - c.CenterY) * t
	c.Zoom = ClampZoom(c.Zoom * math.Pow(target.Zoom/c.Zoom, t))
	s, ts := c.YStretch(), target.YStretch()
	if s != ts {
		c.Stretch = s * math.Pow(ts/s, t)
	}
	const landPx = 0.05
	far := max(float64(c.Width), float64(c.Height))
	if math.Abs(target.CenterX-c.CenterX)*c.Zoom < landPx && math.Abs(target.CenterY-c.CenterY)*c.ZoomY() < landPx &&
		math.Abs(target.Zoom-c.Zoom)/c.Zoom*far < landPx && math.Abs(ts-c.YStretch())/c.YStretch()*far < landPx {
		c.CenterX, c.CenterY, c.Zoom, c.Stretch = target.CenterX, target.CenterY, ClampZoom(target.Zoom), target.Stretch
	}
}

// Resize changes the screen size, keeping the centre and zoom.
func (c *Viewport) Resize(width, height int) {
	c.Width, c.Height = width, height
}

// ClampStretch clamps a stretch s to [MinStretch, MaxStretch] and, where the stretch spreads
// y (s > 1), to at most MaxZoom pixels per world unit along y at zoom z (NaN: 1).
func ClampStretch(z, s float64) float64 {
	if math.IsNaN(s) {
		return 1
	}
	hi := MaxStretch
	if z > 0 {
		hi = max(min(hi, MaxZoom/z), 1)
	}
	return min(max(s, MinStretch), hi)
}

// ClampZoom clamps z to [MinZoom, MaxZoom] (NaN: 1).
func ClampZoom(z float64) float64 {
	if math.IsNaN(z) {
		return 1
	}
	return min(max(z, MinZoom), MaxZoom)
}

// Width is the rectangle's width.
func (r Rect) Width() float64 { return r.MaxX - r.MinX }

// Height is the rectangle's height.
func (r Rect) Height() float64 { return r.MaxY - r.MinY }
