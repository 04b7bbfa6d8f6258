// This file is the transparency log's part of `jetdag serve`: --log-key keeps the log up to
// date (a checkpoint every --checkpoint-every while events arrive), and --http serves it under
// /log/ (C2SP tlog-tiles) with /metrics beside it.

package cli

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/mod/sumdb/note"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storemetrics"
	"github.com/jetdag/jetdag/store/translog"
)

// openLogOn opens the event store, the object store and the log on nc. The CID index and the
// object bucket, when it has to create them, get the event stream's replicas: a cluster
// member's checkpointer that opens the log while `jetdag init --replicas 3` is still creating
// them must not make them R1 (init would then scale them up, and the one node holding them
// would be a single point of failure until the new replicas catch up).
func openLogOn(ctx context.Context, e *env, nc *nats.Conn, cfg translog.Config) (*translog.Log, error) {
	replicas := 0
	if js, err := jetstream.New(nc); err == nil {
		if s, err := js.Stream(ctx, store.StreamName); err == nil {
			replicas = s.CachedInfo().Config.Replicas
		}
	}
	es, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{Logger: e.logger, Replicas: replicas})
	if err != nil {
		return nil, storeErr(err)
	}
	objs, err := store.OpenObjects(ctx, nc, store.ObjectStoreConfig{Logger: e.logger, EventExists: es.Exists, Replicas: replicas})
	if err != nil {
		return nil, storeErr(err)
	}
	cfg.Logger = e.logger
	return translog.Open(ctx, nc, es, objs, cfg)
}

// logRoutes serves the log's tiles and checkpoint at /log/ and the store's metrics, with the
// log's own gauges, at /metrics. The log is opened on first use (see lazy), so serve starts
// before a cluster has its leaders; until then /log/ answers 503 and /metrics leaves the log's
// gauges out. ctx (serve's lifetime) bounds the handler's background warming of new
// checkpoints' tiles.
func logRoutes(serveCtx context.Context, e *env, nc *nats.Conn) ([]httpRoute, error) {
	log := newLazy(nc, func(ctx context.Context) (*translog.Log, error) {
		return openLogOn(ctx, e, nc, translog.Config{})
	})
	tiles := newLazy(nc, func(ctx context.Context) (http.Handler, error) {
		l, err := log.get(ctx)
		if err != nil {
			return nil, err
		}
		return l.Handler(serveCtx), nil
	})
	col, err := storemetrics.NewCollector(nc)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(col); err != nil {
		return nil, err
	}
	if err := reg.Register(logCollector{log: log}); err != nil {
		return nil, err
	}
	return []httpRoute{
		{Name: "log", Pattern: translog.HTTPPrefix, Handler: lazyHandler(tiles)},
		{Name: "metrics", Pattern: "/metrics", Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{})},
	}, nil
}

var (
	logSizeDesc = prometheus.NewDesc("jetdag_log_size", "Tree size (accepted events) of the latest checkpoint.", nil, nil)
	logAgeDesc  = prometheus.NewDesc("jetdag_log_checkpoint_age_seconds", "Seconds since the latest checkpoint was stored.", nil, nil)
)

// logCollector reports the latest checkpoint at each scrape.
type logCollector struct{ log *lazy[*translog.Log] }

func (c logCollector) Describe(ch chan<- *prometheus.Desc) { ch <- logSizeDesc; ch <- logAgeDesc }

func (c logCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	l, err := c.log.get(ctx)
	if err != nil {
		return
	}
	cp, err := l.Latest(ctx)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(logSizeDesc, prometheus.GaugeValue, float64(cp.N))
	ch <- prometheus.MustNewConstMetric(logAgeDesc, prometheus.GaugeValue, time.Since(cp.Time).Seconds())
}

// checkpointer is serve's log writer: a checkpoint every `every` while the stream grows.
type checkpointer struct {
	signer note.Signer
	every  time.Duration
	// awaitStream: a cluster member's checkpointer waits for the event stream (jetdag init
	// --replicas N makes it) instead of creating it with one replica.
	awaitStream bool
}

// eventStreamExists reports whether the event stream is there (false also when the server
// cannot say yet: a cluster without its meta leader).
func eventStreamExists(ctx context.Context, nc *nats.Conn) bool {
	js, err := jetstream.New(nc)
	if err != nil {
		return false
	}
	_, err = js.Stream(ctx, store.StreamName)
	return err == nil
}

// newCheckpointer reads the key file first, so a bad key stops serve before it serves.
func newCheckpointer(keyFile string, every time.Duration) (*checkpointer, error) {
	if keyFile == "" {
		return nil, nil
	}
	if every <= 0 {
		return nil, badInputf("--checkpoint-every %s: want a positive duration", every)
	}
	s, _, err := readSigner("--log-key", keyFile)
	if err != nil {
		return nil, err
	}
	return &checkpointer{signer: s, every: every}, nil
}

// run checkpoints until ctx ends. Failures (the server not ready, a racing checkpointer, a
// stream that disagrees with the log) are logged and retried at the next tick. The log's
// stream and bucket get the event stream's replicas.
func (c *checkpointer) run(ctx context.Context, e *env, cfg store.ConnConfig) {
	nc, err := store.Connect(ctx, cfg)
	if err != nil {
		e.logger.Error("checkpointer: no connection", "err", err)
		return
	}
	defer nc.Close()
	var l *translog.Log
	tick := time.NewTicker(c.every)
	defer tick.Stop()
	waiting := false
	for {
		if l == nil && c.awaitStream && !eventStreamExists(ctx, nc) {
			if !waiting {
				e.logger.Info("checkpointer: waiting for the event stream (jetdag init --replicas N)")
				waiting = true
			}
		} else if l == nil {
			l, err = openLogOn(ctx, e, nc, translog.Config{Signer: c.signer})
			if err != nil {
				e.logger.Warn("checkpointer: log not open yet", "err", err)
				l = nil
			}
		}
		if l != nil {
			cctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
			res, err := l.Checkpoint(cctx)
			cancel()
			switch {
			case err != nil && ctx.Err() == nil:
				level := e.logger.Warn
				if errors.Is(err, translog.ErrInconsistent) || errors.Is(err, translog.ErrForeignOrigin) || errors.Is(err, translog.ErrTileConflict) {
					level = e.logger.Error
				}
				level("checkpoint failed", "err", err)
			case err == nil && res.Published:
				e.logger.Info("checkpoint", "size", res.N, "seq", res.Seq)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
