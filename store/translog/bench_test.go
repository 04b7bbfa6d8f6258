package translog_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/torchwood"
	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
	"github.com/jetdag/jetdag/store/translog"
)

// benchKey is the fixed signer key of BenchmarkColdProof's store, so a store built once in
// $JETDAG_LOG_BENCH_DIR is opened again by later runs.
func benchKey(b testing.TB) (skey, vkey string) {
	skey, vkey, err := translog.GenerateKey(bytes.NewReader(make([]byte, 64)), "bench.jetdag/coldproof")
	if err != nil {
		b.Fatal(err)
	}
	return skey, vkey
}

// openStores opens the event store and the object store on nc.
func openStores(tb testing.TB, nc *nats.Conn) (*store.JetStreamEvents, *store.JetStreamObjects) {
	tb.Helper()
	ctx := context.Background()
	es, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	objs, err := store.OpenObjects(ctx, nc, store.ObjectStoreConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	return es, objs
}

// openLog opens the log with cfg over nc's event and object stores.
func openLog(tb testing.TB, nc *nats.Conn, cfg translog.Config) *translog.Log {
	tb.Helper()
	es, objs := openStores(tb, nc)
	l, err := translog.Open(context.Background(), nc, es, objs, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// benchLeaves is $JETDAG_LOG_BENCH_LEAVES (def when it is unset; at least least).
func benchLeaves(tb testing.TB, def, least int) int {
	tb.Helper()
	v := os.Getenv("JETDAG_LOG_BENCH_LEAVES")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < least {
		tb.Fatalf("JETDAG_LOG_BENCH_LEAVES=%q (at least %d)", v, least)
	}
	return n
}

// benchDir is $JETDAG_LOG_BENCH_DIR, where the benchmarks' store is kept between runs, or a
// temporary directory.
func benchDir(tb testing.TB) string {
	if dir := os.Getenv("JETDAG_LOG_BENCH_DIR"); dir != "" {
		return dir
	}
	return tb.TempDir()
}

// fillLog publishes n chained events over 1,000 aggregates (raw, as bench resume fills its
// stream) and checkpoints them with the bench key.
func fillLog(b testing.TB, nc *nats.Conn, n int) {
	ctx := context.Background()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(20000))
	if err != nil {
		b.Fatal(err)
	}
	es, objs := openStores(b, nc)
	const aggs = 1000
	heads := make([]cid.Cid, aggs) // cid.Undef: the aggregate's first event
	ts := time.Now().UnixNano()
	for i := range n {
		a := i % aggs
		ev := block.Event{AggregateID: fmt.Sprintf("cold-%04d", a), EventType: "Filled", Timestamp: ts + int64(i), PreviousCID: heads[a]}
		m, c, err := store.EventMessage(&ev)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := js.PublishMsgAsync(m); err != nil {
			b.Fatal(err)
		}
		heads[a] = c
		if i%10000 == 9999 {
			<-js.PublishAsyncComplete()
		}
	}
	<-js.PublishAsyncComplete()
	skey, _ := benchKey(b)
	signer, err := translog.NewSigner(skey)
	if err != nil {
		b.Fatal(err)
	}
	l, err := translog.Open(ctx, nc, es, objs, translog.Config{Signer: signer})
	if err != nil {
		b.Fatal(err)
	}
	if res, err := l.Checkpoint(ctx); err != nil || res.N != int64(n) {
		b.Fatalf("checkpoint of %d events: %v %v", n, res, err)
	}
}

// benchLog is the store of the log's benchmarks: $JETDAG_LOG_BENCH_LEAVES leaves (default
// 20,000), built in $JETDAG_LOG_BENCH_DIR when that names an empty directory and reused
// after (a 1,000,000-leaf store takes minutes to build and 600 MB of disk), or in a
// temporary directory, on a server of its own.
type benchLog struct {
	b      *testing.B
	srv    *storetest.Server
	v      note.Verifier
	leaves int
	dir    string
}

func newBenchLog(b *testing.B) *benchLog {
	leaves, dir := benchLeaves(b, 20_000, 1), benchDir(b)
	_, vkey := benchKey(b)
	v, err := translog.NewVerifier(vkey)
	if err != nil {
		b.Fatal(err)
	}
	bl := &benchLog{b: b, srv: storetest.StartIn(b, dir, ""), v: v, leaves: leaves, dir: dir}
	if _, cp, nc := bl.reader(translog.Config{Verifier: v}); cp.N != int64(leaves) {
		b.Fatalf("the store in %s has %d leaves, want %d", dir, cp.N, leaves)
	} else {
		nc.Close()
	}
	return bl
}

// reader opens a Log with cfg on a new connection (building the store first when it has no
// checkpoint) and returns it, its latest checkpoint and the connection to close.
func (bl *benchLog) reader(cfg translog.Config) (*translog.Log, *translog.Checkpoint, *nats.Conn) {
	b := bl.b
	b.Helper()
	ctx := context.Background()
	nc, err := nats.Connect(bl.srv.ClientURL())
	if err != nil {
		b.Fatal(err)
	}
	l := openLog(b, nc, cfg)
	cp, err := l.Latest(ctx)
	if errors.Is(err, translog.ErrNoCheckpoint) {
		b.Logf("building a store of %d leaves in %s", bl.leaves, bl.dir)
		fillLog(b, nc, bl.leaves)
		cp, err = l.Latest(ctx)
	}
	if err != nil {
		b.Fatal(err)
	}
	return l, cp, nc
}

// BenchmarkColdProof measures the first inclusion proof of a freshly opened reader on a
// freshly started server (nothing of the tile bucket in either's memory: the worst case),
// each op another leaf. Beside it, in the same op: the same proof by a second fresh reader
// right after (the server now has the blocks it read in memory: the client's own cost) and
// again by the first reader (its tiles cached: a serving process). The store has
// $JETDAG_LOG_BENCH_LEAVES leaves (default 20,000), built in $JETDAG_LOG_BENCH_DIR when that
// names an empty directory and reused after (a 1,000,000-leaf store takes minutes to build
// and 600 MB of disk), or in a temporary directory.
func BenchmarkColdProof(b *testing.B) {
	ctx := context.Background()
	bl := newBenchLog(b)
	srv := bl.srv
	reader := func() (*translog.Log, *translog.Checkpoint, func()) {
		b.Helper()
		l, cp, nc := bl.reader(translog.Config{Verifier: bl.v})
		return l, cp, nc.Close
	}
	b.ResetTimer()
	var cold, hot, warm time.Duration
	var reads int
	for k := range b.N {
		b.StopTimer()
		srv.Restart()
		l, cp, done := reader()
		i := (int64(k)*7919*tlog.HashSize + cp.N/2) % cp.N // another tile, far from the last one, each op
		var mu sync.Mutex
		var trail []string
		trace := translog.WithTileTrace(ctx, func(r translog.TileRead) {
			mu.Lock()
			defer mu.Unlock()
			if !r.Cached {
				reads++
				trail = append(trail, fmt.Sprintf("%s %.3f ms", r.Path, float64(r.Duration.Microseconds())/1000))
			}
		})
		b.StartTimer()
		t0 := time.Now()
		p, err := tlog.ProveRecord(cp.N, i, l.HashReader(trace, cp))
		d := time.Since(t0)
		cold += d
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		l2, _, done2 := reader()
		t0 = time.Now()
		p2, err := tlog.ProveRecord(cp.N, i, l2.HashReader(ctx, cp))
		hotD := time.Since(t0)
		hot += hotD
		if err != nil {
			b.Fatal(err)
		}
		t0 = time.Now()
		p3, err := tlog.ProveRecord(cp.N, i, l.HashReader(ctx, cp))
		warm += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		leaf, err := l.Leaf(ctx, cp, i)
		if err != nil {
			b.Fatal(err)
		}
		for _, q := range []tlog.RecordProof{p, p2, p3} {
			if err := tlog.CheckRecord(q, cp.N, cp.Hash, i, tlog.RecordHash(leaf.Bytes())); err != nil {
				b.Fatalf("proof of leaf %d: %v", i, err)
			}
		}
		done()
		done2()
		b.Logf("leaf %d: cold %.3f ms, hot server %.3f ms; bucket reads %s", i, float64(d.Microseconds())/1000,
			float64(hotD.Microseconds())/1000, strings.Join(trail, ", "))
	}
	n := float64(b.N)
	b.ReportMetric(float64(cold.Microseconds())/1000/n, "cold_ms")
	b.ReportMetric(float64(hot.Microseconds())/1000/n, "fresh_reader_hot_server_ms")
	b.ReportMetric(float64(warm.Microseconds())/1000/n, "cached_ms")
	b.ReportMetric(float64(reads)/n, "bucket_reads/op")
}

// BenchmarkWitnessAudit measures one store audit of a witness (Witness.Audit of the newest
// checkpoint: a verified replay of the whole stream with bounded memory, the tree rebuilt,
// the checkpoint's root, sequence and state compared) over the store BenchmarkColdProof
// builds ($JETDAG_LOG_BENCH_LEAVES leaves, default 20,000, in $JETDAG_LOG_BENCH_DIR when set).
func BenchmarkWitnessAudit(b *testing.B) {
	ctx := context.Background()
	leaves, dir := benchLeaves(b, 20_000, 1), benchDir(b)
	srv := storetest.StartIn(b, dir, "")
	nc := srv.Connect(b)
	_, vkey := benchKey(b)
	v, err := translog.NewVerifier(vkey)
	if err != nil {
		b.Fatal(err)
	}
	l := openLog(b, nc, translog.Config{Verifier: v})
	cp, err := l.Latest(ctx)
	if errors.Is(err, translog.ErrNoCheckpoint) {
		b.Logf("building a store of %d leaves in %s (log vkey %s)", leaves, dir, vkey)
		fillLog(b, nc, leaves)
		cp, err = l.Latest(ctx)
	}
	if err != nil {
		b.Fatal(err)
	}
	if cp.N != int64(leaves) {
		b.Fatalf("the store in %s has %d leaves, want %d", dir, cp.N, leaves)
	}
	w, err := translog.NewWitness(l, translog.WitnessConfig{Cosigner: newBenchCosigner(b), LogVerifier: v, Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	t0 := time.Now()
	for range b.N {
		if err := w.Audit(ctx, cp); err != nil {
			b.Fatal(err)
		}
	}
	s := time.Since(t0).Seconds() / float64(b.N)
	b.ReportMetric(s, "audit_s")
	b.ReportMetric(float64(cp.N)/s, "events/s")
}

func newBenchCosigner(b *testing.B) *torchwood.CosignatureSigner {
	skey, _, err := translog.GenerateKey(nil, "bench.witness")
	if err != nil {
		b.Fatal(err)
	}
	c, err := translog.NewCosigner(skey)
	if err != nil {
		b.Fatal(err)
	}
	return c
}
