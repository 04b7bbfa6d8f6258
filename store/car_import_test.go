package store

import (
	"context"
	"errors"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// testEventBlock encodes an event for a test CAR.
func testEventBlock(t *testing.T, ev block.Event) (cid.Cid, []byte) {
	t.Helper()
	data, c, err := ev.Block()
	if err != nil {
		t.Fatal(err)
	}
	return c, data
}

// Import is all or nothing: each of these files holds a good event before the bad block, and
// the import refuses it in its first pass, with the right sentinel, before anything is
// written.
func TestCARImportAllOrNothing(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	es := objEvents(t, srv)
	objs := objOpen(t, srv, ObjectStoreConfig{EventExists: es.Exists})
	stored, err := es.Append(ctx, "acct", "Opened", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := es.Append(ctx, "acct", "Credited", nil); err != nil { // the head is past stored
		t.Fatal(err)
	}
	obj, err := objs.Store(ctx, "an object", cid.Undef)
	if err != nil {
		t.Fatal(err)
	}

	okC, okD := testEventBlock(t, block.Event{AggregateID: "fresh", EventType: "T", Payload: []byte("small"), Timestamp: 1})
	bigC, bigD := testEventBlock(t, block.Event{AggregateID: "fresh", EventType: "T", Payload: make([]byte, 3<<19), PreviousCID: okC, Timestamp: 2})
	forkAC, forkAD := testEventBlock(t, block.Event{AggregateID: "fresh", EventType: "A", PreviousCID: okC, Timestamp: 3})
	forkBC, forkBD := testEventBlock(t, block.Event{AggregateID: "fresh", EventType: "B", PreviousCID: okC, Timestamp: 4})
	secondFirstC, secondFirstD := testEventBlock(t, block.Event{AggregateID: "acct", EventType: "Opened", Timestamp: 5})
	otherAggC, otherAggD := testEventBlock(t, block.Event{AggregateID: "other", EventType: "T", PreviousCID: okC, Timestamp: 6})
	staleC, staleD := testEventBlock(t, block.Event{AggregateID: "acct", EventType: "T", PreviousCID: stored.CID, Timestamp: 7})
	link := func(from, to cid.Cid) (cid.Cid, []byte) {
		data, c, err := linkRecord(from, to, LinkReferences, 8)
		if err != nil {
			t.Fatal(err)
		}
		return c, data
	}
	missing := block.SumCodec(block.CodecRaw, []byte("nowhere"))
	danglingC, danglingD := link(obj, missing)
	selfC, selfD := link(obj, obj)

	cases := []struct {
		name   string
		blocks []cid.Cid
		datas  [][]byte
		want   error
	}{
		{"payload over the server's max", []cid.Cid{okC, bigC}, [][]byte{okD, bigD}, ErrPayloadTooLarge},
		{"fork inside the file", []cid.Cid{okC, forkAC, forkBC}, [][]byte{okD, forkAD, forkBD}, ErrInvalidInput},
		{"second first event of a stored aggregate", []cid.Cid{okC, secondFirstC}, [][]byte{okD, secondFirstD}, ErrConflict},
		{"previous event of another aggregate", []cid.Cid{okC, otherAggC}, [][]byte{okD, otherAggD}, ErrInvalidInput},
		{"previous event that is not the head", []cid.Cid{okC, staleC}, [][]byte{okD, staleD}, ErrConflict},
		{"link to nothing", []cid.Cid{okC, danglingC}, [][]byte{okD, danglingD}, ErrInvalidInput},
		{"link to itself", []cid.Cid{okC, selfC}, [][]byte{okD, selfD}, ErrInvalidInput},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, err := es.LastSeq(ctx)
			if err != nil {
				t.Fatal(err)
			}
			entries, err := objs.entries(ctx)
			if err != nil {
				t.Fatal(err)
			}
			path := writeCAR(t, []cid.Cid{tc.blocks[0]}, tc.blocks, tc.datas)
			st, err := importFrom(t, path, es, objs)
			if !errors.Is(err, tc.want) {
				t.Fatalf("import: %+v, %v; want %v", st, err, tc.want)
			}
			after, err := es.LastSeq(ctx)
			if err != nil {
				t.Fatal(err)
			}
			now, err := objs.entries(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if after != before || len(now) != len(entries) || st.Events != 0 || st.Blocks != 0 {
				t.Fatalf("a refused import wrote: stream %d -> %d, bucket %d -> %d entries, stats %+v", before, after, len(entries), len(now), st)
			}
		})
	}
	// The good event alone imports.
	path := writeCAR(t, []cid.Cid{okC}, []cid.Cid{okC}, [][]byte{okD})
	if st, err := importFrom(t, path, es, objs); err != nil || st.Events != 1 {
		t.Fatalf("import of the good event: %+v, %v", st, err)
	}
}

// An event that fits the server's max payload only without the expected-sequence headers is
// refused as ErrPayloadTooLarge before it is sent (the server would refuse it with a
// different error), and one that fits with them is stored.
func TestAppendPayloadLimitCountsHeaders(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	es := objEvents(t, srv)
	size := func(n int) int {
		m, _, err := EventMessage(&block.Event{AggregateID: "lim", EventType: "T", Payload: make([]byte, n), Timestamp: 1})
		if err != nil {
			t.Fatal(err)
		}
		return MessageSize(m)
	}
	n := 1 << 19
	n += es.maxPayload - size(n) // the message without the check's headers is exactly the max
	if size(n) != es.maxPayload {
		t.Fatalf("sizing: %d, want %d", size(n), es.maxPayload)
	}
	_, err := es.AppendEvent(ctx, NewEvent{AggregateID: "lim", EventType: "T", Payload: make([]byte, n), Timestamp: 1})
	if !errors.Is(err, ErrPayloadTooLarge) {
		t.Fatalf("append at the max without headers: %v, want ErrPayloadTooLarge", err)
	}
	fits := n - expectHeadersSize("lim")
	if _, err := es.AppendEvent(ctx, NewEvent{AggregateID: "lim", EventType: "T", Payload: make([]byte, fits), Timestamp: 2}); err != nil {
		t.Fatalf("append that fits with its headers: %v", err)
	}
}
