package translog_test

import (
	"context"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/jetdag/jetdag/store/storetest"
	"github.com/jetdag/jetdag/store/translog"
)

// After Warm, a reader proves any leaf with one bucket read, its level-0 tile: the right
// edge and the full tiles of level 1 and up are cached (here 70,000 leaves: the full
// level-1 tile 1/000 and the partial ones). The proofs equal the writer's and check.
func TestWarmCachesUpperTiles(t *testing.T) {
	if testing.Short() {
		t.Skip("70,000 events")
	}
	ctx := context.Background()
	srv := storetest.Start(t)
	nc := srv.Connect(t)
	fillLog(t, nc, 70_000)
	skey, vkey := benchKey(t)
	v, _ := translog.NewVerifier(vkey)
	r := openLog(t, nc, translog.Config{Verifier: v})
	signer, _ := translog.NewSigner(skey)
	w := openLog(t, nc, translog.Config{Signer: signer})
	cp, err := r.Latest(ctx)
	if err != nil || cp.N != 70_000 {
		t.Fatalf("latest: %v %v", cp, err)
	}
	var mu sync.Mutex
	var reads []translog.TileRead
	trace := translog.WithTileTrace(ctx, func(tr translog.TileRead) {
		mu.Lock()
		defer mu.Unlock()
		reads = append(reads, tr)
	})
	if err := r.Warm(trace, cp); err != nil {
		t.Fatal(err)
	}
	warmed := map[string]bool{}
	for _, tr := range reads {
		warmed[tr.Path] = true
	}
	for _, p := range []string{"tile/1/000", "tile/1/001.p/17", "tile/2/000.p/1", "tile/0/273.p/112"} {
		if !warmed[p] {
			t.Errorf("Warm did not read %s (read %v)", p, warmed)
		}
	}
	for _, i := range []int64{5, 40_000, 65_535, 69_999} {
		reads = nil
		p, err := tlog.ProveRecord(cp.N, i, r.HashReader(trace, cp))
		if err != nil {
			t.Fatal(err)
		}
		var fromBucket []string
		for _, tr := range reads {
			if !tr.Cached {
				fromBucket = append(fromBucket, tr.Path)
			}
		}
		want := 1
		if i >= 69_888 { // in the partial level-0 tile, which Warm read
			want = 0
		}
		if len(fromBucket) != want {
			t.Errorf("proof of leaf %d after Warm read %v from the bucket, want %d tile(s)", i, fromBucket, want)
		}
		pw, err := tlog.ProveRecord(cp.N, i, w.HashReader(ctx, cp))
		if err != nil {
			t.Fatal(err)
		}
		leaf, err := r.Leaf(ctx, cp, i)
		if err != nil {
			t.Fatal(err)
		}
		if err := tlog.CheckRecord(p, cp.N, cp.Hash, i, tlog.RecordHash(leaf.Bytes())); err != nil {
			t.Fatalf("proof of leaf %d: %v", i, err)
		}
		if len(p) != len(pw) {
			t.Fatalf("leaf %d: reader's and writer's proofs differ", i)
		}
		for k := range p {
			if p[k] != pw[k] {
				t.Fatalf("leaf %d: reader's and writer's proofs differ", i)
			}
		}
	}
	// A second Warm of the same checkpoint reads nothing from the bucket.
	reads = nil
	if err := r.Warm(trace, cp); err != nil {
		t.Fatal(err)
	}
	for _, tr := range reads {
		if !tr.Cached {
			t.Errorf("second Warm read %s from the bucket", tr.Path)
		}
	}
}
