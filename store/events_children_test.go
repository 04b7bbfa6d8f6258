package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// publishFiller stores n messages that are no events (junk on 100 aggregates' subjects) with
// raw async publishes: filler a reader reads past and indexes nothing of.
func publishFiller(t *testing.T, srv *storetest.Server, n int) {
	t.Helper()
	js, err := jetstream.New(srv.Connect(t), jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := js.PublishAsync(fmt.Sprintf("event.store.filler-%d.F", i%100), []byte("filler")); err != nil {
			t.Fatal(err)
		}
		if i%2000 == 1999 {
			<-js.PublishAsyncComplete()
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		t.Fatal("filler publishes not acknowledged")
	}
}

func cids(evs []*StoredEvent) []cid.Cid {
	out := make([]cid.Cid, len(evs))
	for i, ev := range evs {
		out[i] = ev.CID
	}
	return out
}

// indexKV opens the index bucket on a connection of its own.
func indexKV(t *testing.T, srv *storetest.Server) jetstream.KeyValue {
	t.Helper()
	js, err := jetstream.New(srv.Connect(t))
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(context.Background(), IndexBucket)
	if err != nil {
		t.Fatal(err)
	}
	return kv
}

func markOf(t *testing.T, kv jetstream.KeyValue, key string) uint64 {
	t.Helper()
	e, err := kv.Get(context.Background(), key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0
	}
	if err != nil || len(e.Value()) != 8 {
		t.Fatalf("%s: %v, %d bytes", key, err, len(e.Value()))
	}
	return binary.BigEndian.Uint64(e.Value())
}

// A child of another aggregate stored 50,000 messages after its parent: the windowed scan
// alone (nothing indexed yet) does not reach it; once a reader has indexed the tail (a Get),
// the children index finds it with any window, without reading the stream between (the
// server delivers a handful of messages, not 50,000), and verify counts no bad index entry.
func TestChildrenIndexFindsFarChild(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	srv := storetest.Start(t)
	writer := objEvents(t, srv)
	parent, err := writer.Append(ctx, "order-1", "Placed", nil)
	if err != nil {
		t.Fatal(err)
	}
	publishFiller(t, srv, 50_000)
	kid, err := writer.Append(ctx, "payment-1", "Taken", nil, parent.CID)
	if err != nil {
		t.Fatal(err)
	}
	if kid.Seq-parent.Seq <= 50_000 {
		t.Fatalf("child %d messages after its parent, want more than 50,000", kid.Seq-parent.Seq)
	}

	fresh := objEvents(t, srv)
	if got, err := fresh.ChildrenWithin(ctx, parent, 10_000); err != nil || len(got) != 0 {
		t.Fatalf("before any indexing, window 10,000: %v, %v; want none (the child is beyond the window)", got, err)
	}
	if got, err := fresh.ChildrenWithin(ctx, parent, 0); err != nil || !slices.Equal(cids(got), []cid.Cid{kid.CID}) {
		t.Fatalf("before any indexing, whole stream: %v, %v; want the child", got, err)
	}
	if _, err := fresh.Get(ctx, kid.CID); err != nil { // indexes the tail, children too
		t.Fatal(err)
	}
	// On a loaded machine some of the pass's writes may time out: the watermarks then rise
	// over the acknowledged part, and the next pass (a Get that misses) goes on.
	kv := indexKV(t, srv)
	for pass := 1; markOf(t, kv, childrenMarkKey) != kid.Seq; pass++ {
		if pass > 20 {
			t.Fatalf("children watermark %d after 20 passes, want %d", markOf(t, kv, childrenMarkKey), kid.Seq)
		}
		if _, err := fresh.Get(ctx, block.Sum([]byte("never stored"))); !errors.Is(err, ErrNotFound) {
			t.Fatalf("get of a CID never stored: %v", err)
		}
	}

	reader := objEvents(t, srv)
	before, err := srv.NATS().Varz(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, window := range []int{1, 10_000} {
		got, err := reader.ChildrenWithin(ctx, parent, window)
		if err != nil || !slices.Equal(cids(got), []cid.Cid{kid.CID}) || got[0].Seq != kid.Seq || got[0].AggregateID != "payment-1" {
			t.Fatalf("window %d, through the index: %v, %v; want the child at seq %d", window, got, err, kid.Seq)
		}
	}
	after, err := srv.NATS().Varz(nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := after.OutMsgs - before.OutMsgs; n > 1000 {
		t.Errorf("the server delivered %d messages for two lookups through the index", n)
	}
	_, st, err := reader.Replay(ctx, ReplayOptions{CheckIndex: true}, nil)
	if err != nil || st.IndexBad != 0 {
		t.Fatalf("verify with the children index: %+v, %v; want no bad entry", st, err)
	}
}

// The children index is a cache: entries forged into the real bucket (a child that does not
// name the parent, a child CID no event has, a key that is no CID, the true child's entry
// rewritten to an unrelated message's sequence or to a malformed value) are ignored or put
// right through the CID index; ChildrenOf returns the true children only.
func TestChildrenIndexForgedEntries(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := storetest.Start(t)
	writer := objEvents(t, srv)
	a, err := writer.Append(ctx, "a", "A", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := writer.Append(ctx, "b", "B", nil)
	if err != nil {
		t.Fatal(err)
	}
	kid, err := writer.Append(ctx, "kid", "K", nil, a.CID)
	if err != nil {
		t.Fatal(err)
	}
	other, err := writer.Append(ctx, "other", "O", nil, b.CID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := objEvents(t, srv).Get(ctx, other.CID); err != nil { // indexes everything
		t.Fatal(err)
	}
	kv := indexKV(t, srv)
	nobody := block.Sum([]byte("no event has this CID"))
	for key, v := range map[string][]byte{
		childKey(a.CID, other.CID):                  seqValue(other.Seq), // names b, not a
		childKey(a.CID, nobody):                     seqValue(kid.Seq),
		childPrefix + a.CID.String() + ".not-a-cid": seqValue(kid.Seq),
		childKey(b.CID, kid.CID):                    seqValue(kid.Seq), // kid names a only
	} {
		if _, err := kv.Put(ctx, key, v); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string) {
		t.Helper()
		got, err := objEvents(t, srv).ChildrenOf(ctx, []*StoredEvent{a, b}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(cids(got[a.CID]), []cid.Cid{kid.CID}) || !slices.Equal(cids(got[b.CID]), []cid.Cid{other.CID}) {
			t.Fatalf("%s: children of a %v, of b %v; want kid, other", what, got[a.CID], got[b.CID])
		}
	}
	check("forged entries beside the true ones")
	if _, err := kv.Put(ctx, childKey(a.CID, kid.CID), seqValue(other.Seq)); err != nil {
		t.Fatal(err)
	}
	check("the true child's entry naming another message")
	if _, err := kv.Put(ctx, childKey(a.CID, kid.CID), []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	check("the true child's entry malformed")
	if _, err := kv.Put(ctx, childKey(a.CID, kid.CID), seqValue(1<<40)); err != nil {
		t.Fatal(err)
	}
	check("the true child's entry naming no message")

	// verify counts each wrong entry (four forged, the true one's value) and --repair-index
	// puts them right; an entry deleted below the watermark is found missing and written.
	replay := func(repair bool) ReplayStats {
		t.Helper()
		_, st, err := objEvents(t, srv).Replay(ctx, ReplayOptions{CheckIndex: true, RepairIndex: repair}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := replay(false); st.IndexBad != 5 {
		t.Fatalf("verify with 5 wrong children entries: %+v", st)
	}
	if st := replay(true); st.IndexBad != 5 || st.IndexRepaired != 5 {
		t.Fatalf("repair: %+v", st)
	}
	if st := replay(false); st.IndexBad != 0 {
		t.Fatalf("verify after the repair: %+v", st)
	}
	if err := kv.Delete(ctx, childKey(a.CID, kid.CID)); err != nil {
		t.Fatal(err)
	}
	if st := replay(false); st.IndexBad != 1 {
		t.Fatalf("verify with the true entry deleted: %+v", st)
	}
	if st := replay(true); st.IndexRepaired < 1 {
		t.Fatalf("repair of the deleted entry: %+v", st)
	}
	if e, err := kv.Get(ctx, childKey(a.CID, kid.CID)); err != nil || binary.BigEndian.Uint64(e.Value()) != kid.Seq {
		t.Fatalf("entry after the repair: %v, %v", e, err)
	}
	check("after the repair")
}

// Events stored before the children index existed (a CID watermark, no children watermark,
// no children entries) are still found through the windowed scan, and the next reader's tail
// pass indexes their children once; a reader that may not write the bucket (the index writes
// dropped) leaves the watermark where it was, and its lookups fall back to the scan.
func TestChildrenIndexFallback(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	viewerPub := []string{"$JS.API.INFO", "$JS.API.STREAM.INFO.>", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.LIST",
		"$JS.API.CONSUMER.CREATE.>", "$JS.API.CONSUMER.DELETE.>", "$JS.API.CONSUMER.INFO.>", "$JS.API.CONSUMER.LIST.>",
		"$JS.API.CONSUMER.MSG.NEXT.>", "$JS.API.DIRECT.GET.>", "$JS.API.STREAM.MSG.GET.>", "$JS.FC.>"}
	srv := storetest.StartConfigured(t, func(o *natsserver.Options) {
		o.Users = []*natsserver.User{
			{Username: "admin", Password: "admin-pw"},
			{Username: "viewer", Password: "viewer-pw", Permissions: &natsserver.Permissions{
				Publish:   &natsserver.SubjectPermission{Allow: viewerPub},
				Subscribe: &natsserver.SubjectPermission{Allow: []string{"_INBOX.>"}},
			}},
		}
	})
	open := func(user string) *JetStreamEvents {
		t.Helper()
		nc, err := Connect(ctx, ConnConfig{Servers: []string{srv.ClientURL()}, User: user, Password: user + "-pw"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		es, err := OpenEvents(ctx, nc, EventStoreConfig{PublishTimeout: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	writer := open("admin")
	parent, err := writer.Append(ctx, "order-1", "Placed", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := writer.Append(ctx, "filler", "F", []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	kid, err := writer.Append(ctx, "payment-1", "Taken", nil, parent.CID)
	if err != nil {
		t.Fatal(err)
	}
	// The writer's own index writes done and stopped (the closed store appends late below
	// without indexing it, as a jetdag before the children index would have).
	if err := writer.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := open("admin").Get(ctx, kid.CID); err != nil {
		t.Fatal(err)
	}
	// Make it a store indexed before the children index: its entries and watermark gone.
	js, err := jetstream.New(writer.nc)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(ctx, IndexBucket)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{childKey(parent.CID, kid.CID), childrenMarkKey} {
		if err := kv.Purge(ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	if w := markOf(t, kv, watermarkKey); w != kid.Seq {
		t.Fatalf("CID watermark %d, want %d", w, kid.Seq)
	}
	old := open("admin")
	if got, err := old.ChildrenWithin(ctx, parent, 100); err != nil || !slices.Equal(cids(got), []cid.Cid{kid.CID}) {
		t.Fatalf("not indexed, window 100: %v, %v; want the child through the scan", got, err)
	}
	if got, err := old.ChildrenWithin(ctx, parent, 5); err != nil || len(got) != 0 {
		t.Fatalf("not indexed, window 5: %v, %v; want none (the child is 21 messages away)", got, err)
	}

	// A read-only reader's tail pass cannot write: nothing changes, and the scan still works.
	late, err := writer.Append(ctx, "refund-1", "Given", nil, parent.CID)
	if err != nil {
		t.Fatal(err)
	}
	viewer := open("viewer")
	if got, err := viewer.Get(ctx, late.CID); err != nil || got.Seq != late.Seq { // its index writes are dropped
		t.Fatalf("read-only get of the newest event: %v, %v", got, err)
	}
	if w := markOf(t, kv, childrenMarkKey); w != 0 {
		t.Fatalf("children watermark %d after a pass whose writes were refused, want none", w)
	}
	if got, err := viewer.ChildrenWithin(ctx, parent, 100); err != nil || !slices.Equal(cids(got), []cid.Cid{kid.CID, late.CID}) {
		t.Fatalf("read-only, window 100: %v, %v; want both children through the scan", got, err)
	}

	// A writer's next tail pass (any Get that misses) indexes the children of the whole stream.
	if _, err := open("admin").Get(ctx, block.Sum([]byte("never stored"))); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get of a CID never stored: %v", err)
	}
	if w := markOf(t, kv, childrenMarkKey); w != late.Seq {
		t.Fatalf("children watermark %d after a writer's pass, want %d", w, late.Seq)
	}
	if got, err := open("admin").ChildrenWithin(ctx, parent, 1); err != nil || !slices.Equal(cids(got), []cid.Cid{kid.CID, late.CID}) {
		t.Fatalf("indexed, window 1: %v, %v; want both children through the index", got, err)
	}
}
