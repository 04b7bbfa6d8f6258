package dag

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// Budgets from issue 4, printed beside the measured figures.
const (
	budgetBytesPerNode = 200
	budgetBytesPerEdge = 40
	budgetTraverseNs   = 1e9
)

// plannedEvent is one event of a synthetic event log: a genesis event, then events spread over
// n/100 aggregates, each with its Previous edge (the first of an aggregate has a Parent edge
// to the genesis instead) and, three times in ten, a Parent edge to a recent event of any
// aggregate. Every node is then a descendant of the genesis.
type plannedEvent struct {
	agg    int32
	prev   int32 // -1: none
	parent int32 // -1: none
}

func planEvents(n int) (plan []plannedEvent, aggNames []string, edges int) {
	rng := rand.New(rand.NewPCG(7, 11))
	aggs := max(n/100, 1)
	aggNames = make([]string, aggs)
	for a := range aggNames {
		aggNames[a] = fmt.Sprintf("order-%d", a)
	}
	last := make([]int32, aggs)
	for a := range last {
		last[a] = -1
	}
	plan = make([]plannedEvent, n)
	plan[0] = plannedEvent{agg: -1, prev: -1, parent: -1}
	for i := 1; i < n; i++ {
		a := int32(rng.IntN(aggs))
		e := plannedEvent{agg: a, prev: last[a], parent: -1}
		if e.prev < 0 {
			e.parent = 0
		} else if rng.IntN(10) < 3 {
			j := int32(i - 1 - rng.IntN(min(i-1, 1000)))
			if j != e.prev && j > 0 {
				e.parent = j
			}
		}
		if e.prev >= 0 {
			edges++
		}
		if e.parent >= 0 {
			edges++
		}
		last[a] = int32(i)
		plan[i] = e
	}
	return plan, aggNames, edges
}

// benchCID is event i's CID: a real CIDv1 over a distinct 8-byte input.
func benchCID(i int) cid.Cid {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	h, err := mh.Sum(b[:], mh.SHA2_256, -1)
	if err != nil {
		panic(err)
	}
	return cid.NewCidV1(cid.DagCBOR, h)
}

var eventTypes = []string{"Created", "Updated", "Shipped", "Paid", "Cancelled", "Refunded", "Noted", "Closed"}

func plannedInfo(i int, e plannedEvent, aggNames []string) NodeInfo {
	agg := "genesis"
	if e.agg >= 0 {
		agg = aggNames[e.agg]
	}
	return NodeInfo{Kind: KindEvent, Seq: uint64(i + 1), Aggregate: agg, Type: eventTypes[i%len(eventTypes)], Timestamp: int64(i) * 1000}
}

// buildPlanned feeds the plan into a DAG the way a replay does, one AddEvent per event.
func buildPlanned(tb testing.TB, plan []plannedEvent, aggNames []string, cids []cid.Cid) *DAG {
	d := New()
	var parents [1]cid.Cid
	for i, e := range plan {
		prev := cid.Undef
		if e.prev >= 0 {
			prev = cids[e.prev]
		}
		ps := parents[:0]
		if e.parent >= 0 {
			ps = append(ps, cids[e.parent])
		}
		if err := d.AddEvent(cids[i], plannedInfo(i, e, aggNames), prev, ps); err != nil {
			tb.Fatal(err)
		}
	}
	return d
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// naiveDAG is the baseline representation: a Go map from CID to a node holding its metadata
// and slices of edges that each carry a cid.Cid.
type naiveDAG map[cid.Cid]*naiveNode

type naiveNode struct {
	info    NodeInfo
	out, in []naiveEdge
}

type naiveEdge struct {
	other cid.Cid
	kind  EdgeKind
	link  string
}

func (g naiveDAG) addEdge(from, to cid.Cid, kind EdgeKind) {
	g[from].out = append(g[from].out, naiveEdge{to, kind, ""})
	g[to].in = append(g[to].in, naiveEdge{from, kind, ""})
}

func (g naiveDAG) descendants(c cid.Cid) int {
	seen := map[cid.Cid]bool{c: true}
	queue := []cid.Cid{c}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, e := range g[n].in {
			if !seen[e.other] {
				seen[e.other] = true
				queue = append(queue, e.other)
			}
		}
	}
	return len(seen) - 1
}

