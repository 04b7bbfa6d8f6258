package viewer

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	donburiecs "github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/systems"
)

// TestTimelineAsOfMatchesUntil: on a real server, the live window's timeline moved to seq 12
// shows exactly what `view --until 12` shows: the same events, the same objects (the one made
// before seq 12's time, not the one made after seq 20) and the same edges between them.
func TestTimelineAsOfMatchesUntil(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, _, events, objects := openStores(ctx, t)
	var evs []cid.Cid
	appendN := func(n int) {
		for i := range n {
			var parents []cid.Cid
			if len(evs) > 3 && i%2 == 0 {
				parents = []cid.Cid{evs[len(evs)-3]}
			}
			ev, err := events.Append(ctx, []string{"order-1", "order-2"}[len(evs)%2], "Tick", []byte("x"), parents...)
			if err != nil {
				t.Fatal(err)
			}
			evs = append(evs, ev.CID)
			time.Sleep(2 * time.Millisecond) // distinct timestamps
		}
	}
	obj := func(v string, linkTo cid.Cid) {
		c, err := objects.Store(ctx, map[string]any{"v": v}, cid.Undef)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := objects.LinkObjects(ctx, c, linkTo, "References"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	appendN(5)
	obj("early", evs[2])
	appendN(15)
	obj("late", evs[15])
	appendN(5)

	shown := func(until uint64, asOf uint64) (map[string]bool, int) {
		t.Helper()
		src, closeSrc, err := openSource(ctx, quietRequest(srv, cli.ViewOptions{Until: until}))
		if err != nil {
			t.Fatal(err)
		}
		defer closeSrc()
		sctx, stop := context.WithCancel(ctx)
		defer stop()
		graph := runWorld(sctx, ecs.Config{}, src)
		e := graph.ECS()
		systems.Setup(e, systems.Options{Width: 1280, Height: 800})
		frame := func() {
			graph.Update()
			systems.UpdateTimeline(e)
			systems.UpdateScene(e)
		}
		wantObjects := 2
		if until > 0 {
			wantObjects = 1
		}
		for st := graph.Stats(); !st.CaughtUp || st.Objects < wantObjects || st.Links < wantObjects || st.Held > 0; st = graph.Stats() {
			if ctx.Err() != nil {
				t.Fatalf("stats %+v", st)
			}
			frame()
			time.Sleep(5 * time.Millisecond)
		}
		frame()
		if asOf > 0 {
			systems.SetAsOf(e, asOf)
		}
		frame()
		return shownCIDs(e)
	}
	wantCIDs, wantEdges := shown(12, 0)
	gotCIDs, gotEdges := shown(0, 12)
	t.Logf("--until 12: %d nodes, %d edges; timeline as of 12: %d nodes, %d edges", len(wantCIDs), wantEdges, len(gotCIDs), gotEdges)
	if len(wantCIDs) != 13 {
		t.Fatalf("--until 12 shows %d nodes, want 12 events and the early object", len(wantCIDs))
	}
	if !maps.Equal(gotCIDs, wantCIDs) || gotEdges != wantEdges {
		t.Errorf("timeline as of 12 shows %d nodes and %d edges, --until 12 %d and %d; only in the timeline's: %v, only in --until's: %v",
			len(gotCIDs), gotEdges, len(wantCIDs), wantEdges, missing(gotCIDs, wantCIDs), missing(wantCIDs, gotCIDs))
	}
}

// shownCIDs lists the CIDs of the scene's nodes not hidden, and counts the edges between
// them.
func shownCIDs(e *donburiecs.ECS) (map[string]bool, int) {
	sc := systems.SceneOf(e)
	out := map[string]bool{}
	for _, n := range sc.Nodes {
		if n.Flags&systems.FlagHidden == 0 {
			out[components.DddElement.Get(e.World.Entry(n.Entity)).CID.String()] = true
		}
	}
	edges := 0
	for _, ed := range sc.Edges {
		if (sc.Nodes[ed.From].Flags|sc.Nodes[ed.To].Flags)&systems.FlagHidden == 0 {
			edges++
		}
	}
	return out, edges
}

func missing(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
