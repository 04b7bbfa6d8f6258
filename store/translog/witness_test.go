package translog_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
	"github.com/jetdag/jetdag/store/translog"
	"github.com/jetdag/jetdag/store/translog/logtest"
)

// The witness's half of the adversarial suite: after it cosigned a checkpoint, the store is
// restored from a partial backup, rebuilt with other history of the same length, or shown
// with another checkpoint of the same size; each time the log is checkpointed afresh with the
// same key, and the witness refuses.
func TestWitnessRefusesTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, f *fixture, js jetstream.JetStream, msgs []*jetstream.RawStreamMsg)
		want   string
	}{
		{"partial backup, then new events", func(t *testing.T, f *fixture, js jetstream.JetStream, msgs []*jetstream.RawStreamMsg) {
			var part []*jetstream.RawStreamMsg
			for _, m := range msgs {
				if m.Sequence <= 20 || m.Header.Get(store.HeaderAggregateID) != "w-1" {
					part = append(part, m)
				}
			}
			logtest.RestoreStream(t, js, part)
			f.appendN(t, 30, 3, "late")
		}, "does not extend"},
		{"other history of the same length", func(t *testing.T, f *fixture, js jetstream.JetStream, _ []*jetstream.RawStreamMsg) {
			logtest.RestoreStream(t, js, nil)
			f.appendN(t, 40, 4, "other")
		}, "two checkpoints of size 40"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			srv := storetest.Start(t)
			f := newFixture(t, srv, "")
			f.appendN(t, 40, 4, "w")
			w := newTestWitness(t, f)
			res, err := f.log.Checkpoint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := w.Observe(ctx, res.Checkpoint); !ok || err != nil {
				t.Fatalf("first cosignature: %v %v", ok, err)
			}
			js, _ := jetstream.New(f.nc)
			c.tamper(t, f, js, logtest.StreamMessages(t, js))
			for _, s := range []string{translog.CheckpointStream, "KV_" + translog.TileBucket} {
				if err := js.DeleteStream(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			res, err = f.open(t, true).Checkpoint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_, err = w.Observe(ctx, res.Checkpoint)
			if !errors.Is(err, translog.ErrRefused) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("witness over the tampered store: %v, want a refusal naming %q", err, c.want)
			}
			if _, err := w.Observe(ctx, res.Checkpoint); !errors.Is(err, translog.ErrHalted) {
				t.Fatalf("after a refusal: %v, want ErrHalted", err)
			}
		})
	}
}

func newTestWitness(t *testing.T, f *fixture) *translog.Witness {
	t.Helper()
	return logtest.NewWitnessKey(t, "witness.example").Witness(t, f.open(t, false), f.vkey)
}

