package viewer

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
	"github.com/jetdag/jetdag/systems"
)

// TestSourceReportsCatchUpTarget: on a store that already holds events the source tells the
// world the stream's last sequence before it replays, so that while the world catches up
// (here 60 messages a frame, at most 200 nodes kept) the status bar has a progress line
// ("replaying 120 / 600 · …") and the newest nodes are in the world; once caught up the line
// is gone.
func TestSourceReportsCatchUpTarget(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := storetest.Start(t)
	es, err := store.OpenEvents(ctx, srv.Connect(t), store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for b := range 3 {
		var evs []store.NewEvent
		for range 200 {
			evs = append(evs, store.NewEvent{AggregateID: "order-" + string(rune('1'+b)), EventType: "Placed", Payload: []byte(`{}`)})
		}
		if _, err := es.AppendBatch(ctx, evs[0].AggregateID, evs); err != nil {
			t.Fatal(err)
		}
	}
	req := cli.ViewRequest{
		Conn: store.ConnConfig{Servers: []string{srv.ClientURL()}}, NATSGiven: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	src, closeSrc, err := openSource(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	defer closeSrc()
	bridge := ecs.NewBridge(1024)
	graph := ecs.NewGraph(ecs.Config{FrameBudget: 60, MaxNodes: 200}, bridge)
	graph.Start(ctx)
	go func() { _ = bridge.Run(ctx, src) }()
	var during string
	for !graph.Stats().CaughtUp {
		if ctx.Err() != nil {
			t.Fatalf("never caught up: %+v", graph.Stats())
		}
		time.Sleep(20 * time.Millisecond) // let the bridge fill
		graph.Update()
		st := graph.Stats()
		if line := systems.CatchUpText(st); line != "" && during == "" {
			during = line
			if st.CatchUpTarget != 600 {
				t.Errorf("catch-up target %d, want the stream's last sequence 600", st.CatchUpTarget)
			}
		}
		if st.Events > 200 {
			t.Fatalf("%d events in the world during the replay, want at most --max-nodes 200", st.Events)
		}
	}
	if !strings.HasPrefix(during, "replaying ") || !strings.Contains(during, " / 600") {
		t.Errorf("progress line during the replay %q, want replaying N / 600", during)
	}
	st := graph.Stats()
	if line := systems.CatchUpText(st); line != "" {
		t.Errorf("caught up, the progress line still says %q", line)
	}
	if st.LastSeq != 600 || st.Events != 200 {
		t.Errorf("caught up with last seq %d and %d events, want 600 and the newest 200", st.LastSeq, st.Events)
	}
}
