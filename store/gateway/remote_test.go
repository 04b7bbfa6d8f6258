package gateway_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/ipfs/boxo/blockservice"
	boxogw "github.com/ipfs/boxo/gateway"
	"github.com/ipfs/boxo/ipld/merkledag"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	"github.com/prometheus/client_golang/prometheus"
)

// These tests fetch from the jetdag gateway with IPFS client code that is not jetdag's: boxo's
// remote blockstore (raw block requests, each block checked against its CID by boxo) and boxo's
// remote CAR backend (IPIP-402 CAR requests, each block checked as the CAR is read).

// proxy serves a boxo gateway over backend: an IPFS gateway that holds no data and fetches
// everything from the jetdag gateway.
func proxy(t *testing.T, backend boxogw.IPFSBackend) string {
	t.Helper()
	h := boxogw.NewHandler(boxogw.Config{DeserializedResponses: true, NoDNSLink: true, MetricsRegistry: prometheus.NewRegistry()}, backend)
	mux := http.NewServeMux()
	mux.Handle("/ipfs/", h)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return hs.URL
}

func TestBoxoRemoteBlockstoreReadsFile(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	remote, err := boxogw.NewRemoteBlockstore([]string{f.url}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dag := merkledag.NewDAGService(blockservice.New(remote, nil))
	root, err := dag.Get(ctx, f.file.Content)
	if err != nil {
		t.Fatalf("boxo: root %s: %v", f.file.Content, err)
	}
	r, err := uio.NewDagReader(ctx, root, dag)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := got.ReadFrom(r); err != nil {
		t.Fatalf("boxo DagReader: %v", err)
	}
	if !bytes.Equal(got.Bytes(), f.data) {
		t.Fatalf("boxo read %d bytes, want the %d of the file", got.Len(), len(f.data))
	}
}

func TestBoxoRemoteBlocksBackend(t *testing.T) {
	f := newFixture(t)
	backend, err := boxogw.NewRemoteBlocksBackend([]string{f.url}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := proxy(t, backend)
	// The file, deserialized by the proxy from raw blocks it fetched and verified.
	resp, body := get(t, http.MethodGet, p+"/ipfs/"+f.file.Content.String())
	wantStatus(t, resp, body, http.StatusOK)
	if !bytes.Equal(body, f.data) {
		t.Errorf("file through boxo: %d bytes, want %d", len(body), len(f.data))
	}
	// An event's causal past, traversed by boxo one raw block at a time.
	for _, head := range []string{"a3", "c1"} {
		resp, body = get(t, http.MethodGet, p+"/ipfs/"+f.ev[head].CID.String()+"?format=car&dag-scope=all")
		wantStatus(t, resp, body, http.StatusOK)
		_, order, _ := readCAR(t, body)
		if got, want := sortedStrings(order), sortedStrings(f.causalPast(head)); !slices.Equal(got, want) {
			t.Errorf("%s through boxo: CAR holds %v, want %v", head, got, want)
		}
	}
	// Path resolution through the event chain.
	resp, body = get(t, http.MethodGet, p+"/ipfs/"+f.ev["a3"].CID.String()+"/previous_cid/previous_cid?format=raw")
	wantStatus(t, resp, body, http.StatusOK)
	if !bytes.Equal(body, f.ownBlock(t, f.ev["a1"].CID)) {
		t.Errorf("a3/previous_cid/previous_cid through boxo is not a1")
	}
}

func TestBoxoRemoteCarBackend(t *testing.T) {
	f := newFixture(t)
	backend, err := boxogw.NewRemoteCarBackend([]string{f.url}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := proxy(t, backend)
	resp, body := get(t, http.MethodGet, p+"/ipfs/"+f.file.Content.String())
	wantStatus(t, resp, body, http.StatusOK)
	if !bytes.Equal(body, f.data) {
		t.Errorf("file through boxo's CAR backend: %d bytes, want %d", len(body), len(f.data))
	}
	// A range: boxo asks jetdag for an entity-bytes CAR and serves the bytes from it.
	resp, body = get(t, http.MethodGet, p+"/ipfs/"+f.file.Content.String(), "Range", "bytes=3000000-3000099")
	wantStatus(t, resp, body, http.StatusPartialContent)
	if !bytes.Equal(body, f.data[3000000:3000100]) {
		t.Errorf("range through boxo's CAR backend: %d bytes that differ", len(body))
	}
	resp, body = get(t, http.MethodGet, p+"/ipfs/"+f.ev["c1"].CID.String()+"?format=car&dag-scope=all")
	wantStatus(t, resp, body, http.StatusOK)
	_, order, _ := readCAR(t, body)
	if got, want := sortedStrings(order), sortedStrings(f.causalPast("c1")); !slices.Equal(got, want) {
		t.Errorf("c1 through boxo's CAR backend: CAR holds %v, want %v", got, want)
	}
}
