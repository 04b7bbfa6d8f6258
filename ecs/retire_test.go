package ecs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/layout"
)

// TestRetireBound streams ten times MaxNodes messages (events with cross-aggregate parents,
// object versions with links, rejected entries) from another goroutine: neither the world nor
// the layout ever holds more than MaxNodes nodes, no edge dangles, nothing stays held.
func TestRetireBound(t *testing.T) {
	for _, max := range []int{1, 7, 50} {
		t.Run(fmt.Sprint("max ", max), func(t *testing.T) {
			g, b := newGraph(t, ecs.Config{MaxNodes: max, FrameBudget: 13}, 8)
			total := 10 * max
			if total < 40 {
				total = 40
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			done := make(chan error, 1)
			go func() {
				lastOf := map[string]string{} // aggregate → its latest event
				lastEvent, lastObject := "", ""
				for i := range total {
					var m ecs.Message
					agg := fmt.Sprint("agg", i%4)
					switch {
					case i%10 == 9:
						m = rejected(uint64(i+1), agg, "forged CID")
					case i%10 == 8:
						name := fmt.Sprint("o", i)
						m = object(name, ecs.ObjectFile, lastObject)
						lastObject = name
					case i%10 == 7 && i >= 37:
						m = link(lastObject, fmt.Sprint("o", i-29), "References") // o(i-29) may be retired
					default:
						name := fmt.Sprint("e", i)
						var parents []string
						if lastEvent != "" {
							parents = append(parents, lastEvent)
						}
						m = event(uint64(i+1), agg, name, lastOf[agg], parents...)
						lastOf[agg], lastEvent = name, name
					}
					if err := b.Send(ctx, m); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
			var buf []layout.Vec2
			finished := false
			for !finished || b.Lag() > 0 {
				select {
				case err := <-done:
					if err != nil {
						t.Fatal(err)
					}
					finished = true
				default:
				}
				g.Update()
				if n := nodeCount(g); n > max {
					t.Fatalf("%d nodes in the world, max %d", n, max)
				}
				if n := g.World().Len(); n > max+1 { // + the stats singleton
					t.Fatalf("world holds %d entities, max %d+1", n, max)
				}
				// layout IDs are reused last-in first-out, so the layout's ID space (and so
				// its live node count) stays within the bound when nodes leave before others come
				if buf = g.Layout().Read(buf); len(buf) > max {
					t.Fatalf("layout has %d node slots, max %d", len(buf), max)
				}
			}
			g.Update()
			if n := nodeCount(g); n != max {
				t.Errorf("%d nodes at the end, want %d", n, max)
			}
			s := g.Stats()
			if s.Held != 0 || s.Events+s.Objects+s.Rejected != max {
				t.Errorf("stats = %+v", s)
			}
			links := 0
			for en := range components.Edges.Iter(g.World()) {
				for _, e := range components.Edges.Get(en).Out {
					if !g.World().Valid(e.To) {
						t.Fatalf("an edge points at a retired node")
					}
					if e.Kind == components.EdgeLink {
						links++
					}
				}
				for _, in := range components.Edges.Get(en).In {
					if !g.World().Valid(in) {
						t.Fatalf("a back reference names a retired node")
					}
				}
			}
			if links != s.Links {
				t.Errorf("stats count %d links, the world has %d", s.Links, links)
			}
			// retired nodes are out of the index; a late duplicate of one is ignored
			if _, ok := g.Lookup(cidOf("e0")); ok {
				t.Error("e0 still in the index")
			}
			dup := g.Duplicates()
			feed(t, g, b, event(uint64(total+1), "agg0", fmt.Sprint("e", total-5), ""))
			if g.Duplicates() != dup+1 {
				t.Error("a duplicate of a recently retired event was not ignored")
			}
		})
	}
}

// TestMaxHeld lets the oldest held node in without its missing edges once too many wait.
func TestMaxHeld(t *testing.T) {
	g, b := newGraph(t, ecs.Config{MaxHeld: 2}, 8)
	feed(t, g, b,
		event(2, "a", "a2", "a1"), // a1 never comes
		event(4, "b", "b2", "b1"),
		event(5, "b", "b3", "b2"),
	)
	s := g.Stats()
	if s.Held != 2 || s.Events != 1 {
		t.Fatalf("stats = %+v, want 2 held and the oldest (a2) let in", s)
	}
	if d := components.Event.GetValue(entry(t, g, "a2")); d.PreviousCID != cidOf("a1") {
		t.Errorf("a2 lost its PreviousCID: %+v", d)
	}
	if got := edgesOf(t, g, "a2", nil); len(got) != 0 {
		t.Errorf("a2 has edges %v, want none", got)
	}
	feed(t, g, b, event(3, "b", "b1", ""))
	if s := g.Stats(); s.Held != 0 || s.Events != 4 {
		t.Errorf("stats = %+v, want the b chain attached", s)
	}
	if got := edgesOf(t, g, "b3", []string{"b2"}); len(got) != 1 || got[0] != "prev:b2" {
		t.Errorf("b3 edges = %v", got)
	}
}

func TestObjectsAndLinks(t *testing.T) {
	g, b := newGraph(t, ecs.Config{}, 8)
	feed(t, g, b,
		object("v1", ecs.ObjectValue, ""),
		object("v2", ecs.ObjectValue, "v1"),
		object("f", ecs.ObjectFile, ""),
		link("v2", "f", "Contains"),
		link("v2", "f", "Contains"),   // duplicate link
		link("v2", "f", "References"), // same endpoints, other type: a second edge
	)
	tests := []struct {
		name  string
		shape components.Shape
		color any
		edges []string
	}{
		{"v1", components.ShapeCircle, components.ObjectGreen(), nil},
		{"v2", components.ShapeCircle, components.ObjectGreen(), []string{"prev:v1", "link(Contains):f", "link(References):f"}},
		{"f", components.ShapeSquare, components.FileOrange(), nil},
	}
	names := []string{"v1", "v2", "f"}
	for _, tc := range tests {
		v := components.GraphNodeVisual.GetValue(entry(t, g, tc.name))
		if v.Shape != tc.shape || v.BaseColor != tc.color {
			t.Errorf("%s looks like %+v", tc.name, v)
		}
		if got := edgesOf(t, g, tc.name, names); fmt.Sprint(got) != fmt.Sprint(tc.edges) {
			t.Errorf("%s edges = %v, want %v", tc.name, got, tc.edges)
		}
	}
	f, fo := elem(t, g, "f"), components.Object.GetValue(entry(t, g, "f"))
	if f.Kind != components.ElementObject || f.Type != ecs.ObjectFile || fo.ContentCID != cidOf("f/content") || fo.Size != 1<<20 {
		t.Errorf("file object = %+v, %+v", f, fo)
	}
	if s := g.Stats(); s.Objects != 3 || s.Links != 2 || s.Events != 0 {
		t.Errorf("stats = %+v", s)
	}
	// removing a node by hand (as a UI might) keeps index, edges and counts consistent
	e, _ := g.Lookup(cidOf("f"))
	g.World().Remove(e)
	g.Update()
	if s := g.Stats(); s.Objects != 2 || s.Links != 0 {
		t.Errorf("after removing f: stats = %+v", s)
	}
	if got := edgesOf(t, g, "v2", names); fmt.Sprint(got) != "[prev:v1]" {
		t.Errorf("after removing f: v2 edges = %v", got)
	}
}
