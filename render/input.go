package render

import (
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"

	"github.com/jetdag/jetdag/components"
)

// KeyOf returns the systems' key for an Ebiten key (the keys the window reacts to), or
// components.KeyUnknown.
func KeyOf(k ebiten.Key) components.Key {
	switch k {
	case ebiten.KeyA:
		return components.KeyA
	case ebiten.KeyC:
		return components.KeyC
	case ebiten.KeyF:
		return components.KeyF
	case ebiten.KeyH:
		return components.KeyH
	case ebiten.KeyL:
		return components.KeyL
	case ebiten.KeyS:
		return components.KeyS
	case ebiten.KeyT:
		return components.KeyT
	case ebiten.KeyY:
		return components.KeyY
	case ebiten.KeyF1:
		return components.KeyF1
	case ebiten.KeySpace:
		return components.KeySpace
	case ebiten.KeySlash:
		return components.KeySlash
	case ebiten.KeyNumpadDivide:
		return components.KeyNumpadDivide
	case ebiten.KeyEqual:
		return components.KeyEqual
	case ebiten.KeyNumpadAdd:
		return components.KeyNumpadAdd
	case ebiten.KeyMinus:
		return components.KeyMinus
	case ebiten.KeyNumpadSubtract:
		return components.KeyNumpadSubtract
	case ebiten.KeyArrowLeft:
		return components.KeyArrowLeft
	case ebiten.KeyArrowRight:
		return components.KeyArrowRight
	case ebiten.KeyArrowUp:
		return components.KeyArrowUp
	case ebiten.KeyArrowDown:
		return components.KeyArrowDown
	case ebiten.KeyPageUp:
		return components.KeyPageUp
	case ebiten.KeyPageDown:
		return components.KeyPageDown
	case ebiten.KeyEscape:
		return components.KeyEscape
	case ebiten.KeyEnter:
		return components.KeyEnter
	case ebiten.KeyNumpadEnter:
		return components.KeyNumpadEnter
	case ebiten.KeyBackspace:
		return components.KeyBackspace
	case ebiten.KeyN:
		return components.KeyN
	case ebiten.KeyV:
		return components.KeyV
	case ebiten.KeyG:
		return components.KeyG
	case ebiten.KeyX:
		return components.KeyX
	case ebiten.KeyZ:
		return components.KeyZ
	case ebiten.KeyM:
		return components.KeyM
	case ebiten.KeyK:
		return components.KeyK
	case ebiten.KeyI:
		return components.KeyI
	case ebiten.KeyP:
		return components.KeyP
	case ebiten.KeyBracketLeft:
		return components.KeyBracketLeft
	case ebiten.KeyBracketRight:
		return components.KeyBracketRight
	case ebiten.KeyComma:
		return components.KeyComma
	case ebiten.KeyPeriod:
		return components.KeyPeriod
	case ebiten.KeyHome:
		return components.KeyHome
	case ebiten.KeyEnd:
		return components.KeyEnd
	case ebiten.KeyE:
		return components.KeyE
	case ebiten.KeyShift: // Ebiten's virtual key: held while either shift key is
		return components.KeyShift
	case ebiten.KeyControl:
		return components.KeyControl
	}
	return components.KeyUnknown
}

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
