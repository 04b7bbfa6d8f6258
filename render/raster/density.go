// Package raster counts what the window's zoomed-out level of detail draws: nodes per
// screen pixel (with their mean colour) and edges per cell of a half-resolution grid, on the
// CPU, and turns the counts into premultiplied RGBA pictures. It knows nothing of Ebiten:
// package render uploads the pictures (one WritePixels and one DrawImage each), so this part
// of drawing is tested without a display.
package raster

import (
	"image"
	"math"
)

// Why: when a node is a pixel or two on screen, drawing it as a triangle costs software GL
// a triangle setup for one or two pixels, and 100,000 of them a frame take hundreds of
// milliseconds; counting them here and uploading one picture costs a few milliseconds.
const (
	// EdgeCell is the side, in screen pixels, of a cell of the edge density grid.
	EdgeCell = 2
	// nodeUnit is one whole node's weight in a pixel; a dimmed node weighs less.
	nodeUnit = 16
	// edgeUnit is one edge crossing a cell; a dimmed edge weighs less.
	edgeUnit = 4
	// densityBright is how many doublings of nodes in one pixel bring it halfway to white.
	densityBright = 3.0
	// maxEdgeSamples bounds the cells one edge adds to (longer edges are sampled).
	maxEdgeSamples = 32
	// edgeAlphaMax caps the edge haze's opacity so that the nodes stay in front of it.
	edgeAlphaMax = 0.55
)

// nodeCell sums what fell on one pixel: the nodes' total weight (saturating) and their
// weighted mean colour, each channel in 8.8 fixed point. Eight bytes a pixel.
type nodeCell struct{ w, r, g, b uint16 }

// add folds a node of weight wt and colour (r, g, b), 8.8 fixed point, into the cell.
func (cl *nodeCell) add(wt uint16, r, g, b int32) {
	if cl.w == 0 {
		// The first node on the pixel (most of them, zoomed out): its colour is the mean, as
		// the division below would give, without three divisions.
		*cl = nodeCell{w: wt, r: uint16(r), g: uint16(g), b: uint16(b)}
		return
	}
	if cl.w == math.MaxUint16 {
		return
	}
	nw := min(int32(cl.w)+int32(wt), math.MaxUint16)
	cl.r = uint16(int32(cl.r) + (r-int32(cl.r))*int32(wt)/nw)
	cl.g = uint16(int32(cl.g) + (g-int32(cl.g))*int32(wt)/nw)
	cl.b = uint16(int32(cl.b) + (b-int32(cl.b))*int32(wt)/nw)
	cl.w = uint16(nw)
}

// edgeCellSum sums the edges that crossed one cell of the edge grid, previous edges apart.
type edgeCellSum struct{ prev, other uint32 }

// Density is the two CPU pictures of the zoomed-out level of detail. Its buffers are the
// screen's size and are kept between frames; Begin clears only what the last frame touched.
// The edge picture is counted in two grids of the same size, Density's own (its Edge method)
// and Second, so that two goroutines can each count a share of the edges; the picture is
// their sum.
type Density struct {
	w, h  int // screen
	cells []nodeCell
	nbox  bounds // pixels touched this frame
	// touched lists the pixels nodes fell on this frame, y<<16 | x, each once, while there
	// are at most a quarter of the screen's (crowded false): Begin then clears, and
	// NodePixels converts, only those instead of every pixel of the box (a fitted
	// 100,000-node graph touches a tenth of its box).
	touched []uint32
	crowded bool
	EdgeCounts
	second EdgeCounts
	pix    []byte // RGBA staging for the uploads
	// edgeAlpha[n] is edgePixel's opacity for a cell of total count n, for small counts.
	edgeAlpha []float64

	// Prev and Other are the straight RGB colours (0-1) of previous edges and of the others.
	Prev, Other [3]float32

	Nodes int // drawn this frame as density
}

// EdgeCounts is a grid of edge counts over the screen, EdgeCell pixels a cell. Its buffer
// is allocated on first use and kept; begin clears what the last frame touched.
type EdgeCounts struct {
	ew, eh int
	ecells []edgeCellSum
	ebox   bounds // cells touched this frame
	Edges  int    // added this frame
}

