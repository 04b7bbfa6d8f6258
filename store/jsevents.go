package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/block"
)

// IndexBucket is the key-value bucket mapping event CIDs to stream sequences, so that Get
// works from a fresh process without reading the stream.
const IndexBucket = "event-index"

// isWrongLastSeq reports the server refusing a publish because the aggregate's last sequence
// moved: the signal of a lost race.
func isWrongLastSeq(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == errCodeWrongLastSeq || apiErr.ErrorCode == errCodeWrongLastSeqC)
}

// readStall bounds how long a bounded stream read waits for its next message.
const readStall = 20 * time.Second

// JetStream API error codes jetdag reacts to.
const (
	errCodeWrongLastSeq  = 10071 // expected last subject sequence did not match
	errCodeWrongLastSeqC = 10164 // the same, as a clustered stream's leader words it
	errCodeBatchDupMsgID = 10201 // atomic batch repeats a stored Nats-Msg-Id
)

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
	// FeedMemory bounds how many events a Subscribe feed remembers for its checks (0 = all):
	// a feed that runs for weeks then keeps flat memory, and looks up older parents in the
	// CID index instead.
	FeedMemory int
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

	async asyncAppender // AppendAsync's state
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
	js, err := jetstream.New(nc)
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
	return &JetStreamEvents{
		nc: nc, js: js, stream: stream, index: index, cfg: cfg, log: log, maxPayload: mp,
		heads: make(map[string]headRef), known: make(map[digestKey]uint64),
	}, nil
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

// Append adds one event to the aggregate's chain.
func (s *JetStreamEvents) Append(ctx context.Context, aggregateID, eventType string, payload []byte, parents ...cid.Cid) (*StoredEvent, error) {
	return s.AppendEvent(ctx, NewEvent{AggregateID: aggregateID, EventType: eventType, Payload: payload, Parents: parents})
}

// AppendEvent appends one event with options.
func (s *JetStreamEvents) AppendEvent(ctx context.Context, ne NewEvent, opts ...AppendOption) (*StoredEvent, error) {
	evs, err := s.AppendBatch(ctx, ne.AggregateID, []NewEvent{ne}, opts...)
	if err != nil {
		return nil, err
	}
	return evs[0], nil
}

// AppendBatch appends evs to one aggregate atomically, chained in order after its head. One
// event is a plain publish; several use JetStream's atomic batch publish (at most 1000).
func (s *JetStreamEvents) AppendBatch(ctx context.Context, aggregateID string, evs []NewEvent, opts ...AppendOption) ([]*StoredEvent, error) {
	o := collectOptions(opts)
	if err := validateBatch(aggregateID, evs); err != nil {
		return nil, err
	}
	if err := s.checkParents(ctx, evs); err != nil {
		return nil, err
	}
	attempts := 1
	if !o.expectSet {
		attempts += max(o.retries, 0)
	}
	var lastErr error
	for attempt := range attempts {
		if attempt > 0 {
			// Writers that lost a race back off for a random while, growing with each loss,
			// so that several writers on one aggregate take turns instead of colliding again.
			if err := sleepCtx(ctx, conflictBackoff(attempt)); err != nil {
				return nil, fmt.Errorf("%w (retrying: %w)", lastErr, err)
			}
		}
		head, err := s.head(ctx, aggregateID, false)
		if err != nil {
			return nil, err
		}
		if o.expectSet && !head.cid.Equals(o.expectHead) {
			// The cache may be stale: ask the server before refusing.
			if head, err = s.head(ctx, aggregateID, true); err != nil {
				return nil, err
			}
			if !head.cid.Equals(o.expectHead) {
				return nil, &ConflictError{AggregateID: aggregateID, Head: head.cid, HeadSeq: head.seq, Expected: o.expectHead}
			}
		}
		stored, err := s.publishChain(ctx, aggregateID, head, evs)
		if err == nil {
			return stored, nil
		}
		lastErr = err
		if !errors.Is(err, ErrConflict) {
			return nil, err
		}
	}
	return nil, lastErr
}

