package raster

import (
	"image"
	"math"
)

// refDensity is the density rasterizer as it was before its fast paths (main at 98f9306, the
// same arithmetic written plainly), kept as the reference the fast one must match pixel for
// pixel on random nodes and segments.
type refDensity struct {
	w, h         int
	cells        []nodeCell
	nbox         image.Rectangle
	ew, eh       int
	ecells       []edgeCellSum
	ebox         image.Rectangle
	Prev, Other  [3]float32
	Nodes, Edges int
}

func newRefDensity(w, h int) *refDensity {
	ew, eh := (w+EdgeCell-1)/EdgeCell, (h+EdgeCell-1)/EdgeCell
	return &refDensity{w: w, h: h, ew: ew, eh: eh, cells: make([]nodeCell, w*h), ecells: make([]edgeCellSum, ew*eh)}
}

func (cl *nodeCell) refAdd(wt uint16, r, g, b int32) {
	if cl.w == math.MaxUint16 {
		return
	}
	nw := min(int32(cl.w)+int32(wt), math.MaxUint16)
	cl.r = uint16(int32(cl.r) + (r-int32(cl.r))*int32(wt)/nw)
	cl.g = uint16(int32(cl.g) + (g-int32(cl.g))*int32(wt)/nw)
	cl.b = uint16(int32(cl.b) + (b-int32(cl.b))*int32(wt)/nw)
	cl.w = uint16(nw)
}

func (d *refDensity) Node(x, y, pr, cr, cg, cb, ca float32) {
	side := int(1.5*pr + 0.5)
	side = min(max(side, 1), 3)
	x0, y0 := int(math.Floor(float64(x)))-side/2, int(math.Floor(float64(y)))-side/2
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
	for py := y0; py < y1; py++ {
		row := d.cells[py*d.w : (py+1)*d.w]
		for px := x0; px < x1; px++ {
			row[px].refAdd(wt, r, g, b)
		}
	}
	d.nbox = d.nbox.Union(image.Rect(x0, y0, x1, y1))
	d.Nodes++
}

func (d *refDensity) Edge(x0, y0, x1, y1 float64, previous bool, dim float32) {
	x0, y0, x1, y1 = x0/EdgeCell, y0/EdgeCell, x1/EdgeCell, y1/EdgeCell
	var ok bool
	if x0, y0, x1, y1, ok = clipSegment(x0, y0, x1, y1, float64(d.ew), float64(d.eh)); !ok {
		return
	}
	ix0, iy0, ix1, iy1 := int(x0), int(y0), int(x1), int(y1)
	d.ebox = d.ebox.Union(image.Rect(min(ix0, ix1), min(iy0, iy1), max(ix0, ix1)+1, max(iy0, iy1)+1))
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

func refNodePixel(cl nodeCell) (r, g, b, a uint8) {
	if cl.w == 0 {
		return 0, 0, 0, 0
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

func (d *refDensity) edgePixel(cl edgeCellSum) (r, g, b, a uint8) {
	n := float64(cl.prev) + float64(cl.other)
	if n == 0 {
		return 0, 0, 0, 0
	}
	p := float64(cl.prev) / n
	cr := p*float64(d.Prev[0]) + (1-p)*float64(d.Other[0])
	cg := p*float64(d.Prev[1]) + (1-p)*float64(d.Other[1])
	cb := p*float64(d.Prev[2]) + (1-p)*float64(d.Other[2])
	al := edgeAlphaMax * (1 - math.Exp(-n/(3*edgeUnit)))
	return uint8(255*cr*al + 0.5), uint8(255*cg*al + 0.5), uint8(255*cb*al + 0.5), uint8(255*al + 0.5)
}
