package store

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/storetest"
)

func seqValue(seq uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seq)
	return b[:]
}

// The CID index is a cache: entries written wrong into the real bucket (a wrong sequence, a
// sequence that does not exist, a 4-byte value, a huge watermark) never make Get fail or miss
// an event; verify (CheckIndex) counts each, and RepairIndex puts every one right.
func TestIndexTampered(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	writer := objEvents(t, srv)
	var evs []*StoredEvent
	for i := range 4 {
		ev, err := writer.Append(ctx, "x", "E", []byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	if _, err := objEvents(t, srv).Get(ctx, evs[3].CID); err != nil { // indexes the tail
		t.Fatal(err)
	}
	js, err := jetstream.New(srv.Connect(t))
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(ctx, IndexBucket)
	if err != nil {
		t.Fatal(err)
	}
	put := func(key string, val []byte) {
		t.Helper()
		if _, err := kv.Put(ctx, key, val); err != nil {
			t.Fatal(err)
		}
	}
	checkIndex := func(es *JetStreamEvents, repair bool) ReplayStats {
		t.Helper()
		_, st, err := es.Replay(ctx, ReplayOptions{CheckIndex: true, RepairIndex: repair}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	entrySeq := func(key string) (uint64, int) {
		t.Helper()
		e, err := kv.Get(ctx, key)
		if err != nil {
			t.Fatalf("index entry %s: %v", key, err)
		}
		if len(e.Value()) != 8 {
			return 0, len(e.Value())
		}
		return binary.BigEndian.Uint64(e.Value()), 8
	}
	if st := checkIndex(objEvents(t, srv), false); st.IndexBad != 0 {
		t.Fatalf("an untouched index has %d bad entries", st.IndexBad)
	}

	tampers := []struct {
		name string
		do   func()
	}{
		{"wrong sequence", func() { put(evs[0].CID.String(), seqValue(evs[1].Seq)) }},
		{"sequence past the end", func() { put(evs[0].CID.String(), seqValue(999)) }},
		{"4-byte value", func() { put(evs[0].CID.String(), []byte{0, 0, 0, 1}) }},
	}
	for _, tc := range tampers {
		t.Run(tc.name, func(t *testing.T) {
			tc.do()
			if st := checkIndex(objEvents(t, srv), false); st.IndexBad != 1 {
				t.Fatalf("verify counts %d bad index entries, want 1", st.IndexBad)
			}
			got, err := objEvents(t, srv).Get(ctx, evs[0].CID)
			if err != nil || got.Seq != evs[0].Seq {
				t.Fatalf("get through a tampered entry: %v, %v", got, err)
			}
			if seq, _ := entrySeq(evs[0].CID.String()); seq != evs[0].Seq {
				t.Fatalf("get left the entry at %d, want %d", seq, evs[0].Seq)
			}
		})
	}

	t.Run("huge watermark", func(t *testing.T) {
		put(watermarkKey, seqValue(1<<62))
		if st := checkIndex(objEvents(t, srv), false); st.IndexBad != 1 {
			t.Fatalf("verify counts %d bad index entries, want 1 (the watermark)", st.IndexBad)
		}
		late, err := writer.Append(ctx, "x", "E", []byte("late"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := objEvents(t, srv).Get(ctx, late.CID)
		if err != nil || got.Seq != late.Seq {
			t.Fatalf("get of an event past a huge watermark: %v, %v", got, err)
		}
		if w, _ := entrySeq(watermarkKey); w != late.Seq {
			t.Fatalf("watermark %d after get, want %d", w, late.Seq)
		}
		evs = append(evs, late)
	})

	t.Run("repair", func(t *testing.T) {
		put(evs[0].CID.String(), seqValue(evs[2].Seq))
		put(evs[1].CID.String(), []byte("bad!"))
		if err := kv.Delete(ctx, evs[2].CID.String()); err != nil {
			t.Fatal(err)
		}
		put("not-a-cid", seqValue(1))
		put(watermarkKey, []byte{1})
		es := objEvents(t, srv)
		if st := checkIndex(es, false); st.IndexBad != 5 {
			t.Fatalf("verify counts %d bad index entries, want 5", st.IndexBad)
		}
		st := checkIndex(es, true)
		if st.IndexBad != 5 || st.IndexRepaired != 5 {
			t.Fatalf("repair: %d bad, %d repaired; want 5 and 5", st.IndexBad, st.IndexRepaired)
		}
		if st := checkIndex(objEvents(t, srv), false); st.IndexBad != 0 {
			t.Fatalf("after repair %d bad index entries", st.IndexBad)
		}
		for _, ev := range evs {
			if seq, n := entrySeq(ev.CID.String()); seq != ev.Seq {
				t.Errorf("entry of %s after repair: seq %d (%d bytes), want %d", ev.CID, seq, n, ev.Seq)
			}
		}
		if _, err := kv.Get(ctx, "not-a-cid"); err == nil {
			t.Error("repair left a stray key")
		}
		if w, _ := entrySeq(watermarkKey); w != evs[len(evs)-1].Seq {
			t.Errorf("watermark %d after repair, want %d", w, evs[len(evs)-1].Seq)
		}
	})
}
