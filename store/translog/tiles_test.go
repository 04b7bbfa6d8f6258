package translog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// tileLog is a store on a real server with n events checkpointed by a writer, and the
// verifier key of the writer's log.
type tileLog struct {
	es   *store.JetStreamEvents
	objs *store.JetStreamObjects
	w    *Log
	vkey string
	cids []string
}

func newTileLog(t *testing.T, n int) *tileLog {
	t.Helper()
	ctx := context.Background()
	nc := storetest.Start(t).Connect(t)
	es, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := store.OpenObjects(ctx, nc, store.ObjectStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	skey, vkey, err := GenerateKey(nil, "tiles.example/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := NewSigner(skey)
	w, err := Open(ctx, nc, es, objs, Config{Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	var ps []*store.PendingAppend
	for i := range n {
		ps = append(ps, es.AppendAsync(ctx, store.NewEvent{AggregateID: fmt.Sprint("t-", i%7), EventType: "Tick"}))
	}
	for _, p := range ps {
		if _, err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := w.Checkpoint(ctx); err != nil || res.N != int64(n) {
		t.Fatalf("checkpoint: %v %v", res, err)
	}
	return &tileLog{es: es, objs: objs, w: w, vkey: vkey}
}

func (tl *tileLog) reader(t *testing.T) *Log {
	t.Helper()
	v, _ := NewVerifier(tl.vkey)
	r, err := Open(context.Background(), tl.w.js.Conn(), tl.es, tl.objs, Config{Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// traced proves leaf i of cp with l and returns the proof and the tiles read, by source.
func traced(t *testing.T, l *Log, cp *Checkpoint, i int64) (tlog.RecordProof, []TileRead) {
	t.Helper()
	var mu sync.Mutex
	var reads []TileRead
	ctx := WithTileTrace(context.Background(), func(r TileRead) {
		mu.Lock()
		defer mu.Unlock()
		reads = append(reads, r)
	})
	p, err := tlog.ProveRecord(cp.N, i, l.HashReader(ctx, cp))
	if err != nil {
		t.Fatalf("proof of leaf %d: %v", i, err)
	}
	leaf, err := l.Leaf(context.Background(), cp, i)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckRecord(p, cp.N, cp.Hash, i, tlog.RecordHash(leaf.Bytes())); err != nil {
		t.Fatalf("proof of leaf %d does not check against the checkpoint: %v", i, err)
	}
	return p, reads
}

func bucketReads(reads []TileRead) int {
	n := 0
	for _, r := range reads {
		if !r.Cached {
			n++
		}
	}
	return n
}

// The tiles a checkpointer writes are cached as it wrote them: each is byte for byte the
// version stored in the bucket, and the writer proves its newest leaves without a bucket
// read.
func TestTilesCachedOnWrite(t *testing.T) {
	ctx := context.Background()
	tl := newTileLog(t, 700)
	keys, err := tl.w.tiles.kv.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for key := range keys.Keys() {
		e, err := tl.w.tiles.kv.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		tile, err := torchwood.ParseTilePath(key)
		if err != nil {
			t.Fatalf("bucket key %q: %v", key, err)
		}
		d, ok := tl.w.tiles.cached(tile)
		if !ok {
			t.Fatalf("tile %s written but not cached", key)
		}
		if !bytes.Equal(d, e.Value()) {
			t.Fatalf("tile %s: cached %d bytes differ from the %d stored", key, len(d), len(e.Value()))
		}
		n++
	}
	// 700 leaves: level-0 tiles 0, 1 and partial 2, the partial level-1 tile, 3 bundles.
	if n != 7 || tl.w.tiles.cachedTiles() != n {
		t.Fatalf("%d tiles stored, %d cached, want 7 and 7", n, tl.w.tiles.cachedTiles())
	}
	cp, err := tl.w.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int64{0, 300, 699} {
		if _, reads := traced(t, tl.w, cp, i); len(reads) == 0 || bucketReads(reads) != 0 {
			t.Fatalf("writer's proof of leaf %d: %d tiles read, %d from the bucket, want all cached", i, len(reads), bucketReads(reads))
		}
	}
}

// A freshly opened reader reads a proof's tiles from the bucket and gives the same proof,
// checked against the checkpoint, as it gives again from its cache and as the writer gives.
func TestColdProofEqualsWarm(t *testing.T) {
	ctx := context.Background()
	tl := newTileLog(t, 2000)
	cp, err := tl.w.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int64{5, 1000, 1791, 1999} { // in full tiles, the last full one, the partial one
		r := tl.reader(t)
		cold, reads := traced(t, r, cp, i)
		if bucketReads(reads) == 0 {
			t.Fatalf("fresh reader's proof of leaf %d read nothing from the bucket", i)
		}
		warm, reads := traced(t, r, cp, i)
		if bucketReads(reads) != 0 {
			t.Fatalf("second proof of leaf %d read %d tiles from the bucket, want 0", i, bucketReads(reads))
		}
		byWriter, _ := traced(t, tl.w, cp, i)
		if !equalProofs(cold, warm) || !equalProofs(cold, byWriter) {
			t.Fatalf("leaf %d: cold, warm and writer's proofs differ", i)
		}
	}
}

func equalProofs(a, b tlog.RecordProof) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A tile altered in the bucket is caught by a reader that reads it (the proof fails as
// inconsistent), while the writer, which cached what it wrote, still proves correctly.
func TestTamperedTileCaught(t *testing.T) {
	ctx := context.Background()
	tl := newTileLog(t, 600)
	c, err := tl.es.CIDAt(ctx, 2) // leaf 1
	if err != nil {
		t.Fatal(err)
	}
	for _, tile := range []tlog.Tile{{H: TileHeight, L: 0, N: 0, W: tileWidth}, {H: TileHeight, L: 1, N: 0, W: 2}} { // a full tile, the partial top
		key := tileKey(tile)
		e, err := tl.w.tiles.kv.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		bad := bytes.Clone(e.Value())
		bad[40] ^= 1
		if _, err := tl.w.tiles.kv.Put(ctx, key, bad); err != nil {
			t.Fatal(err)
		}
		cp, err := tl.w.Latest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := tl.reader(t).Prove(ctx, cp, c); !errors.Is(err, ErrInconsistent) {
			t.Fatalf("reader's proof over the tampered %s: %v, want ErrInconsistent", key, err)
		}
		if i, p, err := tl.w.Prove(ctx, cp, c); err != nil || i != 1 || len(p) == 0 {
			t.Fatalf("writer's proof with %s tampered in the bucket: %d %v", key, i, err)
		}
		if _, err := tl.w.tiles.kv.Put(ctx, key, e.Value()); err != nil {
			t.Fatal(err)
		}
	}
}

// The level-1-and-up part of the cache keeps its tiles however many level-0 tiles and
// entry bundles pass through the other part.
func TestCacheKeepsUpperTiles(t *testing.T) {
	s := newTileStore(nil, nil, cacheSize)
	up := tlog.Tile{H: TileHeight, L: 1, N: 3, W: tileWidth}
	s.keep(up, []byte("upper"), false)
	for n := range int64(3 * cacheSize) {
		s.keep(tlog.Tile{H: TileHeight, L: 0, N: n, W: tileWidth}, []byte("bottom"), false)
		s.keep(tlog.Tile{H: TileHeight, L: -1, N: n, W: tileWidth}, []byte("bundle"), false)
	}
	if d, ok := s.cached(up); !ok || string(d) != "upper" {
		t.Fatalf("level-1 tile after %d others: %q %v", 6*cacheSize, d, ok)
	}
	if got := s.cachedTiles(); got != cacheSize+1 {
		t.Fatalf("%d tiles cached, want %d", got, cacheSize+1)
	}
	if _, ok := s.cached(tlog.Tile{H: TileHeight, L: 0, N: 0, W: tileWidth}); ok {
		t.Fatal("the oldest level-0 tile was kept past the bound")
	}
	// A narrower version never replaces a wider one, unless read afresh.
	s.keep(up, []byte("up"), false)
	if d, _ := s.cached(up); string(d) != "upper" {
		t.Fatalf("narrower version replaced the wider: %q", d)
	}
	s.keep(up, []byte("up"), true)
	if d, _ := s.cached(up); string(d) != "up" {
		t.Fatalf("fresh version not kept: %q", d)
	}
}

// Warm's choice of upper tiles: the higher levels first, the newest first, at most limit,
// skipping the cached ones.
func TestUncachedUpper(t *testing.T) {
	s := newTileStore(nil, nil, cacheSize)
	n := int64(300<<16 + 5) // 300 full level-1 tiles, one full level-2 tile
	idx := s.uncachedUpper(n, 64)
	if len(idx) != 64 || idx[0] != tlog.StoredHashIndex(16, 0) || idx[1] != tlog.StoredHashIndex(8, 299*tileWidth) ||
		idx[63] != tlog.StoredHashIndex(8, 237*tileWidth) {
		t.Fatalf("first batch: %d indexes %v…", len(idx), idx[:min(3, len(idx))])
	}
	s.keep(tlog.Tile{H: TileHeight, L: 2, N: 0, W: tileWidth}, make([]byte, tileWidth*tlog.HashSize), false)
	for k := int64(237); k < 300; k++ {
		s.keep(tlog.Tile{H: TileHeight, L: 1, N: k, W: tileWidth}, make([]byte, tileWidth*tlog.HashSize), false)
	}
	if idx := s.uncachedUpper(n, 64); len(idx) != 64 || idx[0] != tlog.StoredHashIndex(8, 236*tileWidth) {
		t.Fatalf("second batch: %d indexes, first %v", len(idx), idx[:min(1, len(idx))])
	}
	if idx := s.uncachedUpper(65535, 64); len(idx) != 0 {
		t.Fatalf("a tree without a full level-1 tile: %v", idx)
	}
}
