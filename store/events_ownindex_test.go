package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

func TestRuns(t *testing.T) {
	var rs runs
	for _, s := range []uint64{5, 3, 4, 10, 12, 11, 1, 20} {
		rs.add(s)
	}
	rs.add(4) // already there
	if want := [][2]uint64{{1, 1}, {3, 5}, {10, 12}, {20, 20}}; !slices.Equal(rs.r, want) {
		t.Fatalf("runs %v, want %v", rs.r, want)
	}
	for _, tc := range []struct{ w, reach uint64 }{{0, 1}, {1, 1}, {2, 5}, {3, 5}, {5, 5}, {9, 12}, {12, 12}, {13, 13}, {19, 20}, {25, 25}} {
		if got := rs.reach(tc.w); got != tc.reach {
			t.Errorf("reach(%d) = %d, want %d", tc.w, got, tc.reach)
		}
	}
	for _, tc := range []struct {
		w, lo, hi uint64
		ok        bool
	}{{0, 2, 2, true}, {2, 6, 9, true}, {5, 6, 9, true}, {7, 8, 9, true}, {12, 13, 19, true}, {20, 0, 0, false}, {15, 16, 19, true}} {
		lo, hi, ok := rs.gap(tc.w)
		if lo != tc.lo || hi != tc.hi || ok != tc.ok {
			t.Errorf("gap(%d) = %d, %d, %v; want %d, %d, %v", tc.w, lo, hi, ok, tc.lo, tc.hi, tc.ok)
		}
	}
	rs.add(2)
	if want := [][2]uint64{{1, 5}, {10, 12}, {20, 20}}; !slices.Equal(rs.r, want) {
		t.Fatalf("after add(2): %v, want %v", rs.r, want)
	}
	rs.dropTo(11)
	if want := [][2]uint64{{12, 12}, {20, 20}}; !slices.Equal(rs.r, want) {
		t.Fatalf("after dropTo(11): %v, want %v", rs.r, want)
	}
}

// writerStore opens a store on a connection of its own with this config.
func writerStore(t *testing.T, srv *storetest.Server, cfg EventStoreConfig) *JetStreamEvents {
	t.Helper()
	es, err := OpenEvents(context.Background(), srv.Connect(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// appendMix appends n events to aggs aggregates through every append path (Append,
// AppendBatch, AppendAsync, AppendBlock), a third naming an earlier event as a parent, and
// returns them.
func appendMix(t *testing.T, ctx context.Context, es *JetStreamEvents, prefix string, n, aggs int) []*StoredEvent {
	t.Helper()
	var out []*StoredEvent
	parent := func() []cid.Cid {
		if len(out) == 0 || len(out)%3 != 0 {
			return nil
		}
		return []cid.Cid{out[len(out)/2].CID}
	}
	agg := func(i int) string { return fmt.Sprintf("%s-%d", prefix, i%aggs) }
	for len(out) < n {
		switch k := len(out) % 40; {
		case k < 5:
			ev, err := es.Append(ctx, agg(len(out)), "One", []byte("x"), parent()...)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, ev)
		case k < 10:
			evs := make([]NewEvent, 5)
			for i := range evs {
				evs[i] = NewEvent{EventType: "Batch", Parents: parent()}
			}
			st, err := es.AppendBatch(ctx, agg(len(out)), evs)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, st...)
		case k < 11:
			ev := block.Event{AggregateID: fmt.Sprintf("%s-block-%d", prefix, len(out)), EventType: "Imported", Timestamp: 1, ParentCIDs: parent()}
			data, _, err := ev.Block()
			if err != nil {
				t.Fatal(err)
			}
			st, err := es.AppendBlock(ctx, data)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, st)
		default:
			var ps []*PendingAppend
			for i := range 29 {
				ps = append(ps, es.AppendAsync(ctx, NewEvent{AggregateID: agg(i), EventType: "Async", Parents: parent()}))
			}
			for _, p := range ps {
				ev, err := p.Wait(ctx)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, ev)
			}
		}
	}
	return out
}

