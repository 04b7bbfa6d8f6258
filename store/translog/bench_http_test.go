package translog_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jetdag/jetdag/store/translog"
)

// spread reports the minimum, median and maximum of ds in milliseconds as metrics named
// name_min_ms, name_median_ms and name_max_ms.
func spread(b *testing.B, name string, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(s[0]), name+"_min_ms")
	b.ReportMetric(ms(s[len(s)/2]), name+"_median_ms")
	b.ReportMetric(ms(s[len(s)-1]), name+"_max_ms")
}

// serveLog serves l's Handler on a loopback listener, as `serve --http` does, and returns
// the base URL of the log (…/log/).
func serveLog(b *testing.B, ctx context.Context, l *translog.Log) string {
	hs := httptest.NewServer(l.Handler(ctx))
	b.Cleanup(hs.Close)
	return hs.URL + translog.HTTPPrefix
}

// getCheckpoint fetches the latest note from base and returns its body.
func getCheckpoint(b *testing.B, hc *http.Client, base string) []byte {
	resp, err := hc.Get(base + "checkpoint")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("checkpoint: %s %v", resp.Status, err)
	}
	return body
}

// BenchmarkHTTPProof measures what a client of `serve --http` does for an inclusion proof:
// it fetches the tiles the proof needs from /log/tile/… (a fresh torchwood TileFetcher each
// op: new connections, no client cache, the tiles of a proof in parallel), computes the proof
// over them with x/mod's tlog.ProveRecord (every tile checked against the root it holds) and
// checks it with tlog.CheckRecord ("http_proof"); "http_proof_with_note" adds fetching the
// checkpoint first and opening it with the log's key (a client that holds no note yet). The
// server is the handler serve runs (Log.Handler over a Log opened as serve opens it, without a
// verifier) on a real loopback listener, its tiles warmed as serve warms them. Beside it, in
// the same op and in alternating order, the library call ("library_proof"): a warmed Log
// proving the same leaf (Log.HashReader and the same two tlog calls, as `log prove` and the
// window do). Each op is a leaf in another level-0 tile, which neither side has cached (both
// read it from the bucket; the server holds its message block, read just before for the
// leaf's CID). The store is BenchmarkColdProof's ($JETDAG_LOG_BENCH_LEAVES,
// $JETDAG_LOG_BENCH_DIR); run it with -benchtime Nx for N leaves and read min, median and max.
func BenchmarkHTTPProof(b *testing.B) {
	ctx := context.Background()
	bl := newBenchLog(b)
	served, cp, nc := bl.reader(translog.Config{})
	defer nc.Close()
	lib, _, nc2 := bl.reader(translog.Config{Verifier: bl.v})
	defer nc2.Close()
	oracle, _, nc3 := bl.reader(translog.Config{Verifier: bl.v}) // reads each leaf's CID
	defer nc3.Close()
	for _, l := range []*translog.Log{served, lib} {
		if err := l.Warm(ctx, cp); err != nil {
			b.Fatal(err)
		}
	}
	base := serveLog(b, ctx, served)
	var httpD, noteD, libD []time.Duration
	var hashes int
	b.ResetTimer()
	for k := range b.N {
		b.StopTimer()
		i := (int64(k)*7919*tlog.HashSize + cp.N/3) % cp.N // another level-0 tile each op
		leaf, err := oracle.Leaf(ctx, cp, i)
		if err != nil {
			b.Fatal(err)
		}
		rh := tlog.RecordHash(leaf.Bytes())
		overHTTP := func() time.Duration {
			fetcher, err := torchwood.NewTileFetcher(base)
			if err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			p, err := tlog.ProveRecord(cp.N, i, torchwood.TileHashReaderWithContext(ctx, cp.Tree, fetcher))
			if err == nil {
				err = tlog.CheckRecord(p, cp.N, cp.Hash, i, rh)
			}
			d := time.Since(t0)
			if err != nil {
				b.Fatalf("leaf %d over HTTP: %v", i, err)
			}
			hashes = len(p)
			return d
		}
		withNote := func() time.Duration {
			hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
			fetcher, err := torchwood.NewTileFetcher(base, torchwood.WithHTTPClient(hc))
			if err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			n, err := note.Open(getCheckpoint(b, hc, base), note.VerifierList(bl.v))
			if err != nil {
				b.Fatal(err)
			}
			c, err := torchwood.ParseCheckpoint(n.Text)
			if err != nil {
				b.Fatal(err)
			}
			p, err := tlog.ProveRecord(c.N, i, torchwood.TileHashReaderWithContext(ctx, c.Tree, fetcher))
			if err == nil {
				err = tlog.CheckRecord(p, c.N, c.Hash, i, rh)
			}
			d := time.Since(t0)
			if err != nil {
				b.Fatalf("leaf %d over HTTP with the note: %v", i, err)
			}
			return d
		}
		library := func() time.Duration {
			t0 := time.Now()
			p, err := tlog.ProveRecord(cp.N, i, lib.HashReader(ctx, cp))
			if err == nil {
				err = tlog.CheckRecord(p, cp.N, cp.Hash, i, rh)
			}
			d := time.Since(t0)
			if err != nil {
				b.Fatalf("leaf %d by the library: %v", i, err)
			}
			return d
		}
		b.StartTimer()
		var h, l time.Duration
		if k%2 == 0 {
			h, l = overHTTP(), library()
		} else {
			l, h = library(), overHTTP()
		}
		b.StopTimer()
		nd := withNote() // same leaf: its tile now in the handler's cache
		httpD, libD, noteD = append(httpD, h), append(libD, l), append(noteD, nd)
		b.Logf("leaf %d: over HTTP %.3f ms, library %.3f ms, over HTTP with the note (tiles cached by then) %.3f ms",
			i, float64(h.Microseconds())/1000, float64(l.Microseconds())/1000, float64(nd.Microseconds())/1000)
		b.StartTimer()
	}
	b.StopTimer()
	spread(b, "http_proof", httpD)
	spread(b, "library_proof", libD)
	spread(b, "http_proof_with_note", noteD)
	b.ReportMetric(float64(hashes), "proof_hashes")
	b.ReportMetric(float64(hashes*tlog.HashSize), "proof_bytes")
}

