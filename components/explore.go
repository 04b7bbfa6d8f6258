package components

import (
	"github.com/ipfs/go-cid"
	"github.com/yohamta/donburi"
)

// ExploreData is explore mode's state (view --at), a singleton that exists only in that
// mode: the model keeps it from the source's reports. The world then holds one node's
// neighbourhood, not the stream; a node whose neighbours have not been fetched yet is marked
// as expandable, and a double-click on it asks the source for them.
type ExploreData struct {
	// Root is the node the window opened on; Depth the --depth asked.
	Root  cid.Cid
	Depth int
	// Expanded holds the nodes whose neighbours (chain, parents, children, links) the
	// source has sent.
	Expanded map[cid.Cid]bool
	// Requested holds the nodes whose neighbours were asked for and have not come yet.
	Requested map[cid.Cid]bool
	// Note is the source's last word on an expansion ("4 new nodes", an error); NoteSeq
	// counts notes, so that the window shows each once.
	Note    string
	NoteSeq int
}

// Expandable reports whether c is a node whose neighbours have not been fetched.
func (x *ExploreData) Expandable(c cid.Cid) bool { return c.Defined() && !x.Expanded[c] }

// Explore is the component type of the ExploreData singleton.
var Explore = donburi.NewComponentType[ExploreData]()
