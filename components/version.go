package components

import "github.com/yohamta/donburi"

// WorldVersionData counts the changes to what the scene shows, a singleton: the model bumps
// it when it applies messages, removes nodes or copies layout positions, so that the scene
// system can skip its gather (and the drawing code its rebuild) on a frame where nothing
// changed. A world without it (one built by hand, without the live model) is gathered every
// frame.
type WorldVersionData struct {
	N uint64
}

// WorldVersion is the component type of the WorldVersionData singleton.
var WorldVersion = donburi.NewComponentType[WorldVersionData]()
