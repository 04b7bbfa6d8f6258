package render

import (
	"math"
	"sync"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/jetdag/jetdag/assets"
	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems"
)

// Level-of-detail thresholds, in screen pixels of node radius.
const (
	lodDot    = 2.5 // below: nodes and the edges into them go into the density pictures
	lodMarked = 4.0 // zoomed out, hovered, selected and highlighted nodes are drawn this big
	// maxShapeNodes is the most nodes drawn as shapes in one frame: with more on screen (a
	// large graph bunched up by a fresh layout, say) the frame is drawn as density however big
	// the nodes are, which bounds the vertices a frame (and the memory Ebiten's command queue
	// and the batch keep for them) near the 20k-diamond reference's.
	maxShapeNodes = 20000
	// maxShapeEdges is the same for edges; past maxDashedEdges edges on screen, parent and
	// link edges are drawn solid instead of dashed.
	maxShapeEdges  = 40000
	maxDashedEdges = 5000
	lodNeedle      = 3.0  // below (target radius): an edge is one tapering triangle, not a quad
	lodArrow       = 3.0  // from: Previous edges get arrowheads
	lodDash        = 2.0  // from: parent and link edges are dashed and dotted
	lodWarnMark    = 7.0  // from: warning triangles get their "!"
	lodLabel       = 12.0 // from: nodes get a text label
	minCurvePx     = 2.0  // lanes: a parent edge whose ends are this far apart in y, or more, is a curve
	curveSegPx     = 16.0 // lanes: a curve gets a segment per this many pixels of its chord…
	minCurveSegs   = 4    // …at least this many…
	maxCurveSegs   = 16   // …and at most this many
	maxLabels      = 250  // at most this many labels a frame
	maxDashes      = 96   // an edge needing more dashes is drawn solid
	cullMargin     = 16.0 // pixels beyond the screen still drawn (arrowheads, rings)
	dimAlpha       = 0.28 // alpha of nodes off the selection's cone while something is selected
	selectRingPx   = 3.0
)

// RenderStats describes the last frame the renderer built.
type RenderStats struct {
	Nodes, Edges, Labels int // drawn (after culling and filtering)
	// DensityNodes and DensityEdges are those of Nodes and Edges drawn zoomed out, into the
	// density pictures rather than as shapes.
	DensityNodes, DensityEdges int
	Vertices                   int
	Calls                      int  // DrawTriangles and DrawImage calls of the graph
	Pulses                     int  // arrival pulses drawn
	Cached                     bool // the picture was copied from the last settled frame
}

// Renderer turns a Scene into batched triangles: edges first, then nodes, all in as few
// DrawTriangles calls as the 16-bit index limit allows, sampling one white texel. Its
// buffers live as long as it does, so a steady scene builds with no allocations.
type Renderer struct {
	white   assets.White
	graph   batch
	dens    density         // the zoomed-out nodes and edges
	circles [3][][2]float32 // 8, 16 and 32 corners
	palette [systems.PaletteSize]fcolor
	prev    fcolor
	parent  fcolor
	link    fcolor
	// Labels lists the scene indices of the nodes to label this frame, nearest-first is not
	// guaranteed; at most maxLabels.
	Labels []int
	Stats  RenderStats
	// Curves draws parent edges between lanes as curves (the lanes layout): cubic Béziers
	// that leave and enter their nodes horizontally. Drawn as density, or past
	// maxDashedEdges edges on screen, they stay straight lines.
	Curves bool
	curve  [maxCurveSegs + 1][2]float32 // the points of the curve being drawn
	// Builds counts the builds that did the work; a build of what was built last (the same
	// scene signature, camera and colour mode, no pulses) keeps the batch and the density
	// pictures instead.
	Builds int
	built  buildKey
	// The edges' pass of the build under way, the second half of a split one (drawEdges):
	// its state, the goroutine's function
	// (made once, so that starting it allocates nothing) and its end; splitAt is the fewest
	// edges split (splitEdges; tests change it).
	pass     edgePass
	half     halfPass
	later    []int32 // the plain nodes drawn as shapes, after the edges
	halfRun  func()
	halfDone sync.WaitGroup
	splitAt  int
}

// buildKey is what a build was made from.
type buildKey struct {
	sig          uint64
	nodes, edges int
	cam          components.Viewport
	mode         components.ColorMode
	curves       bool
}

