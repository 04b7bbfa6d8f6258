// This file is the HTTP listener that `serve --http` shares between features. Each feature
// (the IPFS gateway, the transparency log, metrics, ...) adds one line to httpRouteSet and
// returns its handlers by name; serveHTTP mounts them all on one address.

package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store"
)

// httpRoute is one handler on the shared HTTP listener.
type httpRoute struct {
	// Name says what the route serves ("gateway", ...); serve reports each route's URL under
	// its name.
	Name string
	// Pattern is the net/http ServeMux pattern it answers, e.g. "/ipfs/".
	Pattern string
	Handler http.Handler
}

// httpRoutesFunc builds one feature's routes over an open connection to the store.
type httpRoutesFunc func(ctx context.Context, e *env, nc *nats.Conn) ([]httpRoute, error)

// httpRouteSet lists the features `serve --http` serves, one line per feature file.
func httpRouteSet() []httpRoutesFunc {
	return []httpRoutesFunc{
		gatewayRoutes, // gateway.go
		logRoutes,     // serve_log.go
	}
}

// buildRoutes runs every feature of httpRouteSet on nc.
func buildRoutes(ctx context.Context, e *env, nc *nats.Conn) ([]httpRoute, error) {
	var all []httpRoute
	for _, f := range httpRouteSet() {
		rs, err := f(ctx, e, nc)
		if err != nil {
			return nil, err
		}
		all = append(all, rs...)
	}
	return all, nil
}

// serveHTTP listens on addr and serves routes until ctx ends. It returns the address it is
// bound to (addr may name port 0) and a report naming each route's URL.
func serveHTTP(ctx context.Context, addr string, routes []httpRoute, log *slog.Logger) (string, map[string]string, error) {
	mux := http.NewServeMux()
	for _, r := range routes {
		mux.Handle(r.Pattern, r.Handler)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, badInput(fmt.Errorf("--http %s: %w", addr, err))
	}
	bound := ln.Addr().String()
	report := map[string]string{"http": "http://" + bound}
	for _, r := range routes {
		report[r.Name] = "http://" + bound + r.Pattern
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("HTTP server stopped", "addr", bound, "err", err)
		}
	}()
	context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	return bound, report, nil
}

// serveRoutes connects with cfg, builds every feature's routes and serves them on addr until
// ctx ends, adding their URLs to report.
func serveRoutes(ctx context.Context, e *env, cfg store.ConnConfig, addr string, report map[string]string) error {
	nc, err := store.Connect(ctx, cfg)
	if err != nil {
		return fmt.Errorf("HTTP connection: %w", err)
	}
	context.AfterFunc(ctx, nc.Close)
	routes, err := buildRoutes(ctx, e, nc)
	if err != nil {
		nc.Close()
		return err
	}
	_, rep, err := serveHTTP(ctx, addr, routes, e.logger)
	if err != nil {
		nc.Close()
		return err
	}
	for k, v := range rep {
		report[k] = v
	}
	return nil
}

// lazy opens a value over the store (a route's handler, the log) on first use, once jetdag's
// streams exist: serve's listener starts before a cluster has elected its leaders and before
// `jetdag init` has created the streams, so nothing is opened at start-up. A failed open is
// tried again on the next use.
type lazy[T any] struct {
	nc   *nats.Conn
	open func(context.Context) (T, error)

	mu     sync.Mutex
	v      T
	opened bool
}

func newLazy[T any](nc *nats.Conn, open func(context.Context) (T, error)) *lazy[T] {
	return &lazy[T]{nc: nc, open: open}
}

// get returns the value, opening it when it is not yet open.
func (l *lazy[T]) get(ctx context.Context) (T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.opened {
		return l.v, nil
	}
	var zero T
	js, err := jetstream.New(l.nc)
	if err != nil {
		return zero, err
	}
	for _, name := range store.StoreStreams() {
		if _, err := js.Stream(ctx, name); err != nil {
			return zero, fmt.Errorf("stream %s: %w (run jetdag init)", name, err)
		}
	}
	v, err := l.open(ctx)
	if err != nil {
		return zero, err
	}
	l.v, l.opened = v, true
	return v, nil
}

// lazyHandler serves the handler l opens, answering 503 until it can be opened.
func lazyHandler(l *lazy[http.Handler]) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, err := l.get(r.Context())
		if err != nil {
			http.Error(w, "jetdag store not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	})
}
