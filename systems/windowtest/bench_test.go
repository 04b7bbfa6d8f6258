package windowtest

import (
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/render"
	"github.com/jetdag/jetdag/systems"
)

// movingGame is a viewGame whose nodes move a little every tick, as while the layout runs,
// so that nothing the renderer computes can be reused from the frame before.
type movingGame struct {
	*viewGame
	world donburi.World
	tick  int
}

func (g *movingGame) Update() error {
	g.tick++
	d := 0.3
	if g.tick%2 == 0 {
		d = -0.3
	}
	components.Position.Each(g.world, func(e *donburi.Entry) {
		components.Position.Get(e).X += d
	})
	return g.viewGame.Update()
}

// BenchmarkFrame10k draws 10,000 events with 13,000 edges, all on a 1280×800 screen
// (fitted), with the legend and status bar, vsync off and one Update a frame, and reports
// frames per second beside the target of 30 in software GL under Xvfb.
func BenchmarkFrame10k(b *testing.B) {
	b.Run("baseline-20k-diamonds", func(b *testing.B) {
		g := render.NewDiamondsGame()
		setFastLoop(b)
		if err := run(b, g, 1280, 800, 10, nil); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		start := time.Now()
		if err := run(b, g, 1280, 800, b.N, nil); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "fps")
	})
	for _, moving := range []bool{false, true} {
		name := "static"
		if moving {
			name = "layout-moving"
		}
		b.Run(name, func(b *testing.B) {
			w := donburi.NewWorld()
			syntheticDAG(w, 10000, 13000)
			vg := newViewGame(b, w, systems.Options{Width: 1280, Height: 800})
			vg.hud = true
			var game ebiten.Game = vg
			if moving {
				game = &movingGame{viewGame: vg, world: w}
			}
			setFastLoop(b)
			if err := run(b, game, 1280, 800, 10, nil); err != nil { // warm up: fit, buffers, atlas
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			if err := run(b, game, 1280, 800, b.N, nil); err != nil {
				b.Fatal(err)
			}
			sec := time.Since(start).Seconds()
			st := vg.draw.Renderer.Stats
			b.ReportMetric(float64(b.N)/sec, "fps")
			b.ReportMetric(30, "target-fps")
			b.ReportMetric(float64(st.Calls+1), "triangle-calls/frame") // graph batches + HUD panels
			b.ReportMetric(float64(st.Vertices), "vertices/frame")
			b.ReportMetric(float64(st.Nodes), "nodes-drawn")
			b.ReportMetric(float64(st.Edges), "edges-drawn")
		})
	}
}

// setFastLoop makes the loop draw as fast as it can, one Update a frame, on a 1280×800
// window, as render.Game.Run sets it up but without vsync, until the benchmark ends.
func setFastLoop(b *testing.B) {
	onLoop(b, func() {
		ebiten.SetWindowSize(1280, 800)
		ebiten.SetVsyncEnabled(false)
		ebiten.SetTPS(ebiten.SyncWithFPS)
		ebiten.SetScreenClearedEveryFrame(false) // as render.Game.Run sets it
	})
	b.Cleanup(func() {
		onLoop(b, func() {
			ebiten.SetWindowSize(640, 480)
			ebiten.SetVsyncEnabled(true)
			ebiten.SetTPS(ebiten.DefaultTPS)
			ebiten.SetScreenClearedEveryFrame(true)
		})
	})
}