// NewRenderer returns a renderer drawing from white.
func NewRenderer(white assets.White) *Renderer {
	r := &Renderer{
		white:  white,
		graph:  newBatch(white),
		prev:   toF(systems.PreviousEdgeColor()),
		parent: toF(systems.ParentEdgeColor()),
		link:   toF(systems.LinkEdgeColor()),
	}
	r.dens.setEdgeColors(r.prev, r.parent)
	r.halfRun, r.splitAt = r.runHalf, splitEdges
	r.circles = [3][][2]float32{unitCircle(8), unitCircle(16), unitCircle(32)}
	pal := systems.NewPalette()
	for i := range r.palette {
		r.palette[i] = toF(pal.At(i))
	}
	return r
}

// NodeColor is the fill of a node in the given mode before highlighting and dimming.
func (r *Renderer) nodeColor(n *systems.SceneNode, mode components.ColorMode) fcolor {
	if n.Flags&(systems.FlagHovered|systems.FlagSelected|systems.FlagHighlighted) != 0 {
		return toF(n.Light)
	}
	if n.Kind == components.ElementEvent {
		switch mode {
		case components.ColorByAggregate:
			return r.palette[n.AggKey%systems.PaletteSize]
		case components.ColorByType:
			return r.palette[n.TypeKey%systems.PaletteSize]
		}
	}
	return toF(n.Base)
}

// Build fills the renderer's batch with the scene as cam sees it. Nodes smaller than lodDot
// pixels, and the edges into them, go into the density pictures instead (the zoomed-out
// level of detail), except the hovered, selected and highlighted ones and the edges of the
// selection's cone, which stay shapes on top. It allocates nothing once the buffers have
// grown to the scene's and screen's size.
func (r *Renderer) Build(s *systems.Scene, cam components.Viewport, mode components.ColorMode) {
	key := buildKey{sig: s.Signature, nodes: len(s.Nodes), edges: len(s.Edges), cam: cam, mode: mode, curves: r.Curves}
	// A scene not gathered (signature 0) or with pulses (they move every frame), or a last
	// build with pulses in it, is built afresh.
	if key == r.built && key.sig != 0 && len(s.Pulses) == 0 && r.Stats.Pulses == 0 {
		return
	}
	r.built = key
	r.Builds++
	r.graph.reset()
	r.dens.begin(cam.Width, cam.Height)
	r.Labels = r.Labels[:0]
	r.Stats = RenderStats{}
	w, h := float64(cam.Width), float64(cam.Height)
	z := cam.Zoom
	dim := s.Dimmed()
	lineW := float32(min(max(1.2*math.Sqrt(z), 1), 2.5))
	nodesOn, edgesOn := r.onScreen(s, cam)
	crowded := nodesOn > maxShapeNodes || edgesOn > maxShapeEdges
	solid := edgesOn > maxDashedEdges // dashes multiply an edge's vertices by up to 96

	// The batch draws the edges' shapes, then the plain nodes', then the hovered, selected
	// and highlighted nodes on top. The plain nodes drawn as density are counted first, while
	// the edges' second share is counted on another goroutine (see splitEdges); the plain
	// nodes drawn as shapes wait in r.later until the edges are in the batch.
	r.pass = edgePass{s: s, cam: cam, w: w, h: h, z: z, lineW: lineW, dim: dim, crowded: crowded, solid: solid, curves: r.Curves && !solid}
	mine := r.startEdges(&r.pass)
	const marked = systems.FlagHovered | systems.FlagSelected | systems.FlagHighlighted
	r.later = r.later[:0]
	for i := range s.Nodes {
		n := &s.Nodes[i]
		if n.Flags&(systems.FlagHidden|marked) != 0 {
			continue
		}
		if sx, sy, pr, ok := r.onNode(n, &cam); ok {
			r.Stats.Nodes++
			if pr < lodDot || crowded {
				r.dens.node(float32(sx), float32(sy), float32(pr), r.nodeLook(n, mode, dim))
			} else {
				r.later = append(r.later, int32(i))
			}
		}
	}
	r.Stats.Edges += r.densityEdges(&r.pass, 0, mine, &r.dens.EdgeCounts, nil)
	r.finishEdges(&r.pass)
	r.pass.s = nil
	for _, i := range r.later {
		n := &s.Nodes[i]
		sx, sy, pr, _ := r.onNode(n, &cam)
		r.shapeNode(int(i), n, sx, sy, pr, r.nodeLook(n, mode, dim), &cam)
	}
	for i := range s.Nodes {
		n := &s.Nodes[i]
		if n.Flags&systems.FlagHidden != 0 || n.Flags&marked == 0 {
			continue
		}
		if sx, sy, pr, ok := r.onNode(n, &cam); ok {
			r.Stats.Nodes++
			if pr < lodDot || crowded {
				pr = max(pr, lodMarked) // a marked node stays findable however far out
			}
			r.shapeNode(i, n, sx, sy, pr, r.nodeLook(n, mode, dim), &cam)
		}
	}
	r.pulses(s, cam)
	r.Stats.Labels = len(r.Labels)
	r.Stats.Vertices = r.graph.vertices()
	r.Stats.DensityNodes, r.Stats.DensityEdges = r.dens.Nodes, r.dens.EdgesDrawn()
}