// conflictBackoff is the random wait before retry n (n >= 1) after a lost race: uniform in
// [0, 2^n ms), at most 256 ms.
func conflictBackoff(n int) time.Duration {
	ceiling := time.Millisecond << min(n, 8)
	return rand.N(ceiling)
}

func validateBatch(aggregateID string, evs []NewEvent) error {
	if len(evs) == 0 {
		return fmt.Errorf("%w: no events to append", ErrInvalidInput)
	}
	if len(evs) > 1000 {
		return fmt.Errorf("%w: %d events in one batch, at most 1000", ErrInvalidInput, len(evs))
	}
	if err := ValidateName("aggregate ID", aggregateID); err != nil {
		return err
	}
	for i := range evs {
		if evs[i].AggregateID != "" && evs[i].AggregateID != aggregateID {
			return fmt.Errorf("%w: batch event %d is for aggregate %q, not %q", ErrInvalidInput, i, evs[i].AggregateID, aggregateID)
		}
		if err := ValidateName("event type", evs[i].EventType); err != nil {
			return err
		}
	}
	return nil
}

// checkParents refuses parents that name no stored event (ErrUnknownParent).
func (s *JetStreamEvents) checkParents(ctx context.Context, evs []NewEvent) error {
	for _, ne := range evs {
		for _, p := range ne.Parents {
			k, ok := keyOf(p)
			if !ok {
				return fmt.Errorf("%w: %s is not an event CID (dag-cbor, sha2-256)", ErrUnknownParent, p)
			}
			s.mu.Lock()
			_, known := s.known[k]
			s.mu.Unlock()
			if known {
				continue
			}
			ev, err := s.Get(ctx, p)
			if errors.Is(err, ErrNotFound) {
				return fmt.Errorf("%w: %s", ErrUnknownParent, p)
			}
			if err != nil {
				return fmt.Errorf("check parent %s: %w", p, err)
			}
			s.remember(k, ev.Seq)
		}
	}
	return nil
}

func (s *JetStreamEvents) remember(k digestKey, seq uint64) {
	s.mu.Lock()
	if len(s.known) > 1<<16 { // a cache, not the index: keep it small
		clear(s.known)
	}
	s.known[k] = seq
	s.mu.Unlock()
}

// head returns the aggregate's head, from the cache unless fresh is set or nothing is cached.
//
// The server's last message on the aggregate's subjects decides, but it is only trusted as the
// head when it verifies and extends the head this process knew; anything else (a cold cache, a
// junk, forged or forked message published by a raw client) makes the head come from a
// verified read of the aggregate's chain. The expected-sequence check then uses the sequence of
// that last message, whatever it held, so honest appends continue the valid chain.
func (s *JetStreamEvents) head(ctx context.Context, aggregateID string, fresh bool) (headRef, error) {
	s.mu.Lock()
	cached, ok := s.heads[aggregateID]
	s.mu.Unlock()
	if ok && !fresh {
		return cached, nil
	}
	msg, err := s.lastMsg(ctx, aggregateID)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		h := headRef{}
		s.setHead(aggregateID, h)
		return h, nil
	}
	if err != nil {
		return headRef{}, fmt.Errorf("read head of %q: %w", aggregateID, err)
	}
	if ok && msg.Sequence == cached.last {
		return cached, nil
	}
	if ok && cached.cid.Defined() {
		if ev, c, err := verifyStandalone(msg.Subject, msg.Header, msg.Data); err == nil &&
			ev.AggregateID == aggregateID && ev.PreviousCID.Equals(cached.cid) && s.parentsBefore(ctx, ev, msg.Sequence) {
			h := headRef{cid: c, seq: msg.Sequence, last: msg.Sequence}
			s.setHead(aggregateID, h)
			return h, nil
		}
	}
	var h headRef
	if ok {
		// Several messages since the known head (another writer's run, or junk): read only
		// those, extending the known valid chain, never the whole chain again.
		h, err = s.extend(ctx, aggregateID, cached)
	} else {
		h, err = s.chainHead(ctx, aggregateID)
	}
	if err != nil {
		return headRef{}, err
	}
	h.last = max(h.last, msg.Sequence)
	s.setHead(aggregateID, h)
	return h, nil
}

