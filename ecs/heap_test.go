package ecs_test

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"unsafe"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/ecs"
)

// TestNodesShareStrings: events of one aggregate hold one copy of its ID and of their type,
// and an event's previous and parent CIDs are the strings of the nodes they name, not the
// copies its message carried.
func TestNodesShareStrings(t *testing.T) {
	g, b := newGraph(t, ecs.Config{}, 0)
	feed(t, g, b, event(1, "agg-a", "e1", ""), event(2, "agg-b", "e2", ""), event(3, "agg-a", "e3", "e1", "e2"))
	same := func(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }
	e1, e3 := elem(t, g, "e1"), elem(t, g, "e3")
	if !same(e1.AggregateID, e3.AggregateID) || !same(e1.Type, e3.Type) {
		t.Errorf("two events of agg-a hold two copies of its ID or type")
	}
	ev := components.Event.Get(entry(t, g, "e3"))
	if !same(ev.PreviousCID.KeyString(), e1.CID.KeyString()) {
		t.Errorf("e3's previous CID is a copy of e1's")
	}
	if len(ev.ParentCIDs) != 1 || !same(ev.ParentCIDs[0].KeyString(), elem(t, g, "e2").CID.KeyString()) {
		t.Errorf("e3's parent CID is a copy of e2's")
	}
}

func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// BenchmarkWorldHeap reports the Go heap the live model keeps per node once 100,000 events
// (100 aggregates, a previous event each and a parent every third, each message with its own
// decoded strings as a store's replay delivers them) are in the world and the layout has
// them: the world's components, the CID index, the layout and the lanes. The messages
// themselves are garbage by then. Beside it, the whole-process target of 1,536 bytes.
func BenchmarkWorldHeap(b *testing.B) {
	const n = 100_000
	for range b.N {
		msgs := ingestMessages(n)
		before := liveHeap()
		g, br := newGraph(b, ecs.Config{}, 0)
		feed(b, g, br, msgs...)
		msgs = nil
		waitSettledOps(b, g)
		after := liveHeap()
		runtime.KeepAlive(g)
		b.ReportMetric(float64(after-before)/n, "heap-B/node")
		b.ReportMetric(1536, "target-B/node")
	}
}

// waitSettledOps lets the layout take in the queued nodes (a few ticks).
func waitSettledOps(b *testing.B, g *ecs.Graph) {
	r := g.Layout()
	for t0 := r.Ticks(); r.Ticks() < t0+2; {
		runtime.Gosched()
	}
}
