package render

import (
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems"
)

// labelEntry caches one node's label, by entity ID: building a label formats a CID, which
// the window should not do for hundreds of nodes every frame.
type labelEntry struct {
	e     donburi.Entity
	text  string
	width float64
}

// DrawLabels writes the labels of the nodes the renderer chose (big enough on screen, at
// most maxLabels of them), skipping any that would overlap one already written: selected
// and highlighted nodes first, so theirs win.
func (d *Drawer) DrawLabels(e *ecs.ECS, screen *ebiten.Image) {
	d.labelBoxes = d.labelBoxes[:0]
	lh := d.fonts.label.Size * 1.3
	labels := d.Renderer.Labels
	scene, cam := systems.SceneOf(e), &systems.GetOrCreateCamera(e).Viewport
	for k := len(labels) - 1; k >= 0; k-- { // marked nodes were drawn, and listed, last
		n := &scene.Nodes[labels[k]]
		l := d.label(e.World, n.Entity)
		if l == nil {
			continue
		}
		sx, sy := cam.WorldToScreen(n.X, n.Y)
		box := components.Rect{MinX: sx - l.width/2, MinY: sy + n.R*cam.Zoom + 3, MaxX: sx + l.width/2, MaxY: sy + n.R*cam.Zoom + 3 + lh}
		if overlapsAny(box, d.labelBoxes) {
			continue
		}
		d.labelBoxes = append(d.labelBoxes, box)
		c := labelText()
		if scene.Dimmed() && n.Flags&(systems.FlagHighlighted|systems.FlagSelected) == 0 {
			c.A = uint8(float64(c.A) * dimAlpha)
		}
		drawText(screen, l.text, d.fonts.label, box.MinX, box.MinY, c)
	}
}

func overlapsAny(r components.Rect, boxes []components.Rect) bool {
	for _, b := range boxes {
		if r.MinX < b.MaxX && b.MinX < r.MaxX && r.MinY < b.MaxY && b.MinY < r.MaxY {
			return true
		}
	}
	return false
}

func (d *Drawer) label(w donburi.World, e donburi.Entity) *labelEntry {
	id := int(e.Id())
	for id >= len(d.labels) {
		d.labels = append(d.labels, labelEntry{})
	}
	l := &d.labels[id]
	if l.e != e {
		if !w.Valid(e) {
			return nil
		}
		l.e = e
		l.text = systems.Label(w.Entry(e))
		l.width = text.Advance(l.text, d.fonts.label)
	}
	return l
}
