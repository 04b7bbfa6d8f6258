package components

import (
	"time"

	"github.com/ipfs/go-cid"
	"github.com/yohamta/donburi"
)

// Related is a node the inspected one points at or is pointed at by.
type Related struct {
	CID  string
	Kind EdgeKind
	// Label is the link type of an object link.
	Label string
}

// InspectorInfo is everything the inspector panel says about one node, as plain values.
type InspectorInfo struct {
	Entity      donburi.Entity
	Kind        ElementKind
	CID         cid.Cid
	Aggregate   string
	Type        string // event type, or object kind
	Time        time.Time
	Seq         uint64
	Previous    string
	Parents     []string
	Links       []Related // an object's outgoing links
	Children    []Related // nodes with an edge to this one
	ContentCID  string
	Size        int64
	PayloadSize int
	Reason      string
	Subject     string
	// Fields are the rows a kind's Inspect adds that no field above holds (a kind added to
	// the kind table beyond the built-in three); the inspector shows them after the sequence.
	Fields []Field
	// Payload is filled in when the fetch returns.
	PayloadFormat, Payload string
	PayloadErr             error
	PayloadPending         bool
	// Log is the event's row about the transparency log (its leaf and inclusion proof),
	// filled in when the proof fetch returns; LogPending while it runs.
	Log        string
	LogErr     error
	LogPending bool
}

// Field is one labelled value of a node for the inspector.
type Field struct{ Label, Value string }

// InspectorLine is one row of the panel: a label column and a value. An empty Label
// continues the row above; Heading rows are drawn brighter; Payload rows use the whole
// width; Warn rows (a rejected message's status) are drawn in the warning colour.
type InspectorLine struct {
	Label, Value           string
	Heading, Payload, Warn bool
}
