package store

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"

	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// An import by a process that trusts a verified checkpoint (TrustHeads) reads and verifies
// only the messages after it: events before it are found through the CID index. It still
// refuses a fork and an unknown parent, finds what is already stored, and refuses an event
// whose message ID a rejected message stored within the duplicate window before the
// checkpoint holds.
func TestCARImportFromCheckpoint(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	es := objEvents(t, srv)
	const aggs, perAgg = 8, 150
	agg := func(a int) string { return "acct-" + strconv.Itoa(a) }
	first := make([]*StoredEvent, aggs)
	heads := make(map[string]*StoredEvent)
	var prev *StoredEvent
	for i := range aggs * perAgg {
		var parents []cid.Cid
		if prev != nil {
			parents = []cid.Cid{prev.CID}
		}
		ev, err := es.Append(ctx, agg(i%aggs), "Moved", []byte(strconv.Itoa(i)), parents...)
		if err != nil {
			t.Fatal(err)
		}
		if first[i%aggs] == nil {
			first[i%aggs] = ev
		}
		heads[ev.AggregateID], prev = ev, ev
	}
	// A raw client squats the message ID of an event that a file will carry.
	squatted, squattedData := testEventBlock(t, block.Event{AggregateID: "squat", EventType: "T", Payload: []byte("s"), Timestamp: 9})
	nc := srv.Connect(t)
	if err := nc.PublishMsg(&nats.Msg{Subject: SubjectFor("squat", "T"), Header: nats.Header{HeaderMsgID: []string{squatted.String()}}, Data: []byte("junk")}); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := es.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	v := NewVerifier()
	last, err := es.Scan(ctx, v, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	rp := ResumePoint{Seq: last, Heads: v.Heads()}
	const after = 10
	for i := range after {
		ev, err := es.Append(ctx, agg(0), "Moved", []byte("after "+strconv.Itoa(i)))
		if err != nil {
			t.Fatal(err)
		}
		heads[ev.AggregateID] = ev
	}
	if err := es.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	// The file: acct-1's next event with a parent long before the checkpoint, a new
	// aggregate on acct-0's head after it, and acct-2's first event, already stored.
	next, nextData := testEventBlock(t, block.Event{AggregateID: agg(1), EventType: "Moved", Payload: []byte("imported"), PreviousCID: heads[agg(1)].CID, ParentCIDs: []cid.Cid{first[5].CID}, Timestamp: 1})
	fresh, freshData := testEventBlock(t, block.Event{AggregateID: "fresh", EventType: "Moved", Payload: []byte("imported"), ParentCIDs: []cid.Cid{heads[agg(0)].CID}, Timestamp: 2})
	good := writeCAR(t, []cid.Cid{next, fresh}, []cid.Cid{next, fresh, first[2].CID}, [][]byte{nextData, freshData, eventBlock(t, first[2])})
	fork, forkData := testEventBlock(t, block.Event{AggregateID: agg(3), EventType: "Moved", Payload: []byte("fork"), PreviousCID: first[3].CID, Timestamp: 3})
	missing, _ := testEventBlock(t, block.Event{AggregateID: "nowhere", EventType: "T", Timestamp: 4})
	orphan, orphanData := testEventBlock(t, block.Event{AggregateID: agg(4), EventType: "Moved", PreviousCID: heads[agg(4)].CID, ParentCIDs: []cid.Cid{missing}, Timestamp: 5})

	nc2 := srv.Connect(t)
	es2, err := OpenEvents(ctx, nc2, EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	objs2 := objOpen(t, srv, ObjectStoreConfig{EventExists: es2.Exists})
	es2.TrustHeads(rp)
	for _, c := range []struct {
		name string
		path string
		want error
	}{
		{"a fork before the checkpoint's head", writeCAR(t, []cid.Cid{fork}, []cid.Cid{fork}, [][]byte{forkData}), ErrConflict},
		{"an unknown parent", writeCAR(t, []cid.Cid{orphan}, []cid.Cid{orphan}, [][]byte{orphanData}), ErrUnknownParent},
		{"a squatted message ID", writeCAR(t, []cid.Cid{squatted}, []cid.Cid{squatted}, [][]byte{squattedData}), ErrDuplicateMsgID},
	} {
		if _, err := importFrom(t, c.path, es2, objs2); !errors.Is(err, c.want) {
			t.Errorf("import of %s: %v, want %v", c.name, err, c.want)
		}
	}
	before := nc2.Stats()
	st, err := importFrom(t, good, es2, objs2)
	if err != nil {
		t.Fatal(err)
	}
	received := nc2.Stats().InMsgs - before.InMsgs
	if st.MessagesRead != after || st.Events != 2 || st.EventsPresent != 1 {
		t.Errorf("import after a trusted checkpoint: %+v, want %d messages verified, 2 events appended, 1 present", st, after)
	}
	// The messages after the checkpoint, the headers of the duplicate window (the whole
	// stream here: it is younger than two minutes), look-ups and appends; reading from
	// the start would receive the 1,201 messages again in full.
	t.Logf("import after a checkpoint at seq %d: %d messages received, %d verified", rp.Seq, received, st.MessagesRead)

	// Everything still verifies: the squat is the one rejected message.
	rejected := 0
	rv, _, err := es.Replay(ctx, ReplayOptions{}, func(r Record) error {
		if r.Rejected != nil {
			rejected++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rejected != 1 {
		t.Errorf("%d rejected messages, want the squat", rejected)
	}
	for _, c := range []cid.Cid{next, fresh} {
		if _, ok := rv.Seq(c); !ok {
			t.Errorf("imported event %s is not in the stream", c)
		}
	}
}
