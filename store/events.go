package store

import (
	"context"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store/block"
)

// EventStore appends events to verifiable per-aggregate hash chains and reads them back.
// JetStreamEvents is the production implementation; MemoryEvents keeps everything in memory
// for users' unit tests. Both obey the same contract, checked by one test suite.
type EventStore interface {
	// Append adds one event to the aggregate's chain, after its current head.
	Append(ctx context.Context, aggregateID, eventType string, payload []byte, parents ...cid.Cid) (*StoredEvent, error)
	// AppendEvent is Append with options (expected head, retries, timestamp).
	AppendEvent(ctx context.Context, ev NewEvent, opts ...AppendOption) (*StoredEvent, error)
	// AppendBatch appends several events to one aggregate atomically: all are stored, chained
	// in order, or none is.
	AppendBatch(ctx context.Context, aggregateID string, evs []NewEvent, opts ...AppendOption) ([]*StoredEvent, error)
	// AppendAsync is AppendEvent without waiting: appends to one aggregate are stored in call
	// order, appends to different aggregates travel together. The PendingAppend ends as the
	// same AppendEvent call would have.
	AppendAsync(ctx context.Context, ev NewEvent, opts ...AppendOption) *PendingAppend
	// Get returns the verified event with this CID, or ErrNotFound.
	Get(ctx context.Context, c cid.Cid) (*StoredEvent, error)
	// Head returns the aggregate's latest event, or ErrNotFound when it has none.
	Head(ctx context.Context, aggregateID string) (*StoredEvent, error)
	// History returns the aggregate's events in chain order (oldest first), each verified.
	History(ctx context.Context, aggregateID string) ([]*StoredEvent, error)
	// Subscribe replays the store from the beginning with full verification, emits records
	// from fromSeq on (0 or 1: everything), marks the moment it has caught up, and then follows
	// new events live until ctx ends, when the channel is closed. ResumeAt starts it from a
	// verified checkpoint's state instead of the stream's first message.
	Subscribe(ctx context.Context, fromSeq uint64, opts ...SubscribeOption) (<-chan Record, error)
	// Close waits briefly (bounded, and never past ctx) for what the store does in the
	// background after appends (the JetStream store's index writes) and stops it. Nothing
	// stored depends on it; the store stays usable afterwards.
	Close(ctx context.Context) error
}

// NewEvent is what a producer appends. AggregateID may be left empty in AppendBatch, whose
// aggregate argument applies to every event.
type NewEvent struct {
	AggregateID string
	EventType   string
	Payload     []byte
	Parents     []cid.Cid
	// Timestamp in Unix nanoseconds; 0 means now.
	Timestamp int64
}

// StoredEvent is an event as stored: its block, CID and stream sequence.
type StoredEvent struct {
	block.Event
	CID cid.Cid
	// Seq is the stream sequence (JetStream) or position (memory store), from 1.
	Seq uint64
}

// Record is one step of a Subscribe feed: exactly one of Event and Rejected is set, except for
// a record with only CaughtUp set, sent when the store was empty when the feed started.
type Record struct {
	Seq      uint64
	Event    *StoredEvent
	Rejected *Rejection
	// CaughtUp is true on the record after which the feed is live (every message stored when
	// the feed started has been delivered).
	CaughtUp bool
}

// Rejection is a stream message that failed verification; it is reported, never indexed.
type Rejection struct {
	Seq     uint64
	Subject string
	// AggregateID is taken from the block, the header or the subject, whichever was readable.
	AggregateID string
	// ClaimedCID is the Cid header as sent (may be a lie).
	ClaimedCID string
	// MsgID is the Nats-Msg-Id header as sent: while the stream's duplicate window lasts
	// after Stored, the server drops any other message with that ID as a duplicate.
	MsgID string
	// Stored is when the server stored the message (zero when unknown).
	Stored time.Time
	// Reason says which rule failed.
	Reason string
}

// AppendOption adjusts one append.
type AppendOption func(*appendOptions)

type appendOptions struct {
	expectSet  bool
	expectHead cid.Cid // cid.Undef with expectSet: the aggregate must not exist yet
	retries    int
}

// ExpectHead makes the append fail with ErrConflict unless the aggregate's head is c.
func ExpectHead(c cid.Cid) AppendOption {
	return func(o *appendOptions) { o.expectSet, o.expectHead = true, c }
}

// ExpectNew makes the append fail with ErrConflict unless the aggregate has no events yet.
func ExpectNew() AppendOption {
	return func(o *appendOptions) { o.expectSet, o.expectHead = true, cid.Undef }
}

// WithRetries retries an append that lost a race up to n times, each time on the fresh head.
// It does not apply when an expected head is stated (the caller's expectation is final).
func WithRetries(n int) AppendOption {
	return func(o *appendOptions) { o.retries = n }
}

func collectOptions(opts []AppendOption) appendOptions {
	var o appendOptions
	for _, f := range opts {
		f(&o)
	}
	return o
}