// After appends on every path and Flush, both watermarks cover the stream with no reader's
// tail pass: a fresh reader's Get of a CID never stored reads no message, and every appended
// event, its children too, is found through the index; verify counts nothing bad. The same
// appends by a writer that does not index (IndexQueue 0, the default) leave the
// reader a tail pass over all of them.
func TestWriterIndexesItsAppends(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, tc := range []struct {
		name  string
		queue int
	}{{"writer indexes", DefaultIndexQueue}, {"readers index", 0}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := storetest.Start(t)
			w := writerStore(t, srv, EventStoreConfig{IndexQueue: tc.queue})
			evs := appendMix(t, ctx, w, "w", 400, 7)
			if err := w.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			last, err := w.LastSeq(ctx)
			if err != nil {
				t.Fatal(err)
			}
			kv := indexKV(t, srv)
			cw, kw := markOf(t, kv, watermarkKey), markOf(t, kv, childrenMarkKey)
			r := objEvents(t, srv)
			if _, err := r.Get(ctx, block.Sum([]byte("never stored"))); !errors.Is(err, ErrNotFound) {
				t.Fatalf("get of a CID never stored: %v", err)
			}
			reads := r.tailReads.Load()
			if tc.queue <= 0 {
				// The writer's own Gets (AppendBlock looks its block up) ran tail passes; the
				// reader's reads the rest.
				if reads == 0 || reads != last-min(cw, kw) {
					t.Fatalf("writer that does not index: watermarks %d/%d, the reader's tail pass read %d messages; want the %d after them", cw, kw, reads, last-min(cw, kw))
				}
				return
			}
			if cw != last || kw != last || reads != 0 {
				t.Fatalf("after Flush: CID watermark %d, children watermark %d, want both %d; the reader's tail pass read %d messages, want 0", cw, kw, last, reads)
			}
			kids := 0
			for _, ev := range evs {
				got, err := r.Get(ctx, ev.CID)
				if err != nil || got.Seq != ev.Seq {
					t.Fatalf("get %s (seq %d): %v, %v", ev.CID, ev.Seq, got, err)
				}
				kids += len(ev.ParentCIDs)
			}
			if n := r.tailReads.Load(); n != 0 {
				t.Fatalf("Gets of the %d appended events read %d messages in tail passes, want 0", len(evs), n)
			}
			if kids == 0 {
				t.Fatal("no event named a parent")
			}
			parents := make(map[cid.Cid]bool)
			var ps []*StoredEvent
			for _, ev := range evs {
				for _, p := range ev.ParentCIDs {
					if !parents[p] {
						parents[p] = true
						pe, err := r.Get(ctx, p)
						if err != nil {
							t.Fatal(err)
						}
						ps = append(ps, pe)
					}
				}
			}
			got, err := r.ChildrenOf(ctx, ps, 1) // a window of 1: the children come from the index
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, kids := range got {
				n += len(kids)
			}
			if n != kids {
				t.Fatalf("children through the index: %d, want %d", n, kids)
			}
			_, st, err := r.Replay(ctx, ReplayOptions{CheckIndex: true}, nil)
			if err != nil || st.IndexBad != 0 {
				t.Fatalf("verify: %+v, %v; want no bad index entry", st, err)
			}
			if err := w.Close(ctx); err != nil {
				t.Fatal(err)
			}
			// Closed, the store still appends; the readers index what it appends now.
			late, err := w.Append(ctx, "w-late", "Late", nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if cw := markOf(t, kv, watermarkKey); cw != last {
				t.Fatalf("CID watermark %d after an append to the closed store, want %d", cw, last)
			}
			if got, err := objEvents(t, srv).Get(ctx, late.CID); err != nil || got.Seq != late.Seq {
				t.Fatalf("get of the append after Close: %v, %v", got, err)
			}
		})
	}
}

