package render

import (
	"image"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/jetdag/jetdag/render/raster"
)

// The zoomed-out level of detail: package raster counts the nodes per screen pixel and
// the edges per cell on the CPU; density uploads its two pictures and draws them, one
// WritePixels and one DrawImage each, whatever the graph's size. A crowded frame (more than
// maxShapeNodes nodes or maxShapeEdges edges on screen) is drawn this way whatever the
// nodes' size.

// density is raster's pictures and their images, kept between frames.
type density struct {
	raster.Density
	w, h int // the screen the images were made for
	// uploaded says the images hold this frame's pictures (drawn once since begin): a
	// frame drawn again from the same build copies them without converting or uploading.
	uploaded         bool
	nodeImg, edgeImg *ebiten.Image
}

// begin starts a frame on a w×h screen: it forgets the last frame's counts (and the
// images, when the screen's size changed).
func (d *density) begin(w, h int) {
	if d.Begin(w, h) && d.nodeImg != nil {
		d.nodeImg.Deallocate()
		d.edgeImg.Deallocate()
		d.nodeImg, d.edgeImg = nil, nil
	}
	d.w, d.h = w, h
	d.uploaded = false
}

// node adds a node at screen (x, y), radius pr pixels, in colour c (c.a scales its weight).
func (d *density) node(x, y, pr float32, c fcolor) { d.Node(x, y, pr, c.r, c.g, c.b, c.a) }

// setEdgeColors sets the colours of previous edges and of the others.
func (d *density) setEdgeColors(prev, other fcolor) {
	d.Prev, d.Other = [3]float32{prev.r, prev.g, prev.b}, [3]float32{other.r, other.g, other.b}
}

// draw uploads what the frame touched and draws it onto dst, edges under nodes; it returns
// the DrawImage calls it made (0 to 2).
func (d *density) draw(dst *ebiten.Image) int {
	calls := 0
	if box := d.EdgeBox(); !box.Empty() {
		if d.edgeImg == nil {
			ew, eh := d.EdgeGrid()
			d.edgeImg = ebiten.NewImageWithOptions(image.Rect(0, 0, ew, eh), &ebiten.NewImageOptions{Unmanaged: true})
		}
		sub := d.edgeImg.SubImage(box).(*ebiten.Image)
		if !d.uploaded {
			sub.WritePixels(d.EdgePixels(box))
		}
		op := &ebiten.DrawImageOptions{Filter: ebiten.FilterLinear}
		op.GeoM.Translate(float64(box.Min.X), float64(box.Min.Y))
		op.GeoM.Scale(raster.EdgeCell, raster.EdgeCell)
		dst.DrawImage(sub, op)
		calls++
	}
	if box := d.NodeBox(); !box.Empty() {
		if d.nodeImg == nil {
			d.nodeImg = ebiten.NewImageWithOptions(image.Rect(0, 0, d.w, d.h), &ebiten.NewImageOptions{Unmanaged: true})
		}
		sub := d.nodeImg.SubImage(box).(*ebiten.Image)
		if !d.uploaded {
			sub.WritePixels(d.NodePixels(box))
		}
		op := &ebiten.DrawImageOptions{}
		op.GeoM.Translate(float64(box.Min.X), float64(box.Min.Y))
		dst.DrawImage(sub, op)
		calls++
	}
	d.uploaded = true
	return calls
}
