package dag

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/ipfs/go-cid"
)

// oracle is a plain adjacency-matrix reachability model, to check the DAG's answers on
// random graphs.
type oracle struct{ adj [][]bool }

func newOracle(n int) *oracle {
	o := &oracle{adj: make([][]bool, n)}
	for i := range o.adj {
		o.adj[i] = make([]bool, n)
	}
	return o
}

func (o *oracle) reaches(a, b int) bool {
	seen := make([]bool, len(o.adj))
	stack := []int{a}
	seen[a] = true
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == b {
			return true
		}
		for w, ok := range o.adj[n] {
			if ok && !seen[w] {
				seen[w] = true
				stack = append(stack, w)
			}
		}
	}
	return false
}

// dist returns the BFS distance from a to b, -1 when unreachable.
func (o *oracle) dist(a, b int) int {
	d := make([]int, len(o.adj))
	for i := range d {
		d[i] = -1
	}
	d[a] = 0
	q := []int{a}
	for len(q) > 0 {
		n := q[0]
		q = q[1:]
		for w, ok := range o.adj[n] {
			if ok && d[w] < 0 {
				d[w] = d[n] + 1
				q = append(q, w)
			}
		}
	}
	return d[b]
}

// TestRandomAgainstOracle adds random edges in every direction between nodes added in random
// order, so most edges go from older to newer nodes and exercise the order maintenance, and
// checks cycle refusal, Topo, reachability, paths and common ancestors against the oracle.
func TestRandomAgainstOracle(t *testing.T) {
	tests := []struct {
		name  string
		nodes int
		tries int
		seed  uint64
	}{
		{"sparse", 60, 150, 1},
		{"dense", 40, 600, 2},
		{"bigger", 200, 800, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(tt.seed, 99))
			d := New()
			o := newOracle(tt.nodes)
			cs := make([]cid.Cid, tt.nodes)
			for i, k := range rng.Perm(tt.nodes) {
				cs[k] = cidOf(t, fmt.Sprintf("r%d-%d", tt.seed, k))
				if !d.AddNode(cs[k], NodeInfo{Kind: KindObject}) {
					t.Fatalf("node %d (%d-th) not added", k, i)
				}
			}
			accepted, refused := 0, 0
			for range tt.tries {
				a, b := rng.IntN(tt.nodes), rng.IntN(tt.nodes)
				err := d.AddEdge(cs[a], cs[b], EdgeLink, "L")
				wantCycle := a == b || o.reaches(b, a)
				switch {
				case wantCycle && !errors.Is(err, ErrWouldCycle):
					t.Fatalf("edge %d->%d: err = %v, want ErrWouldCycle", a, b, err)
				case !wantCycle && err != nil:
					t.Fatalf("edge %d->%d: %v", a, b, err)
				case wantCycle:
					refused++
				default:
					if !o.adj[a][b] {
						accepted++
					}
					o.adj[a][b] = true
				}
			}
			if accepted == 0 || refused == 0 {
				t.Fatalf("weak test: %d accepted, %d refused", accepted, refused)
			}
			if d.EdgeCount() != accepted {
				t.Fatalf("EdgeCount = %d, want %d", d.EdgeCount(), accepted)
			}
			checkTopo(t, d)
			idx := map[cid.Cid]int{}
			for i, c := range cs {
				idx[c] = i
			}
			// reach[a][b]: a reaches b (a node reaches itself), computed once.
			reach := make([][]bool, tt.nodes)
			for a := range reach {
				reach[a] = make([]bool, tt.nodes)
				for b := range reach[a] {
					reach[a][b] = a == b || o.reaches(a, b)
				}
			}
			for a := range tt.nodes {
				anc, err := d.Ancestors(cs[a], 0)
				if err != nil {
					t.Fatal(err)
				}
				got := map[int]bool{}
				for _, c := range anc {
					got[idx[c]] = true
				}
				for b := range tt.nodes {
					if want := a != b && reach[a][b]; got[b] != want {
						t.Fatalf("Ancestors(%d) has %d: %v, want %v", a, b, got[b], want)
					}
				}
				if len(got) != len(anc) {
					t.Fatalf("Ancestors(%d) repeats nodes", a)
				}
				b := rng.IntN(tt.nodes)
				path, err := d.Path(cs[a], cs[b])
				if dist := o.dist(a, b); dist < 0 {
					if !errors.Is(err, ErrNoPath) {
						t.Fatalf("Path(%d, %d): err = %v, want ErrNoPath", a, b, err)
					}
				} else {
					if err != nil || len(path) != dist+1 || path[0] != cs[a] || path[len(path)-1] != cs[b] {
						t.Fatalf("Path(%d, %d) = %d nodes, %v; want %d", a, b, len(path), err, dist+1)
					}
					for k := 1; k < len(path); k++ {
						if !o.adj[idx[path[k-1]]][idx[path[k]]] {
							t.Fatalf("Path(%d, %d) uses a missing edge", a, b)
						}
					}
				}
				common, err := d.CommonAncestors(cs[a], cs[b])
				if err != nil {
					t.Fatal(err)
				}
				isCommon := func(x int) bool { return reach[a][x] && reach[b][x] }
				var want []int
				for x := range tt.nodes {
					if !isCommon(x) {
						continue
					}
					nearest := true
					for y := range tt.nodes {
						if y != x && isCommon(y) && reach[y][x] {
							nearest = false
							break
						}
					}
					if nearest {
						want = append(want, x)
					}
				}
				var gotCommon []int
				for _, c := range common {
					gotCommon = append(gotCommon, idx[c])
				}
				slices.Sort(gotCommon)
				if !slices.Equal(gotCommon, want) {
					t.Fatalf("CommonAncestors(%d, %d) = %v, want %v", a, b, gotCommon, want)
				}
			}
		})
	}
}

