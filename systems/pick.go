package systems

import (
	"math"

	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// PickAt returns the scene index of the shown node under the screen point (x, y), or −1.
func PickAt(e *ecs.ECS, x, y float64) int {
	st := getSceneState(e)
	cam := GetOrCreateCamera(e)
	wx, wy := cam.ScreenToWorld(x, y)
	return st.Grid.PickStretched(st.Scene.Nodes, wx, wy, pickSlackPx/cam.Zoom, cam.YStretch())
}

// Hit reports whether the point (dx, dy), relative to the centre of a node of the given
// shape and radius r, lies on the node, and how central it is: 0 at the centre, 1 on the
// outline (the picker prefers the smallest). A diamond is hit where |dx|+|dy| ≤ r, a circle
// where dx²+dy² ≤ r², a square where max(|dx|,|dy|) ≤ 0.85·r, a warning triangle inside
// its three edges.
func Hit(shape components.Shape, dx, dy, r float64) (score float64, ok bool) {
	if r <= 0 {
		return 0, false
	}
	ax, ay := math.Abs(dx), math.Abs(dy)
	switch shape {
	case components.ShapeDiamond:
		score = (ax + ay) / r
	case components.ShapeCircle:
		score = math.Sqrt(dx*dx+dy*dy) / r
	case components.ShapeSquare:
		score = max(ax, ay) / (components.SquareHalf * r)
	case components.ShapeWarning:
		// Inside when below the base line and inside both slanted edges. The slanted edge
		// runs from (0, −components.TriTop·r) to (components.TriHalfW·r, components.TriBase·r).
		if dy > components.TriBase*r {
			return 0, false
		}
		h := (components.TriTop + components.TriBase) * r                // height
		half := components.TriHalfW * r * (dy + components.TriTop*r) / h // half width at this height
		if dy < -components.TriTop*r || ax > half {
			return 0, false
		}
		score = math.Sqrt(dx*dx+dy*dy) / r
		return min(score, 1), true
	default:
		score = math.Sqrt(dx*dx+dy*dy) / r
	}
	return score, score <= 1
}

// PickGrid is a uniform grid over the shown nodes of a scene, rebuilt every frame by a
// counting sort into slices it keeps, so a rebuild allocates nothing once the grid has seen
// its largest scene. A query looks only at the cells within reach of the point.
type PickGrid struct {
	minX, minY float64
	cell       float64 // cell side, world units
	inv        float64 // 1/cell: Build and Pick both multiply by it, so they bin alike
	nx, ny     int
	reach      float64 // largest node radius: how far beyond its cell a node extends
	start      []int32 // start[c]…start[c+1] index items in cell c
	items      []int32 // node indices, grouped by cell
	cellOf     []int32 // cell of each node, −1 for hidden ones
}

// maxCellsPerNode bounds the grid's memory when nodes are few and spread far apart.
const maxCellsPerNode = 2

// Build indexes the shown (not hidden) nodes.
func (g *PickGrid) Build(nodes []SceneNode) {
	b := components.EmptyRect()
	shown := 0
	g.reach = 0
	for i := range nodes {
		n := &nodes[i]
		if n.Flags&FlagHidden != 0 {
			continue
		}
		b = b.Extend(n.X, n.Y, 0)
		g.reach = max(g.reach, n.R)
		shown++
	}
	g.start = g.start[:0]
	g.items = g.items[:0]
	if shown == 0 {
		g.nx, g.ny = 0, 0
		return
	}
	w, h := max(b.MaxX-b.MinX, 1e-9), max(b.MaxY-b.MinY, 1e-9)
	// About one node a cell, never smaller than a node, never more cells than
	// maxCellsPerNode a node.
	cell := max(math.Sqrt(w*h/float64(shown)), g.reach, 1e-6)
	for {
		g.nx, g.ny = int(w/cell)+1, int(h/cell)+1
		if g.nx*g.ny <= maxCellsPerNode*shown+16 {
			break
		}
		cell *= 1.5
	}
	g.minX, g.minY, g.cell, g.inv = b.MinX, b.MinY, cell, 1/cell
	cells := g.nx * g.ny
	g.start = grow32(g.start, cells+1)
	clear(g.start)
	g.cellOf = grow32(g.cellOf, len(nodes))
	for i := range nodes {
		if nodes[i].Flags&FlagHidden != 0 {
			g.cellOf[i] = -1
			continue
		}
		c := g.cellIndex(nodes[i].X, nodes[i].Y)
		g.cellOf[i] = int32(c)
		g.start[c+1]++
	}
	for c := 1; c <= cells; c++ {
		g.start[c] += g.start[c-1]
	}
	g.items = grow32(g.items, shown)
	// Fill each cell from its start, using start[c] as the cursor, then shift back.
	for i := range nodes {
		c := g.cellOf[i]
		if c < 0 {
			continue
		}
		g.items[g.start[c]] = int32(i)
		g.start[c]++
	}
	for c := cells; c > 0; c-- {
		g.start[c] = g.start[c-1]
	}
	g.start[0] = 0
}

func (g *PickGrid) cellIndex(x, y float64) int {
	cx := min(max(int((x-g.minX)*g.inv), 0), g.nx-1)
	cy := min(max(int((y-g.minY)*g.inv), 0), g.ny-1)
	return cy*g.nx + cx
}

// Pick returns the index of the node of nodes (the slice Build indexed) under the world
// point (x, y), or −1. Slack widens every node by that many world units, so that nodes drawn
// smaller than a few pixels can still be hit. Among overlapping nodes the most central hit
// wins; on a tie, the one drawn last (the higher index).
func (g *PickGrid) Pick(nodes []SceneNode, x, y, slack float64) int {
	return g.PickStretched(nodes, x, y, slack, 1)
}

// PickStretched is Pick under a camera that stretches y by stretch (Viewport.Stretch): the
// nodes are drawn with their radius in pixels whatever the stretch, so a node covers
// 1/stretch of its radius along world y, and it is hit where it is drawn.
func (g *PickGrid) PickStretched(nodes []SceneNode, x, y, slack, stretch float64) int {
	if g.nx == 0 || len(g.cellOf) < len(nodes) {
		return -1
	}
	if !(stretch > 0) {
		stretch = 1
	}
	reach := g.reach + max(slack, 0)
	reachY := reach / stretch
	cx0 := int(math.Floor((x - reach - g.minX) * g.inv))
	cx1 := int(math.Floor((x + reach - g.minX) * g.inv))
	cy0 := int(math.Floor((y - reachY - g.minY) * g.inv))
	cy1 := int(math.Floor((y + reachY - g.minY) * g.inv))
	if cx1 < 0 || cy1 < 0 || cx0 >= g.nx || cy0 >= g.ny {
		return -1
	}
	cx0, cy0 = max(cx0, 0), max(cy0, 0)
	cx1, cy1 = min(cx1, g.nx-1), min(cy1, g.ny-1)
	best, bestScore := -1, math.Inf(1)
	for cy := cy0; cy <= cy1; cy++ {
		row := cy * g.nx
		for c := row + cx0; c <= row+cx1; c++ {
			for _, i := range g.items[g.start[c]:g.start[c+1]] {
				n := &nodes[i]
				score, ok := Hit(n.Shape, x-n.X, (y-n.Y)*stretch, n.R+slack)
				if ok && (score < bestScore || (score == bestScore && int(i) > best)) {
					best, bestScore = int(i), score
				}
			}
		}
	}
	return best
}

// grow32 returns s with length n, reusing its array when it is large enough.
func grow32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n, n+n/4)
	}
	return s[:n]
}
