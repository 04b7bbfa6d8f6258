package render

import (
	"image/color"
	"math"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/jetdag/jetdag/assets"
)

// maxBatchVertices is the most vertices one DrawTriangles call can index: Ebiten 2.8's
// index buffers are 16-bit.
const maxBatchVertices = 1 << 16

// fcolor is a straight-alpha colour as vertices carry it.
type fcolor struct{ r, g, b, a float32 }

func toF(c color.RGBA) fcolor {
	return fcolor{float32(c.R) / 255, float32(c.G) / 255, float32(c.B) / 255, float32(c.A) / 255}
}

func (c fcolor) alpha(a float32) fcolor { c.a *= a; return c }

// batch accumulates solid triangles for as few DrawTriangles calls as the 16-bit index limit
// allows. Its chunks keep their arrays between frames: once a batch has held its largest
// frame, filling it again allocates nothing.
type batch struct {
	chunks []batchChunk
	cur    int
	sx, sy float32 // the white texel every vertex samples
	// spare counts the frames in a row that left chunks unused; past releaseAfter they are
	// dropped, so that one crowded frame does not hold its memory for the window's life.
	spare int
}

// releaseAfter is how many frames unused chunks are kept (a few seconds).
const releaseAfter = 120

type batchChunk struct {
	v []ebiten.Vertex
	i []uint16
}

func newBatch(w assets.White) batch {
	return batch{sx: w.SrcX, sy: w.SrcY}
}

// reset empties the batch, keeping its memory, except chunks that no frame has used for
// releaseAfter frames.
func (b *batch) reset() {
	used := 0
	for i := range b.chunks {
		if len(b.chunks[i].v) > 0 {
			used = i + 1
		}
	}
	if used < len(b.chunks) {
		b.spare++
	} else {
		b.spare = 0
	}
	if b.spare > releaseAfter {
		clear(b.chunks[used:])
		b.chunks = b.chunks[:used]
		b.spare = 0
	}
	for i := range b.chunks {
		b.chunks[i].v = b.chunks[i].v[:0]
		b.chunks[i].i = b.chunks[i].i[:0]
	}
	b.cur = 0
}

// room returns the chunk that can take n more vertices, moving to the next one when the
// current one would pass the index limit.
func (b *batch) room(n int) *batchChunk {
	if len(b.chunks) == 0 {
		b.chunks = append(b.chunks, batchChunk{})
	}
	if len(b.chunks[b.cur].v)+n > maxBatchVertices {
		b.cur++
		if b.cur == len(b.chunks) {
			b.chunks = append(b.chunks, batchChunk{})
		}
	}
	return &b.chunks[b.cur]
}

// vertices counts the vertices in the batch.
func (b *batch) vertices() int {
	n := 0
	for i := range b.chunks {
		n += len(b.chunks[i].v)
	}
	return n
}

// draw issues one DrawTriangles call per non-empty chunk and returns how many it issued.
func (b *batch) draw(dst, src *ebiten.Image) int {
	calls := 0
	for i := range b.chunks {
		c := &b.chunks[i]
		if len(c.i) == 0 {
			continue
		}
		dst.DrawTriangles(c.v, c.i, src, &ebiten.DrawTrianglesOptions{})
		calls++
	}
	return calls
}

func (b *batch) vtx(x, y float32, c fcolor) ebiten.Vertex {
	return ebiten.Vertex{DstX: x, DstY: y, SrcX: b.sx, SrcY: b.sy, ColorR: c.r, ColorG: c.g, ColorB: c.b, ColorA: c.a}
}

// tri adds one triangle.
func (b *batch) tri(x0, y0, x1, y1, x2, y2 float32, c fcolor) {
	ch := b.room(3)
	base := uint16(len(ch.v))
	ch.v = append(ch.v, b.vtx(x0, y0, c), b.vtx(x1, y1, c), b.vtx(x2, y2, c))
	ch.i = append(ch.i, base, base+1, base+2)
}

// quad adds the quadrilateral with corners in order around it.
func (b *batch) quad(x0, y0, x1, y1, x2, y2, x3, y3 float32, c fcolor) {
	ch := b.room(4)
	base := uint16(len(ch.v))
	ch.v = append(ch.v, b.vtx(x0, y0, c), b.vtx(x1, y1, c), b.vtx(x2, y2, c), b.vtx(x3, y3, c))
	ch.i = append(ch.i, base, base+1, base+2, base, base+2, base+3)
}

// rect adds an axis-aligned rectangle.
func (b *batch) rect(x, y, w, h float32, c fcolor) {
	b.quad(x, y, x+w, y, x+w, y+h, x, y+h, c)
}

// line adds a segment of the given width as a quad.
func (b *batch) line(x0, y0, x1, y1, width float32, c fcolor) {
	dx, dy := x1-x0, y1-y0
	l := float32(math.Sqrt(float64(dx*dx + dy*dy)))
	if l == 0 {
		return
	}
	nx, ny := -dy/l*width/2, dx/l*width/2
	b.quad(x0+nx, y0+ny, x1+nx, y1+ny, x1-nx, y1-ny, x0-nx, y0-ny, c)
}

// fan adds a filled regular polygon approximating a circle; unit holds the polygon's corners
// on the unit circle.
func (b *batch) fan(cx, cy, r float32, unit [][2]float32, c fcolor) {
	n := len(unit)
	ch := b.room(n + 1)
	base := uint16(len(ch.v))
	ch.v = append(ch.v, b.vtx(cx, cy, c))
	for _, u := range unit {
		ch.v = append(ch.v, b.vtx(cx+u[0]*r, cy+u[1]*r, c))
	}
	for k := 0; k < n; k++ {
		next := (k+1)%n + 1
		ch.i = append(ch.i, base, base+uint16(k+1), base+uint16(next))
	}
}

// unitCircle returns n points evenly spread on the unit circle.
func unitCircle(n int) [][2]float32 {
	u := make([][2]float32, n)
	for k := range u {
		a := 2 * math.Pi * float64(k) / float64(n)
		u[k] = [2]float32{float32(math.Cos(a)), float32(math.Sin(a))}
	}
	return u
}
