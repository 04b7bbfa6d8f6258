package translog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"filippo.io/torchwood"
	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jetdag/jetdag/store"
)

// Where checkpoints live (FORMAT.md, "Log and checkpoints").
const (
	// CheckpointStream holds the signed checkpoints and the witnesses' cosigned copies.
	CheckpointStream = "event-checkpoints"
	// CheckpointSubject carries the log's own checkpoints, tree sizes increasing.
	CheckpointSubject = "event.checkpoint"
	// CosignedSubject carries checkpoints with a witness's cosignature added.
	CosignedSubject = "event.checkpoint.cosigned"
)

// Errors of the log.
var (
	// ErrNoCheckpoint: the log has no checkpoint (of that size).
	ErrNoCheckpoint = errors.New("no checkpoint")
	// ErrNotLeaf: the CID is no leaf of the tree asked about.
	ErrNotLeaf = errors.New("not a leaf of the log")
	// ErrInconsistent: the stream, the tiles or two checkpoints disagree with each other.
	ErrInconsistent = errors.New("log inconsistent")
	// ErrNoSigner: a checkpoint was asked of a log opened without a signer key.
	ErrNoSigner = errors.New("no signer key")
)

// Config configures Open. The zero value opens a reader.
type Config struct {
	// Signer signs checkpoints; nil opens the log for reading only.
	Signer note.Signer
	// Verifier checks the checkpoints read back; nil trusts the stream's notes unchecked
	// (only for display). With a Signer and no Verifier the signer's own key is used.
	Verifier note.Verifier
	// Replicas of the checkpoint stream and tile bucket when they are created (0: as many
	// as the event stream has).
	Replicas int
	// FeedMemory bounds how many event CIDs the writer remembers for parent checks (older
	// ones are looked up in the CID index); 0 means 1<<16.
	FeedMemory int
	// TileCache bounds each of the two parts of the log's tile cache (hash tiles of level 1
	// and up; level-0 tiles and entry bundles), in tiles of up to 8 KiB or so; 0 means 1024.
	TileCache int
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
}

// Log is the transparency log of one jetdag store. It is safe for concurrent use; several
// processes may write checkpoints to one store, and at most one checkpoint of each tree
// size is ever stored.
type Log struct {
	es    *store.JetStreamEvents
	bs    blockStore
	js    jetstream.JetStream
	cps   jetstream.Stream
	tiles *tileStore
	cfg   Config
	log   *slog.Logger

	mu sync.Mutex // the writer's state below
	w  *writer
}

// writer is the state a checkpointer keeps between checkpoints.
type writer struct {
	tree    *builder
	v       *store.Verifier
	scanned uint64 // last stream sequence verified
	lastSeq uint64 // stream sequence of the last leaf
	last    *Checkpoint
	written map[cid.Cid]struct{}
}

// Open opens the log of the store whose events are es and whose object bucket is bs, creating
// the checkpoint stream and the tile bucket when missing.
func Open(ctx context.Context, nc *nats.Conn, es *store.JetStreamEvents, bs blockStore, cfg Config) (*Log, error) {
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(requestTimeout))
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if cfg.Verifier == nil && cfg.Signer != nil {
		cfg.Verifier = signerVerifier{cfg.Signer}
	}
	if cfg.FeedMemory == 0 {
		cfg.FeedMemory = 1 << 16
	}
	if cfg.TileCache <= 0 {
		cfg.TileCache = cacheSize
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	cps, err := js.Stream(ctx, CheckpointStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		replicas, rerr := logReplicas(ctx, js, cfg.Replicas)
		if rerr != nil {
			return nil, rerr
		}
		cps, err = js.CreateStream(ctx, jetstream.StreamConfig{
			Name:        CheckpointStream,
			Description: "jetdag: signed checkpoints of the transparency log",
			Subjects:    []string{CheckpointSubject, CosignedSubject},
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy,
			DenyDelete:  true,
			DenyPurge:   true,
			Replicas:    replicas,
		})
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint stream: %w", err)
	}
	kv, err := js.KeyValue(ctx, TileBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		replicas, rerr := logReplicas(ctx, js, cfg.Replicas)
		if rerr != nil {
			return nil, rerr
		}
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      TileBucket,
			Description: "jetdag: tlog-tiles of the transparency log",
			Storage:     jetstream.FileStorage,
			History:     1,
			Replicas:    replicas,
		})
	}
	if err != nil {
		return nil, fmt.Errorf("tile bucket: %w", err)
	}
	return &Log{es: es, bs: bs, js: js, cps: cps, tiles: newTileStore(kv, js, cfg.TileCache), cfg: cfg, log: lg}, nil
}

