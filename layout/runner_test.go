package layout

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestRunnerConcurrentUse(t *testing.T) {
	p := DefaultParams()
	p.Workers = 2
	r := NewRunner(New(p))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()

	const writers, perWriter = 4, 300
	ids := make([][]NodeID, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prev := NoNode
			for i := range perWriter {
				id := r.AddNode(prev, int32(w), float64(i))
				if prev != NoNode {
					r.AddEdge(id, prev)
				}
				if i == 50 {
					r.Pin(id, Vec2{float64(100 * w), 0})
				}
				if i == 120 {
					r.Unpin(ids[w][50])
				}
				ids[w] = append(ids[w], id)
				prev = id
			}
		}()
	}
	// readers while the writers stream in
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			var buf []Vec2
			for {
				select {
				case <-stop:
					return
				default:
				}
				buf = r.Read(buf)
				for i, q := range buf {
					if math.IsNaN(q.X) || math.IsNaN(q.Y) {
						t.Errorf("published position %d is %v", i, q)
						return
					}
				}
				_ = r.Energy()
				_ = r.Ticks()
			}
		}()
	}
	wg.Wait()

	// every ID is distinct
	seen := map[NodeID]bool{}
	for _, list := range ids {
		for _, id := range list {
			if seen[id] {
				t.Fatalf("ID %d handed out twice", id)
			}
			seen[id] = true
		}
	}
	// remove a few, add more: freed IDs come back
	r.RemoveNode(ids[0][10])
	r.RemoveNode(ids[0][10]) // twice: ignored, not freed twice
	reused := r.AddNode(ids[0][11], 0, 1000)
	fresh := r.AddNode(ids[0][11], 0, 1001)
	if reused != ids[0][10] {
		t.Errorf("AddNode after RemoveNode returned %d, want the freed ID %d", reused, ids[0][10])
	}
	if fresh != writers*perWriter {
		t.Errorf("next AddNode returned %d, want the fresh ID %d", fresh, writers*perWriter)
	}
	waitFor(t, "the layout to see every node", func() bool { return len(r.Read(nil)) == writers*perWriter+1 })
	close(stop)
	readers.Wait()
	ticks := r.Ticks()
	if ticks == 0 {
		t.Fatal("Run never ticked")
	}
	waitFor(t, "the layout to settle and idle", r.Settled)
	idle := r.Ticks()
	t.Logf("idle after %d ticks (had %d when all nodes were in)", idle, ticks)
	time.Sleep(100 * time.Millisecond)
	if r.Ticks() != idle || !r.Settled() {
		t.Fatalf("settled runner kept ticking: %d then %d ticks", idle, r.Ticks())
	}
	// a change wakes it up
	r.AddNode(ids[1][0], 1, -1)
	waitFor(t, "a new node to wake the runner", func() bool { return r.Ticks() > idle })
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	pos := r.Read(nil)
	for _, list := range ids {
		for _, id := range list {
			if id == ids[0][10] {
				continue
			}
			if q := pos[id]; !finite(q.X) || !finite(q.Y) {
				t.Fatalf("node %d at %v", id, q)
			}
		}
	}
	t.Logf("%d ticks, final energy %g", r.Ticks(), r.Energy())
}

func TestRunnerReadBeforeRun(t *testing.T) {
	s := New(DefaultParams())
	a := s.AddNode(NoNode, NoGroup, 0)
	want := s.Position(a)
	r := NewRunner(s)
	tests := []struct {
		name string
		dst  []Vec2
	}{
		{"nil destination", nil},
		{"small destination grows", make([]Vec2, 0, 0)},
		{"large destination shrinks", make([]Vec2, 10)},
	}
	for _, tc := range tests {
		got := r.Read(tc.dst)
		if len(got) != 1 || got[a] != want {
			t.Errorf("%s: Read = %v, want [%v]", tc.name, got, want)
		}
	}
	// a second concurrent Run returns at once
	ctx, cancel := context.WithCancel(context.Background())
	go r.Run(ctx)
	waitFor(t, "the first Run to start", func() bool { return r.running.Load() })
	returned := make(chan struct{})
	go func() { r.Run(context.Background()); close(returned) }()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("a second Run did not return at once")
	}
	cancel()
}

func TestRunnerPace(t *testing.T) {
	r := NewRunner(New(DefaultParams()))
	tests := []struct {
		share float64
		tick  time.Duration
		want  time.Duration
	}{
		{DefaultPace, 3 * time.Millisecond, 0},                      // short ticks run back to back
		{DefaultPace, 60 * time.Millisecond, 60 * time.Millisecond}, // half the wall time
		{0.25, 40 * time.Millisecond, 120 * time.Millisecond},       // a quarter
		{1, 80 * time.Millisecond, 0},                               // unpaced
		{-3, 40 * time.Millisecond, 40 * time.Millisecond},          // out of range: the default
		{DefaultPace, 2 * time.Second, maxPause},                    // capped
		{math.NaN(), 30 * time.Millisecond, 30 * time.Millisecond},  // NaN: the default
	}
	for _, tc := range tests {
		r.SetPace(tc.share)
		if got := r.pause(tc.tick); got != tc.want {
			t.Errorf("pace %v, tick %v: pause %v, want %v", tc.share, tc.tick, got, tc.want)
		}
	}
}
