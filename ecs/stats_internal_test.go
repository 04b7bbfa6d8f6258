package ecs

import (
	"math"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
)

func TestRateMeter(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name  string
		steps []struct {
			after time.Duration // since t0
			add   int
		}
		want, tol float64
	}{
		{"first window primes the average", []struct {
			after time.Duration
			add   int
		}{{0, 0}, {500 * time.Millisecond, 500}}, 1000, 1e-9},
		{"short windows wait", []struct {
			after time.Duration
			add   int
		}{{0, 0}, {100 * time.Millisecond, 500}}, 0, 0},
		{"steady rate stays", []struct {
			after time.Duration
			add   int
		}{{0, 0}, {time.Second, 2000}, {2 * time.Second, 2000}, {3 * time.Second, 2000}}, 2000, 1e-6},
		{"a stop decays towards zero", []struct {
			after time.Duration
			add   int
		}{{0, 0}, {time.Second, 1000}, {11 * time.Second, 0}}, 1000 * math.Exp(-10/rateTau), 1e-6},
	}
	for _, tc := range tests {
		var r rateMeter
		var got float64
		for _, s := range tc.steps {
			r.add(s.add)
			got = r.sample(t0.Add(s.after))
		}
		if math.Abs(got-tc.want) > tc.tol {
			t.Errorf("%s: %.3f events/s, want %.3f", tc.name, got, tc.want)
		}
	}
}

func TestTombstonesBounded(t *testing.T) {
	ts := newTombstones(3)
	var cids []cid.Cid
	for i := range 5 {
		h, _ := multihash.Sum([]byte{byte(i)}, multihash.SHA2_256, -1)
		c := cid.NewCidV1(cid.DagCBOR, h)
		cids = append(cids, c)
		ts.add(c)
	}
	for i, c := range cids {
		if want := i >= 2; ts.has(c) != want {
			t.Errorf("tombstone %d remembered = %v, want %v", i, ts.has(c), want)
		}
	}
	if len(ts.set) != 3 || len(ts.ring) != 3 {
		t.Errorf("%d remembered in a ring of %d, want 3 and 3", len(ts.set), len(ts.ring))
	}
}

func TestEventsPerSecondInStats(t *testing.T) {
	g := NewGraph(Config{}, NewBridge(64))
	now := time.Unix(0, 0)
	g.now = func() time.Time { return now }
	g.Update()
	for i := range 50 {
		h, _ := multihash.Sum([]byte{byte(i)}, multihash.SHA2_256, -1)
		m := &EventMsg{Seq: uint64(i + 1), CID: cid.NewCidV1(cid.DagCBOR, h), AggregateID: "a"}
		if err := g.bridge.Send(t.Context(), m); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(500 * time.Millisecond)
	g.Update()
	if got := g.Stats().EventsPerSecond; math.Abs(got-100) > 1e-9 {
		t.Errorf("%.3f events/s, want 100 (50 events in half a second)", got)
	}
	if err := g.bridge.Send(t.Context(), &StatusMsg{Connection: StatusReconnecting, CaughtUp: true}); err != nil {
		t.Fatal(err)
	}
	g.Update()
	if s := g.Stats(); s.Connection != StatusReconnecting || !s.CaughtUp {
		t.Errorf("status not applied: %+v", s)
	}
}

func TestModelStageOrder(t *testing.T) {
	g := NewGraph(Config{}, nil)
	var names []string
	for _, s := range g.stages {
		names = append(names, s.Name)
	}
	want := []string{"ingest", "retire", "hold-hover", "as-of", "layout-sync", "stats"}
	if len(names) != len(want) {
		t.Fatalf("stages %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("stages %v, want %v", names, want)
		}
	}
}
