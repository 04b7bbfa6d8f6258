package ecs

import (
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/components"
)

// ErrInvalidMessage is returned by Bridge.Send for a message the world cannot apply: none or
// several of its fields set, or a required field empty.
var ErrInvalidMessage = errors.New("ecs: invalid bridge message")

// Object kinds of ObjectMsg.Kind.
const (
	ObjectValue = components.ObjectValue // a structured IPLD value inline in the object block
	ObjectFile  = components.ObjectFile  // file content: a link to a UnixFS DAG (whose blocks are not nodes)
)

// Connection states that a Source reports through StatusMsg.Connection. A Source may report
// other strings; the status bar shows them as they are.
const (
	StatusConnecting   = "connecting"
	StatusConnected    = "connected"
	StatusReconnecting = "reconnecting"
	StatusDisconnected = "disconnected"
)

// EventMsg is an event block of the event stream, verified by the Source.
type EventMsg struct {
	Seq         uint64 // stream sequence
	CID         cid.Cid
	AggregateID string
	EventType   string
	Previous    cid.Cid   // cid.Undef for the aggregate's first event
	Parents     []cid.Cid // causal parents
	Timestamp   int64     // Unix nanoseconds
	PayloadSize int
}

// ObjectMsg is an object block of the object store. A file object carries the root CID and
// size of its UnixFS content; the blocks of that DAG never become nodes.
type ObjectMsg struct {
	CID       cid.Cid
	Previous  cid.Cid // the previous version, or cid.Undef
	Content   cid.Cid // file objects: the UnixFS root
	Kind      string  // ObjectValue or ObjectFile
	Size      int64   // file objects: content size in bytes
	Timestamp int64   // Unix nanoseconds
}

// LinkMsg is a typed link between two objects (Contains, DerivedFrom, References, custom).
type LinkMsg struct {
	From, To cid.Cid
	Type     string
}

// RejectedMsg is a stream message that failed verification (junk, a forged CID, a fork). It
// becomes a red warning node so that the window shows it instead of hiding it.
type RejectedMsg struct {
	Seq         uint64
	Subject     string
	AggregateID string // where known, else ""
	Reason      string
}

// StatusMsg reports the Source's connection state and whether it has caught up with the
// stream (replayed everything stored when it started) and now follows it live.
type StatusMsg struct {
	Connection string
	CaughtUp   bool
}

// Message is what travels through the bridge: exactly one of its fields is set. A plain
// struct of pointers rather than an interface keeps the type switch out of the hot path and
// lets a Source build messages without importing anything but this package.
type Message struct {
	Event    *EventMsg
	Object   *ObjectMsg
	Link     *LinkMsg
	Rejected *RejectedMsg
	Status   *StatusMsg
}

// Validate reports, wrapping ErrInvalidMessage, what makes m impossible to apply.
func (m Message) Validate() error {
	set := 0
	for _, ok := range [...]bool{m.Event != nil, m.Object != nil, m.Link != nil, m.Rejected != nil, m.Status != nil} {
		if ok {
			set++
		}
	}
	if set != 1 {
		return fmt.Errorf("%w: %d fields set, want exactly one", ErrInvalidMessage, set)
	}
	switch {
	case m.Event != nil:
		e := m.Event
		if !e.CID.Defined() {
			return fmt.Errorf("%w: event seq %d has no CID", ErrInvalidMessage, e.Seq)
		}
		if e.AggregateID == "" {
			return fmt.Errorf("%w: event %s has no aggregate ID", ErrInvalidMessage, e.CID)
		}
		for i, p := range e.Parents {
			if !p.Defined() {
				return fmt.Errorf("%w: event %s parent %d is undefined", ErrInvalidMessage, e.CID, i)
			}
		}
	case m.Object != nil:
		o := m.Object
		if !o.CID.Defined() {
			return fmt.Errorf("%w: object has no CID", ErrInvalidMessage)
		}
		if o.Kind != ObjectValue && o.Kind != ObjectFile {
			return fmt.Errorf("%w: object %s has kind %q, want %q or %q", ErrInvalidMessage, o.CID, o.Kind, ObjectValue, ObjectFile)
		}
	case m.Link != nil:
		l := m.Link
		if !l.From.Defined() || !l.To.Defined() {
			return fmt.Errorf("%w: link %q lacks an endpoint", ErrInvalidMessage, l.Type)
		}
		if l.Type == "" {
			return fmt.Errorf("%w: link %s → %s has no type", ErrInvalidMessage, l.From, l.To)
		}
	case m.Rejected != nil:
		if m.Rejected.Reason == "" {
			return fmt.Errorf("%w: rejected seq %d has no reason", ErrInvalidMessage, m.Rejected.Seq)
		}
	case m.Status != nil:
		if m.Status.Connection == "" {
			return fmt.Errorf("%w: status has no connection state", ErrInvalidMessage)
		}
	}
	return nil
}
