package translog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"filippo.io/torchwood"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/tlog"
)

// TileBucket is the key-value bucket holding the log's tiles and entry bundles. Each is one
// key named by its C2SP tlog-tiles path without the partial suffix (tile/0/x001/234,
// tile/entries/000); its value is the widest version written so far: a partial tile only
// grows (every narrower partial tile is a prefix of it), a full one never changes.
const TileBucket = "event-log"

// TileHeight is the C2SP tlog-tiles height: 256 hashes (or entries) a tile.
const TileHeight = torchwood.TileHeight

// tileWidth is the number of hashes or entries in a full tile.
const tileWidth = 1 << TileHeight

// Errors of the tile store.
var (
	// ErrTileMissing: the bucket has no tile of that path and width (yet).
	ErrTileMissing = errors.New("tile not stored")
	// ErrTileConflict: a stored tile disagrees with what the log computed from the stream;
	// the store was rewritten, or two different logs share the bucket.
	ErrTileConflict = errors.New("stored tile disagrees with the log")
)

// tileKey is the bucket key of t: its tlog-tiles path at full width.
func tileKey(t tlog.Tile) string {
	t.W = tileWidth
	return torchwood.TilePath(t)
}

// tileStore reads and writes tiles in the bucket.
type tileStore struct {
	kv jetstream.KeyValue
	js jetstream.JetStream // for pipelined creates of new full tiles
	// rev remembers the revision this process last wrote under a key, so the next (wider)
	// write of a partial tile is one compare-and-set instead of a read and a write.
	rev map[string]uint64
	// The cache keeps the widest version of each tile read from the bucket or written to it
	// (a tile only grows, and every narrower version is a prefix of it), so proofs and HTTP
	// reads of recent tiles, the partial right edge included, need no round trip. Hash tiles
	// of level 1 and up, which every proof needs one of per level (one such tile covers
	// 65,536 leaves or more), have their own part, so a stream of level-0 tiles and entry
	// bundles never pushes them out. Each part holds at most Config.TileCache tiles (by
	// default cacheSize: together at most about 18 MiB), whatever the log's size. Every tile a proof uses is still checked
	// against its checkpoint's root.
	mu     sync.Mutex
	upper  tileCache // hash tiles of level 1 and up
	bottom tileCache // level-0 hash tiles and entry bundles
}

// cacheSize is the default bound of each part of the tile cache (tiles of up to 256 hashes
// or entries).
const cacheSize = 1024

// tileCache is a bounded map from tile key to its widest known data; the oldest key is
// dropped first.
type tileCache struct {
	max   int // tiles held at most
	m     map[string][]byte
	order []string
}

// put stores data as key's newest version when it is wider than the one held, or in any
// case when replace is set (a version read afresh from the bucket).
func (c *tileCache) put(key string, data []byte, replace bool) {
	if old, ok := c.m[key]; ok {
		if replace || len(data) > len(old) {
			c.m[key] = data
		}
		return
	}
	if c.m == nil {
		c.m = make(map[string][]byte)
	}
	if len(c.order) >= c.max {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[key] = data
	c.order = append(c.order, key)
}

// newTileStore returns a tile store over kv whose cache keeps up to size tiles in each part.
func newTileStore(kv jetstream.KeyValue, js jetstream.JetStream, size int) *tileStore {
	return &tileStore{kv: kv, js: js, rev: make(map[string]uint64), upper: tileCache{max: size}, bottom: tileCache{max: size}}
}

// part is the cache part that holds t.
func (s *tileStore) part(t tlog.Tile) *tileCache {
	if t.L >= 1 {
		return &s.upper
	}
	return &s.bottom
}

// cached returns the widest cached version of t (at any width).
func (s *tileStore) cached(t tlog.Tile) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.part(t).m[tileKey(t)]
	return d, ok
}

// keep caches data as t's newest version (see tileCache.put).
func (s *tileStore) keep(t tlog.Tile, data []byte, replace bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.part(t).put(tileKey(t), data, replace)
}

// cachedTiles is how many tiles the cache holds.
func (s *tileStore) cachedTiles() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.upper.m) + len(s.bottom.m)
}

// uncachedUpper returns, for up to limit full hash tiles of level 1 and up of an n-leaf tree
// that the cache does not hold, the stored-hash index of the tile's first hash: the higher
// levels first, the newest tiles of each level first.
func (s *tileStore) uncachedUpper(n int64, limit int) []int64 {
	var idx []int64
	top := 1
	for (n>>(uint(top+1)*TileHeight))/tileWidth > 0 {
		top++
	}
	for l := top; l >= 1; l-- {
		full := (n >> (uint(l) * TileHeight)) / tileWidth // full tiles of level l
		for k := full - 1; k >= 0 && len(idx) < limit; k-- {
			t := tlog.Tile{H: TileHeight, L: l, N: k, W: tileWidth}
			if _, ok := s.fromCache(t); !ok {
				idx = append(idx, tlog.StoredHashIndex(l*TileHeight, k*tileWidth))
			}
		}
	}
	return idx
}