// onNode places node n on the screen: its centre and radius in pixels, and false when it is
// off the screen (beyond cullMargin).
func (r *Renderer) onNode(n *systems.SceneNode, cam *components.Viewport) (sx, sy, pr float64, ok bool) {
	sx, sy = cam.WorldToScreen(n.X, n.Y)
	pr = n.R * cam.Zoom
	w, h := float64(cam.Width), float64(cam.Height)
	return sx, sy, pr, sx+pr >= -cullMargin && sx-pr <= w+cullMargin && sy+pr >= -cullMargin && sy-pr <= h+cullMargin
}

// nodeLook is node n's colour this frame: dimmed off the lit set while something is lit.
func (r *Renderer) nodeLook(n *systems.SceneNode, mode components.ColorMode, dim bool) fcolor {
	c := r.nodeColor(n, mode)
	if dim && n.Flags&(systems.FlagHovered|systems.FlagSelected|systems.FlagHighlighted) == 0 {
		c = c.alpha(dimAlpha)
	}
	return c
}

// shapeNode adds node i to the batch at screen (sx, sy), radius pr pixels, and to the
// labels when it is big enough and on the screen.
func (r *Renderer) shapeNode(i int, n *systems.SceneNode, sx, sy, pr float64, c fcolor, cam *components.Viewport) {
	r.node(n, float32(sx), float32(sy), float32(pr), c)
	if pr >= lodLabel && len(r.Labels) < maxLabels && sx >= 0 && sx <= float64(cam.Width) && sy >= 0 && sy <= float64(cam.Height) {
		r.Labels = append(r.Labels, i)
	}
}

// onScreen counts the shown nodes whose centre is on the screen and the edges between shown
// nodes that cross it, each count stopping past its limit (maxShapeNodes, maxShapeEdges).
func (r *Renderer) onScreen(s *systems.Scene, cam components.Viewport) (nodes, edges int) {
	w, h := float64(cam.Width), float64(cam.Height)
	if len(s.Nodes) <= maxShapeNodes {
		nodes = len(s.Nodes)
	} else {
		for i := range s.Nodes {
			nd := &s.Nodes[i]
			if nd.Flags&systems.FlagHidden != 0 {
				continue
			}
			if sx, sy := cam.WorldToScreen(nd.X, nd.Y); sx >= 0 && sx <= w && sy >= 0 && sy <= h {
				if nodes++; nodes > maxShapeNodes {
					break
				}
			}
		}
	}
	if len(s.Edges) <= maxDashedEdges {
		return nodes, len(s.Edges)
	}
	for k := range s.Edges {
		e := &s.Edges[k]
		a, b := &s.Nodes[e.From], &s.Nodes[e.To]
		if (a.Flags|b.Flags)&systems.FlagHidden != 0 {
			continue
		}
		ax, ay := cam.WorldToScreen(a.X, a.Y)
		bx, by := cam.WorldToScreen(b.X, b.Y)
		if max(ax, bx) < 0 || min(ax, bx) > w || max(ay, by) < 0 || min(ay, by) > h {
			continue
		}
		if edges++; edges > maxShapeEdges {
			break
		}
	}
	return nodes, edges
}

// pulses draws the arrival pulse of each new node: a ring that widens and fades as the
// pulse's value falls from 1 to 0, large enough to see even when the node is a dot.
func (r *Renderer) pulses(s *systems.Scene, cam components.Viewport) {
	for _, p := range s.Pulses {
		if p.Node < 0 || p.Node >= len(s.Nodes) {
			continue
		}
		n := &s.Nodes[p.Node]
		if n.Flags&systems.FlagHidden != 0 {
			continue
		}
		sx, sy := cam.WorldToScreen(n.X, n.Y)
		base := max(n.R*cam.Zoom, 4)
		rad := float32(base*(1.3+1.7*(1-p.Value)) + 2)
		x, y := float32(sx), float32(sy)
		if x+rad < 0 || x-rad > float32(cam.Width) || y+rad < 0 || y-rad > float32(cam.Height) {
			continue
		}
		c := fcolor{1, 1, 1, float32(0.9 * p.Value)}
		u := r.circles[2]
		for k := range u {
			a, b := u[k], u[(k+1)%len(u)]
			r.graph.line(x+a[0]*rad, y+a[1]*rad, x+b[0]*rad, y+b[1]*rad, 2.5, c)
		}
		r.Stats.Pulses++
	}
}

