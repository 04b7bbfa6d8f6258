package raster

import (
	"testing"
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
