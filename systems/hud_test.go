package systems

import (
	"slices"
	"strings"
	"testing"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/archetypes"
)

func TestStatusLine(t *testing.T) {
	e, es, _ := inputView(t, false)
	stats := e.World.Create(components.GraphStats)
	components.GraphStats.SetValue(e.World.Entry(stats), components.GraphStatsData{
		Events: 3, Objects: 2, Rejected: 1, Lag: 7, EventsPerSecond: 12.5, Connection: "connected", CaughtUp: true,
	})
	UpdateScene(e)
	GetOrCreateHUD(e).FPS = 59.6
	status := StatusLine(e)
	for _, want := range []string{"connected · live", "12.5 events/s", "7 nodes (3 events, 2 objects)", "60 FPS", "lag 7", "rejected 1", "colour: kind", "h: help"} {
		if !strings.Contains(status, want) {
			t.Errorf("status line %q lacks %q", status, want)
		}
	}
	for _, bad := range []string{"PAUSED", "follow", "fit", "filter"} {
		if strings.Contains(status, bad) {
			t.Errorf("status line %q says %q with that mode off", status, bad)
		}
	}
	// Modes that are on show up: pause, follow, fit, colour mode and filter.
	Select(e, es[1])
	keys(e, components.KeySpace, components.KeyL, components.KeyF, components.KeyC, components.KeyA)
	status = StatusLine(e)
	for _, want := range []string{"PAUSED", "follow", "fit", "colour: aggregate", "filter: aggregate order-1"} {
		if !strings.Contains(status, want) {
			t.Errorf("status line %q lacks %q", status, want)
		}
	}
	SetFilter(e, components.FilterData{Kind: components.ElementRejected})
	if s := StatusLine(e); !strings.Contains(s, "filter: rejected") {
		t.Errorf("status line %q lacks the rejected filter", s)
	}
	SetFilter(e, components.FilterData{Kind: components.ElementEvent, Type: "OrderPaid"})
	if s := StatusLine(e); !strings.Contains(s, "filter: event OrderPaid") {
		t.Errorf("status line %q lacks the type filter", s)
	}
	if s := (&components.HUDData{}).Status; s != "" {
		t.Errorf("a fresh HUD has status %q", s)
	}
}

func TestUpdateHUDRefreshesStatusAndExpiresToasts(t *testing.T) {
	e, _, clock := inputView(t, false)
	UpdateHUD(e)
	first := GetOrCreateHUD(e).Status
	if !strings.Contains(first, "no source · catching up") {
		t.Fatalf("status %q, want the no-source state", first)
	}
	Toast(e, "hello")
	keys(e, components.KeySpace) // pause: toasts "pause: on" and changes the status line
	UpdateHUD(e)
	if got := GetOrCreateHUD(e).Status; got != first {
		t.Errorf("status rewritten within %v: %q", statusEvery, got)
	}
	if got := GetOrCreateToast(e).Text; got != "pause: on" {
		t.Errorf("toast %q, want the latest, %q", got, "pause: on")
	}
	clock.advance(statusEvery)
	UpdateHUD(e)
	if got := GetOrCreateHUD(e).Status; !strings.Contains(got, "PAUSED") {
		t.Errorf("status %q after %v, want PAUSED", got, statusEvery)
	}
	clock.advance(toastFor)
	UpdateHUD(e)
	if got := GetOrCreateToast(e).Text; got != "" {
		t.Errorf("toast %q still shown after %v", got, toastFor)
	}
}

func TestHoverTooltip(t *testing.T) {
	e, es, _ := inputView(t, false)
	x, y := scr(10, 0) // e1
	HandleInput(e, components.InputData{X: x, Y: y})
	want := Tooltip(e.World.Entry(es[1]))
	if got := HoverTooltip(e); got != want || !strings.HasPrefix(got, "event OrderPaid · order-1 · seq 2\n") {
		t.Errorf("tooltip %q, want %q", got, want)
	}
	HandleInput(e, components.InputData{X: 50, Y: 50})
	if got := HoverTooltip(e); got != "" {
		t.Errorf("tooltip over empty space: %q", got)
	}
	// Over a panel nothing is hovered, even where a node is under the panel.
	HandleInput(e, components.InputData{X: x, Y: 600 - 5})
	if got := GetOrCreatePointer(e).Hovered; got != donburi.Null {
		t.Errorf("hovered %v through the status bar", got)
	}
}

