package layout

import (
	"math"
	"math/bits"
)

// The Barnes-Hut tree is rebuilt every tick without allocating: live nodes get a 32-bit
// Morton code (16 bits per axis over the bounding square), a radix sort orders them along the
// Z curve, and the tree is laid out in preorder over that order, so every tree node covers a
// contiguous range of sorted bodies and a traversal needs no stack: opening a node steps to
// the next entry, accepting it jumps to its skip index.
//
// Forces are computed a leaf at a time (Barnes' grouping): one walk of the tree per leaf
// collects the cells that are far enough from the leaf's bounding box to stand for their
// bodies and the leaves near it, then every body of the leaf sums over those two lists. The
// test is made against the box, the nearest any body of the leaf can be, so it is at least as
// strict as d3's per-body test with the same theta.

const (
	mortonBits = 16 // bits per axis, so the tree is at most 16 levels deep
	leafSize   = 12 // a range of at most this many bodies becomes a leaf
)

// qnode is one cell of the tree.
type qnode struct {
	cx, cy float64 // centre of mass
	mass   float64 // number of bodies
	thr    float64 // w²/θ²: the cell may stand for its bodies when their squared distance exceeds it
	lo, hi int32   // range of sorted bodies in the cell
	skip   int32   // index of the first node after this cell's subtree
	leaf   bool
}

// leafBox is a leaf of the tree with the bounding box of its bodies.
type leafBox struct {
	node                   int32
	minX, minY, maxX, maxY float64
}

// farCell is a cell that stands for its bodies in a leaf's interaction list.
type farCell struct{ cx, cy, mass float64 }

// lists is one worker's interaction lists, reused from leaf to leaf.
type lists struct {
	far  []farCell
	near [][2]int32 // body ranges that act one by one
}

// quadtree holds the arrays of the tree, reused from tick to tick.
type quadtree struct {
	keys, tmp []uint64  // Morton code << 32 | node ID, sorted by code
	bx, by    []float64 // body positions in sorted order
	nodes     []qnode
	leaves    []leafBox
	counts    [256]int32
	side      float64
	invTheta2 float64
}

// build rebuilds the tree over the live entries of xs, ys.
func (t *quadtree) build(xs, ys []float64, live []bool, theta float64) {
	t.invTheta2 = 1 / (theta * theta)
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	n := 0
	for i, ok := range live {
		if !ok {
			continue
		}
		n++
		x, y := xs[i], ys[i]
		minX, maxX = min(minX, x), max(maxX, x)
		minY, maxY = min(minY, y), max(maxY, y)
	}
	t.keys = t.keys[:0]
	t.nodes = t.nodes[:0]
	t.leaves = t.leaves[:0]
	if n == 0 {
		return
	}
	side := max(maxX-minX, maxY-minY)
	if !(side > 0) || math.IsInf(side, 0) {
		side = 1
	}
	t.side = side
	scale := float64(1<<mortonBits) / side
	const top = 1<<mortonBits - 1
	for i, ok := range live {
		if !ok {
			continue
		}
		qx := min(uint32(max((xs[i]-minX)*scale, 0)), top)
		qy := min(uint32(max((ys[i]-minY)*scale, 0)), top)
		t.keys = append(t.keys, uint64(interleave(qx)|interleave(qy)<<1)<<32|uint64(i))
	}
	t.sort()
	t.bx, t.by = grow(t.bx, n), grow(t.by, n)
	for k, key := range t.keys {
		id := uint32(key)
		t.bx[k], t.by[k] = xs[id], ys[id]
	}
	t.subtree(0, int32(n))
}

// interleave spreads the low 16 bits of v over the even bits of the result.
func interleave(v uint32) uint32 {
	v &= 0xffff
	v = (v | v<<8) & 0x00ff00ff
	v = (v | v<<4) & 0x0f0f0f0f
	v = (v | v<<2) & 0x33333333
	v = (v | v<<1) & 0x55555555
	return v
}

// sort orders keys by their upper 32 bits with an LSD radix sort, one byte per pass; a pass
// whose byte is the same for every key is skipped.
func (t *quadtree) sort() {
	t.tmp = grow(t.tmp, len(t.keys))
	src, dst := t.keys, t.tmp
	for shift := uint(32); shift < 64; shift += 8 {
		t.counts = [256]int32{}
		for _, k := range src {
			t.counts[byte(k>>shift)]++
		}
		if t.counts[byte(src[0]>>shift)] == int32(len(src)) {
			continue
		}
		var sum int32
		for i, c := range t.counts {
			t.counts[i] = sum
			sum += c
		}
		for _, k := range src {
			b := byte(k >> shift)
			dst[t.counts[b]] = k
			t.counts[b]++
		}
		src, dst = dst, src
	}
	t.keys, t.tmp = src, dst
}

func (t *quadtree) code(k int32) uint32 { return uint32(t.keys[k] >> 32) }

