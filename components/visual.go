package components

import (
	"image/color"

	"github.com/yohamta/donburi"
)

// Shape is how a node is drawn.
type Shape uint8

// The shapes.
const (
	ShapeDiamond Shape = iota // events
	ShapeCircle               // structured-value objects
	ShapeSquare               // file objects
	ShapeWarning              // rejected messages (a red triangle)
)

// Shape geometry shared by the drawing code and the picker, relative to a node's radius r.
const (
	SquareHalf = 0.85  // a square's half side is 0.85·r, so it looks as heavy as a circle
	TriTop     = 1.0   // the warning triangle's apex is r above the centre
	TriBase    = 0.6   // its base is 0.6·r below the centre
	TriHalfW   = 0.924 // and its base half width 0.924·r (a near-equilateral triangle)
)

// SizeScale converts GraphNodeVisualData.Size into world units (the layout's units, in
// which the rest length of an edge is about 30): a node of Size 0.5 has a radius of 8.
const SizeScale = 16.0

// GraphNodeVisualData is the look of a node. The seed's events are blue diamonds with a cyan
// highlight and size 0.5.
type GraphNodeVisualData struct {
	BaseColor      color.RGBA
	HighlightColor color.RGBA
	// Size times SizeScale is the node's radius in world units.
	Size  float32
	Shape Shape
}

// GraphNodeVisual is the component type of GraphNodeVisualData.
var GraphNodeVisual = donburi.NewComponentType[GraphNodeVisualData]()

// Seed colours (functions, so no caller can change them).

// EventBlue is an event node's colour.
func EventBlue() color.RGBA { return color.RGBA{0x33, 0x66, 0xff, 0xff} }

// EventCyan is the highlight colour of events (selected chain, cone).
func EventCyan() color.RGBA { return color.RGBA{0x00, 0xff, 0xff, 0xff} }

// ObjectGreen is a value object's colour.
func ObjectGreen() color.RGBA { return color.RGBA{0x33, 0xcc, 0x66, 0xff} }

// ObjectYellow is the highlight colour of objects.
func ObjectYellow() color.RGBA { return color.RGBA{0xff, 0xdd, 0x33, 0xff} }

// FileOrange is a file object's colour.
func FileOrange() color.RGBA { return color.RGBA{0xff, 0x99, 0x33, 0xff} }

// RejectedRed is a rejected message's colour.
func RejectedRed() color.RGBA { return color.RGBA{0xff, 0x22, 0x22, 0xff} }

// RejectedWhite is the highlight colour of rejected messages.
func RejectedWhite() color.RGBA { return color.RGBA{0xff, 0xff, 0xff, 0xff} }