// lastMsg reads the last message on the aggregate's subjects, each try bounded by the publish
// timeout and retried as a publish is while the server does not answer.
func (s *JetStreamEvents) lastMsg(ctx context.Context, aggregateID string) (*jetstream.RawStreamMsg, error) {
	var msg *jetstream.RawStreamMsg
	err := s.retrying(ctx, func() (err error) {
		actx, cancel := context.WithTimeout(ctx, s.cfg.PublishTimeout)
		defer cancel()
		msg, err = s.stream.GetLastMsgForSubject(actx, AggregateFilter(aggregateID))
		return err
	})
	return msg, err
}

// chainHead reads the aggregate's whole chain and returns its head.
func (s *JetStreamEvents) chainHead(ctx context.Context, aggregateID string) (headRef, error) {
	chain, err := s.chain(ctx, aggregateID)
	if err != nil {
		return headRef{}, err
	}
	var h headRef
	if n := len(chain); n > 0 {
		h.cid, h.seq, h.last = chain[n-1].CID, chain[n-1].Seq, chain[n-1].Seq
	}
	return h, nil
}

// extend follows the aggregate's chain from a head known to be valid through the messages
// stored after from.last, and returns the new head; last is the highest sequence read.
func (s *JetStreamEvents) extend(ctx context.Context, aggregateID string, from headRef) (headRef, error) {
	h := from
	err := s.read(ctx, []string{AggregateFilter(aggregateID)}, from.last+1, func(m jetstream.Msg, seq uint64) error {
		h.last = max(h.last, seq)
		ev, c, err := verifyStandalone(m.Subject(), m.Headers(), m.Data())
		if err != nil || ev.AggregateID != aggregateID || !ev.PreviousCID.Equals(h.cid) || !s.parentsBefore(ctx, ev, seq) {
			return nil // not part of the chain
		}
		h.cid, h.seq = c, seq
		return nil
	})
	if err != nil {
		return headRef{}, fmt.Errorf("read the new events of %q: %w", aggregateID, err)
	}
	return h, nil
}

// verifyStandalone checks what can be checked of one message without the rest of the stream:
// hash, canonical block, subject and headers.
func verifyStandalone(subject string, hdr nats.Header, data []byte) (*block.Event, cid.Cid, error) {
	c := block.Sum(data)
	if c.String() != hdr.Get(HeaderCID) {
		return nil, cid.Undef, errors.New("body does not hash to its Cid header")
	}
	ev, err := block.DecodeEvent(data)
	if err != nil {
		return nil, cid.Undef, err
	}
	if subject != SubjectFor(ev.AggregateID, ev.EventType) {
		return nil, cid.Undef, errors.New("subject disagrees with the block")
	}
	if err := checkHeaders(hdr, ev, c.String()); err != nil {
		return nil, cid.Undef, err
	}
	return ev, c, nil
}

// parentsBefore reports whether every parent of ev is a stored event earlier than seq.
func (s *JetStreamEvents) parentsBefore(ctx context.Context, ev *block.Event, seq uint64) bool {
	for _, p := range ev.ParentCIDs {
		pe, err := s.Get(ctx, p)
		if err != nil || pe.Seq >= seq {
			return false
		}
	}
	return true
}

func (s *JetStreamEvents) setHead(aggregateID string, h headRef) {
	s.mu.Lock()
	s.heads[aggregateID] = h
	s.mu.Unlock()
}

// publishChain builds the events on head and publishes them; a lost race refreshes the cached
// head and returns a *ConflictError.
func (s *JetStreamEvents) publishChain(ctx context.Context, aggregateID string, head headRef, evs []NewEvent) ([]*StoredEvent, error) {
	return s.publishChainN(ctx, aggregateID, head, evs, 3)
}

// builtChain is a run of events built on a head, ready to publish.
type builtChain struct {
	msgs   []*nats.Msg
	stored []*StoredEvent // without sequences
}

