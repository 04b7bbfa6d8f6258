package render

import (
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"

	"github.com/jetdag/jetdag/components"
)

// keyCodes maps the Ebiten keys the window reacts to onto the systems' plain key values.
var keyCodes = map[ebiten.Key]components.Key{
	ebiten.KeyA: components.KeyA, ebiten.KeyC: components.KeyC, ebiten.KeyF: components.KeyF,
	ebiten.KeyH: components.KeyH, ebiten.KeyL: components.KeyL, ebiten.KeyS: components.KeyS,
	ebiten.KeyT: components.KeyT, ebiten.KeyY: components.KeyY, ebiten.KeyF1: components.KeyF1,
	ebiten.KeySpace: components.KeySpace, ebiten.KeySlash: components.KeySlash,
	ebiten.KeyNumpadDivide: components.KeyNumpadDivide,
	ebiten.KeyEqual:        components.KeyEqual, ebiten.KeyNumpadAdd: components.KeyNumpadAdd,
	ebiten.KeyMinus: components.KeyMinus, ebiten.KeyNumpadSubtract: components.KeyNumpadSubtract,
	ebiten.KeyArrowLeft: components.KeyArrowLeft, ebiten.KeyArrowRight: components.KeyArrowRight,
	ebiten.KeyArrowUp: components.KeyArrowUp, ebiten.KeyArrowDown: components.KeyArrowDown,
	ebiten.KeyPageUp: components.KeyPageUp, ebiten.KeyPageDown: components.KeyPageDown,
	ebiten.KeyEscape: components.KeyEscape, ebiten.KeyEnter: components.KeyEnter,
	ebiten.KeyNumpadEnter: components.KeyNumpadEnter, ebiten.KeyBackspace: components.KeyBackspace,
	ebiten.KeyN: components.KeyN, ebiten.KeyV: components.KeyV,
	ebiten.KeyG: components.KeyG, ebiten.KeyX: components.KeyX, ebiten.KeyZ: components.KeyZ,
	ebiten.KeyM: components.KeyM, ebiten.KeyK: components.KeyK, ebiten.KeyI: components.KeyI,
	ebiten.KeyP: components.KeyP, ebiten.KeyBracketLeft: components.KeyBracketLeft,
	ebiten.KeyBracketRight: components.KeyBracketRight, ebiten.KeyComma: components.KeyComma,
	ebiten.KeyPeriod: components.KeyPeriod, ebiten.KeyHome: components.KeyHome, ebiten.KeyEnd: components.KeyEnd,
	ebiten.KeyE: components.KeyE,
}

// KeyOf returns the systems' key for an Ebiten key, or components.KeyUnknown.
func KeyOf(k ebiten.Key) components.Key { return keyCodes[k] }

// InputReader fills the Input singleton from Ebiten, reusing its buffers.
type InputReader struct {
	pressed, held []ebiten.Key
}

// Read fills f with this tick's input, reusing f's slices.
func (r *InputReader) Read(f *components.InputData) {
	x, y := ebiten.CursorPosition()
	f.X, f.Y = float64(x), float64(y)
	f.WheelX, f.WheelY = ebiten.Wheel()
	f.LeftDown = ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft)
	f.LeftPressed = inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft)
	f.LeftReleased = inpututil.IsMouseButtonJustReleased(ebiten.MouseButtonLeft)
	r.pressed = inpututil.AppendJustPressedKeys(r.pressed[:0])
	r.held = inpututil.AppendPressedKeys(r.held[:0])
	f.Pressed = appendKeys(f.Pressed[:0], r.pressed)
	f.Held = appendKeys(f.Held[:0], r.held)
	f.Chars = ebiten.AppendInputChars(f.Chars[:0])
}

func appendKeys(dst []components.Key, keys []ebiten.Key) []components.Key {
	for _, k := range keys {
		if c := KeyOf(k); c != components.KeyUnknown {
			dst = append(dst, c)
		}
	}
	return dst
}
