package demo_test

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/demo"
	"github.com/jetdag/jetdag/store/storetest"
)

// The workload produces verifiable chains with cross-aggregate parents and invoice objects.
func TestWorkload(t *testing.T) {
	ctx := context.Background()
	events := store.NewMemoryEvents()
	var objects []any
	links := 0
	st, err := demo.Run(ctx, demo.Config{
		Events: events, Rate: 1e6, MaxEvents: 300, Seed: 7, Prefix: "t",
		StoreObject: func(_ context.Context, v any, _ cid.Cid) (cid.Cid, error) {
			objects = append(objects, v)
			ev, err := store.NewMemoryEvents().Append(ctx, "obj", "Obj", []byte{byte(len(objects))})
			if err != nil {
				return cid.Undef, err
			}
			return ev.CID, nil
		},
		Link: func(context.Context, cid.Cid, cid.Cid, string) error { links++; return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Events < 300 || st.Objects == 0 || links != st.Links || len(objects) != st.Objects {
		t.Fatalf("stats %+v, %d objects, %d links", st, len(objects), links)
	}
	withParents, aggs := 0, map[string]bool{}
	for _, ev := range readAll(t, events) {
		aggs[ev.AggregateID] = true
		if len(ev.ParentCIDs) > 0 {
			withParents++
		}
	}
	if withParents < 20 || len(aggs) < 10 {
		t.Fatalf("%d events with parents over %d aggregates", withParents, len(aggs))
	}
}

// Aggregate IDs are what a person types (order-23, customer-7); the run tag is in every
// payload; a second run on the same store numbers its aggregates after the first run's, so
// every aggregate holds the events of one run only.
func TestWorkloadIDs(t *testing.T) { checkIDs(t, store.NewMemoryEvents()) }

// The same on a real JetStream server, where Head and ExpectNew go through the CID index.
func TestWorkloadIDsJetStream(t *testing.T) {
	srv := storetest.Start(t)
	events, err := store.OpenEvents(context.Background(), srv.Connect(t), store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	checkIDs(t, events)
}

func checkIDs(t *testing.T, events store.EventStore) {
	t.Helper()
	ctx := context.Background()
	for _, run := range []string{"first", "second"} {
		if _, err := demo.Run(ctx, demo.Config{Events: events, Rate: 1e6, MaxEvents: 200, Seed: 3, Run: run}); err != nil {
			t.Fatal(err)
		}
	}
	plain := regexp.MustCompile(`^(customer|order|payment|shipment)-[0-9]+$`)
	runOf := map[string]string{}
	runs := map[string]int{}
	for _, ev := range readAll(t, events) {
		if !plain.MatchString(ev.AggregateID) {
			t.Fatalf("aggregate ID %q is not kind-N", ev.AggregateID)
		}
		var body struct{ Run string }
		if err := json.Unmarshal(ev.Payload, &body); err != nil || body.Run == "" {
			t.Fatalf("payload %s of %s has no run tag (%v)", ev.Payload, ev.AggregateID, err)
		}
		if prev, ok := runOf[ev.AggregateID]; ok && prev != body.Run {
			t.Fatalf("%s holds events of runs %q and %q", ev.AggregateID, prev, body.Run)
		}
		runOf[ev.AggregateID] = body.Run
		runs[body.Run]++
	}
	if runs["first"] < 200 || runs["second"] < 200 {
		t.Fatalf("events per run %v", runs)
	}
	for _, id := range []string{"customer-0", "order-0", "payment-0"} {
		if runOf[id] != "first" {
			t.Fatalf("%s is from run %q, want first", id, runOf[id])
		}
	}
	if _, ok := runOf["customer-3"]; !ok {
		t.Fatalf("no customer-3: the second run did not continue the numbering (%d aggregates)", len(runOf))
	}
}

func readAll(t *testing.T, events store.EventStore) []*store.StoredEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := events.Subscribe(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var out []*store.StoredEvent
	for r := range ch {
		if r.Rejected != nil {
			t.Fatalf("rejected %+v", r.Rejected)
		}
		if r.Event != nil {
			out = append(out, r.Event)
		}
		if r.CaughtUp {
			break
		}
	}
	return out
}
