package cli

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store"
)

// routesGetter mounts routes on a real HTTP server, as serve --http does, for the test's
// length, and returns a GET of a path there that answers the status and the body.
func routesGetter(t *testing.T, routes []httpRoute) func(path string) (int, string) {
	t.Helper()
	mux := http.NewServeMux()
	for _, r := range routes {
		mux.Handle(r.Pattern, r.Handler)
	}
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return func(p string) (int, string) {
		resp, err := http.Get(hs.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
}

// requireNoStoreStreams fails the test when any of jetdag's streams exists on nc's server
// (after says after what: the routes must have created none).
func requireNoStoreStreams(ctx context.Context, t *testing.T, nc *nats.Conn, after string) {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range store.StoreStreams() {
		if _, err := js.Stream(ctx, name); !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Fatalf("stream %s after %s: %v, want none", name, after, err)
		}
	}
}
