package systems

import (
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/yohamta/donburi/ecs"
)

// inspectorLabelCols is the width of the inspector's label column, in characters.
const inspectorLabelCols = 10

// inspectorRect is where the inspector panel goes: the right side of the window, above the
// status bar.
func (v *View) inspectorRect() Rect {
	w, h := float64(v.Camera.Width), float64(v.Camera.Height)
	pw := min(560, max(w*0.42, 260))
	return Rect{w - pw, 0, w, h - statusBarH}
}

// inspectorCols is how many characters of value fit on one panel row.
func (v *View) inspectorCols() int {
	r := v.inspectorRect()
	return max(int((r.Width()-24)/v.fonts.monoW)-inspectorLabelCols-1, 16)
}

// InspectorLines are the rows the inspector shows now, before scrolling, or nil.
func (v *View) InspectorLines() []InspectorLine {
	if v.info == nil {
		return nil
	}
	return v.info.Lines(v.inspectorCols())
}

// DrawInspector draws the inspector panel of the selected node.
func (v *View) DrawInspector(_ *ecs.ECS, screen *ebiten.Image) {
	if v.info == nil {
		return
	}
	r := v.inspectorRect()
	lines := v.InspectorLines()
	f := &v.fonts
	rows := max(int((r.Height()-20)/f.monoLine), 1)
	v.infoScroll = min(v.infoScroll, max(len(lines)-rows, 0))
	v.panel.reset()
	panelRect(&v.panel, r)
	if v.infoScroll > 0 || len(lines) > rows {
		// A scroll bar: where the visible rows are among all of them.
		th := r.Height() * float64(rows) / float64(len(lines))
		ty := r.MinY + r.Height()*float64(v.infoScroll)/float64(len(lines))
		v.panel.rect(float32(r.MaxX-5), float32(ty), 3, float32(th), toF(panelEdge))
	}
	v.panel.draw(screen, v.white.Image)
	x, y := r.MinX+12, r.MinY+10
	valueX := x + float64(inspectorLabelCols+1)*f.monoW
	for _, l := range lines[v.infoScroll:min(v.infoScroll+rows, len(lines))] {
		switch {
		case l.Heading:
			drawText(screen, l.Value, f.mono, x, y, headText)
		case l.Label == "status" && len(l.Value) >= 8 && l.Value[:8] == "REJECTED":
			drawText(screen, l.Label, f.mono, x, y, dimText)
			drawText(screen, l.Value, f.mono, valueX, y, warnText)
		case l.Payload:
			drawText(screen, l.Value, f.mono, x, y, textColor)
		default:
			drawText(screen, l.Label, f.mono, x, y, dimText)
			drawText(screen, l.Value, f.mono, valueX, y, textColor)
		}
		y += f.monoLine
	}
}
