package translog_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
	"github.com/jetdag/jetdag/store/translog"
)

// collect reads a feed until it is live and returns the records after seq.
func collect(t *testing.T, ch <-chan store.Record, after uint64) []store.Record {
	t.Helper()
	var out []store.Record
	timeout := time.After(20 * time.Second)
	for {
		select {
		case r, ok := <-ch:
			if !ok {
				t.Fatal("feed closed before it was live")
			}
			if (r.Event != nil || r.Rejected != nil) && r.Seq > after {
				out = append(out, r)
			}
			if r.CaughtUp {
				return out
			}
		case <-timeout:
			t.Fatal("feed never caught up")
		}
	}
}

// A feed resumed from a verified checkpoint's state gives exactly the records a full replay
// gives after that point: events, a fork attempt on an aggregate whose head is in the state
// block (rejected), and an event whose parent is older than the checkpoint (accepted, the
// parent looked up in the index).
func TestSubscribeResumeAt(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	f := newFixture(t, srv, "")
	before := f.appendN(t, 200, 4, "r")
	res, err := f.log.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	old, err := f.es.Get(ctx, before[3])
	if err != nil {
		t.Fatal(err)
	}
	// A fork: an event of an existing aggregate whose previous_cid is an older event.
	fork := &block.Event{AggregateID: old.AggregateID, EventType: "Fork", PreviousCID: old.CID, Timestamp: 1}
	msg, _, err := store.EventMessage(fork)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(f.nc)
	if _, err := js.PublishMsg(ctx, msg); err != nil {
		t.Fatal(err)
	}
	if _, err := f.es.Append(ctx, "r-new", "Tick", nil, before[0]); err != nil {
		t.Fatal(err)
	}
	f.appendN(t, 20, 3, "after")
	cp, err := f.open(t, false).Latest(ctx)
	if err != nil || cp.N != res.N {
		t.Fatalf("latest %v %v", cp, err)
	}
	rp, err := f.log.ResumePoint(ctx, cp)
	if err != nil {
		t.Fatal(err)
	}
	if rp.Seq != cp.Seq || len(rp.Heads) != 4 {
		t.Fatalf("resume point seq %d heads %d", rp.Seq, len(rp.Heads))
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full, err := f.es.Subscribe(rctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	resumed, err := f.es.Subscribe(rctx, 0, store.ResumeAt(rp))
	if err != nil {
		t.Fatal(err)
	}
	want, got := collect(t, full, cp.Seq), collect(t, resumed, cp.Seq)
	if len(want) != 22 || len(got) != len(want) {
		t.Fatalf("after the checkpoint: full replay %d records, resumed %d", len(want), len(got))
	}
	for i := range want {
		if want[i].Seq != got[i].Seq || (want[i].Event == nil) != (got[i].Event == nil) {
			t.Fatalf("record %d: full %+v, resumed %+v", i, want[i], got[i])
		}
	}
	if got[0].Rejected == nil || got[1].Event == nil {
		t.Fatalf("the fork should be rejected and the late child accepted: %+v %+v", got[0], got[1])
	}
}

// A checkpoint whose signature nobody checked is no point to resume from: one read by a Log
// opened without a Verifier, or parsed with ParseNote, is refused with ErrUnverified before
// anything is read, while the same note opened with the log's key resumes.
func TestResumePointRefusesUnverified(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	f := newFixture(t, srv, "")
	f.appendN(t, 30, 3, "u")
	if _, err := f.log.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	unchecked, err := translog.Open(ctx, f.nc, f.es, f.objs, translog.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := unchecked.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Verified() {
		t.Fatal("a Log without a Verifier returned a verified checkpoint")
	}
	parsed, err := translog.ParseNote(cp.Note)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*translog.Checkpoint{"Latest without a Verifier": cp, "ParseNote": parsed} {
		for lname, l := range map[string]*translog.Log{"unverifying log": unchecked, "verifying log": f.open(t, false)} {
			if _, err := l.ResumePoint(ctx, c); !errors.Is(err, translog.ErrUnverified) {
				t.Errorf("%s, on a %s: ResumePoint %v, want ErrUnverified", name, lname, err)
			}
		}
	}
	v, err := translog.NewVerifier(f.vkey)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := translog.OpenCheckpoint(cp.Note, v)
	if err != nil || !opened.Verified() {
		t.Fatalf("OpenCheckpoint: verified %v, %v", opened != nil && opened.Verified(), err)
	}
	if rp, err := unchecked.ResumePoint(ctx, opened); err != nil || rp.Seq != cp.Seq {
		t.Fatalf("the verified note: %+v, %v", rp, err)
	}
}
