package systems

import (
	"testing"
	"time"

	"github.com/jetdag/jetdag/components/worldtest"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
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
