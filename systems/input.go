package systems

import (
	"slices"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
)

// InputFrame is one tick of user input as plain values: ReadInput fills it from Ebiten, and
// View.HandleInput acts on it, so the window's reactions can be tested without a window by
// handing HandleInput frames made up in the test.
type InputFrame struct {
	X, Y         float64 // cursor, screen pixels
	WheelX       float64
	WheelY       float64 // positive: away from the user (zoom in)
	LeftDown     bool    // the left button is held
	LeftPressed  bool    // went down this tick
	LeftReleased bool    // went up this tick
	Pressed      []ebiten.Key
	Held         []ebiten.Key
	Chars        []rune // text typed this tick
}

// ReadInput fills f with this tick's input from Ebiten, reusing f's slices.
func ReadInput(f *InputFrame) {
	x, y := ebiten.CursorPosition()
	f.X, f.Y = float64(x), float64(y)
	f.WheelX, f.WheelY = ebiten.Wheel()
	f.LeftDown = ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft)
	f.LeftPressed = inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft)
	f.LeftReleased = inpututil.IsMouseButtonJustReleased(ebiten.MouseButtonLeft)
	f.Pressed = inpututil.AppendJustPressedKeys(f.Pressed[:0])
	f.Held = inpututil.AppendPressedKeys(f.Held[:0])
	f.Chars = ebiten.AppendInputChars(f.Chars[:0])
}

// Active reports whether the user did anything this tick (kiosk mode resumes fit and follow
// after a while without any).
func (f *InputFrame) Active(lastX, lastY float64) bool {
	return len(f.Pressed) > 0 || len(f.Chars) > 0 || f.WheelX != 0 || f.WheelY != 0 ||
		f.LeftDown || f.LeftReleased || f.X != lastX || f.Y != lastY
}

func (f *InputFrame) pressed(k ebiten.Key) bool { return slices.Contains(f.Pressed, k) }

func (f *InputFrame) held(keys ...ebiten.Key) bool {
	for _, k := range keys {
		if slices.Contains(f.Held, k) {
			return true
		}
	}
	return false
}

// KeyBindings lists every key and mouse action with what it does, in the order the help
// overlay shows them.
func KeyBindings() [][2]string {
	return [][2]string{
		{"drag", "pan"},
		{"wheel", "zoom around the cursor"},
		{"+ / -", "zoom in / out"},
		{"arrows", "pan"},
		{"click", "select a node: inspector, chain and causal cone"},
		{"f", "fit everything in view"},
		{"l", "follow live (the newest node)"},
		{"space", "pause / resume the live feed"},
		{"c", "colour events by kind / aggregate / type"},
		{"s", "save a screenshot (timestamped PNG)"},
		{"/", "search: CID prefix or aggregate, Enter jumps"},
		{"a", "show only the selected node's aggregate"},
		{"t", "show only the selected node's type"},
		{"y", "copy the selected CID to the clipboard"},
		{"PgUp / PgDn", "scroll the inspector (or the wheel over it)"},
		{"Esc", "clear search, filter, then selection"},
		{"h", "this help"},
	}
}
