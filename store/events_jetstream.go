// This file opens the event store on JetStream: its configuration, the stream and index
// bucket it creates or checks. Appending, the CID index and reading live beside it in
// events_append.go, events_index.go and events_read.go.

package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// IndexBucket is the key-value bucket mapping event CIDs to stream sequences, so that Get
// works from a fresh process without reading the stream.
const IndexBucket = "event-index"

// EventStoreConfig configures OpenEvents. The zero value is a single-replica store.
type EventStoreConfig struct {
	// Replicas of the stream and the index bucket (1, 3 or 5); 0 means 1.
	Replicas int
	// Logger receives warnings (e.g. index writes that failed); nil discards them.
	Logger *slog.Logger
	// Now returns the current time in Unix nanoseconds; nil means time.Now.
	Now func() int64
	// PublishTimeout bounds one publish attempt (0 = 5s); a timed-out publish is resent with
	// the same message ID, so it is stored at most once.
	PublishTimeout time.Duration
	// PublishAttempts is how many times a publish that timed out or found no responders is
	// sent (0 = 5).
	PublishAttempts int
	// IndexQueue > 0 makes the writer index its own appends: the CID and children entries of
	// acknowledged events are written in the background, at most IndexQueue events waiting
	// (DefaultIndexQueue is a good bound; events beyond it are left to the readers' tail
	// passes), and the watermarks follow. 0 or negative (the default): the index is kept by
	// readers only, who index what follows the watermark when a lookup misses. Indexing on
	// append spares the first reader after a bulk load its tail pass (1.5 s for 100,000 events
	// here, none after) but costs the server about twice the work per append (appends at
	// 0.58-0.61 of the rate when the CPU is the limit; docs/benchmarks.md).
	IndexQueue int
	// FeedMemory bounds how many events a Subscribe feed remembers for its checks (0 = all):
	// a feed that runs for weeks then keeps flat memory, and looks up older parents in the
	// CID index instead.
	FeedMemory int
	// ReadStall is how long a bounded read (history, replay, verify) waits for the next
	// message on one consumer before it opens another that resumes after the last message
	// delivered, up to three in all (0 = DefaultReadStall, 10s).
	ReadStall time.Duration
}

// JetStreamEvents is the EventStore on a JetStream stream. It is safe for concurrent use;
// any number of processes may append to the same stream.
type JetStreamEvents struct {
	nc         *nats.Conn
	js         jetstream.JetStream // reads, index writes
	stream     jetstream.Stream
	index      jetstream.KeyValue
	cfg        EventStoreConfig
	log        *slog.Logger
	maxPayload int

	mu    sync.Mutex
	heads map[string]headRef // a cache; the server's expected-sequence check makes it safe
	known map[digestKey]uint64
	start *trustedStart // TrustHeads: where head reads of unknown aggregates start (nil: seq 1)

	async asyncAppender // AppendAsync's state
	cold  coldReads     // batched chain reads of aggregates with no cached head
	own   ownIndex      // the index writes of this writer's appends (events_ownindex.go)

	tailReads atomic.Uint64 // messages read by tail passes (tests)
}

var _ EventStore = (*JetStreamEvents)(nil)

// StreamConfig is the configuration jetdag gives the event stream.
func StreamConfig(replicas int) jetstream.StreamConfig {
	if replicas <= 0 {
		replicas = 1
	}
	return jetstream.StreamConfig{
		Name:               StreamName,
		Subjects:           []string{StreamSubjects},
		Retention:          jetstream.LimitsPolicy,
		Storage:            jetstream.FileStorage,
		MaxAge:             10 * 365 * 24 * time.Hour,
		Duplicates:         2 * time.Minute,
		DenyDelete:         true,
		DenyPurge:          true,
		AllowAtomicPublish: true,
		Replicas:           replicas,
	}
}

