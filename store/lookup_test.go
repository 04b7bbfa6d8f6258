package store_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store"
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
