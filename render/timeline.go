package render

import (
	"fmt"
	"image/color"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems"
)

// The timeline bar's colours (functions, so nothing can change them).

func timelineTrack() color.RGBA { return color.RGBA{0x18, 0x1e, 0x2a, 0xff} }

// timelineShown is the histogram up to the as-of sequence.
func timelineShown() color.RGBA { return color.RGBA{0x4a, 0x90, 0xe2, 0xe0} }

// timelineLater is the histogram of the hidden, later events.
func timelineLater() color.RGBA { return color.RGBA{0x4a, 0x58, 0x70, 0x90} }

func timelineHandle() color.RGBA { return color.RGBA{0xff, 0xd5, 0x4f, 0xff} }

func timelineLive() color.RGBA { return color.RGBA{0x40, 0xd0, 0x60, 0xff} }

// timelineShapes adds the timeline bar to the HUD's panel batch: its background, the
// histogram of held events along the sequence range (bright up to the as-of sequence, dim
// after), the handle at the as-of sequence (green at the right end when live; yellow, as of a
// sequence, at the right end of --until's history) and the play, live or pause icon.
func (d *Drawer) timelineShapes(e *ecs.ECS) {
	tl := systems.GetOrCreateTimeline(e)
	bar := systems.TimelineBar(e)
	tr := systems.TimelineTrack(e)
	d.panel.rect(float32(bar.MinX), float32(bar.MinY), float32(bar.Width()), float32(bar.Height()), toF(panelColor()))
	d.panel.rect(float32(bar.MinX), float32(bar.MinY), float32(bar.Width()), 1, toF(panelEdge()))
	d.panel.rect(float32(tr.MinX), float32(tr.MinY), float32(tr.Width()), float32(tr.Height()), toF(timelineTrack()))

	// Play / pause icon.
	ix, iy := float32(bar.MinX+12), float32((bar.MinY+bar.MaxY)/2)
	switch {
	case tl.Playing:
		d.panel.tri(ix-4, iy-6, ix-4, iy+6, ix+6, iy, toF(textColor()))
	case systems.TimelineLive(e):
		d.panel.fan(ix, iy, 5, d.Renderer.circles[1], toF(timelineLive()))
	default:
		d.panel.rect(ix-4, iy-6, 3, 12, toF(textColor()))
		d.panel.rect(ix+2, iy-6, 3, 12, toF(textColor()))
	}
	if tl.Held == 0 {
		return
	}
	bins, top := systems.TimelineHistogram(e)
	hx := float32(tr.MaxX)
	if !tl.Live() {
		hx = float32(systems.XOfSeq(e, tl.AsOf))
	}
	bw := float32(tr.Width()) / float32(len(bins))
	for i, n := range bins {
		if n == 0 {
			continue
		}
		h := float32(tr.Height()-2) * (0.15 + 0.45*float32(n)/float32(max(top, 1)))
		x := float32(tr.MinX) + float32(i)*bw
		c := toF(timelineShown())
		if x+bw/2 > hx {
			c = toF(timelineLater())
		}
		d.panel.rect(x, float32(tr.MaxY-1)-h, max(bw-0.5, 0.5), h, c)
	}
	hc := toF(timelineHandle())
	if systems.TimelineLive(e) {
		hc = toF(timelineLive())
	}
	d.panel.rect(hx-2, float32(bar.MinY+2), 4, float32(bar.Height()-4), hc)
	if label, x, ok := systems.TimelineHover(e); ok {
		r := d.hoverBox(label, x, bar)
		panelRect(&d.panel, r)
	}
	// Dark boxes under the range's labels, so they read over the histogram.
	left, right := d.timelineLabels(tl, tr)
	f := &d.fonts
	lw, rw := float32(text.Advance(left, f.ui)), float32(text.Advance(right, f.ui))
	ly := float32((bar.MinY+bar.MaxY)/2 - f.uiLine/2)
	d.panel.rect(float32(tr.MinX+2), ly, lw+8, float32(f.uiLine), toF(panelColor()))
	if right != "" {
		d.panel.rect(float32(tr.MaxX)-rw-10, ly, rw+8, float32(f.uiLine), toF(panelColor()))
	}
}

// hoverBox is where the label of the bar's point under the cursor goes: just above the bar,
// centred on the cursor, kept on screen.
func (d *Drawer) hoverBox(label string, x float64, bar components.Rect) components.Rect {
	w := text.Advance(label, d.fonts.ui) + 12
	x0 := min(max(x-w/2, bar.MinX), bar.MaxX-w)
	return components.Rect{MinX: x0, MinY: bar.MinY - d.fonts.uiLine - 8, MaxX: x0 + w, MaxY: bar.MinY - 2}
}

// timelineLabels are the first and last held sequence with their times ("" for the last
// when the two would overlap).
func (d *Drawer) timelineLabels(tl *components.TimelineData, tr components.Rect) (left, right string) {
	left, right = seqLabel(tl.First, tl.FirstTime), seqLabel(tl.Last, tl.LastTime)
	if tr.MinX+6+text.Advance(left, d.fonts.ui)+24 >= tr.MaxX-6-text.Advance(right, d.fonts.ui) {
		right = ""
	}
	return left, right
}

// timelineText writes the bar's text: the play state and speed left of the track, the first
// and last held sequence with their times on the track.
func (d *Drawer) timelineText(e *ecs.ECS, screen *ebiten.Image) {
	tl := systems.GetOrCreateTimeline(e)
	bar := systems.TimelineBar(e)
	tr := systems.TimelineTrack(e)
	f := &d.fonts
	y := (bar.MinY+bar.MaxY)/2 - f.uiLine/2
	drawText(screen, systems.TimelineText(e), f.ui, bar.MinX+24, y, textColor())
	if tl.Held == 0 {
		drawText(screen, "no events yet", f.ui, tr.MinX+6, y, dimText())
		return
	}
	if label, x, ok := systems.TimelineHover(e); ok {
		r := d.hoverBox(label, x, bar)
		drawText(screen, label, f.ui, r.MinX+6, r.MinY+3, textColor())
	}
	left, right := d.timelineLabels(tl, tr)
	drawText(screen, left, f.ui, tr.MinX+6, y, labelText())
	if right != "" {
		drawText(screen, right, f.ui, tr.MaxX-6-text.Advance(right, f.ui), y, labelText())
	}
}

// seqLabel is "seq N · 15:04:05" (the time in UTC), or "seq N" without a time.
func seqLabel(seq uint64, t int64) string {
	if t == 0 {
		return fmt.Sprintf("seq %d", seq)
	}
	return fmt.Sprintf("seq %d · %s", seq, time.Unix(0, t).UTC().Format("2006-01-02 15:04:05"))
}

// progressBox is where the catch-up replay's progress line goes: a panel at the top centre
// (the picture fills in under it), or an empty rect when the feed is live.
func (d *Drawer) progressBox(e *ecs.ECS) (string, components.Rect) {
	line := systems.CatchUp(e)
	if line == "" {
		return "", components.Rect{}
	}
	cam := systems.GetOrCreateCamera(e)
	w := text.Advance(line, d.fonts.title) + 32
	x := (float64(cam.Width) - w) / 2
	return line, components.Rect{MinX: x, MinY: 12, MaxX: x + w, MaxY: 12 + d.fonts.title.Size + 20}
}
