package cli_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

type statsOut struct {
	Events      uint64 `json:"events"`
	Aggregates  int    `json:"aggregates"`
	StreamBytes uint64 `json:"stream_bytes"`
	FirstSeq    uint64 `json:"first_seq"`
	LastSeq     uint64 `json:"last_seq"`
	Objects     int    `json:"objects"`
	ObjectBytes uint64 `json:"object_bytes"`
	Replicas    int    `json:"replicas"`
	Consumers   []struct {
		Name        string `json:"name"`
		Pending     uint64 `json:"num_pending"`
		AckPending  int    `json:"num_ack_pending"`
		Redelivered int    `json:"num_redelivered"`
		Delivered   uint64 `json:"delivered_seq"`
	} `json:"consumers"`
}

func TestStats(t *testing.T) {
	srv := storetest.Start(t)
	url := srv.ClientURL()
	var empty statsOut
	objRunOK(t, url, nil, &empty, "stats")
	if empty.Consumers == nil || len(empty.Consumers) != 0 {
		t.Fatalf("stats of an empty server: consumers %v, want []", empty.Consumers)
	}
	empty.Consumers = nil
	if !reflect.DeepEqual(empty, statsOut{}) {
		t.Fatalf("stats of a server without a store: %+v, want all zero", empty)
	}
	for _, a := range [][]string{
		{"--aggregate", "customer-1", "--type", "Created"},
		{"--aggregate", "customer-1", "--type", "Renamed"},
		{"--aggregate", "customer-1", "--type", "Renamed"},
		{"--aggregate", "order.7", "--type", "Created"}, // a dot inside the aggregate ID
		{"--aggregate", "order-8", "--type", "Created"},
	} {
		objRunOK(t, url, nil, nil, append([]string{"append"}, a...)...)
	}
	objRunOK(t, url, strings.NewReader("hello objects"), nil, "put")
	objRunOK(t, url, strings.NewReader(`{"a":1}`), nil, "put", "--json")
	objRunOK(t, url, strings.NewReader("hello objects"), nil, "put") // the same CID again
	// A projection service's durable consumer that has received two events and acknowledged
	// neither: three to go, two awaiting acks.
	pnc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer pnc.Close()
	pjs, _ := jetstream.New(pnc)
	cons, err := pjs.CreateConsumer(t.Context(), store.StreamName, jetstream.ConsumerConfig{Durable: "projection", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(2)
	if err != nil {
		t.Fatal(err)
	}
	for range batch.Messages() {
	}
	var st statsOut
	out := objRunOK(t, url, nil, &st, "stats")
	if len(st.Consumers) != 1 || st.Consumers[0].Name != "projection" || st.Consumers[0].Pending != 3 ||
		st.Consumers[0].AckPending != 2 || st.Consumers[0].Delivered != 2 {
		t.Errorf("stats consumers %+v, want projection with 3 pending, 2 awaiting ack, delivered to seq 2", st.Consumers)
	}
	st.Consumers = nil
	if strings.Count(out, "\n") != 1 {
		t.Errorf("stats printed %q, want one line", out)
	}
	// Objects counts the bucket's entries: blocks, a file being one or more of them.
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	obs, err := js.ObjectStore(t.Context(), store.ObjectBucket)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := obs.List(t.Context())
	if err != nil || len(entries) < 2 {
		t.Fatalf("bucket list: %d entries, %v", len(entries), err)
	}
	want := statsOut{Events: 5, Aggregates: 3, FirstSeq: 1, LastSeq: 5, Objects: len(entries), Replicas: 1}
	got := st
	got.StreamBytes, got.ObjectBytes = 0, 0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stats %+v, want %+v (bytes aside)", st, want)
	}
	if st.StreamBytes < 5*100 || st.ObjectBytes == 0 {
		t.Errorf("stats bytes: stream %d, objects %d", st.StreamBytes, st.ObjectBytes)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil || len(raw) != 9 {
		t.Errorf("stats line %q has %d fields: %v", out, len(raw), err)
	}
}