// buildChain builds evs as messages chained after head; the first carries the aggregate's
// expected-sequence check. A message over the server's max payload is ErrPayloadTooLarge. The
// names must have passed validateBatch.
func (s *JetStreamEvents) buildChain(aggregateID string, head headRef, evs []NewEvent) (builtChain, error) {
	now := s.cfg.Now()
	b := builtChain{msgs: make([]*nats.Msg, len(evs)), stored: make([]*StoredEvent, len(evs))}
	prev := head.cid
	for i, ne := range evs {
		ts := ne.Timestamp
		if ts == 0 {
			ts = now
		}
		ev := block.Event{
			AggregateID: aggregateID, EventType: ne.EventType, ParentCIDs: ne.Parents,
			Payload: ne.Payload, PreviousCID: prev, Timestamp: ts,
		}
		m, c, err := eventMessage(&ev)
		if err != nil {
			return builtChain{}, err
		}
		if n := MessageSize(m); n > s.maxPayload {
			return builtChain{}, fmt.Errorf("%w: event %d is %d bytes with headers, the server accepts %d", ErrPayloadTooLarge, i, n, s.maxPayload)
		}
		b.msgs[i] = m
		b.stored[i] = &StoredEvent{Event: ev, CID: c}
		prev = c
	}
	b.msgs[0].Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(head.last, 10))
	b.msgs[0].Header.Set("Nats-Expected-Last-Subject-Sequence-Subject", AggregateFilter(aggregateID))
	return b, nil
}

func (s *JetStreamEvents) publishChainN(ctx context.Context, aggregateID string, head headRef, evs []NewEvent, junkRetries int) ([]*StoredEvent, error) {
	b, err := s.buildChain(aggregateID, head, evs)
	if err != nil {
		return nil, err
	}
	msgs, stored := b.msgs, b.stored

	var lastSeq uint64
	if len(msgs) == 1 {
		lastSeq, err = s.publishOne(ctx, msgs[0])
	} else {
		lastSeq, err = s.publishBatch(ctx, msgs, stored)
	}
	if err != nil {
		if isWrongLastSeq(err) {
			return s.lostRace(ctx, aggregateID, head, evs, junkRetries)
		}
		return nil, err
	}
	s.recordStored(aggregateID, stored, lastSeq)
	return stored, nil
}

// lostRace handles evs refused because the aggregate moved past head: junk that arrived after
// the head (the valid head is unchanged) is stepped over by publishing the same events on the
// new sequence, up to junkRetries times; another writer's event is a *ConflictError holding
// the new head.
func (s *JetStreamEvents) lostRace(ctx context.Context, aggregateID string, head headRef, evs []NewEvent, junkRetries int) ([]*StoredEvent, error) {
	h, err := s.head(ctx, aggregateID, true)
	if err != nil {
		return nil, fmt.Errorf("%w (and %w)", ErrConflict, err)
	}
	if h.cid.Equals(head.cid) && h.last != head.last && junkRetries > 0 {
		return s.publishChainN(ctx, aggregateID, h, evs, junkRetries-1)
	}
	return nil, &ConflictError{AggregateID: aggregateID, Head: h.cid, HeadSeq: h.seq}
}

// recordStored gives stored (published together, the last at lastSeq) their sequences and
// makes the last one the aggregate's cached head.
func (s *JetStreamEvents) recordStored(aggregateID string, stored []*StoredEvent, lastSeq uint64) {
	first := lastSeq - uint64(len(stored)) + 1
	for i, st := range stored {
		st.Seq = first + uint64(i)
		k, _ := keyOf(st.CID)
		s.remember(k, st.Seq)
	}
	last := stored[len(stored)-1]
	s.setHead(aggregateID, headRef{cid: last.CID, seq: last.Seq, last: last.Seq})
}

// publishOne publishes one message, resending it (same Nats-Msg-Id, so stored at most once)
// when the server did not answer.
func (s *JetStreamEvents) publishOne(ctx context.Context, m *nats.Msg) (uint64, error) {
	var seq uint64
	err := s.retrying(ctx, func() (err error) {
		seq, err = s.publishAwait(ctx, m)
		return err
	})
	switch {
	case err == nil:
		return seq, nil
	case errors.Is(err, ErrPermissionDenied):
		return 0, err // it names the subject already
	case retryable(ctx, err):
		return 0, fmt.Errorf("publish %s: gave up after %d attempts: %w", m.Subject, s.cfg.PublishAttempts, err)
	default:
		return 0, fmt.Errorf("publish %s: %w", m.Subject, storageFull(err))
	}
}

