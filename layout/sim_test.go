package layout

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// settle ticks s until it has settled (at most limit ticks) and returns the ticks run.
func settle(t testing.TB, s *Sim, limit int) int {
	t.Helper()
	for i := 0; i < limit; i++ {
		if s.Settled() {
			return i
		}
		s.Tick()
	}
	t.Fatalf("not settled after %d ticks (alpha %g)", limit, s.Alpha())
	return limit
}

func medianEdgeLength(s *Sim, g Graph, ids []NodeID) float64 {
	ls := make([]float64, 0, len(g.Edges))
	for _, e := range g.Edges {
		a, b := s.Position(ids[e[0]]), s.Position(ids[e[1]])
		ls = append(ls, math.Hypot(a.X-b.X, a.Y-b.Y))
	}
	slices.Sort(ls)
	return ls[len(ls)/2]
}

func TestDeterministic(t *testing.T) {
	run := func(workers int) []Vec2 {
		p := DefaultParams()
		p.Seed, p.Workers, p.TimeBias = 42, workers, 0.05
		s := New(p)
		g := Synthetic(2000, 3)
		ids := g.Load(s, true)
		for range 60 {
			s.Tick()
		}
		// stream a few more nodes in next to existing ones (seeded jitter)
		for i := range 40 {
			id := s.AddNode(ids[i*37], g.Groups[i*37], float64(3000+i))
			s.AddEdge(id, ids[i*37])
			s.Tick()
		}
		return slices.Clone(s.Positions())
	}
	ref := run(1)
	for _, tc := range []struct {
		name    string
		workers int
	}{
		{"one worker again", 1},
		{"two workers", 2},
		{"five workers", 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := run(tc.workers)
			if len(got) != len(ref) {
				t.Fatalf("%d positions, want %d", len(got), len(ref))
			}
			for i := range got {
				if got[i] != ref[i] {
					t.Fatalf("node %d at %v, the first run put it at %v", i, got[i], ref[i])
				}
			}
		})
	}
	t.Run("another seed differs", func(t *testing.T) {
		p := DefaultParams()
		p.Seed = 43
		s := New(p)
		a := s.AddNode(NoNode, NoGroup, 0)
		b := s.AddNode(a, NoGroup, 0)
		p.Seed = 42
		s2 := New(p)
		a2 := s2.AddNode(NoNode, NoGroup, 0)
		b2 := s2.AddNode(a2, NoGroup, 0)
		if s.Position(b) == s2.Position(b2) {
			t.Fatalf("seeds 42 and 43 placed the second node at the same point %v", s.Position(b))
		}
	})
}

func TestEnergyFallsAsLayoutSettles(t *testing.T) {
	s := New(DefaultParams())
	Synthetic(3000, 1).Load(s, false)
	var energy []float64
	for range 300 {
		energy = append(energy, s.Tick())
	}
	mean := func(from, to int) float64 {
		var sum float64
		for _, e := range energy[from:to] {
			sum += e
		}
		return sum / float64(to-from)
	}
	windows := []struct{ from, to int }{{10, 30}, {50, 70}, {100, 120}, {200, 220}, {280, 300}}
	prev := math.Inf(1)
	for _, w := range windows {
		m := mean(w.from, w.to)
		if !(m < prev) {
			t.Fatalf("mean energy of ticks %d-%d is %g, not below the previous window's %g", w.from, w.to, m, prev)
		}
		prev = m
	}
	if first, last := mean(10, 30), mean(280, 300); last > first/100 {
		t.Fatalf("energy fell only from %g to %g over 300 ticks", first, last)
	}
	settle(t, s, 100)
	// no more forces: the last velocities die out geometrically
	e := s.Tick()
	for i := range 40 {
		next := s.Tick()
		if next > e*0.5 {
			t.Fatalf("settled layout: energy went from %g to %g on tick %d", e, next, i)
		}
		e = next
	}
	if e > 1e-12 {
		t.Fatalf("settled layout still has energy %g after 40 ticks", e)
	}
}

