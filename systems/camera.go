package systems

import (
	"time"

	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// Tunables of the camera's behaviour.
const (
	dragThreshold = 4.0   // pixels the cursor moves before a press becomes a drag
	wheelStep     = 1.15  // zoom factor per wheel notch
	keyZoomStep   = 1.025 // zoom factor per tick while + or − is held
	keyPanStep    = 12.0  // pixels per tick while an arrow is held
	keyStretch    = 1.03  // lanes: stretch factor per tick while shift and ↑ or ↓ are held
	wheelScrollPx = 40.0  // lanes: pixels a wheel notch scrolls with control held
	fitMargin     = 48.0  // pixels around a fitted graph
	easeFit       = 0.15  // share of the way the camera moves to its target each tick
	easeFollow    = 0.08
	legiblePx     = 1.5 // below this node radius in pixels, fit gives way to follow
	jumpPx        = 14  // a search jump zooms in until the node is at least this big
	pickSlackPx   = 3   // nodes are hit this many pixels beyond their outline
	coneEvery     = 30  // ticks between recomputations of the selection's cone (it grows live)
	toastFor      = 3 * time.Second
	statusEvery   = 250 * time.Millisecond
)

// SetCamera puts the camera where v says and stops fit and follow, as if the user had moved
// it there.
func SetCamera(e *ecs.ECS, v components.Viewport) {
	c := GetOrCreateCamera(e)
	c.Viewport = v
	manual(e)
	c.Fitted = true
}

// Resize tells the camera the screen's size in pixels.
func Resize(e *ecs.ECS, width, height int) {
	if width > 0 && height > 0 {
		GetOrCreateCamera(e).Resize(width, height)
	}
}

// manual records that the user moved the camera: it stops fitting and following (a kiosk
// resumes them after KioskIdle).
func manual(e *ecs.ECS) {
	c := GetOrCreateCamera(e)
	c.AutoFit, c.Follow = false, false
}

// UpdateCamera is the camera system: it moves the camera toward what fit and follow want.
func UpdateCamera(e *ecs.ECS) {
	cam := GetOrCreateCamera(e)
	set := GetOrCreateSettings(e)
	now := Opts(e).Now()
	if set.Kiosk && now.Sub(GetOrCreatePointer(e).LastInput) >= set.KioskIdle && (!cam.AutoFit || !cam.Follow) {
		cam.AutoFit, cam.Follow, cam.Fitted = true, true, false
	}
	s := SceneOf(e)
	if s.Bounds.Empty() {
		return
	}
	target, ease := cam.Viewport, 0.0
	switch {
	case cam.AutoFit:
		target, ease = components.FitIn(s.Bounds, cam.Width, cam.Height, freeArea(e)), easeFit
		if cam.Follow && s.Newest >= 0 {
			if legible := legiblePx / max(s.MaxR, 1e-9); target.Zoom < legible {
				target.Zoom = legible
				target.CenterX, target.CenterY = s.Nodes[s.Newest].X, s.Nodes[s.Newest].Y
			}
		}
	case cam.Follow && s.Newest >= 0:
		target.CenterX, target.CenterY = s.Nodes[s.Newest].X, s.Nodes[s.Newest].Y
		ease = easeFollow
	default:
		return
	}
	if !cam.Fitted {
		ease, cam.Fitted = 1, true // the first picture is framed at once
	}
	cam.EaseTo(target, ease)
}
