package translog

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// Serving a new checkpoint reads its right edge into the tile cache first: the partial tiles
// of every level are then in memory (checked against the root), and a proof of the newest
// leaf needs no bucket read.
func TestHandlerWarmsRightEdge(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	nc := srv.Connect(t)
	es, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := store.OpenObjects(ctx, nc, store.ObjectStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	skey, vkey, err := GenerateKey(nil, "warm.example/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := NewSigner(skey)
	w, err := Open(ctx, nc, es, objs, Config{Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
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
	v, _ := NewVerifier(vkey)
	r, err := Open(ctx, nc, es, objs, Config{Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	edge := []tlog.Tile{{H: TileHeight, L: 0, N: 2, W: 700 - 512}, {H: TileHeight, L: 1, N: 0, W: 2}}
	for _, e := range edge {
		if _, ok := r.tiles.cached(tileKey(e)); ok {
			t.Fatalf("tile %v cached before any request", e)
		}
	}
	hs := httptest.NewServer(r.Handler())
	defer hs.Close()
	resp, err := http.Get(hs.URL + HTTPPrefix + "checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("checkpoint: %s", resp.Status)
	}
	for _, e := range edge {
		d, ok := r.tiles.cached(tileKey(e))
		if !ok || len(d) != e.W*tlog.HashSize {
			t.Fatalf("tile %v after serving the checkpoint: cached %v, %d bytes", e, ok, len(d))
		}
	}
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
