package windowtest

import (
	"strings"
	"testing"
	"time"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems"
)

// TestStatusBarFitsAt1280: at the default 1280 pixels, with every part of the status line
// present (a resumed checkpoint, --until, a log with an unverified witness, the checkpoint
// highlight, paused, a filter), the line is wider than the window; the bar leaves out its
// least important parts, keeps the connection, the node count and the as-of sequence, and
// still draws the key hint "h: help" at its end.
func TestStatusBarFitsAt1280(t *testing.T) {
	w := donburi.NewWorld()
	var es []donburi.Entity
	for i := 0; i < 20; i++ {
		es = append(es, spawn(w, i, event(float64(i)*20-190, 0, "order-1", "Placed")))
	}
	for i := 1; i < 20; i++ {
		link(w, es[i], es[i-1], components.EdgePrevious)
	}
	stats := w.Entry(w.Create(components.GraphStats))
	components.GraphStats.SetValue(stats, components.GraphStatsData{
		Events: 20, Connection: "connected", CaughtUp: true, LastSeq: 20, Lag: 3, Rejected: 2,
		EventsPerSecond: 12.5, ResumedSeq: 1_234_567, ResumedSize: 1_234_567,
		Log: components.LogStatusData{Present: true, Size: 1_234_567, Time: time.Now(), Witnesses: 1, Seq: 20, PrevSeq: 10},
	})
	g := newViewGame(t, w, systems.Options{Width: 1280, Height: 800, Until: 20})
	g.hud = true
	onLoop(t, func() {
		set := systems.GetOrCreateSettings(g.ecs)
		set.Paused, set.LogHighlight = true, true
		systems.GetOrCreateFilter(g.ecs).Aggregate = "order-1"
	})
	snapshot(t, g, 1280, 800, 5)
	var full, shown string
	onLoop(t, func() {
		full = systems.GetOrCreateHUD(g.ecs).Status
		shown = g.draw.StatusShown()
	})
	for _, part := range []string{"resumed at seq", "as of seq 20", "log ? size", "1 witness (unverified)", "highlight:", "PAUSED", "filter: aggregate order-1", "h: help"} {
		if !strings.Contains(full, part) {
			t.Fatalf("status line %q: want %q in it (every part present)", full, part)
		}
	}
	if shown == full {
		t.Fatalf("the whole status line %q fits in 1280 pixels: the test needs a longer one", full)
	}
	t.Logf("drawn: %q", shown)
	if !strings.HasSuffix(shown, "h: help") {
		t.Errorf("status bar drawn %q: want it to end with the key hint h: help", shown)
	}
	for _, part := range []string{"connected · history", "20 nodes", "as of seq 20", "PAUSED"} {
		if !strings.Contains(shown, part) {
			t.Errorf("status bar drawn %q: want %q kept", shown, part)
		}
	}
}
