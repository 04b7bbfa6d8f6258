package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"
	mh "github.com/multiformats/go-multihash"
	"github.com/nats-io/nats.go"

	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// carFixture is a store with two aggregates (one naming the other's event as a parent),
// objects in a version chain, a multi-chunk file, links, and a junk stream message.
type carFixture struct {
	srv       *storetest.Server
	events    *JetStreamEvents
	objects   *JetStreamObjects
	orders    []*StoredEvent // aggregate "order-1"
	invoice   []*StoredEvent // aggregate "invoice/7": its first event's parent is orders[1]
	draft     cid.Cid        // structured object
	file      PutResult      // file object, previous = draft
	data      []byte         // the file's bytes
	links     []Link
	unrelated cid.Cid // an object nothing links to
}

func newCARFixture(t *testing.T) *carFixture {
	t.Helper()
	ctx := context.Background()
	f := &carFixture{srv: storetest.Start(t)}
	f.events = objEvents(t, f.srv)
	f.objects = objOpen(t, f.srv, ObjectStoreConfig{EventExists: f.events.Exists})
	for i := range 3 {
		ev, err := f.events.Append(ctx, "order-1", "Step", []byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		f.orders = append(f.orders, ev)
	}
	for i := range 2 {
		var parents []cid.Cid
		if i == 0 {
			parents = []cid.Cid{f.orders[1].CID}
		}
		ev, err := f.events.Append(ctx, "invoice/7", "Issued", []byte("inv"), parents...)
		if err != nil {
			t.Fatal(err)
		}
		f.invoice = append(f.invoice, ev)
	}
	// A message that is no event: replay rejects it and export leaves it out.
	if err := f.srv.Connect(t).PublishMsg(&nats.Msg{Subject: "event.store.junk.X", Data: []byte("junk")}); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.draft, err = f.objects.Store(ctx, map[string]any{"amount": int64(3)}, cid.Undef); err != nil {
		t.Fatal(err)
	}
	f.data = seededBytes(t, 5<<19, "car")
	if f.file, err = f.objects.PutReader(ctx, bytes.NewReader(f.data), f.draft); err != nil {
		t.Fatal(err)
	}
	if f.unrelated, err = f.objects.Store(ctx, "unrelated", cid.Undef); err != nil {
		t.Fatal(err)
	}
	for _, l := range [][2]cid.Cid{{f.file.CID, f.invoice[1].CID}, {f.draft, f.file.Content}} {
		link, err := f.objects.LinkObjects(ctx, l[0], l[1], LinkDerivedFrom)
		if err != nil {
			t.Fatal(err)
		}
		f.links = append(f.links, link)
	}
	if err := f.events.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

// readCARFile reads a CAR with go-car's own reader: its roots and its blocks in file order,
// each checked to hash to its CID.
func readCARFile(t *testing.T, path string) ([]cid.Cid, []cid.Cid) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	br, err := carv2.NewBlockReader(fh)
	if err != nil {
		t.Fatal(err)
	}
	if br.Version != 1 {
		t.Fatalf("CAR version %d, want 1", br.Version)
	}
	var cs []cid.Cid
	for {
		blk, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := block.Verify(blk.Cid(), blk.RawData()); err != nil {
			t.Fatalf("block %s: %v", blk.Cid(), err)
		}
		cs = append(cs, blk.Cid())
	}
	return br.Roots, cs
}

func exportTo(t *testing.T, f *carFixture, opts ExportOptions) (string, ExportStats) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "store.car")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ExportCAR(context.Background(), fh, f.events, f.objects, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	return path, st
}

func importFrom(t *testing.T, path string, es *JetStreamEvents, os_ *JetStreamObjects) (ImportStats, error) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	return ImportCAR(context.Background(), fh, es, os_)
}

