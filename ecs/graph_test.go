package ecs_test

import (
	"math"
	"slices"
	"testing"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/ecs"
)

func TestEventSpawnsNode(t *testing.T) {
	g, b := newGraph(t, ecs.Config{}, 16)
	feed(t, g, b, event(7, "order-1", "e1", ""), event(8, "order-1", "e2", "e1"))
	en := entry(t, g, "e2")
	for _, c := range []donburi.IComponentType{components.DddElement, components.GraphNodeVisual,
		components.Position, components.Interaction, components.Edges, components.Event} {
		if !en.HasComponent(c) {
			t.Errorf("event lacks component %s", c.Name())
		}
	}
	d := components.DddElement.GetValue(en)
	ev := components.Event.GetValue(en)
	if d.Kind != components.ElementEvent || d.CID != cidOf("e2") || d.Seq != 8 || d.AggregateID != "order-1" ||
		d.Type != "Happened" || ev.PreviousCID != cidOf("e1") || ev.PayloadSize != 10 || d.Index < 0 {
		t.Errorf("DddElement = %+v, Event = %+v", d, ev)
	}
	v := components.GraphNodeVisual.GetValue(en)
	want := components.GraphNodeVisualData{BaseColor: components.EventBlue(), HighlightColor: components.EventCyan(), Size: 0.5, Shape: components.ShapeDiamond}
	if v != want {
		t.Errorf("visual = %+v, want %+v", v, want)
	}
	s := g.Stats()
	if s.Events != 2 || s.LastSeq != 8 || s.Held != 0 || s.Connection != ecs.StatusConnecting {
		t.Errorf("stats = %+v", s)
	}
}

// TestOrdering feeds the same DAG in different orders: every order ends with the same nodes
// and edges and nothing held, and children wait while what they point at is missing.
func TestOrdering(t *testing.T) {
	// a1 ← a2 ← a3 (aggregate a), b1 ← b2 (aggregate b), b2 has parents a2 and a3;
	// objects o1 ← o2 (versions), f1 a file; links o2 -Contains→ f1, f1 -DerivedFrom→ o1.
	msgs := map[string]ecs.Message{
		"a1": event(1, "a", "a1", ""),
		"a2": event(2, "a", "a2", "a1"),
		"a3": event(3, "a", "a3", "a2"),
		"b1": event(4, "b", "b1", ""),
		"b2": event(5, "b", "b2", "b1", "a2", "a3"),
		"o1": object("o1", ecs.ObjectValue, ""),
		"o2": object("o2", ecs.ObjectValue, "o1"),
		"f1": object("f1", ecs.ObjectFile, ""),
		"L1": link("o2", "f1", "Contains"),
		"L2": link("f1", "o1", "DerivedFrom"),
	}
	names := []string{"a1", "a2", "a3", "b1", "b2", "o1", "o2", "f1"}
	wantEdges := map[string][]string{
		"a1": nil,
		"a2": {"prev:a1"},
		"a3": {"prev:a2"},
		"b1": nil,
		"b2": {"prev:b1", "parent:a2", "parent:a3"},
		"o1": nil,
		"o2": {"prev:o1", "link(Contains):f1"},
		"f1": {"link(DerivedFrom):o1"},
	}
	tests := []struct {
		name  string
		order []string
		held  []int // Held after each message
	}{
		{"stream order", []string{"a1", "a2", "a3", "b1", "b2", "o1", "o2", "f1", "L1", "L2"},
			[]int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"child before parent", []string{"a2", "a1", "a3", "b2", "b1", "o2", "o1", "f1", "L1", "L2"},
			[]int{1, 0, 0, 1, 0, 1, 0, 0, 0, 0}},
		{"chain of held nodes", []string{"b2", "a3", "a2", "b1", "a1", "L2", "L1", "o2", "f1", "o1"},
			[]int{1, 2, 3, 3, 0, 1, 2, 3, 3, 0}},
		{"links first", []string{"L1", "L2", "f1", "o2", "o1", "a1", "a2", "a3", "b1", "b2"},
			[]int{1, 2, 2, 3, 0, 0, 0, 0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, b := newGraph(t, ecs.Config{}, 4)
			for i, n := range tc.order {
				feed(t, g, b, msgs[n])
				if got := g.Stats().Held; got != tc.held[i] {
					t.Errorf("after %s: held %d, want %d", n, got, tc.held[i])
				}
			}
			if got := nodeCount(g); got != len(names) {
				t.Errorf("%d nodes, want %d", got, len(names))
			}
			for _, n := range names {
				if got := edgesOf(t, g, n, names); !slices.Equal(got, wantEdges[n]) {
					t.Errorf("%s edges = %v, want %v", n, got, wantEdges[n])
				}
			}
			s := g.Stats()
			if s.Events != 5 || s.Objects != 3 || s.Links != 2 || s.Held != 0 || s.LastSeq != 5 {
				t.Errorf("stats = %+v", s)
			}
		})
	}
}