// begin forgets the last frame's counts, and the grid itself when its size changes.
func (g *EdgeCounts) begin(ew, eh int) {
	if ew != g.ew || eh != g.eh {
		*g = EdgeCounts{ew: ew, eh: eh}
		return
	}
	if b := g.ebox; b.x0 < b.x1 {
		for y := b.y0; y < b.y1; y++ {
			clear(g.ecells[y*g.ew+b.x0 : y*g.ew+b.x1])
		}
	}
	g.ebox, g.Edges = bounds{}, 0
}

// Second is the second edge grid, for another goroutine to count edges into while the
// first is counting others (never the same grid from two goroutines at once). Begin clears
// it with the first, and the edge picture and EdgeBox are of both.
func (d *Density) Second() *EdgeCounts { return &d.second }

// bounds is a rectangle grown box by box: min and max corners, the max exclusive; empty
// while x0 >= x1. It grows with four compares where image.Rectangle.Union checks emptiness
// and canonicalises both rectangles each time.
type bounds struct{ x0, y0, x1, y1 int }

// add grows b to hold [x0, x1)×[y0, y1) (not empty).
func (b *bounds) add(x0, y0, x1, y1 int) {
	if b.x0 >= b.x1 {
		*b = bounds{x0, y0, x1, y1}
		return
	}
	b.x0, b.y0 = min(b.x0, x0), min(b.y0, y0)
	b.x1, b.y1 = max(b.x1, x1), max(b.y1, y1)
}

func (b bounds) rect() image.Rectangle {
	if b.x0 >= b.x1 {
		return image.Rectangle{}
	}
	return image.Rect(b.x0, b.y0, b.x1, b.y1)
}

// Begin starts a frame on a w×h screen: it forgets the last frame's counts. It reports
// whether the screen's size changed (pictures of the old size are then of no use).
func (d *Density) Begin(w, h int) (resized bool) {
	if w != d.w || h != d.h {
		resized = true
		d.w, d.h = w, h
		d.cells = nil // allocated on first use at the new size
		d.nbox, d.touched, d.crowded = bounds{}, d.touched[:0], false
	}
	switch b := d.nbox; {
	case !d.crowded:
		for _, p := range d.touched {
			d.cells[int(p>>16)*d.w+int(p&0xffff)] = nodeCell{}
		}
	case b.x0 < b.x1:
		for y := b.y0; y < b.y1; y++ {
			clear(d.cells[y*d.w+b.x0 : y*d.w+b.x1])
		}
	}
	d.nbox, d.Nodes, d.touched, d.crowded = bounds{}, 0, d.touched[:0], false
	ew, eh := (w+EdgeCell-1)/EdgeCell, (h+EdgeCell-1)/EdgeCell
	d.EdgeCounts.begin(ew, eh)
	d.second.begin(ew, eh)
	return resized
}

// Node adds a node at screen (x, y), radius pr pixels, in straight colour (cr, cg, cb), 0-1;
// ca scales its weight (a dimmed node weighs less). It covers a square of about its area,
// one to three pixels a side.
func (d *Density) Node(x, y, pr, cr, cg, cb, ca float32) {
	if d.cells == nil {
		d.cells = make([]nodeCell, d.w*d.h)
	}
	side := int(1.5*pr + 0.5)
	side = min(max(side, 1), 3)
	x0, y0 := floor(x)-side/2, floor(y)-side/2
	x1, y1 := min(x0+side, d.w), min(y0+side, d.h)
	x0, y0 = max(x0, 0), max(y0, 0)
	if x0 >= x1 || y0 >= y1 {
		return
	}
	wt := uint16(float32(nodeUnit)*ca + 0.5)
	if wt == 0 {
		wt = 1
	}
	r, g, b := int32(cr*255*256+0.5), int32(cg*255*256+0.5), int32(cb*255*256+0.5)
	if x1-x0 == 1 && y1-y0 == 1 {
		// A node of one pixel: most, zoomed out.
		if cl := &d.cells[y0*d.w+x0]; cl.w != 0 {
			cl.add(wt, r, g, b)
		} else {
			*cl = nodeCell{w: wt, r: uint16(r), g: uint16(g), b: uint16(b)}
			d.touch(x0, y0)
		}
	} else {
		for py := y0; py < y1; py++ {
			row := d.cells[py*d.w+x0 : py*d.w+x1]
			for px := range row {
				if row[px].w == 0 {
					d.touch(x0+px, py)
				}
				row[px].add(wt, r, g, b)
			}
		}
	}
	d.nbox.add(x0, y0, x1, y1)
	d.Nodes++
}

