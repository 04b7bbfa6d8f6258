package components

import (
	"time"

	"github.com/yohamta/donburi"
)

// ToastData is the short message shown above the status bar, a singleton.
type ToastData struct {
	Text  string
	Until time.Time // when it goes away
}

// Toast is the component type of the ToastData singleton.
var Toast = donburi.NewComponentType[ToastData]()
