package ecs_test

import (
	"context"
	"fmt"

	"github.com/jetdag/jetdag/ecs"
)

// replay is a Source over a fixed list of messages.
type replay []ecs.Message

func (r replay) Follow(ctx context.Context, b *ecs.Bridge) error {
	for _, m := range r {
		if err := b.Send(ctx, m); err != nil {
			return err
		}
	}
	return b.Send(ctx, &ecs.StatusMsg{Connection: ecs.StatusConnected, CaughtUp: true})
}

// A source sends a chain whose children come before their parents; the graph holds them and
// attaches them when the first event arrives.
func ExampleGraph() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bridge := ecs.NewBridge(16)
	graph := ecs.NewGraph(ecs.Config{MaxNodes: 1000}, bridge)
	graph.Start(ctx)
	go bridge.Run(ctx, replay{
		event(3, "order-7", "shipped", "paid"),
		event(2, "order-7", "paid", "placed"),
		rejected(4, "order-7", "fork: previous_cid is not the latest event"),
		event(1, "order-7", "placed", ""),
	})
	for !graph.Stats().CaughtUp {
		graph.Update()
	}
	s := graph.Stats()
	fmt.Printf("%d events, %d rejected, %d held, last seq %d\n", s.Events, s.Rejected, s.Held, s.LastSeq)
	shipped, _ := graph.Lookup(cidOf("shipped"))
	fmt.Println("shipped is in the world:", graph.World().Valid(shipped))
	// Output:
	// 3 events, 1 rejected, 0 held, last seq 4
	// shipped is in the world: true
}
