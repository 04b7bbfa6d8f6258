package store_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/server"
	"github.com/jetdag/jetdag/store/storetest"
)

func openJS(t *testing.T, srv *storetest.Server) *store.JetStreamEvents {
	t.Helper()
	s, err := store.OpenEvents(context.Background(), srv.Connect(t), store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// openScanning opens the store as a writer that leaves the index to the readers
// (IndexQueue < 0): the tests of the windowed scan past the children watermark use it, since
// an indexing writer's watermarks rise while they look.
func openScanning(t *testing.T, srv *storetest.Server) *store.JetStreamEvents {
	t.Helper()
	s, err := store.OpenEvents(context.Background(), srv.Connect(t), store.EventStoreConfig{IndexQueue: -1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Two writers on two connections race on one aggregate: no fork, and every append that
// reported success is in the chain.
func TestRacingWriters(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	writers := []*store.JetStreamEvents{openJS(t, srv), openJS(t, srv)}
	const each = 40
	var mu sync.Mutex
	var ok []cid.Cid
	conflicts := 0
	var wg sync.WaitGroup
	for w, s := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				ev, err := s.AppendEvent(ctx, store.NewEvent{AggregateID: "race", EventType: "Tick", Payload: []byte{byte(w), byte(i)}}, store.WithRetries(100))
				mu.Lock()
				if err == nil {
					ok = append(ok, ev.CID)
				} else if errors.Is(err, store.ErrConflict) {
					conflicts++
				} else {
					t.Errorf("writer %d: %v", w, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	hist, err := writers[0].History(ctx, "race")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != len(ok) {
		t.Fatalf("chain has %d events, %d appends succeeded", len(hist), len(ok))
	}
	in := map[cid.Cid]bool{}
	for i, ev := range hist {
		in[ev.CID] = true
		if i > 0 && !ev.PreviousCID.Equals(hist[i-1].CID) {
			t.Fatalf("fork at %d", i)
		}
	}
	for _, c := range ok {
		if !in[c] {
			t.Fatalf("acknowledged %s missing from chain", c)
		}
	}
	_, st, err := writers[1].Replay(ctx, store.ReplayOptions{}, nil)
	if err != nil || st.Rejected != 0 || st.Events != uint64(len(ok)) {
		t.Fatalf("replay %+v, %v", st, err)
	}
	t.Logf("%d appended, %d gave up after retries", len(ok), conflicts)
}

// The server restarts on the same store directory; a new process continues the chain and
// finds old events by CID without reading the stream.
func TestRestartContinuesChain(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	s := openJS(t, srv)
	a, err := s.Append(ctx, "acct", "Opened", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Restart()
	s2 := openJS(t, srv)
	got, err := s2.Get(ctx, a.CID)
	if err != nil || got.Seq != a.Seq {
		t.Fatalf("get after restart: %v, %v", got, err)
	}
	b, err := s2.Append(ctx, "acct", "Credited", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !b.PreviousCID.Equals(a.CID) {
		t.Fatalf("previous %s, want %s", b.PreviousCID, a.CID)
	}
}

// Junk, forged and forked messages published by a raw client are reported with sequence and
// reason and kept out of the chain.
func TestHostileMessages(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	s := openJS(t, srv)
	nc := srv.Connect(t)
	a, err := s.Append(ctx, "acct", "Opened", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Append(ctx, "acct", "Credited", []byte("10"))
	if err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	pub := func(m *nats.Msg) {
		t.Helper()
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatalf("raw publish: %v", err)
		}
	}
	// 1. junk bytes.
	pub(&nats.Msg{Subject: "event.store.acct.Junk", Data: []byte("not cbor"), Header: nats.Header{"Cid": {"bafyjunk"}}})
	// 2. a forged CID header on a valid block.
	fev := block.Event{AggregateID: "acct", EventType: "Debited", Payload: []byte("99"), PreviousCID: b.CID, Timestamp: 1}
	m, _, err := store.EventMessage(&fev)
	if err != nil {
		t.Fatal(err)
	}
	m.Header.Set("Cid", a.CID.String())
	m.Header.Set("Nats-Msg-Id", "forged")
	pub(m)
	// 3. a fork: a valid block whose previous is an older event.
	fork := block.Event{AggregateID: "acct", EventType: "Debited", Payload: []byte("5"), PreviousCID: a.CID, Timestamp: 2}
	m, _, err = store.EventMessage(&fork)
	if err != nil {
		t.Fatal(err)
	}
	pub(m)
	// 4. headers that disagree with the block.
	lie := block.Event{AggregateID: "acct", EventType: "Closed", PreviousCID: b.CID, Timestamp: 3}
	m, _, err = store.EventMessage(&lie)
	if err != nil {
		t.Fatal(err)
	}
	m.Header.Set("Aggregate-Id", "someone-else")
	pub(m)

	var rejected []*store.Rejection
	_, st, err := s.Replay(ctx, store.ReplayOptions{}, func(r store.Record) error {
		if r.Rejected != nil {
			rejected = append(rejected, r.Rejected)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 2 || len(rejected) != 4 {
		t.Fatalf("stats %+v, rejected %d", st, len(rejected))
	}
	wants := []string{"hashes to", "hashes to", "fork", "Aggregate-Id"}
	for i, r := range rejected {
		if r.Seq != uint64(3+i) || !strings.Contains(r.Reason, wants[i]) || r.AggregateID == "" {
			t.Errorf("rejection %d: %+v (want seq %d, reason with %q)", i, r, 3+i, wants[i])
		}
	}
	hist, err := s.History(ctx, "acct")
	if err != nil || len(hist) != 2 {
		t.Fatalf("history holds %d events, %v", len(hist), err)
	}
	// The next honest append continues from the real head, not from a forged message.
	c, err := s.Append(ctx, "acct", "Credited", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.PreviousCID.Equals(b.CID) {
		t.Fatalf("append chained on %s, want %s", c.PreviousCID, b.CID)
	}
}

func TestIncompatibleStream(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	js, _ := jetstream.New(srv.Connect(t))
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: store.StreamName, Subjects: []string{"other.>"}}); err != nil {
		t.Fatal(err)
	}
	_, err := store.OpenEvents(ctx, srv.Connect(t), store.EventStoreConfig{})
	if !errors.Is(err, store.ErrIncompatibleStream) {
		t.Fatalf("got %v", err)
	}
}

func TestIndexRepair(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	s := openJS(t, srv)
	ev, err := s.Append(ctx, "a", "E", nil)
	if err != nil {
		t.Fatal(err)
	}
	// A fresh process finds the event by indexing the stream's tail (appends do not write
	// the index); afterwards the watermark is past it.
	got, err := openJS(t, srv).Get(ctx, ev.CID)
	if err != nil || got.Seq != ev.Seq {
		t.Fatalf("get through the tail: %v, %v", got, err)
	}
	js, _ := jetstream.New(srv.Connect(t))
	kv, err := js.KeyValue(ctx, store.IndexBucket)
	if err != nil {
		t.Fatal(err)
	}
	if err := kv.Delete(ctx, ev.CID.String()); err != nil {
		t.Fatal(err)
	}
	fresh := openJS(t, srv)
	if _, err := fresh.Get(ctx, ev.CID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("before repair: %v", err)
	}
	_, st, err := fresh.Replay(ctx, store.ReplayOptions{RepairIndex: true}, nil)
	if err != nil || st.IndexRepaired != 1 {
		t.Fatalf("repair: %+v %v", st, err)
	}
	if _, err := openJS(t, srv).Get(ctx, ev.CID); err != nil {
		t.Fatalf("after repair: %v", err)
	}
}

func TestSubscribeLiveAfterEmpty(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv := storetest.Start(t)
	s := openJS(t, srv)
	ch, err := s.Subscribe(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if !r.CaughtUp || r.Event != nil {
		t.Fatalf("first record %+v, want a bare caught-up", r)
	}
	ev, err := s.Append(ctx, "live", "E", nil)
	if err != nil {
		t.Fatal(err)
	}
	r = <-ch
	if r.Event == nil || !r.Event.CID.Equals(ev.CID) {
		t.Fatalf("live record %+v", r)
	}
}

// A producer that dies in the middle of an atomic batch (its commit never sent) leaves
// nothing behind: the stream stores a batch only on its commit.
func TestUncommittedBatchStoresNothing(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	s := openJS(t, srv)
	nc := srv.Connect(t)
	var prev cid.Cid
	for i := range 2 {
		ev := block.Event{AggregateID: "half", EventType: "Part", Payload: []byte{byte(i)}, PreviousCID: prev, Timestamp: int64(i + 1)}
		m, c, err := store.EventMessage(&ev)
		if err != nil {
			t.Fatal(err)
		}
		m.Header.Set("Nats-Batch-Id", "dying-producer")
		m.Header.Set("Nats-Batch-Sequence", strconv.Itoa(i+1))
		if err := nc.PublishMsg(m); err != nil {
			t.Fatal(err)
		}
		prev = c
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	nc.Close() // the producer is gone before its commit
	time.Sleep(300 * time.Millisecond)
	if last, err := s.LastSeq(ctx); err != nil || last != 0 {
		t.Fatalf("stream last seq %d (%v) after an uncommitted batch", last, err)
	}
	evs, err := s.AppendBatch(ctx, "half", []store.NewEvent{{EventType: "Part"}, {EventType: "Part"}})
	if err != nil || evs[0].PreviousCID.Defined() || evs[1].Seq != 2 {
		t.Fatalf("a complete batch afterwards: %v, %v", evs, err)
	}
}

// A server that comes up a moment after the client starts is waited for; none at all gives a
// clear ErrUnreachable once the connect timeout has passed.
func TestConnectWaitsForServer(t *testing.T) {
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = store.Connect(ctx, store.ConnConfig{Servers: []string{"nats://" + addr}, ConnectTimeout: 600 * time.Millisecond})
	if !errors.Is(err, store.ErrUnreachable) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("no server: %v", err)
	}
	dir := t.TempDir()
	started := make(chan *server.Server, 1)
	go func() {
		time.Sleep(700 * time.Millisecond)
		srv, err := server.Start(server.Config{StoreDir: dir, Listen: addr})
		if err != nil {
			t.Error(err)
		}
		started <- srv
	}()
	t.Cleanup(func() {
		if srv := <-started; srv != nil {
			srv.Shutdown()
		}
	})
	nc, err := store.Connect(ctx, store.ConnConfig{Servers: []string{"nats://" + addr}, ConnectTimeout: 20 * time.Second})
	if err != nil {
		t.Fatalf("server starting late: %v", err)
	}
	nc.Close()
}

// A writer whose cached head is several events old (another process appended a run, with
// junk and a fork among it) loses the race once, catches up from the new messages alone, and
// chains its event on the real head.
func TestStaleWriterCatchesUp(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	a, b := openJS(t, srv), openJS(t, srv)
	first, err := a.Append(ctx, "acct", "Opened", nil)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(srv.Connect(t))
	var last *store.StoredEvent
	for i := range 5 {
		if last, err = b.Append(ctx, "acct", "Credited", []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
		// A fork on the first event, and junk, between B's events.
		fork := block.Event{AggregateID: "acct", EventType: "Debited", PreviousCID: first.CID, Timestamp: int64(i + 1)}
		m, _, err := store.EventMessage(&fork)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
		if _, err := js.Publish(ctx, "event.store.acct.Junk", []byte{0xff}); err != nil {
			t.Fatal(err)
		}
	}
	// Without retries the stale writer is told of the conflict and the real head.
	_, err = a.Append(ctx, "acct", "Closed", nil)
	var ce *store.ConflictError
	if !errors.As(err, &ce) || !ce.Head.Equals(last.CID) {
		t.Fatalf("stale append: %v, want a conflict naming head %s", err, last.CID)
	}
	// Its next append, and a retried one from another stale state, continue the chain.
	got, err := a.AppendEvent(ctx, store.NewEvent{AggregateID: "acct", EventType: "Closed"}, store.WithRetries(3))
	if err != nil {
		t.Fatal(err)
	}
	if !got.PreviousCID.Equals(last.CID) {
		t.Fatalf("chained on %s, want %s", got.PreviousCID, last.CID)
	}
	hist, err := b.History(ctx, "acct")
	if err != nil || len(hist) != 7 || !hist[6].CID.Equals(got.CID) {
		t.Fatalf("history: %d events, %v", len(hist), err)
	}
}
