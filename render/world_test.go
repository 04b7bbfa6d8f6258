package render

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/archetypes"
	"github.com/jetdag/jetdag/systems"
)

// The test worlds of package systems' tests, for the renderer's tests.

// spec is one node of a test world.
type spec struct {
	kind  components.ElementKind
	shape components.Shape
	x, y  float64
	agg   string
	typ   string
}

func ev(x, y float64, agg, typ string) spec {
	return spec{components.ElementEvent, components.ShapeDiamond, x, y, agg, typ}
}

func specCID(i int) cid.Cid {
	h, err := multihash.Sum([]byte(fmt.Sprint("node ", i)), multihash.SHA2_256, -1)
	if err != nil {
		panic(err)
	}
	return cid.NewCidV1(cid.DagCBOR, h)
}

// mkNode adds a node to w with every component the model gives one, through its kind's
// archetype.
func mkNode(w donburi.World, i int, s spec) donburi.Entity {
	entry := archetypes.For(s.kind).Spawn(w)
	e := entry.Entity()
	d := components.DddElementData{Kind: s.kind, Index: int32(i), Seq: uint64(i + 1), AggregateID: s.agg, CreatedAt: int64(i+1) * 1e9}
	base := components.EventBlue
	switch s.kind {
	case components.ElementObject:
		d.Type, d.CID, base = s.typ, specCID(i), components.ObjectGreen
	case components.ElementRejected:
		components.Rejected.SetValue(entry, components.RejectedData{Reason: "forged CID"})
		base = components.RejectedRed
	default:
		d.Type, d.CID = s.typ, specCID(i)
	}
	components.DddElement.SetValue(entry, d)
	components.GraphNodeVisual.SetValue(entry, components.GraphNodeVisualData{BaseColor: base, HighlightColor: components.EventCyan, Size: 0.5, Shape: s.shape})
	components.Position.SetValue(entry, components.PositionData{X: s.x, Y: s.y})
	return e
}

// mkEdge adds an edge, and sets the previous/parent CIDs an event block would carry.
func mkEdge(w donburi.World, from, to donburi.Entity, kind components.EdgeKind) {
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

// mkDAG builds n events in per-aggregate chains plus parents up to edges edges, on a
// jittered grid with about 30 world units between neighbours (a settled layout's spacing).
func mkDAG(w donburi.World, n, edges int) []donburi.Entity {
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
		es[i] = mkNode(w, i, ev(float64(i%side)*30+rng.Float64()*10, float64(i/side)*30+rng.Float64()*10, fmt.Sprint("agg-", a), fmt.Sprint("T", i%7)))
		if last[a] >= 0 {
			mkEdge(w, es[i], es[last[a]], components.EdgePrevious)
			m++
		}
		last[a] = i
	}
	for ; m < edges; m++ {
		i := 1 + rng.IntN(n-1)
		mkEdge(w, es[i], es[rng.IntN(i)], components.EdgeParent)
	}
	return es
}

func gathered(w donburi.World, m *systems.Marks) *systems.Scene {
	s := systems.NewScene()
	s.Gather(w, m)
	return s
}
