package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"

	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// seedCAR writes a small CAR in memory: a chain of two events, a second aggregate naming the
// first as a parent, an object and a link record.
func seedCAR(f *testing.F, withLink bool) []byte {
	f.Helper()
	var buf bytes.Buffer
	e0 := block.Event{AggregateID: "fz", EventType: "T", Payload: []byte("0"), Timestamp: 1}
	d0, c0, err := e0.Block()
	if err != nil {
		f.Fatal(err)
	}
	e1 := block.Event{AggregateID: "fz", EventType: "T", Payload: []byte("1"), PreviousCID: c0, Timestamp: 2}
	d1, c1, err := e1.Block()
	if err != nil {
		f.Fatal(err)
	}
	e2 := block.Event{AggregateID: "other", EventType: "U", ParentCIDs: []cid.Cid{c1}, Timestamp: 3}
	d2, c2, err := e2.Block()
	if err != nil {
		f.Fatal(err)
	}
	obj := block.Object{Data: "an object", Timestamp: 4}
	do, co, err := obj.Block()
	if err != nil {
		f.Fatal(err)
	}
	blocks := []cid.Cid{c0, c1, c2, co}
	datas := [][]byte{d0, d1, d2, do}
	if withLink {
		dl, cl, err := linkRecord(co, c2, LinkReferences, 5)
		if err != nil {
			f.Fatal(err)
		}
		blocks, datas = append(blocks, cl), append(datas, dl)
	}
	w, err := storage.NewWritable(&buf, []cid.Cid{c2}, carv2.WriteAsCarV1(true))
	if err != nil {
		f.Fatal(err)
	}
	for i, c := range blocks {
		if err := w.Put(context.Background(), c.KeyString(), datas[i]); err != nil {
			f.Fatal(err)
		}
	}
	return buf.Bytes()
}

// FuzzImportCAR feeds arbitrary files to ImportCAR against one real server. None may panic or
// hang; a refused file fails with one of the import's sentinel errors and changes nothing
// (all or nothing: the stream's last sequence and the bucket's entries are as before); an
// accepted one leaves a stream that replays without a rejection.
func FuzzImportCAR(f *testing.F) {
	f.Add(seedCAR(f, true))
	f.Add(seedCAR(f, false))
	f.Add([]byte("not a CAR"))
	f.Add([]byte{})
	srv := storetest.Start(f)
	es := objEvents(f, srv)
	objs := objOpen(f, srv, ObjectStoreConfig{EventExists: es.Exists, EventLookup: es.Get})
	sentinels := []error{ErrInvalidInput, ErrCorrupt, ErrUnknownParent, ErrPayloadTooLarge, ErrConflict, ErrNotFound}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		before, err := es.LastSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := objs.entries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, ierr := ImportCAR(ctx, bytes.NewReader(data), es, objs)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("import of %d bytes took %s: %v", len(data), d, ierr)
		}
		after, err := es.LastSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		now, err := objs.entries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ierr != nil {
			known := false
			for _, s := range sentinels {
				known = known || errors.Is(ierr, s)
			}
			if !known {
				t.Fatalf("import failed with no sentinel error: %v", ierr)
			}
			if after != before || len(now) != len(entries) {
				t.Fatalf("a refused import (%v) wrote: stream %d -> %d, bucket %d -> %d entries", ierr, before, after, len(entries), len(now))
			}
			return
		}
		if _, st, err := es.Replay(ctx, ReplayOptions{}, nil); err != nil || st.Rejected != 0 {
			t.Fatalf("after an accepted import: %+v, %v", st, err)
		}
	})
}
