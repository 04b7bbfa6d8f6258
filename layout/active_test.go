package layout

import (
	"slices"
	"testing"
)

// hiddenLater builds, from Synthetic(n), a layout of its first k nodes and their edges; with
// later it also adds the other n-k nodes and their edges (later in time, as a replay's hidden
// nodes are) and, with hide, takes them out of the layout.
func hiddenLater(t *testing.T, workers, n, k int, later, hide bool) (*Sim, []NodeID) {
	t.Helper()
	p := DefaultParams()
	p.Seed, p.Workers, p.TimeBias = 7, workers, 0.05
	s := New(p)
	g := Synthetic(n, 5)
	ids := make([]NodeID, 0, n)
	add := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ids = append(ids, s.AddNode(NoNode, g.Groups[i], float64(i)))
		}
		for _, e := range g.Edges {
			if int(e[0]) >= lo && int(e[0]) < hi { // edges point from the newer end
				s.AddEdge(ids[e[0]], ids[e[1]])
			}
		}
	}
	add(0, k)
	if later {
		add(k, n)
		if hide {
			for _, id := range ids[k:] {
				s.SetActive(id, false)
			}
		}
	}
	return s, ids
}

// TestHiddenNodesDoNotAct: the visible nodes of a layout whose later nodes are out of it
// (SetActive false) end exactly where a layout that never had those nodes puts them, while
// the hidden nodes stay where they were; with the later nodes in the layout the visible ones
// end elsewhere (what the check would catch). Put back, the hidden nodes move again.
func TestHiddenNodesDoNotAct(t *testing.T) {
	const n, k, ticks = 1500, 900, 120
	for _, workers := range []int{1, 2} {
		ref, refIDs := hiddenLater(t, workers, n, k, false, false)
		hid, ids := hiddenLater(t, workers, n, k, true, true)
		all, _ := hiddenLater(t, workers, n, k, true, false)
		before := slices.Clone(hid.Positions())
		for range ticks {
			ref.Tick()
			hid.Tick()
			all.Tick()
		}
		for i := range k {
			if got, want := hid.Position(ids[i]), ref.Position(refIDs[i]); got != want {
				t.Fatalf("workers %d: visible node %d at %v with the later nodes hidden, %v without them", workers, i, got, want)
			}
		}
		moved := 0
		for i := range k {
			if all.Position(ids[i]) != ref.Position(refIDs[i]) {
				moved++
			}
		}
		if moved < k/2 {
			t.Fatalf("workers %d: with the later nodes in the layout only %d of %d visible nodes moved elsewhere", workers, moved, k)
		}
		for i := k; i < n; i++ {
			if got := hid.Position(ids[i]); got != before[ids[i]] {
				t.Fatalf("workers %d: hidden node %d moved from %v to %v", workers, i, before[ids[i]], got)
			}
			if hid.Active(ids[i]) {
				t.Fatalf("workers %d: hidden node %d reports active", workers, i)
			}
		}
		for _, id := range ids[k:] {
			hid.SetActive(id, true)
		}
		for range 5 {
			hid.Tick()
		}
		still := 0
		for i := k; i < n; i++ {
			if hid.Position(ids[i]) == before[ids[i]] {
				still++
			}
		}
		if still > 0 {
			t.Fatalf("workers %d: %d of %d nodes put back did not move", workers, still, n-k)
		}
	}
}

// TestSetActiveEdges: invalid IDs are ignored, a removed hidden node does not stay counted
// (a node placed in its slot is active), and hiding every node leaves a tick with no forces.
func TestSetActiveEdges(t *testing.T) {
	s := New(DefaultParams())
	a := s.AddNode(NoNode, NoGroup, 0)
	b := s.AddNode(a, NoGroup, 1)
	s.AddEdge(a, b)
	s.SetActive(NoNode, false)
	s.SetActive(99, false)
	s.SetActive(b, false)
	s.SetActive(b, false) // twice: counted once
	if s.offN != 1 || s.Active(b) || !s.Active(a) {
		t.Fatalf("after hiding b: offN %d, b active %v, a active %v", s.offN, s.Active(b), s.Active(a))
	}
	s.RemoveNode(b)
	if s.offN != 0 {
		t.Fatalf("after removing hidden b: offN %d, want 0", s.offN)
	}
	c := s.AddNode(a, NoGroup, 2) // takes b's slot
	if c != b || !s.Active(c) {
		t.Fatalf("new node %d in slot %d: active %v", c, b, s.Active(c))
	}
	s.SetActive(a, false)
	s.SetActive(c, false)
	pa, pc := s.Position(a), s.Position(c)
	for range 10 {
		s.Tick()
	}
	if s.Position(a) != pa || s.Position(c) != pc {
		t.Fatalf("every node hidden, yet they moved: %v→%v, %v→%v", pa, s.Position(a), pc, s.Position(c))
	}
}