// TileRead is one tile read by the log, as WithTileTrace reports it.
type TileRead struct {
	// Path is the tile's tlog-tiles path (at the width read).
	Path string
	// Cached is true when the tile came from the log's cache, false for a bucket read.
	Cached bool
	// Duration is how long the read took.
	Duration time.Duration
	// Err is the read's error, if any.
	Err error
}

type tileTraceKey struct{}

// WithTileTrace returns a context under which every tile the log reads for a call given
// that context (HashReader, Prove, Leaf, Tile, Warm) is reported to fn, from the cache or
// from the bucket: where a proof's time goes. fn may be called from several goroutines at
// once (a proof's bucket reads run in parallel).
func WithTileTrace(ctx context.Context, fn func(TileRead)) context.Context {
	return context.WithValue(ctx, tileTraceKey{}, fn)
}

func traceTile(ctx context.Context, t tlog.Tile, cached bool, t0 time.Time, err error) {
	if fn, ok := ctx.Value(tileTraceKey{}).(func(TileRead)); ok {
		fn(TileRead{Path: torchwood.TilePath(t), Cached: cached, Duration: time.Since(t0), Err: err})
	}
}

// writeAll stores every tile (see write) and caches it. Full tiles this process has not written before are
// created in one pipelined batch (a publish to the bucket's subject that the server accepts
// only while the key is new); one that exists already is compared as write does.
func (s *tileStore) writeAll(ctx context.Context, tiles []tlog.Tile, data [][]byte) error {
	type created struct {
		i   int
		ack jetstream.PubAckFuture
	}
	var batch []created
	for i, t := range tiles {
		key := tileKey(t)
		if _, known := s.rev[key]; t.W != tileWidth || known {
			if err := s.write(ctx, t, data[i]); err != nil {
				return err
			}
			continue
		}
		m := nats.NewMsg("$KV." + TileBucket + "." + key)
		m.Data = data[i]
		m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, "0")
		f, err := s.js.PublishMsgAsync(m)
		if err != nil {
			return fmt.Errorf("write tile %s: %w", key, err)
		}
		batch = append(batch, created{i, f})
	}
	for _, c := range batch {
		select {
		case <-c.ack.Ok():
			s.keep(tiles[c.i], data[c.i], false)
		case <-c.ack.Err():
			// Exists already (another writer, or an earlier run): compare with it.
			if err := s.write(ctx, tiles[c.i], data[c.i]); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// read returns the data of t (t.W hashes, or t.W entries for an entry bundle, L = -1), from
// the cache when it holds t at that width or wider.
func (s *tileStore) read(ctx context.Context, t tlog.Tile) ([]byte, error) {
	return s.readTile(ctx, t, false)
}

// readTile is read; fresh skips the cache and replaces its version with the bucket's.
func (s *tileStore) readTile(ctx context.Context, t tlog.Tile, fresh bool) (data []byte, err error) {
	t0 := time.Now()
	if !fresh {
		if data, ok := s.fromCache(t); ok {
			traceTile(ctx, t, true, t0, nil)
			return data, nil
		}
	}
	defer func() { traceTile(ctx, t, false, t0, err) }()
	key := tileKey(t)
	rctx, cancel := request(ctx)
	e, err := s.kv.Get(rctx, key)
	cancel()
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrTileMissing, torchwood.TilePath(t))
	}
	if err != nil {
		return nil, fmt.Errorf("read tile %s: %w", torchwood.TilePath(t), err)
	}
	data, ok := cutTile(t, e.Value())
	if !ok {
		return nil, fmt.Errorf("%w: %s (the stored tile is narrower)", ErrTileMissing, torchwood.TilePath(t))
	}
	s.keep(t, e.Value(), fresh)
	return data, nil
}

// fromCache returns t (at width t.W) from the cache, when the cache holds it that wide.
func (s *tileStore) fromCache(t tlog.Tile) ([]byte, bool) {
	d, ok := s.cached(t)
	if !ok {
		return nil, false
	}
	return cutTile(t, d)
}