// A whole-store export carries every verified event (not the junk message), every bucket
// block and every link record; imported into a fresh server it gives back the same chains,
// files, objects and links, and a second import changes nothing.
func TestCARRoundTrip(t *testing.T) {
	ctx := context.Background()
	f := newCARFixture(t)
	path, st := exportTo(t, f, ExportOptions{})
	wantRoots := []cid.Cid{f.invoice[1].CID, f.orders[2].CID} // by aggregate name
	if !reflect.DeepEqual(st.Roots, wantRoots) || st.Events != 5 || st.Rejected != 1 || st.Links != 2 || st.Objects != 3 || st.FileBlocks != 4 {
		t.Fatalf("export stats %+v", st)
	}
	roots, blocks := readCARFile(t, path)
	if !reflect.DeepEqual(roots, wantRoots) {
		t.Fatalf("CAR roots %v, want %v", roots, wantRoots)
	}
	entries := entryNUIDs(t, f.objects)
	if len(blocks) != 5+len(entries) {
		t.Fatalf("CAR has %d blocks, want 5 events + %d bucket blocks", len(blocks), len(entries))
	}
	for _, ev := range append(slices.Clone(f.orders[:2]), f.invoice[0], f.invoice[1], f.orders[2]) {
		if !slices.ContainsFunc(blocks[:5], ev.CID.Equals) {
			t.Fatalf("event %s missing from the CAR's first blocks", ev.CID)
		}
	}
	for name := range entries {
		c, _ := block.ParseCID(name)
		if !slices.ContainsFunc(blocks, c.Equals) {
			t.Fatalf("bucket block %s missing from the CAR", name)
		}
	}

	dst := storetest.Start(t)
	es := objEvents(t, dst)
	os2 := objOpen(t, dst, ObjectStoreConfig{EventExists: es.Exists})
	ist, err := importFrom(t, path, es, os2)
	if err != nil {
		t.Fatal(err)
	}
	if ist.Events != 5 || ist.Blocks != len(entries) || ist.Links != 2 || ist.EventsPresent+ist.BlocksPresent != 0 {
		t.Fatalf("import stats %+v", ist)
	}
	for agg, want := range map[string][]*StoredEvent{"order-1": f.orders, "invoice/7": f.invoice} {
		hist, err := es.History(ctx, agg)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != len(want) {
			t.Fatalf("%s: %d events imported, want %d", agg, len(hist), len(want))
		}
		for i := range hist {
			if !hist[i].CID.Equals(want[i].CID) || !reflect.DeepEqual(hist[i].ParentCIDs, want[i].ParentCIDs) {
				t.Fatalf("%s[%d] = %s, want %s", agg, i, hist[i].CID, want[i].CID)
			}
		}
	}
	_, rst, err := es.Replay(ctx, ReplayOptions{}, nil)
	if err != nil || rst.Rejected != 0 || rst.Events != 5 {
		t.Fatalf("replay of the imported stream: %+v, %v", rst, err)
	}
	var out bytes.Buffer
	if _, err := os2.Cat(ctx, f.file.CID, &out); err != nil || !bytes.Equal(out.Bytes(), f.data) {
		t.Fatalf("cat of the imported file: %v", err)
	}
	links, err := os2.Links(ctx)
	if err != nil || !reflect.DeepEqual(links, f.links) {
		t.Fatalf("imported links %+v, %v; want %+v", links, err, f.links)
	}
	list, err := os2.List(ctx)
	if err != nil || len(list) != 3 {
		t.Fatalf("imported objects %+v, %v", list, err)
	}
	again, err := importFrom(t, path, es, os2)
	if err != nil {
		t.Fatal(err)
	}
	if again.Events+again.Blocks != 0 || again.EventsPresent != 5 || again.BlocksPresent != len(entries) {
		t.Fatalf("second import stats %+v", again)
	}
}