// TestLargeTraversal runs long chains so that traversals switch their visited sets from maps
// to bitsets.
func TestLargeTraversal(t *testing.T) {
	const n = 20000
	d := NewWithCapacity(n, n)
	cs := make([]cid.Cid, n)
	for i := range cs {
		cs[i] = cidOf(t, fmt.Sprintf("chain%d", i))
		prev := cid.Undef
		if i > 0 {
			prev = cs[i-1]
		}
		if err := d.AddEvent(cs[i], NodeInfo{Seq: uint64(i + 1), Aggregate: "long"}, prev, nil); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		fn    func(cid.Cid, int) ([]cid.Cid, error)
		start int
		depth int
		first int
		count int
	}{
		{"ancestors full", d.Ancestors, n - 1, 0, n - 2, n - 1},
		{"ancestors bounded", d.Ancestors, n - 1, 300, n - 2, 300},
		{"descendants full", d.Descendants, 0, 0, 1, n - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.fn(cs[tt.start], tt.depth)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.count || got[0] != cs[tt.first] {
				t.Errorf("got %d nodes starting %s; want %d starting %s", len(got), got[0], tt.count, cs[tt.first])
			}
		})
	}
	if chain := d.Chain("long"); !slices.Equal(chain, cs) {
		t.Errorf("Chain has %d events, want %d in order", len(chain), n)
	}
	if path, err := d.Path(cs[n-1], cs[0]); err != nil || len(path) != n {
		t.Errorf("Path over the chain: %d nodes, %v", len(path), err)
	}
	if common, err := d.CommonAncestors(cs[n-1], cs[n/2]); err != nil || !slices.Equal(common, []cid.Cid{cs[n/2]}) {
		t.Errorf("CommonAncestors = %v, %v", common, err)
	}
}

func TestWalk(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name  string
		limit int
		want  int
	}{
		{"all", 1 << 30, 10},
		{"stop early", 3, 3},
		{"stop at once", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen []cid.Cid
			f.d.Walk(func(c cid.Cid, info NodeInfo) bool {
				seen = append(seen, c)
				if got, _ := f.d.Node(c); got != info {
					t.Errorf("Walk gave %+v for %s, Node gives %+v", info, c, got)
				}
				return len(seen) < tt.limit
			})
			if len(seen) != tt.want || seen[0] != f.c["a1"] {
				t.Errorf("Walk visited %v, want %d nodes from a1", f.names(seen), tt.want)
			}
			var edges int
			f.d.WalkEdges(func(Edge) bool { edges++; return edges < tt.limit })
			if edges != min(tt.want+2, tt.limit, 12) {
				t.Errorf("WalkEdges visited %d edges", edges)
			}
		})
	}
}

