package translog

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"filippo.io/torchwood"
)

// HTTPPrefix is where jetdag serves the log: /log/checkpoint and /log/tile/….
const HTTPPrefix = "/log/"

// Handler serves the log by C2SP tlog-tiles under HTTPPrefix: GET checkpoint (the latest
// signed note, text/plain, never cached), tile/<L>/<N>[.p/<W>] and tile/entries/<N>[.p/<W>]
// (application/octet-stream; full tiles are immutable and cached for a year). A tile not yet
// stored at that width is 404, a malformed path 400. The first request that finds a new
// checkpoint starts reading its right edge and upper tiles into the cache (Warm) in the
// background and is answered at once, so no request waits for it; the tiles a client asks
// for next, and every proof's partial tiles, then come from memory. When warming fails (tiles
// unreadable), it is tried again for that checkpoint at most once every warmRetry, not on
// every request. ctx bounds the background warming (serve's lifetime): once it ends, no more
// warming starts.
func (l *Log) Handler(ctx context.Context) http.Handler {
	warm := &warmer{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		path, ok := strings.CutPrefix(r.URL.Path, HTTPPrefix)
		if !ok {
			http.NotFound(w, r)
			return
		}
		if path == "checkpoint" {
			cp, err := l.Latest(r.Context())
			if errors.Is(err, ErrNoCheckpoint) {
				http.Error(w, "no checkpoint yet", http.StatusNotFound)
				return
			}
			if err != nil {
				l.serverError(w, "checkpoint", err)
				return
			}
			if ctx.Err() == nil && warm.due(cp.N, time.Now()) {
				go l.warmServed(ctx, warm, cp)
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write(cp.Note)
			return
		}
		t, err := torchwood.ParseTilePath(path)
		if err != nil || t.H != TileHeight {
			http.Error(w, "malformed tile path", http.StatusBadRequest)
			return
		}
		data, err := l.tiles.read(r.Context(), t)
		if errors.Is(err, ErrTileMissing) {
			http.Error(w, "tile not found", http.StatusNotFound)
			return
		}
		if err != nil {
			l.serverError(w, path, err)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		if t.W == tileWidth {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=60")
		}
		_, _ = w.Write(data)
	})
}

// warmServed warms the tiles of cp, a checkpoint the handler just served, for at most
// warmTimeout, and records the outcome in warm.
func (l *Log) warmServed(ctx context.Context, warm *warmer, cp *Checkpoint) {
	ctx, cancel := context.WithTimeout(ctx, warmTimeout)
	defer cancel()
	err := l.Warm(ctx, cp)
	if err != nil {
		l.log.Warn("log HTTP: the checkpoint's tiles", "size", cp.N, "err", err, "retry_in", warmRetry)
	}
	warm.done(cp.N, err == nil)
}

func (l *Log) serverError(w http.ResponseWriter, what string, err error) {
	l.log.Error("log HTTP", "path", what, "err", err)
	http.Error(w, "the store did not answer", http.StatusServiceUnavailable)
}

// warmRetry is how long the handler waits before warming a checkpoint's tiles again after
// a failed attempt.
const warmRetry = 10 * time.Second

// warmTimeout bounds one background warming (at most warmBatch upper tiles and the right
// edge: well under a second on a server that answers).
const warmTimeout = time.Minute

// warmer remembers which checkpoint size the handler warmed, or last tried to, so that at
// most one warming runs at a time and a failure is retried only after warmRetry.
type warmer struct {
	mu      sync.Mutex
	warmed  int64 // size warmed (0 before any)
	tried   int64 // size of the last attempt
	at      time.Time
	running bool
}

// due reports whether a request serving the checkpoint of size n should start warming it
// now; if so, done must be called when that warming ends.
func (w *warmer) due(n int64, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running || n == w.warmed || n == w.tried && now.Sub(w.at) < warmRetry {
		return false
	}
	w.running, w.tried, w.at = true, n, now
	return true
}

// done records the outcome of the attempt due allowed.
func (w *warmer) done(n int64, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.running = false
	if ok {
		w.warmed = n
	}
}