// requestTimeout bounds each request the log makes of the server (a tile read or write, a
// checkpoint read or publish, a state block), whatever the caller's deadline: a request whose
// reply is lost (its stream's leader killed after receiving it) fails after requestTimeout
// instead of holding a checkpoint until the caller's deadline (serve's checkpointer allows
// one ten minutes), and the next attempt reaches the new leader (TestLeadersKilledWhileCheckpointing).
const requestTimeout = 10 * time.Second

// request is ctx bounded by requestTimeout, for one request.
func request(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, requestTimeout)
}

// logReplicas is the replica count of a new checkpoint stream or tile bucket: configured, or
// the event stream's, so a log on a three-node cluster survives what the events survive.
func logReplicas(ctx context.Context, js jetstream.JetStream, configured int) (int, error) {
	if configured > 0 {
		return configured, nil
	}
	s, err := js.Stream(ctx, store.StreamName)
	if err != nil {
		return 0, fmt.Errorf("event stream: %w", err)
	}
	return max(s.CachedInfo().Config.Replicas, 1), nil
}

// signerVerifier checks notes with a signer's own key: a log reads back what it signed.
type signerVerifier struct{ s note.Signer }

func (v signerVerifier) Name() string    { return v.s.Name() }
func (v signerVerifier) KeyHash() uint32 { return v.s.KeyHash() }
func (v signerVerifier) Verify(msg, sig []byte) bool {
	want, err := v.s.Sign(msg) // Ed25519 is deterministic
	return err == nil && string(want) == string(sig)
}

// open parses a checkpoint message, checking its signature when the log has a verifier.
func (l *Log) open(data []byte, seq uint64) (*Checkpoint, error) {
	var cp *Checkpoint
	var err error
	if l.cfg.Verifier != nil {
		cp, err = OpenCheckpoint(data, l.cfg.Verifier)
	} else {
		cp, err = ParseNote(data)
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint message %d: %w", seq, err)
	}
	cp.StreamSeq = seq
	return cp, nil
}

// Latest returns the newest checkpoint, or ErrNoCheckpoint.
func (l *Log) Latest(ctx context.Context) (*Checkpoint, error) {
	rctx, cancel := request(ctx)
	m, err := l.cps.GetLastMsgForSubject(rctx, CheckpointSubject)
	cancel()
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, ErrNoCheckpoint
	}
	if err != nil {
		return nil, fmt.Errorf("latest checkpoint: %w", err)
	}
	cp, err := l.open(m.Data, m.Sequence)
	if err != nil {
		return nil, err
	}
	cp.Time = m.Time
	return cp, nil
}

// maxPreviousScan bounds how many messages before a checkpoint Previous reads (the
// witnesses' cosigned copies sit between two checkpoints).
const maxPreviousScan = 256

// Previous returns the checkpoint stored before cp (on CheckpointSubject, opened as Latest
// opens notes), or ErrNoCheckpoint when cp is the first or none is found within
// maxPreviousScan messages before it.
func (l *Log) Previous(ctx context.Context, cp *Checkpoint) (*Checkpoint, error) {
	for seq := cp.StreamSeq; seq > 1 && seq+maxPreviousScan > cp.StreamSeq; {
		seq--
		rctx, cancel := request(ctx)
		m, err := l.cps.GetMsg(rctx, seq)
		cancel()
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("checkpoint before message %d: %w", cp.StreamSeq, err)
		}
		if m.Subject != CheckpointSubject {
			continue
		}
		prev, err := l.open(m.Data, m.Sequence)
		if err != nil {
			return nil, err
		}
		prev.Time = m.Time
		return prev, nil
	}
	return nil, fmt.Errorf("%w before size %d", ErrNoCheckpoint, cp.N)
}