// retrying runs try up to PublishAttempts times while it fails with a retryable error (the
// server did not answer: a restart, an election), pausing 100 ms more before each new try.
func (s *JetStreamEvents) retrying(ctx context.Context, try func() error) error {
	var err error
	for attempt := range s.cfg.PublishAttempts {
		if attempt > 0 {
			if werr := sleepCtx(ctx, time.Duration(attempt)*100*time.Millisecond); werr != nil {
				return fmt.Errorf("%w (retrying: %w)", err, werr)
			}
		}
		if err = try(); err == nil || !retryable(ctx, err) {
			return err
		}
	}
	return err
}

// permissionProbe is how often a publish whose ack is late checks for a permissions violation.
const permissionProbe = 100 * time.Millisecond

// publishBatch publishes msgs as one JetStream atomic batch.
func (s *JetStreamEvents) publishBatch(ctx context.Context, msgs []*nats.Msg, stored []*StoredEvent) (uint64, error) {
	id := nats.NewInbox()[len(nats.InboxPrefix):]
	for i, m := range msgs {
		m.Header.Set("Nats-Batch-Id", id)
		m.Header.Set("Nats-Batch-Sequence", strconv.Itoa(i+1))
	}
	msgs[len(msgs)-1].Header.Set("Nats-Batch-Commit", "1")
	var err error
	for attempt := range s.cfg.PublishAttempts {
		if attempt > 0 {
			if werr := sleepCtx(ctx, time.Duration(attempt)*100*time.Millisecond); werr != nil {
				return 0, werr
			}
		}
		var seq uint64
		seq, err = s.sendBatch(ctx, msgs)
		if err == nil {
			return seq, nil
		}
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeBatchDupMsgID {
			// A resent batch whose first attempt was stored: find it.
			if last, gerr := s.Get(ctx, stored[len(stored)-1].CID); gerr == nil {
				return last.Seq, nil
			}
			return 0, fmt.Errorf("atomic batch: %w", err)
		}
		if errors.Is(err, ErrPermissionDenied) {
			return 0, fmt.Errorf("atomic batch: %w", err)
		}
		if !retryable(ctx, err) {
			return 0, fmt.Errorf("atomic batch: %w", storageFull(err))
		}
	}
	return 0, fmt.Errorf("atomic batch: gave up after %d attempts: %w", s.cfg.PublishAttempts, err)
}

func (s *JetStreamEvents) sendBatch(ctx context.Context, msgs []*nats.Msg) (uint64, error) {
	for _, m := range msgs[:len(msgs)-1] {
		if err := s.nc.PublishMsg(m); err != nil {
			return 0, err
		}
	}
	pctx, cancel := context.WithTimeout(ctx, s.cfg.PublishTimeout)
	defer cancel()
	denied := func() error {
		for _, m := range msgs {
			if err := PermissionDenied(s.nc, m.Subject); err != nil {
				return err
			}
		}
		return nil
	}
	// As in publishAwait: a forbidden batch is dropped without an answer, so stop waiting
	// as soon as the connection reports the violation.
	go func() {
		t := time.NewTicker(permissionProbe)
		defer t.Stop()
		for {
			select {
			case <-pctx.Done():
				return
			case <-t.C:
				if denied() != nil {
					cancel()
					return
				}
			}
		}
	}()
	resp, err := s.nc.RequestMsgWithContext(pctx, msgs[len(msgs)-1])
	if err != nil {
		if perr := denied(); perr != nil {
			return 0, perr
		}
		return 0, err
	}
	var ack struct {
		Seq   uint64              `json:"seq"`
		Count int                 `json:"count"`
		Error *jetstream.APIError `json:"error,omitempty"`
	}
	if err := json.Unmarshal(resp.Data, &ack); err != nil {
		return 0, fmt.Errorf("bad batch acknowledgement %q: %w", resp.Data, err)
	}
	if ack.Error != nil {
		return 0, ack.Error
	}
	if ack.Count != len(msgs) {
		return 0, fmt.Errorf("batch acknowledged %d of %d messages", ack.Count, len(msgs))
	}
	return ack.Seq, nil
}

