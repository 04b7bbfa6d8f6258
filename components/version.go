package components

import "github.com/yohamta/donburi"

// WorldVersionData counts the changes to what the scene shows, a singleton: the model bumps
// it when it applies messages, removes nodes or copies layout positions, so that the scene
// system can skip its gather (and the drawing code its rebuild) on a frame where nothing
// changed. A world without it (one built by hand, without the live model) is gathered every
// frame. Positions counts the changes that moved nodes and nothing else (the layout sync's
// copies): the scene then refreshes the positions of the nodes it holds instead of gathering
// them again.
type WorldVersionData struct {
	N         uint64
	Positions uint64
}

// WorldVersion is the component type of the WorldVersionData singleton.
var WorldVersion = donburi.NewComponentType[WorldVersionData]()
