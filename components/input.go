package components

import "github.com/yohamta/donburi"

// Key is a keyboard key the window reacts to. The drawing code maps its window system's
// key codes to these, so that the systems read input as plain values.
type Key uint8

// The keys.
const (
	KeyUnknown Key = iota
	KeyA
	KeyC
	KeyF
	KeyH
	KeyL
	KeyS
	KeyT
	KeyY
	KeyF1
	KeySpace
	KeySlash
	KeyNumpadDivide
	KeyEqual
	KeyNumpadAdd
	KeyMinus
	KeyNumpadSubtract
	KeyArrowLeft
	KeyArrowRight
	KeyArrowUp
	KeyArrowDown
	KeyPageUp
	KeyPageDown
	KeyEscape
	KeyEnter
	KeyNumpadEnter
	KeyBackspace
	KeyN
	KeyV
	KeyG
	KeyX
	KeyZ
	KeyM
	KeyP
	KeyBracketLeft
	KeyBracketRight
	KeyComma
	KeyPeriod
	KeyHome
	KeyEnd
	KeyK
	KeyI
	KeyE
	// KeyShift and KeyControl are either shift or control key, read as held modifiers.
	KeyShift
	KeyControl
)

// InputData is one tick of user input as plain values, a singleton: the drawing code fills
// it from the window each tick, and the input system acts on it, so tests hand the systems
// input made up in the test.
type InputData struct {
	X, Y         float64 // cursor, screen pixels
	WheelX       float64
	WheelY       float64 // positive: away from the user (zoom in)
	LeftDown     bool    // the left button is held
	LeftPressed  bool    // went down this tick
	LeftReleased bool    // went up this tick
	Pressed      []Key   // went down this tick
	Held         []Key   // held this tick
	Chars        []rune  // text typed this tick
}

// Input is the component type of the InputData singleton.
var Input = donburi.NewComponentType[InputData]()
