package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// A second process appending to aggregates that already hold long chains (a second `jetdag
// load` over the same prefix) reads their chains together in one read, and finds the parents
// of their events in that read instead of one lookup each: a few dozen messages sent, not
// thousands (before, each parent cost an index and a message get, and each aggregate its own
// read). The
// heads it finds are the valid ones: a forked message at the tail of one aggregate is stepped
// over.
func TestColdHeadsReadTogether(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	s1 := openJS(t, srv)
	const aggs, perAgg = 8, 150
	heads := make([]*store.StoredEvent, aggs)
	var prev *store.StoredEvent
	for i := range aggs * perAgg {
		a := i % aggs
		ne := store.NewEvent{AggregateID: "acct-" + strconv.Itoa(a), EventType: "Moved", Payload: []byte(strconv.Itoa(i))}
		if prev != nil {
			ne.Parents = append(ne.Parents, prev.CID) // a parent in another aggregate
		}
		ev, err := s1.AppendEvent(ctx, ne)
		if err != nil {
			t.Fatal(err)
		}
		heads[a], prev = ev, ev
	}
	// A raw client forks acct-0 at its tail: a valid block chained on an older event.
	nc := srv.Connect(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	h0, err := s1.History(ctx, "acct-0")
	if err != nil {
		t.Fatal(err)
	}
	fork := block.Event{AggregateID: "acct-0", EventType: "Moved", Payload: []byte("fork"), PreviousCID: h0[len(h0)-3].CID, Timestamp: 1}
	m, _, err := store.EventMessage(&fork)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.PublishMsg(ctx, m); err != nil {
		t.Fatal(err)
	}

	nc2 := srv.Connect(t)
	s2, err := store.OpenEvents(ctx, nc2, store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	// The eight appends below start together; the read waits until none joined for 2 ms,
	// which a loaded machine under -race can exceed between two of them (seen in CI: 1,534
	// messages sent). A wider window makes the test about what it checks, not the timing.
	store.SetColdReadWindow(s2, 200*time.Millisecond, 5*time.Second)
	before := nc2.Stats()
	pending := make([]*store.PendingAppend, aggs)
	for a := range aggs {
		pending[a] = s2.AppendAsync(ctx, store.NewEvent{AggregateID: "acct-" + strconv.Itoa(a), EventType: "Moved", Payload: []byte("second run")})
	}
	for a, p := range pending {
		ev, err := p.Result()
		if err != nil {
			t.Fatalf("acct-%d: %v", a, err)
		}
		if !ev.PreviousCID.Equals(heads[a].CID) {
			t.Errorf("acct-%d: chained on %s, want the valid head %s", a, ev.PreviousCID, heads[a].CID)
		}
	}
	after := nc2.Stats()
	sent, received := after.OutMsgs-before.OutMsgs, after.InMsgs-before.InMsgs
	// Per aggregate: its last message and the append (request and answer); per read: stream
	// info, consumer create and delete, pulls, and the events themselves. One parent lookup
	// per event would be over 2,000 requests (index entry and message) and as many answers.
	if limit := uint64(4*aggs + 30); sent > limit {
		t.Errorf("first appends to %d existing aggregates of %d events sent %d messages, want at most %d", aggs, perAgg, sent, limit)
	}
	if limit := uint64(aggs*perAgg + 4*aggs + 30); received > limit {
		t.Errorf("first appends to %d existing aggregates of %d events received %d messages, want at most %d", aggs, perAgg, received, limit)
	}
	t.Logf("%d messages sent, %d received for %d cold heads (%d events)", sent, received, aggs, aggs*perAgg)
}