// TestStabilityBound is the bound of issue 5: adding 1% new nodes to a settled 3,000-node
// layout moves the old nodes on average by at most 0.1 of the median edge length.
func TestStabilityBound(t *testing.T) {
	for _, tc := range []struct {
		name     string
		timeBias float64
		workers  int
	}{
		{"plain", 0, 1},
		{"time bias, two workers", 0.05, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultParams()
			p.TimeBias, p.Workers = tc.timeBias, tc.workers
			s := New(p)
			g := Synthetic(3100, 9) // the last 100 are the new ones (we use 30 of them)
			old := Graph{Nodes: 3000, Groups: g.Groups[:3000]}
			for _, e := range g.Edges {
				if e[0] < 3000 && e[1] < 3000 {
					old.Edges = append(old.Edges, e)
				}
			}
			ids := old.Load(s, true)
			settle(t, s, 2000)
			before := slices.Clone(s.Positions()[:len(ids)])
			median := medianEdgeLength(s, old, ids)

			// 1% new nodes: the next 30 events of the synthetic stream, each placed next to its
			// predecessor and linked to it and to its cross parent, one per tick as they stream.
			all := slices.Clone(ids)
			for i := int32(3000); i < 3030; i++ {
				var near NodeID = NoNode
				var links []NodeID
				for _, e := range g.Edges {
					if e[0] == i {
						links = append(links, all[e[1]])
						if near == NoNode {
							near = all[e[1]]
						}
					}
				}
				id := s.AddNode(near, g.Groups[i], float64(i))
				for _, l := range links {
					s.AddEdge(id, l)
				}
				all = append(all, id)
				s.Tick()
			}
			ticks := settle(t, s, 2000)

			var moved float64
			for i, id := range ids {
				q := s.Position(id)
				moved += math.Hypot(q.X-before[i].X, q.Y-before[i].Y)
			}
			moved /= float64(len(ids))
			t.Logf("old nodes moved %.3f on average (median edge %.2f, ratio %.4f) over %d+30 ticks",
				moved, median, moved/median, ticks)
			if moved > 0.1*median {
				t.Fatalf("old nodes moved %.3f on average, more than 0.1 × the median edge length %.2f", moved, median)
			}
			if moved == 0 {
				t.Fatalf("old nodes did not move at all: the new nodes' neighbourhoods were not reheated")
			}
		})
	}
}

func TestRemoveNodeAndIDReuse(t *testing.T) {
	s := New(DefaultParams())
	a := s.AddNode(NoNode, NoGroup, 0)
	b := s.AddNode(a, NoGroup, 1)
	c := s.AddNode(b, NoGroup, 2)
	s.AddEdge(a, b)
	s.AddEdge(b, c)
	s.AddEdge(a, c)
	for range 5 {
		s.Tick()
	}
	s.RemoveNode(b)
	tests := []struct {
		name      string
		got, want int
	}{
		{"live nodes after removal", s.Len(), 2},
		{"degree of a (spring to b dropped)", s.Degree(a), 1},
		{"degree of c (spring to b dropped)", s.Degree(c), 1},
		{"degree of removed b", s.Degree(b), 0},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %d, want %d", tc.name, tc.got, tc.want)
		}
	}
	s.RemoveNode(b) // twice: ignored
	if s.Len() != 2 {
		t.Fatalf("removing b twice left %d nodes, want 2", s.Len())
	}
	d := s.AddNode(a, NoGroup, 3)
	if d != b {
		t.Fatalf("new node got ID %d, want the freed ID %d", d, b)
	}
	if s.Degree(d) != 0 {
		t.Fatalf("reused ID starts with %d springs, want 0", s.Degree(d))
	}
	if e := s.AddNode(a, NoGroup, 4); e != 3 {
		t.Fatalf("after the free list is used up the next ID is %d, want 3", e)
	}
	for range 20 {
		s.Tick()
	}
	for _, id := range []NodeID{a, c, d} {
		if p := s.Position(id); !finite(p.X) || !finite(p.Y) {
			t.Fatalf("node %d at %v", id, p)
		}
	}
}

func TestInvalidIDsAreIgnored(t *testing.T) {
	s := New(DefaultParams())
	a := s.AddNode(NoNode, NoGroup, 0)
	gone := s.AddNode(a, NoGroup, 0)
	s.RemoveNode(gone)
	for _, id := range []NodeID{NoNode, -7, gone, 99, math.MaxInt32} {
		s.AddEdge(a, id)
		s.AddEdge(id, a)
		s.RemoveNode(id)
		s.Pin(id, Vec2{1, 2})
		s.Unpin(id)
		if p := s.Position(id); p != (Vec2{}) {
			t.Errorf("Position(%d) = %v, want the zero Vec2", id, p)
		}
		if n := s.AddNode(id, NoGroup, math.NaN()); n == NoNode {
			t.Errorf("AddNode next to invalid %d failed", id)
		} else {
			s.RemoveNode(n)
		}
	}
	s.AddEdge(a, a)
	if s.Len() != 1 || s.Degree(a) != 0 {
		t.Fatalf("after invalid calls: %d nodes, degree %d; want 1 node of degree 0", s.Len(), s.Degree(a))
	}
	s.Pin(a, Vec2{math.NaN(), 0})
	s.Tick()
	if p := s.Position(a); !finite(p.X) {
		t.Fatalf("a NaN pin moved the node to %v", p)
	}
}

