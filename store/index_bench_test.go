package store_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
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