// BenchmarkServeCheckpoint measures GET /log/checkpoint on a serving process that has not
// seen the latest checkpoint yet, as a serve just started (or one that just adopted a new
// checkpoint) has: each op restarts the NATS server (so it holds none of the tile bucket's
// message blocks, the slowest case for warming), opens a Log as serve does, serves its
// Handler on a loopback listener, and times the first request (which finds the checkpoint new
// and has its tiles warmed) and the next one ("first", "second"); then, untimed, it waits for
// the tiles to be warm (an explicit Warm). The store is BenchmarkColdProof's.
func BenchmarkServeCheckpoint(b *testing.B) {
	ctx := context.Background()
	bl := newBenchLog(b)
	var first, second []time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		bl.srv.Restart()
		l, cp, nc := bl.reader(translog.Config{})
		hctx, cancel := context.WithCancel(ctx)
		hs := httptest.NewServer(l.Handler(hctx))
		base := hs.URL + translog.HTTPPrefix
		hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		b.StartTimer()
		t0 := time.Now()
		body := getCheckpoint(b, hc, base)
		d1 := time.Since(t0)
		t0 = time.Now()
		getCheckpoint(b, hc, base)
		d2 := time.Since(t0)
		b.StopTimer()
		if !strings.HasPrefix(string(body), cp.Origin+"\n") {
			b.Fatalf("served %q", body)
		}
		if err := l.Warm(ctx, cp); err != nil {
			b.Fatal(err)
		}
		first, second = append(first, d1), append(second, d2)
		b.Logf("first request %.3f ms, second %.3f ms", float64(d1.Microseconds())/1000, float64(d2.Microseconds())/1000)
		hs.Close()
		cancel()
		nc.Close()
		b.StartTimer()
	}
	b.StopTimer()
	spread(b, "first", first)
	spread(b, "second", second)
}