// node adds one node at screen (x, y) with pixel radius pr.
func (r *Renderer) node(n *systems.SceneNode, x, y, pr float32, c fcolor) {
	b := &r.graph
	if n.Flags&(systems.FlagSelected|systems.FlagHovered) != 0 {
		ring := fcolor{1, 1, 1, 1}
		if n.Flags&systems.FlagSelected == 0 {
			ring.a = 0.55
		}
		r.shape(b, n.Shape, x, y, pr+selectRingPx, ring)
	}
	r.shape(b, n.Shape, x, y, pr, c)
	if n.Flags&systems.FlagExpandable != 0 {
		r.expandMark(x, y, pr, c.a)
	}
	if n.Shape == components.ShapeWarning && pr >= lodWarnMark {
		white := fcolor{1, 1, 1, c.a}
		bw := 0.16 * pr
		b.rect(x-bw/2, y-0.5*pr, bw, 0.55*pr, white)
		b.rect(x-bw/2, y+0.17*pr, bw, bw, white)
	}
}

// expandMark adds the "+" that explore mode puts above the right of a node whose
// neighbours are not fetched yet (a double-click fetches them).
func (r *Renderer) expandMark(x, y, pr, alpha float32) {
	c := toF(systems.ExpandMarkColor())
	c.a *= alpha
	arm := max(0.45*pr, 4)
	w := max(0.16*pr, 1.5)
	cx, cy := x+0.8*pr+arm, y-0.8*pr-arm
	r.graph.rect(cx-arm, cy-w/2, 2*arm, w, c)
	r.graph.rect(cx-w/2, cy-arm, w, 2*arm, c)
}

// shape adds a node shape to b; pr is its radius in pixels.
func (r *Renderer) shape(b *batch, s components.Shape, x, y, pr float32, c fcolor) {
	switch s {
	case components.ShapeDiamond:
		b.quad(x, y-pr, x+pr, y, x, y+pr, x-pr, y, c)
	case components.ShapeSquare:
		half := components.SquareHalf * pr
		b.rect(x-half, y-half, 2*half, 2*half, c)
	case components.ShapeWarning:
		b.tri(x, y-components.TriTop*pr, x+components.TriHalfW*pr, y+components.TriBase*pr, x-components.TriHalfW*pr, y+components.TriBase*pr, c)
	default:
		unit := r.circles[0]
		switch {
		case pr >= 20:
			unit = r.circles[2]
		case pr >= 6:
			unit = r.circles[1]
		}
		b.fan(x, y, pr, unit, c)
	}
}

// arrow adds an arrowhead on the segment from a to b, its tip on b's outline.
func (r *Renderer) arrow(ax, ay, bx, by float64, shape components.Shape, pr float64, c fcolor) {
	dx, dy := ax-bx, ay-by
	l := math.Hypot(dx, dy)
	if l == 0 {
		return
	}
	ux, uy := dx/l, dy/l
	var edge float64
	switch shape {
	case components.ShapeDiamond:
		edge = pr / (math.Abs(ux) + math.Abs(uy))
	case components.ShapeSquare:
		edge = components.SquareHalf * pr / max(math.Abs(ux), math.Abs(uy))
	case components.ShapeWarning:
		edge = components.TriBase * pr
	default:
		edge = pr
	}
	size := min(max(pr*0.8, 5), 12)
	if l < edge+size {
		return
	}
	tx, ty := bx+ux*edge, by+uy*edge
	baseX, baseY := tx+ux*size, ty+uy*size
	px, py := -uy*size*0.45, ux*size*0.45
	c.a = min(c.a*1.2, 1)
	r.graph.tri(float32(tx), float32(ty), float32(baseX+px), float32(baseY+py), float32(baseX-px), float32(baseY-py), c)
}

