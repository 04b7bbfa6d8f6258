package render

import (
	"testing"

	"github.com/hajimehoshi/ebiten/v2/text/v2"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems"
)

// In the window's own fonts, every line of the help overlay, on every page, lies inside the
// window and its panel, and is as wide as its text is drawn.
func TestHelpFitsTheWindowInItsFonts(t *testing.T) {
	f, err := loadViewFonts()
	if err != nil {
		t.Fatal(err)
	}
	d := &Drawer{fonts: f}
	keys := systems.KeyTable()
	inside := func(r, in components.Rect) bool {
		return r.MinX >= in.MinX && r.MinY >= in.MinY && r.MaxX <= in.MaxX && r.MaxY <= in.MaxY
	}
	for _, size := range [][2]float64{{800, 600}, {640, 400}, {1024, 320}, {480, 300}} {
		w, h := size[0], size[1]
		win := components.Rect{MaxX: w, MaxY: h - systems.BottomH} // above the timeline and status bars
		first := d.layoutHelp(keys, w, h, 0)
		named := 0
		for page := range first.Pages {
			p := d.layoutHelp(keys, w, h, page)
			if !inside(p.Box, win) {
				t.Errorf("%v×%v page %d: panel %v outside the window", w, h, page, p.Box)
			}
			type line struct {
				l    systems.HelpLine
				face *text.GoTextFace
				lh   float64
			}
			lines := []line{{p.Title, f.title, lineHeight(f.title)}}
			for _, l := range p.Lines {
				lines = append(lines, line{l, f.ui, f.uiLine})
				if l.Head {
					named++
				}
			}
			if p.Footer.Text != "" {
				lines = append(lines, line{p.Footer, f.ui, f.uiLine})
			}
			for _, l := range lines {
				if adv := text.Advance(l.l.Text, l.face); l.l.W != adv {
					t.Errorf("%v×%v: %q %v wide, drawn %v", w, h, l.l.Text, l.l.W, adv)
				}
				box := components.Rect{MinX: l.l.X, MinY: l.l.Y, MaxX: l.l.X + l.l.W, MaxY: l.l.Y + l.lh}
				if !inside(box, win) || !inside(box, p.Box) {
					t.Errorf("%v×%v page %d: %q at %v, outside the window or the panel %v", w, h, page, l.l.Text, box, p.Box)
				}
			}
		}
		if named != len(keys) {
			t.Errorf("%v×%v: %d keys on %d pages, want %d", w, h, named, first.Pages, len(keys))
		}
	}
}
