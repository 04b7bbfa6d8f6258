package raster

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/jetdag/jetdag/internal/cpubench"
)

func TestClipSegment(t *testing.T) {
	tests := []struct {
		name           string
		x0, y0, x1, y1 float64
		ok             bool
	}{
		{"inside", 1, 1, 5, 5, true},
		{"crosses the whole box", -10, 5, 30, 5, true},
		{"left of it", -10, 1, -1, 8, false},
		{"below it", 2, 12, 8, 30, false},
		{"diagonal corner miss", -5, 4, 4, -5, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x0, y0, x1, y1, ok := clipSegment(tc.x0, tc.y0, tc.x1, tc.y1, 10, 10)
			if ok != tc.ok {
				t.Fatalf("ok %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			for _, v := range []float64{x0, y0, x1, y1} {
				if v < 0 || v >= 10 {
					t.Errorf("clipped end %v outside [0, 10)", v)
				}
			}
		})
	}
}

// TestDensityEdgeCountsCells: a segment adds one count to each cell it crosses, along its
// major axis, clipped to the screen, and begin forgets them.
func TestDensityEdgeCountsCells(t *testing.T) {
	var d Density
	d.Begin(40, 20)                 // 20×10 cells
	d.Edge(1, 1, 39, 1, true, 1)    // horizontal along row 0: 20 cells
	d.Edge(3, -50, 3, 50, false, 1) // vertical through column 1, clipped: 10 cells
	d.Edge(-5, -5, -1, -1, true, 1) // off screen: nothing
	var prev, other, cells int
	for _, c := range d.ecells {
		if c.prev+c.other > 0 {
			cells++
		}
		prev += int(c.prev)
		other += int(c.other)
	}
	if prev != 20*edgeUnit || other != 10*edgeUnit {
		t.Errorf("previous counts %d, other %d; want %d and %d", prev, other, 20*edgeUnit, 10*edgeUnit)
	}
	if cells != 29 {
		t.Errorf("%d cells touched, want 29 (the two segments cross once)", cells)
	}
	if d.Edges != 2 {
		t.Errorf("%d edges counted, want the 2 on screen", d.Edges)
	}
	d.Begin(40, 20)
	for i, c := range d.ecells {
		if c.prev+c.other != 0 {
			t.Fatalf("cell %d still holds %v after begin", i, c)
		}
	}
}

// TestDensityNodePixels: a lone node shows its own colour opaque; more nodes on a pixel read
// brighter, a dimmed node fainter; begin clears what was touched.
func TestDensityNodePixels(t *testing.T) {
	var d Density
	d.Begin(8, 8)
	blue := [4]float32{0.2, 0.4, 1, 1}
	d.Node(1.5, 1.5, 0.5, blue[0], blue[1], blue[2], blue[3])
	for k := 0; k < 20; k++ {
		d.Node(5.5, 5.5, 0.5, blue[0], blue[1], blue[2], blue[3])
	}
	d.Node(3.5, 6.5, 0.5, blue[0], blue[1], blue[2], 0.28) // a dimmed node (render's dimAlpha)
	r, g, b, a := nodePixel(d.cells[1*8+1])
	if a != 255 || r != 51 || g != 102 || b != 255 {
		t.Errorf("lone node pixel %d,%d,%d,%d, want its colour 51,102,255 opaque", r, g, b, a)
	}
	r2, g2, _, _ := nodePixel(d.cells[5*8+5])
	if r2 <= r+40 || g2 <= g+40 {
		t.Errorf("20 nodes on a pixel read %d,%d, want clearly brighter than one node's %d,%d", r2, g2, r, g)
	}
	if _, _, _, a3 := nodePixel(d.cells[6*8+3]); a3 == 0 || a3 > 128 {
		t.Errorf("a dimmed node's alpha %d, want faint but present", a3)
	}
	// Two colours on one pixel mix to their mean before the lightening.
	d.Node(6.5, 1.5, 0.5, 1, 0, 0, 1)
	d.Node(6.5, 1.5, 0.5, 0, 0, 1, 1)
	if cl := d.cells[1*8+6]; cl.r>>8 < 126 || cl.r>>8 > 128 || cl.g != 0 || cl.b>>8 < 126 || cl.b>>8 > 128 {
		t.Errorf("red and blue on one pixel hold mean %d,%d,%d (8.8), want about 127,0,127", cl.r>>8, cl.g>>8, cl.b>>8)
	}
	if d.Nodes != 24 {
		t.Errorf("%d nodes counted, want 24", d.Nodes)
	}
	d.Begin(8, 8)
	for i, c := range d.cells {
		if c.w != 0 {
			t.Fatalf("pixel %d still weighs %d after begin", i, c.w)
		}
	}
}

