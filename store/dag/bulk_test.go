package dag

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

func TestAddEdgesBatch(t *testing.T) {
	tests := []struct {
		name    string
		batch   func(f fixture) []Edge
		err     error
		errText string
		added   int
	}{
		{"new to old", func(f fixture) []Edge {
			return []Edge{{f.c["o1v3"], f.c["b1"], EdgeLink, "References"}, {f.c["o2v1"], f.c["a2"], EdgeLink, "References"}}
		}, nil, "", 2},
		{"old to new", func(f fixture) []Edge {
			return []Edge{{f.c["a1"], f.c["o1v1"], EdgeLink, "DerivedFrom"}, {f.c["b1"], f.c["o2v1"], EdgeLink, "DerivedFrom"}}
		}, nil, "", 2},
		{"duplicates count once", func(f fixture) []Edge {
			return []Edge{{f.c["a2"], f.c["a1"], EdgePrevious, ""}, {f.c["o1v3"], f.c["b1"], EdgeLink, "X"}, {f.c["o1v3"], f.c["b1"], EdgeLink, "X"}}
		}, nil, "", 1},
		{"empty batch", func(f fixture) []Edge { return nil }, nil, "", 0},
		{"cycle with existing edges", func(f fixture) []Edge {
			return []Edge{{f.c["o1v3"], f.c["b1"], EdgeLink, "X"}, {f.c["a1"], f.c["b3"], EdgeLink, "X"}}
		}, ErrWouldCycle, "", 0},
		{"cycle within the batch", func(f fixture) []Edge {
			return []Edge{{f.c["o1v1"], f.c["b1"], EdgeLink, "X"}, {f.c["b1"], f.c["o2v1"], EdgeLink, "X"}, {f.c["o2v1"], f.c["o1v1"], EdgeLink, "X"}}
		}, ErrWouldCycle, "", 0},
		{"self edge", func(f fixture) []Edge { return []Edge{{f.c["a1"], f.c["a1"], EdgeLink, "X"}} }, ErrWouldCycle, "edge 0", 0},
		{"unknown node", func(f fixture) []Edge {
			return []Edge{{f.c["o1v3"], f.c["b1"], EdgeLink, "X"}, {f.c["b1"], f.c["a1"], EdgeParent, ""}, {f.c["b1"], cidOf(t, "nope"), EdgeParent, ""}}
		}, ErrUnknownNode, "edge 2", 0},
		{"invalid edge", func(f fixture) []Edge {
			return []Edge{{f.c["o1v3"], f.c["b1"], EdgeLink, ""}}
		}, ErrInvalidEdge, "edge 0", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			topo, heads, outB1 := f.d.Topo(), f.d.AggregateHeads(), f.d.Out(f.c["b1"])
			err := f.d.AddEdges(tt.batch(f))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil && !strings.Contains(err.Error(), tt.errText) {
				t.Errorf("error %q does not name %q", err, tt.errText)
			}
			if got := f.d.EdgeCount() - 12; got != tt.added {
				t.Errorf("added %d edges, want %d", got, tt.added)
			}
			if err != nil {
				if !slices.Equal(f.d.Topo(), topo) || !slices.Equal(f.d.Out(f.c["b1"]), outB1) || len(f.d.AggregateHeads()) != len(heads) {
					t.Error("a refused batch changed the DAG")
				}
				for _, c := range f.d.Topo() {
					for _, e := range f.d.Out(c) {
						if e.Link == "X" {
							t.Errorf("refused edge %v left in Out", e)
						}
					}
				}
			}
			checkTopo(t, f.d)
		})
	}
}

// TestAddEdgesReverseOrder adds an event log's nodes newest first and then all its edges in
// one batch: the order is rebuilt once and chains and heads come out right.
func TestAddEdgesReverseOrder(t *testing.T) {
	const n = 3000
	plan, aggNames, edges := planEvents(n)
	cids := make([]cid.Cid, n)
	for i := range cids {
		cids[i] = benchCID(i)
	}
	d := New()
	for i := n - 1; i >= 0; i-- {
		info := plannedInfo(i, plan[i], aggNames)
		info.Seq = 0 // no stream order to lean on: heads must come from the edges
		d.AddNode(cids[i], info)
	}
	var batch []Edge
	for i, e := range plan {
		if e.prev >= 0 {
			batch = append(batch, Edge{cids[i], cids[e.prev], EdgePrevious, ""})
		}
		if e.parent >= 0 {
			batch = append(batch, Edge{cids[i], cids[e.parent], EdgeParent, ""})
		}
	}
	if err := d.AddEdges(batch); err != nil {
		t.Fatal(err)
	}
	if d.EdgeCount() != edges {
		t.Fatalf("EdgeCount = %d, want %d", d.EdgeCount(), edges)
	}
	checkTopo(t, d)
	ref := buildPlanned(t, plan, aggNames, cids)
	for _, agg := range aggNames {
		if got, want := d.Chain(agg), ref.Chain(agg); !slices.Equal(got, want) {
			t.Fatalf("Chain(%s): %d events, want %d", agg, len(got), len(want))
		}
	}
	if got, want := d.AggregateHeads(), ref.AggregateHeads(); len(got) != len(want) {
		t.Fatalf("%d aggregate heads, want %d", len(got), len(want))
	} else {
		for agg, h := range want {
			if got[agg] != h {
				t.Errorf("head of %s differs", agg)
			}
		}
	}
	desc, err := d.Descendants(cids[0], 0)
	if err != nil || len(desc) != n-1 {
		t.Errorf("genesis has %d descendants, %v", len(desc), err)
	}
}

