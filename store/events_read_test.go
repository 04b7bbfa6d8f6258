package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// openStalling starts a server and opens the store on it with a stall bound of one second,
// for the tests of what a bounded read does when no message comes.
func openStalling(t *testing.T) (context.Context, *nats.Conn, *store.JetStreamEvents) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	nc := storetest.Start(t).Connect(t)
	s, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{ReadStall: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return ctx, nc, s
}

// A bounded read whose consumer disappears on the server mid-read (what a leader election
// or a restart does to an ephemeral consumer) still delivers every message once, in order:
// it opens a new consumer after the last message delivered instead of failing.
func TestReadSurvivesLostConsumer(t *testing.T) {
	ctx, nc, s := openStalling(t)
	const n = 3000
	for i := range n {
		if _, err := s.Append(ctx, fmt.Sprintf("acct-%d", i%7), "Opened", nil); err != nil {
			t.Fatal(err)
		}
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(ctx, store.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	deleted := 0
	err = store.ReadStream(ctx, s, 1, func(seq uint64) error {
		got = append(got, seq)
		if seq == 10 {
			names := st.ConsumerNames(ctx)
			for name := range names.Name() {
				if err := st.DeleteConsumer(ctx, name); err != nil {
					return fmt.Errorf("delete consumer %s: %w", name, err)
				}
				deleted++
			}
			if names.Err() != nil {
				return names.Err()
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read after its consumer was deleted: %v", err)
	}
	if deleted == 0 {
		t.Fatal("the read had no consumer on the server to delete")
	}
	if len(got) != n {
		t.Fatalf("read delivered %d messages, want %d", len(got), n)
	}
	for i, seq := range got {
		if seq != uint64(i+1) {
			t.Fatalf("message %d has seq %d: a gap or a repeat", i, seq)
		}
	}
}

// A callback that takes longer than the stall bound is not a stall: the read neither fails
// nor repeats messages.
func TestReadSlowCallbackIsNotStall(t *testing.T) {
	ctx, _, s := openStalling(t)
	for range 5 {
		if _, err := s.Append(ctx, "acct-1", "Credited", nil); err != nil {
			t.Fatal(err)
		}
	}
	var got []uint64
	err := store.ReadStream(ctx, s, 1, func(seq uint64) error {
		got = append(got, seq)
		if seq == 2 {
			time.Sleep(2500 * time.Millisecond)
		}
		return nil
	})
	if err != nil || fmt.Sprint(got) != "[1 2 3 4 5]" {
		t.Fatalf("read with a slow callback: %v, delivered %v", err, got)
	}
}
