package components

import (
	"github.com/ipfs/go-cid"
	"github.com/yohamta/donburi"
)

// ElementKind says what a node of the world stands for.
type ElementKind uint8

// The kinds of element.
const (
	ElementEvent    ElementKind = iota + 1 // an event block of the stream
	ElementObject                          // an object block of the bucket
	ElementRejected                        // a stream message that failed verification
)

// String names the kind for the inspector.
func (k ElementKind) String() string {
	switch k {
	case ElementEvent:
		return "event"
	case ElementObject:
		return "object"
	case ElementRejected:
		return "rejected"
	}
	return "unknown"
}

// DddElementData is the domain side of a node: which block it is and what the block says.
// Payloads are not held here; the inspector fetches them on demand.
type DddElementData struct {
	Kind ElementKind
	// CID of the block; cid.Undef for a rejected message whose body is not a block.
	CID cid.Cid
	// Index is the node's handle in the force layout (layout.NodeID), -1 while unplaced.
	Index int32
	// Seq is the stream sequence (events and rejected messages); 0 for objects.
	Seq uint64
	// EventType is the event's type (events).
	EventType string
	// ObjectKind is "value" for structured data or "file" for UnixFS content (objects).
	ObjectKind string
	// AggregateID is the event's aggregate (events, and rejected messages where known).
	AggregateID string
	// CreatedAt is the block's timestamp in Unix nanoseconds.
	CreatedAt int64
	// PreviousCID is the previous event of the aggregate, or the previous object version.
	PreviousCID cid.Cid
	// ParentCIDs are the event's causal parents.
	ParentCIDs []cid.Cid
	// ContentCID and Size describe a file object's UnixFS content.
	ContentCID cid.Cid
	Size       int64
	// PayloadSize is the event payload's length in bytes.
	PayloadSize int
	// Reason says why a rejected message failed verification.
	Reason string
	// Subject is the NATS subject a rejected message arrived on.
	Subject string
}

// DddElement is the component type of DddElementData.
var DddElement = donburi.NewComponentType[DddElementData]()