// OpenEvents opens the event store on nc, creating the stream and index bucket when they are
// missing. An existing stream is updated only when a setting jetdag needs is off, and refused
// with ErrIncompatibleStream when it cannot be used (other subjects, retention or storage).
func OpenEvents(ctx context.Context, nc *nats.Conn, cfg EventStoreConfig) (*JetStreamEvents, error) {
	if cfg.Now == nil {
		cfg.Now = func() int64 { return time.Now().UnixNano() }
	}
	if cfg.PublishTimeout == 0 {
		cfg.PublishTimeout = 5 * time.Second
	}
	if cfg.PublishAttempts == 0 {
		cfg.PublishAttempts = 5
	}
	// Index writes are asynchronous publishes: without a timeout, one whose ack was lost (a
	// partitioned stream leader) stays pending for ever, and Flush, which Get's tail
	// indexing waits on, never returns.
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(cfg.PublishTimeout))
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	stream, err := ensureStream(ctx, nc, js, StreamConfig(cfg.Replicas))
	if err != nil {
		return nil, err
	}
	index, err := ensureKV(ctx, nc, js, jetstream.KeyValueConfig{
		Bucket:      IndexBucket,
		Description: "jetdag: event CID -> event-store stream sequence",
		Storage:     jetstream.FileStorage,
		Replicas:    max(cfg.Replicas, 1),
		History:     1,
	})
	if err != nil {
		return nil, err
	}
	mp := int(nc.MaxPayload())
	if mp <= 0 {
		mp = 1 << 20
	}
	s := &JetStreamEvents{
		nc: nc, js: js, stream: stream, index: index, cfg: cfg, log: log, maxPayload: mp,
		heads: make(map[string]headRef), known: make(map[digestKey]uint64),
	}
	s.own.limit = cfg.IndexQueue
	if s.own.limit <= 0 {
		s.own.limit = -1 // readers keep the index
	}
	return s, nil
}

func ensureStream(ctx context.Context, nc *nats.Conn, js jetstream.JetStream, want jetstream.StreamConfig) (jetstream.Stream, error) {
	s, err := js.Stream(ctx, want.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		subj := "$JS.API.STREAM.CREATE." + want.Name
		cctx, cancel := CancelOnDenied(ctx, nc, subj)
		defer cancel()
		s, err = js.CreateStream(cctx, want)
		if err != nil {
			return nil, fmt.Errorf("create stream %s: %w", want.Name, deniedOr(nc, subj, err))
		}
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up stream %s: %w", want.Name, err)
	}
	have := s.CachedInfo().Config
	if !slices.Equal(have.Subjects, want.Subjects) {
		return nil, fmt.Errorf("%w: stream %s has subjects %v, jetdag needs %v", ErrIncompatibleStream, want.Name, have.Subjects, want.Subjects)
	}
	if have.Retention != want.Retention {
		return nil, fmt.Errorf("%w: stream %s has %s retention, jetdag needs limits", ErrIncompatibleStream, want.Name, have.Retention)
	}
	if have.Storage != want.Storage {
		return nil, fmt.Errorf("%w: stream %s uses %s storage, jetdag needs file", ErrIncompatibleStream, want.Name, have.Storage)
	}
	if have.MaxMsgsPerSubject > 0 || have.MaxMsgs > 0 || have.MaxBytes > 0 && have.Discard == jetstream.DiscardOld {
		return nil, fmt.Errorf("%w: stream %s has message or byte limits that would drop old events", ErrIncompatibleStream, want.Name)
	}
	if have.DenyDelete && have.DenyPurge && have.AllowAtomicPublish && have.Duplicates >= want.Duplicates && have.MaxAge == want.MaxAge {
		return s, nil // never update a healthy stream: a replicated update needs every peer
	}
	upd := have
	upd.DenyDelete, upd.DenyPurge, upd.AllowAtomicPublish = true, true, true
	upd.Duplicates = max(have.Duplicates, want.Duplicates)
	upd.MaxAge = want.MaxAge
	subj := "$JS.API.STREAM.UPDATE." + want.Name
	uctx, cancel := CancelOnDenied(ctx, nc, subj)
	defer cancel()
	s, err = js.UpdateStream(uctx, upd)
	if err != nil {
		return nil, fmt.Errorf("update stream %s to jetdag's settings: %w", want.Name, deniedOr(nc, subj, err))
	}
	return s, nil
}

func ensureKV(ctx context.Context, nc *nats.Conn, js jetstream.JetStream, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, cfg.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		subj := "$JS.API.STREAM.CREATE.KV_" + cfg.Bucket
		cctx, cancel := CancelOnDenied(ctx, nc, subj)
		defer cancel()
		kv, err = js.CreateKeyValue(cctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("create bucket %s: %w", cfg.Bucket, deniedOr(nc, subj, err))
		}
		return kv, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", cfg.Bucket, err)
	}
	return kv, nil
}

// LastSeq is the stream's last sequence (0 when empty).
func (s *JetStreamEvents) LastSeq(ctx context.Context) (uint64, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("stream info: %w", err)
	}
	return info.State.LastSeq, nil
}
