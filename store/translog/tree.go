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
	// save stores the tiles (entry bundles and hash tiles, in any order) before it returns.
	save(ctx context.Context, tiles []tlog.Tile, data [][]byte) error
}

// flushEvery is how many leaves a builder with a sink gathers before it saves their tiles
// (also saved at every flush): at most 64 Ki leaves' hashes (about 6 MB) are held, and the
// bucket sees a few hundred tiles at once instead of a round trip every 256 leaves.
const flushEvery = 1 << 16

// edgeKey names a tile position (level, index) whatever its width.
type edgeKey struct {
	l int
	n int64
}

// builder appends leaves to the tree and writes its tiles. It holds only the hashes added
// since the last flush (at most flushEvery leaves' worth, one tile's without a sink) and the
// newest tile of each level: a new
// leaf's stored hashes and the tree's root need nothing else, so its memory does not grow
// with the log. Anything else is read back from the sink.
type builder struct {
	n       int64              // leaves added
	flushed int64              // leaves whose tiles have been saved
	pending []tlog.Hash        // stored hashes not yet in a saved tile, from index base on
	base    int64              // stored hash index of pending[0]: StoredHashIndex(0, flushed)
	edge    map[edgeKey][]byte // newest data of the right-most tiles
	entries []byte             // the current entry bundle (leaf data since the last full one)
	bundles map[int64][]byte   // entry bundles filled since the last flush
	sink    tileSink
	ctx     context.Context // for sink reads during a hash lookup
}

func newBuilder(sink tileSink) *builder {
	return &builder{edge: make(map[edgeKey][]byte), bundles: make(map[int64][]byte), sink: sink}
}

// resume makes the builder continue a stored tree of n leaves (its tiles in the sink).
func (b *builder) resume(ctx context.Context, n int64) error {
	b.n, b.flushed = n, n
	b.pending, b.base = b.pending[:0], tlog.StoredHashIndex(0, n)
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
		if x >= b.base && x-b.base < int64(len(b.pending)) {
			out[i] = b.pending[x-b.base]
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
	b.pending = append(b.pending, hs...) // stored hash indexes are consecutive, leaf after leaf
	if b.sink != nil {                   // entries are only stored, never read back by the builder
		if b.entries, err = torchwood.AppendTileEntry(b.entries, leaf); err != nil {
			return err
		}
	}
	b.n++
	if b.n%tileWidth == 0 {
		if b.sink == nil {
			return b.flush(ctx)
		}
		b.bundles[(b.n-1)/tileWidth] = b.entries
		b.entries = nil
		if b.n-b.flushed >= flushEvery {
			return b.flush(ctx)
		}
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
	if b.sink != nil {
		if b.n%tileWidth != 0 {
			bundle := tlog.Tile{H: TileHeight, L: -1, N: b.n / tileWidth, W: int(b.n % tileWidth)}
			tiles, data = append(tiles, bundle), append(data, b.entries)
		}
		for n, d := range b.bundles {
			tiles, data = append(tiles, tlog.Tile{H: TileHeight, L: -1, N: n, W: tileWidth}), append(data, d)
		}
		if err := b.sink.save(ctx, tiles, data); err != nil {
			return err
		}
		clear(b.bundles)
	}
	for i, t := range tiles {
		if t.L < 0 {
			continue
		}
		k := edgeKey{t.L, t.N}
		b.edge[k] = data[i]
		delete(b.edge, edgeKey{t.L, t.N - 1}) // no longer on the right edge
	}
	b.pending, b.base = b.pending[:0], tlog.StoredHashIndex(0, b.n)
	if b.sink == nil && b.n%tileWidth == 0 {
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
func (k bucketSink) save(ctx context.Context, tiles []tlog.Tile, data [][]byte) error {
	return k.s.writeAll(ctx, tiles, data)
}
