package systems

import (
	"image/color"
	"math"
)

// Background is the window's background colour.
var Background = color.RGBA{0x10, 0x14, 0x1c, 0xff}

// Edge colours, one per edge kind.
var (
	PreviousEdgeColor = color.RGBA{0x9a, 0xa8, 0xc4, 0xd0} // solid, with an arrowhead
	ParentEdgeColor   = color.RGBA{0xc0, 0x70, 0xff, 0xc0} // dashed
	LinkEdgeColor     = color.RGBA{0x40, 0xd0, 0x90, 0xc0} // dotted
)

// PaletteSize is how many colours colour-by-aggregate and colour-by-type cycle through.
const PaletteSize = 12

// PaletteColor is the colour of palette slot key mod 12: evenly spaced hues, bright enough
// on the dark background and distinct from the highlight cyan's lightness.
func PaletteColor(key uint32) color.RGBA {
	h := float64(key%PaletteSize) / PaletteSize * 6
	const s, v = 0.62, 0.95
	c := v * s
	x := c * (1 - math.Abs(math.Mod(h, 2)-1))
	var r, g, b float64
	switch int(h) {
	case 0:
		r, g = c, x
	case 1:
		r, g = x, c
	case 2:
		g, b = c, x
	case 3:
		g, b = x, c
	case 4:
		r, b = x, c
	default:
		r, b = c, x
	}
	m := v - c
	return color.RGBA{uint8((r + m) * 255), uint8((g + m) * 255), uint8((b + m) * 255), 0xff}
}
