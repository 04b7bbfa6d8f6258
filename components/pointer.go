package components

import (
	"time"

	"github.com/yohamta/donburi"
)

// PointerData is what the mouse is doing, a singleton: the node under it, a press that may
// become a drag, and when the user last did anything (a kiosk resumes fit and follow after
// a while without input).
type PointerData struct {
	Hovered      donburi.Entity
	X, Y         float64 // the cursor at the last tick, screen pixels
	Down, Moved  bool    // a press is held; it has moved past the drag threshold
	DownX, DownY float64 // where the press went down
	LastX, LastY float64 // where the drag last panned from
	LastInput    time.Time
	// LastClickOn, LastClick and LastClickX/Y are the node last clicked, when and where, for
	// double-clicks.
	LastClickOn            donburi.Entity
	LastClick              time.Time
	LastClickX, LastClickY float64
}

// Pointer is the component type of the PointerData singleton.
var Pointer = donburi.NewComponentType[PointerData]()
