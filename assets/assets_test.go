package assets

import (
	"testing"

	"github.com/hajimehoshi/ebiten/v2/text/v2"
)

func TestLoadFonts(t *testing.T) {
	f, err := LoadFonts()
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]*text.GoTextFaceSource{"regular": f.Regular, "mono": f.Mono} {
		face := Face(src, 12)
		if face.Size != 12 {
			t.Errorf("%s: size %v", name, face.Size)
		}
		if w := text.Advance("bafyrei", face); w <= 0 {
			t.Errorf("%s: advance of a CID prefix is %v", name, w)
		}
	}
	// Go Mono is monospaced: "iii" and "WWW" are as wide; Go Regular is not.
	mono, reg := Face(f.Mono, 12), Face(f.Regular, 12)
	if text.Advance("iii", mono) != text.Advance("WWW", mono) {
		t.Error("the mono face is not monospaced")
	}
	if text.Advance("iii", reg) == text.Advance("WWW", reg) {
		t.Error("the regular face is monospaced: wrong font")
	}
}

func TestNewWhite(t *testing.T) {
	w := NewWhite()
	if b := w.Image.Bounds(); b.Dx() != 1 || b.Dy() != 1 {
		t.Errorf("white sub-image is %v, want one pixel", b)
	}
	if w.SrcX != 1.5 || w.SrcY != 1.5 {
		t.Errorf("texel centre (%v, %v), want (1.5, 1.5)", w.SrcX, w.SrcY)
	}
}
