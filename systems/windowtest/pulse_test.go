package windowtest

import (
	"image"
	"testing"
	"time"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/systems"
)

// whitePixels counts the pixels of img brighter than 200 in every channel.
func whitePixels(img *image.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := img.RGBAAt(x, y)
			if c.R > 200 && c.G > 200 && c.B > 200 {
				n++
			}
		}
	}
	return n
}

// TestPulseScreenshot: a node that arrives while the window runs is drawn with a white ring
// that is gone once the pulse has faded.
func TestPulseScreenshot(t *testing.T) {
	w := donburi.NewWorld()
	for i := 0; i < 4; i++ {
		spawn(w, i, event(float64(i)*30, 0, "order-1", "Placed"))
	}
	g := newViewGame(t, w, systems.Options{Width: 640, Height: 480})
	now := time.Unix(1e6, 0)
	systems.SetPulseClock(g.ecs, func() time.Time { return now })
	before := whitePixels(snapshot(t, g, 640, 480, 3))
	spawn(w, 4, event(60, 30, "order-1", "Paid"))
	during := whitePixels(snapshot(t, g, 640, 480, 1))
	now = now.Add(systems.PulseDuration + time.Millisecond)
	after := whitePixels(snapshot(t, g, 640, 480, 3))
	t.Logf("white pixels: before %d, during %d, after %d", before, during, after)
	if during < before+40 {
		t.Errorf("white pixels: %d before, %d as the node arrives: want a ring of at least 40 more", before, during)
	}
	if after > before+5 {
		t.Errorf("white pixels: %d before, %d after the pulse: the ring did not fade", before, after)
	}
}