// The key table is what the help overlay lists: every row the window has had since the
// help existed is there, in this order (new rows may come between them), and every keyed
// row acts.
func TestKeyTable(t *testing.T) {
	want := []string{"drag", "wheel", "+ / -", "arrows", "click", "f", "l", "space",
		"p", ", / .", "[ / ]", "Home / End", "drag bar", "i", "c", "s", "/",
		"a", "t", "y", "PgUp / PgDn", "Esc", "h"}
	var names []string
	seen := map[components.Key]string{}
	for _, b := range KeyTable() {
		names = append(names, b.Name)
		if b.Help == "" {
			t.Errorf("%s: no help text", b.Name)
		}
		if len(b.Keys) > 0 && b.Press == nil && b.Hold == nil {
			t.Errorf("%s: keys without an action", b.Name)
		}
		if len(b.Keys) == 0 && (b.Press != nil || b.Hold != nil) {
			t.Errorf("%s: an action without keys", b.Name)
		}
		for _, k := range b.Keys {
			if other, ok := seen[k]; ok {
				t.Errorf("key %d bound by both %s and %s", k, other, b.Name)
			}
			seen[k] = b.Name
		}
	}
	i := 0
	for _, n := range names {
		if i < len(want) && n == want[i] {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("key table %q lacks %q (or has it out of order)", names, want[i])
	}
}

// Every kind has a complete row in the kind table and an archetype carrying its component.
func TestKindTable(t *testing.T) {
	kindComponent := map[components.ElementKind]donburi.IComponentType{
		components.ElementEvent: components.Event, components.ElementObject: components.Object, components.ElementRejected: components.Rejected,
	}
	if got := Kinds(); !slices.Equal(got, []components.ElementKind{components.ElementEvent, components.ElementObject, components.ElementRejected}) {
		t.Fatalf("kinds %v", got)
	}
	w := donburi.NewWorld()
	for _, k := range Kinds() {
		row := Kind(k)
		if row.Look == nil || row.Label == nil || row.Tooltip == nil || row.Inspect == nil || row.Lines == nil || row.Status == nil || row.TypeLabel == "" || len(row.Legend) == 0 {
			t.Errorf("%v: incomplete row %+v", k, row)
			continue
		}
		d := components.DddElementData{Kind: k}
		if v := row.Look(&d); v.Size <= 0 || v.BaseColor.A == 0 {
			t.Errorf("%v looks like %+v", k, v)
		}
		a := archetypes.For(k)
		if a == nil {
			t.Fatalf("%v has no archetype", k)
		}
		entry := a.Spawn(w)
		for _, c := range []donburi.IComponentType{components.DddElement, components.GraphNodeVisual, components.Position,
			components.Interaction, components.Edges, kindComponent[k]} {
			if !entry.HasComponent(c) {
				t.Errorf("%v archetype lacks %s", k, c.Name())
			}
		}
	}
	if Kind(0).Status(&components.InspectorInfo{}) != "unknown" || archetypes.For(0) != nil {
		t.Error("an unknown kind has a row or an archetype")
	}
	// Legend rows come from the kind table, the event row naming the colour mode.
	if l := LegendNodes(components.ColorByType); len(l) != 5 || l[0].Label != "event (colour: type)" || l[4].Shape != components.ShapeWarning {
		t.Errorf("legend %+v", l)
	}
}

func TestPictureCache(t *testing.T) {
	e, es, _ := inputView(t, false)
	steps := []PictureUse{PictureDraw, PictureDraw, PictureStore}
	for i, want := range steps {
		if got := UsePicture(e); got != want {
			t.Fatalf("frame %d: %v, want %v", i, got, want)
		}
	}
	StoredPicture(e)
	if got := UsePicture(e); got != PictureReuse {
		t.Fatalf("after storing: %v, want reuse", got)
	}
	// A selection changes the scene's signature; a camera move or a colour mode change the key.
	for _, change := range []func(){
		func() { Select(e, es[1]); UpdateScene(e) },
		func() { GetOrCreateCamera(e).Pan(5, 0) },
		func() { GetOrCreateSettings(e).ColorMode = components.ColorByType },
	} {
		change()
		if got := UsePicture(e); got != PictureDraw {
			t.Errorf("after a change: %v, want draw", got)
		}
	}
}

// TestFitStatus: a status line too wide for its bar leaves out its lowest-priority parts
// first (ties: the later), keeps the others in order, and when the two most important parts
// alone are too wide cuts the first short with "…", keeping the key hint whole.
func TestFitStatus(t *testing.T) {
	segs := []StatusSegment{{"conn · live", prioConn}, {"12.0 events/s", prioRate}, {"20 nodes", prioNodes},
		{"60 FPS", prioFPS}, {"colour: kind", prioMode}, {"follow", prioMode}, {"h: help", prioHelp}}
	measure := func(s string) float64 { return float64(len([]rune(s))) * 7 }
	full := JoinStatus(segs)
	for _, tc := range []struct {
		width float64
		want  string
	}{
		{measure(full), full},
		{measure(full) - 1, "conn · live   12.0 events/s   20 nodes   60 FPS   colour: kind   h: help"},
		{measure("conn · live   20 nodes   h: help"), "conn · live   20 nodes   h: help"},
		{measure("conn · live   20 nodes   60 FPS   h: help"), "conn · live   20 nodes   60 FPS   h: help"}, // a shorter part fits where the longer events/s does not
		{measure("conn · live   h: help"), "conn · live   h: help"},
		{measure("conn…   h: help"), "conn…   h: help"},
		{10, "h: help"},
	} {
		got := FitStatus(segs, tc.width, measure)
		if got != tc.want {
			t.Errorf("width %v: %q, want %q", tc.width, got, tc.want)
		}
		if tc.width > 50 && measure(got) > tc.width {
			t.Errorf("width %v: %q is %v wide", tc.width, got, measure(got))
		}
	}
}