func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, nats.ErrConnectionReconnecting) || errors.Is(err, nats.ErrDisconnected)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// indexAsync records CID -> sequence in the index bucket without waiting for the ack.
func (s *JetStreamEvents) indexAsync(c cid.Cid, seq uint64) {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], seq)
	if _, err := s.js.PublishAsync("$KV."+IndexBucket+"."+c.String(), v[:]); err != nil {
		s.log.Warn("index write failed; the next reader repairs it", "cid", c, "seq", seq, "err", err)
	}
}

// watermarkKey holds the sequence up to which every stored event is in the index.
const watermarkKey = "watermark"

func (s *JetStreamEvents) watermark(ctx context.Context) (uint64, uint64, error) {
	e, err := s.index.Get(ctx, watermarkKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("index watermark: %w", err)
	}
	if len(e.Value()) != 8 {
		return 0, e.Revision(), nil
	}
	return binary.BigEndian.Uint64(e.Value()), e.Revision(), nil
}

// advanceWatermark raises the watermark to seq (never lowers it), tolerating other writers.
func (s *JetStreamEvents) advanceWatermark(ctx context.Context, seq uint64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], seq)
	for range 5 {
		w, rev, err := s.watermark(ctx)
		if err != nil {
			return err
		}
		if w >= seq {
			return nil
		}
		if rev == 0 {
			_, err = s.index.Create(ctx, watermarkKey, v[:])
		} else {
			_, err = s.index.Update(ctx, watermarkKey, v[:], rev)
		}
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("index watermark: too much contention")
}

