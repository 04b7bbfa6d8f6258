package cli_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jetdag/jetdag/store/storetest"
)

// httpGet fetches url and returns its status, headers and body.
func logGet(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// serve --log-key keeps the log up to date by itself, and --http serves it as C2SP
// tlog-tiles: a third-party tlog client (torchwood's tile fetcher and client, x/mod/tlog's
// proofs) audits it over HTTP alone.
func TestServeLogOverHTTP(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "log.key")
	var k struct{ Vkey string }
	objRunOK(t, "nats://127.0.0.1:1", nil, &k, "log", "keygen", "--origin", "serve.example/log", "--out", key)
	addr := "127.0.0.1:" + strconv.Itoa(storetest.FreePorts(t, 1)[0])
	url := startServe(t, "--log-key", key, "--checkpoint-every", "100ms", "--http", addr)
	base := "http://" + addr + "/log/"
	evs := appendEvents(t, url, 600, 6, "h")
	v, err := note.NewVerifier(k.Vkey)
	if err != nil {
		t.Fatal(err)
	}
	var n *note.Note
	var cp torchwood.Checkpoint
	for deadline := time.Now().Add(20 * time.Second); cp.N != 600; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of size 600 served (last size %d)", cp.N)
		}
		code, h, body := logGet(t, base+"checkpoint")
		if code != http.StatusOK {
			continue
		}
		if ct := h.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Fatalf("checkpoint Content-Type %q", ct)
		}
		if cc := h.Get("Cache-Control"); cc != "no-cache" { // the latest note changes: never served stale
			t.Fatalf("checkpoint Cache-Control %q, want no-cache", cc)
		}
		if n, err = note.Open(body, note.VerifierList(v)); err != nil {
			t.Fatalf("served checkpoint: %v", err)
		}
		if cp, err = torchwood.ParseCheckpoint(n.Text); err != nil {
			t.Fatal(err)
		}
	}
	fetcher, err := torchwood.NewTileFetcher(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	hr := torchwood.TileHashReaderWithContext(ctx, cp.Tree, fetcher)
	for _, i := range []int64{0, 255, 256, 599} {
		p, err := tlog.ProveRecord(600, i, hr)
		if err != nil {
			t.Fatal(err)
		}
		if err := tlog.CheckRecord(p, 600, cp.Hash, i, tlog.RecordHash(evs[i].Bytes())); err != nil {
			t.Fatalf("leaf %d over HTTP: %v", i, err)
		}
	}
	client, err := torchwood.NewClient(fetcher)
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for i, entry := range client.Entries(ctx, cp.Tree, 0) {
		if string(entry) != string(evs[i].Bytes()) {
			t.Fatalf("entry %d is not the event's CID", i)
		}
		got++
	}
	if client.Err() != nil || got < 512 {
		t.Fatalf("read %d entries: %v", got, client.Err())
	}
	for _, c := range []struct {
		path, cache string
		code        int
	}{
		{"tile/0/000", "immutable", 200},
		{"tile/0/002.p/88", "max-age=60", 200},
		{"tile/entries/001", "immutable", 200},
		{"tile/0/002", "", 404},
		{"tile/0/003.p/1", "", 404},
		{"tile/nope", "", 400},
	} {
		code, h, body := logGet(t, base+c.path)
		if code != c.code || !strings.Contains(h.Get("Cache-Control"), c.cache) {
			t.Errorf("%s: %d %q, want %d %q", c.path, code, h.Get("Cache-Control"), c.code, c.cache)
		}
		if code == 200 && h.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("%s: Content-Type %q", c.path, h.Get("Content-Type"))
		}
		if c.path == "tile/0/002.p/88" && len(body) != 88*32 {
			t.Errorf("partial tile of %d bytes", len(body))
		}
	}
	_, _, metrics := logGet(t, "http://"+addr+"/metrics")
	if !strings.Contains(string(metrics), "jetdag_log_size 600") {
		t.Errorf("/metrics lacks jetdag_log_size 600")
	}
}
