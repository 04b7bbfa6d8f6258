package store_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// contract is the behaviour every EventStore promises; it runs against JetStream and memory.
func contract(t *testing.T, open func(t *testing.T) store.EventStore) {
	ctx := context.Background()
	t.Run("chain", func(t *testing.T) {
		s := open(t)
		var prev *store.StoredEvent
		for i := range 3 {
			ev, err := s.Append(ctx, "order-1", "OrderLine", []byte{byte(i)})
			if err != nil {
				t.Fatalf("append %d: %v", i, err)
			}
			if prev == nil && ev.PreviousCID.Defined() {
				t.Fatalf("first event has previous %s", ev.PreviousCID)
			}
			if prev != nil && !ev.PreviousCID.Equals(prev.CID) {
				t.Fatalf("event %d previous %s, want %s", i, ev.PreviousCID, prev.CID)
			}
			if prev != nil && ev.Seq <= prev.Seq {
				t.Fatalf("seq %d after %d", ev.Seq, prev.Seq)
			}
			prev = ev
		}
		hist, err := s.History(ctx, "order-1")
		if err != nil || len(hist) != 3 {
			t.Fatalf("history: %d events, %v", len(hist), err)
		}
		for i, ev := range hist {
			if !bytes.Equal(ev.Payload, []byte{byte(i)}) {
				t.Fatalf("history[%d] payload %v", i, ev.Payload)
			}
			got, err := s.Get(ctx, ev.CID)
			if err != nil || !got.CID.Equals(ev.CID) || got.Seq != ev.Seq {
				t.Fatalf("get %s: %+v, %v", ev.CID, got, err)
			}
		}
		head, err := s.Head(ctx, "order-1")
		if err != nil || !head.CID.Equals(prev.CID) {
			t.Fatalf("head %v, %v; want %s", head, err, prev.CID)
		}
	})
	t.Run("parents", func(t *testing.T) {
		s := open(t)
		a, err := s.Append(ctx, "customer-1", "CustomerCreated", []byte("{}"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Append(ctx, "order-9", "OrderCreated", []byte("{}"), a.CID)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.ParentCIDs) != 1 || !b.ParentCIDs[0].Equals(a.CID) {
			t.Fatalf("parents %v", b.ParentCIDs)
		}
		got, err := s.Get(ctx, b.CID)
		if err != nil || len(got.ParentCIDs) != 1 || !got.ParentCIDs[0].Equals(a.CID) {
			t.Fatalf("stored parents %v, %v", got, err)
		}
		unknown := someCID(t, "nobody")
		if _, err := s.Append(ctx, "order-9", "OrderPaid", nil, unknown); !errors.Is(err, store.ErrUnknownParent) {
			t.Fatalf("unknown parent: %v", err)
		}
	})
	t.Run("expected head", func(t *testing.T) {
		s := open(t)
		a, err := s.AppendEvent(ctx, store.NewEvent{AggregateID: "acct", EventType: "Opened"}, store.ExpectNew())
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.AppendEvent(ctx, store.NewEvent{AggregateID: "acct", EventType: "Opened"}, store.ExpectNew())
		var ce *store.ConflictError
		if !errors.Is(err, store.ErrConflict) || !errors.As(err, &ce) || !ce.Head.Equals(a.CID) {
			t.Fatalf("ExpectNew on existing: %v", err)
		}
		b, err := s.AppendEvent(ctx, store.NewEvent{AggregateID: "acct", EventType: "Credited"}, store.ExpectHead(a.CID))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AppendEvent(ctx, store.NewEvent{AggregateID: "acct", EventType: "Debited"}, store.ExpectHead(a.CID)); !errors.As(err, &ce) || !ce.Head.Equals(b.CID) {
			t.Fatalf("stale expected head: %v", err)
		}
	})
	t.Run("batch", func(t *testing.T) {
		s := open(t)
		first, err := s.Append(ctx, "cart", "Created", nil)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := s.AppendBatch(ctx, "cart", []store.NewEvent{
			{EventType: "ItemAdded", Payload: []byte("a")},
			{EventType: "ItemAdded", Payload: []byte("b")},
			{EventType: "CheckedOut"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if !evs[0].PreviousCID.Equals(first.CID) || !evs[1].PreviousCID.Equals(evs[0].CID) || !evs[2].PreviousCID.Equals(evs[1].CID) {
			t.Fatal("batch not chained")
		}
		// A batch on a stale head stores nothing.
		_, err = s.AppendBatch(ctx, "cart", []store.NewEvent{{EventType: "X"}, {EventType: "Y"}}, store.ExpectHead(first.CID))
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale batch: %v", err)
		}
		hist, err := s.History(ctx, "cart")
		if err != nil || len(hist) != 4 {
			t.Fatalf("history after refused batch: %d, %v", len(hist), err)
		}
		// A batch with an unknown parent stores nothing either.
		_, err = s.AppendBatch(ctx, "cart", []store.NewEvent{{EventType: "X"}, {EventType: "Y", Parents: []cid.Cid{someCID(t, "ghost")}}})
		if !errors.Is(err, store.ErrUnknownParent) {
			t.Fatalf("batch with unknown parent: %v", err)
		}
		if hist, _ := s.History(ctx, "cart"); len(hist) != 4 {
			t.Fatalf("history after refused batch: %d", len(hist))
		}
	})
	t.Run("bad input", func(t *testing.T) {
		s := open(t)
		for _, c := range []struct{ agg, typ string }{
			{"", "T"}, {"a", ""}, {strings.Repeat("x", 257), "T"}, {"a\xff", "T"}, {"a\nb", "T"},
		} {
			if _, err := s.Append(ctx, c.agg, c.typ, nil); !errors.Is(err, store.ErrInvalidInput) {
				t.Errorf("append(%q, %q): %v, want ErrInvalidInput", c.agg, c.typ, err)
			}
		}
		if _, err := s.Append(ctx, "big", "Blob", make([]byte, 2<<20)); !errors.Is(err, store.ErrPayloadTooLarge) {
			t.Errorf("2 MiB payload: %v", err)
		}
		if _, err := s.Append(ctx, strings.Repeat("y", 256), "T", nil); err != nil {
			t.Errorf("256-byte aggregate: %v", err)
		}
		if _, err := s.Get(ctx, someCID(t, "missing")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("get missing: %v", err)
		}
		if _, err := s.History(ctx, "never"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("history of unknown aggregate: %v", err)
		}
	})
	t.Run("escaped names", func(t *testing.T) {
		s := open(t)
		names := []string{"a.b", "*", ">", "with space", "x/y", "naïve-日本", "tilde~7e", "a.*.>"}
		for _, n := range names {
			if _, err := s.Append(ctx, n, n, []byte(n)); err != nil {
				t.Fatalf("append %q: %v", n, err)
			}
		}
		for _, n := range names {
			hist, err := s.History(ctx, n)
			if err != nil || len(hist) != 1 || hist[0].AggregateID != n || hist[0].EventType != n {
				t.Fatalf("history %q: %v, %v", n, hist, err)
			}
		}
	})
	t.Run("subscribe", func(t *testing.T) {
		s := open(t)
		for i := range 3 {
			if _, err := s.Append(ctx, "sub", "E", []byte{byte(i)}); err != nil {
				t.Fatal(err)
			}
		}
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		ch, err := s.Subscribe(sctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		var got []uint64
		caught := false
		for r := range ch {
			if r.Event != nil {
				got = append(got, r.Seq)
			}
			if r.CaughtUp {
				caught = true
				if _, err := s.Append(ctx, "sub", "Live", nil); err != nil {
					t.Fatal(err)
				}
			}
			if len(got) == 3 {
				break
			}
		}
		if !caught || len(got) != 3 || got[0] != 2 || got[2] != 4 {
			t.Fatalf("caught up %v, seqs %v", caught, got)
		}
	})
}

func someCID(t *testing.T, s string) cid.Cid {
	t.Helper()
	ms := store.NewMemoryEvents()
	ev, err := ms.Append(context.Background(), s, "Seed", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return ev.CID
}

func TestMemoryContract(t *testing.T) {
	contract(t, func(t *testing.T) store.EventStore { return store.NewMemoryEvents() })
}

func TestJetStreamContract(t *testing.T) {
	contract(t, func(t *testing.T) store.EventStore {
		srv := storetest.Start(t)
		s, err := store.OpenEvents(context.Background(), srv.Connect(t), store.EventStoreConfig{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
