package layout

import (
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

// BenchmarkTickIncremental measures a tick of a cooled 100,000-node layout while one new node
// a tick streams in (each reheats its neighbourhood), beside the full-tick budget.
func BenchmarkTickIncremental(b *testing.B) {
	s := New(DefaultParams())
	ids := Synthetic(100_000, 1).Load(s, false)
	for range 3 {
		s.Tick()
	}
	// cool at once, as if the layout had run its 300 ticks
	s.alpha, s.maxHeat = 0, 0
	clear(s.heat)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		near := ids[(i*7919)%len(ids)]
		id := s.AddNode(near, NoGroup, 0)
		s.AddEdge(id, near)
		s.Tick()
		i++
	}
	ms := float64(b.Elapsed().Microseconds()) / 1000 / float64(b.N)
	b.ReportMetric(ms, "ms/tick")
	b.Logf("incremental tick at 100k nodes: %.2f ms; full-tick budget %.0f ms (ratio %.1fx)", ms, budget100kMs, budget100kMs/ms)
}