// TestDensityLongEdgeSampled: an edge longer than maxEdgeSamples cells adds to that many
// cells, which together weigh what the whole edge would.
func TestDensityLongEdgeSampled(t *testing.T) {
	var d Density
	d.Begin(1280, 40)
	d.Edge(0, 1, 1279, 1, false, 1) // 640 cells along row 0
	total, cells := 0, 0
	for _, c := range d.ecells {
		if c.other > 0 {
			cells++
			total += int(c.other)
		}
	}
	if cells != maxEdgeSamples {
		t.Errorf("%d cells touched, want %d samples", cells, maxEdgeSamples)
	}
	if want := 640 * edgeUnit; total < want*95/100 || total > want*105/100 {
		t.Errorf("total weight %d, want about %d (640 cells of %d)", total, want, edgeUnit)
	}
}

// TestDensityMatchesReference: the rasterizer's fast paths (one-pixel nodes, empty pixels,
// the tabulated edge opacity, the grown boxes) give exactly the pictures, boxes and counts of
// the plain reference on random nodes and segments: on screen, across its borders and off
// it, one pixel to three a side, dimmed and whole, many on one pixel up to saturation, and
// segments short, long (sampled), axis-parallel, single points and clipped; and from round 3
// on with the edges shared between the two edge grids, as two goroutines count them.
func TestDensityMatchesReference(t *testing.T) {
	if a := edgeAlpha(edgeAlphaTable); a != edgeAlphaMax {
		t.Fatalf("edgeAlpha(%d) = %v, not yet edgeAlphaMax %v: the table must grow", edgeAlphaTable, a, edgeAlphaMax)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const w, h = 601, 403 // odd: the edge grid's last column and row are half cells
	var d Density
	for round := range 6 {
		d.Begin(w, h)
		d.Prev, d.Other = [3]float32{0.3, 0.5, 0.9}, [3]float32{0.8, 0.6, 0.2}
		ref := newRefDensity(w, h)
		ref.Prev, ref.Other = d.Prev, d.Other
		coord := func(span float64) float64 {
			switch rng.IntN(8) {
			case 0:
				return -span/4 + rng.Float64()*span/4 // off the low side
			case 1:
				return span + rng.Float64()*span/4 // off the high side
			case 2:
				return float64(rng.IntN(int(span))) // on a pixel's corner
			}
			return rng.Float64() * span
		}
		for range 3000 + round*2000 {
			x, y := float32(coord(w)), float32(coord(h))
			pr := float32(rng.Float64() * 2.5)
			ca := float32(1)
			if rng.IntN(3) == 0 {
				ca = 0.28
			}
			c := [3]float32{rng.Float32(), rng.Float32(), rng.Float32()}
			d.Node(x, y, pr, c[0], c[1], c[2], ca)
			ref.Node(x, y, pr, c[0], c[1], c[2], ca)
		}
		for range 5000 { // one pixel saturated: 5,000 whole nodes weigh more than 65,535
			d.Node(7.5, 9.5, 0.4, 0.9, 0.1, 0.4, 1)
			ref.Node(7.5, 9.5, 0.4, 0.9, 0.1, 0.4, 1)
		}
		if round%2 == 1 { // odd rounds crowded: more pixels touched than the list holds
			for y := 0; y < h; y += 2 {
				for x := 0; x < w; x++ {
					d.Node(float32(x)+0.5, float32(y)+0.5, 0.4, 0.5, 0.5, 0.5, 1)
					ref.Node(float32(x)+0.5, float32(y)+0.5, 0.4, 0.5, 0.5, 0.5, 1)
				}
			}
		}
		for k := range 4000 {
			x0, y0, x1, y1 := coord(w), coord(h), coord(w), coord(h)
			switch k % 5 {
			case 1:
				y1 = y0 // horizontal
			case 2:
				x1 = x0 // vertical
			case 3:
				x1, y1 = x0+rng.Float64()*4, y0+rng.Float64()*4 // short
			case 4:
				if k%10 == 4 {
					x1, y1 = x0, y0 // a point
				}
			}
			prev, dim := k%2 == 0, float32(1)
			if k%7 == 0 {
				dim = 0.28
			}
			if round >= 3 && k%3 != 0 {
				d.Second().Edge(x0, y0, x1, y1, prev, dim)
			} else {
				d.Edge(x0, y0, x1, y1, prev, dim)
			}
			ref.Edge(x0, y0, x1, y1, prev, dim)
		}
		for range 300 { // one cell crossed 300 times: past the tabulated opacity
			d.Edge(60, 60, 61, 61, true, 1)
			ref.Edge(60, 60, 61, 61, true, 1)
		}
		if crowded := round%2 == 1; d.crowded != crowded {
			t.Fatalf("round %d: crowded %v (%d pixels listed), want %v", round, d.crowded, len(d.touched), crowded)
		}
		if d.Nodes != ref.Nodes || d.EdgesDrawn() != ref.Edges {
			t.Fatalf("round %d: %d nodes and %d edges drawn, the reference %d and %d", round, d.Nodes, d.EdgesDrawn(), ref.Nodes, ref.Edges)
		}
		if round >= 3 && (d.Edges == 0 || d.Second().Edges == 0) {
			t.Fatalf("round %d: %d and %d edges in the two grids, want both used", round, d.Edges, d.Second().Edges)
		}
		if d.NodeBox() != ref.nbox || d.EdgeBox() != ref.ebox {
			t.Fatalf("round %d: boxes %v and %v, the reference %v and %v", round, d.NodeBox(), d.EdgeBox(), ref.nbox, ref.ebox)
		}
		for i := range d.cells {
			if d.cells[i] != ref.cells[i] {
				t.Fatalf("round %d: pixel %d holds %+v, the reference %+v", round, i, d.cells[i], ref.cells[i])
			}
		}
		for i := range d.ecells {
			got := d.ecells[i]
			if sec := d.Second().ecells; sec != nil {
				got.prev += sec[i].prev
				got.other += sec[i].other
			}
			if got != ref.ecells[i] {
				t.Fatalf("round %d: edge cell %d holds %+v, the reference %+v", round, i, got, ref.ecells[i])
			}
		}
		npix := slices.Clone(d.NodePixels(d.NodeBox()))
		k := 0
		for y := ref.nbox.Min.Y; y < ref.nbox.Max.Y; y++ {
			for x := ref.nbox.Min.X; x < ref.nbox.Max.X; x++ {
				r, g, b, a := refNodePixel(ref.cells[y*w+x])
				if got := [4]uint8(npix[k : k+4]); got != [4]uint8{r, g, b, a} {
					t.Fatalf("round %d: node pixel (%d, %d) is %v, the reference %v", round, x, y, got, [4]uint8{r, g, b, a})
				}
				k += 4
			}
		}
		epix := d.EdgePixels(d.EdgeBox())
		k = 0
		saturated := 0
		for y := ref.ebox.Min.Y; y < ref.ebox.Max.Y; y++ {
			for x := ref.ebox.Min.X; x < ref.ebox.Max.X; x++ {
				cl := ref.ecells[y*ref.ew+x]
				if cl.prev+cl.other >= edgeAlphaTable {
					saturated++
				}
				r, g, b, a := ref.edgePixel(cl)
				if got := [4]uint8(epix[k : k+4]); got != [4]uint8{r, g, b, a} {
					t.Fatalf("round %d: edge cell (%d, %d) is %v, the reference %v", round, x, y, got, [4]uint8{r, g, b, a})
				}
				k += 4
			}
		}
		if round == 5 && saturated == 0 {
			t.Errorf("no edge cell reached %d counts: the opacity past the table went untested", edgeAlphaTable)
		}
	}
}

// BenchmarkNodePicture100k is a fitted 100,000-node frame's node picture on 1280×800 (a
// node every 2.5 pixels on a square's rows): Begin, the nodes, the conversion, with the
// touched pixels listed against the same frame cleared and converted box-wide (crowded).
func BenchmarkNodePicture100k(b *testing.B) {
	for _, crowded := range []bool{false, true} {
		name := "listed"
		if crowded {
			name = "box-wide"
		}
		b.Run(name, func(b *testing.B) {
			var d Density
			cpubench.Loop(b, func() {
				d.Begin(1280, 800)
				d.crowded = crowded
				for i := range 100000 {
					x, y := 40+float32(i%316)*2.5, 20+float32(i/316)*2.4
					d.Node(x, y, 0.7, 0.2, 0.4, 1, 1)
				}
				d.NodePixels(d.NodeBox())
			})
		})
	}
}
