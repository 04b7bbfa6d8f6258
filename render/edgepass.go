package render

import (
	"math"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/render/raster"
	"github.com/jetdag/jetdag/systems"
)

// splitEdges is the fewest edges a build shares between two goroutines: from there on a
// second share of the edges is counted into the density's second edge grid on a goroutine of
// its own while the first share and the plain nodes are drawn on the caller's (a
// 100,000-node frame's 130,000 density edges are most of its build). The edge picture is the sum of the two grids, so it is
// the same either way; the batch is only ever filled on the caller's goroutine, in edge order.
const splitEdges = 8192

// edgePass is what every edge of one build is drawn with.
type edgePass struct {
	s                   *systems.Scene
	cam                 components.Viewport
	w, h, z             float64
	lineW               float32
	dim, crowded, solid bool
	curves              bool // parent edges between lanes are curves (Renderer.Curves)
}

const litFlags = systems.FlagHighlighted | systems.FlagSelected

// place says where edge e is on the screen, whether it is drawn at all (both ends shown,
// on or near the screen) and whether it goes into the density picture rather than the batch.
func (p *edgePass) place(e *systems.SceneEdge) (ax, ay, bx, by float64, shown, density bool) {
	a, b := &p.s.Nodes[e.From], &p.s.Nodes[e.To]
	if (a.Flags|b.Flags)&systems.FlagHidden != 0 {
		return 0, 0, 0, 0, false, false
	}
	ax, ay = p.cam.WorldToScreen(a.X, a.Y)
	bx, by = p.cam.WorldToScreen(b.X, b.Y)
	if max(ax, bx) < -cullMargin || min(ax, bx) > p.w+cullMargin ||
		max(ay, by) < -cullMargin || min(ay, by) > p.h+cullMargin {
		return 0, 0, 0, 0, false, false
	}
	lit := p.dim && a.Flags&litFlags != 0 && b.Flags&litFlags != 0
	return ax, ay, bx, by, true, (b.R*p.z < lodDot || p.crowded) && !lit
}

// densityEdges counts the density edges among edges [lo, hi) into g and returns how many it
// drew; with later non-nil it appends the indices of the edges to draw as shapes to it
// instead of drawing them (which only the batch's goroutine may do), else it draws them.
func (r *Renderer) densityEdges(p *edgePass, lo, hi int, g *raster.EdgeCounts, later *[]int32) int {
	weight := float32(1)
	if p.dim {
		weight = dimAlpha
	}
	drawn := 0
	for k := lo; k < hi; k++ {
		e := &p.s.Edges[k]
		ax, ay, bx, by, shown, density := p.place(e)
		switch {
		case !shown:
			continue
		case density:
			g.Edge(ax, ay, bx, by, e.Kind == components.EdgePrevious, weight)
		case later != nil:
			*later = append(*later, int32(k))
			continue // counted when drawn
		default:
			r.shapeEdge(p, e, ax, ay, bx, by)
		}
		drawn++
	}
	return drawn
}

// shapeEdge adds edge e, from screen (ax, ay) to (bx, by), to the batch: a needle, a dashed
// or solid line, with an arrowhead on previous edges into nodes big enough.
func (r *Renderer) shapeEdge(p *edgePass, e *systems.SceneEdge, ax, ay, bx, by float64) {
	a, b := &p.s.Nodes[e.From], &p.s.Nodes[e.To]
	var c fcolor
	switch e.Kind {
	case components.EdgeParent:
		c = r.parent
	case components.EdgeLink:
		c = r.link
	default:
		c = r.prev
	}
	width := p.lineW
	if p.dim {
		if a.Flags&litFlags != 0 && b.Flags&litFlags != 0 {
			width *= 1.6
			c.a = 1
		} else {
			c = c.alpha(dimAlpha)
		}
	}
	pr := b.R * p.z
	if p.curves && e.Kind == components.EdgeParent && math.Abs(by-ay) >= minCurvePx {
		pts := r.curvePoints(ax, ay, bx, by)
		if pr >= lodDash {
			r.graph.dashedPath(pts, width, 6, 4, c)
		} else {
			r.graph.path(pts, width, c)
		}
		return
	}
	x0, y0, x1, y1 := float32(ax), float32(ay), float32(bx), float32(by)
	switch {
	case pr < lodNeedle:
		r.graph.needle(x0, y0, x1, y1, 2*width, c)
	case e.Kind == components.EdgeParent && pr >= lodDash && !p.solid:
		r.graph.dashed(x0, y0, x1, y1, width, 6, 4, c)
	case e.Kind == components.EdgeLink && pr >= lodDash && !p.solid:
		r.graph.dashed(x0, y0, x1, y1, width, 2, 3, c)
	default:
		r.graph.line(x0, y0, x1, y1, width, c)
	}
	if e.Kind == components.EdgePrevious && pr >= lodArrow {
		r.arrow(ax, ay, bx, by, b.Shape, pr, c)
	}
}

// startEdges starts counting the second share of many edges on a goroutine of its own (see
// splitEdges) and returns how many edges, from the first, are the caller's to draw with
// densityEdges before finishEdges. The caller's share is smaller by about a quarter of the
// nodes, which it counts into the density meanwhile.
func (r *Renderer) startEdges(p *edgePass) (mine int) {
	n := len(p.s.Edges)
	if n < r.splitAt {
		return n
	}
	mine = min(max(n/2-len(p.s.Nodes)/4, n/4), n/2)
	r.half = halfPass{p: p, lo: mine, hi: n, later: r.half.later[:0]}
	r.halfDone.Add(1)
	go r.halfRun()
	return mine
}

// finishEdges waits for the second share of a split edge pass and draws its shape edges,
// after the first share's, in edge order. It does nothing when the pass was not split.
func (r *Renderer) finishEdges(p *edgePass) {
	if r.half.p == nil {
		return
	}
	r.halfDone.Wait()
	r.Stats.Edges += r.half.drawn
	for _, k := range r.half.later {
		e := &p.s.Edges[k]
		ax, ay, bx, by, _, _ := p.place(e)
		r.shapeEdge(p, e, ax, ay, bx, by)
		r.Stats.Edges++
	}
	r.half.p = nil
}

// halfPass is the second share of a split edge pass: edges [lo, hi) into the density's second
// grid, the indices of those to draw as shapes into later, the count drawn into drawn.
type halfPass struct {
	p      *edgePass
	lo, hi int
	later  []int32
	drawn  int
}

// runHalf counts the second share of a split edge pass (the goroutine startEdges starts).
func (r *Renderer) runHalf() {
	defer r.halfDone.Done()
	h := &r.half
	h.drawn = r.densityEdges(h.p, h.lo, h.hi, r.dens.Second(), &h.later)
}
