package gateway_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/gateway"
	"github.com/jetdag/jetdag/store/storetest"
)

// fixture is a store on a real embedded server, filled with a file, a JSON object and events,
// and an HTTP server running the gateway over it.
type fixture struct {
	url     string
	nc      *nats.Conn
	events  *store.JetStreamEvents
	objects *store.JetStreamObjects
	data    []byte          // the 3 MiB file's bytes
	file    store.PutResult // its object and UnixFS root
	json    cid.Cid         // an object holding a JSON value with a link to the file
	ev      map[string]*store.StoredEvent
}

// fileSize spans several 1 MiB leaves, so the file is a UnixFS node with links.
const fileSize = 3<<20 + 12345

func pseudo(n int) []byte {
	out := make([]byte, 0, n+32)
	h := sha256.Sum256([]byte("gateway"))
	for len(out) < n {
		out = append(out, h[:]...)
		h = sha256.Sum256(h[:])
	}
	return out[:n]
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	srv := storetest.Start(t)
	nc := srv.Connect(t)
	events, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	objects, err := store.OpenObjects(ctx, nc, store.ObjectStoreConfig{EventExists: events.Exists})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{nc: nc, events: events, objects: objects, data: pseudo(fileSize), ev: map[string]*store.StoredEvent{}}
	if f.file, err = objects.PutReader(ctx, bytes.NewReader(f.data), cid.Undef); err != nil {
		t.Fatal(err)
	}
	if f.json, err = objects.Store(ctx, map[string]any{"name": "Ada", "n": int64(42), "file": f.file.Content}, cid.Undef); err != nil {
		t.Fatal(err)
	}
	// Two aggregates whose chains cross: a2 has parent b1, b2 has parent a1.
	appendEv := func(name, agg string, parents ...string) {
		var ps []cid.Cid
		for _, p := range parents {
			ps = append(ps, f.ev[p].CID)
		}
		ev, err := events.Append(ctx, agg, "Happened", []byte(`{"n":"`+name+`"}`), ps...)
		if err != nil {
			t.Fatal(err)
		}
		f.ev[name] = ev
	}
	appendEv("a1", "agg-a")
	appendEv("b1", "agg-b")
	appendEv("a2", "agg-a", "b1")
	appendEv("b2", "agg-b", "a1")
	appendEv("a3", "agg-a")
	appendEv("c1", "agg-c", "a3", "b2")
	h, err := gateway.NewHandler(gateway.NewBlockstore(objects, events), gateway.Config{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(gateway.Prefix, h)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	f.url = hs.URL
	return f
}

// get sends a request and returns the response with its body read.
func get(t *testing.T, method, url string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func wantStatus(t *testing.T, resp *http.Response, body []byte, code int) {
	t.Helper()
	if resp.StatusCode != code {
		t.Fatalf("%s %s: status %d, want %d: %s", resp.Request.Method, resp.Request.URL, resp.StatusCode, code, clip(body))
	}
}

func clip(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

const immutable = "public, max-age=29030400, immutable"

// wantCached checks the headers the trustless gateway spec requires of an immutable response.
func wantCached(t *testing.T, resp *http.Response, etag string) {
	t.Helper()
	if got := resp.Header.Get("Cache-Control"); got != immutable {
		t.Errorf("%s: Cache-Control %q, want %q", resp.Request.URL, got, immutable)
	}
	if got := resp.Header.Get("Etag"); got != etag {
		t.Errorf("%s: Etag %q, want %q", resp.Request.URL, got, etag)
	}
}

// readCAR reads a CAR response with go-car, checks every block against its CID and returns
// the roots and the blocks in order.
func readCAR(t *testing.T, body []byte) ([]cid.Cid, []cid.Cid, map[cid.Cid][]byte) {
	t.Helper()
	br, err := carv2.NewBlockReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("go-car: %v", err)
	}
	var order []cid.Cid
	data := map[cid.Cid][]byte{}
	for {
		blk, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("go-car: block %d: %v", len(order), err)
		}
		got, err := blk.Cid().Prefix().Sum(blk.RawData())
		if err != nil || !got.Equals(blk.Cid()) {
			t.Fatalf("CAR block %s hashes to %s (%v)", blk.Cid(), got, err)
		}
		order = append(order, blk.Cid())
		data[blk.Cid()] = blk.RawData()
	}
	return br.Roots, order, data
}

// ownBlock returns the block as jetdag stores it.
func (f *fixture) ownBlock(t *testing.T, c cid.Cid) []byte {
	t.Helper()
	data, err := gateway.NewBlockstore(f.objects, f.events).Get(context.Background(), c)
	if err != nil {
		t.Fatalf("block %s: %v", c, err)
	}
	return data.RawData()
}

func TestRawBlocks(t *testing.T) {
	f := newFixture(t)
	cases := map[string]cid.Cid{
		"event":       f.ev["a2"].CID,
		"json object": f.json,
		"file object": f.file.CID,
		"unixfs root": f.file.Content,
	}
	for name, c := range cases {
		want := f.ownBlock(t, c)
		if err := block.Verify(c, want); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, q := range []struct{ suffix, accept string }{
			{"", "application/vnd.ipld.raw"},
			{"?format=raw", ""},
		} {
			resp, body := get(t, http.MethodGet, f.url+"/ipfs/"+c.String()+q.suffix, "Accept", q.accept)
			wantStatus(t, resp, body, http.StatusOK)
			if !bytes.Equal(body, want) {
				t.Errorf("%s%s: %d bytes differ from the stored %d", name, q.suffix, len(body), len(want))
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.ipld.raw" {
				t.Errorf("%s: Content-Type %q", name, ct)
			}
			wantCached(t, resp, `"`+c.String()+`.raw"`)
		}
		resp, body := get(t, http.MethodHead, f.url+"/ipfs/"+c.String()+"?format=raw")
		wantStatus(t, resp, body, http.StatusOK)
		if len(body) != 0 {
			t.Errorf("HEAD %s returned %d body bytes", name, len(body))
		}
		wantCached(t, resp, `"`+c.String()+`.raw"`)
	}
}

func TestFileCAR(t *testing.T) {
	f := newFixture(t)
	root := f.file.Content.String()
	for _, scope := range []string{"all", "entity"} {
		resp, body := get(t, http.MethodGet, f.url+"/ipfs/"+root+"?dag-scope="+scope+"&car-order=dfs&car-dups=n",
			"Accept", "application/vnd.ipld.car")
		wantStatus(t, resp, body, http.StatusOK)
		ct := resp.Header.Get("Content-Type")
		if !strings.HasPrefix(ct, "application/vnd.ipld.car") || !strings.Contains(ct, "order=dfs") || !strings.Contains(ct, "dups=n") {
			t.Errorf("dag-scope=%s: Content-Type %q", scope, ct)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != immutable {
			t.Errorf("dag-scope=%s: Cache-Control %q", scope, cc)
		}
		if resp.Header.Get("Etag") == "" {
			t.Errorf("dag-scope=%s: no Etag", scope)
		}
		roots, order, data := readCAR(t, body)
		if len(roots) != 1 || roots[0].String() != root {
			t.Fatalf("roots %v, want [%s]", roots, root)
		}
		// In DFS order the raw leaves, concatenated, are the file.
		var content []byte
		for _, c := range order {
			if c.Type() == cid.Raw {
				content = append(content, data[c]...)
			}
		}
		if !bytes.Equal(content, f.data) {
			t.Errorf("dag-scope=%s: leaves give %d bytes, want the %d of the file", scope, len(content), len(f.data))
		}
		if len(order) != 5 { // a root and four 1 MiB leaves
			t.Errorf("dag-scope=%s: %d blocks, want 5", scope, len(order))
		}
	}
	// dag-scope=block: the root alone.
	resp, body := get(t, http.MethodGet, f.url+"/ipfs/"+root+"?format=car&dag-scope=block")
	wantStatus(t, resp, body, http.StatusOK)
	if _, order, _ := readCAR(t, body); len(order) != 1 || order[0].String() != root {
		t.Errorf("dag-scope=block: blocks %v", order)
	}
	// entity-bytes: the root and only the leaves holding the range.
	resp, body = get(t, http.MethodGet, f.url+"/ipfs/"+root+"?format=car&dag-scope=entity&entity-bytes=1048576:1048586")
	wantStatus(t, resp, body, http.StatusOK)
	_, order, data := readCAR(t, body)
	var leaves [][]byte
	for _, c := range order {
		if c.Type() == cid.Raw {
			leaves = append(leaves, data[c])
		}
	}
	if len(leaves) != 1 || !bytes.Equal(leaves[0], f.data[1<<20:2<<20]) {
		t.Errorf("entity-bytes=1048576:1048586: %d leaves, want the second MiB alone", len(leaves))
	}
}

// causalPast is the event and every event it reaches through previous_cid and parent_cids.
func (f *fixture) causalPast(names ...string) []cid.Cid {
	byCID := map[cid.Cid]*store.StoredEvent{}
	for _, ev := range f.ev {
		byCID[ev.CID] = ev
	}
	seen := map[cid.Cid]bool{}
	var walk func(c cid.Cid)
	walk = func(c cid.Cid) {
		if !c.Defined() || seen[c] {
			return
		}
		seen[c] = true
		ev := byCID[c]
		walk(ev.PreviousCID)
		for _, p := range ev.ParentCIDs {
			walk(p)
		}
	}
	for _, n := range names {
		walk(f.ev[n].CID)
	}
	var out []cid.Cid
	for c := range seen {
		out = append(out, c)
	}
	return out
}

func sortedStrings(cs []cid.Cid) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.String())
	}
	slices.Sort(out)
	return out
}

