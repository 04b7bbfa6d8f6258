// Package worldtest builds small donburi worlds by hand for the window's tests: nodes of each
// kind spawned through their archetype, edges that set the previous and parent CIDs an event
// block would carry, and a synthetic DAG laid out like a settled force layout. The model's tests
// (systems) and the renderer's (render) share it, so a test world is written once. It imports
// no Ebiten.
package worldtest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/archetypes"
)

// Spec is one node of a test world.
type Spec struct {
	Kind  components.ElementKind
	Shape components.Shape
	X, Y  float64
	Agg   string
	Type  string
}

// Event is an event node at (x, y).
func Event(x, y float64, agg, typ string) Spec {
	return Spec{Kind: components.ElementEvent, Shape: components.ShapeDiamond, X: x, Y: y, Agg: agg, Type: typ}
}

// CID is node i's CID (DAG-CBOR, sha2-256 of "node i").
func CID(i int) cid.Cid {
	h, err := multihash.Sum([]byte(fmt.Sprint("node ", i)), multihash.SHA2_256, -1)
	if err != nil {
		panic(err)
	}
	return cid.NewCidV1(cid.DagCBOR, h)
}

// Node adds a node to w with every component the model gives one, through its kind's
// archetype.
func Node(w donburi.World, i int, s Spec) donburi.Entity {
	entry := archetypes.For(s.Kind).Spawn(w)
	e := entry.Entity()
	d := components.DddElementData{Kind: s.Kind, Index: int32(i), Seq: uint64(i + 1), AggregateID: s.Agg, CreatedAt: int64(i+1) * 1e9}
	base := components.EventBlue()
	switch s.Kind {
	case components.ElementObject:
		d.Type, d.CID, base = s.Type, CID(i), components.ObjectGreen()
	case components.ElementRejected:
		components.Rejected.SetValue(entry, components.RejectedData{Reason: "forged CID"})
		base = components.RejectedRed()
	default:
		d.Type, d.CID = s.Type, CID(i)
	}
	components.DddElement.SetValue(entry, d)
	components.GraphNodeVisual.SetValue(entry, components.GraphNodeVisualData{BaseColor: base, HighlightColor: components.EventCyan(), Size: 0.5, Shape: s.Shape})
	components.Position.SetValue(entry, components.PositionData{X: s.X, Y: s.Y})
	return e
}

// Edge adds an edge, and sets the previous/parent CIDs an event block would carry.
func Edge(w donburi.World, from, to donburi.Entity, kind components.EdgeKind) {
	fe := w.Entry(from)
	ed := components.Edges.Get(fe)
	ed.Out = append(ed.Out, components.Edge{To: to, Kind: kind})
	target := components.DddElement.Get(w.Entry(to)).CID
	switch {
	case fe.HasComponent(components.Event) && kind == components.EdgePrevious:
		components.Event.Get(fe).PreviousCID = target
	case fe.HasComponent(components.Event) && kind == components.EdgeParent:
		ev := components.Event.Get(fe)
		ev.ParentCIDs = append(ev.ParentCIDs, target)
	case fe.HasComponent(components.Object) && kind == components.EdgePrevious:
		components.Object.Get(fe).PreviousCID = target
	}
}

// DAG builds n events in per-aggregate chains (200 aggregates) plus parents up to edges edges,
// on a jittered grid with about 30 world units between neighbours (a settled layout's spacing).
func DAG(w donburi.World, n, edges int) []donburi.Entity {
	rng := rand.New(rand.NewPCG(7, 9))
	side := int(math.Ceil(math.Sqrt(float64(n))))
	es := make([]donburi.Entity, n)
	const aggs = 200
	last := make([]int, aggs)
	for i := range last {
		last[i] = -1
	}
	m := 0
	for i := 0; i < n; i++ {
		a := i % aggs
		es[i] = Node(w, i, Event(float64(i%side)*30+rng.Float64()*10, float64(i/side)*30+rng.Float64()*10, fmt.Sprint("agg-", a), fmt.Sprint("T", i%7)))
		if last[a] >= 0 {
			Edge(w, es[i], es[last[a]], components.EdgePrevious)
			m++
		}
		last[a] = i
	}
	for ; m < edges; m++ {
		i := 1 + rng.IntN(n-1)
		Edge(w, es[i], es[rng.IntN(i)], components.EdgeParent)
	}
	return es
}