// measureMemory builds a DAG (or the naive baseline) in two phases, nodes then edges, and
// returns the heap growth of each phase divided by the node and edge counts. CIDs are made
// inside the measured region, since the DAG keeps them.
func measureMemory(n int, naive bool) (perNode, perEdge float64, keep any) {
	plan, aggNames, edges := planEvents(n)
	base := heapInUse()
	var d *DAG
	var g naiveDAG
	if naive {
		g = naiveDAG{}
	} else {
		d = New()
	}
	for i, e := range plan {
		if naive {
			g[benchCID(i)] = &naiveNode{info: plannedInfo(i, e, aggNames)}
		} else {
			d.AddNode(benchCID(i), plannedInfo(i, e, aggNames))
		}
	}
	afterNodes := heapInUse()
	for i, e := range plan {
		for _, k := range [2]struct {
			to   int32
			kind EdgeKind
		}{{e.prev, EdgePrevious}, {e.parent, EdgeParent}} {
			if k.to < 0 {
				continue
			}
			if naive {
				g.addEdge(benchCID(i), benchCID(int(k.to)), k.kind)
			} else if err := d.AddEdge(benchCID(i), benchCID(int(k.to)), k.kind, ""); err != nil {
				panic(err)
			}
		}
	}
	afterEdges := heapInUse()
	// The plan lives through all three measurements, so it cancels out.
	runtime.KeepAlive(plan)
	runtime.KeepAlive(aggNames)
	if naive {
		keep = g
	} else {
		keep = d
	}
	return float64(afterNodes-base) / float64(n), float64(afterEdges-afterNodes) / float64(edges), keep
}

// BenchmarkMemory1M measures heap bytes per node and per edge of a 1,000,000-event DAG
// (10,000 aggregates, about 1.29 edges a node) against the budget and against the naive
// map-of-structs representation. Run with -benchtime=1x.
func BenchmarkMemory1M(b *testing.B) {
	const n = 1_000_000
	for range b.N {
		perNode, perEdge, keep := measureMemory(n, false)
		runtime.KeepAlive(keep)
		keep = nil
		naiveNode, naiveEdge, keepNaive := measureMemory(n, true)
		runtime.KeepAlive(keepNaive)
		b.ReportMetric(perNode, "bytes/node")
		b.ReportMetric(perEdge, "bytes/edge")
		b.ReportMetric(budgetBytesPerNode, "budget-bytes/node")
		b.ReportMetric(budgetBytesPerEdge, "budget-bytes/edge")
		b.ReportMetric(naiveNode, "naive-bytes/node")
		b.ReportMetric(naiveEdge, "naive-bytes/edge")
	}
}

// BenchmarkAddEvents feeds events as a replay does (AddEvent with Previous and Parent edges)
// at two sizes: a near-linear build shows the same ns/event at both.
func BenchmarkAddEvents(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			plan, aggNames, _ := planEvents(n)
			cids := make([]cid.Cid, n)
			for i := range cids {
				cids[i] = benchCID(i)
			}
			b.ResetTimer()
			for range b.N {
				buildPlanned(b, plan, aggNames, cids)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
		})
	}
}

// BenchmarkAddShuffled adds object nodes in random order, then the Previous edges of their
// version chains (10 versions an object) and one link an object to an earlier-added object:
// about half the edges go from an older to a newer node and run the order maintenance.
func BenchmarkAddShuffled(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 5))
			cids := make([]cid.Cid, n)
			for i := range cids {
				cids[i] = benchCID(i)
			}
			perm := rng.Perm(n)
			links := make([]int, n/10)
			for k := range links {
				links[k] = rng.IntN(n)
			}
			b.ResetTimer()
			for range b.N {
				d := New()
				for _, i := range perm {
					d.AddNode(cids[i], NodeInfo{Kind: KindObject})
				}
				for i := range n {
					if i%10 != 0 {
						if err := d.AddEdge(cids[i], cids[i-1], EdgePrevious, ""); err != nil {
							b.Fatal(err)
						}
					}
				}
				// Link each object's latest version to a random other object's first version
				// (latest versions are never pointed at by a version edge: no cycles).
				for k, j := range links {
					from, to := 10*k+9, j-j%10
					if from < n && to/10 != k {
						if err := d.AddEdge(cids[from], cids[to], EdgeLink, "References"); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/node")
		})
	}
}

