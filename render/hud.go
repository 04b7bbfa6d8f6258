package render

import (
	"image/color"
	"strconv"
	"strings"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems"
)

// DrawHUD draws the legend, the status bar, the search prompt, the toast, the hover tooltip
// and, when open, the help overlay (from the key table): all shapes first, then all text.
func (d *Drawer) DrawHUD(e *ecs.ECS, screen *ebiten.Image) {
	cam := systems.GetOrCreateCamera(e)
	set := systems.GetOrCreateSettings(e)
	hud := systems.GetOrCreateHUD(e)
	w, h := float64(cam.Width), float64(cam.Height)
	f := &d.fonts
	d.panel.reset()
	const barH = systems.StatusBarH

	// Status bar.
	d.panel.rect(0, float32(h-barH), float32(w), barH, toF(panelColor()))
	d.panel.fan(12, float32(h-barH/2), 5, d.Renderer.circles[1], toF(systems.ConnColor(hud.Stats.Connection)))
	d.timelineShapes(e)

	// Legend (rebuilt only when the colour mode changes).
	if d.legend == nil || d.legendMode != set.ColorMode {
		d.legend, d.legendMode = systems.KindsOf(e.World).Legend(set.ColorMode), set.ColorMode
	}
	edges := systems.LegendEdges()
	lr := systems.LegendRect(e) // as many rows as d.legend and edges hold
	d.laneShapes(e, lr.MaxY, h-systems.BottomH)
	panelRect(&d.panel, lr)
	top := lr.MinY + (lr.Height()-float64(len(d.legend)+len(edges))*f.uiLine)/2
	rowY := func(i int) float64 { return top + (float64(i)+0.5)*f.uiLine }
	for i, row := range d.legend {
		d.Renderer.shape(&d.panel, row.Shape, 26, float32(rowY(i)), 6, toF(row.Color))
	}
	for i, row := range edges {
		d.legendEdge(row, 26, rowY(len(d.legend)+i))
	}

	d.minimapShapes(e) // under the tooltip, prompt, toast and help
	d.activityShapes(e)
	progress, pr := d.progressBox(e)
	if progress != "" {
		panelRect(&d.panel, pr)
	}

	// Tooltip.
	tip, tx, ty, tw, th := d.tooltipBox(e)
	if tip != "" {
		panelRect(&d.panel, components.Rect{MinX: tx, MinY: ty, MaxX: tx + tw, MaxY: ty + th})
	}

	// Search prompt and toast.
	var prompt string
	if s := systems.GetOrCreateSearch(e); s.Open {
		prompt = "/" + string(s.Query) + "|   " + matchCount(len(s.Query), s.Count) + "Enter: jump · Esc: cancel"
		pw := text.Advance(prompt, f.ui) + 16
		panelRect(&d.panel, components.Rect{MinX: 8, MinY: h - systems.BottomH - 8 - f.uiLine - 8, MaxX: 8 + pw, MaxY: h - systems.BottomH - 8})
	}
	toast := systems.GetOrCreateToast(e).Text
	var tr components.Rect
	if toast != "" {
		tw := text.Advance(toast, f.ui) + 16
		tr = components.Rect{MinX: w - tw - 8, MinY: h - systems.BottomH - 8 - f.uiLine - 8, MaxX: w - 8, MaxY: h - systems.BottomH - 8}
		if systems.Info(e) != nil {
			iw := systems.InspectorRect(e).Width()
			tr.MinX, tr.MaxX = tr.MinX-iw, tr.MaxX-iw
		}
		panelRect(&d.panel, tr)
	}

	// The red banner of a contradicted transparency log, across the top right of the legend.
	alarm := systems.LogAlarm(e)
	alarmX := lr.MaxX + 8
	if alarm != "" {
		d.panel.rect(float32(alarmX), 0, float32(w-alarmX), float32(f.uiLine+12), toF(alarmColor()))
	}

	// Help, from the key table, laid out to fit the window (systems.LayoutHelp).
	var help *systems.HelpPanel
	if set.ShowHelp {
		help = d.helpPanel(e, w, h)
		set.HelpPage, set.HelpPages = help.Page, help.Pages // the h key turns the pages
		panelRect(&d.panel, help.Box)
	}
	d.panel.draw(screen, d.white.Image)

	// Text, after every shape (text comes from another atlas and breaks batches).
	d.laneText(screen)
	d.timelineText(e, screen)
	drawText(screen, d.statusLine(e, w-24-8), f.ui, 24, h-barH+(barH-f.uiLine)/2, textColor())
	if alarm != "" {
		drawText(screen, alarm, f.ui, alarmX+8, 6, textColor())
	}
	if help == nil { // else under the help's panel, which the labels would run over
		for i, row := range d.legend {
			drawText(screen, row.Label, f.ui, 44, rowY(i)-f.uiLine/2, textColor())
		}
		for i, row := range edges {
			drawText(screen, row.Label, f.ui, 44, rowY(len(d.legend)+i)-f.uiLine/2, textColor())
		}
	}
	d.activityText(e, screen)
	if progress != "" {
		drawText(screen, progress, f.title, pr.MinX+16, pr.MinY+10, headText())
	}
	if tip != "" {
		for i, line := range strings.Split(tip, "\n") {
			c := textColor()
			if i > 0 {
				c = dimText()
			}
			drawText(screen, line, f.mono, tx+8, ty+6+float64(i)*f.monoLine, c)
		}
	}
	if prompt != "" {
		drawText(screen, prompt, f.ui, 16, h-systems.BottomH-8-f.uiLine-4, textColor())
	}
	if toast != "" {
		drawText(screen, toast, f.ui, tr.MinX+8, tr.MinY+4, textColor())
	}
	if help != nil {
		drawText(screen, help.Title.Text, f.title, help.Title.X, help.Title.Y, headText())
		for _, l := range help.Lines {
			c := textColor()
			if l.Head {
				c = headText()
			}
			drawText(screen, l.Text, f.ui, l.X, l.Y, c)
		}
		drawText(screen, help.Footer.Text, f.ui, help.Footer.X, help.Footer.Y, dimText())
	}
}

