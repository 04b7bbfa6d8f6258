package render

import (
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/assets"
	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/layout"
	"github.com/jetdag/jetdag/systems"
)

// Drawer holds what drawing needs besides the world: the graph renderer, the fonts, the
// white source image, the panels' batch, the label cache and the settled picture. Its
// methods are the Draw stages that ecs.DrawStages puts in order; they read the world's
// singletons and the scene and change nothing in the world but the picture cache's
// bookkeeping.
type Drawer struct {
	Renderer *Renderer

	fonts      viewFonts
	white      assets.White
	panel      batch // HUD and inspector backgrounds
	labels     []labelEntry
	labelBoxes []components.Rect
	picture    *ebiten.Image // the settled picture (systems.UsePicture)
	legend     []systems.LegendNode
	legendMode components.ColorMode
	laneLabels []laneLabel
	lanes      *layout.Lanes // the model's lanes layout, for the lane labels (nil: none)
	status     statusFit     // the status line as fitted to the window
	help       helpFit       // the help overlay as laid out for the window
}

// SetLanes gives the drawer the model's lanes layout, whose rows it labels in the lanes view.
func (d *Drawer) SetLanes(l *layout.Lanes) { d.lanes = l }

// NewDrawer loads the embedded fonts and allocates the white source image. Call it on the
// game loop's goroutine (or before the loop starts).
func NewDrawer() (*Drawer, error) {
	fonts, err := loadViewFonts()
	if err != nil {
		return nil, err
	}
	white := assets.NewWhite()
	return &Drawer{Renderer: NewRenderer(white), fonts: fonts, white: white, panel: newBatch(white)}, nil
}

// Attach tells the world's systems what the drawer measured: the inspector's character
// width, with which its rows are wrapped, and the UI face's line height, with which the
// legend panel is sized.
func (d *Drawer) Attach(e *ecs.ECS) {
	s := systems.GetOrCreateSettings(e)
	s.CharWidth, s.LineHeight = d.fonts.monoW, d.fonts.uiLine
}

// DrawGraph builds and draws the edges and nodes, or copies the settled picture when the
// picture cache says it still holds this frame's.
func (d *Drawer) DrawGraph(e *ecs.ECS, screen *ebiten.Image) {
	b := screen.Bounds()
	systems.Resize(e, b.Dx(), b.Dy())
	scene, cam, mode := systems.SceneOf(e), systems.GetOrCreateCamera(e).Viewport, systems.GetOrCreateSettings(e).ColorMode
	d.Renderer.Curves = systems.GetOrCreateSettings(e).Layout == components.LayoutLanes
	switch systems.UsePicture(e) {
	case systems.PictureReuse:
		screen.DrawImage(d.picture, nil)
		d.Renderer.Stats.Calls, d.Renderer.Stats.Cached = 0, true
	case systems.PictureStore:
		// Unchanged since last frame: draw once more, into the cache, and keep it.
		if d.picture == nil || d.picture.Bounds() != b {
			if d.picture != nil {
				d.picture.Deallocate()
			}
			d.picture = ebiten.NewImage(b.Dx(), b.Dy())
		}
		d.Renderer.Build(scene, cam, mode)
		d.Renderer.DrawGraph(d.picture)
		screen.DrawImage(d.picture, nil)
		systems.StoredPicture(e)
	default:
		d.Renderer.Build(scene, cam, mode)
		d.Renderer.DrawGraph(screen)
	}
}
