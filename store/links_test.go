package store

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// objEvents opens the event store on srv.
func objEvents(t testing.TB, srv *storetest.Server) *JetStreamEvents {
	t.Helper()
	es, err := OpenEvents(context.Background(), srv.Connect(t), EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// Links between objects, file content and events are persisted: after a server restart a
// fresh store finds every one, verified, in the order they were made.
func TestLinksSurviveRestart(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	es := objEvents(t, srv)
	s := objOpen(t, srv, ObjectStoreConfig{EventExists: es.Exists})
	ev, err := es.Append(ctx, "order-17", "OrderCreated", []byte(`{"total":3}`))
	if err != nil {
		t.Fatal(err)
	}
	invoice, err := s.PutReader(ctx, strings.NewReader("%PDF invoice"), cid.Undef)
	if err != nil {
		t.Fatal(err)
	}
	note, err := s.Store(ctx, map[string]any{"text": "paid"}, cid.Undef)
	if err != nil {
		t.Fatal(err)
	}
	var made []Link
	for _, l := range []struct {
		from, to cid.Cid
		typ      string
	}{
		{invoice.CID, ev.CID, LinkDerivedFrom},
		{note, invoice.CID, LinkReferences},
		{invoice.CID, invoice.Content, LinkContains},
		{note, ev.CID, "AnnotatedBy"},       // (ev -> note would close a cycle: note -> invoice -> ev)
		{note, invoice.CID, LinkReferences}, // again, later: a second record
	} {
		link, err := s.LinkObjects(ctx, l.from, l.to, l.typ)
		if err != nil {
			t.Fatalf("link %s -> %s: %v", l.from, l.to, err)
		}
		if !link.From.Equals(l.from) || !link.To.Equals(l.to) || link.Type != l.typ || link.Timestamp == 0 {
			t.Fatalf("link %+v", link)
		}
		made = append(made, link)
	}
	if made[1].CID.Equals(made[4].CID) {
		t.Fatal("two link records made at different times share a CID")
	}
	srv.Restart()
	s2 := objOpen(t, srv, ObjectStoreConfig{})
	got, err := s2.Links(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, made) {
		t.Fatalf("after restart:\n got %+v\nwant %+v", got, made)
	}
	for _, l := range made {
		st, err := s2.Stat(ctx, l.CID)
		if err != nil || st.Kind != KindLink || st.Timestamp != l.Timestamp {
			t.Fatalf("stat of link record %s: %+v, %v", l.CID, st, err)
		}
		data, err := s2.readBlock(ctx, l.CID)
		if err != nil {
			t.Fatal(err)
		}
		v, err := block.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"from": l.From, "to": l.To, "type": l.Type, "timestamp": l.Timestamp}
		if !reflect.DeepEqual(v, want) {
			t.Fatalf("record block %v, want %v", v, want)
		}
	}
}

// Links to unknown endpoints, to themselves, or with bad types are refused.
func TestLinkRefusals(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	es := objEvents(t, srv)
	withEvents := objOpen(t, srv, ObjectStoreConfig{EventExists: es.Exists})
	objectsOnly := objOpen(t, srv, ObjectStoreConfig{})
	ev, err := es.Append(ctx, "a", "T", nil)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := withEvents.Store(ctx, "x", cid.Undef)
	if err != nil {
		t.Fatal(err)
	}
	absent, err := objectCID("absent", 1)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		s        *JetStreamObjects
		from, to cid.Cid
		typ      string
		want     error
	}{
		{"unknown from", withEvents, absent, obj, LinkReferences, ErrNotFound},
		{"unknown to", withEvents, obj, absent, LinkReferences, ErrNotFound},
		{"event without a checker", objectsOnly, obj, ev.CID, LinkReferences, ErrNotFound},
		{"undefined", withEvents, cid.Undef, obj, LinkReferences, ErrInvalidInput},
		{"self", withEvents, obj, obj, LinkReferences, ErrInvalidInput},
		{"empty type", withEvents, obj, ev.CID, "", ErrInvalidInput},
		{"long type", withEvents, obj, ev.CID, strings.Repeat("x", MaxLinkTypeBytes+1), ErrInvalidInput},
		{"control character", withEvents, obj, ev.CID, "a\nb", ErrInvalidInput},
		{"bad UTF-8", withEvents, obj, ev.CID, "\xff", ErrInvalidInput},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.s.LinkObjects(ctx, tc.from, tc.to, tc.typ); !errors.Is(err, tc.want) {
				t.Fatalf("link: %v, want %v", err, tc.want)
			}
		})
	}
	if l, err := withEvents.LinkObjects(ctx, obj, ev.CID, strings.Repeat("x", MaxLinkTypeBytes)); err != nil || l.To != ev.CID {
		t.Fatalf("a 64-byte custom type to an event: %+v, %v", l, err)
	}
	links, err := withEvents.Links(ctx)
	if err != nil || len(links) != 1 {
		t.Fatalf("refused links were stored: %v, %v", links, err)
	}
}

// The index metadata is never trusted: a link whose metadata lies is read from its block,
// and a link whose block and metadata both lie is left out.
func TestLinkIndexTampered(t *testing.T) {
	ctx := context.Background()
	s := objOpen(t, storetest.Start(t), ObjectStoreConfig{})
	a, _ := s.Store(ctx, "a", cid.Undef)
	b, _ := s.Store(ctx, "b", cid.Undef)
	c, _ := s.Store(ctx, "c", cid.Undef)
	ab, err := s.LinkObjects(ctx, a, b, LinkReferences)
	if err != nil {
		t.Fatal(err)
	}
	bc, err := s.LinkObjects(ctx, b, c, LinkReferences)
	if err != nil {
		t.Fatal(err)
	}
	lie := linkMeta(a, c, LinkReferences, ab.Timestamp)
	lie[metaKind] = string(KindLink)
	if err := s.bucket.UpdateMeta(ctx, ab.CID.String(), jetstream.ObjectMeta{Name: ab.CID.String(), Metadata: lie}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.bucket.Put(ctx, jetstream.ObjectMeta{Name: bc.CID.String(), Metadata: linkMeta(c, b, LinkReferences, bc.Timestamp)}, strings.NewReader("forged")); err != nil {
		t.Fatal(err)
	}
	// the forged entry lost its kind with the Put above; put it back so Links considers it
	md := linkMeta(c, b, LinkReferences, bc.Timestamp)
	md[metaKind] = string(KindLink)
	if err := s.bucket.UpdateMeta(ctx, bc.CID.String(), jetstream.ObjectMeta{Name: bc.CID.String(), Metadata: md}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Links(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []Link{ab}) {
		t.Fatalf("links %+v, want only the true one %+v", got, ab)
	}
}
