// Package storemetrics exposes a jetdag store's figures to Prometheus: the event stream's
// messages, bytes and sequences, the object bucket's size, and the consumers reading the
// stream (their lag). `jetdag serve --metrics ADDR` and `jetdag view --metrics ADDR` serve it.
// Figures are read from JetStream at scrape time, so the collector holds no state of its own.
package storemetrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jetdag/jetdag/store"
)

// Collector reads the store's figures on every scrape.
type Collector struct {
	nc    *nats.Conn
	js    jetstream.JetStream
	extra []prometheus.Collector

	messages, bytes, firstSeq, lastSeq, subjects, consumers *prometheus.Desc
	consumerPending, consumerAckPending, bucketBytes, up    *prometheus.Desc
}

// NewCollector returns a collector for the store behind nc.
func NewCollector(nc *nats.Conn) (*Collector, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("jetdag_"+name, help, labels, nil)
	}
	return &Collector{
		nc:                 nc,
		js:                 js,
		messages:           d("stream_messages", "Messages in the event-store stream (events and rejected messages)."),
		bytes:              d("stream_bytes", "Bytes stored by the event-store stream."),
		firstSeq:           d("stream_first_seq", "First sequence of the event-store stream."),
		lastSeq:            d("stream_last_seq", "Last sequence of the event-store stream."),
		subjects:           d("stream_subjects", "Distinct subjects (aggregate and event type pairs) in the stream."),
		consumers:          d("stream_consumers", "Consumers reading the event-store stream."),
		consumerPending:    d("consumer_pending", "Messages a durable consumer of the stream has yet to receive.", "consumer"),
		consumerAckPending: d("consumer_ack_pending", "Messages a durable consumer received and has not acknowledged.", "consumer"),
		bucketBytes:        d("object_bucket_bytes", "Bytes stored by the object-store bucket."),
		up:                 d("up", "1 when JetStream answered this scrape."),
	}, nil
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.messages, c.bytes, c.firstSeq, c.lastSeq, c.subjects, c.consumers, c.consumerPending, c.consumerAckPending, c.bucketBytes, c.up} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	s, err := c.js.Stream(ctx, store.StreamName)
	if err != nil {
		gauge(c.up, 0)
		return
	}
	info, err := s.Info(ctx)
	if err != nil {
		gauge(c.up, 0)
		return
	}
	gauge(c.up, 1)
	st := info.State
	gauge(c.messages, float64(st.Msgs))
	gauge(c.bytes, float64(st.Bytes))
	gauge(c.firstSeq, float64(st.FirstSeq))
	gauge(c.lastSeq, float64(st.LastSeq))
	gauge(c.subjects, float64(st.NumSubjects))
	gauge(c.consumers, float64(st.Consumers))
	// A user who may not list consumers (a read-only viewer without CONSUMER.LIST) gets no
	// lag gauges; the server drops the request silently, so do not wait out the timeout.
	list := "$JS.API.CONSUMER.LIST." + store.StreamName
	if store.PermissionDenied(c.nc, list) == nil {
		lctx, lcancel := store.CancelOnDenied(ctx, c.nc, list)
		for ci := range s.ListConsumers(lctx).Info() {
			if ci.Config.Durable != "" {
				gauge(c.consumerPending, float64(ci.NumPending), ci.Name)
				gauge(c.consumerAckPending, float64(ci.NumAckPending), ci.Name)
			}
		}
		lcancel()
	}
	if os, err := c.js.ObjectStore(ctx, store.ObjectBucket); err == nil {
		if bs, err := os.Status(ctx); err == nil {
			gauge(c.bucketBytes, float64(bs.Size()))
		}
	}
}

// Serve serves /metrics on addr until ctx ends. extra collectors (a window's own gauges) are
// registered beside the store's. It returns the address it listens on once it does.
func Serve(ctx context.Context, addr string, nc *nats.Conn, log *slog.Logger, extra ...prometheus.Collector) (string, error) {
	col, err := NewCollector(nc)
	if err != nil {
		return "", err
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(col); err != nil {
		return "", err
	}
	for _, x := range extra {
		if err := reg.Register(x); err != nil {
			return "", err
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("metrics listener %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	context.AfterFunc(ctx, func() { _ = srv.Close() })
	return ln.Addr().String(), nil
}
