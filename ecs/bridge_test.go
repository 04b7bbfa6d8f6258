package ecs_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/ecs"
)

func TestSendRejectsInvalidMessages(t *testing.T) {
	ok := event(1, "a", "e", "")
	tests := []struct {
		name string
		m    ecs.Message
	}{
		{"nothing", nil},
		{"a nil event", (*ecs.EventMsg)(nil)},
		{"event without CID", &ecs.EventMsg{AggregateID: "a"}},
		{"event without aggregate", &ecs.EventMsg{CID: cidOf("x")}},
		{"event with an undefined parent", &ecs.EventMsg{CID: cidOf("x"), AggregateID: "a", Parents: []cid.Cid{cid.Undef}}},
		{"object of unknown kind", &ecs.ObjectMsg{CID: cidOf("o"), Kind: "blob"}},
		{"object without CID", &ecs.ObjectMsg{Kind: ecs.ObjectValue}},
		{"link without endpoint", &ecs.LinkMsg{From: cidOf("o"), Type: "Contains"}},
		{"link without type", &ecs.LinkMsg{From: cidOf("o"), To: cidOf("p")}},
		{"rejected without reason", &ecs.RejectedMsg{Seq: 3}},
		{"status without state", &ecs.StatusMsg{CaughtUp: true}},
	}
	b := ecs.NewBridge(4)
	for _, tc := range tests {
		err := b.Send(context.Background(), tc.m)
		if !errors.Is(err, ecs.ErrInvalidMessage) {
			t.Errorf("%s: Send = %v, want ErrInvalidMessage", tc.name, err)
		}
	}
	if b.Lag() != 0 {
		t.Errorf("invalid messages were queued: lag %d", b.Lag())
	}
	if err := b.Send(context.Background(), ok); err != nil {
		t.Errorf("valid message: %v", err)
	}
}

func TestSendBlocksWhenFull(t *testing.T) {
	g, b := newGraph(t, ecs.Config{FrameBudget: 1}, 2)
	ctx := context.Background()
	for i := range 2 {
		if err := b.Send(ctx, event(uint64(i+1), "a", fmt.Sprint("e", i), "")); err != nil {
			t.Fatal(err)
		}
	}
	if b.Lag() != 2 {
		t.Fatalf("lag %d, want 2", b.Lag())
	}
	sent := make(chan error, 1)
	go func() { sent <- b.Send(ctx, event(3, "a", "e2", "")) }()
	select {
	case err := <-sent:
		t.Fatalf("Send on a full bridge returned at once (%v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	g.Update() // drains one (budget 1): room for the blocked one
	// the blocked Send may land before the stats stage reads the lag: 1 or 2
	if s := g.Stats(); s.Events != 1 || s.Lag < 1 || s.Lag > 2 {
		t.Errorf("after one Update: %+v, want 1 event and lag 1 or 2", s)
	}
	select {
	case err := <-sent:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Send still blocked after Update made room")
	}
	for b.Lag() > 0 {
		g.Update()
	}
	g.Update()
	if got := g.Stats().Events; got != 3 {
		t.Errorf("%d events in the world, want 3: nothing may be lost", got)
	}

	// A cancelled context releases a blocked Send with its error.
	full := ecs.NewBridge(1)
	if err := full.Send(ctx, event(1, "a", "x", "")); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if err := full.Send(cctx, event(2, "a", "y", "")); !errors.Is(err, context.Canceled) {
		t.Errorf("Send after cancel = %v, want context.Canceled", err)
	}
	if full.Lag() != 1 {
		t.Errorf("lag %d after a cancelled Send, want 1", full.Lag())
	}
}

// shuffledSource is a pure-logic Source: it replays a generated store, swapping each event
// with the one before it every fifth message so that children often come before parents,
// then reports that it is caught up.
type shuffledSource struct {
	aggregates, perAggregate int
}

func (s shuffledSource) messages() []ecs.Message {
	var out []ecs.Message
	seq := uint64(0)
	for i := range s.perAggregate {
		for a := range s.aggregates {
			seq++
			name := fmt.Sprintf("agg%d/%d", a, i)
			prev := ""
			var parents []string
			if i > 0 {
				prev = fmt.Sprintf("agg%d/%d", a, i-1)
				parents = append(parents, fmt.Sprintf("agg%d/%d", (a+1)%s.aggregates, i-1))
			}
			out = append(out, event(seq, fmt.Sprint("agg", a), name, prev, parents...))
		}
		out = append(out, object(fmt.Sprint("obj", i), ecs.ObjectValue, ""))
		if i > 0 {
			out = append(out, link(fmt.Sprint("obj", i), fmt.Sprint("obj", i-1), "DerivedFrom"))
		}
	}
	for i := 4; i < len(out); i += 5 {
		out[i], out[i-1] = out[i-1], out[i]
	}
	return out
}

func (s shuffledSource) Follow(ctx context.Context, b *ecs.Bridge) error {
	if err := b.Send(ctx, &ecs.StatusMsg{Connection: ecs.StatusConnected}); err != nil {
		return err
	}
	for _, m := range s.messages() {
		if err := b.Send(ctx, m); err != nil {
			return err
		}
	}
	return b.Send(ctx, &ecs.StatusMsg{Connection: ecs.StatusConnected, CaughtUp: true})
}

func TestSourceFeedsWhileUpdating(t *testing.T) {
	src := shuffledSource{aggregates: 7, perAggregate: 60}
	g, b := newGraph(t, ecs.Config{FrameBudget: 25}, 16)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var runErr error
	wg.Add(1)
	go func() { defer wg.Done(); runErr = b.Run(ctx, src) }()
	for !g.Stats().CaughtUp {
		if ctx.Err() != nil {
			t.Fatalf("not caught up: %+v", g.Stats())
		}
		g.Update()
	}
	wg.Wait()
	if runErr != nil {
		t.Fatal(runErr)
	}
	s := g.Stats()
	wantEvents := src.aggregates * src.perAggregate
	if s.Events != wantEvents || s.Objects != src.perAggregate || s.Links != src.perAggregate-1 ||
		s.Held != 0 || s.Lag != 0 || s.LastSeq != uint64(wantEvents) || s.Connection != ecs.StatusConnected {
		t.Errorf("stats = %+v, want %d events, %d objects, %d links", s, wantEvents, src.perAggregate, src.perAggregate-1)
	}
	// every event but the first of its aggregate has its previous edge and its parent edge
	for a := range src.aggregates {
		for i := 1; i < src.perAggregate; i++ {
			name := fmt.Sprintf("agg%d/%d", a, i)
			if n := len(edgesOf(t, g, name, nil)); n != 2 {
				t.Fatalf("%s has %d edges, want 2", name, n)
			}
		}
	}
}

type failingSource struct{}

var errSourceDown = errors.New("nats: no servers available")

func (failingSource) Follow(context.Context, *ecs.Bridge) error { return errSourceDown }

func TestRunWrapsSourceError(t *testing.T) {
	err := ecs.NewBridge(1).Run(context.Background(), failingSource{})
	if !errors.Is(err, errSourceDown) {
		t.Errorf("Run = %v, want it to wrap the source's error", err)
	}
}
