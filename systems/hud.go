package systems

import (
	"fmt"
	"image/color"
	"strings"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// statusBarH is the height of the status bar at the bottom of the window, in pixels.
const statusBarH = 24.0

// StatusLine is the status bar's text: connection state, events per second, node count,
// FPS, bridge lag, rejected count, and the modes that are on.
func (v *View) StatusLine() string {
	st := v.stats
	conn := st.Connection
	if conn == "" {
		conn = "no source"
	}
	phase := "catching up"
	if st.CaughtUp {
		phase = "live"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s · %s   %.1f events/s   %d nodes (%d events, %d objects)   %.0f FPS   lag %d   rejected %d   colour: %s",
		conn, phase, st.EventsPerSecond, len(v.Scene.Nodes), st.Events, st.Objects, v.fps, st.Lag, st.Rejected, v.ColorMode)
	if v.paused {
		b.WriteString("   PAUSED")
	}
	if v.follow {
		b.WriteString("   follow")
	}
	if v.autoFit {
		b.WriteString("   fit")
	}
	if f := v.Marks.Filter; f.Active() {
		if f.Aggregate != "" {
			fmt.Fprintf(&b, "   filter: aggregate %s", f.Aggregate)
		} else if f.Kind == components.ElementRejected {
			b.WriteString("   filter: rejected")
		} else {
			fmt.Fprintf(&b, "   filter: %s %s", f.Kind, f.Type)
		}
	}
	b.WriteString("   h: help")
	return b.String()
}

// Tooltip is the hover text for a scene node: kind, type, aggregate, sequence and CID.
func Tooltip(d *components.DddElementData) string {
	var b strings.Builder
	b.WriteString(d.Kind.String())
	switch d.Kind {
	case components.ElementEvent:
		fmt.Fprintf(&b, " %s · %s · seq %d", d.EventType, d.AggregateID, d.Seq)
	case components.ElementObject:
		fmt.Fprintf(&b, " (%s)", d.ObjectKind)
		if d.ObjectKind == "file" {
			fmt.Fprintf(&b, " · %d bytes", d.Size)
		}
	case components.ElementRejected:
		fmt.Fprintf(&b, " seq %d", d.Seq)
		if d.AggregateID != "" {
			fmt.Fprintf(&b, " · %s", d.AggregateID)
		}
		b.WriteString("\n" + d.Reason)
	}
	if d.CID.Defined() {
		b.WriteString("\n" + d.CID.String())
	}
	return b.String()
}

// DrawHUD draws the legend, the status bar, the search prompt, the toast, the hover tooltip
// and, when open, the help overlay.
func (v *View) DrawHUD(e *ecs.ECS, screen *ebiten.Image) {
	w, h := float64(v.Camera.Width), float64(v.Camera.Height)
	f := &v.fonts
	v.panel.reset()

	// Status bar.
	v.panel.rect(0, float32(h-statusBarH), float32(w), statusBarH, toF(panelColor))
	dot := toF(connColor(v.stats.Connection))
	v.panel.fan(12, float32(h-statusBarH/2), 5, v.Renderer.circles[1], dot)

	// Legend (rebuilt only when the colour mode changes).
	if v.legend == nil || v.legendMode != v.ColorMode {
		v.legend, v.legendMode = v.legendRows(), v.ColorMode
	}
	legend := v.legend
	lw, lh := 230.0, 12+float64(len(legend))*f.uiLine
	panelRect(&v.panel, Rect{8, 8, 8 + lw, 8 + lh})
	for i, row := range legend {
		cy := 8 + 6 + (float64(i)+0.5)*f.uiLine
		row.swatch(v, 26, cy)
	}

	// Tooltip.
	tip, tx, ty, tw, th := v.tooltipBox(e.World)
	if tip != "" {
		panelRect(&v.panel, Rect{tx, ty, tx + tw, ty + th})
	}

	// Search prompt and toast.
	var prompt string
	if v.searching {
		prompt = "/" + string(v.query) + "|   Enter: jump · Esc: cancel"
		pw := text.Advance(prompt, f.ui) + 16
		panelRect(&v.panel, Rect{8, h - statusBarH - 8 - f.uiLine - 8, 8 + pw, h - statusBarH - 8})
	}
	var tr Rect
	if v.toast != "" {
		tw := text.Advance(v.toast, f.ui) + 16
		tr = Rect{w - tw - 8, h - statusBarH - 8 - f.uiLine - 8, w - 8, h - statusBarH - 8}
		if v.info != nil {
			tr.MinX, tr.MaxX = tr.MinX-v.inspectorRect().Width(), tr.MaxX-v.inspectorRect().Width()
		}
		panelRect(&v.panel, tr)
	}

	// Help.
	var hr Rect
	keys := KeyBindings()
	if v.showHelp {
		hw, hh := 520.0, 24+f.title.Size+float64(len(keys)+2)*f.uiLine
		hr = Rect{(w - hw) / 2, (h - hh) / 2, (w + hw) / 2, (h + hh) / 2}
		panelRect(&v.panel, hr)
	}
	v.panel.draw(screen, v.white.Image)

	// Text, after every shape (text comes from another atlas and breaks batches).
	drawText(screen, v.status, f.ui, 24, h-statusBarH+(statusBarH-f.uiLine)/2, textColor)
	for i, row := range legend {
		drawText(screen, row.label, f.ui, 44, 8+6+float64(i)*f.uiLine, textColor)
	}
	if tip != "" {
		for i, line := range strings.Split(tip, "\n") {
			c := textColor
			if i > 0 {
				c = dimText
			}
			drawText(screen, line, f.mono, tx+8, ty+6+float64(i)*f.monoLine, c)
		}
	}
	if prompt != "" {
		drawText(screen, prompt, f.ui, 16, h-statusBarH-8-f.uiLine-4, textColor)
	}
	if v.toast != "" {
		drawText(screen, v.toast, f.ui, tr.MinX+8, tr.MinY+4, textColor)
	}
	if v.showHelp {
		drawText(screen, "jetdag — keys and mouse", f.title, hr.MinX+16, hr.MinY+12, headText)
		y := hr.MinY + 12 + f.title.Size + f.uiLine
		for _, k := range keys {
			drawText(screen, k[0], f.ui, hr.MinX+16, y, headText)
			drawText(screen, k[1], f.ui, hr.MinX+130, y, textColor)
			y += f.uiLine
		}
	}
}

func connColor(state string) color.RGBA {
	switch state {
	case "connected":
		return color.RGBA{0x40, 0xd0, 0x60, 0xff}
	case "reconnecting", "connecting":
		return color.RGBA{0xff, 0xc0, 0x30, 0xff}
	case "":
		return color.RGBA{0x80, 0x80, 0x80, 0xff}
	}
	return color.RGBA{0xff, 0x40, 0x40, 0xff}
}

type legendRow struct {
	label  string
	swatch func(v *View, x, y float64)
}

func (v *View) legendRows() []legendRow {
	node := func(s components.Shape, c color.RGBA) func(*View, float64, float64) {
		return func(v *View, x, y float64) {
			v.Renderer.shape(&v.panel, s, float32(x), float32(y), 6, toF(c))
		}
	}
	edge := func(c color.RGBA, on, off float32, arrow bool) func(*View, float64, float64) {
		return func(v *View, x, y float64) {
			x0, x1 := float32(x-10), float32(x+10)
			if on == 0 {
				v.panel.line(x0, float32(y), x1, float32(y), 1.5, toF(c))
			} else {
				v.panel.dashed(x0, float32(y), x1, float32(y), 1.5, on, off, toF(c))
			}
			if arrow {
				v.panel.tri(x1+2, float32(y), x1-4, float32(y)-3, x1-4, float32(y)+3, toF(c))
			}
		}
	}
	eventLabel := "event"
	switch v.ColorMode {
	case ColorByAggregate:
		eventLabel = "event (colour: aggregate)"
	case ColorByType:
		eventLabel = "event (colour: type)"
	}
	return []legendRow{
		{eventLabel, node(components.ShapeDiamond, components.EventBlue)},
		{"selected chain / cone", node(components.ShapeDiamond, components.EventCyan)},
		{"object (value)", node(components.ShapeCircle, components.ObjectGreen)},
		{"object (file)", node(components.ShapeSquare, components.FileOrange)},
		{"rejected message", node(components.ShapeWarning, components.RejectedRed)},
		{"previous (→ older)", edge(PreviousEdgeColor, 0, 0, true)},
		{"parent", edge(ParentEdgeColor, 4, 3, false)},
		{"object link", edge(LinkEdgeColor, 2, 2, false)},
	}
}

// tooltipBox returns the hovered node's tooltip and where its box goes.
func (v *View) tooltipBox(w donburi.World) (tip string, x, y, bw, bh float64) {
	hov := v.Marks.Hovered
	if hov == donburi.Null || w == nil || !w.Valid(hov) {
		v.tooltipFor = donburi.Null
		return "", 0, 0, 0, 0
	}
	if hov != v.tooltipFor {
		v.tooltipFor = hov
		v.tooltip = Tooltip(components.DddElement.Get(w.Entry(hov)))
	}
	tip = v.tooltip
	lines := strings.Split(tip, "\n")
	for _, l := range lines {
		bw = max(bw, text.Advance(l, v.fonts.mono))
	}
	bw += 16
	bh = float64(len(lines))*v.fonts.monoLine + 12
	x, y = v.lastCursorX+16, v.lastCursorY+16
	if x+bw > float64(v.Camera.Width) {
		x = v.lastCursorX - 8 - bw
	}
	if y+bh > float64(v.Camera.Height)-statusBarH {
		y = v.lastCursorY - 8 - bh
	}
	return tip, max(x, 0), max(y, 0), bw, bh
}

// Width is the rectangle's width.
func (r Rect) Width() float64 { return r.MaxX - r.MinX }

// Height is the rectangle's height.
func (r Rect) Height() float64 { return r.MaxY - r.MinY }
