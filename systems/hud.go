package systems

import (
	"cmp"
	"fmt"
	"image/color"
	"slices"
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
		st := getStatus(e)
		st.segs = StatusSegments(e, st.segs[:0])
		h.Status = JoinStatus(st.segs)
		h.StatusAt = now
	}
}

// StatusSegment is one part of the status line. When the line is wider than the window the
// status bar leaves out the parts of lowest Priority first (FitStatus), keeping the order of
// the rest.
type StatusSegment struct {
	Text     string
	Priority int
}

// The status line's parts by priority: the connection and the key hint stay longest.
const (
	prioMode   = 10 // follow, fit, colour mode
	prioResume = 20
	prioLag    = 30
	prioFPS    = 40
	prioRate   = 50
	prioLog    = 60 // the transparency log, the checkpoint highlight
	prioState  = 70 // rejected count, paused, filter, catch-up
	prioAsOf   = 80
	prioNodes  = 85
	prioHelp   = 90
	prioConn   = 100
)

// statusSep separates the status line's parts.
const statusSep = "   "

// statusState is the HUD's private singleton: the status line's parts as last written.
type statusState struct{ segs []StatusSegment }

var statusComponent = donburi.NewComponentType[statusState]()

func getStatus(e *ecs.ECS) *statusState {
	return getOrCreate(e.World, statusComponent, func(donburi.World) statusState { return statusState{} })
}

// StatusSegmentsOf returns the status line's parts as UpdateHUD last wrote them (HUDData.Status
// is them joined).
func StatusSegmentsOf(e *ecs.ECS) []StatusSegment { return getStatus(e).segs }

// JoinStatus is the status line of all the parts.
func JoinStatus(segs []StatusSegment) string {
	var b strings.Builder
	for i, s := range segs {
		if i > 0 {
			b.WriteString(statusSep)
		}
		b.WriteString(s.Text)
	}
	return b.String()
}

// FitStatus is the status line of segs that fits in width as measure measures text: parts
// are taken by priority, highest first (ties: the earlier first), each kept if the line
// still fits with it, and shown in their order; if the two most important parts alone are
// too wide, the first is cut short with "…" so that the second (the key hint) still shows.
func FitStatus(segs []StatusSegment, width float64, measure func(string) float64) string {
	line := JoinStatus(segs)
	if measure(line) <= width || len(segs) == 0 {
		return line
	}
	order := make([]int, len(segs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(segs[b].Priority, segs[a].Priority) })
	in := make([]bool, len(segs))
	var keep []StatusSegment
	pick := func() []StatusSegment {
		keep = keep[:0]
		for i, s := range segs {
			if in[i] {
				keep = append(keep, s)
			}
		}
		return keep
	}
	for n, i := range order {
		in[i] = true
		if measure(JoinStatus(pick())) > width {
			in[i] = false
			if n < 2 {
				break // the two most important do not fit: cut short below
			}
		}
	}
	if len(order) < 2 || in[order[0]] && in[order[1]] {
		return JoinStatus(pick())
	}
	first, second := segs[order[0]].Text, segs[order[1]].Text
	if order[1] < order[0] {
		first, second = second, first
	}
	head := []rune(first)
	for len(head) > 0 {
		head = head[:len(head)-1]
		if line = string(head) + "…" + statusSep + second; measure(line) <= width {
			return line
		}
	}
	return second
}

// StatusLine is the status bar's text: connection state, events per second, node count,
// FPS, bridge lag, rejected count, and the modes that are on (StatusSegments, joined).
func StatusLine(e *ecs.ECS) string { return JoinStatus(StatusSegments(e, nil)) }

