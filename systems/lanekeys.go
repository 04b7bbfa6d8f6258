package systems

import (
	"math"

	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/layout"
)

// lanesFor returns the lanes layout when the window shows it, toasting why not otherwise.
func lanesFor(e *ecs.ECS) *layout.Lanes {
	l := Opts(e).Lanes
	if l == nil || GetOrCreateSettings(e).Layout != components.LayoutLanes {
		Toast(e, "lanes keys work in the lanes layout: press v")
		return nil
	}
	return l
}

// cycleGrouping is the g key: lanes grouped by aggregate-ID prefix, then by event-type family,
// then not at all.
func cycleGrouping(e *ecs.ECS, _ components.Key) {
	l := lanesFor(e)
	if l == nil {
		return
	}
	next := map[layout.LaneGrouping]layout.LaneGrouping{
		layout.GroupByPrefix: layout.GroupByTypeFamily, layout.GroupByTypeFamily: layout.GroupNone, layout.GroupNone: layout.GroupByPrefix,
	}[l.Config().Grouping]
	l.SetGrouping(next)
	Toast(e, "lanes grouped by "+map[layout.LaneGrouping]string{
		layout.GroupByPrefix: "aggregate-ID prefix", layout.GroupByTypeFamily: "event-type family", layout.GroupNone: "nothing",
	}[next])
}

// toggleLaneX is the x key: the x axis is the stream sequence or the event time.
func toggleLaneX(e *ecs.ECS, _ components.Key) {
	l := lanesFor(e)
	if l == nil {
		return
	}
	if l.Config().X == layout.XBySeq {
		l.SetX(layout.XByTime)
		Toast(e, "lanes: x is event time")
	} else {
		l.SetX(layout.XBySeq)
		Toast(e, "lanes: x is the stream sequence")
	}
	c := GetOrCreateCamera(e)
	c.AutoFit, c.Fitted = true, false
}

// collapseSelected is the z key: the selected node's group of lanes becomes one row, or
// becomes lanes again.
func collapseSelected(e *ecs.ECS, _ components.Key) {
	l := lanesFor(e)
	if l == nil {
		return
	}
	sel := Selected(e)
	if !e.World.Valid(sel) {
		Toast(e, "select a node first: z collapses its group of lanes")
		return
	}
	d := components.DddElement.Get(e.World.Entry(sel))
	row := l.RowOf(int(d.Index))
	if row < 0 {
		return
	}
	g := l.Rows()[row].Group
	if g == "" {
		Toast(e, "lanes are not grouped: press g")
		return
	}
	on := !l.Collapsed(g)
	l.SetCollapsed(g, on)
	if on {
		Toast(e, "collapsed "+g)
	} else {
		Toast(e, "expanded "+g)
	}
}

// inLanes reports whether the window shows the lanes layout.
func inLanes(e *ecs.ECS) bool { return GetOrCreateSettings(e).Layout == components.LayoutLanes }

// laneWheel is the wheel with a modifier held in the lanes layout: with shift it zooms y
// alone around the cursor (the lanes spread or squeeze, the nodes keep their size; a
// sideways wheel counts too, as some systems turn shift+wheel into one), with control it
// scrolls up and down. It reports whether it took the wheel: elsewhere, or without a
// modifier, the wheel zooms as usual.
func laneWheel(e *ecs.ECS, f *components.InputData) bool {
	shift, ctrl := held(f, components.KeyShift), held(f, components.KeyControl)
	if !(shift || ctrl) || !inLanes(e) {
		return false
	}
	cam := GetOrCreateCamera(e)
	switch {
	case shift:
		notches := f.WheelY
		if notches == 0 {
			notches = f.WheelX
		}
		cam.StretchAt(f.Y, math.Pow(wheelStep, notches))
	case f.WheelY != 0:
		cam.Pan(0, f.WheelY*wheelScrollPx)
	default:
		return false
	}
	manual(e)
	return true
}

// holdStretch is shift with ↑ or ↓ held in the lanes layout (the arrows' row, holdPan, calls
// it): the lanes spread (↑) or squeeze (↓) around the middle of the screen.
func holdStretch(e *ecs.ECS, f *components.InputData) {
	if !held(f, components.KeyArrowUp, components.KeyArrowDown) {
		return
	}
	cam := GetOrCreateCamera(e)
	cy := float64(cam.Height) / 2
	if held(f, components.KeyArrowUp) {
		cam.StretchAt(cy, keyStretch)
	}
	if held(f, components.KeyArrowDown) {
		cam.StretchAt(cy, 1/keyStretch)
	}
	manual(e)
}
