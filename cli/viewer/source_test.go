package viewer

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// The window's source survives its server going away: after a restart on the same store
// directory it resumes after the last sequence it delivered, so the world ends up with every
// event exactly once, and the status shows the reconnect.
func TestSourceResumesAfterServerRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := storetest.Start(t)
	req := cli.ViewRequest{
		Conn:      store.ConnConfig{Servers: []string{srv.ClientURL()}},
		NATSGiven: true,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	src, closeSrc, err := openSource(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	defer closeSrc()

	producer := func() *store.JetStreamEvents {
		es, err := store.OpenEvents(ctx, srv.Connect(t), store.EventStoreConfig{})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	var cids []cid.Cid
	appendN := func(es *store.JetStreamEvents, n int) {
		for range n {
			ev, err := es.Append(ctx, "kiosk", "Tick", []byte("x"))
			if err != nil {
				t.Fatal(err)
			}
			cids = append(cids, ev.CID)
		}
	}
	appendN(producer(), 30)

	graph := runWorld(ctx, ecs.Config{}, src)
	sawReconnect := false
	waitFor := func(n int) {
		t.Helper()
		for graph.Stats().Events < n {
			if ctx.Err() != nil {
				t.Fatalf("world holds %d events, want %d", graph.Stats().Events, n)
			}
			graph.Update()
			if graph.Stats().Connection == "reconnecting" {
				sawReconnect = true
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(30)

	srv.Server.Shutdown()
	for start := time.Now(); time.Since(start) < 10*time.Second && !sawReconnect; {
		graph.Update()
		sawReconnect = graph.Stats().Connection == "reconnecting"
		time.Sleep(10 * time.Millisecond)
	}
	if !sawReconnect {
		t.Errorf("the world never showed the connection as reconnecting while the server was down")
	}
	srv.Restart()
	appendN(producer(), 30)
	waitFor(60)
	// Let anything duplicated arrive before counting.
	for range 50 {
		graph.Update()
		time.Sleep(10 * time.Millisecond)
	}
	st := graph.Stats()
	if st.Events != 60 || graph.Duplicates() != 0 || st.LastSeq != 60 || st.Rejected != 0 {
		t.Fatalf("after restart: %d events, %d duplicates, last seq %d, %d rejected", st.Events, graph.Duplicates(), st.LastSeq, st.Rejected)
	}
	for i, c := range cids {
		if _, ok := graph.Lookup(c); !ok {
			t.Fatalf("event %d (%s) missing from the world", i+1, c)
		}
	}
	if c := graph.Stats().Connection; c != "connected" {
		t.Errorf("connection state %q after the restart", c)
	}
}