func TestEventCausalPastCAR(t *testing.T) {
	f := newFixture(t)
	for _, head := range []string{"a3", "b2", "c1"} {
		c := f.ev[head].CID
		resp, body := get(t, http.MethodGet, f.url+"/ipfs/"+c.String()+"?dag-scope=all&car-dups=n&car-order=dfs",
			"Accept", "application/vnd.ipld.car")
		wantStatus(t, resp, body, http.StatusOK)
		_, order, data := readCAR(t, body)
		want := sortedStrings(f.causalPast(head))
		if got := sortedStrings(order); !slices.Equal(got, want) {
			t.Errorf("%s: CAR holds %v, want its causal past %v", head, got, want)
		}
		for c, b := range data {
			if !bytes.Equal(b, f.ownBlock(t, c)) {
				t.Errorf("%s: block %s differs from the stored one", head, c)
			}
		}
		if order[0] != c {
			t.Errorf("%s: first block %s, want the root", head, order[0])
		}
	}
	// dag-scope=block of an event is the event alone.
	c := f.ev["c1"].CID
	resp, body := get(t, http.MethodGet, f.url+"/ipfs/"+c.String()+"?format=car&dag-scope=block")
	wantStatus(t, resp, body, http.StatusOK)
	if _, order, _ := readCAR(t, body); len(order) != 1 || order[0] != c {
		t.Errorf("dag-scope=block: %v", order)
	}
}

