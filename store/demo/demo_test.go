package demo_test

import (
	"context"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/demo"
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
	ch, err := events.Subscribe(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	withParents, aggs := 0, map[string]bool{}
	for r := range ch {
		if r.Rejected != nil {
			t.Fatalf("rejected %+v", r.Rejected)
		}
		if r.Event != nil {
			aggs[r.Event.AggregateID] = true
			if len(r.Event.ParentCIDs) > 0 {
				withParents++
			}
		}
		if r.CaughtUp {
			break
		}
	}
	if withParents < 20 || len(aggs) < 10 {
		t.Fatalf("%d events with parents over %d aggregates", withParents, len(aggs))
	}
}
