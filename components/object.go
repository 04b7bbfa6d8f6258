package components

import (
	"github.com/ipfs/go-cid"
	"github.com/yohamta/donburi"
)

// Object kinds, the DddElement Type of an object node.
const (
	ObjectValue = "value" // a structured IPLD value inline in the object block
	ObjectFile  = "file"  // file content: a link to a UnixFS DAG (whose blocks are not nodes)
)

// ObjectData is what an object node holds beside its DddElement (whose Type is
// ObjectValue or ObjectFile).
type ObjectData struct {
	// PreviousCID is the previous version, or cid.Undef.
	PreviousCID cid.Cid
	// ContentCID and Size describe a file object's UnixFS content.
	ContentCID cid.Cid
	Size       int64
}

// Object is the component type of ObjectData.
var Object = donburi.NewComponentType[ObjectData]()
