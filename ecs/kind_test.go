package ecs_test

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"slices"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/archetypes"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/systems"
)

// A test-only node kind, written the way docs/visual-model.md ("Adding a node kind") says a
// new kind is: its component, its KindData and its row, in one place.

const elementProbe components.ElementKind = 40

// probeData is a probe node's own component: a sensor reading.
type probeData struct {
	Reading string
	Level   int
}

var probe = donburi.NewComponentType[probeData]()

// SetOn implements ecs.KindData.
func (p *probeData) SetOn(entry *donburi.Entry) { probe.SetValue(entry, *p) }

var probeMagenta = components.GraphNodeVisualData{BaseColor: color.RGBA{0xcc, 0x33, 0xcc, 0xff}, HighlightColor: components.EventCyan(), Size: 0.5, Shape: components.ShapeCircle}

var probeKind = systems.KindInfo{
	Kind:      elementProbe,
	Name:      "probe",
	Archetype: archetypes.New(probe),
	Look:      func(*components.DddElementData) components.GraphNodeVisualData { return probeMagenta },
	Legend:    []systems.LegendNode{{Label: "probe", Shape: components.ShapeCircle, Color: probeMagenta.BaseColor}},
	Label: func(entry *donburi.Entry, _ *components.DddElementData) string {
		return "probe " + probe.Get(entry).Reading
	},
	Tooltip: func(b *strings.Builder, entry *donburi.Entry, _ *components.DddElementData) {
		fmt.Fprintf(b, " · level %d", probe.Get(entry).Level)
	},
	Inspect: func(info *components.InspectorInfo, entry *donburi.Entry) {
		p := probe.Get(entry)
		info.Fields = append(info.Fields, components.Field{Label: "reading", Value: p.Reading}, components.Field{Label: "level", Value: fmt.Sprint(p.Level)})
	},
	Status:    func(*components.InspectorInfo) string { return "probe: reading not verified" },
	TypeLabel: "sensor",
}

