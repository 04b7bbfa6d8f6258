package layout

import (
	"runtime"
	"runtime/metrics"
	"testing"
)

func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// BenchmarkSimHeap100k reports the Go heap a Sim keeps per node for the 100,000-node
// synthetic DAG (about 1.3 springs a node) after one tick (its Barnes-Hut tree built), with
// groups; the graph's own edge list is freed first.
func BenchmarkSimHeap100k(b *testing.B) {
	const n = 100_000
	p := DefaultParams()
	p.Workers = 1
	for range b.N {
		g := Synthetic(n, 1)
		before := liveHeap()
		s := New(p)
		ids := make([]NodeID, n)
		for i := range ids {
			ids[i] = s.AddNode(NoNode, g.Groups[i], float64(i))
		}
		for _, e := range g.Edges {
			s.AddEdge(ids[e[0]], ids[e[1]])
		}
		g, ids = Graph{}, nil
		s.Tick()
		b.ReportMetric(float64(liveHeap()-before)/n, "heap-B/node")
		runtime.KeepAlive(s)
	}
}