// StatusSegments appends the status line's parts to dst, in the order they are shown.
func StatusSegments(e *ecs.ECS, dst []StatusSegment) []StatusSegment {
	h := GetOrCreateHUD(e)
	st := h.Stats
	set := GetOrCreateSettings(e)
	cam := GetOrCreateCamera(e)
	add := func(prio int, format string, args ...any) {
		dst = append(dst, StatusSegment{Text: fmt.Sprintf(format, args...), Priority: prio})
	}
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
	nodes := fmt.Sprintf("%d nodes", len(SceneOf(e).Nodes))
	if !GetOrCreateTimeline(e).Live() {
		nodes = fmt.Sprintf("%d of %d nodes", SceneOf(e).Shown(), len(SceneOf(e).Nodes)) // the rest are later
	}
	add(prioConn, "%s · %s", conn, phase)
	add(prioRate, "%.1f events/s", st.EventsPerSecond)
	add(prioNodes, "%s (%d events, %d objects%s)", nodes, st.Events, st.Objects, addedKindCounts(e))
	add(prioFPS, "%.0f FPS", h.FPS)
	add(prioLag, "lag %d", st.Lag)
	add(prioState, "rejected %d", st.Rejected)
	add(prioMode, "colour: %s", set.ColorMode)
	if st.ResumedSize != 0 {
		add(prioResume, "resumed at seq %s · checkpoint size %s", Thousands(st.ResumedSeq), Thousands(uint64(st.ResumedSize)))
	}
	if c := CatchUpText(st); c != "" {
		add(prioState, "%s", c)
	}
	if a := AsOfText(e); a != "" {
		add(prioAsOf, "%s", a) // the timeline bar shows an earlier sequence
	} else if Opts(e).Until > 0 {
		a := fmt.Sprintf("as of seq %d", st.LastSeq)
		if t := newestEventTime(SceneOf(e)); t != 0 {
			a += " · " + time.Unix(0, t).UTC().Format(time.RFC3339)
		}
		add(prioAsOf, "%s", a)
	}
	if l := LogStatus(st.Log, Opts(e).Now()); l != "" {
		add(prioLog, "%s", l)
	}
	if sc := SceneOf(e); sc.LogLit {
		add(prioLog, "highlight: %d events of the checkpoint", sc.LogCount)
	}
	if set.Paused {
		add(prioState, "PAUSED")
	}
	if cam.Follow {
		add(prioMode, "follow")
	}
	if cam.AutoFit {
		add(prioMode, "fit")
	}
	if f := *GetOrCreateFilter(e); f.Active() {
		switch {
		case f.Aggregate != "":
			add(prioState, "filter: aggregate %s", f.Aggregate)
		case f.Kind == components.ElementRejected:
			add(prioState, "filter: rejected")
		default:
			add(prioState, "filter: %s %s", KindsOf(e.World).Row(f.Kind).Name, f.Type)
		}
	}
	add(prioHelp, "h: help")
	return dst
}

// addedKindCounts is the status line's count of the nodes of each kind the world's table has
// beyond jetdag's own (", 3 probes"; "" when it has none): the graph's stats count events,
// objects and rejected messages only, so these are counted in the scene.
func addedKindCounts(e *ecs.ECS) string {
	t := KindsOf(e.World)
	var added []components.ElementKind
	for _, k := range t.Kinds() {
		switch k {
		case components.ElementEvent, components.ElementObject, components.ElementRejected:
		default:
			added = append(added, k)
		}
	}
	if len(added) == 0 {
		return ""
	}
	counts := make(map[components.ElementKind]int, len(added))
	sc := SceneOf(e)
	for i := range sc.Nodes {
		counts[sc.Nodes[i].Kind]++
	}
	var b strings.Builder
	for _, k := range added {
		fmt.Fprintf(&b, ", %d %ss", counts[k], t.Row(k).Name)
	}
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
func LegendNodes(mode components.ColorMode) []LegendNode { return DefaultKinds().Legend(mode) }

// LegendRows counts the legend's node rows (Legend's length) without building them.
func (t *KindTable) LegendRows() int {
	n := 0
	for _, r := range t.rows {
		if r != nil {
			n += len(r.Legend)
		}
	}
	return n
}

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

// LegendEdges are the legend's edge rows (an array: counting them allocates nothing).
func LegendEdges() [3]LegendEdge {
	return [...]LegendEdge{
		{"previous (→ older)", PreviousEdgeColor(), 0, 0, true},
		{"parent", ParentEdgeColor(), 4, 3, false},
		{"object link", LinkEdgeColor(), 2, 2, false},
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
