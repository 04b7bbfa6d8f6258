package components

import (
	"github.com/ipfs/go-cid"
	"github.com/yohamta/donburi"
)

// EventData is what an event node holds beside its DddElement (whose Type is the event's
// type). Payloads are not held here; the inspector fetches them on demand.
type EventData struct {
	// PreviousCID is the aggregate's previous event, cid.Undef for its first.
	PreviousCID cid.Cid
	// ParentCIDs are the event's causal parents.
	ParentCIDs []cid.Cid
	// PayloadSize is the payload's length in bytes.
	PayloadSize int
}

// Event is the component type of EventData.
var Event = donburi.NewComponentType[EventData]()