func TestDeserializedFile(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{
		f.file.Content.String(),        // the UnixFS root
		f.file.CID.String() + "/data",  // through the file object's content link
		f.json.String() + "/data/file", // through a link inside a JSON object
	} {
		resp, body := get(t, http.MethodGet, f.url+"/ipfs/"+p)
		wantStatus(t, resp, body, http.StatusOK)
		if !bytes.Equal(body, f.data) {
			t.Errorf("GET /ipfs/%s: %d bytes, want the file's %d", p, len(body), len(f.data))
		}
		if cc := resp.Header.Get("Cache-Control"); cc != immutable {
			t.Errorf("GET /ipfs/%s: Cache-Control %q", p, cc)
		}
		if resp.Header.Get("Etag") == "" {
			t.Errorf("GET /ipfs/%s: no Etag", p)
		}
	}
	url := f.url + "/ipfs/" + f.file.Content.String()
	resp, body := get(t, http.MethodHead, url)
	wantStatus(t, resp, body, http.StatusOK)
	if resp.ContentLength != fileSize || len(body) != 0 {
		t.Errorf("HEAD: Content-Length %d and %d body bytes, want %d and 0", resp.ContentLength, len(body), fileSize)
	}
	resp, body = get(t, http.MethodGet, url, "Range", "bytes=2097000-2097999")
	wantStatus(t, resp, body, http.StatusPartialContent)
	if !bytes.Equal(body, f.data[2097000:2098000]) {
		t.Errorf("Range: %d bytes that differ from the file's", len(body))
	}
	if cr := resp.Header.Get("Content-Range"); cr != fmt.Sprintf("bytes 2097000-2097999/%d", fileSize) {
		t.Errorf("Content-Range %q", cr)
	}
}

