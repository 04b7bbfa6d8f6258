package systems

import (
	"math"

	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// UpdateInput is the input system: it acts on the tick's input (the Input singleton, which
// the drawing code fills from the window): hover, clicks, drags, the wheel, and the keys of
// the key table (or the search prompt's, while it is open).
func UpdateInput(e *ecs.ECS) {
	f := GetOrCreateInput(e)
	p := GetOrCreatePointer(e)
	now := Opts(e).Now()
	if active(f, p.X, p.Y) {
		p.LastInput = now
	}
	p.X, p.Y = f.X, f.Y
	onPanel := overPanel(e, f.X, f.Y)

	// Hover.
	hover := donburi.Null
	if !onPanel && !p.Moved {
		if i := PickAt(e, f.X, f.Y); i >= 0 {
			hover = SceneOf(e).Nodes[i].Entity
		}
	}
	p.Hovered = hover
	MarksOf(e).Hovered = hover

	// Keys: the search prompt takes the keyboard while it is open.
	if GetOrCreateSearch(e).Open {
		searchKeys(e, f)
	} else {
		pressKeys(e, f)
		holdKeys(e, f)
	}

	// Wheel: over the inspector it scrolls it; in the lanes layout shift and control make
	// it zoom y alone and scroll (laneWheel); else it zooms around the cursor.
	if f.WheelY != 0 || f.WheelX != 0 {
		switch {
		case onPanel && GetOrCreateSelection(e).Info != nil:
			if f.WheelY != 0 {
				ScrollInspector(e, -int(math.Round(f.WheelY*3)))
			}
		case laneWheel(e, f):
		case f.WheelY != 0:
			GetOrCreateCamera(e).ZoomAt(f.X, f.Y, math.Pow(wheelStep, f.WheelY))
			manual(e)
		}
	}

	// Press, drag, click.
	switch {
	case timelineInput(e, f):
		p.Down, p.Moved = false, false // a drag on the timeline bar
	case f.LeftPressed:
		p.Down, p.Moved = true, false
		p.DownX, p.DownY, p.LastX, p.LastY = f.X, f.Y, f.X, f.Y
		if onPanel {
			p.Down = false // a press on a panel never pans
			if !minimapClick(e, f.X, f.Y) {
				timelinePress(e, f.X, f.Y)
			}
		}
	case p.Down && f.LeftDown:
		if !p.Moved && math.Hypot(f.X-p.DownX, f.Y-p.DownY) >= dragThreshold {
			p.Moved = true
		}
		if p.Moved {
			GetOrCreateCamera(e).Pan(f.X-p.LastX, f.Y-p.LastY)
			manual(e)
		}
		p.LastX, p.LastY = f.X, f.Y
	}
	if f.LeftReleased {
		if p.Down && !p.Moved {
			Select(e, hover)
			clicked(e, p, hover, f.X, f.Y, now)
		}
		p.Down, p.Moved = false, false
	}
}

// HandleInput puts f in the Input singleton and runs the input system on it: what the
// window does each tick, for input made up by a test.
func HandleInput(e *ecs.ECS, f components.InputData) {
	*GetOrCreateInput(e) = f
	UpdateInput(e)
}

// active reports whether the user did anything this tick, the cursor having been at
// (lastX, lastY) the tick before.
func active(f *components.InputData, lastX, lastY float64) bool {
	return len(f.Pressed) > 0 || len(f.Chars) > 0 || f.WheelX != 0 || f.WheelY != 0 ||
		f.LeftDown || f.LeftReleased || f.X != lastX || f.Y != lastY
}