// BenchmarkTraverse1M times full traversals of a 1,000,000-event DAG (budget: one second) and
// queries on it. BFS-all-edges reaches every node from the genesis through every edge; its
// baseline is the same BFS over the naive map-of-structs representation, timed once.
func BenchmarkTraverse1M(b *testing.B) {
	const n = 1_000_000
	plan, aggNames, edges := planEvents(n)
	cids := make([]cid.Cid, n)
	for i := range cids {
		cids[i] = benchCID(i)
	}
	d := buildPlanned(b, plan, aggNames, cids)
	if d.EdgeCount() != edges {
		b.Fatalf("%d edges, planned %d", d.EdgeCount(), edges)
	}
	genesis := cids[0]
	head := cids[n-1]

	b.Run("BFS-all-edges", func(b *testing.B) {
		g := naiveDAG{}
		for i, e := range plan {
			g[cids[i]] = &naiveNode{info: plannedInfo(i, e, aggNames)}
			if e.prev >= 0 {
				g.addEdge(cids[i], cids[e.prev], EdgePrevious)
			}
			if e.parent >= 0 {
				g.addEdge(cids[i], cids[e.parent], EdgeParent)
			}
		}
		start := time.Now()
		if got := g.descendants(genesis); got != n-1 {
			b.Fatalf("naive BFS reached %d nodes", got)
		}
		naive := time.Since(start)
		g = nil
		b.ResetTimer()
		for range b.N {
			desc, err := d.Descendants(genesis, 0)
			if err != nil || len(desc) != n-1 {
				b.Fatalf("Descendants reached %d nodes: %v", len(desc), err)
			}
		}
		perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(budgetTraverseNs, "budget-ns/op")
		b.ReportMetric(float64(naive.Nanoseconds()), "naive-ns/op")
		b.ReportMetric(float64(naive.Nanoseconds())/perOp, "x-faster-than-naive")
	})
	full := []struct {
		name string
		fn   func() int
	}{
		{"Topo", func() int { return len(d.Topo()) }},
		{"Walk", func() int {
			k := 0
			d.Walk(func(cid.Cid, NodeInfo) bool { k++; return true })
			return k
		}},
		{"WalkEdges", func() int {
			k := 0
			d.WalkEdges(func(Edge) bool { k++; return true })
			return k
		}},
		{"Heads", func() int { return len(d.Heads()) }},
	}
	for _, f := range full {
		b.Run(f.name, func(b *testing.B) {
			for range b.N {
				if f.fn() == 0 {
					b.Fatal("empty traversal")
				}
			}
			b.ReportMetric(budgetTraverseNs, "budget-ns/op")
		})
	}
	queries := []struct {
		name string
		fn   func() error
	}{
		{"Ancestors-depth-10", func() error { _, err := d.Ancestors(head, 10); return err }},
		{"Ancestors-all", func() error { _, err := d.Ancestors(head, 0); return err }},
		{"Chain", func() error {
			if len(d.Chain(aggNames[0])) == 0 {
				return fmt.Errorf("empty chain")
			}
			return nil
		}},
		{"Path-head-to-genesis", func() error { _, err := d.Path(head, genesis); return err }},
		{"CommonAncestors-two-heads", func() error { _, err := d.CommonAncestors(head, cids[n-2]); return err }},
		{"Node", func() error {
			if _, ok := d.Node(head); !ok {
				return fmt.Errorf("no head")
			}
			return nil
		}},
	}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			for range b.N {
				if err := q.fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBulkLoad feeds the synthetic event log as an unordered rebuild would: nodes in a
// random order, then every edge in one AddEdges batch (one order rebuild). Its baseline is
// the replay-order build with AddEvent on the same log, timed once in the same run.
func BenchmarkBulkLoad(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			plan, aggNames, _ := planEvents(n)
			cids := make([]cid.Cid, n)
			for i := range cids {
				cids[i] = benchCID(i)
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
			perm := rand.New(rand.NewPCG(1, 2)).Perm(n)
			start := time.Now()
			buildPlanned(b, plan, aggNames, cids)
			replay := time.Since(start)
			b.ResetTimer()
			for range b.N {
				d := New()
				for _, i := range perm {
					d.AddNode(cids[i], plannedInfo(i, plan[i], aggNames))
				}
				if err := d.AddEdges(batch); err != nil {
					b.Fatal(err)
				}
			}
			perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(perOp/float64(n), "ns/event")
			b.ReportMetric(float64(replay.Nanoseconds())/float64(n), "replay-order-ns/event")
			b.ReportMetric(perOp/float64(replay.Nanoseconds()), "x-replay-time")
		})
	}
}
