package store

import (
	"bytes"
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// Structured values round-trip through object blocks exactly, in the data model's Go types.
func TestStructuredRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := objOpen(t, storetest.Start(t), ObjectStoreConfig{})
	file, err := s.PutReader(ctx, strings.NewReader("attachment"), cid.Undef)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		value any
		want  any // the value Get returns; nil means value itself
	}{
		{"null", nil, nil},
		{"bool", true, nil},
		{"int", int64(-42), nil},
		{"Go int", 7, int64(7)},
		{"big uint", uint64(math.MaxUint64), nil},
		{"float", 1.5, nil},
		{"string", "héllo", nil},
		{"bytes", []byte{0, 1, 2}, nil},
		{"link", file.Content, nil},
		{"list", []any{int64(1), "two", []any{}}, nil},
		{"map", map[string]any{"order": "o-17", "lines": []any{map[string]any{"sku": "A", "qty": int64(2)}}, "ref": file.CID}, nil},
		{"typed map", map[string]int{"a": 1}, map[string]any{"a": int64(1)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := s.Store(ctx, tc.value, cid.Undef)
			if err != nil {
				t.Fatal(err)
			}
			if c.Type() != cid.DagCBOR || c.Prefix().Version != 1 {
				t.Fatalf("object CID %s is not CIDv1 dag-cbor", c)
			}
			obj, err := s.Get(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want == nil {
				want = tc.value
			}
			if !reflect.DeepEqual(obj.Data, want) {
				t.Fatalf("got %#v, want %#v", obj.Data, want)
			}
			if obj.PreviousCID.Defined() || obj.Timestamp == 0 {
				t.Fatalf("previous %s, timestamp %d", obj.PreviousCID, obj.Timestamp)
			}
		})
	}
}

// Values outside the data model, oversized blocks and unknown previous versions are refused.
func TestStoreRefusals(t *testing.T) {
	ctx := context.Background()
	s := objOpen(t, storetest.Start(t), ObjectStoreConfig{})
	absent, err := objectCID("never stored", 1)
	if err != nil {
		t.Fatal(err)
	}
	fileRes, err := s.PutReader(ctx, strings.NewReader("x"), cid.Undef)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		value    any
		previous cid.Cid
		want     error
	}{
		{"channel", make(chan int), cid.Undef, ErrInvalidInput},
		{"NaN", math.NaN(), cid.Undef, ErrInvalidInput},
		{"too large", bytes.Repeat([]byte{1}, MaxObjectBlockSize), cid.Undef, ErrPayloadTooLarge},
		{"unknown previous", "v2", absent, ErrNotFound},
		{"previous is file content", "v2", fileRes.Content, ErrInvalidInput},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Store(ctx, tc.value, tc.previous); !errors.Is(err, tc.want) {
				t.Fatalf("store: %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := s.PutReader(ctx, strings.NewReader("x"), absent); !errors.Is(err, ErrNotFound) {
		t.Fatalf("put with an unknown previous: %v", err)
	}
	if _, err := s.PutFile(ctx, "/nonexistent/file", cid.Undef); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("put of a missing file: %v", err)
	}
}

// objectCID computes an object's CID without storing it.
func objectCID(value any, ts int64) (cid.Cid, error) {
	o := &block.Object{Data: value, Timestamp: ts}
	_, c, err := o.Block()
	return c, err
}