// indexTail indexes the messages stored after the watermark (each checked on its own: hash,
// canonical block, subject and headers), raises the watermark, and returns the sequence of
// want if it was among them.
func (s *JetStreamEvents) indexTail(ctx context.Context, want cid.Cid) (uint64, bool, error) {
	w, _, err := s.watermark(ctx)
	if err != nil {
		return 0, false, err
	}
	last, err := s.LastSeq(ctx)
	if err != nil || last <= w {
		return 0, false, err
	}
	var found uint64
	err = s.read(ctx, []string{StreamSubjects}, w+1, func(m jetstream.Msg, seq uint64) error {
		if seq > last {
			return nil
		}
		_, c, err := verifyStandalone(m.Subject(), m.Headers(), m.Data())
		if err != nil {
			return nil
		}
		s.indexAsync(c, seq)
		if c.Equals(want) && found == 0 {
			found = seq
		}
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	if err := s.Flush(ctx); err != nil {
		return 0, false, err
	}
	if err := s.advanceWatermark(ctx, last); err != nil {
		return 0, false, err
	}
	return found, found != 0, nil
}

// Flush waits until every index write has been acknowledged (or ctx ends).
func (s *JetStreamEvents) Flush(ctx context.Context) error {
	select {
	case <-s.js.PublishAsyncComplete():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Exists reports whether an event with this CID is stored.
func (s *JetStreamEvents) Exists(ctx context.Context, c cid.Cid) (bool, error) {
	_, err := s.Get(ctx, c)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Get returns the verified event with CID c: the index gives its sequence, the stream its
// bytes, which must hash to c.
func (s *JetStreamEvents) Get(ctx context.Context, c cid.Cid) (*StoredEvent, error) {
	if !c.Defined() {
		return nil, fmt.Errorf("%w: undefined CID", ErrNotFound)
	}
	if _, ok := keyOf(c); !ok {
		return nil, fmt.Errorf("%w: %s is not an event CID", ErrNotFound, c)
	}
	k, _ := keyOf(c)
	s.mu.Lock()
	seq, recent := s.known[k]
	s.mu.Unlock()
	if recent {
		return s.getSeq(ctx, c, seq)
	}
	entry, err := s.index.Get(ctx, c.String())
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		// Not indexed yet: index what was stored since the watermark and look again.
		seq, found, terr := s.indexTail(ctx, c)
		if terr != nil {
			return nil, fmt.Errorf("index the stream's tail: %w", terr)
		}
		if !found {
			return nil, fmt.Errorf("%w: event %s", ErrNotFound, c)
		}
		return s.getSeq(ctx, c, seq)
	}
	if err != nil {
		return nil, fmt.Errorf("index lookup %s: %w", c, err)
	}
	if len(entry.Value()) != 8 {
		return nil, fmt.Errorf("%w: index entry for %s is %d bytes", ErrCorrupt, c, len(entry.Value()))
	}
	return s.getSeq(ctx, c, binary.BigEndian.Uint64(entry.Value()))
}

func (s *JetStreamEvents) getSeq(ctx context.Context, c cid.Cid, seq uint64) (*StoredEvent, error) {
	msg, err := s.stream.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, fmt.Errorf("%w: index names seq %d for %s, which does not exist", ErrNotFound, seq, c)
	}
	if err != nil {
		return nil, fmt.Errorf("read seq %d: %w", seq, err)
	}
	if err := block.Verify(c, msg.Data); err != nil {
		return nil, fmt.Errorf("%w: seq %d does not hash to %s: %w", ErrCorrupt, seq, c, err)
	}
	ev, err := block.DecodeEvent(msg.Data)
	if err != nil {
		return nil, fmt.Errorf("%w: seq %d: %w", ErrCorrupt, seq, err)
	}
	return &StoredEvent{Event: *ev, CID: c, Seq: seq}, nil
}

// Head returns the aggregate's latest event, read from the server.
func (s *JetStreamEvents) Head(ctx context.Context, aggregateID string) (*StoredEvent, error) {
	if err := ValidateName("aggregate ID", aggregateID); err != nil {
		return nil, err
	}
	h, err := s.head(ctx, aggregateID, true)
	if err != nil {
		return nil, err
	}
	if !h.cid.Defined() {
		return nil, fmt.Errorf("%w: aggregate %q has no events", ErrNotFound, aggregateID)
	}
	return s.getSeq(ctx, h.cid, h.seq)
}

// History reads the aggregate's events (a server-side filtered read), verifying each block,
// its headers, the chain and the parents; messages that fail are left out.
func (s *JetStreamEvents) History(ctx context.Context, aggregateID string) ([]*StoredEvent, error) {
	if err := ValidateName("aggregate ID", aggregateID); err != nil {
		return nil, err
	}
	out, err := s.chain(ctx, aggregateID)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: aggregate %q has no events", ErrNotFound, aggregateID)
	}
	return out, nil
}

// chain reads the aggregate's valid chain, oldest first.
func (s *JetStreamEvents) chain(ctx context.Context, aggregateID string) ([]*StoredEvent, error) {
	var out []*StoredEvent
	var prev cid.Cid
	err := s.read(ctx, []string{AggregateFilter(aggregateID)}, 1, func(m jetstream.Msg, seq uint64) error {
		ev, c, err := verifyStandalone(m.Subject(), m.Headers(), m.Data())
		if err != nil || ev.AggregateID != aggregateID || !ev.PreviousCID.Equals(prev) || !s.parentsBefore(ctx, ev, seq) {
			return nil // junk, forged or forked: never part of the chain (verify reports it)
		}
		out = append(out, &StoredEvent{Event: *ev, CID: c, Seq: seq})
		prev = c
		return nil
	})
	return out, err
}

// read delivers every message matching filters from startSeq up to the stream's last
// sequence at the time of the call, in order, through an ordered (ephemeral) consumer.
func (s *JetStreamEvents) read(ctx context.Context, filters []string, startSeq uint64, fn func(jetstream.Msg, uint64) error) error {
	// Bound the read by the last matching message now, so it ends even when nothing matches.
	var last uint64
	if len(filters) == 1 && filters[0] != StreamSubjects {
		m, err := s.stream.GetLastMsgForSubject(ctx, filters[0])
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("last message of %s: %w", filters[0], err)
		}
		last = m.Sequence
	} else {
		info, err := s.stream.Info(ctx)
		if err != nil {
			return fmt.Errorf("stream info: %w", err)
		}
		if info.State.Msgs == 0 {
			return nil
		}
		last = info.State.LastSeq
	}
	if last < startSeq {
		return nil
	}
	cons, err := s.js.OrderedConsumer(ctx, StreamName, jetstream.OrderedConsumerConfig{
		FilterSubjects: filters,
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    startSeq,
	})
	if err != nil {
		return fmt.Errorf("ordered consumer: %w", err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(1024))
	if err != nil {
		return fmt.Errorf("ordered consumer: %w", err)
	}
	defer it.Stop()
	// A bounded read must end: stop it when ctx ends, or when no message came for
	// readStall while messages up to last remain (a consumer lost to a server restart).
	done := make(chan struct{})
	defer close(done)
	var progress atomic.Uint64 // messages handled; the watchdog looks for change
	var stalled atomic.Bool
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		seen, since := progress.Load(), time.Now()
		for {
			select {
			case <-ctx.Done():
				it.Stop()
				return
			case <-done:
				return
			case now := <-tick.C:
				if p := progress.Load(); p != seen {
					seen, since = p, now
				} else if now.Sub(since) > readStall {
					stalled.Store(true)
					it.Stop()
					return
				}
			}
		}
	}()
	var seen uint64
	for {
		m, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if stalled.Load() {
				return fmt.Errorf("read stream: no message for %s after seq %d of %d", readStall, seen, last)
			}
			return fmt.Errorf("read stream: %w", err)
		}
		progress.Add(1)
		md, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("message metadata: %w", err)
		}
		seq := md.Sequence.Stream
		seen = seq
		if err := fn(m, seq); err != nil {
			return err
		}
		progress.Add(1)
		if seq >= last || md.NumPending == 0 {
			return nil
		}
	}
}

