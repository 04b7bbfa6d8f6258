package systems

import (
	"image/color"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems/palette"
)

// Background is the window's background colour.
func Background() color.RGBA { return color.RGBA{0x10, 0x14, 0x1c, 0xff} }

// Edge colours, one per edge kind (functions, so no caller can change them).

// PreviousEdgeColor is the colour of previous edges (solid, with an arrowhead).
func PreviousEdgeColor() color.RGBA { return color.RGBA{0x9a, 0xa8, 0xc4, 0xd0} }

// ParentEdgeColor is the colour of parent edges (dashed).
func ParentEdgeColor() color.RGBA { return color.RGBA{0xc0, 0x70, 0xff, 0xc0} }

// LinkEdgeColor is the colour of object-link edges (dotted).
func LinkEdgeColor() color.RGBA { return color.RGBA{0x40, 0xd0, 0x90, 0xc0} }

// PaletteSize is how many colours colour-by-aggregate and colour-by-type cycle through.
const PaletteSize = 36

// ReservedColors are the colours that mean something of their own in the picture; no
// palette colour comes near them, so an aggregate never looks like a rejected message, a
// file or the selection.
func ReservedColors() []color.RGBA {
	return []color.RGBA{components.RejectedRed(), components.RejectedWhite(), components.FileOrange(), components.EventCyan()}
}

// NewPalette builds the aggregate and type palette (package palette: colours at least 0.06
// apart in OKLab and 0.15 from the reserved ones). Building it takes about a millisecond:
// the renderer does it once.
func NewPalette() *palette.Palette {
	return palette.New(palette.Config{Reserved: ReservedColors(), Background: Background(), Size: PaletteSize})
}

// PaletteColor is the colour of palette slot key mod PaletteSize. It builds the palette on
// every call; for many colours, use NewPalette once.
func PaletteColor(key uint32) color.RGBA {
	return NewPalette().At(int(key % PaletteSize))
}
