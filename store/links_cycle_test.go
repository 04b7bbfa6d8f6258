package store

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store/storetest"
)

// A link may not close a cycle in the graph of hash links and links: LinkObjects refuses it
// with ErrLinkCycle (and ErrInvalidInput), whether the way back runs through links, object
// versions, file content or events' previous events and parents; links that close nothing
// are made, and so is a CAR import's link only when it closes nothing either.
func TestLinkCycleRefused(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	es := objEvents(t, srv)
	objs := objOpen(t, srv, ObjectStoreConfig{EventExists: es.Exists, EventLookup: es.Get})
	ev1, err := es.Append(ctx, "a", "T", nil)
	if err != nil {
		t.Fatal(err)
	}
	ev2, err := es.Append(ctx, "a", "T", nil)
	if err != nil {
		t.Fatal(err)
	}
	e1, e2 := ev1.CID, ev2.CID
	o, err := objs.Store(ctx, "o", cid.Undef)
	if err != nil {
		t.Fatal(err)
	}
	o2, err := objs.Store(ctx, "o2", o) // o2's previous version is o
	if err != nil {
		t.Fatal(err)
	}
	file, err := objs.PutReader(ctx, bytes.NewReader([]byte("file content")), cid.Undef)
	if err != nil {
		t.Fatal(err)
	}
	p, err := objs.Store(ctx, "p", cid.Undef)
	if err != nil {
		t.Fatal(err)
	}
	link := func(from, to cid.Cid) error {
		t.Helper()
		_, err := objs.LinkObjects(ctx, from, to, LinkReferences)
		return err
	}
	mustLink := func(from, to cid.Cid) {
		t.Helper()
		if err := link(from, to); err != nil {
			t.Fatalf("link %s -> %s: %v", from, to, err)
		}
	}
	refused := func(what string, from, to cid.Cid) {
		t.Helper()
		err := link(from, to)
		if !errors.Is(err, ErrLinkCycle) || !errors.Is(err, ErrInvalidInput) {
			t.Fatalf("%s: link %s -> %s: %v, want ErrLinkCycle", what, from, to, err)
		}
	}

	mustLink(o, e1)
	refused("back over one link (the issue's reproduction)", e1, o)
	refused("against an event's previous", e1, e2)
	mustLink(e2, e1) // along the hash link: closes nothing
	refused("against an object's previous version", o, o2)
	mustLink(p, file.Content)
	mustLink(file.Content, e2)
	refused("through file content and an event chain", e1, p)

	// Without EventLookup the event chain is not followed, but links still are.
	blind := objOpen(t, srv, ObjectStoreConfig{EventExists: es.Exists})
	if _, err := blind.LinkObjects(ctx, e1, o, LinkReferences); !errors.Is(err, ErrLinkCycle) {
		t.Fatalf("link back over a link without EventLookup: %v", err)
	}

	// A CAR holding a link that closes a cycle with the stored ones is refused whole.
	data, c, err := linkRecord(e1, p, LinkReferences, 9)
	if err != nil {
		t.Fatal(err)
	}
	path := writeCAR(t, []cid.Cid{c}, []cid.Cid{c}, [][]byte{data})
	if _, err := importFrom(t, path, es, objs); !errors.Is(err, ErrLinkCycle) {
		t.Fatalf("import of a cycle-closing link: %v", err)
	}
	links, err := objs.Links(ctx)
	if err != nil || len(links) != 4 {
		t.Fatalf("%d links stored (%v), want 4", len(links), err)
	}
}
