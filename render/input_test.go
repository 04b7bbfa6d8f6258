package render

import (
	"testing"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/jetdag/jetdag/components"
)

// TestKeyOfCoversEveryKeyOnce: every key the systems know (KeyUnknown+1 through KeyControl,
// the last) comes from exactly one Ebiten key, and every other Ebiten key is KeyUnknown.
func TestKeyOfCoversEveryKeyOnce(t *testing.T) {
	from := map[components.Key]ebiten.Key{}
	for k := ebiten.Key(0); k <= ebiten.KeyMax; k++ {
		c := KeyOf(k)
		if c == components.KeyUnknown {
			continue
		}
		if prev, dup := from[c]; dup {
			t.Errorf("key %d comes from both %v and %v", c, prev, k)
		}
		from[c] = k
	}
	for c := components.KeyUnknown + 1; c <= components.KeyControl; c++ {
		if _, ok := from[c]; !ok {
			t.Errorf("key %d has no Ebiten key", c)
		}
	}
	for _, tc := range []struct {
		e ebiten.Key
		c components.Key
	}{{ebiten.KeyA, components.KeyA}, {ebiten.KeyNumpadEnter, components.KeyNumpadEnter}, {ebiten.KeyE, components.KeyE}, {ebiten.KeyShift, components.KeyShift}, {ebiten.KeyShiftLeft, components.KeyUnknown}, {ebiten.KeyQ, components.KeyUnknown}} {
		if got := KeyOf(tc.e); got != tc.c {
			t.Errorf("KeyOf(%v) = %d, want %d", tc.e, got, tc.c)
		}
	}
}
