package ecs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/filter"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/ecs"
)

// cidOf returns a dag-cbor CIDv1 over name, as a stand-in for a block's CID.
func cidOf(name string) cid.Cid {
	h, err := multihash.Sum([]byte(name), multihash.SHA2_256, -1)
	if err != nil {
		panic(err)
	}
	return cid.NewCidV1(cid.DagCBOR, h)
}

// event builds an event message; prev and parents name other events ("" for none).
func event(seq uint64, agg, name, prev string, parents ...string) ecs.Message {
	m := &ecs.EventMsg{
		Seq: seq, CID: cidOf(name), AggregateID: agg, EventType: "Happened",
		Timestamp: int64(seq) * int64(time.Millisecond), PayloadSize: 10,
	}
	if prev != "" {
		m.Previous = cidOf(prev)
	}
	for _, p := range parents {
		m.Parents = append(m.Parents, cidOf(p))
	}
	return m
}

func object(name, kind, prev string) ecs.Message {
	m := &ecs.ObjectMsg{CID: cidOf(name), Kind: kind, Timestamp: 1}
	if prev != "" {
		m.Previous = cidOf(prev)
	}
	if kind == ecs.ObjectFile {
		m.Content, m.Size = cidOf(name+"/content"), 1<<20
	}
	return m
}

func link(from, to, typ string) ecs.Message {
	return &ecs.LinkMsg{From: cidOf(from), To: cidOf(to), Type: typ}
}

func rejected(seq uint64, agg, reason string) ecs.Message {
	return &ecs.RejectedMsg{Seq: seq, Subject: "event.store." + agg + ".X", AggregateID: agg, Reason: reason}
}

// newGraph returns a graph with a started layout that stops with the test.
func newGraph(t testing.TB, cfg ecs.Config, capacity int) (*ecs.Graph, *ecs.Bridge) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	b := ecs.NewBridge(capacity)
	g := ecs.NewGraph(cfg, b)
	g.Start(ctx)
	return g, b
}

// feed sends msgs through the bridge, updating the graph whenever the bridge is full.
func feed(t testing.TB, g *ecs.Graph, b *ecs.Bridge, msgs ...ecs.Message) {
	t.Helper()
	for _, m := range msgs {
		for b.Lag() == b.Cap() {
			g.Update()
		}
		if err := b.Send(context.Background(), m); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	for b.Lag() > 0 {
		g.Update()
	}
	g.Update()
}

// entry returns the entry of the node with CID named name, failing the test when absent.
func entry(t testing.TB, g *ecs.Graph, name string) *donburi.Entry {
	t.Helper()
	e, ok := g.Lookup(cidOf(name))
	if !ok {
		t.Fatalf("%s is not in the world", name)
	}
	return g.World().Entry(e)
}

func elem(t testing.TB, g *ecs.Graph, name string) components.DddElementData {
	t.Helper()
	return components.DddElement.GetValue(entry(t, g, name))
}

// edgesOf describes a node's out edges as "kind:target" strings, targets by name.
func edgesOf(t testing.TB, g *ecs.Graph, name string, names []string) []string {
	t.Helper()
	byEntity := map[donburi.Entity]string{}
	for _, n := range names {
		if e, ok := g.Lookup(cidOf(n)); ok {
			byEntity[e] = n
		}
	}
	var out []string
	for _, e := range components.Edges.Get(entry(t, g, name)).Out {
		kind := map[components.EdgeKind]string{components.EdgePrevious: "prev", components.EdgeParent: "parent", components.EdgeLink: "link"}[e.Kind]
		if e.Label != "" {
			kind += "(" + e.Label + ")"
		}
		out = append(out, fmt.Sprintf("%s:%s", kind, byEntity[e.To]))
	}
	return out
}

// nodeCount counts the entities with a DddElement (every node; not the stats singleton).
func nodeCount(g *ecs.Graph) int {
	return donburi.NewQuery(filter.Contains(components.DddElement)).Count(g.World())
}
