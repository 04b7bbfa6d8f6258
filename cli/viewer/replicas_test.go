package viewer

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// A viewer that is the first client of a three-node cluster creates the event stream, the
// CID index and the object bucket with the replicas --replicas asks for.
func TestViewerCreatesReplicatedStore(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node cluster")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := storetest.StartCluster(t, 3)
	req := cli.ViewRequest{
		Options:   cli.ViewOptions{Replicas: 3},
		Conn:      store.ConnConfig{Servers: c.URLs()},
		NATSGiven: true,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	_, closeSrc, err := openSource(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	defer closeSrc()
	nc, err := store.Connect(ctx, store.ConnConfig{Servers: c.URLs()})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{store.StreamName, "KV_" + store.IndexBucket, "OBJ_" + store.ObjectBucket} {
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatalf("stream %s: %v", name, err)
		}
		if r := s.CachedInfo().Config.Replicas; r != 3 {
			t.Errorf("stream %s has %d replicas, want 3", name, r)
		}
	}
}
