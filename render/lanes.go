package render

import (
	"image/color"
	"strconv"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems"
)

// laneLabel is one lane label to draw this frame.
type laneLabel struct {
	text string
	y    float64
}

// LaneBandColor is the colour of the band across the selected node's lane.
func LaneBandColor() color.RGBA { return color.RGBA{0x7f, 0xe8, 0xff, 0x1c} }

// PanelEdgeColor is the one-pixel border of every panel (the lane labels' too).
func PanelEdgeColor() color.RGBA { return panelEdge() }

// laneShapes adds, in the lanes layout, the band across the selected node's lane and the
// backgrounds of the lane labels at the left edge (which stay there while panning), and
// remembers the labels for laneText. Labels closer than a line to the one above, or under
// the legend (which ends at legendBottom), are skipped, so thousands of lanes zoomed out
// cost a binary search and a screenful of labels.
func (d *Drawer) laneShapes(e *ecs.ECS, legendBottom, bottom float64) {
	d.laneLabels = d.laneLabels[:0]
	if systems.GetOrCreateSettings(e).Layout != components.LayoutLanes {
		return
	}
	l := d.lanes
	if l == nil {
		return
	}
	cam := systems.GetOrCreateCamera(e)
	w := float64(cam.Width)
	if systems.Info(e) != nil {
		w = systems.InspectorRect(e).MinX // the band stops at the inspector, drawn before it
	}
	line := d.fonts.uiLine
	if sel := systems.Selected(e); sel != donburi.Null && e.World.Valid(sel) {
		if row := l.RowOf(int(components.DddElement.Get(e.World.Entry(sel)).Index)); row >= 0 {
			_, sy := cam.WorldToScreen(0, l.Rows()[row].Y)
			half := max(l.Config().LaneHeight*cam.ZoomY()/2, 3)
			if sy+half > 0 && sy-half < bottom {
				d.panel.rect(0, float32(sy-half), float32(w), float32(2*half), toF(LaneBandColor()))
			}
		}
	}
	_, y0 := cam.ScreenToWorld(0, legendBottom+line/2)
	_, y1 := cam.ScreenToWorld(0, bottom-line/2)
	last := -1e18
	for _, r := range l.RowsBetween(y0, y1) {
		_, sy := cam.WorldToScreen(0, r.Y)
		if r.Nodes == 0 || sy-last < line {
			continue
		}
		last = sy
		label := r.Label
		if r.Collapsed {
			label += " (" + strconv.Itoa(r.Lanes) + " lanes)"
		}
		tw := text.Advance(label, d.fonts.ui)
		panelRect(&d.panel, components.Rect{MinX: 4, MinY: sy - line/2 - 1, MaxX: 4 + tw + 10, MaxY: sy + line/2 + 1})
		d.laneLabels = append(d.laneLabels, laneLabel{label, sy})
		if s := systems.GetOrCreateSettings(e); 4+tw+10 > s.LaneLabelWidth {
			s.LaneLabelWidth = 4 + tw + 10 // the fit leaves room for it (systems.freeArea)
		}
	}
}

// laneText draws the labels laneShapes placed.
func (d *Drawer) laneText(screen *ebiten.Image) {
	for _, l := range d.laneLabels {
		drawText(screen, l.text, d.fonts.ui, 9, l.y-d.fonts.uiLine/2, labelText())
	}
}