// needle adds a segment as a single triangle, width wide at (x0, y0) and pointed at
// (x1, y1): half the triangles of a line, for edges too short or thin to show the
// difference. It tapers toward the older block, as an arrowhead would point.
func (b *batch) needle(x0, y0, x1, y1, width float32, c fcolor) {
	dx, dy := x1-x0, y1-y0
	l := float32(math.Sqrt(float64(dx*dx + dy*dy)))
	if l == 0 {
		return
	}
	nx, ny := -dy/l*width/2, dx/l*width/2
	b.tri(x0+nx, y0+ny, x1, y1, x0-nx, y0-ny, c)
}

// dashed adds a dashed segment: on pixels drawn, off pixels skipped, repeating. An edge that
// would need more than maxDashes dashes is drawn solid.
func (b *batch) dashed(x0, y0, x1, y1, width, on, off float32, c fcolor) {
	dx, dy := x1-x0, y1-y0
	l := float32(math.Sqrt(float64(dx*dx + dy*dy)))
	if l == 0 {
		return
	}
	period := on + off
	n := int(l/period) + 1
	if n > maxDashes {
		b.line(x0, y0, x1, y1, width, c)
		return
	}
	ux, uy := dx/l, dy/l
	for k := 0; k < n; k++ {
		s := float32(k) * period
		e := min(s+on, l)
		if e <= s {
			break
		}
		b.line(x0+ux*s, y0+uy*s, x0+ux*e, y0+uy*e, width, c)
	}
}

// curvePoints returns the points of the curve from screen (ax, ay) to (bx, by) that leaves
// and enters horizontally: the cubic Bézier with control points (m, ay) and (m, by), m
// halfway across, in a segment per curveSegPx of the chord (minCurveSegs to maxCurveSegs).
// Along it x(t) = ax(1−t)³ + 3t(1−t)·m + bx·t³ and y(t) = ay + (by−ay)(3t² − 2t³). It lies in
// the box of its ends, so it is culled as the straight edge is. The slice is r's own, valid
// until the next call.
func (r *Renderer) curvePoints(ax, ay, bx, by float64) [][2]float32 {
	n := min(max(int(math.Hypot(bx-ax, by-ay)/curveSegPx), minCurveSegs), maxCurveSegs)
	m := (ax + bx) / 2
	for k := 0; k <= n; k++ {
		t := float64(k) / float64(n)
		u := 1 - t
		x := ax*u*u*u + 3*t*u*m + bx*t*t*t
		y := ay + (by-ay)*t*t*(3-2*t)
		r.curve[k] = [2]float32{float32(x), float32(y)}
	}
	return r.curve[:n+1]
}

// path adds a solid polyline through pts.
func (b *batch) path(pts [][2]float32, width float32, c fcolor) {
	for k := 1; k < len(pts); k++ {
		b.line(pts[k-1][0], pts[k-1][1], pts[k][0], pts[k][1], width, c)
	}
}

// dashedPath adds a dashed polyline through pts, the dashes running on across its corners
// as along a straight dashed line (dashed); one that would need more than maxDashes dashes
// is drawn solid.
func (b *batch) dashedPath(pts [][2]float32, width, on, off float32, c fcolor) {
	var total float32
	for k := 1; k < len(pts); k++ {
		total += float32(math.Hypot(float64(pts[k][0]-pts[k-1][0]), float64(pts[k][1]-pts[k-1][1])))
	}
	period := on + off
	if total == 0 {
		return
	}
	if int(total/period)+1 > maxDashes {
		b.path(pts, width, c)
		return
	}
	var phase float32 // how far into the period the path has come: on [0, on), off [on, period)
	for k := 1; k < len(pts); k++ {
		x0, y0 := pts[k-1][0], pts[k-1][1]
		dx, dy := pts[k][0]-x0, pts[k][1]-y0
		l := float32(math.Sqrt(float64(dx*dx + dy*dy)))
		if l == 0 {
			continue
		}
		ux, uy := dx/l, dy/l
		for s := float32(0); s < l; {
			if phase < on {
				e := min(s+on-phase, l)
				b.line(x0+ux*s, y0+uy*s, x0+ux*e, y0+uy*e, width, c)
				if e == l {
					phase += l - s
				} else {
					phase = on
				}
				s = e
			} else {
				e := min(s+period-phase, l)
				if e == l {
					phase += l - s
				} else {
					phase = 0
				}
				s = e
			}
		}
	}
}

// DrawGraph clears screen to the background and draws what Build built: the density
// pictures, then the batch.
func (r *Renderer) DrawGraph(screen *ebiten.Image) {
	screen.Fill(systems.Background())
	r.Stats.Calls = r.dens.draw(screen)
	r.Stats.Calls += r.graph.draw(screen, r.white.Image)
	r.Stats.Cached = false
}
