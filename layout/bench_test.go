package layout

import (
	"fmt"
	"runtime"
	"testing"
)

// d3 3.0.1's default simulation on this machine, per tick (NOTES.md; bench/layout.sh measures
// it again side by side).
const (
	d3MsPerTick10k  = 65.0
	d3MsPerTick100k = 2000.0
	budget100kMs    = 150.0
)

func benchTick(b *testing.B, n int, baselineMs float64, what string) {
	s := New(DefaultParams())
	Synthetic(n, 1).Load(s, false)
	s.Tick()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if s.Settled() {
			s.Reheat(1)
		}
		s.Tick()
	}
	ms := float64(b.Elapsed().Microseconds()) / 1000 / float64(b.N)
	b.ReportMetric(ms, "ms/tick")
	b.Logf("%d nodes, %d workers: %.2f ms/tick; %s %.0f ms/tick (ratio %.1fx)",
		n, runtime.GOMAXPROCS(0), ms, what, baselineMs, baselineMs/ms)
}

// BenchmarkTick10k measures a full-alpha tick of a 10,000-node synthetic Merkle DAG beside
// d3-force's default simulation (target: at least 2x faster).
func BenchmarkTick10k(b *testing.B) { benchTick(b, 10_000, d3MsPerTick10k, "d3-force baseline") }

// BenchmarkTick100k measures a full-alpha tick at 100,000 nodes beside the 150 ms budget.
func BenchmarkTick100k(b *testing.B) { benchTick(b, 100_000, budget100kMs, "budget") }

// BenchmarkTickIncremental measures a tick of a settled 100,000-node layout while one new node
// a tick streams in, beside a full tick.
func BenchmarkTickIncremental(b *testing.B) {
	s := New(DefaultParams())
	ids := Synthetic(100_000, 1).Load(s, false)
	s.Reheat(0) // keep alpha as is
	for !s.Settled() {
		s.alpha = s.p.AlphaMin / 2
		s.maxHeat = 0
		clear(s.heat)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		id := s.AddNode(ids[i%len(ids)], NoGroup, 0)
		s.AddEdge(id, ids[i%len(ids)])
		s.Tick()
		i++
	}
	ms := float64(b.Elapsed().Microseconds()) / 1000 / float64(b.N)
	b.ReportMetric(ms, "ms/tick")
	b.Logf("incremental tick at 100k nodes: %.2f ms; full-tick budget %.0f ms", ms, budget100kMs)
	_ = fmt.Sprint()
}
