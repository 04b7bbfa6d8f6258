package cli

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
	"github.com/nats-io/nats.go/jetstream"
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
	hs := httptest.NewServer(routes[0].Handler)
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
	if code, body := get("/ipfs/bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku?format=raw"); code != http.StatusServiceUnavailable {
		t.Fatalf("before init: %d %s, want 503", code, body)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range store.StoreStreams() {
		if _, err := js.Stream(ctx, name); !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Fatalf("stream %s after a request to the gateway: %v, want none", name, err)
		}
	}
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