// eachMessage calls fn with every stored checkpoint message of subject (CheckpointSubject or
// CosignedSubject), oldest first, as its raw note and stream sequence.
func (l *Log) eachMessage(ctx context.Context, subject string, fn func(data []byte, seq uint64) error) error {
	return l.eachMessageFrom(ctx, subject, 1, fn)
}

// eachMessageFrom is eachMessage for the messages at stream sequence from or later.
func (l *Log) eachMessageFrom(ctx context.Context, subject string, from uint64, fn func(data []byte, seq uint64) error) error {
	rctx, cancel := request(ctx)
	m, err := l.cps.GetLastMsgForSubject(rctx, subject)
	cancel()
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checkpoints: %w", err)
	}
	last := m.Sequence
	if last < from {
		return nil
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}}
	if from > 1 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, from
	}
	cons, err := l.js.OrderedConsumer(ctx, CheckpointStream, cfg)
	if err != nil {
		return fmt.Errorf("checkpoints: %w", err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("checkpoints: %w", err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("checkpoints: %w", err)
		}
		md, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("checkpoints: %w", err)
		}
		if err := fn(msg.Data(), md.Sequence.Stream); err != nil {
			return err
		}
		if md.Sequence.Stream >= last {
			return nil
		}
	}
}

// Checkpoints calls fn with every stored checkpoint, oldest first; one that does not parse or
// verify is passed as an error (fn decides whether to go on).
func (l *Log) Checkpoints(ctx context.Context, fn func(*Checkpoint, error) error) error {
	return l.CheckpointsAfter(ctx, 0, fn)
}

// CheckpointsAfter is Checkpoints for the checkpoint messages stored after stream sequence
// after (a Checkpoint's StreamSeq) in event-checkpoints.
func (l *Log) CheckpointsAfter(ctx context.Context, after uint64, fn func(*Checkpoint, error) error) error {
	return l.eachMessageFrom(ctx, CheckpointSubject, after+1, func(data []byte, seq uint64) error {
		cp, err := l.open(data, seq)
		return fn(cp, err)
	})
}

// checkpointsCreated is when the checkpoint stream was created: it changes when the stream
// is deleted and created again, which numbers its messages from 1 again.
func (l *Log) checkpointsCreated(ctx context.Context) (time.Time, error) {
	rctx, cancel := request(ctx)
	defer cancel()
	info, err := l.cps.Info(rctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("checkpoint stream: %w", err)
	}
	return info.Created, nil
}

// BySize returns the stored checkpoint of tree size n, or ErrNoCheckpoint.
func (l *Log) BySize(ctx context.Context, n int64) (*Checkpoint, error) {
	latest, err := l.Latest(ctx)
	if err != nil {
		return nil, err
	}
	if latest.N == n {
		return latest, nil
	}
	if n > latest.N {
		return nil, fmt.Errorf("%w of size %d (the latest has size %d)", ErrNoCheckpoint, n, latest.N)
	}
	var found *Checkpoint
	errFound := errors.New("found")
	err = l.Checkpoints(ctx, func(cp *Checkpoint, err error) error {
		if err == nil && cp.N == n {
			found = cp
			return errFound
		}
		return nil
	})
	if found != nil {
		return found, nil
	}
	if err != nil && !errors.Is(err, errFound) {
		return nil, err
	}
	return nil, fmt.Errorf("%w of size %d", ErrNoCheckpoint, n)
}

// HashReader returns a tlog.HashReader over the stored tiles of cp's tree: every hash it gives
// comes from tiles checked against cp's root.
func (l *Log) HashReader(ctx context.Context, cp *Checkpoint) tlog.HashReader {
	return l.tiles.treeReader(ctx, cp.Tree)
}

