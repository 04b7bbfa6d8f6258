package systems

import (
	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
)

// TrackWorldVersion creates w's WorldVersion singleton if it has none. From then on the
// scene system gathers only when the version, the node count or the marks changed since its
// last gather: whatever changes nodes, edges, positions, sizes or colours in w must call
// BumpWorld.
func TrackWorldVersion(w donburi.World) {
	getOrCreate(w, components.WorldVersion, nil)
}

// BumpWorld records a change to what the scene shows (nodes added, removed or moved). It
// does nothing in a world that does not track its version.
func BumpWorld(w donburi.World) {
	if entry, ok := components.WorldVersion.First(w); ok {
		components.WorldVersion.Get(entry).N++
	}
}

// WorldVersionOf returns w's version, and false when w does not track it.
func WorldVersionOf(w donburi.World) (uint64, bool) {
	if entry, ok := components.WorldVersion.First(w); ok {
		return components.WorldVersion.Get(entry).N, true
	}
	return 0, false
}