// subtree appends the cell holding sorted bodies [lo, hi) and its descendants in preorder and
// returns its index. Levels where every body falls into the same quadrant are skipped: the
// cell emitted is the smallest one that holds them all.
func (t *quadtree) subtree(lo, hi int32) int32 {
	idx := int32(len(t.nodes))
	t.nodes = append(t.nodes, qnode{lo: lo, hi: hi})
	first, last := t.code(lo), t.code(hi-1)
	depth := mortonBits
	if diff := first ^ last; diff != 0 {
		depth = bits.LeadingZeros32(diff) / 2
	}
	w := t.side / float64(uint32(1)<<depth)
	var cx, cy, mass float64
	if hi-lo <= leafSize || depth == mortonBits {
		lb := leafBox{node: idx, minX: math.Inf(1), minY: math.Inf(1), maxX: math.Inf(-1), maxY: math.Inf(-1)}
		for k := lo; k < hi; k++ {
			x, y := t.bx[k], t.by[k]
			cx += x
			cy += y
			lb.minX, lb.maxX = min(lb.minX, x), max(lb.maxX, x)
			lb.minY, lb.maxY = min(lb.minY, y), max(lb.maxY, y)
		}
		mass = float64(hi - lo)
		t.nodes[idx].leaf = true
		t.leaves = append(t.leaves, lb)
	} else {
		shift := uint(2 * (mortonBits - 1 - depth))
		start := lo
		for q := uint32(0); q < 4 && start < hi; q++ {
			end := start
			if q == 3 {
				end = hi
			} else {
				// first index in [start, hi) whose quadrant digit exceeds q
				a, b := start, hi
				for a < b {
					m := int32(uint32(a+b) >> 1)
					if (t.code(m)>>shift)&3 <= q {
						a = m + 1
					} else {
						b = m
					}
				}
				end = a
			}
			if end > start {
				c := t.subtree(start, end)
				nd := &t.nodes[c]
				cx += nd.cx * nd.mass
				cy += nd.cy * nd.mass
				mass += nd.mass
			}
			start = end
		}
	}
	nd := &t.nodes[idx]
	nd.cx, nd.cy, nd.mass = cx/mass, cy/mass, mass
	nd.thr = w * w * t.invTheta2
	nd.skip = int32(len(t.nodes))
	return idx
}

// collect fills l with the interaction lists of leaf lb: the cells far enough from its box,
// and the body ranges of the leaves near it (its own included).
func (t *quadtree) collect(lb *leafBox, l *lists) {
	l.far, l.near = l.far[:0], l.near[:0]
	nodes := t.nodes
	own := &nodes[lb.node]
	for n := int32(0); n < int32(len(nodes)); {
		nd := &nodes[n]
		if nd.lo < own.hi && own.lo < nd.hi { // an ancestor of the leaf, or the leaf
			if nd.leaf {
				l.near = append(l.near, [2]int32{nd.lo, nd.hi})
				n = nd.skip
			} else {
				n++
			}
			continue
		}
		dx := max(lb.minX-nd.cx, nd.cx-lb.maxX, 0)
		dy := max(lb.minY-nd.cy, nd.cy-lb.maxY, 0)
		if nd.thr < dx*dx+dy*dy {
			l.far = append(l.far, farCell{nd.cx, nd.cy, nd.mass})
			n = nd.skip
			continue
		}
		if nd.leaf {
			l.near = append(l.near, [2]int32{nd.lo, nd.hi})
			n = nd.skip
			continue
		}
		n++
	}
}

// force returns the sum over every other body b of (b - p) / max(|b - p|², |b - p|), the
// many-body force on sorted body k at (px, py) for a unit charge (before scaling by the
// charge), from the interaction lists of its leaf. As d3, distances below 1 are softened and
// coincident bodies are pushed apart by a tiny deterministic jiggle.
func (t *quadtree) force(l *lists, k int32, px, py float64) (fx, fy float64) {
	for _, c := range l.far {
		dx, dy := c.cx-px, c.cy-py
		d := dx*dx + dy*dy
		if d < 1 {
			d = math.Sqrt(d)
		}
		s := c.mass / d
		fx += dx * s
		fy += dy * s
	}
	bx, by := t.bx, t.by
	for _, r := range l.near {
		for j := r[0]; j < r[1]; j++ {
			dx, dy := bx[j]-px, by[j]-py
			d := dx*dx + dy*dy
			if d == 0 {
				if j == k {
					continue
				}
				dx, dy = jiggle(k, j)
				d = dx*dx + dy*dy
			}
			if d < 1 {
				d = math.Sqrt(d)
			}
			inv := 1 / d
			fx += dx * inv
			fy += dy * inv
		}
	}
	return fx, fy
}

// jiggle returns a tiny offset from body k to a body j at the same place, opposite for the
// pair (j, k), so that the two are pushed apart deterministically.
func jiggle(k, j int32) (dx, dy float64) {
	const eps = 1e-6
	h := uint32(k)*0x9e3779b1 ^ uint32(j)*0x85ebca6b
	if k > j {
		h = uint32(j)*0x9e3779b1 ^ uint32(k)*0x85ebca6b
	}
	dx = eps * (0.5 + float64(h&0xff)/256)
	dy = eps * (float64(h>>8&0xff)/256 - 0.5)
	if k > j {
		return dx, dy
	}
	return -dx, -dy
}

// grow returns s resized to n elements, reusing its array when it is large enough.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n, n+n/4)
}