// LastSeq is the stream's last sequence (0 when empty).
func (s *JetStreamEvents) LastSeq(ctx context.Context) (uint64, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("stream info: %w", err)
	}
	return info.State.LastSeq, nil
}

// AppendBlock stores a prebuilt event block (CAR import, replication from another store). The
// block must be canonical, its previous_cid must be the aggregate's current head and its
// parents stored events; it is published with the same headers and expected-sequence check as
// Append. A block that is already stored is not stored again: its stored event is returned.
func (s *JetStreamEvents) AppendBlock(ctx context.Context, data []byte) (*StoredEvent, error) {
	ev, err := block.DecodeEvent(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	m, c, err := EventMessage(ev)
	if err != nil {
		return nil, err
	}
	if !bytesEqual(m.Data, data) {
		return nil, fmt.Errorf("%w: block does not re-encode to the same bytes", ErrInvalidInput)
	}
	if existing, err := s.Get(ctx, c); err == nil {
		return existing, nil
	}
	if err := s.checkParents(ctx, []NewEvent{{Parents: ev.ParentCIDs}}); err != nil {
		return nil, err
	}
	if n := MessageSize(m); n > s.maxPayload {
		return nil, fmt.Errorf("%w: %d bytes with headers, the server accepts %d", ErrPayloadTooLarge, n, s.maxPayload)
	}
	head, err := s.head(ctx, ev.AggregateID, true)
	if err != nil {
		return nil, err
	}
	if !head.cid.Equals(ev.PreviousCID) {
		return nil, &ConflictError{AggregateID: ev.AggregateID, Head: head.cid, HeadSeq: head.seq, Expected: ev.PreviousCID}
	}
	m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(head.last, 10))
	m.Header.Set("Nats-Expected-Last-Subject-Sequence-Subject", AggregateFilter(ev.AggregateID))
	seq, err := s.publishOne(ctx, m)
	if err != nil {
		if isWrongLastSeq(err) {
			h, _ := s.head(ctx, ev.AggregateID, true)
			return nil, &ConflictError{AggregateID: ev.AggregateID, Head: h.cid, HeadSeq: h.seq, Expected: ev.PreviousCID}
		}
		return nil, err
	}
	st := &StoredEvent{Event: *ev, CID: c, Seq: seq}
	s.setHead(ev.AggregateID, headRef{cid: c, seq: seq, last: seq})
	k, _ := keyOf(c)
	s.remember(k, seq)
	return st, nil
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }
