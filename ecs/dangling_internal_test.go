package ecs

import (
	"context"
	"fmt"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
)

// A bounded Partial graph fed a long live stream whose every event points at a block that
// never arrives (as a resumed feed's do at blocks before the checkpoint) forgets the dangling
// edges of the nodes it retired: the map stays bounded instead of growing with the stream.
func TestDanglingEdgesOfRetiredNodesAreSwept(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := NewBridge(0)
	g := NewGraph(Config{Partial: true, MaxNodes: 100}, b)
	g.Start(ctx)
	sum := func(s string) cid.Cid {
		h, err := multihash.Sum([]byte(s), multihash.SHA2_256, -1)
		if err != nil {
			t.Fatal(err)
		}
		return cid.NewCidV1(cid.DagCBOR, h)
	}
	const n = 20_000
	for i := range n {
		g.apply(&EventMsg{Seq: uint64(i + 1), CID: sum(fmt.Sprint("e", i)), AggregateID: fmt.Sprint("agg-", i),
			EventType: "Tick", Previous: sum(fmt.Sprint("gone", i)), Timestamp: int64(i + 1)})
	}
	if len(g.index) > 100 {
		t.Fatalf("%d nodes in a world bounded at 100", len(g.index))
	}
	if got := len(g.dangling); got == 0 || got > 2*minDanglingSweep+100 {
		t.Fatalf("%d blocks with dangling edges after %d events (the world holds 100): want at most %d", got, n, 2*minDanglingSweep+100)
	}
}