// Warm reads into the log's tile cache, checked against cp's root, the tiles on the right
// edge of cp's tree (those its root is computed from, the partial ones included) and up to
// warmBatch full tiles of level 1 and up not cached yet, the newest first (there is one for
// every 65,536 leaves; a log of more than 4 million leaves has them all after a few calls):
// after it, a proof of any leaf in cp's tree reads at most its level-0 tile from the bucket.
func (l *Log) Warm(ctx context.Context, cp *Checkpoint) error {
	r := l.HashReader(ctx, cp)
	root, err := tlog.TreeHash(cp.N, r)
	if err != nil {
		return checkFailure(err)
	}
	if root != cp.Hash {
		return fmt.Errorf("%w: the tiles give another root than the checkpoint of size %d", ErrInconsistent, cp.N)
	}
	for idx := l.tiles.uncachedUpper(cp.N, warmBatch); len(idx) > 0; {
		n := min(len(idx), warmParallel)
		if _, err := r.ReadHashes(idx[:n]); err != nil { // read in parallel, checked against the root
			return checkFailure(err)
		}
		idx = idx[n:]
	}
	return nil
}

// warmBatch bounds the upper tiles one Warm reads, and so its time (each may cost the server
// a block read).
const warmBatch = 64

// warmParallel is how many tiles Warm reads at once. The server answers one connection's reads
// one after another, so a request sharing the log's connection while Warm runs in the
// background (the HTTP handler's next Latest) waits behind at most this many.
const warmParallel = 4

// Leaf returns the data (binary CID) of leaf i, read from its entry bundle. A cached bundle
// whose entry does not hash to the leaf (the bucket was rewritten since) is read again.
func (l *Log) Leaf(ctx context.Context, cp *Checkpoint, i int64) (cid.Cid, error) {
	c, err := l.leaf(ctx, cp, i, false)
	if errors.Is(err, errEntryMismatch) {
		c, err = l.leaf(ctx, cp, i, true)
	}
	return c, err
}

// errEntryMismatch: an entry bundle's entry does not hash to the tree's leaf.
var errEntryMismatch = errors.New("does not hash to its leaf")

func (l *Log) leaf(ctx context.Context, cp *Checkpoint, i int64, fresh bool) (cid.Cid, error) {
	if i < 0 || i >= cp.N {
		return cid.Undef, fmt.Errorf("leaf %d of a tree of %d", i, cp.N)
	}
	w := int(min(tileWidth, cp.N-i/tileWidth*tileWidth))
	t := tlog.Tile{H: TileHeight, L: -1, N: i / tileWidth, W: w}
	data, err := l.tiles.readTile(ctx, t, fresh)
	if err != nil {
		return cid.Undef, err
	}
	entry, rest := []byte(nil), data
	for range i%tileWidth + 1 {
		if entry, rest, err = torchwood.ReadTileEntry(rest); err != nil {
			return cid.Undef, fmt.Errorf("%w: entry bundle %d: %w", ErrInconsistent, t.N, err)
		}
	}
	c, err := cid.Cast(entry)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: leaf %d is not a CID: %w", ErrInconsistent, i, err)
	}
	// The bundle is not covered by the tile hashes: check the entry against the tree.
	hs, err := l.HashReader(ctx, cp).ReadHashes([]int64{tlog.StoredHashIndex(0, i)})
	if err != nil {
		return cid.Undef, checkFailure(err)
	}
	if hs[0] != tlog.RecordHash(entry) {
		return cid.Undef, fmt.Errorf("%w: entry %d %w", ErrInconsistent, i, errEntryMismatch)
	}
	return c, nil
}

