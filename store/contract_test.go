package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
	t.Run("async", func(t *testing.T) {
		// Many appends in flight from one goroutine over several aggregates: each aggregate's
		// events are chained in call order, and every result is what History holds.
		s := open(t)
		first, err := s.Append(ctx, "async-0", "Opened", nil)
		if err != nil {
			t.Fatal(err)
		}
		const aggs, per = 7, 20
		pending := make([][]*store.PendingAppend, aggs)
		for i := range per {
			for a := range aggs {
				ne := store.NewEvent{AggregateID: fmt.Sprintf("async-%d", a), EventType: "Step", Payload: []byte{byte(i)}}
				if a == 1 && i == 0 {
					ne.Parents = []cid.Cid{first.CID}
				}
				pending[a] = append(pending[a], s.AppendAsync(ctx, ne))
			}
		}
		for a := range aggs {
			for _, p := range pending[a] {
				<-p.Done()
			}
			hist, err := s.History(ctx, fmt.Sprintf("async-%d", a))
			if err != nil || len(hist) < per {
				t.Fatalf("history of async-%d: %d events, %v", a, len(hist), err)
			}
			hist = hist[len(hist)-per:]
			for i, p := range pending[a] {
				ev, err := p.Result()
				if err != nil {
					t.Fatalf("aggregate %d append %d: %v", a, i, err)
				}
				if !ev.CID.Equals(hist[i].CID) || ev.Seq != hist[i].Seq || !bytes.Equal(hist[i].Payload, []byte{byte(i)}) {
					t.Fatalf("aggregate %d append %d: got %s seq %d, history has %s seq %d", a, i, ev.CID, ev.Seq, hist[i].CID, hist[i].Seq)
				}
			}
		}
		// Bad input and unknown parents fail before anything is sent; expectations apply.
		if _, err := s.AppendAsync(ctx, store.NewEvent{AggregateID: "", EventType: "X"}).Result(); !errors.Is(err, store.ErrInvalidInput) {
			t.Fatalf("empty aggregate: %v", err)
		}
		if _, err := s.AppendAsync(ctx, store.NewEvent{AggregateID: "async-x", EventType: "X", Parents: []cid.Cid{someCID(t, "nowhere")}}).Result(); !errors.Is(err, store.ErrUnknownParent) {
			t.Fatalf("unknown parent: %v", err)
		}
		// A failed append does not stop the one queued after it, which chains on the head.
		head, err := s.Head(ctx, "async-0")
		if err != nil {
			t.Fatal(err)
		}
		bad := s.AppendAsync(ctx, store.NewEvent{AggregateID: "async-0", EventType: "X"}, store.ExpectNew())
		after := s.AppendAsync(ctx, store.NewEvent{AggregateID: "async-0", EventType: "After"})
		if _, err := bad.Result(); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("expect new on an existing aggregate: %v", err)
		}
		if ev, err := after.Result(); err != nil || !ev.PreviousCID.Equals(head.CID) {
			t.Fatalf("append queued after a failed one: %v, %v; want it chained on %s", ev, err, head.CID)
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
