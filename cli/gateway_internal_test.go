package cli

import (
	"context"
	"log/slog"
	"net/http"
	"testing"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// serve's gateway route answers 503 while jetdag's streams do not exist (a cluster before
// `jetdag init`), creates nothing itself, and serves once they exist.
func TestLazyGatewayWaitsForInit(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	nc := srv.Connect(t)
	routes, err := gatewayRoutes(ctx, &env{logger: slog.New(slog.DiscardHandler)}, nc)
	if err != nil || len(routes) != 1 {
		t.Fatalf("gatewayRoutes: %v, %v", routes, err)
	}
	get := routesGetter(t, routes)
	if code, body := get("/ipfs/bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku?format=raw"); code != http.StatusServiceUnavailable {
		t.Fatalf("before init: %d %s, want 503", code, body)
	}
	requireNoStoreStreams(ctx, t, nc, "a request to the gateway")
	events, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := events.Append(ctx, "lazy-1", "Created", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.OpenObjects(ctx, nc, store.ObjectStoreConfig{}); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/ipfs/" + ev.CID.String() + "?format=raw"); code != http.StatusOK {
		t.Fatalf("after init: %d %s", code, body)
	}
}
