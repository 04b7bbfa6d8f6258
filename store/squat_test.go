package store

import (
	"context"
	"errors"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"

	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// squat publishes junk under the message ID of the event ev would be, as a raw client with
// publish rights on the stream can, and returns that event's CID.
func squat(t *testing.T, nc *nats.Conn, ev block.Event) cid.Cid {
	t.Helper()
	_, c, err := ev.Block()
	if err != nil {
		t.Fatal(err)
	}
	m := &nats.Msg{Subject: "event.store.squat.Junk", Header: nats.Header{HeaderMsgID: []string{c.String()}}, Data: []byte("junk")}
	if _, err := nc.RequestMsg(m, 5e9); err != nil {
		t.Fatal(err)
	}
	return c
}

// A publish answered "duplicate" is a success only when the message stored under its ID is
// the event itself: junk squatting the ID makes Append, AppendAsync, AppendBatch, AppendBlock
// and import fail with ErrDuplicateMsgID, and nothing is reported stored that is not.
func TestSquattedMsgID(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	raw := srv.Connect(t)
	es := objEvents(t, srv)
	const ts = 1_700_000_000_000_000_000

	notStored := func(agg string, want int) {
		t.Helper()
		hist, err := es.History(ctx, agg)
		if want == 0 && !errors.Is(err, ErrNotFound) || want > 0 && len(hist) != want {
			t.Fatalf("history of %s: %d events, %v; want %d", agg, len(hist), err, want)
		}
	}

	t.Run("Append", func(t *testing.T) {
		c := squat(t, raw, block.Event{AggregateID: "a1", EventType: "T", Payload: []byte("p"), Timestamp: ts})
		_, err := es.AppendEvent(ctx, NewEvent{AggregateID: "a1", EventType: "T", Payload: []byte("p"), Timestamp: ts})
		if !errors.Is(err, ErrDuplicateMsgID) {
			t.Fatalf("append under a squatted ID %s: %v, want ErrDuplicateMsgID", c, err)
		}
		notStored("a1", 0)
		if _, err := es.Get(ctx, c); !errors.Is(err, ErrNotFound) {
			t.Fatalf("get of the refused event: %v", err)
		}
		// Another event of the aggregate is stored as usual.
		if _, err := es.AppendEvent(ctx, NewEvent{AggregateID: "a1", EventType: "T", Payload: []byte("p"), Timestamp: ts + 1}); err != nil {
			t.Fatal(err)
		}
		notStored("a1", 1)
	})

	t.Run("AppendAsync", func(t *testing.T) {
		first, err := es.Append(ctx, "a2", "T", nil) // caches the head: the fast path
		if err != nil {
			t.Fatal(err)
		}
		squat(t, raw, block.Event{AggregateID: "a2", EventType: "T", Payload: []byte("q"), PreviousCID: first.CID, Timestamp: ts})
		_, err = es.AppendAsync(ctx, NewEvent{AggregateID: "a2", EventType: "T", Payload: []byte("q"), Timestamp: ts}).Result()
		if !errors.Is(err, ErrDuplicateMsgID) {
			t.Fatalf("async append under a squatted ID: %v, want ErrDuplicateMsgID", err)
		}
		notStored("a2", 1)
	})

	t.Run("AppendBatch", func(t *testing.T) {
		e0 := block.Event{AggregateID: "a3", EventType: "T", Payload: []byte("0"), Timestamp: ts}
		_, c0, err := e0.Block()
		if err != nil {
			t.Fatal(err)
		}
		squat(t, raw, block.Event{AggregateID: "a3", EventType: "T", Payload: []byte("1"), PreviousCID: c0, Timestamp: ts + 1})
		_, err = es.AppendBatch(ctx, "a3", []NewEvent{{EventType: "T", Payload: []byte("0"), Timestamp: ts}, {EventType: "T", Payload: []byte("1"), Timestamp: ts + 1}})
		if !errors.Is(err, ErrDuplicateMsgID) {
			t.Fatalf("batch with a squatted ID: %v, want ErrDuplicateMsgID", err)
		}
		notStored("a3", 0)
	})

	t.Run("import", func(t *testing.T) {
		e0 := block.Event{AggregateID: "a4", EventType: "T", Payload: []byte("0"), Timestamp: ts}
		d0, c0, err := e0.Block()
		if err != nil {
			t.Fatal(err)
		}
		e1 := block.Event{AggregateID: "a4", EventType: "T", Payload: []byte("1"), PreviousCID: c0, Timestamp: ts + 1}
		d1, c1, err := e1.Block()
		if err != nil {
			t.Fatal(err)
		}
		squat(t, raw, e1)
		objs := objOpen(t, srv, ObjectStoreConfig{})
		path := writeCAR(t, []cid.Cid{c1}, []cid.Cid{c0, c1}, [][]byte{d0, d1})
		st, err := importFrom(t, path, es, objs)
		if !errors.Is(err, ErrDuplicateMsgID) {
			t.Fatalf("import of a squatted event: %+v, %v; want ErrDuplicateMsgID", st, err)
		}
		if st.Events != 0 {
			t.Fatalf("import reports %d events stored", st.Events)
		}
		notStored("a4", 0) // refused in the first pass: the event before it is not stored either
	})

	t.Run("AppendBlock copy out of place", func(t *testing.T) {
		// An exact copy of the second event (right subject and headers), published before
		// the first: Get finds it, but it is not in the chain, so it does not count as stored.
		e0 := block.Event{AggregateID: "a5", EventType: "T", Payload: []byte("0"), Timestamp: ts}
		d0, c0, err := e0.Block()
		if err != nil {
			t.Fatal(err)
		}
		e1 := block.Event{AggregateID: "a5", EventType: "T", Payload: []byte("1"), PreviousCID: c0, Timestamp: ts + 1}
		m1, _, err := EventMessage(&e1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.RequestMsg(m1, 5e9); err != nil {
			t.Fatal(err)
		}
		if _, err := es.AppendBlock(ctx, d0); err != nil {
			t.Fatal(err)
		}
		if _, err := es.AppendBlock(ctx, m1.Data); !errors.Is(err, ErrDuplicateMsgID) {
			t.Fatalf("append of a block whose copy is out of place: %v, want ErrDuplicateMsgID", err)
		}
		notStored("a5", 1)
	})

	t.Run("AppendBlock copy in place", func(t *testing.T) {
		// An exact copy published in its place is the event: AppendBlock returns it.
		e0 := block.Event{AggregateID: "a6", EventType: "T", Payload: []byte("0"), Timestamp: ts}
		m0, c0, err := EventMessage(&e0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.RequestMsg(m0, 5e9); err != nil {
			t.Fatal(err)
		}
		got, err := es.AppendBlock(ctx, m0.Data)
		if err != nil || !got.CID.Equals(c0) {
			t.Fatalf("append of a block stored in place: %v, %v", got, err)
		}
		notStored("a6", 1)
	})
}