// Two writers append concurrently, a raw client slips junk between their events: while they
// run, every sequence at or below a watermark is indexed (its CID entry below the CID
// watermark, its children entries below the children watermark) unless it is no event; once
// both are closed the watermarks reach the stream's end (each writer closes the gaps of the
// other's events and the junk by the tail pass's rule), verify counts nothing bad, and a
// reader's Get of an unknown CID reads nothing.
func TestWriterIndexTwoWriters(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := storetest.Start(t)
	a := writerStore(t, srv, EventStoreConfig{IndexQueue: DefaultIndexQueue})
	b := writerStore(t, srv, EventStoreConfig{IndexQueue: DefaultIndexQueue})
	kv := indexKV(t, srv)
	junk, err := jetstream.New(srv.Connect(t))
	if err != nil {
		t.Fatal(err)
	}
	checker := objEvents(t, srv) // reads messages only: never a tail pass

	var wg sync.WaitGroup
	stop := make(chan struct{})
	writer := func(es *JetStreamEvents, prefix string) {
		defer wg.Done()
		var recent []cid.Cid
		for round := range 60 {
			var ps []*PendingAppend
			for i := range 40 {
				var parents []cid.Cid
				if i%3 == 0 && len(recent) > 0 {
					parents = []cid.Cid{recent[(round+i)%len(recent)]}
				}
				ps = append(ps, es.AppendAsync(ctx, NewEvent{AggregateID: fmt.Sprintf("%s-%d", prefix, i%10), EventType: "E", Parents: parents}))
			}
			for _, p := range ps {
				ev, err := p.Wait(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				recent = append(recent, ev.CID)
			}
		}
	}
	wg.Add(2)
	go writer(a, "a")
	go writer(b, "b")
	junkDone := make(chan struct{})
	go func() {
		defer close(junkDone)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if _, err := junk.Publish(ctx, fmt.Sprintf("event.store.a-%d.E", i%10), []byte("junk")); err != nil {
				t.Error(err)
				return
			}
		}
	}()

	// checked[m]: the sequences at or below it have been checked against watermark m.
	var checked [2]uint64
	violations := 0
	check := func() {
		for m, key := range markKeys {
			w := markOf(t, kv, key)
			for seq := checked[m] + 1; seq <= w; seq++ {
				raw, err := checker.stream.GetMsg(ctx, seq)
				if err != nil {
					t.Fatalf("watermark %s at %d: message %d: %v", key, w, seq, err)
				}
				_, _, keys, ok := messageKeys(raw.Subject, raw.Header, raw.Data, m == 0, m == 1)
				if !ok {
					continue // junk: nothing to index
				}
				for _, k := range keys {
					if _, err := kv.Get(ctx, k); err != nil {
						violations++
						t.Errorf("watermark %s at %d, but seq %d's entry %s: %v", key, w, seq, k, err)
					}
				}
			}
			checked[m] = max(checked[m], w)
		}
	}
	writersDone := make(chan struct{})
	go func() { wg.Wait(); close(writersDone) }()
	for running := true; running; {
		select {
		case <-writersDone:
			running = false
		case <-time.After(50 * time.Millisecond):
		}
		check()
	}
	close(stop)
	<-junkDone
	// The stream ends with the writers' events: a last round of each.
	for _, es := range []*JetStreamEvents{a, b} {
		if _, err := es.AppendBatch(ctx, "tail", []NewEvent{{EventType: "Last"}, {EventType: "Last"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	check()
	last, err := checker.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if checked[0] != last || checked[1] != last {
		t.Errorf("after both writers closed: watermarks %d (CID), %d (children), want both at the stream's end %d", checked[0], checked[1], last)
	}
	if violations > 0 {
		t.Fatalf("%d entries missing below the watermarks", violations)
	}
	t.Logf("%d messages; gaps closed by reading %d (a) and %d (b) messages", last, a.own.reads, b.own.reads)
	r := objEvents(t, srv)
	if _, err := r.Get(ctx, block.Sum([]byte("never stored"))); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if n := r.tailReads.Load(); n != 0 {
		t.Errorf("a reader's Get of an unknown CID read %d messages, want 0", n)
	}
	_, st, err := r.Replay(ctx, ReplayOptions{CheckIndex: true}, nil)
	if err != nil || st.IndexBad != 0 || st.Rejected == 0 {
		t.Fatalf("verify: %+v, %v; want junk rejected and no bad index entry", st, err)
	}
}

// A writer may not write the index bucket (a producer with publish rights on the events
// only): its appends succeed, its index writes are refused once and then not tried again,
// the watermarks stay where an indexing writer left them, and Close does not wait. A
// read-only viewer finds the indexing writer's events through the index with no tail pass,
// and the producer's through its own tail pass (whose writes are dropped).
func TestWriterIndexRefused(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	viewerPub := []string{"$JS.API.INFO", "$JS.API.STREAM.INFO.>", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.LIST",
		"$JS.API.CONSUMER.CREATE.>", "$JS.API.CONSUMER.DELETE.>", "$JS.API.CONSUMER.INFO.>", "$JS.API.CONSUMER.LIST.>",
		"$JS.API.CONSUMER.MSG.NEXT.>", "$JS.API.DIRECT.GET.>", "$JS.API.STREAM.MSG.GET.>", "$JS.FC.>"}
	perms := func(pub ...string) *natsserver.Permissions {
		return &natsserver.Permissions{
			Publish:   &natsserver.SubjectPermission{Allow: pub},
			Subscribe: &natsserver.SubjectPermission{Allow: []string{"_INBOX.>"}},
		}
	}
	srv := storetest.StartConfigured(t, func(o *natsserver.Options) {
		o.Users = []*natsserver.User{
			{Username: "admin", Password: "admin-pw"},
			{Username: "producer", Password: "producer-pw", Permissions: perms("event.store.p-1.>", "$JS.API.>", "_INBOX.>")},
			{Username: "viewer", Password: "viewer-pw", Permissions: perms(viewerPub...)},
		}
	})
	open := func(user string) *JetStreamEvents {
		t.Helper()
		nc, err := Connect(ctx, ConnConfig{Servers: []string{srv.ClientURL()}, User: user, Password: user + "-pw"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		es, err := OpenEvents(ctx, nc, EventStoreConfig{PublishTimeout: 2 * time.Second, IndexQueue: DefaultIndexQueue})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	admin := open("admin")
	first := appendMix(t, ctx, admin, "admin", 100, 3)
	if err := admin.Close(ctx); err != nil {
		t.Fatal(err)
	}
	ajs, err := jetstream.New(admin.nc)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := ajs.KeyValue(ctx, IndexBucket)
	if err != nil {
		t.Fatal(err)
	}
	mark := markOf(t, kv, watermarkKey)
	if mark != first[len(first)-1].Seq || markOf(t, kv, childrenMarkKey) != mark {
		t.Fatalf("watermarks %d/%d after the admin's appends, want %d", mark, markOf(t, kv, childrenMarkKey), first[len(first)-1].Seq)
	}

	viewer := open("viewer")
	for _, ev := range first {
		if got, err := viewer.Get(ctx, ev.CID); err != nil || got.Seq != ev.Seq {
			t.Fatalf("viewer's get of %s: %v, %v", ev.CID, got, err)
		}
	}
	if n := viewer.tailReads.Load(); n != 0 {
		t.Fatalf("viewer's Gets of indexed events read %d messages in tail passes", n)
	}

	producer := open("producer")
	var mine []*StoredEvent
	for i := range 20 {
		ev, err := producer.Append(ctx, "p-1", "P", []byte{byte(i)})
		if err != nil {
			t.Fatalf("producer's append %d: %v", i, err)
		}
		mine = append(mine, ev)
	}
	t0 := time.Now()
	if err := producer.Close(ctx); err != nil {
		t.Fatalf("producer's Close: %v", err)
	}
	producer.own.mu.Lock()
	off := producer.own.off
	producer.own.mu.Unlock()
	if !off {
		t.Errorf("the producer's index writes were refused, but its writer still indexes")
	}
	t.Logf("producer's Close took %s", time.Since(t0))
	if w := markOf(t, kv, watermarkKey); w != mark {
		t.Fatalf("CID watermark %d after the refused writer's appends, want %d", w, mark)
	}
	// More appends after the refusal: not slowed, and they go on failing no index write.
	for i := range 5 {
		if _, err := producer.Append(ctx, "p-1", "P", []byte{byte(100 + i)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := viewer.Get(ctx, mine[len(mine)-1].CID)
	if err != nil || got.Seq != mine[len(mine)-1].Seq {
		t.Fatalf("viewer's get of the producer's event: %v, %v", got, err)
	}
	if n := viewer.tailReads.Load(); n < uint64(len(mine)) {
		t.Fatalf("viewer's tail pass read %d messages, want at least the producer's %d", n, len(mine))
	}
}
