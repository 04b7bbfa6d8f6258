package viewer

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// The window works for a read-only user (the viewer permissions of docs/operations.md), also
// on a store whose object bucket nobody has created yet.
func TestViewerReadOnly(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	viewerPub := []string{"$JS.API.INFO", "$JS.API.STREAM.INFO.>", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.LIST",
		"$JS.API.CONSUMER.CREATE.>", "$JS.API.CONSUMER.DELETE.>", "$JS.API.CONSUMER.INFO.>", "$JS.API.CONSUMER.LIST.>",
		"$JS.API.CONSUMER.MSG.NEXT.>", "$JS.API.DIRECT.GET.>", "$JS.API.STREAM.MSG.GET.>", "$JS.FC.>"}
	srv := storetest.StartConfigured(t, func(o *natsserver.Options) {
		o.Users = []*natsserver.User{
			{Username: "admin", Password: "admin-pw"},
			{Username: "viewer", Password: "viewer-pw", Permissions: &natsserver.Permissions{
				Publish:   &natsserver.SubjectPermission{Allow: viewerPub},
				Subscribe: &natsserver.SubjectPermission{Allow: []string{"_INBOX.>"}},
			}},
		}
	})
	admin, err := store.Connect(ctx, store.ConnConfig{Servers: []string{srv.ClientURL()}, User: "admin", Password: "admin-pw"})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	es, err := store.OpenEvents(ctx, admin, store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := es.Append(ctx, "ro", "Tick", nil); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	src, closeSrc, err := openSource(ctx, cli.ViewRequest{
		Conn:      store.ConnConfig{Servers: []string{srv.ClientURL()}, User: "viewer", Password: "viewer-pw"},
		NATSGiven: true,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("read-only viewer: %v", err)
	}
	defer closeSrc()
	t.Logf("opened in %s", time.Since(start).Round(time.Millisecond))
	graph := runWorld(ctx, ecs.Config{}, src)
	for graph.Stats().Events < 5 {
		if ctx.Err() != nil {
			t.Fatalf("world holds %d events, want 5", graph.Stats().Events)
		}
		graph.Update()
		time.Sleep(5 * time.Millisecond)
	}
	// A live append reaches the read-only window too.
	if _, err := es.Append(ctx, "ro", "Tick", nil); err != nil {
		t.Fatal(err)
	}
	for graph.Stats().Events < 6 {
		if ctx.Err() != nil {
			t.Fatalf("live event never arrived")
		}
		graph.Update()
		time.Sleep(5 * time.Millisecond)
	}
	// Once an administrator creates the bucket and stores an object, the window shows it.
	objs, err := store.OpenObjects(ctx, admin, store.ObjectStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := objs.Store(ctx, map[string]any{"invoice": 1}, cid.Undef); err != nil {
		t.Fatal(err)
	}
	for graph.Stats().Objects < 1 {
		if ctx.Err() != nil {
			t.Fatalf("the object stored after the window opened never arrived")
		}
		graph.Update()
		time.Sleep(10 * time.Millisecond)
	}
}

// Explore mode works for a read-only user too, live included: its index writes are refused,
// so children come from the window scan; a new event after the shown head and a new child of
// it (another aggregate) appear.
func TestExploreReadOnlyLive(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	viewerPub := []string{"$JS.API.INFO", "$JS.API.STREAM.INFO.>", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.LIST",
		"$JS.API.CONSUMER.CREATE.>", "$JS.API.CONSUMER.DELETE.>", "$JS.API.CONSUMER.INFO.>", "$JS.API.CONSUMER.LIST.>",
		"$JS.API.CONSUMER.MSG.NEXT.>", "$JS.API.DIRECT.GET.>", "$JS.API.STREAM.MSG.GET.>", "$JS.FC.>"}
	srv := storetest.StartConfigured(t, func(o *natsserver.Options) {
		o.Users = []*natsserver.User{
			{Username: "admin", Password: "admin-pw"},
			{Username: "viewer", Password: "viewer-pw", Permissions: &natsserver.Permissions{
				Publish:   &natsserver.SubjectPermission{Allow: viewerPub},
				Subscribe: &natsserver.SubjectPermission{Allow: []string{"_INBOX.>"}},
			}},
		}
	})
	admin, err := store.Connect(ctx, store.ConnConfig{Servers: []string{srv.ClientURL()}, User: "admin", Password: "admin-pw"})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	es, err := store.OpenEvents(ctx, admin, store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	a1, err := es.Append(ctx, "order-1", "Placed", nil)
	if err != nil {
		t.Fatal(err)
	}
	kid, err := es.Append(ctx, "payment-1", "Taken", nil, a1.CID)
	if err != nil {
		t.Fatal(err)
	}
	src, closeSrc, err := openSource(ctx, cli.ViewRequest{
		Conn:      store.ConnConfig{Servers: []string{srv.ClientURL()}, User: "viewer", Password: "viewer-pw"},
		NATSGiven: true,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer closeSrc()
	ex, err := newExploreSource(ctx, src, "order-1", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	bridge := ecs.NewBridge(64)
	g := ecs.NewGraph(ecs.Config{Partial: true}, bridge)
	g.Start(ctx)
	go func() { _ = bridge.Run(ctx, ex) }()
	waitWorld(t, ctx, g, func() bool { return g.Stats().CaughtUp })
	if m := present(g, a1.CID, kid.CID); m != nil {
		t.Fatalf("read-only explore around order-1: missing %v of a1, its child", m)
	}
	a2, err := es.Append(ctx, "order-1", "Paid", nil)
	if err != nil {
		t.Fatal(err)
	}
	late, err := es.Append(ctx, "audit-1", "Seen", nil, a1.CID)
	if err != nil {
		t.Fatal(err)
	}
	waitWorld(t, ctx, g, func() bool { return len(present(g, a2.CID, late.CID)) == 0 })
	if st := g.Stats(); st.Events != 4 {
		t.Errorf("read-only live explore: %d events, want 4", st.Events)
	}
}
