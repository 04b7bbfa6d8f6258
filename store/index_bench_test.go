package store_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// BenchmarkIndexTail measures the readers' tail pass (the first Get after appends that nobody
// indexed): $JETDAG_INDEX_EVENTS events (default 20,000) in 100 aggregates, a third naming a
// recent event of another aggregate as a parent, published raw; one op drops the index
// bucket, opens the store afresh (which creates it) and Gets the last event, which indexes
// the whole stream. It reports µs per event indexed, wall and CPU (the process's user and
// system time, client and embedded server: the figure to trust on a loaded machine). The figure to compare is the same
// benchmark built from the commit before (the children index adds a write per parent link).
//
//	GOMAXPROCS=1 go test -run '^$' -bench BenchmarkIndexTail -benchtime 5x ./store
func BenchmarkIndexTail(b *testing.B) {
	n := 20_000
	if v := os.Getenv("JETDAG_INDEX_EVENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 100 {
			b.Fatalf("JETDAG_INDEX_EVENTS=%q: want a number of at least 100", v)
		}
	}
	ctx := context.Background()
	srv := storetest.Start(b)
	nc := srv.Connect(b)
	if _, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{}); err != nil {
		b.Fatal(err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		b.Fatal(err)
	}
	heads := make([]cid.Cid, 100)
	recent := make([]cid.Cid, 0, 64)
	var last cid.Cid
	for i := range n {
		a := i % len(heads)
		ev := block.Event{AggregateID: fmt.Sprintf("order-%d", a), EventType: "Step", Payload: []byte(strconv.Itoa(i)),
			PreviousCID: heads[a], Timestamp: int64(1e18) + int64(i)}
		if i%3 == 0 && len(recent) > 0 {
			ev.ParentCIDs = []cid.Cid{recent[i%len(recent)]}
		}
		m, c, err := store.EventMessage(&ev)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := js.PublishMsgAsync(m); err != nil {
			b.Fatal(err)
		}
		if i%2000 == 1999 {
			<-js.PublishAsyncComplete()
		}
		heads[a] = c
		if len(recent) < cap(recent) {
			recent = append(recent, c)
		} else {
			recent[i%cap(recent)] = c
		}
		last = c
	}
	<-js.PublishAsyncComplete()
	b.ResetTimer()
	var indexing, cpu time.Duration // wall; CPU of the process (client and embedded server)
	complete := 0
	for range b.N {
		b.StopTimer()
		if err := js.DeleteKeyValue(ctx, store.IndexBucket); err != nil {
			b.Fatal(err)
		}
		es, err := store.OpenEvents(ctx, srv.Connect(b), store.EventStoreConfig{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0, c0 := time.Now(), cpuTime(b)
		if _, err := es.Get(ctx, last); err != nil {
			b.Fatal(err)
		}
		if err := es.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		indexing += time.Since(t0)
		cpu += cpuTime(b) - c0
		// Whether the pass indexed everything: the CID watermark reached the last message.
		b.StopTimer()
		kv, err := js.KeyValue(ctx, store.IndexBucket)
		if err != nil {
			b.Fatal(err)
		}
		if e, err := kv.Get(ctx, "watermark"); err == nil && len(e.Value()) == 8 && binary.BigEndian.Uint64(e.Value()) == uint64(n) {
			complete++
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(indexing.Microseconds())/float64(b.N)/float64(n), "µs/event")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N)/float64(n), "cpu-µs/event")
	b.ReportMetric(float64(complete)/float64(b.N), "complete")
}

// cpuTime is the user and system time this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkWriterIndex measures writers indexing their own appends against the readers-only
// index before it (IndexQueue < 0), alternated in every op (the order swapped op by op):
// each fills a fresh embedded server with $JETDAG_INDEX_EVENTS events (default 100,000) the
// way `jetdag load` does (AppendAsync from one goroutine over 100 aggregates, at most 1,000
// in flight, a third naming a recent event as a parent), closes the writer (new: its last
// index writes), and then a fresh store on another connection looks up a CID never stored:
// the first unknown-CID Get after the fill, which reads the tail past the watermark. It
// reports, old and new, the fill's events/s, the CPU of the process (client and embedded
// server) per event during the fill, the writer's Close, the Get's wall time and the
// messages its tail pass read; each round is logged (-v).
//
//	go test -run '^$' -bench BenchmarkWriterIndex -benchtime 5x -v ./store
func BenchmarkWriterIndex(b *testing.B) {
	n := 100_000
	if v := os.Getenv("JETDAG_INDEX_EVENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 100 {
			b.Fatalf("JETDAG_INDEX_EVENTS=%q: want a number of at least 100", v)
		}
	}
	type result struct {
		evPerS, cpuPerEv, closeMS, getMS float64
		tail                             uint64
	}
	run := func(queue int) result {
		ctx := context.Background()
		srv := storetest.Start(b)
		defer srv.Shutdown()
		wnc, rnc := srv.Connect(b), srv.Connect(b)
		defer wnc.Close() // before the server stops: no reconnecting connections left behind
		defer rnc.Close()
		es, err := store.OpenEvents(ctx, wnc, store.EventStoreConfig{IndexQueue: queue})
		if err != nil {
			b.Fatal(err)
		}
		var mu sync.Mutex
		recent := make([]cid.Cid, 0, 64)
		pending := make(chan *store.PendingAppend, 1000) // at most 1,000 in flight
		collected := make(chan error, 1)
		go func() {
			for p := range pending {
				ev, err := p.Result()
				if err != nil {
					collected <- err
					for range pending {
					}
					return
				}
				mu.Lock()
				if len(recent) < cap(recent) {
					recent = append(recent, ev.CID)
				} else {
					recent[ev.Seq%uint64(cap(recent))] = ev.CID
				}
				mu.Unlock()
			}
			collected <- nil
		}()
		t0, c0 := time.Now(), cpuTime(b)
		for i := range n {
			ne := store.NewEvent{AggregateID: fmt.Sprintf("load-%d", i%100), EventType: "LoadEvent", Payload: []byte(`{"writer":"bench","n":` + strconv.Itoa(i) + `}`)}
			if i%3 == 0 {
				mu.Lock()
				if len(recent) > 0 {
					ne.Parents = []cid.Cid{recent[i%len(recent)]}
				}
				mu.Unlock()
			}
			pending <- es.AppendAsync(ctx, ne)
		}
		close(pending)
		if err := <-collected; err != nil {
			b.Fatal(err)
		}
		fill, cpu := time.Since(t0), cpuTime(b)-c0
		t1 := time.Now()
		if err := es.Close(ctx); err != nil {
			b.Logf("close: %v", err)
		}
		closed := time.Since(t1)
		reader, err := store.OpenEvents(ctx, rnc, store.EventStoreConfig{})
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if _, err := reader.Get(ctx, block.Sum([]byte("never stored"))); !errors.Is(err, store.ErrNotFound) {
			b.Fatalf("get of a CID never stored: %v", err)
		}
		get := time.Since(t2)
		return result{
			evPerS: float64(n) / fill.Seconds(), cpuPerEv: float64(cpu.Microseconds()) / float64(n),
			closeMS: float64(closed.Microseconds()) / 1e3, getMS: float64(get.Microseconds()) / 1e3,
			tail: store.TailReads(reader),
		}
	}
	var old, neu []result
	for i := range b.N {
		order := []int{0, store.DefaultIndexQueue}
		if i%2 == 1 {
			order = []int{store.DefaultIndexQueue, 0}
		}
		for _, q := range order {
			r := run(q)
			name := "new"
			if q <= 0 {
				name, old = "old", append(old, r)
			} else {
				neu = append(neu, r)
			}
			b.Logf("round %d %s: fill %.0f events/s, %.1f cpu-µs/event, close %.1f ms, first unknown-CID Get %.1f ms reading %d messages",
				i+1, name, r.evPerS, r.cpuPerEv, r.closeMS, r.getMS, r.tail)
		}
	}
	mean := func(rs []result, f func(result) float64) float64 {
		var s float64
		for _, r := range rs {
			s += f(r)
		}
		return s / float64(len(rs))
	}
	for _, m := range []struct {
		unit string
		f    func(result) float64
	}{
		{"events/s", func(r result) float64 { return r.evPerS }},
		{"cpu-µs/event", func(r result) float64 { return r.cpuPerEv }},
		{"close-ms", func(r result) float64 { return r.closeMS }},
		{"get-ms", func(r result) float64 { return r.getMS }},
		{"tail-msgs", func(r result) float64 { return float64(r.tail) }},
	} {
		o, nw := mean(old, m.f), mean(neu, m.f)
		b.ReportMetric(o, "old-"+m.unit)
		b.ReportMetric(nw, "new-"+m.unit)
	}
	b.ReportMetric(mean(neu, func(r result) float64 { return r.evPerS })/mean(old, func(r result) float64 { return r.evPerS }), "fill-new/old")
}
