package render

import (
	"math/rand/v2"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/jetdag/jetdag/assets"
	"github.com/jetdag/jetdag/systems"
)

// DiamondsGame is the reference workload of the project's notes: 20,000 diamonds in batched
// DrawTriangles calls from one white texel, about 30 FPS in software GL on a 2-core machine.
// Measured in the same run as the view, it is the baseline a frame figure is read against
// on a noisy, shared machine.
type DiamondsGame struct {
	white assets.White
	xs    []float32
	v     []ebiten.Vertex
	i     []uint16
}

// NewDiamondsGame returns the reference workload, its diamonds at fixed random places.
func NewDiamondsGame() *DiamondsGame {
	rng := rand.New(rand.NewPCG(3, 4))
	g := &DiamondsGame{white: assets.NewWhite()}
	for k := 0; k < 20000; k++ {
		g.xs = append(g.xs, rng.Float32()*1280, rng.Float32()*800)
	}
	return g
}

// Update does nothing: the diamonds stand still.
func (g *DiamondsGame) Update() error { return nil }

// Draw draws the 20,000 diamonds.
func (g *DiamondsGame) Draw(screen *ebiten.Image) {
	screen.Fill(systems.Background())
	flush := func() {
		screen.DrawTriangles(g.v, g.i, g.white.Image, nil)
		g.v, g.i = g.v[:0], g.i[:0]
	}
	for k := 0; k < len(g.xs); k += 2 {
		if len(g.v)+4 > 1<<16 {
			flush()
		}
		x, y, r := g.xs[k], g.xs[k+1], float32(3)
		b := uint16(len(g.v))
		for _, p := range [4][2]float32{{x, y - r}, {x + r, y}, {x, y + r}, {x - r, y}} {
			g.v = append(g.v, ebiten.Vertex{DstX: p[0], DstY: p[1], SrcX: g.white.SrcX, SrcY: g.white.SrcY, ColorR: 0.2, ColorG: 0.4, ColorB: 1, ColorA: 1})
		}
		g.i = append(g.i, b, b+1, b+2, b, b+2, b+3)
	}
	flush()
}

// Layout keeps the window's size.
func (g *DiamondsGame) Layout(w, h int) (int, int) { return w, h }