// cutTile returns the first t.W hashes or entries of a stored tile.
func cutTile(t tlog.Tile, stored []byte) ([]byte, bool) {
	if t.L >= 0 {
		n := t.W * tlog.HashSize
		if len(stored) < n || len(stored)%tlog.HashSize != 0 {
			return nil, false
		}
		return stored[:n], true
	}
	rest := stored
	for range t.W {
		var err error
		if _, rest, err = torchwood.ReadTileEntry(rest); err != nil {
			return nil, false
		}
	}
	return stored[:len(stored)-len(rest)], true
}

// write stores data as the newest version of t. A stored version that data extends is
// replaced; one that already extends data is kept; one that disagrees is ErrTileConflict.
// The version the bucket then holds is cached.
func (s *tileStore) write(ctx context.Context, t tlog.Tile, data []byte) error {
	key := tileKey(t)
	// One bound for the few requests of one tile.
	ctx, cancel := context.WithTimeout(ctx, 2*requestTimeout)
	defer cancel()
	if rev, ok := s.rev[key]; ok {
		if nrev, err := s.kv.Update(ctx, key, data, rev); err == nil {
			s.remember(t, key, data, nrev)
			return nil
		}
	}
	for range 8 {
		e, err := s.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			rev, err := s.kv.Create(ctx, key, data)
			if err == nil {
				s.remember(t, key, data, rev)
				return nil
			}
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue // another writer created it: compare with theirs
			}
			return fmt.Errorf("write tile %s: %w", key, err)
		}
		if err != nil {
			return fmt.Errorf("read tile %s: %w", key, err)
		}
		old := e.Value()
		if len(old) >= len(data) {
			if !bytes.HasPrefix(old, data) {
				return fmt.Errorf("%w: %s", ErrTileConflict, key)
			}
			s.remember(t, key, old, e.Revision())
			return nil
		}
		if !bytes.HasPrefix(data, old) {
			return fmt.Errorf("%w: %s", ErrTileConflict, key)
		}
		rev, err := s.kv.Update(ctx, key, data, e.Revision())
		if err == nil {
			s.remember(t, key, data, rev)
			return nil
		}
		// Lost a race with another writer: look again.
	}
	return fmt.Errorf("write tile %s: too many concurrent writers", key)
}

// remember notes that the bucket holds data (or a wider version) as t at revision rev.
func (s *tileStore) remember(t tlog.Tile, key string, data []byte, rev uint64) {
	s.keep(t, data, false)
	if t.W == tileWidth {
		delete(s.rev, key) // full: never written again
		return
	}
	s.rev[key] = rev
}

// hashReader is a tlog.TileReader over the bucket for reading a checkpoint's tree: wrapped in
// tlog.TileHashReader, every tile it returns is checked against the checkpoint's root. The
// tiles of one call (a proof needs a few, one a level) are read in parallel.
type hashReader struct {
	ctx   context.Context
	s     *tileStore
	fresh bool // read past the cache
}

func (r hashReader) Height() int { return TileHeight }

func (r hashReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	errs := make([]error, len(tiles))
	var wg sync.WaitGroup
	for i, t := range tiles {
		if !r.fresh {
			t0 := time.Now()
			if data, ok := r.s.fromCache(t); ok {
				traceTile(r.ctx, t, true, t0, nil)
				out[i] = data
				continue
			}
		}
		wg.Go(func() { out[i], errs[i] = r.s.readTile(r.ctx, t, r.fresh) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, readFailure{err}
	}
	return out, nil
}

// readFailure marks an error of reading tiles from the bucket, as opposed to tiles that were
// read but do not check against the root.
type readFailure struct{ err error }

func (e readFailure) Error() string { return e.err.Error() }
func (e readFailure) Unwrap() error { return e.err }

// checkFailure wraps err, from a tile-checked HashReader, as ErrInconsistent unless it is a
// failure to read the tiles.
func checkFailure(err error) error {
	if errors.As(err, new(readFailure)) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrInconsistent, err)
}

func (r hashReader) SaveTiles([]tlog.Tile, [][]byte) {}

// treeReader returns a HashReader over the stored tiles of tree, each tile checked against
// tree's root. Tiles come from the cache when it has them; when they do not check (a tile
// rewritten in the bucket since it was cached), the hashes are read again from the bucket.
func (s *tileStore) treeReader(ctx context.Context, tree tlog.Tree) tlog.HashReader {
	return retryReader{
		cached: tlog.TileHashReader(tree, hashReader{ctx: ctx, s: s}),
		fresh:  tlog.TileHashReader(tree, hashReader{ctx: ctx, s: s, fresh: true}),
	}
}

// retryReader reads hashes through cached, and through fresh when cached fails.
type retryReader struct{ cached, fresh tlog.HashReader }

func (r retryReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	hs, err := r.cached.ReadHashes(indexes)
	if err == nil {
		return hs, nil
	}
	return r.fresh.ReadHashes(indexes)
}
