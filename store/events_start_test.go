package store_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// A fresh writer given a verified point of the stream (TrustHeads) reads only what follows it
// on the aggregates it appends to, and still refuses what a raw client published there: a fork
// of the tail, junk, and a forged genesis; its appends chain on the valid heads.
func TestTrustedHeadsReadOnlyWhatFollows(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	s1 := openJS(t, srv)
	const aggs, perAgg = 8, 150
	agg := func(a int) string { return "acct-" + strconv.Itoa(a) }
	heads := make(map[string]*store.StoredEvent)
	var prev *store.StoredEvent
	appendOne := func(a int, payload string) {
		t.Helper()
		ne := store.NewEvent{AggregateID: agg(a), EventType: "Moved", Payload: []byte(payload)}
		if prev != nil {
			ne.Parents = []cid.Cid{prev.CID} // a parent in another aggregate
		}
		ev, err := s1.AppendEvent(ctx, ne)
		if err != nil {
			t.Fatal(err)
		}
		heads[agg(a)], prev = ev, ev
	}
	for i := range aggs * perAgg {
		appendOne(i%aggs, strconv.Itoa(i))
	}
	// The point to start from: a full verification of the stream so far, as a checkpoint's
	// state block holds it.
	v := store.NewVerifier()
	last, err := s1.Scan(ctx, v, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	rp := store.ResumePoint{Seq: last, Heads: v.Heads()}

	// After it: more events on acct-0..3 and on a new aggregate, then a raw client forks
	// acct-0's tail, publishes junk on acct-1 and a second genesis on acct-new.
	for i := range 12 {
		appendOne(i%4, "after "+strconv.Itoa(i))
	}
	appendOne(-1, "genesis") // acct--1: an aggregate the checkpoint does not name
	nc := srv.Connect(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	h0, err := s1.History(ctx, agg(0))
	if err != nil {
		t.Fatal(err)
	}
	for _, forged := range []block.Event{
		{AggregateID: agg(0), EventType: "Moved", Payload: []byte("fork"), PreviousCID: h0[len(h0)-3].CID, Timestamp: 1},
		{AggregateID: agg(-1), EventType: "Moved", Payload: []byte("second genesis"), Timestamp: 2},
		{AggregateID: agg(5), EventType: "Moved", Payload: []byte("fork before the checkpoint's head"), PreviousCID: h0[1].CID, Timestamp: 3},
	} {
		m, _, err := store.EventMessage(&forged)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := js.Publish(ctx, store.SubjectFor(agg(1), "Moved"), []byte("junk")); err != nil {
		t.Fatal(err)
	}

	nc2 := srv.Connect(t)
	s2, err := store.OpenEvents(ctx, nc2, store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	s2.TrustHeads(rp)
	before := nc2.Stats()
	targets := []int{-1}
	for a := range aggs {
		targets = append(targets, a)
	}
	pending := make([]*store.PendingAppend, len(targets))
	for i, a := range targets {
		pending[i] = s2.AppendAsync(ctx, store.NewEvent{AggregateID: agg(a), EventType: "Moved", Payload: []byte("fresh writer")})
	}
	for i, p := range pending {
		ev, err := p.Result()
		if err != nil {
			t.Fatalf("%s: %v", agg(targets[i]), err)
		}
		if want := heads[agg(targets[i])].CID; !ev.PreviousCID.Equals(want) {
			t.Errorf("%s: chained on %s, want the valid head %s", agg(targets[i]), ev.PreviousCID, want)
		}
	}
	after := nc2.Stats()
	received := after.InMsgs - before.InMsgs
	// What follows the point: 16 events and 4 messages of the raw client, plus per aggregate
	// its last message and the append's answer, and the read's own replies. Reading the
	// chains from the start would receive the 1,200 events before it.
	if limit := uint64(16 + 4 + 2*len(targets) + 30); received > limit {
		t.Errorf("first appends after a trusted point received %d messages, want at most %d", received, limit)
	}
	t.Logf("%d messages received for %d cold heads after a trusted point (%d events before it)", received, len(targets), aggs*perAgg)

	// The whole stream still verifies: the fresh writer forked nothing.
	v2 := store.NewVerifier()
	rejected := 0
	if _, err := s1.Scan(ctx, v2, 1, func(r store.Record) error {
		if r.Rejected != nil {
			rejected++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if rejected != 4 {
		t.Errorf("%d messages rejected, want the raw client's 4", rejected)
	}
}

// WarmHeads asks for every head at once: the chains are followed in one read, each parent in
// another aggregate verified by that same read (no look-up), and the appends that follow cost
// no read at all. Asked one by one, each aggregate would be read alone and its parents looked
// up (two requests each).
func TestWarmHeadsReadsOnce(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	s1 := openJS(t, srv)
	const aggs, perAgg = 8, 150
	agg := func(a int) string { return "acct-" + strconv.Itoa(a) }
	heads := make([]*store.StoredEvent, aggs)
	var prev *store.StoredEvent
	for i := range aggs * perAgg {
		ne := store.NewEvent{AggregateID: agg(i % aggs), EventType: "Moved", Payload: []byte(strconv.Itoa(i))}
		if prev != nil {
			ne.Parents = []cid.Cid{prev.CID}
		}
		ev, err := s1.AppendEvent(ctx, ne)
		if err != nil {
			t.Fatal(err)
		}
		heads[i%aggs], prev = ev, ev
	}
	// A raw client forks acct-0's tail: the warmed head is still the valid one.
	h0, err := s1.History(ctx, agg(0))
	if err != nil {
		t.Fatal(err)
	}
	fork := block.Event{AggregateID: agg(0), EventType: "Moved", Payload: []byte("fork"), PreviousCID: h0[len(h0)-3].CID, Timestamp: 1}
	m, _, err := store.EventMessage(&fork)
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(srv.Connect(t))
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
	// A window wide enough that every head asked for at once joins one read on a loaded
	// machine; heads asked for one after another would still be read one at a time.
	store.SetColdReadWindow(s2, 200*time.Millisecond, 5*time.Second)
	if err := s2.WarmHeads(ctx, []string{"bad\nname"}); !errors.Is(err, store.ErrInvalidInput) {
		t.Fatalf("WarmHeads of a malformed ID: %v, want ErrInvalidInput", err)
	}
	ids := make([]string, aggs)
	for a := range ids {
		ids[a] = agg(a)
	}
	before := nc2.Stats()
	if err := s2.WarmHeads(ctx, ids); err != nil {
		t.Fatal(err)
	}
	warmed := nc2.Stats()
	// Per aggregate its last message; for the read stream info, consumer create and delete,
	// pulls. Parent look-ups would be two requests per event (about 2,400).
	if sent, limit := warmed.OutMsgs-before.OutMsgs, uint64(2*aggs+30); sent > limit {
		t.Errorf("warming %d heads sent %d messages, want at most %d", aggs, sent, limit)
	}
	for a := range aggs {
		ev, err := s2.AppendEvent(ctx, store.NewEvent{AggregateID: agg(a), EventType: "Moved", Payload: []byte("after warming")})
		if err != nil {
			t.Fatal(err)
		}
		if !ev.PreviousCID.Equals(heads[a].CID) {
			t.Errorf("%s: chained on %s, want the valid head %s", agg(a), ev.PreviousCID, heads[a].CID)
		}
	}
	// Each append: its publish and, the cached head being current, nothing else read.
	if sent, limit := nc2.Stats().OutMsgs-warmed.OutMsgs, uint64(3*aggs); sent > limit {
		t.Errorf("%d appends after warming sent %d messages, want at most %d", aggs, sent, limit)
	}
}
