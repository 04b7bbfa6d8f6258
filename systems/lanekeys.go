package systems

import (
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
