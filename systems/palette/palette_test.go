package palette_test

import (
	"fmt"
	"image/color"
	"math"
	"testing"

	"github.com/jetdag/jetdag/systems/palette"
)

func TestToLabKnownValues(t *testing.T) {
	for _, tt := range []struct {
		c       color.RGBA
		l, a, b float64
	}{
		// Values from Björn Ottosson's OKLab definition (sRGB primaries and white).
		{color.RGBA{0xff, 0xff, 0xff, 0xff}, 1, 0, 0},
		{color.RGBA{0xff, 0, 0, 0xff}, 0.627955, 0.224863, 0.125846},
		{color.RGBA{0, 0xff, 0, 0xff}, 0.866440, -0.233888, 0.179498},
		{color.RGBA{0, 0, 0xff, 0xff}, 0.452014, -0.032457, -0.311528},
		{color.RGBA{0, 0, 0, 0xff}, 0, 0, 0},
	} {
		got := palette.ToLab(tt.c)
		if math.Abs(got.L-tt.l) > 1e-4 || math.Abs(got.A-tt.a) > 1e-4 || math.Abs(got.B-tt.b) > 1e-4 {
			t.Errorf("ToLab(%v) = %+v, want {%v %v %v}", tt.c, got, tt.l, tt.a, tt.b)
		}
	}
}

// The palette's promise: every two colours are at least MinDistance apart, and every colour is
// at least MinReserved from each reserved colour (rejected red, file orange, highlight cyan,
// white) and clearly lighter than the background.
func TestDistances(t *testing.T) {
	for _, cfg := range []palette.Config{
		{},
		{Size: 100, MinDistance: 0.05},
		{Reserved: []color.RGBA{{0x33, 0x66, 0xff, 0xff}, {0x33, 0xcc, 0x66, 0xff}}, MinReserved: 0.2},
	} {
		t.Run(fmt.Sprintf("%+v", cfg), func(t *testing.T) {
			p := palette.New(cfg)
			minD, minR := cfg.MinDistance, cfg.MinReserved
			if minD == 0 {
				minD = 0.06
			}
			if minR == 0 {
				minR = 0.15
			}
			reserved := cfg.Reserved
			if reserved == nil {
				reserved = palette.DefaultReserved()
			}
			bg := color.RGBA{0x10, 0x14, 0x1c, 0xff}
			if p.Len() < 24 {
				t.Fatalf("only %d colours", p.Len())
			}
			for i := range p.Len() {
				ci := p.At(i)
				for j := range i {
					if d := palette.Distance(ci, p.At(j)); d < minD {
						t.Errorf("colours %d %v and %d %v are %.3f apart, want >= %.3f", i, ci, j, p.At(j), d, minD)
					}
				}
				for _, r := range reserved {
					if d := palette.Distance(ci, r); d < minR {
						t.Errorf("colour %d %v is %.3f from reserved %v, want >= %.3f", i, ci, d, r, minR)
					}
				}
				if d := palette.Distance(ci, bg); d < 0.35 {
					t.Errorf("colour %d %v is %.3f from the background", i, ci, d)
				}
			}
		})
	}
}

// The default palette has 36 colours; the first twelve are much further apart than the
// minimum, so small stores get the clearest colours.
func TestDefaultPalette(t *testing.T) {
	p := palette.New(palette.Config{})
	if p.Len() != 36 {
		t.Fatalf("Len %d, want 36", p.Len())
	}
	first := 9.0
	for i := range 12 {
		for j := range i {
			first = min(first, palette.Distance(p.At(i), p.At(j)))
		}
	}
	if first < 0.1 {
		t.Fatalf("the first twelve colours come within %.3f of each other, want >= 0.1", first)
	}
	if p.At(-1) != p.At(35) || p.At(36) != p.At(0) {
		t.Fatal("At does not wrap round")
	}
	// The old twelve-hue palette's slot 0 was a red close to the rejected red; no colour here is.
	for i := range p.Len() {
		if c := p.At(i); c.R > 0xd0 && c.G < 0x60 && c.B < 0x60 {
			t.Fatalf("colour %d %v is a red", i, c)
		}
	}
}

func TestForKeyAndAssigner(t *testing.T) {
	p := palette.New(palette.Config{})
	q := palette.New(palette.Config{})
	if p.ForKey("order-23") != q.ForKey("order-23") {
		t.Fatal("ForKey differs between two palettes")
	}
	a := palette.NewAssigner(p)
	seen := map[color.RGBA]string{}
	for i := range p.Len() {
		key := fmt.Sprintf("order-%d", i)
		c := a.Color(key)
		if other, dup := seen[c]; dup {
			t.Fatalf("%s and %s share %v", key, other, c)
		}
		seen[c] = key
		if a.Color(key) != c {
			t.Fatalf("%s changed colour", key)
		}
	}
	if slot, ok := a.Slot("order-3"); !ok || slot != 3 || a.Color("order-3") != p.At(3) {
		t.Fatalf("Slot(order-3) = %d, %v", slot, ok)
	}
	if _, ok := a.Slot("customer-1"); ok {
		t.Fatal("Slot of an unseen key")
	}
	if a.Color("late") != p.At(0) {
		t.Fatal("key number Len does not wrap to colour 0")
	}
}

func ExamplePalette_ForKey() {
	p := palette.New(palette.Config{})
	c := p.ForKey("order-23")
	fmt.Println(palette.Distance(c, color.RGBA{0xff, 0x22, 0x22, 0xff}) >= 0.15)
	// Output: true
}