// A polling witness cosigns every checkpoint stored between two polls, not only the newest,
// each checked against the one cosigned before it.
func TestWitnessPollCosignsEveryCheckpoint(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := storetest.Start(t)
	f := newFixture(t, srv, "")
	f.appendN(t, 10, 2, "p")
	if _, err := f.log.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	wk := logtest.NewWitnessKey(t, "poller.example")
	wv := wk.Verifier
	w := wk.Witness(t, f.open(t, false), f.vkey)
	rctx, stop := context.WithCancel(ctx)
	done := make(chan int)
	go func() {
		n, _ := w.Run(rctx, false, 2*time.Second)
		done <- n
	}()
	// Three checkpoints well within one poll interval.
	var sizes []*translog.Checkpoint
	for i := range 3 {
		f.appendN(t, 5+i, 2, fmt.Sprint("q", i))
		res, err := f.log.Checkpoint(ctx)
		if err != nil || !res.Published {
			t.Fatalf("checkpoint %d: %v %v", i, res, err)
		}
		sizes = append(sizes, res.Checkpoint)
	}
	js, _ := jetstream.New(f.nc)
	cps, err := js.Stream(ctx, translog.CheckpointStream)
	if err != nil {
		t.Fatal(err)
	}
	for _, cp := range sizes {
		for !cosignedCopy(ctx, t, cps, cp, wv) {
			if ctx.Err() != nil {
				t.Fatalf("no cosigned copy of the checkpoint of size %d", cp.N)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	stop()
	if n := <-done; n != 4 {
		t.Fatalf("cosigned %d checkpoints, want 4 (the first and the three between polls)", n)
	}
}

// cosignedCopy reports whether event.checkpoint.cosigned holds cp cosigned by w.
func cosignedCopy(ctx context.Context, t *testing.T, cps jetstream.Stream, cp *translog.Checkpoint, w note.Verifier) bool {
	t.Helper()
	info, err := cps.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := cps.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		if m.Subject == translog.CosignedSubject && translog.Cosigned(m.Data, cp, w) {
			return true
		}
	}
	return false
}

// A checkpoint the witness cannot check ends the pass: the ones after it are not cosigned
// before it (with --once the run fails naming it), and once its tiles read again the next
// poll cosigns it and then the later ones, in order.
func TestWitnessStopsAtUncheckedCheckpoint(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := storetest.Start(t)
	f := newFixture(t, srv, "")
	var cps []*translog.Checkpoint
	for i := range 3 {
		f.appendN(t, 6, 2, fmt.Sprint("u", i))
		res, err := f.log.Checkpoint(ctx)
		if err != nil || !res.Published {
			t.Fatalf("checkpoint %d: %v %v", i, res, err)
		}
		cps = append(cps, res.Checkpoint)
	}
	a, b, c := cps[0], cps[1], cps[2]
	wk := logtest.NewWitnessKey(t, "stopper.example")
	wv := wk.Verifier
	var faults atomic.Int32 // how many more checks of b fail
	var mu sync.Mutex
	var order []int64
	cfg := wk.Config(t, f.vkey, t.TempDir())
	cfg.OnCosign = func(cp *translog.Checkpoint) { mu.Lock(); order = append(order, cp.N); mu.Unlock() }
	cfg = translog.WithProofFault(cfg, func(cp *translog.Checkpoint) error {
		if cp.N == b.N && faults.Add(-1) >= 0 {
			return errors.New("tile unreadable (injected)")
		}
		return nil
	})

	faults.Store(1)
	w, err := translog.NewWitness(f.open(t, false), cfg)
	if err != nil {
		t.Fatal(err)
	}
	n, err := w.Run(ctx, true, time.Second)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("size %d", b.N)) {
		t.Fatalf("run --once over an unreadable checkpoint: %v, want an error naming size %d", err, b.N)
	}
	if n != 1 || w.Held().N != a.N {
		t.Fatalf("cosigned %d, holding size %d; want 1 and size %d (nothing after the unchecked one)", n, w.Held().N, a.N)
	}

	// A polling witness over the same state: its first pass fails at b again, the next
	// cosigns b, then c.
	faults.Store(1)
	mu.Lock()
	order = nil
	mu.Unlock()
	w, err = translog.NewWitness(f.open(t, false), cfg)
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan int)
	go func() {
		n, _ := w.Run(rctx, false, 100*time.Millisecond)
		done <- n
	}()
	js, _ := jetstream.New(f.nc)
	st, err := js.Stream(ctx, translog.CheckpointStream)
	if err != nil {
		t.Fatal(err)
	}
	for _, cp := range []*translog.Checkpoint{b, c} {
		for !cosignedCopy(ctx, t, st, cp, wv) {
			if ctx.Err() != nil {
				t.Fatalf("no cosigned copy of the checkpoint of size %d", cp.N)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	stop()
	if n := <-done; n != 2 {
		t.Fatalf("cosigned %d checkpoints, want 2", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(order) != fmt.Sprint([]int64{b.N, c.N}) {
		t.Fatalf("cosigned sizes %v, want %d then %d", order, b.N, c.N)
	}
}

// A cosignature whose publish fails is published when the witness sees the checkpoint again
// (the held checkpoint is recorded before the publish, so it is not cosigned twice), and a
// witness restarted over that state publishes it too, but only when it is not on the stream.
func TestWitnessRepublishesAfterFailedPublish(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := storetest.Start(t)
	f := newFixture(t, srv, "")
	f.appendN(t, 8, 2, "r")
	res, err := f.log.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cp := res.Checkpoint
	wk := logtest.NewWitnessKey(t, "republisher.example")
	wv := wk.Verifier
	cfg := wk.Config(t, f.vkey, t.TempDir())
	newWitness := func() *translog.Witness {
		w, err := translog.NewWitness(f.open(t, false), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	js, _ := jetstream.New(f.nc)
	st, err := js.Stream(ctx, translog.CheckpointStream)
	if err != nil {
		t.Fatal(err)
	}
	subjects := func(s ...string) {
		t.Helper()
		info, err := st.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c := info.Config
		c.Subjects = s
		if _, err := js.UpdateStream(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	copies := func() int {
		t.Helper()
		info, err := st.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
			m, err := st.GetMsg(ctx, seq)
			if err == nil && m.Subject == translog.CosignedSubject && translog.Cosigned(m.Data, cp, wv) {
				n++
			}
		}
		return n
	}

	// The cosigned subject is in no stream: the publish fails.
	subjects(translog.CheckpointSubject)
	w := newWitness()
	if _, err := w.Observe(ctx, cp); err == nil {
		t.Fatal("observe with the cosigned subject in no stream: no error, want a publish error")
	}
	subjects(translog.CheckpointSubject, translog.CosignedSubject)
	if ok, err := w.Observe(ctx, cp); !ok || err != nil {
		t.Fatalf("observe again: %v %v, want the cosignature published", ok, err)
	}
	if n := copies(); n != 1 {
		t.Fatalf("%d cosigned copies on the stream, want 1", n)
	}
	if ok, err := w.Observe(ctx, cp); ok || err != nil {
		t.Fatalf("observe once published: %v %v, want nothing done", ok, err)
	}

	// Stopped after recording the held checkpoint and before the publish: a witness
	// restarted over that state publishes it; one restarted after that does not again.
	subjects(translog.CheckpointSubject)
	f.appendN(t, 4, 2, "s")
	if res, err = f.log.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	cp = res.Checkpoint
	if ok, err := w.Observe(ctx, cp); ok || err == nil {
		t.Fatalf("observe a newer checkpoint with the publish failing: %v %v", ok, err)
	}
	subjects(translog.CheckpointSubject, translog.CosignedSubject)
	w = newWitness()
	if w.Held().N != cp.N {
		t.Fatalf("restarted witness holds size %d, want %d", w.Held().N, cp.N)
	}
	if n, err := w.Run(ctx, true, time.Second); n != 1 || err != nil {
		t.Fatalf("restarted witness: cosigned %d, %v; want 1", n, err)
	}
	if n := copies(); n != 1 {
		t.Fatalf("%d cosigned copies of size %d on the stream, want 1", n, cp.N)
	}
	if n, err := newWitness().Run(ctx, true, time.Second); n != 0 || err != nil {
		t.Fatalf("witness restarted once published: cosigned %d, %v; want 0", n, err)
	}
	if n := copies(); n != 1 {
		t.Fatalf("%d cosigned copies of size %d after another restart, want 1", n, cp.N)
	}
}
