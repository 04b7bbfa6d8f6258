package store_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// A parent a bounded Verifier forgot and could not look up (the index's leader being elected,
// a timeout) is no verdict: Scan stops before that message with an error wrapping ErrLookup,
// not ErrRejected, and a later Scan from there with a lookup that answers accepts every
// event. Before, a failed lookup read as "not stored" and the child was rejected, so a
// checkpointer signed a log that left out events verify accepts.
func TestScanStopsOnFailedLookup(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	es := openJS(t, srv)
	var first *store.StoredEvent
	for i := range 20 {
		ne := store.NewEvent{AggregateID: "agg-" + strconv.Itoa(i%5), EventType: "E", Payload: []byte(strconv.Itoa(i))}
		if first != nil {
			ne.Parents = []cid.Cid{first.CID} // the oldest event: forgotten by a verifier of 3
		}
		ev, err := es.AppendEvent(ctx, ne)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = ev
		}
	}
	real := es.Lookup(ctx)
	failAfter, calls := 2, 0
	failing := func(c cid.Cid) (uint64, bool, error) {
		if calls++; calls > failAfter {
			return 0, false, errors.New("nats: no responders available for request")
		}
		return real(c)
	}
	v := store.NewBoundedVerifier(3, failing)
	accepted := 0
	last, err := es.Scan(ctx, v, 1, func(r store.Record) error {
		if r.Rejected != nil {
			t.Errorf("seq %d rejected: %s", r.Seq, r.Rejected.Reason)
		}
		if r.Event != nil {
			accepted++
		}
		return nil
	})
	if !errors.Is(err, store.ErrLookup) || errors.Is(err, store.ErrRejected) {
		t.Fatalf("Scan with a failing lookup: %v, want an error wrapping ErrLookup and not ErrRejected", err)
	}
	if last >= 20 || uint64(accepted) != last {
		t.Fatalf("Scan stopped at %d having accepted %d, want it to stop before the message it could not check", last, accepted)
	}
	// The Verifier is as it was after the last message it checked: a Scan from the next one
	// with a lookup that answers accepts the rest.
	failAfter = 1 << 30
	last2, err := es.Scan(ctx, v, last+1, func(r store.Record) error {
		if r.Rejected != nil {
			t.Errorf("seq %d rejected on the second Scan: %s", r.Seq, r.Rejected.Reason)
		}
		if r.Event != nil {
			accepted++
		}
		return nil
	})
	if err != nil || last2 != 20 || accepted != 20 {
		t.Fatalf("second Scan: last %d, %d accepted in all, err %v; want 20, 20, nil", last2, accepted, err)
	}
}

// Lookup answers "not stored" only for a CID the store does not hold.
func TestLookupNotStored(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	es := openJS(t, srv)
	ev, err := es.AppendEvent(ctx, store.NewEvent{AggregateID: "a", EventType: "E"})
	if err != nil {
		t.Fatal(err)
	}
	lookup := es.Lookup(ctx)
	if seq, ok, err := lookup(ev.CID); err != nil || !ok || seq != ev.Seq {
		t.Errorf("lookup of a stored event: %d %v %v", seq, ok, err)
	}
	other, _ := cid.Parse("bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")
	if _, ok, err := lookup(other); err != nil || ok {
		t.Errorf("lookup of a CID not stored: found %v, err %v; want not found and no error", ok, err)
	}
}

// A bounded Verifier rejects the child of a message it rejected, as a full verification does,
// although the CID index finds that message (it indexes any block that checks on its own, a
// fork too): the fork is inside the window it remembers, or among the rejections it keeps.
func TestBoundedVerifierRejectsChildOfRejected(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	es := openJS(t, srv)
	var chain []*store.StoredEvent
	for i := range 6 {
		ev, err := es.AppendEvent(ctx, store.NewEvent{AggregateID: "acct", EventType: "Moved", Payload: []byte(strconv.Itoa(i))})
		if err != nil {
			t.Fatal(err)
		}
		chain = append(chain, ev)
	}
	js, err := jetstream.New(srv.Connect(t))
	if err != nil {
		t.Fatal(err)
	}
	publish := func(ev block.Event) cid.Cid {
		t.Helper()
		m, c, err := store.EventMessage(&ev)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
		return c
	}
	// F forks acct (previous_cid an older event, not the head); then enough valid events
	// that a verifier remembering 2 has forgotten everything around F; then G names F.
	fork := publish(block.Event{AggregateID: "acct", EventType: "Moved", Payload: []byte("fork"), PreviousCID: chain[2].CID, Timestamp: 1})
	for i := range 5 {
		if _, err := es.AppendEvent(ctx, store.NewEvent{AggregateID: "other-" + strconv.Itoa(i), EventType: "Made"}); err != nil {
			t.Fatal(err)
		}
	}
	child := publish(block.Event{AggregateID: "b", EventType: "Made", ParentCIDs: []cid.Cid{fork}, Timestamp: 2})
	if got, err := es.Get(ctx, fork); err != nil || !got.CID.Equals(fork) {
		t.Fatalf("the index does not find the fork (%v, %v): the test shows nothing", got, err)
	}
	verdicts := func(v *store.Verifier) map[string]bool {
		t.Helper()
		out := map[string]bool{}
		if _, err := es.Scan(ctx, v, 1, func(r store.Record) error {
			switch {
			case r.Event != nil:
				out[r.Event.CID.String()] = true
			case r.Rejected != nil:
				out[r.Rejected.ClaimedCID] = false
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	full := verdicts(store.NewVerifier())
	if full[fork.String()] || full[child.String()] {
		t.Fatalf("full verification accepts the fork %v or its child %v", full[fork.String()], full[child.String()])
	}
	for _, memory := range []int{2, 4, 1 << 10} {
		bounded := verdicts(store.NewBoundedVerifier(memory, es.Lookup(ctx)))
		for c, ok := range full {
			if bounded[c] != ok {
				t.Errorf("memory %d: %s accepted %v, full verification %v", memory, c, bounded[c], ok)
			}
		}
	}
}