// touch lists pixel (x, y) as touched this frame (its first node), while the list is short
// enough.
func (d *Density) touch(x, y int) {
	if d.crowded {
		return
	}
	if len(d.touched) >= max(d.w*d.h/4, 1024) || x > 0xffff || y > 0xffff {
		d.crowded = true
		return
	}
	d.touched = append(d.touched, uint32(y)<<16|uint32(x))
}

// Edge adds the segment from (x0, y0) to (x1, y1), screen pixels, to the edge grid: a count
// in every cell it crosses, weighted by dim (1 full, less when dimmed). A segment longer than
// maxEdgeSamples cells is sampled at that many evenly spaced points instead, each weighing
// its share of the cells it stands for: the same density at a bounded cost (a zoomed-out
// layout whose edges cross the screen would otherwise cost a step per cell of each).
func (d *EdgeCounts) Edge(x0, y0, x1, y1 float64, previous bool, dim float32) {
	if d.ecells == nil {
		d.ecells = make([]edgeCellSum, d.ew*d.eh)
	}
	x0, y0, x1, y1 = x0/EdgeCell, y0/EdgeCell, x1/EdgeCell, y1/EdgeCell
	var ok bool
	if x0, y0, x1, y1, ok = clipSegment(x0, y0, x1, y1, float64(d.ew), float64(d.eh)); !ok {
		return
	}
	ix0, iy0, ix1, iy1 := int(x0), int(y0), int(x1), int(y1)
	d.ebox.add(min(ix0, ix1), min(iy0, iy1), max(ix0, ix1)+1, max(iy0, iy1)+1)
	d.Edges++
	cells := max(abs(ix1-ix0), abs(iy1-iy0)) + 1
	samples := min(cells, maxEdgeSamples)
	wt := uint32(float32(edgeUnit)*dim*float32(cells)/float32(samples) + 0.5)
	if wt == 0 {
		wt = 1
	}
	// 16.16 fixed point along both axes: a step a cell from end to end, or, sampled, the
	// centres of samples equal parts.
	const one = 1 << 16
	fx, fy := int64(x0*one), int64(y0*one)
	var dx, dy int64
	switch {
	case samples < cells:
		dx, dy = int64((x1-x0)*one)/int64(samples), int64((y1-y0)*one)/int64(samples)
		fx, fy = fx+dx/2, fy+dy/2
	case samples > 1:
		dx, dy = int64((x1-x0)*one)/int64(samples-1), int64((y1-y0)*one)/int64(samples-1)
	}
	ecs := d.ecells
	ew := d.ew
	if previous {
		for k := 0; k < samples; k++ {
			if idx := int(fy>>16)*ew + int(fx>>16); uint(idx) < uint(len(ecs)) {
				ecs[idx].prev += wt
			}
			fx, fy = fx+dx, fy+dy
		}
		return
	}
	for k := 0; k < samples; k++ {
		if idx := int(fy>>16)*ew + int(fx>>16); uint(idx) < uint(len(ecs)) {
			ecs[idx].other += wt
		}
		fx, fy = fx+dx, fy+dy
	}
}

