package render

import (
	"image/color"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"

	"github.com/jetdag/jetdag/assets"
	"github.com/jetdag/jetdag/components"
)

// viewFonts are the faces the window writes with.
type viewFonts struct {
	ui, title, mono, label *text.GoTextFace
	uiLine, monoLine       float64 // line heights, pixels
	monoW                  float64 // advance of one monospaced character
}

func loadViewFonts() (viewFonts, error) {
	src, err := assets.LoadFonts()
	if err != nil {
		return viewFonts{}, err
	}
	f := viewFonts{
		ui:    assets.Face(src.Regular, 13),
		title: assets.Face(src.Regular, 15),
		mono:  assets.Face(src.Mono, 12),
		label: assets.Face(src.Mono, 10),
	}
	f.uiLine = lineHeight(f.ui)
	f.monoLine = lineHeight(f.mono)
	f.monoW = text.Advance("0", f.mono)
	return f, nil
}

func lineHeight(f *text.GoTextFace) float64 {
	m := f.Metrics()
	return m.HAscent + m.HDescent + m.HLineGap
}

// Text colours (functions, so nothing can change them).

func textColor() color.RGBA { return color.RGBA{0xe8, 0xec, 0xf4, 0xff} }

func dimText() color.RGBA { return color.RGBA{0x9a, 0xa4, 0xb8, 0xff} }

func headText() color.RGBA { return color.RGBA{0x7f, 0xe8, 0xff, 0xff} }

func labelText() color.RGBA { return color.RGBA{0xc8, 0xd0, 0xe0, 0xd8} }

func warnText() color.RGBA { return color.RGBA{0xff, 0x8a, 0x80, 0xff} }

func panelColor() color.RGBA { return color.RGBA{0x08, 0x0b, 0x12, 0xe0} }

func panelEdge() color.RGBA { return color.RGBA{0x3a, 0x48, 0x66, 0xff} }

// drawText writes s with its top-left corner at (x, y).
func drawText(dst *ebiten.Image, s string, face text.Face, x, y float64, c color.RGBA) {
	if s == "" {
		return
	}
	op := &text.DrawOptions{}
	op.GeoM.Translate(x, y)
	op.ColorScale.ScaleWithColor(c)
	text.Draw(dst, s, face, op)
}

// panelRect adds a panel background with a one-pixel border to b.
func panelRect(b *batch, r components.Rect) {
	x, y, w, h := float32(r.MinX), float32(r.MinY), float32(r.MaxX-r.MinX), float32(r.MaxY-r.MinY)
	edge := toF(panelEdge())
	b.rect(x, y, w, h, edge)
	b.rect(x+1, y+1, w-2, h-2, toF(panelColor()))
}
