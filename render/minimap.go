package render

import (
	"image/color"

	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems"
)

// minimapView is the colour of the viewport rectangle on the minimap.
func minimapView() color.RGBA { return color.RGBA{0xff, 0xd5, 0x4f, 0xff} }

// minimapShapes adds the minimap, when it is on, to the HUD's panel batch: its box, the
// graph as a density grid (brighter where more nodes are) and the camera's view as an
// outlined rectangle.
func (d *Drawer) minimapShapes(e *ecs.ECS) {
	if !systems.MinimapShown(e) {
		return
	}
	m := systems.MinimapOf(e)
	panelRect(&d.panel, m.Box)
	cells, top := systems.MinimapDensity(e, m)
	cw, ch := float32(m.Box.Width()/systems.MinimapCols), float32(m.Box.Height()/systems.MinimapRows)
	base := toF(components.EventBlue())
	for k, n := range cells {
		if n == 0 {
			continue
		}
		c := base
		c.a = 0.35 + 0.65*float32(n)/float32(top)
		x := float32(m.Box.MinX) + float32(k%systems.MinimapCols)*cw
		y := float32(m.Box.MinY) + float32(k/systems.MinimapCols)*ch
		d.panel.rect(x, y, cw, ch, c)
	}
	v := m.ViewRect(systems.GetOrCreateCamera(e).Viewport)
	if v.MaxX <= v.MinX || v.MaxY <= v.MinY {
		return
	}
	x, y, w, h := float32(v.MinX), float32(v.MinY), float32(v.Width()), float32(v.Height())
	c := toF(minimapView())
	const t = 1.5
	d.panel.rect(x, y, w, t, c)
	d.panel.rect(x, y+h-t, w, t, c)
	d.panel.rect(x, y, t, h, c)
	d.panel.rect(x+w-t, y, t, h, c)
}
