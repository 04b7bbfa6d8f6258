package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/server"
)

// The seed's usage example: connect, append OrderCreated, subscribe for real-time updates.
func ExampleJetStreamEvents() {
	ctx := context.Background()

	// An embedded server stands in for nats://localhost:4222 so the example runs anywhere.
	dir, _ := os.MkdirTemp("", "jetdag-example-")
	defer os.RemoveAll(dir)
	srv, err := server.Start(server.Config{StoreDir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Shutdown()

	// Connect to NATS and open the event store (the stream is created when missing).
	nc, err := store.Connect(ctx, store.ConnConfig{Servers: []string{srv.ClientURL()}})
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	events, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{})
	if err != nil {
		log.Fatal(err)
	}

	// Append a domain event; its CID covers the payload, the previous CID and the parents.
	payload, _ := json.Marshal(map[string]any{"order_id": "order-17", "customer": "john@example.com"})
	ev, err := events.Append(ctx, "order-17", "OrderCreated", payload)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("stored at seq", ev.Seq, "first in chain:", !ev.PreviousCID.Defined())

	// Subscribe: verified catch-up from the first event, then live.
	sub, cancel := context.WithCancel(ctx)
	defer cancel()
	feed, err := events.Subscribe(sub, 1)
	if err != nil {
		log.Fatal(err)
	}
	for rec := range feed {
		if rec.Event != nil {
			fmt.Println("event:", rec.Event.AggregateID, rec.Event.EventType, rec.Event.CID.Equals(ev.CID))
		}
		if rec.CaughtUp {
			break // a visualizer would keep reading here
		}
	}
	// Output:
	// stored at seq 1 first in chain: true
	// event: order-17 OrderCreated true
}

// Many aggregates from one goroutine: every append is in flight before the first is waited
// for, each aggregate's events are chained in call order, and each result is what Append
// would have returned.
func ExampleJetStreamEvents_AppendAsync() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "jetdag-example-")
	defer os.RemoveAll(dir)
	srv, err := server.Start(server.Config{StoreDir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Shutdown()
	nc, err := store.Connect(ctx, store.ConnConfig{Servers: []string{srv.ClientURL()}})
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	events, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{})
	if err != nil {
		log.Fatal(err)
	}

	var pending []*store.PendingAppend
	for _, step := range []string{"OrderCreated", "OrderPaid", "OrderShipped"} {
		for _, order := range []string{"order-1", "order-2", "order-3"} {
			pending = append(pending, events.AppendAsync(ctx, store.NewEvent{AggregateID: order, EventType: step}))
		}
	}
	for _, p := range pending {
		if _, err := p.Result(); err != nil {
			log.Fatal(err)
		}
	}
	hist, err := events.History(ctx, "order-2")
	if err != nil {
		log.Fatal(err)
	}
	for _, ev := range hist {
		fmt.Println(ev.AggregateID, ev.EventType)
	}
	// Output:
	// order-2 OrderCreated
	// order-2 OrderPaid
	// order-2 OrderShipped
}
