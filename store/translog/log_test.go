package translog_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
	"github.com/jetdag/jetdag/store/translog"
	"github.com/jetdag/jetdag/store/translog/logtest"
)

// fixture is one store with its log.
type fixture struct {
	nc   *nats.Conn
	es   *store.JetStreamEvents
	objs *store.JetStreamObjects
	skey string
	vkey string
	log  *translog.Log
}

func newFixture(t *testing.T, srv *storetest.Server, skey string) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{nc: srv.Connect(t), skey: skey}
	var err error
	if f.skey == "" {
		k := logtest.NewLogKey(t, "test.example/log")
		f.skey, f.vkey = k.SKey, k.VKey
	} else if f.vkey, err = translog.VerifierKey(skey); err != nil {
		t.Fatal(err)
	}
	if f.es, err = store.OpenEvents(ctx, f.nc, store.EventStoreConfig{}); err != nil {
		t.Fatal(err)
	}
	if f.objs, err = store.OpenObjects(ctx, f.nc, store.ObjectStoreConfig{}); err != nil {
		t.Fatal(err)
	}
	f.log = f.open(t, true)
	return f
}

// open opens another Log on the fixture's store, with the signer or as a reader.
func (f *fixture) open(t *testing.T, signer bool) *translog.Log {
	t.Helper()
	cfg := translog.Config{}
	if signer {
		s, err := translog.NewSigner(f.skey)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Signer = s
	} else {
		v, err := translog.NewVerifier(f.vkey)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Verifier = v
	}
	l, err := translog.Open(context.Background(), f.nc, f.es, f.objs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// appendN appends n events over aggs aggregates, each with a parent from another aggregate
// now and then, and returns their CIDs in stream order.
func (f *fixture) appendN(t *testing.T, n, aggs int, tag string) []cid.Cid {
	t.Helper()
	ctx := context.Background()
	var out []cid.Cid
	pending := make([]*store.PendingAppend, 0, n)
	for i := range n {
		pending = append(pending, f.es.AppendAsync(ctx, store.NewEvent{
			AggregateID: fmt.Sprintf("%s-%d", tag, i%aggs), EventType: "Tick", Payload: []byte(fmt.Sprint(i)),
		}))
	}
	for _, p := range pending {
		ev, err := p.Wait(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev.CID)
	}
	// AppendAsync keeps per-aggregate order, not global order: sort by sequence.
	seqs := map[cid.Cid]uint64{}
	for _, p := range pending {
		ev, _ := p.Wait(ctx)
		seqs[ev.CID] = ev.Seq
	}
	sortBySeq(out, seqs)
	return out
}

func sortBySeq(cs []cid.Cid, seqs map[cid.Cid]uint64) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && seqs[cs[j]] < seqs[cs[j-1]]; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

// refRoot computes the RFC 9162 root of leaves with x/mod/tlog alone.
func refRoot(t *testing.T, leaves []cid.Cid) tlog.Hash {
	t.Helper()
	var hs memHashes
	for i, c := range leaves {
		h, err := tlog.StoredHashes(int64(i), c.Bytes(), hs)
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h...)
	}
	r, err := tlog.TreeHash(int64(len(leaves)), hs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type memHashes []tlog.Hash

func (m memHashes) ReadHashes(ix []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(ix))
	for i, x := range ix {
		out[i] = m[x]
	}
	return out, nil
}

// The log's leaves are the accepted events in stream order: a junk message in the stream is
// no leaf, the root equals x/mod/tlog's over the CIDs, every event's inclusion proof checks,
// a second checkpoint is consistent with the first, and the state block lists the heads.
func TestCheckpointProveConsistency(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	f := newFixture(t, srv, "")
	leaves := f.appendN(t, 300, 7, "a")
	// A forged message: its body does not hash to its Cid header.
	junk := nats.NewMsg("event.store.a-1.Tick")
	junk.Header.Set("Cid", leaves[0].String())
	junk.Data = []byte("junk")
	js, err := jetstream.New(f.nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.PublishMsg(ctx, junk); err != nil {
		t.Fatal(err)
	}
	res, err := f.log.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Published || res.N != 300 || res.Rejected != 1 {
		t.Fatalf("checkpoint: published %v size %d rejected %d", res.Published, res.N, res.Rejected)
	}
	if res.Hash != refRoot(t, leaves) {
		t.Fatal("root differs from x/mod/tlog's over the events' CIDs")
	}
	first := res.Checkpoint
	// Nothing new: nothing published.
	again, err := f.log.Checkpoint(ctx)
	if err != nil || again.Published || again.N != 300 {
		t.Fatalf("second checkpoint without new events: %+v %v", again, err)
	}
	leaves = append(leaves, f.appendN(t, 333, 5, "b")...)
	res, err = f.log.Checkpoint(ctx)
	if err != nil || res.N != 633 {
		t.Fatalf("third checkpoint: %v %v", res, err)
	}
	if res.Hash != refRoot(t, leaves) {
		t.Fatal("root after the second batch differs from the reference")
	}
	// A reader with only the verifier key proves what the writer logged.
	r := f.open(t, false)
	latest, err := r.Latest(ctx)
	if err != nil || latest.N != 633 {
		t.Fatalf("latest: %v %v", latest, err)
	}
	for _, i := range []int{0, 1, 255, 256, 299, 300, 450, 632} {
		idx, p, err := r.Prove(ctx, latest, leaves[i])
		if err != nil || idx != int64(i) {
			t.Fatalf("prove leaf %d: index %d, %v", i, idx, err)
		}
		if err := tlog.CheckRecord(p, latest.N, latest.Hash, idx, tlog.RecordHash(leaves[i].Bytes())); err != nil {
			t.Fatalf("leaf %d: %v", i, err)
		}
	}
	if _, _, err := r.Prove(ctx, latest, cid.MustParse("bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")); !errors.Is(err, translog.ErrNotLeaf) {
		t.Fatalf("a CID that is no event: %v, want ErrNotLeaf", err)
	}
	old, err := r.BySize(ctx, 300)
	if err != nil || old.Hash != first.Hash {
		t.Fatalf("by size 300: %v %v", old, err)
	}
	proof, oldRoot, err := r.Consistency(ctx, latest, 300)
	if err != nil || oldRoot != first.Hash {
		t.Fatalf("consistency: %v", err)
	}
	if err := tlog.CheckTree(proof, latest.N, latest.Hash, 300, first.Hash); err != nil {
		t.Fatal(err)
	}
	st, err := translog.LoadState(ctx, f.objs, latest.State)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Heads) != 12 || st.Seq != latest.Seq || st.Size != 633 {
		t.Fatalf("state: %d heads, seq %d, size %d", len(st.Heads), st.Seq, st.Size)
	}
	for _, h := range st.Heads {
		head, err := f.es.Head(ctx, h.AggregateID)
		if err != nil || !head.CID.Equals(h.CID) || head.Seq != h.Seq {
			t.Fatalf("state head of %s: %v, store says %v (%v)", h.AggregateID, h.CID, head, err)
		}
	}
	// A fresh writer (another process) continues from the stored checkpoint.
	leaves = append(leaves, f.appendN(t, 10, 3, "c")...)
	res, err = f.open(t, true).Checkpoint(ctx)
	if err != nil || res.N != 643 || res.Hash != refRoot(t, leaves) {
		t.Fatalf("fresh writer: %v %v", res, err)
	}
}

// Two checkpointers racing store one checkpoint per tree size, sizes increasing.
func TestRacingCheckpointers(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	f := newFixture(t, srv, "")
	logs := []*translog.Log{f.log, f.open(t, true), f.open(t, true)}
	var wg sync.WaitGroup
	for round := range 5 {
		f.appendN(t, 50, 4, fmt.Sprint("r", round))
		for _, l := range logs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := l.Checkpoint(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	sizes := map[int64]int{}
	var last int64 = -1
	err := f.open(t, false).Checkpoints(ctx, func(cp *translog.Checkpoint, err error) error {
		if err != nil {
			return err
		}
		sizes[cp.N]++
		if cp.N <= last {
			t.Errorf("size %d after %d", cp.N, last)
		}
		last = cp.N
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if last != 250 {
		t.Fatalf("latest size %d, want 250", last)
	}
	for n, k := range sizes {
		if k != 1 {
			t.Errorf("%d checkpoints of size %d", k, n)
		}
	}
}

// A witness that cosigned the empty log (serve checkpoints an empty store at once) cosigns
// the next checkpoint: the empty tree is a prefix of every tree, with no proof to fetch.
func TestWitnessFromEmptyLog(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	f := newFixture(t, srv, "")
	w := newTestWitness(t, f)
	for round, n := range []int{0, 3} {
		f.appendN(t, n, 1, "e")
		res, err := f.log.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ok, err := w.Observe(ctx, res.Checkpoint)
		if err != nil || !ok {
			t.Fatalf("round %d (size %d): cosigned %v, %v", round, res.N, ok, err)
		}
	}
	if p, root, err := f.log.Consistency(ctx, w.Held(), 0); err != nil || len(p) != 0 || root != (tlog.Hash{0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55}) {
		t.Fatalf("consistency from 0: %v %v %v", p, root, err)
	}
}

// A long-running reader (serve's HTTP log, the window) caches the tiles it read. When the
// store is rebuilt with other history and a new log, the cached tiles no longer check
// against the new checkpoint's root: the reader reads them again from the bucket and proves
// against the new log instead of failing.
func TestReaderCacheFollowsRebuiltLog(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	f := newFixture(t, srv, "")
	first := f.appendN(t, 300, 3, "a")
	if _, err := f.log.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	r := f.open(t, false)
	cp1, err := r.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []int64{10, 299} { // in a full entry bundle and in the partial one
		if i, _, err := r.Prove(ctx, cp1, first[k]); err != nil || i != k {
			t.Fatalf("first proof of leaf %d: %d %v", k, i, err)
		}
	}
	js, _ := jetstream.New(f.nc)
	logtest.RestoreStream(t, js, nil)
	for _, s := range []string{translog.CheckpointStream, "KV_" + translog.TileBucket} {
		if err := js.DeleteStream(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	second := f.appendN(t, 300, 3, "b")
	if res, err := f.open(t, true).Checkpoint(ctx); err != nil || res.N != 300 {
		t.Fatalf("checkpoint of the rebuilt store: %v %v", res, err)
	}
	cp2, err := r.Latest(ctx)
	if err != nil || cp2.N != 300 || cp2.Hash == cp1.Hash {
		t.Fatalf("the rebuilt log's checkpoint: %v %v", cp2, err)
	}
	for _, k := range []int64{10, 299} {
		i, p, err := r.Prove(ctx, cp2, second[k])
		if err != nil || i != k {
			t.Fatalf("proof of leaf %d in the rebuilt log by the reader that cached the old tiles: %d %v", k, i, err)
		}
		if err := tlog.CheckRecord(p, cp2.N, cp2.Hash, i, tlog.RecordHash(second[k].Bytes())); err != nil {
			t.Fatal(err)
		}
	}
}

// A witness daemon (Run without once) whose first pass cannot read the log (the server gone,
// as during an election at start) keeps polling instead of ending, and ends without an error
// when it is stopped; with once the same pass is an error.
func TestWitnessDaemonOutlivesAFailedFirstPass(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	f := newFixture(t, srv, "")
	f.appendN(t, 3, 1, "e")
	if _, err := f.log.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	w := newTestWitness(t, f)
	srv.Shutdown() // every read of the log fails from now on
	if _, err := w.Run(ctx, true, 20*time.Millisecond); err == nil {
		t.Fatal("witness --once with the server gone: no error")
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { _, err := w.Run(rctx, false, 20*time.Millisecond); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("the daemon ended after a failed first pass: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the daemon stopped with %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the daemon did not stop with its context")
	}
}
