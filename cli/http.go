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
	"time"

	"github.com/nats-io/nats.go"

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