// TestWalkWhileWriting checks that Walk's callback may write to the DAG (no lock is held
// while it runs) and that Walk reaches more than one chunk.
func TestWalkWhileWriting(t *testing.T) {
	d := New()
	const n = 3 * walkChunk
	for i := range n {
		d.AddNode(cidOf(t, fmt.Sprintf("w%d", i)), NodeInfo{Kind: KindObject})
	}
	visited := 0
	d.Walk(func(c cid.Cid, _ NodeInfo) bool {
		visited++
		if visited <= 10 {
			d.AddNode(cidOf(t, fmt.Sprintf("extra%d", visited)), NodeInfo{Kind: KindObject})
		}
		return true
	})
	if visited != n+10 || d.Len() != n+10 {
		t.Errorf("visited %d of %d nodes", visited, d.Len())
	}
}

// TestConcurrentReaders runs one writer appending events to several aggregates, with cross
// parents, while readers query; run with -race.
func TestConcurrentReaders(t *testing.T) {
	const aggs, perAgg = 4, 300
	d := New()
	names := make([][]cid.Cid, aggs)
	for a := range names {
		names[a] = make([]cid.Cid, perAgg)
		for k := range names[a] {
			names[a][k] = cidOf(t, fmt.Sprintf("agg%d-%d", a, k))
		}
	}
	done := make(chan struct{})
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		seq := uint64(0)
		for k := range perAgg {
			for a := range aggs {
				seq++
				prev := cid.Undef
				var parents []cid.Cid
				if k > 0 {
					prev = names[a][k-1]
					parents = []cid.Cid{names[(a+1)%aggs][k-1]}
				}
				if err := d.AddEvent(names[a][k], NodeInfo{Seq: seq, Aggregate: fmt.Sprint(a), Type: "T"}, prev, parents); err != nil {
					errs <- err
					return
				}
			}
		}
	}()
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lastLen := 0
			for {
				select {
				case <-done:
					return
				default:
				}
				chain := d.Chain(fmt.Sprint(r))
				if len(chain) < lastLen {
					errs <- fmt.Errorf("reader %d: chain shrank from %d to %d", r, lastLen, len(chain))
					return
				}
				lastLen = len(chain)
				if len(chain) == 0 {
					continue
				}
				head := chain[len(chain)-1]
				anc, err := d.Ancestors(head, 0)
				if err != nil {
					errs <- err
					return
				}
				if len(anc) < len(chain)-1 {
					errs <- fmt.Errorf("reader %d: %d ancestors for a chain of %d", r, len(anc), len(chain))
					return
				}
				if _, err := d.Path(head, chain[0]); err != nil {
					errs <- err
					return
				}
				if _, err := d.CommonAncestors(head, chain[0]); err != nil {
					errs <- err
					return
				}
				_ = d.Topo()
				_ = d.Heads()
				_ = d.AggregateHeads()
				_, _ = d.Descendants(chain[0], 2)
				d.Walk(func(cid.Cid, NodeInfo) bool { return true })
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if d.Len() != aggs*perAgg || d.EdgeCount() != aggs*(perAgg-1)*2 {
		t.Errorf("%d nodes, %d edges", d.Len(), d.EdgeCount())
	}
	for a := range aggs {
		if got := d.Chain(fmt.Sprint(a)); !slices.Equal(got, names[a]) {
			t.Errorf("aggregate %d: chain of %d events", a, len(got))
		}
	}
	checkTopo(t, d)
}

func TestIndexGrowth(t *testing.T) {
	tests := []struct {
		name     string
		capacity int
		n        int
	}{
		{"from empty", 0, 50000},
		{"presized", 50000, 50000},
		{"undersized", 100, 5000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewWithCapacity(tt.capacity, 0)
			for i := range tt.n {
				if !d.AddNode(cidOf(t, fmt.Sprintf("g%d", i)), NodeInfo{Kind: KindObject}) {
					t.Fatalf("node %d not added", i)
				}
			}
			for i := range tt.n {
				if !d.Has(cidOf(t, fmt.Sprintf("g%d", i))) {
					t.Fatalf("node %d lost", i)
				}
				if d.Has(cidOf(t, fmt.Sprintf("absent%d", i))) {
					t.Fatalf("absent node %d found", i)
				}
			}
			if d.Len() != tt.n {
				t.Errorf("Len = %d", d.Len())
			}
		})
	}
}
