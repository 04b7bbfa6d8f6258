package render

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/assets"
	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/worldtest"
	"github.com/jetdag/jetdag/internal/cpubench"
	"github.com/jetdag/jetdag/systems"
)

// lanesWorld builds aggs lanes of per events each, as the lanes layout places them with
// the x axis on event time and the aggregates progressing together: lane k at y = 60k,
// its events 30 apart; every event links its lane's previous one, and one in three names a
// parent one to three lanes up and a column or two back.
func lanesWorld(w donburi.World, aggs, per int) {
	rng := rand.New(rand.NewPCG(3, 4))
	es := make([]donburi.Entity, 0, aggs*per)
	names := make([]string, aggs)
	for k := range names {
		names[k] = "agg-" + strconv.Itoa(k)
	}
	for c := 0; c < per; c++ {
		for k := 0; k < aggs; k++ {
			i := len(es)
			es = append(es, worldtest.Node(w, i, worldtest.Event(float64(c)*30+float64(k%5)*3, float64(k)*60, names[k], "T")))
			if c > 0 {
				worldtest.Edge(w, es[i], es[i-aggs], components.EdgePrevious)
			}
			if up := 1 + rng.IntN(3); c > 1 && k >= up && rng.IntN(3) == 0 {
				worldtest.Edge(w, es[i], es[i-aggs*(1+rng.IntN(2))-up], components.EdgeParent)
			}
		}
	}
}

// BenchmarkBuildLanes is the cost of the lanes' curved parent edges: 100,000 events in 1,000
// lanes, fitted (the density picture: the edges straight either way) and at a readable zoom
// (lanes 24 px apart, about 3,500 nodes and 4,500 edges on the screen as shapes), each with
// the parent edges straight (Curves off, as before curves) and curved.
func BenchmarkBuildLanes(b *testing.B) {
	w := donburi.NewWorld()
	lanesWorld(w, 1000, 100)
	var m systems.Marks
	s := gathered(w, &m)
	r := NewRenderer(assets.NewWhite())
	fitted := components.Fit(s.Bounds, 1280, 800, 40)
	readable := components.Viewport{CenterX: 1500, CenterY: 30000, Zoom: 0.4, Width: 1280, Height: 800}
	for _, view := range []struct {
		name string
		cam  components.Viewport
	}{{"fitted", fitted}, {"readable", readable}} {
		for _, curves := range []bool{false, true} {
			name := view.name + "/straight"
			if curves {
				name = view.name + "/curves"
			}
			b.Run(name, func(b *testing.B) {
				r.Curves = curves
				cpubench.Loop(b, func() {
					r.built = buildKey{}
					r.Build(s, view.cam, components.ColorByAggregate)
				})
				b.ReportMetric(float64(r.Stats.Vertices), "vertices")
				b.ReportMetric(float64(r.Stats.Edges-r.Stats.DensityEdges), "shape-edges")
			})
		}
	}
}
