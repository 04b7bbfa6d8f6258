package render

import (
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/systems"
)

// DrawInspector draws the inspector panel of the selected node: the rows of
// systems.SelectionLines from the selection's scroll position, with a scroll bar.
func (d *Drawer) DrawInspector(e *ecs.ECS, screen *ebiten.Image) {
	sel := systems.GetOrCreateSelection(e)
	if sel.Info == nil {
		return
	}
	r := systems.InspectorRect(e)
	lines := systems.SelectionLines(e)
	f := &d.fonts
	rows := max(int((r.Height()-20)/f.monoLine), 1)
	sel.Scroll = min(sel.Scroll, max(len(lines)-rows, 0))
	d.panel.reset()
	panelRect(&d.panel, r)
	if sel.Scroll > 0 || len(lines) > rows {
		// A scroll bar: where the visible rows are among all of them.
		th := r.Height() * float64(rows) / float64(len(lines))
		ty := r.MinY + r.Height()*float64(sel.Scroll)/float64(len(lines))
		d.panel.rect(float32(r.MaxX-5), float32(ty), 3, float32(th), toF(panelEdge()))
	}
	d.panel.draw(screen, d.white.Image)
	x, y := r.MinX+12, r.MinY+10
	valueX := x + float64(systems.InspectorLabelCols+1)*f.monoW
	for _, l := range lines[sel.Scroll:min(sel.Scroll+rows, len(lines))] {
		switch {
		case l.Heading:
			drawText(screen, l.Value, f.mono, x, y, headText())
		case l.Warn:
			drawText(screen, l.Label, f.mono, x, y, dimText())
			drawText(screen, l.Value, f.mono, valueX, y, warnText())
		case l.Payload:
			drawText(screen, l.Value, f.mono, x, y, textColor())
		default:
			drawText(screen, l.Label, f.mono, x, y, dimText())
			drawText(screen, l.Value, f.mono, valueX, y, textColor())
		}
		y += f.monoLine
	}
}