func TestPathResolution(t *testing.T) {
	f := newFixture(t)
	a3 := f.ev["a3"].CID.String()
	for p, want := range map[string]cid.Cid{
		a3 + "/previous_cid":                                     f.ev["a2"].CID,
		a3 + "/previous_cid/previous_cid":                        f.ev["a1"].CID,
		a3 + "/previous_cid/parent_cids/0":                       f.ev["b1"].CID,
		f.ev["c1"].CID.String() + "/parent_cids/1/parent_cids/0": f.ev["a1"].CID,
	} {
		resp, body := get(t, http.MethodGet, f.url+"/ipfs/"+p+"?format=raw")
		wantStatus(t, resp, body, http.StatusOK)
		if !bytes.Equal(body, f.ownBlock(t, want)) {
			t.Errorf("/ipfs/%s: not the block of %s", p, want)
		}
		if roots := resp.Header.Get("X-Ipfs-Roots"); roots != "" && !strings.HasSuffix(roots, want.String()) {
			t.Errorf("/ipfs/%s: X-Ipfs-Roots %q", p, roots)
		}
	}
	// As DAG-CBOR (the block's own codec) the resolved event is the event jetdag stored.
	resp, body := get(t, http.MethodGet, f.url+"/ipfs/"+a3+"/previous_cid/previous_cid", "Accept", "application/vnd.ipld.dag-cbor")
	wantStatus(t, resp, body, http.StatusOK)
	ev, err := block.DecodeEvent(body)
	if err != nil || ev.AggregateID != "agg-a" || ev.PreviousCID.Defined() || string(ev.Payload) != `{"n":"a1"}` {
		t.Errorf("a1 as DAG-CBOR: %+v (%v)", ev, err)
	}
	// Into an object's data: a JSON value's field, as a CAR with the blocks that prove it.
	resp, body = get(t, http.MethodGet, f.url+"/ipfs/"+f.json.String()+"/data/file?format=car&dag-scope=block")
	wantStatus(t, resp, body, http.StatusOK)
	_, order, _ := readCAR(t, body)
	if got := sortedStrings(order); !slices.Equal(got, sortedStrings([]cid.Cid{f.json, f.file.Content})) {
		t.Errorf("/data/file CAR holds %v, want the object and the file root", got)
	}
}

