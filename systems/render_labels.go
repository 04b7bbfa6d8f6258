package systems

import (
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// labelEntry caches one node's label, by entity ID: building a label formats a CID, which
// the window should not do for hundreds of nodes every frame.
type labelEntry struct {
	e     donburi.Entity
	text  string
	width float64
}

// Label is the text under a node when zoomed in: the event type (or object kind, or
// "rejected") and the last six characters of the CID.
func Label(d *components.DddElementData) string {
	name := d.EventType
	switch d.Kind {
	case components.ElementObject:
		name = d.ObjectKind
	case components.ElementRejected:
		name = "rejected"
	}
	if !d.CID.Defined() {
		return name
	}
	s := d.CID.String()
	return name + " …" + s[max(len(s)-6, 0):]
}

// DrawLabels writes the labels of the nodes the renderer chose (big enough on screen, at
// most maxLabels of them), skipping any that would overlap one already written: selected
// and highlighted nodes first, so theirs win.
func (v *View) DrawLabels(e *ecs.ECS, screen *ebiten.Image) {
	v.labelBoxes = v.labelBoxes[:0]
	lh := v.fonts.label.Size * 1.3
	labels := v.Renderer.Labels
	for k := len(labels) - 1; k >= 0; k-- { // marked nodes were drawn, and listed, last
		n := &v.Scene.Nodes[labels[k]]
		l := v.label(e.World, n.Entity)
		if l == nil {
			continue
		}
		sx, sy := v.Camera.WorldToScreen(n.X, n.Y)
		box := Rect{sx - l.width/2, sy + n.R*v.Camera.Zoom + 3, sx + l.width/2, sy + n.R*v.Camera.Zoom + 3 + lh}
		if overlapsAny(box, v.labelBoxes) {
			continue
		}
		v.labelBoxes = append(v.labelBoxes, box)
		c := labelText
		if v.Scene.Selected >= 0 && n.Flags&(FlagHighlighted|FlagSelected) == 0 {
			c.A = uint8(float64(c.A) * dimAlpha)
		}
		drawText(screen, l.text, v.fonts.label, box.MinX, box.MinY, c)
	}
}

func overlapsAny(r Rect, boxes []Rect) bool {
	for _, b := range boxes {
		if r.MinX < b.MaxX && b.MinX < r.MaxX && r.MinY < b.MaxY && b.MinY < r.MaxY {
			return true
		}
	}
	return false
}

func (v *View) label(w donburi.World, e donburi.Entity) *labelEntry {
	id := int(e.Id())
	for id >= len(v.labels) {
		v.labels = append(v.labels, labelEntry{})
	}
	l := &v.labels[id]
	if l.e != e {
		if !w.Valid(e) {
			return nil
		}
		l.e = e
		l.text = Label(components.DddElement.Get(w.Entry(e)))
		l.width = text.Advance(l.text, v.fonts.label)
	}
	return l
}

// DrawGraph builds and draws the edges and nodes. When the scene, the camera and the
// colour mode have not changed for two frames it keeps the picture in an offscreen image
// and copies that instead: a settled wall screen then costs one full-screen copy a frame
// instead of tens of thousands of triangles.
func (v *View) DrawGraph(_ *ecs.ECS, screen *ebiten.Image) {
	b := screen.Bounds()
	v.Resize(b.Dx(), b.Dy())
	key := graphKey{sig: v.Scene.Signature, cam: v.Camera, mode: v.ColorMode}
	switch {
	case key == v.cache.key && v.cache.valid:
		screen.DrawImage(v.cache.img, nil)
		v.Renderer.Stats.Calls, v.Renderer.Stats.Cached = 0, true
		return
	case key == v.cache.key && v.cache.still >= 1:
		// Unchanged since last frame: draw once more, into the cache, and keep it.
		if v.cache.img == nil || v.cache.img.Bounds() != b {
			if v.cache.img != nil {
				v.cache.img.Deallocate()
			}
			v.cache.img = ebiten.NewImage(b.Dx(), b.Dy())
		}
		v.Renderer.Build(v.Scene, v.Camera, v.ColorMode)
		v.Renderer.DrawGraph(v.cache.img)
		screen.DrawImage(v.cache.img, nil)
		v.cache.valid = true
		return
	case key == v.cache.key:
		v.cache.still++
	default:
		v.cache.key, v.cache.still, v.cache.valid = key, 0, false
	}
	v.Renderer.Build(v.Scene, v.Camera, v.ColorMode)
	v.Renderer.DrawGraph(screen)
}

// graphKey is what a picture of the graph depends on.
type graphKey struct {
	sig  uint64
	cam  Camera
	mode ColorMode
}

// graphCache is the last settled picture of the graph.
type graphCache struct {
	key   graphKey
	still int // frames the key has not changed
	valid bool
	img   *ebiten.Image
}