// helpFit is the help overlay as laid out for a window size and page, kept until either
// changes.
type helpFit struct {
	w, h  float64
	page  int
	panel systems.HelpPanel
}

// helpPanel is the help overlay laid out for a w×h window at the page the settings hold,
// measured in the UI face (the title in its own).
func (d *Drawer) helpPanel(e *ecs.ECS, w, h float64) *systems.HelpPanel {
	page := systems.GetOrCreateSettings(e).HelpPage
	if d.help.w != w || d.help.h != h || d.help.page != page || d.help.panel.Pages == 0 {
		d.help = helpFit{w: w, h: h, page: page, panel: d.layoutHelp(systems.KeysOf(e), w, h, page)}
	}
	return &d.help.panel
}

// layoutHelp lays the key table out for a w×h window in the drawer's fonts.
func (d *Drawer) layoutHelp(keys []systems.Binding, w, h float64, page int) systems.HelpPanel {
	f := &d.fonts
	p := systems.LayoutHelp(keys, w, h, page, systems.HelpFont{
		Line: f.uiLine, TitleLine: lineHeight(f.title),
		Measure: func(s string) float64 { return text.Advance(s, f.ui) },
	})
	p.Title.W = text.Advance(p.Title.Text, f.title)
	return p
}

// HelpShown is the help overlay as last laid out (its Pages is 0 before the first).
func (d *Drawer) HelpShown() systems.HelpPanel { return d.help.panel }

// statusFit is the status line fitted to a width, kept until the HUD rewrites the line or
// the width changes.
type statusFit struct {
	at    time.Time
	width float64
	line  string
}

// statusLine is the status line as wide as width pixels at most, in the UI face: the parts
// of lowest priority are left out first (systems.FitStatus), so the key hint always shows.
func (d *Drawer) statusLine(e *ecs.ECS, width float64) string {
	hud := systems.GetOrCreateHUD(e)
	if d.status.at.Equal(hud.StatusAt) && d.status.width == width && !hud.StatusAt.IsZero() {
		return d.status.line
	}
	segs := systems.StatusSegmentsOf(e)
	line := hud.Status
	if len(segs) > 0 {
		line = systems.FitStatus(segs, width, func(s string) float64 { return text.Advance(s, d.fonts.ui) })
	}
	d.status = statusFit{at: hud.StatusAt, width: width, line: line}
	return line
}

// legendEdge draws one edge row's swatch centred on (x, y).
func (d *Drawer) legendEdge(row systems.LegendEdge, x, y float64) {
	c := toF(row.Color)
	x0, x1 := float32(x-10), float32(x+10)
	if row.On == 0 {
		d.panel.line(x0, float32(y), x1, float32(y), 1.5, c)
	} else {
		d.panel.dashed(x0, float32(y), x1, float32(y), 1.5, row.On, row.Off, c)
	}
	if row.Arrow {
		d.panel.tri(x1+2, float32(y), x1-4, float32(y)-3, x1-4, float32(y)+3, c)
	}
}

// tooltipBox returns the hovered node's tooltip and where its box goes: beside the cursor,
// flipped to stay on screen.
func (d *Drawer) tooltipBox(e *ecs.ECS) (tip string, x, y, bw, bh float64) {
	tip = systems.HoverTooltip(e)
	if tip == "" {
		return "", 0, 0, 0, 0
	}
	p := systems.GetOrCreatePointer(e)
	cam := systems.GetOrCreateCamera(e)
	lines := strings.Split(tip, "\n")
	for _, l := range lines {
		bw = max(bw, text.Advance(l, d.fonts.mono))
	}
	bw += 16
	bh = float64(len(lines))*d.fonts.monoLine + 12
	x, y = p.X+16, p.Y+16
	if x+bw > float64(cam.Width) {
		x = p.X - 8 - bw
	}
	if y+bh > float64(cam.Height)-systems.BottomH {
		y = p.Y - 8 - bh
	}
	return tip, max(x, 0), max(y, 0), bw, bh
}

// matchCount is the prompt's count of what the query typed so far matches.
func matchCount(typed, n int) string {
	switch {
	case typed == 0:
		return ""
	case n == 1:
		return "1 match · "
	}
	return strconv.Itoa(n) + " matches · "
}

// alarmColor is the red banner of a contradicted transparency log.
func alarmColor() color.RGBA { return color.RGBA{0xc0, 0x20, 0x20, 0xf0} }

// StatusShown is the status line as last drawn, fitted to the window.
func (d *Drawer) StatusShown() string { return d.status.line }