func TestErrors(t *testing.T) {
	f := newFixture(t)
	missing := block.Sum([]byte("never stored"))
	ev := f.ev["a1"].CID.String()
	for _, c := range []struct {
		method, path string
		hdr          []string
		codes        []int
	}{
		{"GET", "/ipfs/not-a-cid?format=raw", nil, []int{400}},
		{"GET", "/ipfs/bafyreinotacid", nil, []int{400}},
		{"GET", "/ipfs/" + missing.String() + "?format=raw", nil, []int{404}},
		{"GET", "/ipfs/" + missing.String() + "?format=car", nil, []int{404}},
		{"HEAD", "/ipfs/" + missing.String() + "?format=raw", nil, []int{404}},
		{"GET", "/ipfs/" + ev + "/no_such_field?format=raw", nil, []int{404}},
		{"GET", "/ipfs/" + ev + "?format=dag-json", nil, []int{406}},                 // no codec conversion (IPIP-524)
		{"GET", "/ipfs/" + ev + "?format=car&dag-scope=everything", nil, []int{400}}, // unknown scope
		{"GET", "/ipfs/" + ev + "?format=car&entity-bytes=x:y", nil, []int{400}},
		{"GET", "/ipfs/" + ev + "?format=xml", nil, []int{400}},  // no such format: not ignored
		{"HEAD", "/ipfs/" + ev + "?format=CAR", nil, []int{400}}, // formats are lower-case
		{"GET", "/ipfs/" + ev + "?format=raw", nil, []int{200}},  // the same block in a named format
		{"GET", "/ipfs/" + ev, []string{"Accept", "application/vnd.ipld.dag-pb"}, []int{400, 406}},
		{"POST", "/ipfs/" + ev, nil, []int{405}},
		{"PUT", "/ipfs/" + ev, nil, []int{405}},
	} {
		resp, body := get(t, c.method, f.url+c.path, c.hdr...)
		if !slices.Contains(c.codes, resp.StatusCode) {
			t.Errorf("%s %s %v: status %d, want %v: %s", c.method, c.path, c.hdr, resp.StatusCode, c.codes, clip(body))
		}
	}
}

func TestBlockstoreReadOnly(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bs := gateway.NewBlockstore(f.objects, f.events)
	blk, err := bs.Get(ctx, f.ev["a1"].CID)
	if err != nil {
		t.Fatal(err)
	}
	if err := bs.Put(ctx, blk); !errors.Is(err, gateway.ErrReadOnly) {
		t.Errorf("Put: %v, want ErrReadOnly", err)
	}
	if err := bs.DeleteBlock(ctx, blk.Cid()); !errors.Is(err, gateway.ErrReadOnly) {
		t.Errorf("DeleteBlock: %v, want ErrReadOnly", err)
	}
	if ok, err := bs.Has(ctx, blk.Cid()); !ok || err != nil {
		t.Errorf("Has(a1) = %v, %v after a refused delete", ok, err)
	}
	if ok, err := bs.Has(ctx, block.Sum([]byte("never stored"))); ok || err != nil {
		t.Errorf("Has(missing) = %v, %v", ok, err)
	}
	if n, err := bs.GetSize(ctx, f.file.Content); err != nil || n != len(f.ownBlock(t, f.file.Content)) {
		t.Errorf("GetSize = %d, %v", n, err)
	}
}

// Conditional and probe requests: Etags that differ by CAR scope, 304 for a matching
// If-None-Match, and only-if-cached probes answered 200 or 412 from the store alone.
func TestCachingHeaders(t *testing.T) {
	f := newFixture(t)
	root := f.ev["c1"].CID.String()
	etags := map[string]bool{}
	for _, q := range []string{"?format=raw", "?format=car&dag-scope=block", "?format=car&dag-scope=all", "?format=car&dag-scope=entity"} {
		resp, body := get(t, http.MethodGet, f.url+"/ipfs/"+root+q)
		wantStatus(t, resp, body, http.StatusOK)
		etag := resp.Header.Get("Etag")
		if etag == "" || etags[etag] {
			t.Errorf("%s: Etag %q is empty or shared with another scope", q, etag)
		}
		etags[etag] = true
		resp, body = get(t, http.MethodGet, f.url+"/ipfs/"+root+q, "If-None-Match", etag)
		wantStatus(t, resp, body, http.StatusNotModified)
		if len(body) != 0 {
			t.Errorf("%s: 304 with %d body bytes", q, len(body))
		}
	}
	missing := block.Sum([]byte("never stored")).String()
	for c, code := range map[string]int{root: http.StatusOK, missing: http.StatusPreconditionFailed} {
		resp, body := get(t, http.MethodHead, f.url+"/ipfs/"+c+"?format=raw", "Cache-Control", "only-if-cached")
		wantStatus(t, resp, body, code)
	}
}

