package translog

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// memSink keeps every tile, so the test can compare them with what x/mod/tlog computes from
// all hashes at once (pure tree logic: no NATS involved).
type memSink map[string][]byte

func (m memSink) load(_ context.Context, t tlog.Tile) ([]byte, error) {
	d, ok := cutTile(t, m[tileKey(t)])
	if !ok {
		return nil, fmt.Errorf("%w: %v", ErrTileMissing, t)
	}
	return d, nil
}

func (m memSink) save(_ context.Context, tiles []tlog.Tile, data [][]byte) error {
	for i, t := range tiles {
		m[tileKey(t)] = append([]byte(nil), data[i]...)
	}
	return nil
}

// allHashes is a reference: every stored hash in memory.
type allHashes []tlog.Hash

func (a allHashes) ReadHashes(ix []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(ix))
	for i, x := range ix {
		out[i] = a[x]
	}
	return out, nil
}

func leafData(i int) []byte { s := sha256.Sum256([]byte(fmt.Sprint(i))); return s[:] }

// The builder's roots and tiles equal the reference's at sizes around tile boundaries of
// levels 0, 1 and 2 (65536 leaves), with tiles kept in a sink and with no sink at all (the
// auditor's mode, which must never need a tile it dropped).
func TestBuilderMatchesReference(t *testing.T) {
	ctx := context.Background()
	const n = 65536 + 300
	var ref allHashes
	sink := memSink{}
	withSink, noSink := newBuilder(sink), newBuilder(nil)
	check := map[int64]bool{1: true, 255: true, 256: true, 257: true, 511: true, 65535: true, 65536: true, 65537: true, n: true}
	for i := range n {
		hs, err := tlog.StoredHashes(int64(i), leafData(i), ref)
		if err != nil {
			t.Fatal(err)
		}
		ref = append(ref, hs...)
		for _, b := range []*builder{withSink, noSink} {
			if err := b.add(ctx, leafData(i)); err != nil {
				t.Fatalf("leaf %d: %v", i, err)
			}
		}
		size := int64(i + 1)
		if !check[size] && size%4099 != 0 {
			continue
		}
		want, err := tlog.TreeHash(size, ref)
		if err != nil {
			t.Fatal(err)
		}
		for name, b := range map[string]*builder{"sink": withSink, "memory": noSink} {
			got, err := b.root(ctx, size)
			if err != nil || got != want {
				t.Fatalf("%s: size %d: root %v (%v), want %v", name, size, got, err, want)
			}
		}
		if size%7 == 0 { // flush at odd places too: partial tiles grow
			if err := withSink.flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := withSink.flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tile := range tlog.NewTiles(TileHeight, 0, n) {
		want, err := tlog.ReadTileData(tile, ref)
		if err != nil {
			t.Fatal(err)
		}
		got, err := sink.load(ctx, tile)
		if err != nil || string(got) != string(want) {
			t.Fatalf("tile %v differs from the reference (%v)", tile, err)
		}
	}
	if len(noSink.edge) > 8 {
		t.Errorf("the memory builder holds %d tiles; it should hold only the right edge", len(noSink.edge))
	}
	// A builder resumed at size 1000 from the sink continues to the same root.
	r := newBuilder(sink)
	if err := r.resume(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	if got, err := r.root(ctx, 1000); err != nil || got != mustRoot(t, 1000, ref) {
		t.Fatalf("resumed root %v %v", got, err)
	}
}

func mustRoot(t *testing.T, n int64, r tlog.HashReader) tlog.Hash {
	t.Helper()
	h, err := tlog.TreeHash(n, r)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