// Versions chain through previous_cid; the same inputs and timestamp give the same CID,
// stored once (the entries are not rewritten).
func TestVersionsAndStoredOnce(t *testing.T) {
	ctx := context.Background()
	s := objOpen(t, storetest.Start(t), ObjectStoreConfig{})
	v1, err := s.Store(ctx, map[string]any{"title": "draft"}, cid.Undef, WithTimestamp(100))
	if err != nil {
		t.Fatal(err)
	}
	v2, err := s.Store(ctx, map[string]any{"title": "final"}, v1, WithTimestamp(200))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, v2)
	if err != nil || !got.PreviousCID.Equals(v1) || got.Timestamp != 200 {
		t.Fatalf("v2 = %+v, %v", got, err)
	}
	data := seededBytes(t, 3<<19, "once")
	first, err := s.PutReader(ctx, bytes.NewReader(data), v2, WithTimestamp(300))
	if err != nil {
		t.Fatal(err)
	}
	before := entryNUIDs(t, s)
	again, err := s.PutReader(ctx, bytes.NewReader(data), v2, WithTimestamp(300))
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Fatalf("same inputs gave %+v then %+v", first, again)
	}
	sv, err := s.Store(ctx, map[string]any{"title": "final"}, v1, WithTimestamp(200))
	if err != nil || !sv.Equals(v2) {
		t.Fatalf("store again: %s, %v", sv, err)
	}
	after := entryNUIDs(t, s)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("entries were rewritten:\nbefore %v\nafter  %v", before, after)
	}
	other, err := s.PutReader(ctx, bytes.NewReader(data), v2, WithTimestamp(301))
	if err != nil || other.CID.Equals(first.CID) || !other.Content.Equals(first.Content) {
		t.Fatalf("another timestamp: %+v vs %+v (%v)", other, first, err)
	}
	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var listed []cid.Cid
	for _, oi := range list {
		if oi.Kind != KindObject || oi.Size <= 0 || oi.ModTime.IsZero() {
			t.Fatalf("list entry %+v", oi)
		}
		listed = append(listed, oi.CID)
	}
	want := []cid.Cid{v1, v2, first.CID, other.CID}
	if !reflect.DeepEqual(listed, want) {
		t.Fatalf("list gave %v, want the 4 objects %v", listed, want)
	}
	for _, c := range []cid.Cid{v1, first.Content} {
		if ok, err := s.Exists(ctx, c); !ok || err != nil {
			t.Fatalf("exists %s: %v, %v", c, ok, err)
		}
	}
	absent := objMust[cid.Cid](t)(objectCID("absent", 2))
	if ok, err := s.Exists(ctx, absent); ok || err != nil {
		t.Fatalf("exists of an absent CID: %v, %v", ok, err)
	}
	st, err := s.Stat(ctx, first.CID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Kind != KindObject || !st.Previous.Equals(v2) || st.Timestamp != 300 || !st.Content.Equals(first.Content) || st.ContentSize != int64(len(data)) {
		t.Fatalf("stat %+v", st)
	}
	st, err = s.Stat(ctx, first.Content)
	if err != nil || st.Kind != KindFile || st.ContentSize != int64(len(data)) {
		t.Fatalf("stat of content %+v, %v", st, err)
	}
	if _, err := s.Stat(ctx, absent); !errors.Is(err, ErrNotFound) {
		t.Fatalf("stat of an absent CID: %v", err)
	}
}

// entryNUIDs maps every bucket entry to its NUID, which changes whenever it is rewritten.
func entryNUIDs(t *testing.T, s *JetStreamObjects) map[string]string {
	t.Helper()
	infos, err := s.bucket.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := make(map[string]string)
	for _, in := range infos {
		m[in.Name] = in.NUID
	}
	return m
}

// Follow delivers existing objects and links, a CaughtUp marker, then live ones; a corrupt
// entry arrives as an Err record.
func TestFollow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s := objOpen(t, storetest.Start(t), ObjectStoreConfig{})
	a, err := s.Store(ctx, "a", cid.Undef)
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.PutReader(ctx, strings.NewReader("file"), a)
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.LinkObjects(ctx, f.CID, a, LinkDerivedFrom)
	if err != nil {
		t.Fatal(err)
	}
	feed, err := s.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next := func() ObjectRecord {
		t.Helper()
		select {
		case r, ok := <-feed:
			if !ok {
				t.Fatal("feed closed")
			}
			return r
		case <-ctx.Done():
			t.Fatal("feed stalled")
		}
		return ObjectRecord{}
	}
	if r := next(); r.Object == nil || !r.CID.Equals(a) || r.Object.Data != "a" {
		t.Fatalf("first record %+v", r)
	}
	if r := next(); r.Object == nil || !r.CID.Equals(f.CID) || !r.Object.PreviousCID.Equals(a) {
		t.Fatalf("second record %+v", r)
	}
	if r := next(); r.Link == nil || *r.Link != l {
		t.Fatalf("third record %+v, want link %+v", r, l)
	}
	if r := next(); !r.CaughtUp {
		t.Fatalf("want CaughtUp, got %+v", r)
	}
	b, err := s.Store(ctx, "b", cid.Undef)
	if err != nil {
		t.Fatal(err)
	}
	if r := next(); r.Object == nil || !r.CID.Equals(b) {
		t.Fatalf("live record %+v", r)
	}
	if _, err := s.bucket.Put(ctx, jetstream.ObjectMeta{Name: b.String(), Metadata: map[string]string{metaKind: string(KindObject)}}, strings.NewReader("forged")); err != nil {
		t.Fatal(err)
	}
	if r := next(); !errors.Is(r.Err, ErrCorrupt) || !r.CID.Equals(b) || r.Object != nil {
		t.Fatalf("forged entry gave %+v", r)
	}
	cancel()
	for range feed {
	}
}

// An existing bucket with memory storage is refused rather than changed.
func TestOpenRefusesMemoryBucket(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	js, err := jetstream.New(srv.Connect(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: ObjectBucket, Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenObjects(ctx, srv.Connect(t), ObjectStoreConfig{}); !errors.Is(err, ErrIncompatibleStream) {
		t.Fatalf("open: %v, want ErrIncompatibleStream", err)
	}
}