// TestAddEdgesRandomBatches checks batch acceptance against the oracle: a batch is taken iff
// the graph with it stays acyclic.
func TestAddEdgesRandomBatches(t *testing.T) {
	const nodes = 80
	rng := rand.New(rand.NewPCG(21, 22))
	d := New()
	o := newOracle(nodes)
	cs := make([]cid.Cid, nodes)
	for _, k := range rng.Perm(nodes) {
		cs[k] = cidOf(t, fmt.Sprintf("batch%d", k))
		d.AddNode(cs[k], NodeInfo{Kind: KindObject})
	}
	accepted, refused := 0, 0
	for range 120 {
		size := 1 + rng.IntN(4)
		trial := newOracle(nodes)
		for a := range o.adj {
			copy(trial.adj[a], o.adj[a])
		}
		batch := make([]Edge, size)
		cyclic := false
		for k := range batch {
			a, b := rng.IntN(nodes), rng.IntN(nodes)
			batch[k] = Edge{cs[a], cs[b], EdgeLink, "L"}
			if a == b || trial.reaches(b, a) {
				cyclic = true
			}
			trial.adj[a][b] = true
		}
		err := d.AddEdges(batch)
		switch {
		case cyclic && !errors.Is(err, ErrWouldCycle):
			t.Fatalf("cyclic batch: err = %v", err)
		case !cyclic && err != nil:
			t.Fatalf("acyclic batch refused: %v", err)
		case cyclic:
			refused++
		default:
			accepted++
			o = trial
		}
		want := 0
		for a := range o.adj {
			for b := range o.adj[a] {
				if o.adj[a][b] {
					want++
				}
			}
		}
		if d.EdgeCount() != want {
			t.Fatalf("EdgeCount = %d, want %d", d.EdgeCount(), want)
		}
	}
	if accepted == 0 || refused == 0 {
		t.Fatalf("weak test: %d accepted, %d refused", accepted, refused)
	}
	checkTopo(t, d)
}

// AddEdgesSkipping adds what it can and returns the rest: an edge closing a cycle with the
// ones before it and an edge to an unknown node are refused, every other edge is added, and
// file content is a node kind of its own.
func TestAddEdgesSkipping(t *testing.T) {
	d := New()
	a, b, c := cidOf(t, "a"), cidOf(t, "b"), cidOf(t, "c")
	h, err := mh.Sum([]byte("file"), mh.SHA2_256, -1)
	if err != nil {
		t.Fatal(err)
	}
	f := cid.NewCidV1(cid.Raw, h)
	for _, n := range []cid.Cid{a, b, c} {
		d.AddNode(n, NodeInfo{Kind: KindObject})
	}
	if !d.AddNode(f, NodeInfo{Kind: KindFile}) {
		t.Fatal("a file node was refused")
	}
	if info, _ := d.Node(f); info.Kind != KindFile || info.Kind.String() != "file" {
		t.Fatalf("file node: %+v", info)
	}
	missing := cidOf(t, "missing")
	refused := d.AddEdgesSkipping([]Edge{
		{From: a, To: b, Kind: EdgeLink, Link: "R"},
		{From: b, To: f, Kind: EdgeLink, Link: "R"},
		{From: f, To: a, Kind: EdgeLink, Link: "R"}, // closes a -> b -> f -> a
		{From: b, To: missing, Kind: EdgeLink, Link: "R"},
		{From: c, To: a, Kind: EdgeLink, Link: "R"},
	})
	if len(refused) != 2 || !errors.Is(refused[0].Err, ErrWouldCycle) || !refused[0].Edge.From.Equals(f) ||
		!errors.Is(refused[1].Err, ErrUnknownNode) {
		t.Fatalf("refused: %+v", refused)
	}
	if d.EdgeCount() != 3 {
		t.Fatalf("%d edges added, want 3", d.EdgeCount())
	}
	if refused := d.AddEdgesSkipping([]Edge{{From: c, To: b, Kind: EdgeLink, Link: "S"}}); refused != nil {
		t.Fatalf("a good batch: %+v", refused)
	}
}