// A bucket entry whose bytes no longer hash to its name is never served: a raw request fails,
// a file stops before the bad leaf, and a CAR holds only blocks that verify, without it.
func TestTamperedBlockNotServed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// The file's second leaf, from a dag-scope=all CAR in DFS order.
	resp, body := get(t, http.MethodGet, f.url+"/ipfs/"+f.file.Content.String()+"?format=car&car-order=dfs")
	wantStatus(t, resp, body, http.StatusOK)
	_, order, _ := readCAR(t, body)
	var leaves []cid.Cid
	for _, c := range order {
		if c.Type() == cid.Raw {
			leaves = append(leaves, c)
		}
	}
	victim := leaves[1]
	js, err := jetstream.New(f.nc)
	if err != nil {
		t.Fatal(err)
	}
	bucket, err := js.ObjectStore(ctx, store.ObjectBucket)
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Repeat([]byte{0xee}, 1<<20)
	if _, err := bucket.PutBytes(ctx, victim.String(), bad); err != nil {
		t.Fatal(err)
	}

	resp, body = get(t, http.MethodGet, f.url+"/ipfs/"+victim.String()+"?format=raw")
	if resp.StatusCode == http.StatusOK || bytes.Contains(body, bad[:64]) {
		t.Errorf("raw tampered leaf: status %d, %d bytes", resp.StatusCode, len(body))
	}
	// The status line is sent before the bad leaf is reached: the stream is cut short there.
	body = getTruncated(t, f.url+"/ipfs/"+f.file.Content.String())
	if bytes.Equal(body, f.data) || !bytes.HasPrefix(f.data, body) {
		t.Errorf("file with a tampered leaf: %d bytes that are not a strict prefix of the file", len(body))
	}
	body = getTruncated(t, f.url+"/ipfs/"+f.file.Content.String()+"?format=car&car-order=dfs")
	br, err := carv2.NewBlockReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		blk, err := br.Next()
		if err != nil {
			break // the truncated stream ends in an error, as boxo marks it
		}
		n++
		if got, err := blk.Cid().Prefix().Sum(blk.RawData()); err != nil || !got.Equals(blk.Cid()) || blk.Cid().Equals(victim) {
			t.Errorf("CAR with a tampered leaf sent block %s (hash %s)", blk.Cid(), got)
		}
	}
	if n >= len(order) {
		t.Errorf("CAR with a tampered leaf has %d blocks, as many as the intact file", n)
	}
}

// getTruncated returns what a GET receives before its body ends, cleanly or not.
func getTruncated(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return body
}

// An object's dag-scope=all CAR holds what its data links to: the file object its whole
// UnixFS DAG, the JSON object the file its "file" field names.
func TestObjectCAR(t *testing.T) {
	f := newFixture(t)
	resp, body := get(t, http.MethodGet, f.url+"/ipfs/"+f.file.Content.String()+"?format=car")
	wantStatus(t, resp, body, http.StatusOK)
	_, fileDAG, _ := readCAR(t, body)
	for _, obj := range []cid.Cid{f.file.CID, f.json} {
		resp, body := get(t, http.MethodGet, f.url+"/ipfs/"+obj.String()+"?format=car&dag-scope=all&car-dups=n")
		wantStatus(t, resp, body, http.StatusOK)
		_, order, _ := readCAR(t, body)
		if got, want := sortedStrings(order), sortedStrings(append([]cid.Cid{obj}, fileDAG...)); !slices.Equal(got, want) {
			t.Errorf("object %s: CAR holds %v, want the object and the file's %d blocks", obj, got, len(fileDAG))
		}
	}
}
