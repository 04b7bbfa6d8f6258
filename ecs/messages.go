package ecs

import (
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
)

// ErrInvalidMessage is returned by Bridge.Send for a message the world cannot apply: nil, or
// a required field empty.
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

// NodeMsg is a node of a kind the Graph's kind table (Config.Kinds) adds beyond events,
// objects and rejected messages, which have messages of their own. It spawns, is held for a
// missing Previous or parent, and is indexed by its CID the way an event is; the kind's own
// component is Own's to set. A NodeMsg of a kind the table lacks is dropped.
type NodeMsg struct {
	Kind        components.ElementKind
	CID         cid.Cid
	Seq         uint64 // stream sequence, or 0
	AggregateID string // where it has one, else ""
	Type        string // what filters, labels and colour by type group it by
	Previous    cid.Cid
	Parents     []cid.Cid
	Timestamp   int64 // Unix nanoseconds
	// Own sets the kind's own component on the spawned node (whose archetype, from the kind's
	// row, carries it).
	Own KindData
}

// KindData is the own component value of a NodeMsg's node.
type KindData interface {
	// SetOn sets the value on the node's entry.
	SetOn(entry *donburi.Entry)
}

// StatusMsg reports the Source's connection state and whether it has caught up with the
// stream (replayed everything stored when it started) and now follows it live.
type StatusMsg struct {
	Connection string
	CaughtUp   bool
	// Target, when not 0, is the stream's last sequence when the feed started: what a
	// catch-up replay has to reach (the status bar's "replaying N / Target · 12 s left").
	Target uint64
	// ResumedSeq and ResumedSize, when ResumedSize is not 0, say the feed started after a
	// verified checkpoint of the log (view --checkpoint) instead of replaying the stream:
	// the checkpoint's last leaf's sequence and its tree size.
	ResumedSeq  uint64
	ResumedSize int64
}

// LogMsg reports the newest checkpoint of the store's transparency log as the Source read
// it: its tree size, when it was stored, how many witnesses cosigned it, whether its
// signature verified with the log's key, and a problem (a contradicted checkpoint, a bad
// signature), which the window shows in red.
type LogMsg struct {
	Size      int64
	Time      time.Time
	Witnesses int
	Verified  bool
	Problem   string
	// Seq is the stream sequence of the checkpoint's last leaf, PrevSeq that of the
	// checkpoint before it (0: none): the checkpoint's events are those in (PrevSeq, Seq].
	Seq, PrevSeq uint64
	// WitnessesVerified: Witnesses counts only cosignatures that verified with the
	// configured witness keys (false: no keys, the cosignatures are counted unverified).
	WitnessesVerified bool
}

// ExploreMsg reports explore mode (view --at): the node the window opened on, the depth
// asked, the nodes whose neighbours the source has now sent (their expandable mark goes),
// those it could not fetch neighbours for (they stay expandable: a double-click tries again),
// and a note for the user. The first one puts the world in explore mode.
type ExploreMsg struct {
	Root     cid.Cid
	Depth    int
	Expanded []cid.Cid
	Failed   []cid.Cid
	Note     string
}

// Message is what travels through the bridge: an *EventMsg, *ObjectMsg, *LinkMsg,
// *RejectedMsg, *NodeMsg, *StatusMsg, *LogMsg or *ExploreMsg. The set is closed (an unexported method seals it), so the
// world's type switch covers every message and a message cannot be two things at once.
type Message interface {
	// Validate reports, wrapping ErrInvalidMessage, what makes the message impossible to
	// apply.
	Validate() error
	message()
}

func (*EventMsg) message()    {}
func (*ObjectMsg) message()   {}
func (*LinkMsg) message()     {}
func (*RejectedMsg) message() {}
func (*NodeMsg) message()     {}
func (*StatusMsg) message()   {}
func (*LogMsg) message()      {}
func (*ExploreMsg) message()  {}

// validate checks that m is a message at all (not nil, nor a nil pointer of a message type)
// and then what it says.
func validate(m Message) error {
	if m == nil {
		return fmt.Errorf("%w: no message", ErrInvalidMessage)
	}
	return m.Validate()
}

