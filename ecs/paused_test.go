package ecs_test

import (
	"context"
	"testing"

	"github.com/jetdag/jetdag/ecs"
)

// While the window is paused nothing is applied, but the stats' lag counts what waits in the
// bridge (the status bar reads it), and falls back to 0 once the feed is drained again.
func TestUpdatePausedCountsLag(t *testing.T) {
	g, b := newGraph(t, ecs.Config{}, 16)
	for i := range 5 {
		if err := b.Send(context.Background(), event(uint64(i+1), "order-1", string(rune('a'+i)), "")); err != nil {
			t.Fatal(err)
		}
	}
	g.UpdatePaused()
	if st := g.Stats(); st.Lag != 5 || st.Events != 0 {
		t.Fatalf("paused: lag %d, %d events; want 5 waiting, none applied", st.Lag, st.Events)
	}
	g.Update()
	if st := g.Stats(); st.Lag != 0 || st.Events != 5 {
		t.Fatalf("resumed: lag %d, %d events; want 0 and 5", st.Lag, st.Events)
	}
}
