package components

import "github.com/yohamta/donburi"

// PictureKey is what a picture of the graph depends on: equal keys draw equal pictures.
type PictureKey struct {
	Signature uint64 // the scene's
	Camera    Viewport
	Mode      ColorMode
}

// PictureData is the bookkeeping of the settled-picture cache, a singleton: the drawing
// code keeps the image itself and asks the picture system whether to reuse it.
type PictureData struct {
	Key   PictureKey
	Still int  // frames the key has not changed
	Valid bool // the cached image holds the picture of Key
}

// Picture is the component type of the PictureData singleton.
var Picture = donburi.NewComponentType[PictureData]()
