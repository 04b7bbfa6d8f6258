package translog

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// signedLog is a fresh store with a log w signing checkpoints, and the verifier of its key.
type signedLog struct {
	nc   *nats.Conn
	es   *store.JetStreamEvents
	objs *store.JetStreamObjects
	w    *Log
	v    note.Verifier
}

func newSignedLog(ctx context.Context, t *testing.T, origin string) signedLog {
	t.Helper()
	f := signedLog{nc: storetest.Start(t).Connect(t)}
	var err error
	if f.es, err = store.OpenEvents(ctx, f.nc, store.EventStoreConfig{}); err != nil {
		t.Fatal(err)
	}
	if f.objs, err = store.OpenObjects(ctx, f.nc, store.ObjectStoreConfig{}); err != nil {
		t.Fatal(err)
	}
	skey, vkey, err := GenerateKey(nil, origin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	if f.w, err = Open(ctx, f.nc, f.es, f.objs, Config{Signer: signer}); err != nil {
		t.Fatal(err)
	}
	if f.v, err = NewVerifier(vkey); err != nil {
		t.Fatal(err)
	}
	return f
}

// Serving a new checkpoint reads its right edge into the tile cache first: the partial tiles
// of every level are then in memory (checked against the root), and a proof of the newest
// leaf needs no bucket read.
func TestHandlerWarmsRightEdge(t *testing.T) {
	ctx := context.Background()
	f := newSignedLog(ctx, t, "warm.example/log")
	nc, es, objs, w := f.nc, f.es, f.objs, f.w
	var ps []*store.PendingAppend
	for i := range 700 {
		ps = append(ps, es.AppendAsync(ctx, store.NewEvent{AggregateID: fmt.Sprint("w-", i%9), EventType: "Tick"}))
	}
	for _, p := range ps {
		if _, err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	res, err := w.Checkpoint(ctx)
	if err != nil || res.N != 700 {
		t.Fatalf("checkpoint: %v %v", res, err)
	}
	r, err := Open(ctx, nc, es, objs, Config{Verifier: f.v})
	if err != nil {
		t.Fatal(err)
	}
	edge := []tlog.Tile{{H: TileHeight, L: 0, N: 2, W: 700 - 512}, {H: TileHeight, L: 1, N: 0, W: 2}}
	for _, e := range edge {
		if _, ok := r.tiles.cached(e); ok {
			t.Fatalf("tile %v cached before any request", e)
		}
	}
	hs := httptest.NewServer(r.Handler(ctx))
	defer hs.Close()
	resp, err := http.Get(hs.URL + HTTPPrefix + "checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("checkpoint: %s", resp.Status)
	}
	waitCached(t, r, edge) // warmed in the background
	// The newest leaf's proof reads only cached tiles: it works with the bucket gone.
	cp, err := r.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	js := w.js
	if err := js.DeleteKeyValue(ctx, TileBucket); err != nil {
		t.Fatal(err)
	}
	leaf, _ := tlog.ReadTileData(tlog.Tile{H: TileHeight, L: 0, N: 2, W: 700 - 512}, r.HashReader(ctx, cp))
	p, err := tlog.ProveRecord(cp.N, 699, r.HashReader(ctx, cp))
	if err != nil || len(leaf) == 0 {
		t.Fatalf("proof of leaf 699 from the cache: %v", err)
	}
	h, err := tlog.HashFromTile(tlog.Tile{H: TileHeight, L: 0, N: 2, W: 700 - 512}, leaf, tlog.StoredHashIndex(0, 699))
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckRecord(p, cp.N, cp.Hash, 699, h); err != nil {
		t.Fatal(err)
	}
}

// waitCached waits until the tile cache of r holds each tile of edge at its width.
func waitCached(t *testing.T, r *Log, edge []tlog.Tile) {
	t.Helper()
	for _, e := range edge {
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			if d, ok := r.tiles.cached(e); ok && len(d) == e.W*tlog.HashSize {
				break
			}
			if time.Now().After(deadline) {
				d, ok := r.tiles.cached(e)
				t.Fatalf("tile %v 10 s after serving the checkpoint: cached %v, %d bytes", e, ok, len(d))
			}
		}
	}
}

// stallingKV is the tile bucket with every Get held until release is closed: a store that
// answers slowly. stalled counts the Gets waiting.
type stallingKV struct {
	jetstream.KeyValue
	release <-chan struct{}
	stalled *atomic.Int32
}

func (s stallingKV) Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	s.stalled.Add(1)
	select {
	case <-s.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.KeyValue.Get(ctx, key)
}

// A request for the checkpoint never waits for the warming it starts: with every tile read
// held, the note is served at once (twice), while the warming waits in the bucket; once the
// bucket answers, the warming fills the cache.
func TestCheckpointServedWhileWarming(t *testing.T) {
	ctx := context.Background()
	f := newSignedLog(ctx, t, "async.example/log")
	for i := range 300 {
		if _, err := f.es.Append(ctx, fmt.Sprint("a-", i%5), "Tick", nil); err != nil {
			t.Fatal(err)
		}
	}
	res, err := f.w.Checkpoint(ctx)
	if err != nil || res.N != 300 {
		t.Fatalf("checkpoint: %v %v", res, err)
	}
	r, err := Open(ctx, f.nc, f.es, f.objs, Config{Verifier: f.v})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	var stalled atomic.Int32
	r.tiles.kv = stallingKV{KeyValue: r.tiles.kv, release: release, stalled: &stalled}
	hs := httptest.NewServer(r.Handler(ctx))
	defer hs.Close()
	defer unblock() // before hs.Close, which waits for the handlers
	client := &http.Client{Timeout: 5 * time.Second}
	for i := range 2 {
		t0 := time.Now()
		resp, err := client.Get(hs.URL + HTTPPrefix + "checkpoint")
		if err != nil {
			t.Fatalf("checkpoint request %d while the tiles are held: %v (the request waited for warming)", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != string(res.Note) {
			t.Fatalf("checkpoint request %d: %s %q", i, resp.Status, body)
		}
		t.Logf("request %d answered in %s", i, time.Since(t0))
	}
	for deadline := time.Now().Add(10 * time.Second); stalled.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("serving a new checkpoint started no warming")
		}
	}
	edge := []tlog.Tile{{H: TileHeight, L: 0, N: 1, W: 300 - 256}, {H: TileHeight, L: 1, N: 0, W: 1}}
	for _, e := range edge {
		if _, ok := r.tiles.cached(e); ok {
			t.Fatalf("tile %v cached while every read is held", e)
		}
	}
	unblock()
	waitCached(t, r, edge)
}

// countHandler counts the log records at Warn level or above.
type countHandler struct{ n *atomic.Int32 }

func (h countHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h countHandler) Handle(context.Context, slog.Record) error    { h.n.Add(1); return nil }
func (h countHandler) WithAttrs([]slog.Attr) slog.Handler           { return h }
func (h countHandler) WithGroup(string) slog.Handler                { return h }

// A checkpoint whose tiles cannot be read is still served, and its tiles are not read again
// on every request: one attempt, then none until warmRetry has passed.
func TestHandlerBacksOffUnreadableTiles(t *testing.T) {
	ctx := context.Background()
	f := newSignedLog(ctx, t, "backoff.example/log")
	nc, es, objs, w := f.nc, f.es, f.objs, f.w
	for i := range 40 {
		if _, err := es.Append(ctx, fmt.Sprint("b-", i%3), "Tick", nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	var warnings atomic.Int32
	r, err := Open(ctx, nc, es, objs, Config{Verifier: f.v, Logger: slog.New(countHandler{&warnings})})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.js.DeleteKeyValue(ctx, TileBucket); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(r.Handler(ctx))
	defer hs.Close()
	get := func(i int) {
		t.Helper()
		resp, err := http.Get(hs.URL + HTTPPrefix + "checkpoint")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("checkpoint request %d: %s", i, resp.Status)
		}
	}
	get(0)
	for deadline := time.Now().Add(10 * time.Second); warnings.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the background warming over unreadable tiles never failed")
		}
	}
	for i := 1; i < 5; i++ {
		get(i)
	}
	time.Sleep(100 * time.Millisecond) // a warming started by those would have failed by now
	if n := warnings.Load(); n != 1 {
		t.Fatalf("5 requests over unreadable tiles warmed (and warned) %d times, want 1", n)
	}
}

// The warmer retries a failed size only after warmRetry, a new size at once, and a warmed
// size never.
func TestWarmerBackoff(t *testing.T) {
	var w warmer
	now := time.Unix(1000, 0)
	if !w.due(10, now) {
		t.Fatal("first checkpoint not due")
	}
	if w.due(10, now) {
		t.Fatal("due while an attempt runs")
	}
	w.done(10, false)
	if w.due(10, now.Add(warmRetry/2)) {
		t.Fatal("a failed size due again before warmRetry")
	}
	if !w.due(10, now.Add(warmRetry)) {
		t.Fatal("a failed size not due after warmRetry")
	}
	w.done(10, true)
	if w.due(10, now.Add(3*warmRetry)) {
		t.Fatal("a warmed size due again")
	}
	if !w.due(11, now.Add(3*warmRetry)) {
		t.Fatal("a new size not due")
	}
}
