package viewer

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go"

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
