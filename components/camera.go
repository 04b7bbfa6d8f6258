package components

import "github.com/yohamta/donburi"

// CameraData is the window's camera, a singleton: where it looks and which automatic
// framing is on. The camera system eases it toward what fit and follow want; input stops
// both when the user moves it.
type CameraData struct {
	Viewport
	AutoFit bool // keep the whole graph in view
	Follow  bool // keep the newest node in view
	Fitted  bool // the first picture has been framed (later ones ease)
}

// Camera is the component type of the CameraData singleton.
var Camera = donburi.NewComponentType[CameraData]()
