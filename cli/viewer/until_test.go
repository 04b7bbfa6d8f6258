package viewer

import (
	"context"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// --until SEQ shows the store as it was at that sequence, on a real server: the events up to
// it and none after (not even ones appended while the window is open), the objects made by
// then and the links between what is shown, and the status is caught up.
func TestSourceUntil(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, _, events, objects := openStores(ctx, t)
	var evs []cid.Cid
	appendN := func(n int) {
		for range n {
			ev, err := events.Append(ctx, "order-1", "Tick", []byte("x"))
			if err != nil {
				t.Fatal(err)
			}
			evs = append(evs, ev.CID)
			time.Sleep(2 * time.Millisecond) // distinct timestamps
		}
	}
	obj := func(v string, linkTo cid.Cid) cid.Cid {
		c, err := objects.Store(ctx, map[string]any{"v": v}, cid.Undef)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := objects.LinkObjects(ctx, c, linkTo, "References"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
		return c
	}
	appendN(5)
	early := obj("early", evs[2]) // made after seq 5: shown, linked to seq 3
	appendN(15)
	late := obj("late", evs[15]) // made after seq 20: not shown
	appendN(5)

	src, closeSrc, err := openSource(ctx, quietRequest(srv, cli.ViewOptions{Until: 12}))
	if err != nil {
		t.Fatal(err)
	}
	defer closeSrc()
	graph := runWorld(ctx, ecs.Config{}, src)
	for graph.Stats().Events < 12 || graph.Stats().Objects < 1 || !graph.Stats().CaughtUp {
		if ctx.Err() != nil {
			t.Fatalf("stats %+v", graph.Stats())
		}
		graph.Update()
		time.Sleep(5 * time.Millisecond)
	}
	appendN(5) // live appends do not show either
	for range 60 {
		graph.Update()
		time.Sleep(5 * time.Millisecond)
	}
	st := graph.Stats()
	if st.Events != 12 || st.LastSeq != 12 || st.Objects != 1 || st.Links != 1 || st.Held != 0 {
		t.Fatalf("as of 12: %+v; want 12 events up to seq 12, one object, one link, nothing held", st)
	}
	for i, c := range evs {
		if _, ok := graph.Lookup(c); ok != (i < 12) {
			t.Fatalf("event seq %d in the world: %v", i+1, ok)
		}
	}
	if _, ok := graph.Lookup(early); !ok {
		t.Fatal("the object made before seq 12 is missing")
	}
	if _, ok := graph.Lookup(late); ok {
		t.Fatal("the object made after seq 20 is shown")
	}
}

// --until TIME stops at the first event stamped after TIME.
func TestSourceUntilTime(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := storetest.Start(t)
	events, err := store.OpenEvents(ctx, srv.Connect(t), store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixNano()
	for i := range 20 {
		if _, err := events.AppendEvent(ctx, store.NewEvent{AggregateID: "order-1", EventType: "Tick", Payload: []byte("x"), Timestamp: base + int64(i)*int64(time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	src, closeSrc, err := openSource(ctx, quietRequest(srv, cli.ViewOptions{UntilTime: base + 7*int64(time.Second)}))
	if err != nil {
		t.Fatal(err)
	}
	defer closeSrc()
	graph := runWorld(ctx, ecs.Config{}, src)
	for !graph.Stats().CaughtUp {
		if ctx.Err() != nil {
			t.Fatalf("stats %+v", graph.Stats())
		}
		graph.Update()
		time.Sleep(5 * time.Millisecond)
	}
	for range 40 {
		graph.Update()
		time.Sleep(5 * time.Millisecond)
	}
	if st := graph.Stats(); st.Events != 8 || st.LastSeq != 8 {
		t.Fatalf("until 12:00:07: %d events, last seq %d; want the 8 stamped 12:00:00 to 12:00:07", st.Events, st.LastSeq)
	}
}
