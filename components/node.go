package components

import (
	"github.com/ipfs/go-cid"
	"github.com/yohamta/donburi"
)

// ElementKind says what a node of the world stands for. Each kind has its own component
// beside the DddElement every node has and its row in the kind table of package systems
// (name, archetype, look, label, tooltip, inspector lines). The built-in kinds are below,
// their components (Event, Object, Rejected) in this package; a kind added later declares
// its value, component and row in its one file of package systems.
type ElementKind uint8

// The kinds of element.
const (
	ElementEvent    ElementKind = iota + 1 // an event block of the stream
	ElementObject                          // an object block of the bucket
	ElementRejected                        // a stream message that failed verification
)

// String names a built-in kind ("unknown" for any other; the kind table's Name is what the
// window shows).
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

// DddElementData is what every node has, whatever its kind: which block it is, its handle in
// the force layout, and what scenes, search and the layout read of every node. The kind's
// own fields are in its per-kind component.
type DddElementData struct {
	// CID of the block; cid.Undef for a rejected message whose body is not a block.
	CID cid.Cid
	// Seq is the stream sequence (events and rejected messages); 0 for objects.
	Seq uint64
	// AggregateID is the event's aggregate (events, and rejected messages where known).
	AggregateID string
	// Type is the event's type or the object's kind (ObjectValue, ObjectFile): what filters,
	// colour by type and labels group nodes by. Empty for rejected messages.
	Type string
	// CreatedAt is the block's timestamp in Unix nanoseconds.
	CreatedAt int64
	// Index is the node's handle in the force layout (layout.NodeID), -1 while unplaced.
	Index int32
	Kind  ElementKind
	// The fields are ordered largest first so that the struct is 72 bytes (an 80-byte
	// allocation, one per node) rather than 88 (96) with Kind and Index between the others.
}

// DddElement is the component type of DddElementData.
var DddElement = donburi.NewComponentType[DddElementData]()
