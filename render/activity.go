package render

import (
	"fmt"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems"
)

// The activity panel's size, in pixels.
const (
	activityW      = 224.0
	activitySparkH = 34.0
)

// activityLayout is where the activity panel and its parts go this frame.
type activityLayout struct {
	box          components.Rect
	spark        components.Rect
	aggY, typesY float64 // the tops of the two lists' headings
}

// activityBox places the activity panel top right (below the log's red banner when there is
// one), or reports false when it is off, the inspector holds the right side or the help is
// open (its text would run over the help's).
func (d *Drawer) activityBox(e *ecs.ECS) (activityLayout, bool) {
	if !systems.ActivityShown(e) || systems.Info(e) != nil || systems.GetOrCreateSettings(e).ShowHelp {
		return activityLayout{}, false
	}
	a := systems.ActivityOf(e)
	cam := systems.GetOrCreateCamera(e)
	line := d.fonts.uiLine
	top := 8.0
	if systems.LogAlarm(e) != "" {
		top += line + 12
	}
	rows := func(n, more int) int {
		if more > 0 {
			n++
		}
		return n + 1 // the heading
	}
	n := rows(len(a.Aggregates), a.MoreAggregates) + rows(len(a.Types), a.MoreTypes)
	h := 8 + line + activitySparkH + 6 + float64(n)*line + 8
	x := float64(cam.Width) - 8 - activityW
	l := activityLayout{box: components.Rect{MinX: x, MinY: top, MaxX: x + activityW, MaxY: top + h}}
	l.spark = components.Rect{MinX: x + 10, MinY: top + 8 + line, MaxX: x + activityW - 10, MaxY: top + 8 + line + activitySparkH}
	l.aggY = l.spark.MaxY + 6
	l.typesY = l.aggY + float64(rows(len(a.Aggregates), a.MoreAggregates))*line
	return l, true
}

// activityShapes adds the activity panel to the HUD's panel batch: its box, the sparkline's
// bars and the colour swatches of the list events are coloured by.
func (d *Drawer) activityShapes(e *ecs.ECS) {
	l, ok := d.activityBox(e)
	if !ok {
		return
	}
	a := systems.ActivityOf(e)
	panelRect(&d.panel, l.box)
	s := l.spark
	d.panel.rect(float32(s.MinX), float32(s.MaxY), float32(s.Width()), 1, toF(panelEdge()))
	if a.Peak > 0 {
		bw := float32(s.Width()) / float32(len(a.Rate))
		c := toF(components.EventBlue())
		for i, r := range a.Rate {
			if r <= 0 {
				continue
			}
			h := float32(s.Height()) * float32(r/a.Peak)
			d.panel.rect(float32(s.MinX)+float32(i)*bw, float32(s.MaxY)-h, max(bw-1, 1), h, c)
		}
	}
	line := d.fonts.uiLine
	swatches := func(top float64, rows []systems.Count) {
		for i, r := range rows {
			if r.Color.A == 0 {
				continue
			}
			y := float32(top + float64(i+1)*line + line/2)
			d.Renderer.shape(&d.panel, components.ShapeDiamond, float32(l.box.MinX+18), y, 5, toF(r.Color))
		}
	}
	swatches(l.aggY, a.Aggregates)
	swatches(l.typesY, a.Types)
}

// activityText writes the activity panel's text: the sparkline's heading and the two lists.
func (d *Drawer) activityText(e *ecs.ECS, screen *ebiten.Image) {
	l, ok := d.activityBox(e)
	if !ok {
		return
	}
	a := systems.ActivityOf(e)
	f := &d.fonts
	x := l.box.MinX + 10
	drawText(screen, fmt.Sprintf("events/s · last 5 min · peak %.1f", a.Peak), f.ui, x, l.box.MinY+6, headText())
	list := func(top float64, title string, rows []systems.Count, more int) {
		drawText(screen, title, f.ui, x, top, headText())
		for i, r := range rows {
			y := top + float64(i+1)*f.uiLine
			name := r.Name
			if name == "" {
				name = "(none)"
			}
			drawText(screen, truncate(name, 22), f.ui, x+20, y, textColor())
			n := systems.Thousands(uint64(r.N))
			drawText(screen, n, f.ui, l.box.MaxX-10-text.Advance(n, f.ui), y, dimText())
		}
		if more > 0 {
			s := fmt.Sprintf("+%s more", systems.Thousands(uint64(more)))
			if len(rows) > 0 && rows[0].Color.A != 0 && len(rows)+more > systems.PaletteSize {
				s += " · colours repeat" // beyond systems.PaletteSize
			}
			drawText(screen, s, f.ui, x+20, top+float64(len(rows)+1)*f.uiLine, dimText())
		}
	}
	list(l.aggY, "busiest aggregates", a.Aggregates, a.MoreAggregates)
	list(l.typesY, "busiest types", a.Types, a.MoreTypes)
}

// truncate shortens s to at most n runes, ending in "…" when cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
