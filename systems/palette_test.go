package systems

import (
	"image/color"
	"slices"
	"testing"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems/palette"
)

// Colour by aggregate or type never comes near the colours of rejected messages, files and
// the selection, and has PaletteSize distinct colours (the old palette had twelve, and its
// first slot was a red beside the rejected red).
func TestPaletteAvoidsReservedColours(t *testing.T) {
	p := NewPalette()
	if p.Len() != PaletteSize {
		t.Fatalf("%d colours, want %d", p.Len(), PaletteSize)
	}
	for i := range PaletteSize {
		c := PaletteColor(uint32(i))
		if c != p.At(i) {
			t.Fatalf("PaletteColor(%d) = %v, palette slot %v", i, c, p.At(i))
		}
		for _, r := range []struct {
			name string
			c    color.RGBA
		}{{"rejected red", components.RejectedRed()}, {"file orange", components.FileOrange()}, {"highlight cyan", components.EventCyan()}} {
			if d := palette.Distance(c, r.c); d < 0.15 {
				t.Errorf("slot %d %v is %.3f from the %s", i, c, d, r.name)
			}
		}
		for j := range i {
			if c == p.At(j) {
				t.Errorf("slots %d and %d share %v", i, j, c)
			}
		}
	}
	// palette.DefaultReserved documents these same values.
	if !slices.Equal(palette.DefaultReserved(), ReservedColors()) {
		t.Fatalf("palette.DefaultReserved %v differs from the window's reserved colours %v", palette.DefaultReserved(), ReservedColors())
	}
}
