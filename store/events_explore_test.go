package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// Next walks a chain forward with subject-filtered gets, stepping over a fork and junk that a
// hostile writer put between two events of the aggregate; ChildrenWithin finds the events of
// other aggregates that name an event as a parent, within its window only.
func TestExploreNeighbours(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	s := openScanning(t, srv)
	a1, err := s.Append(ctx, "order-1", "Placed", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	// Hostile messages of order-1 between a1 and a2: a fork of nothing, and junk.
	js, _ := jetstream.New(srv.Connect(t))
	fork := block.Event{AggregateID: "order-1", EventType: "Paid", Payload: []byte("x"), PreviousCID: cid.Undef, Timestamp: 7}
	m, _, err := store.EventMessage(&fork)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.PublishMsg(ctx, m); err != nil {
		t.Fatal(err)
	}
	if _, err := js.PublishMsg(ctx, &nats.Msg{Subject: "event.store.order-1.Junk", Data: []byte("junk"), Header: nats.Header{"Cid": {"bafyjunk"}}}); err != nil {
		t.Fatal(err)
	}
	var filler []cid.Cid
	for range 5 {
		ev, err := s.Append(ctx, "other", "Tick", nil)
		if err != nil {
			t.Fatal(err)
		}
		filler = append(filler, ev.CID)
	}
	a2, err := s.Append(ctx, "order-1", "Paid", nil)
	if err != nil {
		t.Fatal(err)
	}
	near, err := s.Append(ctx, "payment-1", "Taken", nil, a1.CID)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if _, err := s.Append(ctx, "other", "Tick", nil); err != nil {
			t.Fatal(err)
		}
	}
	far, err := s.Append(ctx, "shipment-1", "Sent", nil, a1.CID, a2.CID)
	if err != nil {
		t.Fatal(err)
	}

	next, err := s.Next(ctx, a1)
	if err != nil || !next.CID.Equals(a2.CID) || next.Seq != a2.Seq {
		t.Fatalf("Next(a1) = %v, %v; want a2 %s at seq %d", next, err, a2.CID, a2.Seq)
	}
	if _, err := s.Next(ctx, a2); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Next(head) = %v, want ErrNotFound", err)
	}
	next, rejected, err := s.NextWithRejected(ctx, a1)
	if err != nil || !next.CID.Equals(a2.CID) || len(rejected) != 2 ||
		rejected[0].Seq != a1.Seq+1 || !strings.Contains(rejected[0].Reason, "fork") ||
		rejected[1].Seq != a1.Seq+2 || rejected[1].AggregateID != "order-1" || rejected[1].Stored.IsZero() {
		t.Fatalf("NextWithRejected(a1) = %v, %+v, %v; want a2 after the fork and the junk", next, rejected, err)
	}
	if rec, err := s.VerifyAt(ctx, a1.Seq+2); err != nil || rec.Event != nil || rec.Rejected == nil || rec.Rejected.Seq != a1.Seq+2 {
		t.Errorf("VerifyAt(junk) = %+v, %v; want a rejection", rec, err)
	}
	if rec, err := s.VerifyAt(ctx, far.Seq); err != nil || rec.Event == nil || !rec.Event.CID.Equals(far.CID) {
		t.Errorf("VerifyAt(far) = %+v, %v; want the event", rec, err)
	}
	if _, err := s.VerifyAt(ctx, far.Seq+100); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("VerifyAt(past the end) = %v, want ErrNotFound", err)
	}
	first, err := s.Get(ctx, filler[0])
	if err != nil {
		t.Fatal(err)
	}
	if next, err := s.Next(ctx, first); err != nil || !next.CID.Equals(filler[1]) {
		t.Errorf("Next(other #1) = %v, %v; want other #2", next, err)
	}

	all, err := s.ChildrenWithin(ctx, a1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || !all[0].CID.Equals(near.CID) || !all[1].CID.Equals(far.CID) {
		t.Fatalf("children of a1 (whole stream): %v, want payment-1 then shipment-1", all)
	}
	window := int(far.Seq-a1.Seq) - 1 // ends just before the far child
	within, err := s.ChildrenWithin(ctx, a1, window)
	if err != nil {
		t.Fatal(err)
	}
	if len(within) != 1 || !within[0].CID.Equals(near.CID) || within[0].AggregateID != "payment-1" {
		t.Fatalf("children of a1 within %d messages: %v, want payment-1 only", window, within)
	}
	if kids, err := s.ChildrenWithin(ctx, far, 0); err != nil || len(kids) != 0 {
		t.Errorf("children of the last event: %v, %v; want none", kids, err)
	}
	if _, err := s.Next(ctx, &store.StoredEvent{}); !errors.Is(err, store.ErrInvalidInput) {
		t.Errorf("Next of no event: %v, want ErrInvalidInput", err)
	}
}

