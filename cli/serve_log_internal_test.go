package cli

import (
	"context"
	"log/slog"
	"net/http"
	"testing"

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
	get := routesGetter(t, routes)
	if code, body := get("/log/checkpoint"); code != http.StatusServiceUnavailable {
		t.Fatalf("/log/checkpoint before init: %d %s, want 503", code, body)
	}
	if code, body := get("/metrics"); code != http.StatusOK {
		t.Fatalf("/metrics before init: %d %s", code, body)
	}
	requireNoStoreStreams(ctx, t, nc, "building and asking the log routes")
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