// Validate implements Message.
func (e *EventMsg) Validate() error {
	if e == nil {
		return fmt.Errorf("%w: nil event", ErrInvalidMessage)
	}
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
	return nil
}

// Validate implements Message.
func (o *ObjectMsg) Validate() error {
	if o == nil {
		return fmt.Errorf("%w: nil object", ErrInvalidMessage)
	}
	if !o.CID.Defined() {
		return fmt.Errorf("%w: object has no CID", ErrInvalidMessage)
	}
	if o.Kind != ObjectValue && o.Kind != ObjectFile {
		return fmt.Errorf("%w: object %s has kind %q, want %q or %q", ErrInvalidMessage, o.CID, o.Kind, ObjectValue, ObjectFile)
	}
	return nil
}

// Validate implements Message.
func (l *LinkMsg) Validate() error {
	if l == nil {
		return fmt.Errorf("%w: nil link", ErrInvalidMessage)
	}
	if !l.From.Defined() || !l.To.Defined() {
		return fmt.Errorf("%w: link %q lacks an endpoint", ErrInvalidMessage, l.Type)
	}
	if l.Type == "" {
		return fmt.Errorf("%w: link %s → %s has no type", ErrInvalidMessage, l.From, l.To)
	}
	return nil
}

// Validate implements Message.
func (r *RejectedMsg) Validate() error {
	if r == nil {
		return fmt.Errorf("%w: nil rejected message", ErrInvalidMessage)
	}
	if r.Reason == "" {
		return fmt.Errorf("%w: rejected seq %d has no reason", ErrInvalidMessage, r.Seq)
	}
	return nil
}

// Validate implements Message.
func (n *NodeMsg) Validate() error {
	if n == nil {
		return fmt.Errorf("%w: nil node", ErrInvalidMessage)
	}
	switch n.Kind {
	case 0:
		return fmt.Errorf("%w: node has no kind", ErrInvalidMessage)
	case components.ElementEvent, components.ElementObject, components.ElementRejected:
		return fmt.Errorf("%w: a node of kind %v is sent as its own message", ErrInvalidMessage, n.Kind)
	}
	if !n.CID.Defined() {
		return fmt.Errorf("%w: node of kind %d has no CID", ErrInvalidMessage, n.Kind)
	}
	if n.Own == nil {
		return fmt.Errorf("%w: node %s has no component value", ErrInvalidMessage, n.CID)
	}
	for i, p := range n.Parents {
		if !p.Defined() {
			return fmt.Errorf("%w: node %s parent %d is undefined", ErrInvalidMessage, n.CID, i)
		}
	}
	return nil
}

// Validate implements Message.
func (s *StatusMsg) Validate() error {
	if s == nil {
		return fmt.Errorf("%w: nil status", ErrInvalidMessage)
	}
	if s.Connection == "" {
		return fmt.Errorf("%w: status has no connection state", ErrInvalidMessage)
	}
	return nil
}

// Validate implements Message.
func (l *LogMsg) Validate() error {
	if l == nil {
		return fmt.Errorf("%w: nil log status", ErrInvalidMessage)
	}
	if l.Size < 0 || l.Witnesses < 0 {
		return fmt.Errorf("%w: log size %d, %d witnesses", ErrInvalidMessage, l.Size, l.Witnesses)
	}
	if l.PrevSeq > l.Seq {
		return fmt.Errorf("%w: log checkpoint at seq %d after one at seq %d", ErrInvalidMessage, l.Seq, l.PrevSeq)
	}
	return nil
}

// Validate implements Message.
func (x *ExploreMsg) Validate() error {
	if x == nil {
		return fmt.Errorf("%w: nil explore report", ErrInvalidMessage)
	}
	if !x.Root.Defined() || x.Depth < 0 {
		return fmt.Errorf("%w: explore report without a root or with depth %d", ErrInvalidMessage, x.Depth)
	}
	for i, c := range x.Expanded {
		if !c.Defined() {
			return fmt.Errorf("%w: explore report's expanded node %d is undefined", ErrInvalidMessage, i)
		}
	}
	return nil
}
