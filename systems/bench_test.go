package systems

import (
	"testing"
	"time"

	"github.com/jetdag/jetdag/components/worldtest"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/internal/cpubench"
	"github.com/jetdag/jetdag/layout"
)

// BenchmarkWindowStages10k runs the window's Update systems (timeline, scene, input, camera,
// inspector, HUD) once a frame over 10,000 events and 13,000 edges, fitted, with one node
// selected: the CPU side of a frame before drawing, without a display. Its baseline is the
// same frame's gather alone (Scene.Gather and the pick grid), the part that touches every
// node.
func BenchmarkWindowStages10k(b *testing.B) {
	w := donburi.NewWorld()
	es := worldtest.DAG(w, 10000, 13000)
	e := newECS(w)
	Setup(e, Options{Width: 1280, Height: 800})
	UpdateScene(e)
	Select(e, es[5000])
	idle := components.InputData{X: 10, Y: 10}
	b.Run("stages", func(b *testing.B) {
		for b.Loop() {
			*GetOrCreateInput(e) = idle
			UpdateTimeline(e)
			UpdateScene(e)
			UpdateInput(e)
			UpdateCamera(e)
			UpdateInspector(e)
			UpdateHUD(e)
		}
	})
	// The timeline playing (its index rebuilt every frame as it is while in use) and the
	// activity panel recomputed every frame (the HUD does it twice a second).
	b.Run("timeline-playing", func(b *testing.B) {
		SetAsOf(e, 5000)
		TogglePlay(e)
		defer SetAsOf(e, 0)
		for b.Loop() {
			getTimelineState(e).key = [3]uint64{}
			UpdateTimeline(e)
		}
	})
	b.Run("activity", func(b *testing.B) {
		for b.Loop() {
			getActivity(e).at = time.Time{}
			UpdateActivity(e)
		}
	})
	b.Run("gather-baseline", func(b *testing.B) {
		st := getSceneState(e)
		for b.Loop() {
			st.Scene.Gather(w, &st.Marks)
			st.Grid.Build(st.Scene.Nodes)
		}
	})
}

// movingSource publishes the positions it holds, shifted a little each tick: a layout that
// moves every node every frame.
type movingSource struct {
	base  []layout.Vec2
	ticks uint64
}

func (m *movingSource) Read(dst []layout.Vec2) []layout.Vec2 {
	dx := float64(m.ticks%2) - 0.5
	dst = dst[:0]
	for _, p := range m.base {
		dst = append(dst, layout.Vec2{X: p.X + dx, Y: p.Y})
	}
	return dst
}

func (m *movingSource) Ticks() uint64 { return m.ticks }

// BenchmarkMovingFrame100k is the Update side of a frame while the layout moves every one of
// 100,000 nodes: the layout sync's copy into the world and the scene's refresh of the moved
// positions (with the pick grid), against the same sync walking the ECS each frame and a
// full gather (the baseline, what a moving frame cost before the positions version).
func BenchmarkMovingFrame100k(b *testing.B) {
	w := donburi.NewWorld()
	worldtest.SyntheticDAG(w, 100000, 130000)
	src := &movingSource{}
	components.DddElement.Each(w, func(en *donburi.Entry) {
		p := components.Position.Get(en)
		src.base = append(src.base, layout.Vec2{X: p.X, Y: p.Y})
	})
	e := newECS(w)
	Setup(e, Options{Width: 1280, Height: 800})
	for _, tracked := range []bool{false, true} {
		name := "sync-walking-the-ecs"
		if tracked {
			TrackWorldVersion(w)
			name = "sync"
		}
		sync := NewLayoutSync(src)
		b.Run(name, func(b *testing.B) {
			cpubench.Loop(b, func() {
				src.ticks++
				sync.Update(e)
			})
		})
	}
	UpdateScene(e)
	st := getSceneState(e)
	b.Run("refresh", func(b *testing.B) {
		cpubench.Loop(b, func() {
			BumpPositions(w)
			UpdateScene(e)
		})
		if st.Gathers != 1 {
			b.Fatalf("%d gathers, want only the first", st.Gathers)
		}
	})
	b.Run("gather-baseline", func(b *testing.B) {
		cpubench.Loop(b, func() {
			BumpWorld(w)
			UpdateScene(e)
		})
	})
}