func TestDuplicatesIgnored(t *testing.T) {
	tests := []struct {
		name      string
		msgs      []ecs.Message
		wantNodes int
		wantDup   int
		wantHeld  int
	}{
		{"event twice", []ecs.Message{event(1, "a", "e1", ""), event(1, "a", "e1", "")}, 1, 1, 0},
		{"held event twice", []ecs.Message{event(2, "a", "e2", "e1"), event(2, "a", "e2", "e1")}, 0, 1, 1},
		{"object twice", []ecs.Message{object("o", ecs.ObjectValue, ""), object("o", ecs.ObjectValue, "")}, 1, 1, 0},
		{"rejected twice", []ecs.Message{rejected(9, "a", "bad CID"), rejected(9, "a", "bad CID")}, 1, 1, 0},
		{"rejected without sequence twice", []ecs.Message{rejected(0, "", "junk"), rejected(0, "", "junk")}, 2, 0, 0},
		{"link twice", []ecs.Message{object("x", ecs.ObjectValue, ""), object("y", ecs.ObjectValue, ""),
			link("x", "y", "References"), link("x", "y", "References")}, 2, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, b := newGraph(t, ecs.Config{}, 8)
			feed(t, g, b, tc.msgs...)
			if got := nodeCount(g); got != tc.wantNodes {
				t.Errorf("%d nodes, want %d", got, tc.wantNodes)
			}
			if got := g.Duplicates(); got != tc.wantDup {
				t.Errorf("%d duplicates, want %d", got, tc.wantDup)
			}
			if got := g.Stats().Held; got != tc.wantHeld {
				t.Errorf("held %d, want %d", got, tc.wantHeld)
			}
			if got := g.Stats().Links; got > 1 {
				t.Errorf("%d links, want at most 1", got)
			}
		})
	}
}

func TestRejectedBesideAggregate(t *testing.T) {
	g, b := newGraph(t, ecs.Config{}, 8)
	feed(t, g, b, event(1, "acct", "e1", ""), event(2, "acct", "e2", "e1"),
		rejected(3, "acct", "fork: previous_cid is not the latest event"),
		rejected(4, "", "junk: not DAG-CBOR"))
	type warning struct {
		d components.DddElementData
		r components.RejectedData
		p components.PositionData
	}
	var warn []warning
	for en := range components.DddElement.Iter(g.World()) {
		d := components.DddElement.GetValue(en)
		if d.Kind != components.ElementRejected {
			continue
		}
		warn = append(warn, warning{d, components.Rejected.GetValue(en), components.Position.GetValue(en)})
		v := components.GraphNodeVisual.GetValue(en)
		if v.Shape != components.ShapeWarning || v.BaseColor != components.RejectedRed() || v.HighlightColor != components.RejectedWhite() {
			t.Errorf("rejected seq %d looks like %+v", d.Seq, v)
		}
		if len(components.Edges.Get(en).Out) != 0 {
			t.Errorf("rejected seq %d has DAG edges", d.Seq)
		}
	}
	if len(warn) != 2 {
		t.Fatalf("%d rejected nodes, want 2", len(warn))
	}
	slices.SortFunc(warn, func(a, b warning) int { return int(a.d.Seq) - int(b.d.Seq) })
	w, wr := warn[0].d, warn[0].r
	if w.Seq != 3 || w.AggregateID != "acct" || wr.Reason != "fork: previous_cid is not the latest event" ||
		wr.Subject != "event.store.acct.X" || w.CID.Defined() {
		t.Errorf("rejected entry = %+v, %+v", w, wr)
	}
	if warn[1].d.Seq != 4 || warn[1].d.AggregateID != "" {
		t.Errorf("rejected entry without aggregate = %+v", warn[1].d)
	}
	s := g.Stats()
	if s.Rejected != 2 || s.Events != 2 || s.LastSeq != 4 {
		t.Errorf("stats = %+v", s)
	}
	// Beside the aggregate's latest event: within two spring lengths of e2.
	latest := components.Position.GetValue(entry(t, g, "e2"))
	if dist := math.Hypot(warn[0].p.X-latest.X, warn[0].p.Y-latest.Y); dist > 60 {
		t.Errorf("rejected node is %.1f from its aggregate's latest event, want ≤ 60", dist)
	}
}