// floor is int(math.Floor(x)) for the screen coordinates a node has (well inside int's
// range), without the float64 round trip.
func floor(x float32) int {
	i := int(x)
	if float32(i) > x {
		i--
	}
	return i
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// clipSegment clips a segment to [0, w)×[0, h) (Liang–Barsky); ok is false when nothing of
// it is inside.
func clipSegment(x0, y0, x1, y1, w, h float64) (float64, float64, float64, float64, bool) {
	if x0 >= 0 && x1 >= 0 && y0 >= 0 && y1 >= 0 && x0 < w && x1 < w && y0 < h && y1 < h {
		return x0, y0, x1, y1, true // inside: the common case
	}
	t0, t1 := 0.0, 1.0
	dx, dy := x1-x0, y1-y0
	w, h = math.Nextafter(w, 0), math.Nextafter(h, 0)
	for _, pq := range [4][2]float64{{-dx, x0}, {dx, w - x0}, {-dy, y0}, {dy, h - y0}} {
		p, q := pq[0], pq[1]
		if p == 0 {
			if q < 0 {
				return 0, 0, 0, 0, false
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = max(t0, t)
		} else {
			t1 = min(t1, t)
		}
		if t0 > t1 {
			return 0, 0, 0, 0, false
		}
	}
	clamp := func(v, hi float64) float64 { return min(max(v, 0), hi) }
	return clamp(x0+t0*dx, w), clamp(y0+t0*dy, h), clamp(x0+t1*dx, w), clamp(y0+t1*dy, h), true
}

// nodePixel is the premultiplied RGBA of a pixel on which nodes of total weight cl.w fell:
// their mean colour, lighter the more nodes share the pixel (so that a dense region reads
// as brighter, not as a flat disc), as opaque as one whole node.
func nodePixel(cl nodeCell) (r, g, b, a uint8) {
	if cl.w == 0 {
		return 0, 0, 0, 0
	}
	if cl.w == nodeUnit {
		// One whole node (most pixels zoomed out): its colour, opaque, rounded as below.
		return uint8((uint32(cl.r) + 128) >> 8), uint8((uint32(cl.g) + 128) >> 8), uint8((uint32(cl.b) + 128) >> 8), 255
	}
	fw := float64(cl.w)
	cr, cg, cb := float64(cl.r)/256, float64(cl.g)/256, float64(cl.b)/256
	if n := fw / nodeUnit; n > 1 {
		t := 1 - 1/(1+math.Log2(n)/densityBright)
		cr, cg, cb = cr+(255-cr)*t, cg+(255-cg)*t, cb+(255-cb)*t
	}
	al := min(fw/nodeUnit, 1)
	return uint8(cr*al + 0.5), uint8(cg*al + 0.5), uint8(cb*al + 0.5), uint8(255*al + 0.5)
}

// edgePixel is the premultiplied RGBA of an edge cell: the edge colours mixed by count,
// more opaque the more edges cross it, never fully.
func (d *Density) edgePixel(cl edgeCellSum) (r, g, b, a uint8) {
	n := float64(cl.prev) + float64(cl.other)
	if n == 0 {
		return 0, 0, 0, 0
	}
	p := float64(cl.prev) / n
	cr := p*float64(d.Prev[0]) + (1-p)*float64(d.Other[0])
	cg := p*float64(d.Prev[1]) + (1-p)*float64(d.Other[1])
	cb := p*float64(d.Prev[2]) + (1-p)*float64(d.Other[2])
	al := edgeAlphaMax // what edgeAlpha(n) gives past the table: 1 − e^(−n/12) rounds to 1
	if c := uint64(cl.prev) + uint64(cl.other); c < uint64(len(d.edgeAlpha)) {
		al = d.edgeAlpha[c]
	}
	return uint8(255*cr*al + 0.5), uint8(255*cg*al + 0.5), uint8(255*cb*al + 0.5), uint8(255*al + 0.5)
}

// edgeAlpha is the opacity of an edge cell that n edges (in edgeUnit) crossed.
func edgeAlpha(n float64) float64 { return edgeAlphaMax * (1 - math.Exp(-n/(3*edgeUnit))) }

// edgeAlphaTable is how many counts edgeAlpha is tabulated for (a cell crossed by 256 whole
// edges): from about 450 on, 1 − e^(−n/12) is 1 in float64, and the opacity edgeAlphaMax.
const edgeAlphaTable = 1024

// NodeBox is the rectangle of screen pixels nodes fell on this frame (empty: none).
func (d *Density) NodeBox() image.Rectangle { return d.nbox.rect() }

// EdgeBox is the rectangle of edge-grid cells edges crossed this frame, in either grid
// (empty: none).
func (d *Density) EdgeBox() image.Rectangle {
	b := d.ebox
	if s := d.second.ebox; s.x0 < s.x1 {
		b.add(s.x0, s.y0, s.x1, s.y1)
	}
	return b.rect()
}

// EdgesDrawn is how many edges the two grids counted this frame.
func (d *Density) EdgesDrawn() int { return d.Edges + d.second.Edges }

// EdgeGrid is the edge grid's size in cells (the screen's over EdgeCell, rounded up).
func (d *Density) EdgeGrid() (w, h int) { return d.ew, d.eh }

// NodePixels converts the node picture inside box (within NodeBox) to premultiplied RGBA,
// row by row, in a buffer the Density keeps until the next call.
func (d *Density) NodePixels(box image.Rectangle) []byte {
	pix := d.staging(box)
	clear(pix) // most pixels are empty: only the others are written
	if !d.crowded {
		stride := box.Dx()
		for _, p := range d.touched {
			x, y := int(p&0xffff), int(p>>16)
			if x < box.Min.X || x >= box.Max.X || y < box.Min.Y || y >= box.Max.Y {
				continue
			}
			k := 4 * ((y-box.Min.Y)*stride + x - box.Min.X)
			pix[k], pix[k+1], pix[k+2], pix[k+3] = nodePixel(d.cells[y*d.w+x])
		}
		return pix
	}
	k := 0
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for i := range d.cells[y*d.w+box.Min.X : y*d.w+box.Max.X] {
			if cl := &d.cells[y*d.w+box.Min.X+i]; cl.w != 0 {
				pix[k], pix[k+1], pix[k+2], pix[k+3] = nodePixel(*cl)
			}
			k += 4
		}
	}
	return pix
}

// EdgePixels converts the edge picture inside box (cells, within EdgeBox) to premultiplied
// RGBA, one pixel a cell, in the same kept buffer as NodePixels.
func (d *Density) EdgePixels(box image.Rectangle) []byte {
	if d.edgeAlpha == nil {
		d.edgeAlpha = make([]float64, edgeAlphaTable)
		for n := range d.edgeAlpha {
			d.edgeAlpha[n] = edgeAlpha(float64(n))
		}
	}
	pix := d.staging(box)
	clear(pix) // as in NodePixels: only the cells edges crossed are written
	if d.ecells == nil {
		d.ecells = make([]edgeCellSum, d.ew*d.eh) // only the second grid was used
	}
	sec := d.second.ecells
	k := 0
	for y := box.Min.Y; y < box.Max.Y; y++ {
		row := d.ecells[y*d.ew+box.Min.X : y*d.ew+box.Max.X]
		if sec == nil {
			for _, cl := range row {
				if cl.prev|cl.other != 0 {
					pix[k], pix[k+1], pix[k+2], pix[k+3] = d.edgePixel(cl)
				}
				k += 4
			}
			continue
		}
		row2 := sec[y*d.ew+box.Min.X : y*d.ew+box.Max.X]
		for i, cl := range row {
			cl.prev += row2[i].prev
			cl.other += row2[i].other
			if cl.prev|cl.other != 0 {
				pix[k], pix[k+1], pix[k+2], pix[k+3] = d.edgePixel(cl)
			}
			k += 4
		}
	}
	return pix
}

// staging returns the RGBA buffer for box, grown if needed.
func (d *Density) staging(box image.Rectangle) []byte {
	n := 4 * box.Dx() * box.Dy()
	if cap(d.pix) < n {
		d.pix = make([]byte, n)
	}
	return d.pix[:n]
}
