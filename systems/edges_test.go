package systems

import (
	"testing"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
)

func newNodes(w donburi.World, n int) []donburi.Entity {
	out := make([]donburi.Entity, n)
	for i := range out {
		out[i] = w.Create(components.DddElement, components.Edges)
	}
	return out
}

func outOf(w donburi.World, e donburi.Entity) []components.Edge {
	return components.Edges.Get(w.Entry(e)).Out
}

func inOf(w donburi.World, e donburi.Entity) []donburi.Entity {
	return components.Edges.Get(w.Entry(e)).In
}

func TestLink(t *testing.T) {
	w := donburi.NewWorld()
	n := newNodes(w, 3)
	bare := w.Create(components.DddElement) // no Edges component
	tests := []struct {
		name     string
		from, to donburi.Entity
		kind     components.EdgeKind
		label    string
		want     bool
	}{
		{"first edge", n[0], n[1], components.EdgePrevious, "", true},
		{"same edge again", n[0], n[1], components.EdgePrevious, "", false},
		{"other kind to the same node", n[0], n[1], components.EdgeParent, "", true},
		{"link with a label", n[0], n[2], components.EdgeLink, "Contains", true},
		{"same link, other label", n[0], n[2], components.EdgeLink, "References", true},
		{"same link, same label", n[0], n[2], components.EdgeLink, "Contains", false},
		{"target without Edges", n[0], bare, components.EdgeLink, "x", false},
		{"invalid target", n[0], donburi.Null, components.EdgeLink, "x", false},
	}
	for _, tc := range tests {
		if got := Link(w, tc.from, tc.to, tc.kind, tc.label); got != tc.want {
			t.Errorf("%s: Link = %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := len(outOf(w, n[0])); got != 4 {
		t.Errorf("n0 has %d out edges, want 4", got)
	}
	// one back reference per source, however many edges it has to the target
	if got := inOf(w, n[1]); len(got) != 1 || got[0] != n[0] {
		t.Errorf("n1.In = %v, want [n0]", got)
	}
	if got := inOf(w, n[2]); len(got) != 1 || got[0] != n[0] {
		t.Errorf("n2.In = %v, want [n0]", got)
	}
}

func TestUnlink(t *testing.T) {
	tests := []struct {
		name      string
		remove    int // index of the node that leaves
		wantLinks int
		// out edge counts of each node afterwards (the removed one included: 0)
		wantOut []int
		wantIn  []int
	}{
		// n0 → n1 (previous), n0 → n2 (link), n1 → n2 (link), n2 → n2 (self link)
		{"target of previous", 1, 1, []int{1, 0, 1}, []int{0, 0, 2}},
		{"source of edges", 0, 1, []int{0, 1, 1}, []int{0, 0, 2}},
		{"target of two links and a self link", 2, 3, []int{1, 0, 0}, []int{0, 1, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := donburi.NewWorld()
			n := newNodes(w, 3)
			Link(w, n[0], n[1], components.EdgePrevious, "")
			Link(w, n[0], n[2], components.EdgeLink, "Contains")
			Link(w, n[1], n[2], components.EdgeLink, "DerivedFrom")
			Link(w, n[2], n[2], components.EdgeLink, "References")
			if got := Unlink(w, n[tc.remove]); got != tc.wantLinks {
				t.Errorf("Unlink dropped %d links, want %d", got, tc.wantLinks)
			}
			w.Remove(n[tc.remove])
			for i, e := range n {
				if i == tc.remove {
					continue
				}
				if got := len(outOf(w, e)); got != tc.wantOut[i] {
					t.Errorf("n%d has %d out edges, want %d", i, got, tc.wantOut[i])
				}
				for _, out := range outOf(w, e) {
					if !w.Valid(out.To) {
						t.Errorf("n%d keeps an edge to a removed node", i)
					}
				}
				if got := len(inOf(w, e)); got != tc.wantIn[i] {
					t.Errorf("n%d has %d back references, want %d", i, got, tc.wantIn[i])
				}
			}
		})
	}
}