// TestTestOnlyKind registers a kind through the kind table and checks, without a display,
// that its nodes spawn with their archetype and look, wait for a missing parent, are picked,
// labelled, tooltipped, inspected, in the legend and counted in the status bar.
func TestTestOnlyKind(t *testing.T) {
	kinds, err := systems.DefaultKinds().With(&probeKind)
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds.Kinds(); !slices.Equal(got, []components.ElementKind{components.ElementEvent, components.ElementObject, components.ElementRejected, elementProbe}) {
		t.Fatalf("kinds %v", got)
	}
	if slices.Contains(systems.DefaultKinds().Kinds(), elementProbe) {
		t.Fatal("With changed the default table")
	}
	g, b := newGraph(t, ecs.Config{Kinds: kinds}, 16)
	probeMsg := &ecs.NodeMsg{
		Kind: elementProbe, CID: cidOf("p1"), Seq: 2, AggregateID: "order-1", Type: "thermo",
		Parents: []cid.Cid{cidOf("e1")}, Timestamp: 5, Own: &probeData{Reading: "hot", Level: 7},
	}
	// The probe arrives before its parent: it waits, then spawns with the edge.
	feed(t, g, b, probeMsg)
	if _, ok := g.Lookup(cidOf("p1")); ok {
		t.Fatal("the probe spawned before its parent")
	}
	feed(t, g, b, event(1, "order-1", "e1", ""),
		&ecs.NodeMsg{Kind: 41, CID: cidOf("p2"), Own: &probeData{}}) // a kind the table lacks
	if _, ok := g.Lookup(cidOf("p2")); ok {
		t.Error("a node of a kind not in the table spawned")
	}
	pe := entry(t, g, "p1")
	if !pe.HasComponent(probe) || probe.Get(pe).Reading != "hot" {
		t.Fatalf("the probe lacks its component or value (has it: %v)", pe.HasComponent(probe))
	}
	for _, c := range []donburi.IComponentType{components.DddElement, components.GraphNodeVisual, components.Position, components.Interaction, components.Edges} {
		if !pe.HasComponent(c) {
			t.Errorf("the probe lacks %s", c.Name())
		}
	}
	if d := components.DddElement.Get(pe); d.Kind != elementProbe || d.Seq != 2 || d.Type != "thermo" || d.Index < 0 {
		t.Errorf("probe element %+v", d)
	}
	if v := components.GraphNodeVisual.GetValue(pe); v != probeMagenta {
		t.Errorf("probe look %+v, want %+v", v, probeMagenta)
	}
	if got := edgesOf(t, g, "p1", []string{"e1"}); !slices.Equal(got, []string{"parent:e1"}) {
		t.Errorf("probe edges %v", got)
	}

	// Label, tooltip and legend come from the row.
	if got := systems.Label(pe); !strings.HasPrefix(got, "probe hot …") {
		t.Errorf("label %q", got)
	}
	if got, want := systems.Tooltip(pe), "probe · level 7\n"+cidOf("p1").String(); got != want {
		t.Errorf("tooltip %q, want %q", got, want)
	}
	legend := systems.KindsOf(g.World()).Legend(components.ColorByKind)
	if l := legend[len(legend)-1]; l.Label != "probe" || l.Color != probeMagenta.BaseColor {
		t.Errorf("legend %+v", legend)
	}

	// Picked at its centre on the screen, and inspected when selected.
	e := g.ECS()
	systems.Setup(e, systems.Options{Width: 800, Height: 600})
	systems.UpdateScene(e)
	scene := systems.SceneOf(e)
	// The status bar counts the probes beside the events and objects.
	if line := systems.StatusLine(e); !strings.Contains(line, "2 nodes (") || !strings.Contains(line, " objects, 1 probes)") {
		t.Errorf("status line %q does not count the probe", line)
	}
	idx := scene.Index(pe.Entity())
	if idx < 0 {
		t.Fatal("the probe is not in the scene")
	}
	n := scene.Nodes[idx]
	if n.Kind != elementProbe || n.Shape != components.ShapeCircle {
		t.Errorf("scene node %+v", n)
	}
	sx, sy := systems.GetOrCreateCamera(e).WorldToScreen(n.X, n.Y)
	if got := systems.PickAt(e, sx, sy); got != idx {
		t.Fatalf("PickAt(%.0f, %.0f) = %d, want the probe's %d", sx, sy, got, idx)
	}
	systems.Select(e, scene.Nodes[idx].Entity)
	lines := systems.SelectionLines(e)
	var text []string
	for _, l := range lines {
		text = append(text, l.Label+"="+l.Value)
	}
	for _, want := range []string{"=PROBE", "aggregate=order-1", "sensor=thermo", "sequence=2", "reading=hot", "level=7", "status=probe: reading not verified"} {
		if !slices.Contains(text, want) {
			t.Errorf("inspector lines %q lack %q", text, want)
		}
	}
	if slices.ContainsFunc(text, func(s string) bool { return strings.HasPrefix(s, "payload=") || strings.HasPrefix(s, "children=") }) {
		t.Errorf("inspector lines %q have payload or children rows the row did not ask for", text)
	}
}

// TestKindTableRefusesBadRows: With takes no row without a kind, name, archetype or look,
// nor one whose kind the table has; a NodeMsg of a built-in kind, or without a value, is
// refused by the bridge.
func TestKindTableRefusesBadRows(t *testing.T) {
	for _, row := range []*systems.KindInfo{
		nil,
		{Kind: 0, Name: "zero", Archetype: probeKind.Archetype, Look: probeKind.Look},
		{Kind: 42, Archetype: probeKind.Archetype, Look: probeKind.Look},
		{Kind: 42, Name: "bare"},
		{Kind: components.ElementObject, Name: "object again", Archetype: probeKind.Archetype, Look: probeKind.Look},
	} {
		if _, err := systems.DefaultKinds().With(row); !errors.Is(err, systems.ErrKind) {
			t.Errorf("With(%+v) = %v, want ErrKind", row, err)
		}
	}
	b := ecs.NewBridge(4)
	for _, m := range []*ecs.NodeMsg{
		{Kind: components.ElementEvent, CID: cidOf("x"), Own: &probeData{}},
		{Kind: elementProbe, Own: &probeData{}},
		{Kind: elementProbe, CID: cidOf("x")},
		{CID: cidOf("x"), Own: &probeData{}},
	} {
		if err := b.Send(context.Background(), m); !errors.Is(err, ecs.ErrInvalidMessage) {
			t.Errorf("Send(%+v) = %v, want ErrInvalidMessage", m, err)
		}
	}
}
