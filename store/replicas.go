package store

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// StoreStreams returns the JetStream streams behind a jetdag store: the event stream, the CID
// index bucket and the object bucket (a new slice each call).
func StoreStreams() []string {
	return []string{StreamName, "KV_" + IndexBucket, "OBJ_" + ObjectBucket}
}

// ScaleReplicas sets the replicas of every stream in StoreStreams to replicas (1 to 5),
// creating what is missing, and returns each stream's replicas before the change. JetStream
// moves the data itself; on a cluster every peer the new count needs must be up.
func ScaleReplicas(ctx context.Context, nc *nats.Conn, replicas int) (map[string]int, error) {
	if replicas < 1 || replicas > 5 {
		return nil, fmt.Errorf("%w: %d replicas, want 1 to 5", ErrInvalidInput, replicas)
	}
	if _, err := OpenEvents(ctx, nc, EventStoreConfig{Replicas: replicas}); err != nil {
		return nil, err
	}
	if _, err := OpenObjects(ctx, nc, ObjectStoreConfig{Replicas: replicas}); err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	before := make(map[string]int, len(StoreStreams()))
	for _, name := range StoreStreams() {
		s, err := js.Stream(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("look up stream %s: %w", name, err)
		}
		cfg := s.CachedInfo().Config
		before[name] = cfg.Replicas
		if cfg.Replicas == replicas {
			continue
		}
		cfg.Replicas = replicas
		if _, err := js.UpdateStream(ctx, cfg); err != nil {
			return nil, fmt.Errorf("set stream %s to %d replicas: %w", name, replicas, err)
		}
	}
	return before, nil
}
