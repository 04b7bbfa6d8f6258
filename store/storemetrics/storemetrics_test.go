package storemetrics_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storemetrics"
	"github.com/jetdag/jetdag/store/storetest"
)

func TestServeMetrics(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := storetest.Start(t)
	nc := srv.Connect(t)
	es, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := es.Append(ctx, "m", "E", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	// A durable consumer that received one event and has not acknowledged it.
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := js.CreateConsumer(ctx, store.StreamName, jetstream.ConsumerConfig{Durable: "proj", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(1)
	if err != nil {
		t.Fatal(err)
	}
	for range batch.Messages() {
	}
	lag := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "jetdag_test_extra", Help: "an extra gauge"}, func() float64 { return 7 })
	addr, err := storemetrics.Serve(ctx, "127.0.0.1:0", nc, slog.New(slog.DiscardHandler), lag)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{"jetdag_up 1", "jetdag_stream_messages 3", "jetdag_stream_last_seq 3", "jetdag_stream_subjects 1", "jetdag_test_extra 7",
		`jetdag_consumer_pending{consumer="proj"} 2`, `jetdag_consumer_ack_pending{consumer="proj"} 1`, "jetdag_stream_consumers 1"} {
		if !strings.Contains(string(body), want+"\n") {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}

// A read-only user that may not list consumers still gets every other figure.
func TestMetricsWithoutConsumerList(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := storetest.StartConfigured(t, func(o *natsserver.Options) {
		o.Users = []*natsserver.User{
			{Username: "admin", Password: "admin-pw"},
			{Username: "viewer", Password: "viewer-pw", Permissions: &natsserver.Permissions{
				Publish: &natsserver.SubjectPermission{
					Allow: []string{"$JS.API.>"}, Deny: []string{"$JS.API.CONSUMER.LIST.>"},
				},
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
	if _, err := es.Append(ctx, "m", "E", nil); err != nil {
		t.Fatal(err)
	}
	viewer, err := store.Connect(ctx, store.ConnConfig{Servers: []string{srv.ClientURL()}, User: "viewer", Password: "viewer-pw"})
	if err != nil {
		t.Fatal(err)
	}
	defer viewer.Close()
	addr, err := storemetrics.Serve(ctx, "127.0.0.1:0", viewer, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second scrape knows the refusal already
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "jetdag_up 1\n") || !strings.Contains(string(body), "jetdag_stream_messages 1\n") ||
			strings.Contains(string(body), "jetdag_consumer_pending{") {
			t.Fatalf("viewer's metrics:\n%s", body)
		}
	}
}
