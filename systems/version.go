package systems

import (
	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
)

// TrackWorldVersion creates w's WorldVersion singleton if it has none. From then on the
// scene system gathers only when the version, the node count or the marks changed since its
// last gather: whatever changes nodes, edges, positions, sizes or colours in w must call
// BumpWorld, or BumpPositions when it moved nodes and changed nothing else.
func TrackWorldVersion(w donburi.World) {
	getOrCreate(w, components.WorldVersion, nil)
}

// BumpWorld records a change to what the scene shows (nodes added, removed, placed or
// changed). It does nothing in a world that does not track its version.
func BumpWorld(w donburi.World) {
	if entry, ok := components.WorldVersion.First(w); ok {
		components.WorldVersion.Get(entry).N++
	}
}

// BumpPositions records that nodes moved (their Position components were written in place)
// and nothing else changed: no node added, removed or (un)placed, no edge, size, colour or
// other component changed, and no component added to or removed from a node's entity (that
// moves the entity's storage, and the scene holds pointers into it). The scene then copies the new positions into the nodes it holds instead
// of gathering the world again. A change that is not only a move must call BumpWorld (both
// may be called in one frame: the world's bump wins). It does nothing in a world that does
// not track its version.
func BumpPositions(w donburi.World) {
	if entry, ok := components.WorldVersion.First(w); ok {
		components.WorldVersion.Get(entry).Positions++
	}
}

// WorldVersionOf returns w's version, and false when w does not track it.
func WorldVersionOf(w donburi.World) (uint64, bool) {
	v, ok := worldVersions(w)
	return v.N, ok
}

// worldVersions returns w's version and positions version, and false when w does not track
// them.
func worldVersions(w donburi.World) (components.WorldVersionData, bool) {
	if entry, ok := components.WorldVersion.First(w); ok {
		return *components.WorldVersion.Get(entry), true
	}
	return components.WorldVersionData{}, false
}
