package components

import "github.com/yohamta/donburi"

// EdgeKind is the kind of a DAG edge.
type EdgeKind uint8

// The kinds of edge.
const (
	EdgePrevious EdgeKind = iota // event → previous event of its aggregate, object → previous version
	EdgeParent                   // event → causal parent
	EdgeLink                     // object link (Contains, DerivedFrom, References, custom)
)

// Edge points from the entity that holds it to another entity.
type Edge struct {
	To   donburi.Entity
	Kind EdgeKind
	// Label is the link type of an EdgeLink ("Contains", …).
	Label string
}

// EdgesData holds a node's outgoing edges; the renderer walks them to draw lines.
type EdgesData struct {
	Out []Edge
	// In lists the entities whose Out holds an edge to this node (once per such entity), so
	// that a node leaving the world can drop the edges pointing at it.
	In []donburi.Entity
}

// Edges is the component type of EdgesData.
var Edges = donburi.NewComponentType[EdgesData]()
