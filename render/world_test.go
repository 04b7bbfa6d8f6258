package render

import (
	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/systems"
)

// The test worlds of package systems' tests, for the renderer's tests.

func gathered(w donburi.World, m *systems.Marks) *systems.Scene {
	s := systems.NewScene()
	s.Gather(w, m)
	return s
}
