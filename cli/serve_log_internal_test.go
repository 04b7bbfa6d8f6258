package cli

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// TestLogRoutesOpenLazily: serve's /log/ and /metrics routes touch nothing of the store when
// they are built (a cluster member's serve --http starts before its streams have leaders:
// opening the store then failed serve whole), answer 503 and a metrics page without the log
// before the streams exist, and serve the log once they do.
func TestLogRoutesOpenLazily(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	nc := srv.Connect(t)
	routes, err := logRoutes(ctx, &env{logger: slog.New(slog.DiscardHandler)}, nc)
	if err != nil {
		t.Fatalf("logRoutes: %v", err)
	}
	mux := http.NewServeMux()
	for _, r := range routes {
		mux.Handle(r.Pattern, r.Handler)
	}
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	get := func(p string) (int, string) {
		resp, err := http.Get(hs.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/log/checkpoint"); code != http.StatusServiceUnavailable {
		t.Fatalf("/log/checkpoint before init: %d %s, want 503", code, body)
	}
	if code, body := get("/metrics"); code != http.StatusOK {
		t.Fatalf("/metrics before init: %d %s", code, body)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range store.StoreStreams() {
		if _, err := js.Stream(ctx, name); !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Fatalf("stream %s after building and asking the log routes: %v, want none", name, err)
		}
	}
	events, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.OpenObjects(ctx, nc, store.ObjectStoreConfig{EventExists: events.Exists}); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/log/checkpoint"); code == http.StatusServiceUnavailable {
		t.Fatalf("/log/checkpoint after init: %d %s", code, body)
	}
}
