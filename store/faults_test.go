package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// A server whose JetStream storage is full refuses appends and object puts: each fails with
// ErrStorageFull in bounded time (no hang), and everything stored before stays readable.
func TestStorageFull(t *testing.T) {
	srv := storetest.StartConfigured(t, func(o *natsserver.Options) {
		o.JetStreamMaxStore = 256 << 10
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	nc := srv.Connect(t)
	es, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{PublishTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, 4<<10)
	var stored []*store.StoredEvent
	var appendErr error
	for i := range 200 {
		payload[0] = byte(i)
		ev, err := es.Append(ctx, "big", "Blob", payload)
		if err != nil {
			appendErr = err
			break
		}
		stored = append(stored, ev)
	}
	t.Logf("%d appends stored, then: %v", len(stored), appendErr)
	if appendErr == nil {
		t.Fatal("200 appends of 4 KiB fit in a 256 KiB store")
	}
	if !errors.Is(appendErr, store.ErrStorageFull) {
		t.Fatalf("append on a full store: %v, want ErrStorageFull", appendErr)
	}
	if _, err := es.AppendBatch(ctx, "other", []store.NewEvent{{EventType: "A", Payload: payload}, {EventType: "B", Payload: payload}}); !errors.Is(err, store.ErrStorageFull) {
		t.Fatalf("batch on a full store: %v, want ErrStorageFull", err)
	}
	if _, err := es.History(ctx, "other"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the refused batch left something behind: %v", err)
	}
	objs, err := store.OpenObjects(ctx, nc, store.ObjectStoreConfig{})
	if err != nil {
		t.Fatalf("open the object store on a full server: %v", err)
	}
	_, err = objs.PutReader(ctx, bytes.NewReader(bytes.Repeat([]byte("x"), 512<<10)), cid.Undef)
	if !errors.Is(err, store.ErrStorageFull) {
		t.Fatalf("put on a full store: %v, want ErrStorageFull", err)
	}
	hist, err := es.History(ctx, "big")
	if err != nil || len(hist) != len(stored) {
		t.Fatalf("history after the refusal: %d events, %v (want %d)", len(hist), err, len(stored))
	}
	for i, ev := range hist {
		if !ev.CID.Equals(stored[i].CID) {
			t.Fatalf("event %d changed", i)
		}
	}
}
