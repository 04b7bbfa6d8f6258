package systems

import (
	"math"
	"strconv"
	"strings"

	"github.com/jetdag/jetdag/components"
)

// The help overlay's layout: the key table in one column, or in columns side by side when
// the window is too short for one, the help texts wrapped to their column, and, when even
// that is too tall for the window, in pages that the h key turns (the last one closes it).

// HelpLine is one line of text of the help overlay: its top-left corner and its width, in
// screen pixels.
type HelpLine struct {
	Text string
	X, Y float64
	W    float64
	Head bool // a key's name, drawn as a heading
}

// HelpPanel is the help overlay laid out for one window size and page.
type HelpPanel struct {
	Box    components.Rect
	Title  HelpLine
	Lines  []HelpLine // this page's key names and (wrapped) help texts
	Footer HelpLine   // "page 1 of 2 · h: next page · Esc: close", empty on a single page
	Page   int        // the page laid out, from 0
	Pages  int
}

// HelpFont is what the help's layout needs of the faces the overlay writes with.
type HelpFont struct {
	Line      float64 // line height of the UI face, pixels
	TitleLine float64 // line height of the title's face
	// Measure is the advance of a string in the UI face.
	Measure func(string) float64
}

// HelpTitle is the help overlay's title.
const HelpTitle = "jetdag — keys and mouse"

const (
	helpPadX    = 16.0
	helpPadY    = 12.0
	helpColGap  = 24.0
	helpNameGap = 14.0
	// helpMinText is the narrowest a column's help text may be wrapped to before the
	// overlay takes fewer columns (and more pages) instead.
	helpMinText = 150.0
)

// helpEntry is one binding as laid out in a column: its name and its help text's lines.
type helpEntry struct {
	name string
	help []string
}

// LayoutHelp lays the help overlay out for a w×h window, showing page (clamped to the pages
// there are): centred above the timeline and status bars (whose text would run over it), by
// panelGap inside that part of the window on every side. Of one column and as
// many more as the window's width holds with help texts at least helpMinText wide, it takes
// the one that needs the fewest pages, and of those the fewest columns: one column in a tall
// window, two side by side in a short one, pages in one too short for those.
func LayoutHelp(keys []Binding, w, h float64, page int, f HelpFont) HelpPanel {
	nameW, textW := 0.0, 0.0
	for _, k := range keys {
		nameW = max(nameW, f.Measure(k.Name))
		textW = max(textW, f.Measure(k.Help))
	}
	availW := w - 2*panelGap - 2*helpPadX
	colW := func(cols int) float64 {
		return min(nameW+helpNameGap+textW, (availW-float64(cols-1)*helpColGap)/float64(cols))
	}
	maxCols := 1
	for colW(maxCols+1)-nameW-helpNameGap >= helpMinText {
		maxCols++
	}
	h -= BottomH
	head := helpPadY + f.TitleLine + f.Line/2 // the title and a half line under it
	rowsFor := func(footer bool) int {
		free := h - 2*panelGap - head - helpPadY
		if footer {
			free -= f.Line
		}
		return max(int(free/f.Line), 1)
	}
	// The fewest pages, and of those the fewest columns (the fewest lines wrapped).
	var (
		cols  int
		pages [][][]helpEntry // pages of columns of entries
	)
	for c := 1; c <= maxCols; c++ {
		entries := wrapHelp(keys, colW(c)-nameW-helpNameGap, f.Measure)
		p := flowHelp(entries, rowsFor(false), c)
		if len(p) > 1 {
			p = flowHelp(entries, rowsFor(true), c) // a line less for the footer
		}
		if pages == nil || len(p) < len(pages) {
			cols, pages = c, p
		}
	}
	page = min(max(page, 0), len(pages)-1)
	// The box is as big as the fullest page, so that it does not jump from page to page.
	used, rows := 1, 1
	for _, p := range pages {
		used = max(used, len(p))
		for _, col := range p {
			rows = max(rows, helpRows(col))
		}
	}
	cw := colW(cols)
	bw := 2*helpPadX + float64(used)*cw + float64(used-1)*helpColGap
	bh := head + float64(rows)*f.Line + helpPadY
	if len(pages) > 1 {
		bh += f.Line
	}
	// On whole pixels: a crisp border, and text on the pixel grid.
	bw, bh = math.Ceil(bw), math.Ceil(bh)
	x0, y0 := math.Floor((w-bw)/2), math.Floor((h-bh)/2)
	p := HelpPanel{
		Box:   components.Rect{MinX: x0, MinY: y0, MaxX: x0 + bw, MaxY: y0 + bh},
		Title: HelpLine{Text: HelpTitle, X: x0 + helpPadX, Y: y0 + helpPadY, W: f.Measure(HelpTitle), Head: true},
		Page:  page,
		Pages: len(pages),
	}
	for c, col := range pages[page] {
		x := x0 + helpPadX + float64(c)*(cw+helpColGap)
		y := y0 + head
		for _, e := range col {
			p.Lines = append(p.Lines, HelpLine{Text: e.name, X: x, Y: y, W: f.Measure(e.name), Head: true})
			for _, l := range e.help {
				p.Lines = append(p.Lines, HelpLine{Text: l, X: x + nameW + helpNameGap, Y: y, W: f.Measure(l)})
				y += f.Line
			}
		}
	}
	if len(pages) > 1 {
		s := "page " + strconv.Itoa(page+1) + " of " + strconv.Itoa(len(pages)) + " · h: next page · Esc: close"
		if page == len(pages)-1 {
			s = "page " + strconv.Itoa(page+1) + " of " + strconv.Itoa(len(pages)) + " · h, Esc: close"
		}
		p.Footer = HelpLine{Text: s, X: x0 + helpPadX, Y: y0 + bh - helpPadY - f.Line, W: f.Measure(s)}
	}
	return p
}

// wrapHelp wraps each binding's help text, word by word, to width pixels (a word wider than
// that keeps a line of its own).
func wrapHelp(keys []Binding, width float64, measure func(string) float64) []helpEntry {
	out := make([]helpEntry, 0, len(keys))
	for _, k := range keys {
		e := helpEntry{name: k.Name}
		line := ""
		for _, word := range strings.Fields(k.Help) {
			if line != "" && measure(line+" "+word) > width {
				e.help = append(e.help, line)
				line = word
				continue
			}
			if line != "" {
				line += " "
			}
			line += word
		}
		e.help = append(e.help, line)
		out = append(out, e)
	}
	return out
}

// flowHelp fills columns of rows lines top to bottom, cols columns a page, without splitting
// an entry between columns.
func flowHelp(entries []helpEntry, rows, cols int) [][][]helpEntry {
	var pages [][][]helpEntry
	var col []helpEntry
	var page [][]helpEntry
	n := 0
	for _, e := range entries {
		if n > 0 && n+len(e.help) > rows {
			page, col, n = append(page, col), nil, 0
			if len(page) == cols {
				pages, page = append(pages, page), nil
			}
		}
		col = append(col, e)
		n += len(e.help)
	}
	if len(col) > 0 {
		page = append(page, col)
	}
	if len(page) > 0 || len(pages) == 0 {
		pages = append(pages, page)
	}
	return pages
}

// helpRows is the number of lines a column of entries takes.
func helpRows(col []helpEntry) int {
	n := 0
	for _, e := range col {
		n += len(e.help)
	}
	return n
}
