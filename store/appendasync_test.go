package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// checkChains asserts that every aggregate's chain is exactly the acknowledged events (no
// fork, nothing acknowledged missing, nothing extra) and that a full replay agrees.
func checkChains(t *testing.T, s *store.JetStreamEvents, acked map[string][]cid.Cid, junk int) {
	t.Helper()
	ctx := context.Background()
	total := 0
	for agg, cids := range acked {
		hist, err := s.History(ctx, agg)
		if err != nil {
			t.Fatalf("history %s: %v", agg, err)
		}
		in := map[cid.Cid]bool{}
		for i, ev := range hist {
			in[ev.CID] = true
			if i > 0 && !ev.PreviousCID.Equals(hist[i-1].CID) {
				t.Fatalf("%s: fork at %d", agg, i)
			}
		}
		for _, c := range cids {
			if !in[c] {
				t.Fatalf("%s: acknowledged %s missing from the chain", agg, c)
			}
		}
		if len(hist) != len(cids) {
			t.Fatalf("%s: chain has %d events, %d appends succeeded", agg, len(hist), len(cids))
		}
		total += len(cids)
	}
	_, st, err := s.Replay(ctx, store.ReplayOptions{}, nil)
	if err != nil || st.Events != uint64(total) || st.Rejected != uint64(junk) {
		t.Fatalf("replay %+v, %v; want %d events, %d rejected", st, err, total, junk)
	}
}

// One goroutine with many async appends in flight races a synchronous writer on another
// connection over the same aggregates while a raw client publishes junk on their subjects:
// every append ends stored or with ErrConflict, no chain forks, and each aggregate's chain is
// exactly the acknowledged events.
func TestAppendAsyncRacing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := storetest.Start(t)
	async, sync1 := openJS(t, srv), openJS(t, srv)
	raw := srv.Connect(t)
	const aggs, per = 8, 40
	name := func(a int) string { return fmt.Sprintf("acct-%d", a) }

	var mu sync.Mutex
	acked := map[string][]cid.Cid{}
	record := func(agg string, ev *store.StoredEvent, err error) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil:
			acked[agg] = append(acked[agg], ev.CID)
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("%s: %v", agg, err)
		}
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the synchronous rival
		defer wg.Done()
		for i := range per / 2 {
			agg := name(i % aggs)
			ev, err := sync1.Append(ctx, agg, "Rival", nil)
			record(agg, ev, err)
		}
	}()
	junk := 0
	go func() { // junk on the aggregates' subjects
		defer wg.Done()
		for i := range 10 {
			if err := raw.Publish("event.store."+name(i%aggs)+".Junk", []byte("not a block")); err != nil {
				t.Error(err)
			}
			junk++
			time.Sleep(time.Millisecond)
		}
	}()
	type started struct {
		agg string
		p   *store.PendingAppend
	}
	var all []started
	for i := range per {
		for a := range aggs {
			agg := name(a)
			all = append(all, started{agg, async.AppendAsync(ctx, store.NewEvent{AggregateID: agg, EventType: "Step", Payload: []byte{byte(i)}})})
		}
	}
	conflicts := 0
	for _, s := range all {
		ev, err := s.p.Result()
		if errors.Is(err, store.ErrConflict) {
			conflicts++
		}
		record(s.agg, ev, err)
	}
	wg.Wait()
	if err := raw.Flush(); err != nil {
		t.Fatal(err)
	}
	checkChains(t, async, acked, junk)
	t.Logf("%d async appends, %d lost a race", len(all), conflicts)
}

// The server restarts while async appends are in flight: each is resent with its message ID
// until the server is back, none is stored twice, and every chain is whole and in order.
func TestAppendAsyncServerRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	srv := storetest.Start(t)
	nc := srv.Connect(t, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	s, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{PublishTimeout: 500 * time.Millisecond, PublishAttempts: 40})
	if err != nil {
		t.Fatal(err)
	}
	const aggs, per = 5, 60
	var pending [aggs][]*store.PendingAppend
	for i := range per {
		if i == per/2 {
			srv.Restart()
		}
		for a := range aggs {
			pending[a] = append(pending[a], s.AppendAsync(ctx, store.NewEvent{AggregateID: fmt.Sprintf("r-%d", a), EventType: "Step", Payload: []byte{byte(i)}}))
		}
	}
	acked := map[string][]cid.Cid{}
	for a := range aggs {
		agg := fmt.Sprintf("r-%d", a)
		for i, p := range pending[a] {
			ev, err := p.Result()
			if err != nil {
				t.Fatalf("%s append %d: %v", agg, i, err)
			}
			acked[agg] = append(acked[agg], ev.CID)
		}
		hist, err := s.History(ctx, agg)
		if err != nil {
			t.Fatal(err)
		}
		for i, ev := range hist {
			if len(ev.Payload) != 1 || int(ev.Payload[0]) != i {
				t.Fatalf("%s: event %d has payload %v: out of order or doubled", agg, i, ev.Payload)
			}
		}
	}
	checkChains(t, s, acked, 0)
}

// An async append the user's permissions forbid fails at once with ErrPermissionDenied
// (not after the publish timeout), and the appends queued behind it go on.
func TestAppendAsyncPermissionDenied(t *testing.T) {
	srv := storetest.StartConfigured(t, func(o *natsserver.Options) {
		o.Users = []*natsserver.User{{Username: "producer", Password: "pw", Permissions: &natsserver.Permissions{
			Publish:   &natsserver.SubjectPermission{Allow: []string{"event.store.customer-1.>", "$JS.API.>", "_INBOX.>", "$KV.event-index.>"}},
			Subscribe: &natsserver.SubjectPermission{Allow: []string{"_INBOX.>"}},
		}}}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nc, err := store.Connect(ctx, store.ConnConfig{Servers: []string{srv.ClientURL()}, User: "producer", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	s, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	// Heads cached, so both go on the fast path.
	if _, err := s.Append(ctx, "customer-1", "Created", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "customer-2", "Created", nil); !errors.Is(err, store.ErrPermissionDenied) {
		t.Fatalf("sync append to a forbidden aggregate: %v", err)
	}
	t0 := time.Now()
	bad := s.AppendAsync(ctx, store.NewEvent{AggregateID: "customer-2", EventType: "Renamed"})
	good := s.AppendAsync(ctx, store.NewEvent{AggregateID: "customer-1", EventType: "Renamed"})
	_, err = bad.Result()
	if took := time.Since(t0); !errors.Is(err, store.ErrPermissionDenied) || !strings.Contains(err.Error(), "customer-2") || took > 3*time.Second {
		t.Fatalf("forbidden async append: %v after %v, want ErrPermissionDenied at once", err, took)
	}
	if ev, err := good.Result(); err != nil || ev.Seq == 0 {
		t.Fatalf("allowed async append beside it: %v %v", ev, err)
	}
}