func TestPinHoldsNode(t *testing.T) {
	s := New(DefaultParams())
	g := Synthetic(200, 2)
	ids := g.Load(s, false)
	target := Vec2{500, -300}
	nb := s.adj[ids[10]][0]
	dist := func() float64 { q := s.Position(nb); return math.Hypot(q.X-target.X, q.Y-target.Y) }
	before := dist()
	s.Pin(ids[10], target)
	for range 100 {
		s.Tick()
	}
	if got := s.Position(ids[10]); got != target {
		t.Fatalf("pinned node at %v, want %v", got, target)
	}
	// its neighbours were pulled towards the pin
	if after := dist(); after > before/2 {
		t.Fatalf("neighbour %d was %.0f from the pin, now %.0f: not pulled along", nb, before, after)
	}
	s.Unpin(ids[10])
	s.Tick()
	s.Tick()
	if got := s.Position(ids[10]); got == target {
		t.Fatalf("unpinned node did not move from %v", got)
	}
}

// chains returns a graph of aggregates: `chains` chains of `length` events interleaved in
// time, each event linked to its predecessor, plus a few cross edges between chains.
func chains(nchains, length int, crossFrac float64, seed uint64) Graph {
	rng := rand.New(rand.NewPCG(seed, 1))
	g := Graph{Nodes: nchains * length}
	last := make([]int32, nchains)
	left := make([]int, nchains)
	for c := range last {
		last[c], left[c] = -1, length
	}
	for i := range int32(g.Nodes) {
		c := rng.IntN(nchains)
		for left[c] == 0 {
			c = (c + 1) % nchains
		}
		left[c]--
		g.Groups = append(g.Groups, int32(c))
		if last[c] >= 0 {
			g.Edges = append(g.Edges, [2]int32{i, last[c]})
		}
		if i > 0 && rng.Float64() < crossFrac {
			g.Edges = append(g.Edges, [2]int32{i, int32(rng.IntN(int(i)))})
		}
		last[c] = i
	}
	return g
}

// forwardFraction is the share of consecutive events of a group whose later one lies to the right.
func forwardFraction(s *Sim, g Graph, ids []NodeID) float64 {
	last := map[int32]NodeID{}
	var pairs, forward int
	for i, id := range ids {
		gr := g.Groups[i]
		if prev, ok := last[gr]; ok {
			pairs++
			if s.Position(id).X > s.Position(prev).X {
				forward++
			}
		}
		last[gr] = id
	}
	return float64(forward) / float64(pairs)
}

func TestTimeBiasOrdersChains(t *testing.T) {
	g := chains(24, 30, 0.05, 4)
	measure := func(bias float64) float64 {
		p := DefaultParams()
		p.TimeBias = bias
		s := New(p)
		ids := g.Load(s, true)
		settle(t, s, 2000)
		for _, id := range ids {
			if q := s.Position(id); !finite(q.X) || !finite(q.Y) {
				t.Fatalf("time bias %g: node %d at %v", bias, id, q)
			}
		}
		return forwardFraction(s, g, ids)
	}
	off := measure(0)
	for _, tc := range []struct {
		bias    float64
		minFrac float64
	}{
		{0.3, 0.9},
		{1, 0.9},
		{50, 0.9}, // clamped to 1: still stable
	} {
		frac := measure(tc.bias)
		t.Logf("time bias %g: %.3f of consecutive pairs run along +X (%.3f without)", tc.bias, frac, off)
		if frac < tc.minFrac || frac < off+0.2 {
			t.Errorf("time bias %g: %.3f of consecutive pairs run along +X, want at least %.2f (and well above %.3f without the bias)",
				tc.bias, frac, tc.minFrac, off)
		}
	}
}

func TestTickAllocatesNothing(t *testing.T) {
	for _, workers := range []int{1, 2} {
		p := DefaultParams()
		p.Workers = workers
		s := New(p)
		Synthetic(5000, 1).Load(s, false)
		s.Tick()
		s.Tick()
		if n := testing.AllocsPerRun(20, func() { s.Tick() }); n != 0 {
			t.Errorf("%d workers: %v allocations per tick, want 0", workers, n)
		}
	}
}

func TestParamsDefaults(t *testing.T) {
	d := DefaultParams()
	tests := []struct {
		name string
		in   Params
		want func(Params) bool
	}{
		{"zero params take the defaults", Params{}, func(p Params) bool {
			w := d
			return p == w
		}},
		{"NaN theta and negative decay are replaced", Params{Theta: math.NaN(), VelocityDecay: -1}, func(p Params) bool {
			return p.Theta == d.Theta && p.VelocityDecay == d.VelocityDecay
		}},
		{"set values are kept", Params{Theta: 0.5, Charge: -10, TimeBias: 0.2, Seed: 7, Workers: 3}, func(p Params) bool {
			return p.Theta == 0.5 && p.Charge == -10 && p.TimeBias == 0.2 && p.Seed == 7 && p.Workers == 3
		}},
		{"negative time bias is off", Params{TimeBias: -1}, func(p Params) bool { return p.TimeBias == 0 }},
	}
	for _, tc := range tests {
		if got := New(tc.in).Params(); !tc.want(got) {
			t.Errorf("%s: got %+v", tc.name, got)
		}
	}
}
