package systems

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// testHelpFont measures 7 pixels a character, about the UI face's (Go Regular at 13 px).
func testHelpFont() HelpFont {
	return HelpFont{Line: 16, TitleLine: 19, Measure: func(s string) float64 { return 7 * float64(utf8.RuneCountInString(s)) }}
}

// checkHelp checks every page of the help laid out for a w×h window: every line's box lies in
// the window and in the panel, no two lines overlap, and the pages together list every key
// once, in the table's order, with its whole help text.
func checkHelp(t *testing.T, keys []Binding, w, h float64, f HelpFont) HelpPanel {
	t.Helper()
	first := LayoutHelp(keys, w, h, 0, f)
	if first.Pages < 1 {
		t.Fatalf("%v×%v: %d pages", w, h, first.Pages)
	}
	win := components.Rect{MaxX: w, MaxY: h - BottomH} // above the timeline and status bars
	inside := func(r, in components.Rect) bool {
		return r.MinX >= in.MinX && r.MinY >= in.MinY && r.MaxX <= in.MaxX && r.MaxY <= in.MaxY
	}
	var names []string
	helps := map[string]string{}
	for page := range first.Pages {
		p := LayoutHelp(keys, w, h, page, f)
		if p.Page != page || p.Pages != first.Pages || p.Box != first.Box {
			t.Fatalf("%v×%v page %d: laid out as page %d of %d in %v, want page %d of %d in %v", w, h, page, p.Page, p.Pages, p.Box, page, first.Pages, first.Box)
		}
		if !inside(p.Box, win) {
			t.Errorf("%v×%v: the panel %v is not inside the window", w, h, p.Box)
		}
		lines := append([]HelpLine{p.Title}, p.Lines...)
		if p.Pages > 1 {
			lines = append(lines, p.Footer)
		} else if p.Footer.Text != "" {
			t.Errorf("%v×%v: footer %q on a single page", w, h, p.Footer.Text)
		}
		boxes := make([]components.Rect, len(lines))
		for i, l := range lines {
			lh := f.Line
			if i == 0 {
				lh = f.TitleLine
			}
			boxes[i] = components.Rect{MinX: l.X, MinY: l.Y, MaxX: l.X + l.W, MaxY: l.Y + lh}
			if !inside(boxes[i], win) || !inside(boxes[i], p.Box) {
				t.Errorf("%v×%v page %d: line %q at %v, outside the window or the panel %v", w, h, page, l.Text, boxes[i], p.Box)
			}
			for j := range i {
				a, b := boxes[i], boxes[j]
				if a.MinX < b.MaxX && b.MinX < a.MaxX && a.MinY < b.MaxY && b.MinY < a.MaxY {
					t.Errorf("%v×%v page %d: lines %q at %v and %q at %v overlap", w, h, page, lines[i].Text, a, lines[j].Text, b)
				}
			}
		}
		name := ""
		for _, l := range p.Lines {
			if l.Head {
				name = l.Text
				names = append(names, name)
				continue
			}
			helps[name] = strings.TrimSpace(helps[name] + " " + l.Text)
		}
	}
	if len(names) != len(keys) {
		t.Fatalf("%v×%v: the pages list %d keys, want %d: %q", w, h, len(names), len(keys), names)
	}
	for i, k := range keys {
		if names[i] != k.Name || helps[k.Name] != k.Help {
			t.Errorf("%v×%v: key %d is %q: %q, want %q: %q", w, h, i, names[i], helps[names[i]], k.Name, k.Help)
		}
	}
	return first
}

// The help fits the window: in one column when it can, else in columns beside each other,
// else in pages; every line lies inside the window.
func TestHelpFitsTheWindow(t *testing.T) {
	keys, f := KeyTable(), testHelpFont()
	// The one tall column the help used to be (24 + the title's 15 px + a line a key and
	// two more) does not fit 400 pixels: this test tests something there.
	if tall := 24 + 15 + float64(len(keys)+2)*f.Line; tall <= 400 {
		t.Fatalf("the key table fits one column %v px tall at 400 px: add a shorter window", tall)
	}
	tests := []struct {
		w, h        float64
		cols, pages int // columns on the first page, pages
	}{
		{1280, 1024, 1, 1},
		{800, 600, 2, 1}, // too short for one column: two side by side
		{1280, 400, 2, 1},
		{1280, 300, 2, 2},
		{640, 400, 1, 3}, // two columns would wrap most lines, to more pages
		{800, 300, 2, 3},
		{480, 300, 1, 6},
	}
	for _, tc := range tests {
		p := checkHelp(t, keys, tc.w, tc.h, f)
		cols := map[float64]bool{}
		for _, l := range p.Lines {
			if l.Head {
				cols[l.X] = true
			}
		}
		if len(cols) != tc.cols || p.Pages != tc.pages {
			t.Errorf("%v×%v: %d columns on %d pages, want %d on %d", tc.w, tc.h, len(cols), p.Pages, tc.cols, tc.pages)
		}
		if p.Pages > 1 && !strings.Contains(p.Footer.Text, "page 1 of") {
			t.Errorf("%v×%v: footer %q, want the page number", tc.w, tc.h, p.Footer.Text)
		}
	}
	// A page past the last (the window grew) is the last.
	if p := LayoutHelp(keys, 640, 400, 7, f); p.Page != p.Pages-1 {
		t.Errorf("page 7 of %d laid out as page %d", p.Pages, p.Page)
	}
}

// The h key opens the help, turns its pages while there are more, and closes it after the
// last; Esc closes it at any page and the next h opens the first.
func TestHelpPages(t *testing.T) {
	e, _, _ := inputView(t, false)
	set := func() *components.SettingsData { return GetOrCreateSettings(e) }
	state := func(e *ecs.ECS) (bool, int) { return set().ShowHelp, set().HelpPage }
	keys(e, components.KeyH)
	set().HelpPages = 3 // as the drawing code lays it out in a short window
	for _, want := range []struct {
		open bool
		page int
	}{{true, 1}, {true, 2}, {false, 0}, {true, 0}, {true, 1}} {
		keys(e, components.KeyH)
		if open, page := state(e); open != want.open || page != want.page {
			t.Fatalf("after h: open %v at page %d, want %v at %d", open, page, want.open, want.page)
		}
	}
	keys(e, components.KeyEscape)
	if open, page := state(e); open || page != 0 {
		t.Fatalf("after Esc: open %v at page %d", open, page)
	}
	keys(e, components.KeyH)
	if open, page := state(e); !open || page != 0 {
		t.Fatalf("h after Esc: open %v at page %d, want the first page", open, page)
	}
}
