package windowtest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/jetdag/jetdag/render"
)

// TestScreenshotSummaryCountsShownEdges: during --replay the screenshot's JSON counts the
// nodes and the edges drawn as of the replayed sequence A: events 1..A (their previous and
// parent edges) and the objects stamped by then (their link), not the edges to later events;
// its events, objects and rejected are those drawn too (the rejected message, seq 31, is
// later than A), while the held counts are the whole store's 30 events, 2 objects, 1
// rejected.
func TestScreenshotSummaryCountsShownEdges(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	game, _, _ := newGame(t, ctx, fixedSource{events: 30}, render.GameOptions{
		Width: 800, Height: 600, Screenshot: filepath.Join(t.TempDir(), "until.png"), Frames: 30, Replay: 1,
	})
	if err := run(t, game, 800, 600, 0, nil); err != nil {
		t.Fatal(err)
	}
	s := game.Summary()
	a := int(s.AsOfSeq)
	if a < 1 || a >= 30 {
		t.Fatalf("summary %+v: want as of a sequence in 1..29 while replaying", s)
	}
	// fixedSource: event i (seq i+1) of aggregate order-i%3 has a previous edge from i ≥ 3
	// and a parent edge when i ≥ 3 and i%4 == 0; the value (5 s) links to the file (6 s).
	nodes, edges := a, 0
	for i := 0; i < a; i++ {
		if i >= 3 {
			edges++
		}
		if i >= 3 && i%4 == 0 {
			edges++
		}
	}
	if a >= 5 {
		nodes++
	}
	if a >= 6 {
		nodes++
		edges++
	}
	if s.Nodes != nodes || s.Edges != edges {
		t.Errorf("summary %+v: as of seq %d want %d nodes and %d edges", s, a, nodes, edges)
	}
	if s.Events != a || s.Objects != nodes-a || s.Rejected != 0 || s.Events+s.Objects+s.Rejected != s.Nodes {
		t.Errorf("summary %+v: as of seq %d want %d events, %d objects, 0 rejected drawn", s, a, a, nodes-a)
	}
	if s.HeldEvents != 30 || s.HeldObjects != 2 || s.HeldRejected != 1 {
		t.Errorf("summary %+v: want 30 events, 2 objects and 1 rejected held", s)
	}
}
