package viewer

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// On a three-node cluster with an R3 store, the node the window's feed is connected to is
// stopped while a producer keeps appending, and started again later. The feed moves to a
// survivor and resumes after the last sequence it delivered: every acknowledged event reaches
// the world exactly once, and the world ends up holding the whole verified stream.
func TestClusterFeedSurvivesNodeRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("three-node cluster")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := storetest.StartCluster(t, 3)
	nc, err := store.Connect(ctx, store.ConnConfig{Servers: c.URLs()})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := store.ScaleReplicas(ctx, nc, 3); err != nil {
		t.Fatal(err)
	}
	producer, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{Replicas: 3, PublishTimeout: 2 * time.Second, PublishAttempts: 10})
	if err != nil {
		t.Fatal(err)
	}

	req := cli.ViewRequest{
		Conn:      store.ConnConfig{Servers: c.URLs()},
		NATSGiven: true,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	src, closeSrc, err := openSource(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	defer closeSrc()
	graph := runWorld(ctx, ecs.Config{}, src)

	var mu sync.Mutex
	var acked []cid.Cid
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		aggs := []string{"acct-1", "acct-2", "acct-3"}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			ev, err := producer.AppendEvent(ctx, store.NewEvent{AggregateID: aggs[i%3], EventType: "Tick", Payload: []byte{byte(i)}}, store.WithRetries(5))
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				// Not acknowledged (an election outlasted the retries): not counted.
				t.Logf("append %d not acknowledged: %v", i, err)
				continue
			}
			mu.Lock()
			acked = append(acked, ev.CID)
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
	})
	ackedN := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	pump := func(until func() bool, what string) {
		t.Helper()
		for !until() {
			if ctx.Err() != nil {
				t.Fatalf("%s: world holds %d events, %d acknowledged", what, graph.Stats().Events, ackedN())
			}
			graph.Update()
			time.Sleep(5 * time.Millisecond)
		}
	}
	pump(func() bool { return graph.Stats().Events >= 40 }, "before the restart")

	// Stop the node the feed is connected to.
	var victim *storetest.Node
	for _, nd := range c.Nodes {
		if nd.URL == src.nc.ConnectedUrl() {
			victim = nd
		}
	}
	if victim == nil {
		t.Fatalf("the feed is connected to %q, no node of the cluster", src.nc.ConnectedUrl())
	}
	victim.Stop()
	mark := ackedN()
	pump(func() bool { return ackedN() >= mark+40 && graph.Stats().Events >= mark+40 }, "with a node down")
	if u := src.nc.ConnectedUrl(); u == victim.URL || u == "" {
		t.Errorf("feed connected to %q after its node stopped", u)
	}
	c.Restart(victim)
	c.WaitJetStream(60 * time.Second)
	mark = ackedN()
	pump(func() bool { return ackedN() >= mark+40 }, "after the restart")
	close(stop)
	wg.Wait()

	// The whole verified stream, read afresh, is what the world must hold.
	reader, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	_, st, err := reader.Replay(ctx, store.ReplayOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pump(func() bool { return uint64(graph.Stats().Events) >= st.Events }, "at the end")
	for range 50 { // let anything duplicated arrive before counting
		graph.Update()
		time.Sleep(10 * time.Millisecond)
	}
	gs := graph.Stats()
	if uint64(gs.Events) != st.Events || graph.Duplicates() != 0 || gs.Rejected != 0 || st.Rejected != 0 {
		t.Fatalf("world: %d events, %d duplicates, %d rejected; stream: %+v", gs.Events, graph.Duplicates(), gs.Rejected, st)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, c := range acked {
		if _, ok := graph.Lookup(c); !ok {
			t.Fatalf("acknowledged event %d (%s) missing from the world", i, c)
		}
	}
	if len(acked) > int(st.Events) {
		t.Fatalf("%d acknowledged, %d in the stream", len(acked), st.Events)
	}
	t.Logf("%d acknowledged, %d in the stream and the world, feed moved from %s to %s", len(acked), st.Events, victim.Name, src.nc.ConnectedUrl())
}
