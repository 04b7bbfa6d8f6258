package translog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"

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
	// cache keeps the widest version of each tile read from the bucket (a tile only grows,
	// and every narrower version is a prefix of it; tiles this process writes are not added:
	// a writer's memory stays the builder's), so proofs and HTTP reads of recent tiles,
	// the partial right edge included, need no round trip; at most cacheSize of them (8 MiB
	// of hash tiles). Every tile a proof uses is still checked against its checkpoint's root.
	mu    sync.Mutex
	cache map[string][]byte
	order []string
}

const cacheSize = 1024

func newTileStore(kv jetstream.KeyValue, js jetstream.JetStream) *tileStore {
	return &tileStore{kv: kv, js: js, rev: make(map[string]uint64), cache: make(map[string][]byte)}
}

func (s *tileStore) cached(key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.cache[key]
	return d, ok
}

// keep caches data as key's newest version when it is wider than the one cached, or in
// any case when replace is set (a version read afresh from the bucket).
func (s *tileStore) keep(key string, data []byte, replace bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.cache[key]; ok {
		if replace || len(data) > len(old) {
			s.cache[key] = data
		}
		return
	}
	if len(s.order) >= cacheSize {
		delete(s.cache, s.order[0])
		s.order = s.order[1:]
	}
	s.cache[key] = data
	s.order = append(s.order, key)
}

// writeAll stores every tile (see write). Full tiles this process has not written before are
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
func (s *tileStore) readTile(ctx context.Context, t tlog.Tile, fresh bool) ([]byte, error) {
	key := tileKey(t)
	if d, ok := s.cached(key); ok && !fresh {
		if data, ok := cutTile(t, d); ok {
			return data, nil
		}
	}
	e, err := s.kv.Get(ctx, key)
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
	s.keep(key, e.Value(), fresh)
	return data, nil
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
func (s *tileStore) write(ctx context.Context, t tlog.Tile, data []byte) error {
	key := tileKey(t)
	if rev, ok := s.rev[key]; ok {
		if nrev, err := s.kv.Update(ctx, key, data, rev); err == nil {
			s.remember(t, key, nrev)
			return nil
		}
	}
	for range 8 {
		e, err := s.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			rev, err := s.kv.Create(ctx, key, data)
			if err == nil {
				s.remember(t, key, rev)
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
			s.remember(t, key, e.Revision())
			return nil
		}
		if !bytes.HasPrefix(data, old) {
			return fmt.Errorf("%w: %s", ErrTileConflict, key)
		}
		rev, err := s.kv.Update(ctx, key, data, e.Revision())
		if err == nil {
			s.remember(t, key, rev)
			return nil
		}
		// Lost a race with another writer: look again.
	}
	return fmt.Errorf("write tile %s: too many concurrent writers", key)
}

func (s *tileStore) remember(t tlog.Tile, key string, rev uint64) {
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
			if d, ok := r.s.cached(tileKey(t)); ok {
				if data, ok := cutTile(t, d); ok {
					out[i] = data
					continue
				}
			}
		}
		wg.Go(func() { out[i], errs[i] = r.s.readTile(r.ctx, t, r.fresh) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
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
