package systems

import (
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// Where the window's panels go, in screen pixels: the drawing code draws them there and
// input and the camera keep clear of them.
const (
	// StatusBarH is the height of the status bar at the bottom of the window.
	StatusBarH = 24.0
	// InspectorLabelCols is the width of the inspector's label column, in characters.
	InspectorLabelCols = 10
	// defaultCharWidth is the inspector's character advance until the drawing code has
	// measured its font (Go Mono at 12 px).
	defaultCharWidth = 7.2
	// defaultLineHeight is the UI face's line height until the drawing code has measured it.
	defaultLineHeight = 16.0
	// LegendW is the legend panel's width; legendPad its padding above and below the rows.
	LegendW   = 230.0
	legendPad = 6.0
	// panelGap is the gap between a panel and the screen's edge (or the next panel).
	panelGap = 8.0
)

// LegendRect is where the legend panel goes: the top-left corner, one line a row (the kind
// table's legend rows, then the edge rows).
func LegendRect(e *ecs.ECS) components.Rect {
	line := GetOrCreateSettings(e).LineHeight
	if line <= 0 {
		line = defaultLineHeight
	}
	rows := KindsOf(e.World).LegendRows() + len(LegendEdges())
	return components.Rect{MinX: panelGap, MinY: panelGap, MaxX: panelGap + LegendW, MaxY: panelGap + 2*legendPad + float64(rows)*line}
}

// InspectorRect is where the inspector panel goes: the right side of the window, above the
// status bar.
func InspectorRect(e *ecs.ECS) components.Rect {
	cam := GetOrCreateCamera(e)
	w, h := float64(cam.Width), float64(cam.Height)
	pw := min(560, max(w*0.42, 260))
	return components.Rect{MinX: w - pw, MinY: 0, MaxX: w, MaxY: h - BottomH}
}

// inspectorCols is how many characters of value fit on one panel row.
func inspectorCols(e *ecs.ECS) int {
	r := InspectorRect(e)
	cw := GetOrCreateSettings(e).CharWidth
	if cw <= 0 {
		cw = defaultCharWidth
	}
	return max(int((r.Width()-24)/cw)-InspectorLabelCols-1, 16)
}

// freeArea is the part of the screen that fit fills: inside a margin, above the status bar,
// left of the inspector when it is open and, in the lanes layout, below the legend (lanes
// run across the whole width, so the legend in the top-left corner would hide the top
// lanes and their labels) and right of the widest lane label drawn.
func freeArea(e *ecs.ECS) components.Rect {
	cam := GetOrCreateCamera(e)
	w, h := float64(cam.Width), float64(cam.Height)
	a := components.Rect{MinX: fitMargin, MinY: fitMargin, MaxX: w - fitMargin, MaxY: h - BottomH - fitMargin}
	if GetOrCreateSelection(e).Info != nil {
		a.MaxX = InspectorRect(e).MinX - fitMargin
	}
	if inLanes(e) {
		set := GetOrCreateSettings(e)
		a.MinY = max(a.MinY, LegendRect(e).MaxY+set.LineHeight)
		// The lane labels stay at the left edge: the first column's nodes start right of the
		// widest label drawn (at most a third of the screen).
		a.MinX = max(a.MinX, min(set.LaneLabelWidth+12, w/3))
	}
	if a.MaxX-a.MinX < 50 || a.MaxY-a.MinY < 50 {
		return components.Rect{MinX: 0, MinY: 0, MaxX: w, MaxY: h}
	}
	return a
}

// overPanel reports whether the screen point (x, y) is on a panel (help, inspector, status
// bar, timeline bar), where the mouse does not pan, zoom or pick.
func overPanel(e *ecs.ECS, x, y float64) bool {
	if GetOrCreateSettings(e).ShowHelp {
		return true
	}
	if MinimapShown(e) && MinimapBox(e).Contains(x, y) {
		return true
	}
	if GetOrCreateSelection(e).Info != nil && InspectorRect(e).Contains(x, y) {
		return true
	}
	return y >= float64(GetOrCreateCamera(e).Height)-BottomH
}
