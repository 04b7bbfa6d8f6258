package viewer

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// BenchmarkExplore measures explore mode on a store of $JETDAG_EXPLORE_EVENTS events
// (default 20,000) in 1,000 aggregates, a third of them naming a recent event of another
// aggregate as a parent ($JETDAG_EXPLORE_DIR: stored there, kept): one op is view --at a middle event --depth 2, from resolving --at
// to the neighbourhood in the (Partial) world. Beside it, once, the baseline: the replay of
// the whole stream that a full view does before it is live (Subscribe until caught up, the
// world left out, so a lower bound of the full view's time).
//
//	xvfb-run -a go test -run '^$' -bench BenchmarkExplore -benchtime 5x ./cli/viewer
//	JETDAG_EXPLORE_EVENTS=1000000 xvfb-run -a go test -run '^$' -bench BenchmarkExplore -benchtime 1x -timeout 30m ./cli/viewer
func BenchmarkExplore(b *testing.B) {
	n := 20_000
	if v := os.Getenv("JETDAG_EXPLORE_EVENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			b.Fatalf("JETDAG_EXPLORE_EVENTS=%q: want a number of at least 1000", v)
		}
	}
	ctx := context.Background()
	// $JETDAG_EXPLORE_DIR keeps the store there, for a look with the real binaries after.
	dir := os.Getenv("JETDAG_EXPLORE_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	srv := storetest.StartIn(b, dir, "")
	nc := srv.Connect(b)
	es, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{})
	if err != nil {
		b.Fatal(err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		b.Fatal(err)
	}
	// Valid events published raw (the store's own message format), far faster than appends
	// with their per-aggregate checks; the first Get below indexes them all. A store made by
	// an earlier run (the benchmark runs again for b.N) is used as it is.
	t0 := time.Now()
	last, err := es.LastSeq(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var root, head cid.Cid
	switch last {
	case 0:
		root, head = loadExplore(b, js, n)
	case uint64(n):
		root, head = cidAt(b, js, uint64(n/2+1)), cidAt(b, js, uint64(n))
	default:
		b.Fatalf("the store in %s holds %d messages, not %d: give an empty directory", dir, last, n)
	}
	loaded := time.Since(t0)
	t0 = time.Now()
	if _, err := es.Get(ctx, head); err != nil {
		b.Fatal(err)
	}
	if err := es.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	indexed := time.Since(t0)
	// How far the children index reaches (a pass whose writes timed out leaves it short:
	// explore then scans the window past it).
	// A pass may fall short on a loaded machine; a Get that misses goes on (a few passes).
	childMark := "none"
	never := block.Sum([]byte("never stored"))
	for pass := 0; pass < 5; pass++ {
		kv, err := js.KeyValue(ctx, store.IndexBucket)
		if err != nil {
			b.Fatal(err)
		}
		if e, err := kv.Get(ctx, "children-watermark"); err == nil && len(e.Value()) == 8 {
			childMark = strconv.FormatUint(binary.BigEndian.Uint64(e.Value()), 10)
		}
		if childMark == strconv.Itoa(n) {
			break
		}
		_, _ = es.Get(ctx, never)
	}
	indexed = time.Since(t0)

	t0 = time.Now()
	rctx, stopReplay := context.WithCancel(ctx)
	defer stopReplay()
	feed, err := es.Subscribe(rctx, 1)
	if err != nil {
		b.Fatal(err)
	}
	replayed := 0
	for r := range feed {
		if r.Event != nil {
			replayed++
		}
		if r.CaughtUp {
			break
		}
	}
	replay := time.Since(t0)
	stopReplay()
	if replayed != n {
		b.Fatalf("the replay delivered %d events of %d", replayed, n)
	}

	req := cli.ViewRequest{Conn: store.ConnConfig{Servers: []string{srv.ClientURL()}}, NATSGiven: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	src, closeSrc, err := openSource(ctx, req)
	if err != nil {
		b.Fatal(err)
	}
	defer closeSrc()
	nodes := 0
	b.ResetTimer()
	for range b.N {
		ctx, cancel := context.WithCancel(ctx)
		ex, err := newExploreSource(ctx, src, root.String(), 2, 0)
		if err != nil {
			b.Fatal(err)
		}
		if w := os.Getenv("JETDAG_EXPLORE_WINDOW"); w != "" {
			ex.window, _ = strconv.Atoi(w)
		}
		bridge := ecs.NewBridge(0)
		g := ecs.NewGraph(ecs.Config{Partial: true}, bridge)
		go func() { _ = bridge.Run(ctx, ex) }()
		for !g.Stats().CaughtUp {
			g.Update()
			time.Sleep(time.Millisecond)
		}
		g.Update()
		nodes = g.Stats().Events + g.Stats().Objects
		cancel()
	}
	b.StopTimer()
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(nodes), "nodes")
	b.ReportMetric(replay.Seconds(), "replay_s")
	fmt.Printf("explore: %d events (loaded in %.1f s, indexed in %.1f s, children index to seq %s): view --at --depth 2 fetched %d nodes in %.1f ms; full replay (baseline) %.2f s; ratio %.4f\n",
		n, loaded.Seconds(), indexed.Seconds(), childMark, nodes, float64(per.Microseconds())/1000, replay.Seconds(), per.Seconds()/replay.Seconds())
}

// loadExplore publishes n valid events in 1,000 aggregates, a third naming a recent event as
// a parent, and returns the CIDs of the middle one and of the last.
func loadExplore(b *testing.B, js jetstream.JetStream, n int) (root, last cid.Cid) {
	const aggs = 1000
	heads := make([]cid.Cid, aggs)
	recent := make([]cid.Cid, 0, 64)
	for i := range n {
		a := i % aggs
		ev := block.Event{AggregateID: fmt.Sprintf("order-%d", a), EventType: "Step", Payload: []byte(strconv.Itoa(i)),
			PreviousCID: heads[a], Timestamp: int64(1e18) + int64(i)}
		if i%3 == 0 && len(recent) > 0 {
			ev.ParentCIDs = []cid.Cid{recent[i%len(recent)]}
		}
		m, c, err := store.EventMessage(&ev)
		if err != nil {
			b.Fatal(err)
		}
		if i%2000 == 1999 {
			<-js.PublishAsyncComplete()
		}
		if _, err := js.PublishMsgAsync(m); err != nil {
			b.Fatal(err)
		}
		heads[a] = c
		if len(recent) < cap(recent) {
			recent = append(recent, c)
		} else {
			recent[i%cap(recent)] = c
		}
		if i == n/2 {
			root = c
		}
		last = c
	}
	<-js.PublishAsyncComplete()
	return root, last
}

// cidAt is the CID of the event stored at seq.
func cidAt(b *testing.B, js jetstream.JetStream, seq uint64) cid.Cid {
	st, err := js.Stream(context.Background(), store.StreamName)
	if err != nil {
		b.Fatal(err)
	}
	m, err := st.GetMsg(context.Background(), seq)
	if err != nil {
		b.Fatal(err)
	}
	c, err := block.ParseCID(m.Header.Get(store.HeaderCID))
	if err != nil {
		b.Fatal(err)
	}
	return c
}
