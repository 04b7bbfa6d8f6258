package translog

import (
	"context"
	"fmt"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/tlog"
)

// tileSink is where a tree builder keeps its tiles: the bucket for the log writer, nowhere
// for an auditor that only needs roots.
type tileSink interface {
	load(ctx context.Context, t tlog.Tile) ([]byte, error)
	save(ctx context.Context, t tlog.Tile, data []byte) error
}

// edgeKey names a tile position (level, index) whatever its width.
type edgeKey struct {
	l int
	n int64
}

// builder appends leaves to the tree and writes its tiles. It holds only the hashes added
// since the last flush (at most one tile's worth) and the newest tile of each level: a new
// leaf's stored hashes and the tree's root need nothing else, so its memory does not grow
// with the log. Anything else is read back from the sink.
type builder struct {
	n       int64               // leaves added
	flushed int64               // leaves whose tiles have been saved
	pending map[int64]tlog.Hash // stored hashes not yet in a saved tile
	edge    map[edgeKey][]byte  // newest data of the right-most tiles
	entries []byte              // the current entry bundle (leaf data since the last full one)
	sink    tileSink
	ctx     context.Context // for sink reads during a hash lookup
}

func newBuilder(sink tileSink) *builder {
	return &builder{pending: make(map[int64]tlog.Hash), edge: make(map[edgeKey][]byte), sink: sink}
}

// resume makes the builder continue a stored tree of n leaves (its tiles in the sink).
func (b *builder) resume(ctx context.Context, n int64) error {
	b.n, b.flushed = n, n
	if w := int(n % tileWidth); w > 0 && b.sink != nil {
		t := tlog.Tile{H: TileHeight, L: -1, N: n / tileWidth, W: w}
		data, err := b.sink.load(ctx, t)
		if err != nil {
			return fmt.Errorf("entry bundle of the last leaves: %w", err)
		}
		b.entries = append([]byte(nil), data...)
	}
	return nil
}

// ReadHashes implements tlog.HashReader over the pending hashes, the edge tiles and the sink.
func (b *builder) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if h, ok := b.pending[x]; ok {
			out[i] = h
			continue
		}
		t := tlog.TileForIndex(TileHeight, x)
		k := edgeKey{t.L, t.N}
		data, ok := b.edge[k]
		if !ok || len(data) < t.W*tlog.HashSize {
			if b.sink == nil {
				return nil, fmt.Errorf("hash %d: tile %s not in memory", x, torchwood.TilePath(t))
			}
			full := t
			full.W = int(min(tileWidth, (b.flushed>>(uint(t.L)*TileHeight))-t.N*tileWidth))
			if full.W < t.W {
				return nil, fmt.Errorf("hash %d: beyond the stored tree", x)
			}
			d, err := b.sink.load(b.ctx, full)
			if err != nil {
				return nil, err
			}
			data = d
			b.edge[k] = d
		}
		h, err := tlog.HashFromTile(t, data, x)
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	return out, nil
}

// add appends one leaf whose data is leaf, flushing the tiles each time a bundle fills.
func (b *builder) add(ctx context.Context, leaf []byte) error {
	b.ctx = ctx
	hs, err := tlog.StoredHashes(b.n, leaf, b)
	if err != nil {
		return fmt.Errorf("leaf %d: %w", b.n, err)
	}
	base := tlog.StoredHashIndex(0, b.n)
	for i, h := range hs {
		b.pending[base+int64(i)] = h
	}
	if b.entries, err = torchwood.AppendTileEntry(b.entries, leaf); err != nil {
		return err
	}
	b.n++
	if b.n%tileWidth == 0 {
		return b.flush(ctx)
	}
	return nil
}

// flush saves every tile that changed since the last flush, the widest version of each.
func (b *builder) flush(ctx context.Context) error {
	if b.n == b.flushed {
		return nil
	}
	b.ctx = ctx
	tiles := tlog.NewTiles(TileHeight, b.flushed, b.n)
	data := make([][]byte, len(tiles))
	for i, t := range tiles {
		d, err := tlog.ReadTileData(t, b)
		if err != nil {
			return fmt.Errorf("tile %s: %w", torchwood.TilePath(t), err)
		}
		data[i] = d
	}
	// Entry bundle first, then hash tiles from the top level down: a reader never finds a
	// hash tile whose leaves have no entries.
	bundle := tlog.Tile{H: TileHeight, L: -1, N: (b.n - 1) / tileWidth, W: int((b.n-1)%tileWidth) + 1}
	if b.sink != nil {
		if err := b.sink.save(ctx, bundle, b.entries); err != nil {
			return err
		}
		for i := len(tiles) - 1; i >= 0; i-- {
			if err := b.sink.save(ctx, tiles[i], data[i]); err != nil {
				return err
			}
		}
	}
	for i, t := range tiles {
		k := edgeKey{t.L, t.N}
		b.edge[k] = data[i]
		delete(b.edge, edgeKey{t.L, t.N - 1}) // no longer on the right edge
	}
	clear(b.pending)
	if bundle.W == tileWidth {
		b.entries = nil
	}
	b.flushed = b.n
	return nil
}

// root is the tree hash of the first n leaves (n at most the leaves added).
func (b *builder) root(ctx context.Context, n int64) (tlog.Hash, error) {
	b.ctx = ctx
	return tlog.TreeHash(n, b)
}

// bucketSink keeps the builder's tiles in the tile store.
type bucketSink struct{ s *tileStore }

func (k bucketSink) load(ctx context.Context, t tlog.Tile) ([]byte, error) { return k.s.read(ctx, t) }
func (k bucketSink) save(ctx context.Context, t tlog.Tile, data []byte) error {
	return k.s.write(ctx, t, data)
}
