package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// Every character NATS headers might trim or mangle, at the start, in the middle, at the end
// and alone, goes through a real server in a header: each value ValidateName accepts comes
// back unchanged, stored (GetMsg) and delivered (a subscription), and each one it refuses for
// a space, tab, CR or LF does not, so the rule refuses exactly what NATS would mangle.
func TestNameCharactersThroughNATS(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	nc := srv.Connect(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "names", Subjects: []string{"names.>"}, Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := nc.SubscribeSync("names.>")
	if err != nil {
		t.Fatal(err)
	}
	var chars []string
	for b := range 0x80 {
		chars = append(chars, string(rune(b)))
	}
	// Unicode spaces and invisibles: none is trimmed by NATS, so all are allowed.
	chars = append(chars, "\u0085", "\u00a0", "\u1680", "\u2000", "\u200b", "\u2028", "\u2029", "\u3000", "\ufeff")
	tried, refused := 0, 0
	for _, ch := range chars {
		for _, v := range []string{ch + "x", "x" + ch + "y", "x" + ch, ch} {
			accepted := ValidateName("aggregate ID", v) == nil
			if !accepted && !errors.Is(ValidateName("aggregate ID", v), ErrInvalidName) {
				t.Fatalf("refusal of %q does not wrap ErrInvalidName", v)
			}
			ack, err := js.PublishMsg(ctx, &nats.Msg{Subject: "names.x", Header: nats.Header{HeaderAggregateID: []string{v}}, Data: []byte("x")})
			if err != nil {
				t.Fatalf("publish %q: %v", v, err)
			}
			stored, err := stream.GetMsg(ctx, ack.Sequence)
			if err != nil {
				t.Fatal(err)
			}
			delivered, err := sub.NextMsg(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			survived := stored.Header.Get(HeaderAggregateID) == v && delivered.Header.Get(HeaderAggregateID) == v
			tried++
			switch {
			case accepted && !survived:
				t.Errorf("%q is accepted but comes back as %q (stored) / %q (delivered)", v, stored.Header.Get(HeaderAggregateID), delivered.Header.Get(HeaderAggregateID))
			case !accepted:
				refused++
				if !strings.Contains(v, "\x00") && survived {
					t.Errorf("%q is refused but NATS carries it unchanged", v)
				}
			}
		}
	}
	t.Logf("%d values through a real server, %d refused", tried, refused)
}

// A name NATS would trim is refused by every way in: Append, AppendBatch, AppendAsync,
// AppendBlock, CAR import and block encoding, with ErrInvalidName naming the rule, and
// nothing is stored.
func TestNamesWithEdgeSpaceRefused(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	es := objEvents(t, srv)
	bad := []struct{ agg, typ string }{{"trail ", "T"}, {" lead", "T"}, {"   ", "T"}, {"a", "\tT"}, {"a", "T\t"}, {"a", " "}}
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, ErrInvalidName) || !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: %v, want ErrInvalidName and ErrInvalidInput", what, err)
		} else if !strings.Contains(err.Error(), "space or tab") {
			t.Errorf("%s: %v does not name the rule", what, err)
		}
	}
	for _, b := range bad {
		name := fmt.Sprintf("%q/%q", b.agg, b.typ)
		_, err := es.Append(ctx, b.agg, b.typ, nil)
		check("Append "+name, err)
		_, err = es.AppendBatch(ctx, b.agg, []NewEvent{{EventType: "Ok"}, {EventType: b.typ}})
		if b.agg == "a" {
			check("AppendBatch "+name, err)
		}
		_, err = es.AppendAsync(ctx, NewEvent{AggregateID: b.agg, EventType: b.typ}).Result()
		check("AppendAsync "+name, err)
		ev := block.Event{AggregateID: b.agg, EventType: b.typ, Timestamp: 1}
		_, _, err = ev.Block()
		if !errors.Is(err, block.ErrInvalidName) || !errors.Is(err, block.ErrInvalidEvent) {
			t.Errorf("block encode %s: %v", name, err)
		}
		m := NewMemoryEvents()
		_, err = m.Append(ctx, b.agg, b.typ, nil)
		check("MemoryEvents.Append "+name, err)
	}

	// A block written by another tool: the name " sp" in otherwise canonical bytes.
	good := block.Event{AggregateID: "xsp", EventType: "T", Timestamp: 1}
	data, _, err := good.Block()
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte("xsp"), []byte(" sp"), 1)
	c := block.Sum(data)
	_, err = es.AppendBlock(ctx, data)
	check("AppendBlock", err)
	objs := objOpen(t, srv, ObjectStoreConfig{})
	path := writeCAR(t, []cid.Cid{c}, []cid.Cid{c}, [][]byte{data})
	_, err = importFrom(t, path, es, objs)
	check("import", err)

	last, err := es.LastSeq(ctx)
	if err != nil || last != 0 {
		t.Fatalf("refused names stored %d messages (%v)", last, err)
	}
	entries, err := objs.entries(ctx)
	if err != nil || len(entries) != 0 {
		t.Fatalf("refused import wrote %d bucket blocks (%v)", len(entries), err)
	}
}