// LeafIndex finds the leaf of the event c in cp's tree: the index gives the event's stream
// sequence, and leaves are in stream order, so a binary search over the entry bundles finds
// it. The search starts in the only range the leaf can be in: leaf i's sequence is at least
// i+1, and the N-1-i leaves after it have sequences up to cp.Seq, so with no rejected
// messages the first probe finds it. An event that is stored but rejected, or later than cp,
// is ErrNotLeaf.
func (l *Log) LeafIndex(ctx context.Context, cp *Checkpoint, c cid.Cid) (int64, error) {
	ev, err := l.es.Get(ctx, c)
	if errors.Is(err, store.ErrNotFound) {
		return 0, fmt.Errorf("%w: %s is not a stored event", ErrNotLeaf, c)
	}
	if err != nil {
		return 0, err
	}
	if ev.Seq > cp.Seq {
		return 0, fmt.Errorf("%w: %s (seq %d) is later than the checkpoint of size %d (seq %d)", ErrNotLeaf, c, ev.Seq, cp.N, cp.Seq)
	}
	// The leaf, if any, is in [lo, hi).
	lo, hi := max(0, cp.N-1-int64(cp.Seq-ev.Seq)), min(cp.N, int64(ev.Seq))
	for lo < hi {
		mid := lo + (hi-lo)/2
		lc, err := l.Leaf(ctx, cp, mid)
		if err != nil {
			return 0, err
		}
		if lc.Equals(c) {
			return mid, nil
		}
		lev, err := l.es.Get(ctx, lc)
		if err != nil {
			return 0, fmt.Errorf("leaf %d (%s): %w", mid, lc, err)
		}
		if lev.Seq < ev.Seq {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return 0, fmt.Errorf("%w: %s (seq %d) was rejected, not logged", ErrNotLeaf, c, ev.Seq)
}

// Prove returns the leaf index of event c in cp's tree and its RFC 9162 inclusion proof,
// checked against cp's root before it is returned.
func (l *Log) Prove(ctx context.Context, cp *Checkpoint, c cid.Cid) (int64, tlog.RecordProof, error) {
	i, err := l.LeafIndex(ctx, cp, c)
	if err != nil {
		return 0, nil, err
	}
	p, err := tlog.ProveRecord(cp.N, i, l.HashReader(ctx, cp))
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %w", ErrInconsistent, err)
	}
	if err := tlog.CheckRecord(p, cp.N, cp.Hash, i, tlog.RecordHash(c.Bytes())); err != nil {
		return 0, nil, fmt.Errorf("%w: %w", ErrInconsistent, err)
	}
	return i, p, nil
}

// Consistency returns the RFC 9162 consistency proof from the tree of size from to cp's tree,
// and the root of size from (as cp's tiles give it).
func (l *Log) Consistency(ctx context.Context, cp *Checkpoint, from int64) (tlog.TreeProof, tlog.Hash, error) {
	if from < 0 || from > cp.N {
		return nil, tlog.Hash{}, fmt.Errorf("%w: size %d is not in a tree of %d", ErrMalformed, from, cp.N)
	}
	r := l.HashReader(ctx, cp)
	if from == 0 || from == cp.N {
		old, err := tlog.TreeHash(from, r)
		if err != nil {
			return nil, tlog.Hash{}, fmt.Errorf("%w: %w", ErrInconsistent, err)
		}
		return tlog.TreeProof{}, old, nil // the empty tree, or the tree itself: no proof needed
	}
	p, err := tlog.ProveTree(cp.N, from, r)
	if err != nil {
		return nil, tlog.Hash{}, fmt.Errorf("%w: %w", ErrInconsistent, err)
	}
	old, err := tlog.TreeHash(from, r)
	if err != nil {
		return nil, tlog.Hash{}, fmt.Errorf("%w: %w", ErrInconsistent, err)
	}
	return p, old, nil
}

// Tile returns the stored data of a tile (or entry bundle) of width t.W.
func (l *Log) Tile(ctx context.Context, t tlog.Tile) ([]byte, error) { return l.tiles.read(ctx, t) }

// waitRetry pauses between attempts of a racing checkpointer.
func waitRetry(ctx context.Context, attempt int) error {
	return store.Sleep(ctx, time.Duration(attempt*attempt)*10*time.Millisecond)
}
