package viewer

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// openStores starts a real embedded server and opens both stores on one connection, as the
// window's source does: the event store, and the object store that checks links to events.
func openStores(ctx context.Context, t *testing.T) (*storetest.Server, *nats.Conn, *store.JetStreamEvents, *store.JetStreamObjects) {
	t.Helper()
	srv := storetest.Start(t)
	nc := srv.Connect(t)
	events, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	objects, err := store.OpenObjects(ctx, nc, store.ObjectStoreConfig{EventExists: events.Exists})
	if err != nil {
		t.Fatal(err)
	}
	return srv, nc, events, objects
}

// runWorld runs src into a fresh world of cfg through a bridge of 64, as the window does,
// until ctx ends; the caller updates the graph.
func runWorld(ctx context.Context, cfg ecs.Config, src ecs.Source) *ecs.Graph {
	bridge := ecs.NewBridge(64)
	graph := ecs.NewGraph(cfg, bridge)
	graph.Start(ctx)
	go func() { _ = bridge.Run(ctx, src) }()
	return graph
}

// quietRequest asks for the window's source on srv with options o, logging nothing.
func quietRequest(srv *storetest.Server, o cli.ViewOptions) cli.ViewRequest {
	return cli.ViewRequest{
		Options:   o,
		Conn:      store.ConnConfig{Servers: []string{srv.ClientURL()}},
		NATSGiven: true,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}
