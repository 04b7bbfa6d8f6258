package systems

import (
	"fmt"
	"image/color"
	"strings"
	"time"

	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// UpdateHUD is the HUD system: it expires the toast, recomputes the activity panel
// (UpdateActivity) and rewrites the status line a few times a second, so that its figures
// can be read.
func UpdateHUD(e *ecs.ECS) {
	now := Opts(e).Now()
	t := GetOrCreateToast(e)
	if now.After(t.Until) {
		t.Text = ""
	}
	UpdateActivity(e)
	h := GetOrCreateHUD(e)
	if now.Sub(h.StatusAt) >= statusEvery {
		h.Status = StatusLine(e)
		h.StatusAt = now
	}
}

// StatusLine is the status bar's text: connection state, events per second, node count,
// FPS, bridge lag, rejected count, and the modes that are on.
func StatusLine(e *ecs.ECS) string {
	h := GetOrCreateHUD(e)
	st := h.Stats
	set := GetOrCreateSettings(e)
	cam := GetOrCreateCamera(e)
	conn := st.Connection
	if conn == "" {
		conn = "no source"
	}
	phase := "catching up"
	switch {
	case st.CaughtUp && Opts(e).Until > 0:
		phase = "history" // --until: complete as of its sequence, not following
	case st.CaughtUp:
		phase = "live"
	}
	if x := ExploreOf(e); x != nil {
		phase = exploreStatus(x, len(SceneOf(e).Nodes))
	}
	var b strings.Builder
	nodes := fmt.Sprintf("%d nodes", len(SceneOf(e).Nodes))
	if !GetOrCreateTimeline(e).Live() {
		nodes = fmt.Sprintf("%d of %d nodes", SceneOf(e).Shown(), len(SceneOf(e).Nodes)) // the rest are later
	}
	fmt.Fprintf(&b, "%s · %s   %.1f events/s   %s (%d events, %d objects)   %.0f FPS   lag %d   rejected %d   colour: %s",
		conn, phase, st.EventsPerSecond, nodes, st.Events, st.Objects, h.FPS, st.Lag, st.Rejected, set.ColorMode)
	if st.ResumedSize != 0 {
		fmt.Fprintf(&b, "   resumed at seq %s · checkpoint size %s", Thousands(st.ResumedSeq), Thousands(uint64(st.ResumedSize)))
	}
	if c := CatchUpText(st); c != "" {
		b.WriteString("   " + c)
	}
	if a := AsOfText(e); a != "" {
		b.WriteString("   " + a) // the timeline bar shows an earlier sequence
	} else if Opts(e).Until > 0 {
		fmt.Fprintf(&b, "   as of seq %d", st.LastSeq)
		if t := newestEventTime(SceneOf(e)); t != 0 {
			b.WriteString(" · " + time.Unix(0, t).UTC().Format(time.RFC3339))
		}
	}
	if l := LogStatus(st.Log, Opts(e).Now()); l != "" {
		b.WriteString("   " + l)
	}
	if sc := SceneOf(e); sc.LogLit {
		fmt.Fprintf(&b, "   highlight: %d events of the checkpoint", sc.LogCount)
	}
	if set.Paused {
		b.WriteString("   PAUSED")
	}
	if cam.Follow {
		b.WriteString("   follow")
	}
	if cam.AutoFit {
		b.WriteString("   fit")
	}
	if f := *GetOrCreateFilter(e); f.Active() {
		if f.Aggregate != "" {
			fmt.Fprintf(&b, "   filter: aggregate %s", f.Aggregate)
		} else if f.Kind == components.ElementRejected {
			b.WriteString("   filter: rejected")
		} else {
			fmt.Fprintf(&b, "   filter: %s %s", KindsOf(e.World).Row(f.Kind).Name, f.Type)
		}
	}
	b.WriteString("   h: help")
	return b.String()
}

// newestEventTime is the latest event time in the scene (0 for none).
func newestEventTime(s *Scene) int64 {
	var t int64
	for i := range s.Nodes {
		if s.Nodes[i].Kind == components.ElementEvent {
			t = max(t, s.Nodes[i].Time)
		}
	}
	return t
}

// HoverTooltip returns the hovered node's tooltip, or "" when the cursor is over none. It
// formats a node's tooltip once, when the hover moves to it.
func HoverTooltip(e *ecs.ECS) string {
	hov := GetOrCreatePointer(e).Hovered
	h := GetOrCreateHUD(e)
	if hov == donburi.Null || !e.World.Valid(hov) {
		h.TooltipFor, h.Tooltip = donburi.Null, ""
		return ""
	}
	if hov != h.TooltipFor {
		h.TooltipFor = hov
		h.Tooltip = Tooltip(e.World.Entry(hov))
	}
	return h.Tooltip
}

// LegendEdge is one edge row of the legend: a line On pixels drawn and Off skipped (0: solid).
type LegendEdge struct {
	Label   string
	Color   color.RGBA
	On, Off float32
	Arrow   bool
}

// LegendNodes are the legend's node rows of the default kind table for the colour mode.
func LegendNodes(mode components.ColorMode) []LegendNode { return builtinKinds.Legend(mode) }

// Legend is the legend's node rows, from t's rows in table order, for the colour mode.
func (t *KindTable) Legend(mode components.ColorMode) []LegendNode {
	var out []LegendNode
	for _, k := range t.Kinds() {
		out = append(out, t.Row(k).Legend...)
	}
	if len(out) > 0 && out[0].Label == "event" {
		switch mode {
		case components.ColorByAggregate:
			out[0].Label = "event (colour: aggregate)"
		case components.ColorByType:
			out[0].Label = "event (colour: type)"
		}
	}
	return out
}

// LegendEdges are the legend's edge rows.
func LegendEdges() []LegendEdge {
	return []LegendEdge{
		{"previous (→ older)", PreviousEdgeColor, 0, 0, true},
		{"parent", ParentEdgeColor, 4, 3, false},
		{"object link", LinkEdgeColor, 2, 2, false},
	}
}

// ConnColor is the status bar's dot for a connection state.
func ConnColor(state string) color.RGBA {
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