// An aggregate export holds what that aggregate reaches: its chain, the parents' chains up to
// the parents, the objects and files linked to it, and their links.
func TestCARExportAggregate(t *testing.T) {
	f := newCARFixture(t)
	path, st := exportTo(t, f, ExportOptions{Aggregate: "invoice/7"})
	roots, blocks := readCARFile(t, path)
	if !reflect.DeepEqual(roots, []cid.Cid{f.invoice[1].CID}) || !reflect.DeepEqual(st.Roots, roots) {
		t.Fatalf("roots %v / %v", roots, st.Roots)
	}
	want := []cid.Cid{f.orders[0].CID, f.orders[1].CID, f.invoice[0].CID, f.invoice[1].CID, f.draft, f.file.CID, f.file.Content, f.links[0].CID, f.links[1].CID}
	for _, c := range want {
		if !slices.ContainsFunc(blocks, c.Equals) {
			t.Fatalf("%s missing from the aggregate export", c)
		}
	}
	for _, c := range []cid.Cid{f.orders[2].CID, f.unrelated} {
		if slices.ContainsFunc(blocks, c.Equals) {
			t.Fatalf("%s is not reachable from invoice/7 but was exported", c)
		}
	}
	if st.Events != 4 || st.FileBlocks != 4 || st.Objects != 2 || st.Links != 2 {
		t.Fatalf("stats %+v", st)
	}
	dst := storetest.Start(t)
	if _, err := importFrom(t, path, objEvents(t, dst), objOpen(t, dst, ObjectStoreConfig{})); err != nil {
		t.Fatalf("the aggregate export does not import on its own: %v", err)
	}
	if _, err := ExportCAR(context.Background(), io.Discard, f.events, f.objects, ExportOptions{Aggregate: "nobody"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("export of an unknown aggregate: %v", err)
	}
}

// writeCAR writes a CARv1 with go-car holding the given blocks under the given CIDs.
func writeCAR(t *testing.T, roots []cid.Cid, blocks []cid.Cid, datas [][]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.car")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := storage.NewWritable(fh, roots, carv2.WriteAsCarV1(true))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range blocks {
		if err := w.Put(context.Background(), c.KeyString(), datas[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// eventBlock returns the block bytes of a stored event.
func eventBlock(t *testing.T, ev *StoredEvent) []byte {
	t.Helper()
	data, c, err := ev.Event.Block()
	if err != nil || !c.Equals(ev.CID) {
		t.Fatalf("re-encode %s: %s, %v", ev.CID, c, err)
	}
	return data
}

// Import checks the whole file before loading anything: a block that does not hash to its
// CID, or an event whose previous event is nowhere, leaves the target untouched. Events out of
// order are put in order.
func TestCARImportChecks(t *testing.T) {
	ctx := context.Background()
	f := newCARFixture(t)
	obj := []byte("a raw block")
	rawCID := block.SumCodec(block.CodecRaw, obj)
	ev0, ev1, ev2 := eventBlock(t, f.orders[0]), eventBlock(t, f.orders[1]), eventBlock(t, f.orders[2])
	sha512, err := cid.V1Builder{Codec: cid.Raw, MhType: mh.SHA2_512}.Sum(obj)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		blocks []cid.Cid
		datas  [][]byte
		want   error
		events int
	}{
		{"block under another CID", []cid.Cid{rawCID, f.orders[0].CID}, [][]byte{obj, ev1}, ErrCorrupt, 0},
		{"unsupported hash", []cid.Cid{sha512, f.orders[0].CID}, [][]byte{obj, ev0}, ErrInvalidInput, 0},
		{"missing previous event", []cid.Cid{rawCID, f.orders[1].CID}, [][]byte{obj, ev1}, ErrUnknownParent, 0},
		{"events in reverse order", []cid.Cid{f.orders[2].CID, f.orders[1].CID, rawCID, f.orders[0].CID}, [][]byte{ev2, ev1, obj, ev0}, nil, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeCAR(t, []cid.Cid{tc.blocks[0]}, tc.blocks, tc.datas)
			dst := storetest.Start(t)
			es, objs := objEvents(t, dst), objOpen(t, dst, ObjectStoreConfig{})
			st, err := importFrom(t, path, es, objs)
			if !errors.Is(err, tc.want) {
				t.Fatalf("import: %v, want %v", err, tc.want)
			}
			last, err := es.LastSeq(ctx)
			if err != nil {
				t.Fatal(err)
			}
			entries, err := objs.entries(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != nil && (last != 0 || len(entries) != 0) {
				t.Fatalf("a refused import loaded %d events and %d blocks", last, len(entries))
			}
			if tc.want == nil {
				hist, err := es.History(ctx, "order-1")
				if err != nil || len(hist) != tc.events || st.Events != tc.events || st.Blocks != 1 {
					t.Fatalf("history %d events, stats %+v, %v", len(hist), st, err)
				}
			}
		})
	}
	dst := storetest.Start(t)
	if _, err := ImportCAR(ctx, strings.NewReader("not a CAR file at all"), objEvents(t, dst), objOpen(t, dst, ObjectStoreConfig{})); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("import of junk: %v, want ErrInvalidInput", err)
	}
}
