package render

import (
	"testing"

	"github.com/jetdag/jetdag/components/worldtest"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/assets"
	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/internal/cpubench"
	"github.com/jetdag/jetdag/systems"
)

// BenchmarkBuild10k builds the vertices of 10,000 events and 13,000 edges fitted on a
// 1280×800 screen (the CPU side of drawing the graph; no GPU involved, but the package
// needs a display to load), beside the scene gather that feeds it.
func BenchmarkBuild10k(b *testing.B) {
	w := donburi.NewWorld()
	worldtest.DAG(w, 10000, 13000)
	var m systems.Marks
	s := gathered(w, &m)
	r := NewRenderer(assets.NewWhite())
	cam := components.Fit(s.Bounds, 1280, 800, 40)
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			r.built = buildKey{} // build afresh each time, as a moving frame does
			r.Build(s, cam, components.ColorByAggregate)
		}
	})
	b.Run("gather-baseline", func(b *testing.B) {
		for b.Loop() {
			s.Gather(w, &m)
		}
	})
}

// BenchmarkBuild100k is the CPU side of a moving 100,000-node frame (the frame benchmark's
// DAG fitted on 1280×800, zoomed out: the density pictures), beside the scene gather that
// feeds it, the position refresh that replaces the gather while only the layout moves, and
// the pick grid built from it. cpu-ms/op is the CPU time of each, the figure to compare on a
// loaded machine.
func BenchmarkBuild100k(b *testing.B) {
	w := donburi.NewWorld()
	worldtest.SyntheticDAG(w, 100000, 130000)
	var m systems.Marks
	s := gathered(w, &m)
	r := NewRenderer(assets.NewWhite())
	cam := components.Fit(s.Bounds, 1280, 800, 40)
	b.Run("build", func(b *testing.B) {
		cpubench.Loop(b, func() {
			r.built = buildKey{} // build afresh each time, as a moving frame does
			r.Build(s, cam, components.ColorByAggregate)
		})
		b.ReportMetric(float64(r.Stats.DensityNodes), "density-nodes")
	})
	b.Run("build-pixels", func(b *testing.B) {
		cpubench.Loop(b, func() {
			r.built = buildKey{}
			r.Build(s, cam, components.ColorByAggregate)
			r.dens.EdgePixels(r.dens.EdgeBox()) // what the draw converts before uploading
			r.dens.NodePixels(r.dens.NodeBox())
		})
	})
	b.Run("build-unchanged", func(b *testing.B) {
		for b.Loop() {
			r.Build(s, cam, components.ColorByAggregate) // the same scene and camera: kept
		}
	})
	b.Run("gather", func(b *testing.B) {
		cpubench.Loop(b, func() { s.Gather(w, &m) })
	})
	b.Run("refresh", func(b *testing.B) {
		cpubench.Loop(b, s.RefreshPositions)
	})
	var g systems.PickGrid
	b.Run("pick-grid", func(b *testing.B) {
		cpubench.Loop(b, func() { g.Build(s.Nodes) })
	})
}