// ChildrenOf reads once for several events and keeps each one's window: a child beyond its
// own parent's window is left out even when the read passes it for another event.
func TestChildrenOfKeepsEachWindow(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	s := openScanning(t, srv)
	a, err := s.Append(ctx, "a", "A", nil)
	if err != nil {
		t.Fatal(err)
	}
	var filler []*store.StoredEvent
	for range 10 {
		ev, err := s.Append(ctx, "filler", "F", nil)
		if err != nil {
			t.Fatal(err)
		}
		filler = append(filler, ev)
	}
	b := filler[8]
	late, err := s.Append(ctx, "child", "C", nil, a.CID) // 11 messages after a
	if err != nil {
		t.Fatal(err)
	}
	kid, err := s.Append(ctx, "child", "C", nil, b.CID, a.CID) // 3 after b, 12 after a
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ChildrenOf(ctx, []*store.StoredEvent{a, b}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(got[a.CID]) != 0 || len(got[b.CID]) != 1 || !got[b.CID][0].CID.Equals(kid.CID) {
		t.Fatalf("window 5: children of a %v, of b %v; want none, then kid", got[a.CID], got[b.CID])
	}
	got, err = s.ChildrenOf(ctx, []*store.StoredEvent{b, a}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got[a.CID]) != 2 || !got[a.CID][0].CID.Equals(late.CID) || !got[a.CID][1].CID.Equals(kid.CID) || len(got[b.CID]) != 1 {
		t.Fatalf("whole stream: children of a %v, of b %v", got[a.CID], got[b.CID])
	}
	if got, err := s.ChildrenOf(ctx, nil, 5); err != nil || len(got) != 0 {
		t.Errorf("ChildrenOf(nothing) = %v, %v", got, err)
	}
}

// ChildrenOf with windows far apart reads each window, not the stream between them: two
// events 6,000 messages apart with windows of 1,500 get their children while the server
// delivers at most the first window and one pull batch beyond it (1,024 messages), not the
// 6,000 between (a chain's previous event far back made explore mode read the whole stream).
func TestChildrenOfReadsOnlyTheWindows(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	s := openScanning(t, srv)
	a, err := s.Append(ctx, "a", "A", nil)
	if err != nil {
		t.Fatal(err)
	}
	akid, err := s.Append(ctx, "kids", "K", nil, a.CID)
	if err != nil {
		t.Fatal(err)
	}
	var pending []*store.PendingAppend
	for i := range 6000 {
		pending = append(pending, s.AppendAsync(ctx, store.NewEvent{AggregateID: fmt.Sprintf("filler-%d", i%50), EventType: "F"}))
	}
	for _, p := range pending {
		if _, err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	b, err := s.Append(ctx, "b", "B", nil)
	if err != nil {
		t.Fatal(err)
	}
	bkid, err := s.Append(ctx, "kids", "K", nil, b.CID)
	if err != nil {
		t.Fatal(err)
	}
	before, err := srv.NATS().Varz(nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ChildrenOf(ctx, []*store.StoredEvent{b, a}, 1500)
	if err != nil {
		t.Fatal(err)
	}
	after, err := srv.NATS().Varz(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got[a.CID]) != 1 || !got[a.CID][0].CID.Equals(akid.CID) || len(got[b.CID]) != 1 || !got[b.CID][0].CID.Equals(bkid.CID) {
		t.Fatalf("children of a %v, of b %v; want akid, bkid", got[a.CID], got[b.CID])
	}
	if n := after.OutMsgs - before.OutMsgs; n > 4000 {
		t.Errorf("the server delivered %d messages for two windows of 1,500, 6,000 messages apart", n)
	}
}
