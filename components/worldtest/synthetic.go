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

// SyntheticDAG builds the frame benchmarks' workload in w: n events on a grid (30 world units
// apart, jittered) in per-aggregate chains over 200 aggregates, plus cross parents up to
// edges in all, each to one of the 300 events before it, as a settled force layout keeps
// linked nodes near each other. It returns the entities in order.
func SyntheticDAG(w donburi.World, n, edges int) []donburi.Entity {
	rng := rand.New(rand.NewPCG(1, 2))
	side := int(math.Ceil(math.Sqrt(float64(n))))
	es := make([]donburi.Entity, n)
	const aggs = 200
	last := make([]int, aggs)
	for i := range last {
		last[i] = -1
	}
	cids := make([]cid.Cid, n)
	// One string per aggregate and per type, as the live model keeps them (ecs interns them).
	aggIDs, types := make([]string, aggs), make([]string, 7)
	for a := range aggIDs {
		aggIDs[a] = fmt.Sprint("agg-", a)
	}
	for k := range types {
		types[k] = fmt.Sprint("Type", k)
	}
	prevEdges := 0
	for i := 0; i < n; i++ {
		entry := archetypes.For(components.ElementEvent).Spawn(w)
		es[i] = entry.Entity()
		h, err := multihash.Sum([]byte(fmt.Sprint("node ", i)), multihash.SHA2_256, -1)
		if err != nil {
			panic(err) // sha2-256 is always registered
		}
		cids[i] = cid.NewCidV1(cid.DagCBOR, h)
		a := i % aggs
		components.DddElement.SetValue(entry, components.DddElementData{
			Kind: components.ElementEvent, Index: int32(i), Seq: uint64(i + 1), CID: cids[i],
			AggregateID: aggIDs[a], Type: types[i%7], CreatedAt: int64(i+1) * 1e9,
		})
		components.GraphNodeVisual.SetValue(entry, components.GraphNodeVisualData{
			BaseColor: components.EventBlue(), HighlightColor: components.EventCyan(), Size: 0.5, Shape: components.ShapeDiamond,
		})
		components.Position.SetValue(entry, components.PositionData{
			X: float64(i%side)*30 + rng.Float64()*10, Y: float64(i/side)*30 + rng.Float64()*10,
		})
		if last[a] >= 0 {
			benchLink(w, es[i], es[last[a]], cids[last[a]], components.EdgePrevious)
			prevEdges++
		}
		last[a] = i
	}
	for k := prevEdges; k < edges && n > 1; k++ {
		i := 1 + rng.IntN(n-1)
		j := i - 1 - rng.IntN(min(i, 300))
		benchLink(w, es[i], es[j], cids[j], components.EdgeParent)
	}
	return es
}

// benchLink adds an edge and names its target in the event, as an event block would.
func benchLink(w donburi.World, from, to donburi.Entity, target cid.Cid, kind components.EdgeKind) {
	fe := w.Entry(from)
	ed := components.Edges.Get(fe)
	ed.Out = append(ed.Out, components.Edge{To: to, Kind: kind})
	ev := components.Event.Get(fe)
	if kind == components.EdgePrevious {
		ev.PreviousCID = target
	} else {
		ev.ParentCIDs = append(ev.ParentCIDs, target)
	}
}
