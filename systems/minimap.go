package systems

import (
	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// The minimap's box on the screen, in pixels: bottom right, above the status bar and the
// toast line, left of the inspector when it is open.
const (
	MinimapW = 220.0
	MinimapH = 150.0
	// minimapGap keeps the box above the status bar and the toast above it.
	minimapGap = 44.0
	// MinimapCols and MinimapRows are the density grid's cells.
	MinimapCols = 55
	MinimapRows = 37
)

// minimapState is the minimap's singleton: shown or not (the m key).
type minimapState struct {
	Show bool
	// Cells is the density grid the last MinimapOf filled (reused frame to frame).
	Cells []uint32
}

var minimapComponent = donburi.NewComponentType[minimapState]()

func getMinimapState(e *ecs.ECS) *minimapState {
	return getOrCreate(e.World, minimapComponent, func(donburi.World) minimapState { return minimapState{} })
}

// MinimapShown reports whether the minimap is on.
func MinimapShown(e *ecs.ECS) bool { return getMinimapState(e).Show }

// ToggleMinimap turns the minimap on or off (the m key).
func ToggleMinimap(e *ecs.ECS, _ components.Key) {
	st := getMinimapState(e)
	st.Show = !st.Show
	Toast(e, onOff("minimap", st.Show))
}

// Minimap maps the whole graph's bounding box into a box on the screen, with one scale for
// both axes (the graph keeps its shape, centred in the box).
type Minimap struct {
	Box   components.Rect // the panel on the screen
	World components.Rect // the graph's bounding box
	Scale float64         // screen pixels per world unit
	OffX  float64         // screen x of World.MinX
	OffY  float64         // screen y of World.MinY
}

// NewMinimap fits world into box with a 6-pixel margin. An empty world maps to the box's
// centre.
func NewMinimap(box, world components.Rect) Minimap {
	m := Minimap{Box: box, World: world}
	const pad = 6.0
	bw, bh := box.Width()-2*pad, box.Height()-2*pad
	if world.Empty() || bw <= 0 || bh <= 0 {
		m.World = components.Rect{}
		m.Scale, m.OffX, m.OffY = 1, (box.MinX+box.MaxX)/2, (box.MinY+box.MaxY)/2
		return m
	}
	ww, wh := max(world.Width(), 1e-9), max(world.Height(), 1e-9)
	m.Scale = min(bw/ww, bh/wh)
	m.OffX = box.MinX + pad + (bw-ww*m.Scale)/2
	m.OffY = box.MinY + pad + (bh-wh*m.Scale)/2
	return m
}

// ToWorld is the world point that the minimap point (sx, sy) stands for.
func (m Minimap) ToWorld(sx, sy float64) (x, y float64) {
	return m.World.MinX + (sx-m.OffX)/m.Scale, m.World.MinY + (sy-m.OffY)/m.Scale
}

// ToMinimap is where the world point (x, y) is drawn on the minimap.
func (m Minimap) ToMinimap(x, y float64) (sx, sy float64) {
	return m.OffX + (x-m.World.MinX)*m.Scale, m.OffY + (y-m.World.MinY)*m.Scale
}

// ViewRect is the camera's visible world rectangle on the minimap, clipped to the box.
func (m Minimap) ViewRect(cam components.Viewport) components.Rect {
	v := cam.Visible()
	x0, y0 := m.ToMinimap(v.MinX, v.MinY)
	x1, y1 := m.ToMinimap(v.MaxX, v.MaxY)
	return components.Rect{
		MinX: max(x0, m.Box.MinX), MinY: max(y0, m.Box.MinY),
		MaxX: min(x1, m.Box.MaxX), MaxY: min(y1, m.Box.MaxY),
	}
}

// MinimapBox is where the minimap goes on the screen.
func MinimapBox(e *ecs.ECS) components.Rect {
	cam := GetOrCreateCamera(e)
	right := float64(cam.Width) - 8
	if GetOrCreateSelection(e).Info != nil {
		right = InspectorRect(e).MinX - 8
	}
	bottom := float64(cam.Height) - BottomH - minimapGap
	return components.Rect{MinX: right - MinimapW, MinY: bottom - MinimapH, MaxX: right, MaxY: bottom}
}

// MinimapOf is the minimap of this frame's scene on the screen.
func MinimapOf(e *ecs.ECS) Minimap { return NewMinimap(MinimapBox(e), SceneOf(e).Bounds) }

// MinimapDensity counts the shown nodes of the scene in the cells of m's box
// (MinimapCols × MinimapRows, row-major) and returns the counts and the largest.
func MinimapDensity(e *ecs.ECS, m Minimap) ([]uint32, uint32) {
	st := getMinimapState(e)
	if len(st.Cells) != MinimapCols*MinimapRows {
		st.Cells = make([]uint32, MinimapCols*MinimapRows)
	}
	clear(st.Cells)
	var top uint32
	cw, ch := m.Box.Width()/MinimapCols, m.Box.Height()/MinimapRows
	s := SceneOf(e)
	for i := range s.Nodes {
		n := &s.Nodes[i]
		if n.Flags&FlagHidden != 0 {
			continue
		}
		sx, sy := m.ToMinimap(n.X, n.Y)
		c, r := int((sx-m.Box.MinX)/cw), int((sy-m.Box.MinY)/ch)
		if c < 0 || r < 0 || c >= MinimapCols || r >= MinimapRows {
			continue
		}
		k := r*MinimapCols + c
		st.Cells[k]++
		top = max(top, st.Cells[k])
	}
	return st.Cells, top
}

// minimapClick moves the camera to the world point under a press on the minimap and
// reports whether the press was there (then it neither pans nor selects).
func minimapClick(e *ecs.ECS, x, y float64) bool {
	if !MinimapShown(e) || !MinimapBox(e).Contains(x, y) {
		return false
	}
	m := MinimapOf(e)
	if m.World == (components.Rect{}) {
		return true
	}
	wx, wy := m.ToWorld(x, y)
	cam := GetOrCreateCamera(e)
	cam.CenterX, cam.CenterY = wx, wy
	manual(e)
	return true
}
