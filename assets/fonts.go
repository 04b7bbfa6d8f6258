package assets

import (
	"bytes"
	"fmt"

	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
)

// Fonts are the two typefaces of the window: a proportional one for prose (HUD, legend,
// help) and a monospaced one for CIDs, hex and JSON (inspector, labels).
type Fonts struct {
	Regular *text.GoTextFaceSource
	Mono    *text.GoTextFaceSource
}

// LoadFonts parses the embedded Go fonts. Parsing takes a few milliseconds: call it once and
// share the result.
func LoadFonts() (*Fonts, error) {
	reg, err := text.NewGoTextFaceSource(bytes.NewReader(goregular.TTF))
	if err != nil {
		return nil, fmt.Errorf("assets: parse Go Regular: %w", err)
	}
	mono, err := text.NewGoTextFaceSource(bytes.NewReader(gomono.TTF))
	if err != nil {
		return nil, fmt.Errorf("assets: parse Go Mono: %w", err)
	}
	return &Fonts{Regular: reg, Mono: mono}, nil
}

// Face returns a face of src at size pixels.
func Face(src *text.GoTextFaceSource, size float64) *text.GoTextFace {
	return &text.GoTextFace{Source: src, Size: size}
}
