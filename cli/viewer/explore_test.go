package viewer

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// exploreStore fills a real server: the chain order-1 o1..o5, payment-1's p1 caused by o2,
// shipment-1's s1 caused by p1, an object linked to o3, and 30 unrelated events.
type exploreStore struct {
	srv             *storetest.Server
	req             cli.ViewRequest
	o               []*store.StoredEvent
	p1, s1          *store.StoredEvent
	obj             cid.Cid
	unrelatedCount  int
	unrelatedSample cid.Cid
}

func newExploreStore(t *testing.T, ctx context.Context) *exploreStore {
	t.Helper()
	srv := storetest.Start(t)
	es, err := store.OpenEvents(ctx, srv.Connect(t), store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := store.OpenObjects(ctx, srv.Connect(t), store.ObjectStoreConfig{EventExists: es.Exists})
	if err != nil {
		t.Fatal(err)
	}
	x := &exploreStore{srv: srv, req: cli.ViewRequest{
		Conn: store.ConnConfig{Servers: []string{srv.ClientURL()}}, NATSGiven: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}}
	must := func(ev *store.StoredEvent, err error) *store.StoredEvent {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	for i := range 5 {
		x.o = append(x.o, must(es.Append(ctx, "order-1", "Step", []byte{byte(i)})))
		if i == 1 {
			x.p1 = must(es.Append(ctx, "payment-1", "Taken", nil, x.o[1].CID))
			x.s1 = must(es.Append(ctx, "shipment-1", "Sent", nil, x.p1.CID))
		}
	}
	for i := range 30 {
		ev := must(es.Append(ctx, "unrelated", "Tick", []byte{byte(i)}))
		x.unrelatedSample = ev.CID
		x.unrelatedCount++
	}
	if x.obj, err = objs.Store(ctx, map[string]any{"note": "invoice"}, cid.Undef); err != nil {
		t.Fatal(err)
	}
	if _, err := objs.LinkObjects(ctx, x.obj, x.o[2].CID, "References"); err != nil {
		t.Fatal(err)
	}
	return x
}

// explore runs explore mode's source on --at at into a Partial graph until it reports the
// neighbourhood fetched.
func (x *exploreStore) explore(t *testing.T, ctx context.Context, at string, depth int) (*exploreSource, *ecs.Graph) {
	t.Helper()
	src, closeSrc, err := openSource(ctx, x.req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeSrc)
	ex, err := newExploreSource(ctx, src, at, depth, 0)
	if err != nil {
		t.Fatal(err)
	}
	graph := runWorld(ctx, ecs.Config{Partial: true}, ex)
	waitWorld(t, ctx, graph, func() bool { return graph.Stats().CaughtUp })
	return ex, graph
}

func waitWorld(t *testing.T, ctx context.Context, g *ecs.Graph, done func() bool) {
	t.Helper()
	for !done() {
		if ctx.Err() != nil {
			t.Fatalf("gave up waiting: the world holds %d events, %d objects", g.Stats().Events, g.Stats().Objects)
		}
		g.Update()
		time.Sleep(5 * time.Millisecond)
	}
	for range 5 { // whatever was sent with the report
		g.Update()
	}
}

func exploreState(t *testing.T, g *ecs.Graph) *components.ExploreData {
	t.Helper()
	e, ok := components.Explore.First(g.World())
	if !ok {
		t.Fatal("the world is not in explore mode")
	}
	return components.Explore.Get(e)
}

func present(g *ecs.Graph, cs ...cid.Cid) []int {
	var missing []int
	for i, c := range cs {
		if _, ok := g.Lookup(c); !ok {
			missing = append(missing, i)
		}
	}
	return missing
}

// Explore mode on a real server: --at o3 --depth 1 brings o3's previous and next events and
// the object linked to it, nothing else of the store; a request for o2 brings its previous
// event and payment-1's p1 (a child of o2 in another aggregate), and the edges join up
// whatever order the nodes came in.
func TestExploreSourceFetchesNeighbourhood(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	x := newExploreStore(t, ctx)
	ex, g := x.explore(t, ctx, x.o[2].CID.String(), 1)
	st := g.Stats()
	if st.Events != 3 || st.Objects != 1 || st.Links != 1 || st.Held != 0 {
		t.Fatalf("depth 1 around o3: %d events, %d objects, %d links, %d held; want 3, 1, 1, 0", st.Events, st.Objects, st.Links, st.Held)
	}
	if m := present(g, x.o[2].CID, x.o[1].CID, x.o[3].CID, x.obj); m != nil {
		t.Fatalf("missing %v of o3, o2, o4, obj", m)
	}
	if m := present(g, x.unrelatedSample, x.p1.CID, x.o[0].CID); len(m) != 3 {
		t.Fatalf("fetched beyond depth 1: missing only %v of unrelated, p1, o1", m)
	}
	xs := exploreState(t, g)
	if !xs.Root.Equals(x.o[2].CID) || xs.Depth != 1 || xs.Expandable(x.o[2].CID) || !xs.Expandable(x.o[1].CID) {
		t.Fatalf("explore state: root %s depth %d, expanded %v", xs.Root, xs.Depth, xs.Expanded)
	}

	if !ex.Request(x.o[1].CID) {
		t.Fatal("request refused")
	}
	waitWorld(t, ctx, g, func() bool { return !exploreState(t, g).Expandable(x.o[1].CID) })
	if m := present(g, x.o[0].CID, x.p1.CID); m != nil {
		t.Fatalf("expanding o2: missing %v of o1, p1", m)
	}
	if m := present(g, x.s1.CID, x.unrelatedSample); len(m) != 2 {
		t.Errorf("expanding o2 fetched beyond its neighbours: missing only %v of s1, unrelated", m)
	}
	if note := exploreState(t, g).Note; !strings.Contains(note, "2 new nodes") {
		t.Errorf("note %q, want 2 new nodes", note)
	}
	p1, _ := g.Lookup(x.p1.CID)
	o2, _ := g.Lookup(x.o[1].CID)
	found := false
	for _, e := range components.Edges.Get(g.World().Entry(p1)).Out {
		found = found || e.To == o2 && e.Kind == components.EdgeParent
	}
	if !found {
		t.Error("no parent edge from p1 to o2")
	}
	if st := g.Stats(); st.Events != 5 || st.Objects != 1 || st.Held != 0 {
		t.Errorf("after the expansion: %+v", st)
	}
}

// --at names an aggregate: the window opens on its head; depth 0 is the node alone.
func TestExploreAtAggregate(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	x := newExploreStore(t, ctx)
	_, g := x.explore(t, ctx, "order-1", 0)
	if st := g.Stats(); st.Events != 1 || st.Objects != 0 {
		t.Fatalf("order-1 at depth 0: %+v", st)
	}
	if _, ok := g.Lookup(x.o[4].CID); !ok {
		t.Fatal("the head of order-1 is not the node shown")
	}
	if !exploreState(t, g).Expandable(x.o[4].CID) {
		t.Error("at depth 0 the root is not marked expandable")
	}
}

// What --at names must be stored: an unknown CID or aggregate is exit 1, a malformed CID
// exit 2, each with a message naming it, and Run says so before any window opens.
func TestExploreAtUnknown(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	x := newExploreStore(t, ctx)
	src, closeSrc, err := openSource(ctx, x.req)
	if err != nil {
		t.Fatal(err)
	}
	defer closeSrc()
	unknown := "bafyreigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
	tests := []struct {
		at   string
		code int
		want string
	}{
		{unknown, cli.ExitFailure, "no event or object"},
		{"bafyreigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzd!", cli.ExitBadInput, "not a well-formed CID"},
		{unknown[:20], cli.ExitBadInput, "not a well-formed CID"}, // a CID cut short when pasted
		{"nobody", cli.ExitFailure, "no aggregate"},
		{"bad\nname", cli.ExitBadInput, "neither a CID"},
	}
	for _, tc := range tests {
		_, err := newExploreSource(ctx, src, tc.at, 2, 0)
		var ee *cli.ExitError
		if !errors.As(err, &ee) || ee.Code != tc.code || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--at %q: %v, want exit %d with %q", tc.at, err, tc.code, tc.want)
		}
	}
	req := x.req
	req.Options = cli.ViewOptions{At: unknown, Depth: 2, Width: 640, Height: 480}
	err = Run(ctx, req)
	var ee *cli.ExitError
	if !errors.As(err, &ee) || ee.Code != cli.ExitFailure || !strings.Contains(err.Error(), unknown) {
		t.Errorf("Run --at unknown: %v, want exit 1 naming the CID", err)
	}
}

// Explore mode has fetched everything it shows: after the server goes away and comes back,
// the connection reports still say so (a reconnect reported the world catching up for good,
// so a playing timeline waited at the newest node for ever).
func TestExploreStaysCaughtUpAfterReconnect(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	x := newExploreStore(t, ctx)
	_, g := x.explore(t, ctx, "order-1", 1)
	x.srv.Server.Shutdown()
	waitWorld(t, ctx, g, func() bool { return g.Stats().Connection == "reconnecting" })
	x.srv.Restart()
	waitWorld(t, ctx, g, func() bool { return g.Stats().Connection == "connected" })
	if !g.Stats().CaughtUp {
		t.Fatal("after a reconnect the explore world is no longer caught up")
	}
}

// A link record may join an event to a file's content (a UnixFS block, no object): explore
// mode leaves that end out and still expands the event (it reported the neighbours not
// fetched, and the event stayed marked + for ever); --at that content CID is exit 1, no node.
func TestExploreSkipsLinkToFileContent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	x := newExploreStore(t, ctx)
	nc, err := store.Connect(ctx, x.req.Conn)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	es, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := store.OpenObjects(ctx, nc, store.ObjectStoreConfig{EventExists: es.Exists})
	if err != nil {
		t.Fatal(err)
	}
	file, err := objs.PutReader(ctx, strings.NewReader("attached file"), cid.Undef)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := objs.LinkObjects(ctx, x.o[4].CID, file.Content, "References"); err != nil {
		t.Fatal(err)
	}
	_, g := x.explore(t, ctx, x.o[4].CID.String(), 1)
	if exploreState(t, g).Expandable(x.o[4].CID) {
		t.Fatalf("o5, linked to a file's content, was not expanded: %q", exploreState(t, g).Note)
	}
	if m := present(g, x.o[3].CID, file.CID); len(m) != 1 || m[0] != 1 {
		t.Errorf("depth 1 around o5: missing %v of o4, the file object (want only the file object, which nothing links)", m)
	}
	src, closeSrc, err := openSource(ctx, x.req)
	if err != nil {
		t.Fatal(err)
	}
	defer closeSrc()
	_, err = newExploreSource(ctx, src, file.Content.String(), 1, 0)
	var ee *cli.ExitError
	if !errors.As(err, &ee) || ee.Code != cli.ExitFailure || !strings.Contains(err.Error(), "no event or object") {
		t.Errorf("--at a file's content CID: %v, want exit 1, no event or object", err)
	}
}

// Explore mode follows new events without a replay: opened on order-1's head o5 (--depth 1),
// it shows the junk already stored after o5 as a rejected marker; then the next event of
// order-1 (o6), junk and a fork after the head, and a child of o5 in another aggregate
// appear as they are stored, while a child of o4 (shown, its neighbours not fetched: it keeps
// its + mark) and unrelated events do not.
func TestExploreFollowsLive(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	x := newExploreStore(t, ctx)
	nc := x.srv.Connect(t)
	es, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	junk := func(agg string) {
		t.Helper()
		if _, err := js.PublishMsg(ctx, &nats.Msg{Subject: "event.store." + agg + ".Junk", Data: []byte("junk")}); err != nil {
			t.Fatal(err)
		}
	}
	junk("order-1") // after the head o5: beside it from the start
	junk("unrelated")
	ex, g := x.explore(t, ctx, x.o[4].CID.String(), 1)
	if st := g.Stats(); st.Events != 2 || st.Rejected != 1 {
		t.Fatalf("depth 1 around o5 with junk after it: %d events, %d rejected; want 2, 1", st.Events, st.Rejected)
	}

	junk("order-1")
	o6, err := es.Append(ctx, "order-1", "Step", []byte{6})
	if err != nil {
		t.Fatal(err)
	}
	waitWorld(t, ctx, g, func() bool { _, ok := g.Lookup(o6.CID); return ok })
	if st := g.Stats(); st.Rejected != 2 {
		t.Errorf("after new junk and o6: %d rejected, want 2", st.Rejected)
	}
	if !exploreState(t, g).Expandable(o6.CID) {
		t.Error("the new head o6 is not marked +")
	}
	// After o6 (not expanded) junk of order-1 is no longer beside a fetched head.
	junk("order-1")
	ofO4, err := es.Append(ctx, "audit-1", "Checked", nil, x.o[3].CID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := es.Append(ctx, "unrelated", "Tick", []byte{byte(100 + i)}); err != nil {
			t.Fatal(err)
		}
	}
	ofO5, err := es.Append(ctx, "refund-1", "Given", nil, x.o[4].CID)
	if err != nil {
		t.Fatal(err)
	}
	waitWorld(t, ctx, g, func() bool { _, ok := g.Lookup(ofO5.CID); return ok })
	if m := present(g, ofO4.CID); len(m) != 1 {
		t.Error("a new child of o4, whose neighbours were not fetched, was shown")
	}
	if st := g.Stats(); st.Events != 4 || st.Rejected != 2 || st.Held != 0 {
		t.Errorf("after the live events: %d events, %d rejected, %d held; want 4 (o4, o5, o6, refund-1), 2, 0", st.Events, st.Rejected, st.Held)
	}
	if !exploreState(t, g).Expandable(x.o[3].CID) {
		t.Error("o4 lost its + mark")
	}
	// Expanding o6 brings the junk after it (a rejected marker) and nothing else new.
	if !ex.Request(o6.CID) {
		t.Fatal("request refused")
	}
	waitWorld(t, ctx, g, func() bool { return !exploreState(t, g).Expandable(o6.CID) })
	if st := g.Stats(); st.Events != 4 || st.Rejected != 3 {
		t.Errorf("after expanding o6: %d events, %d rejected; want 4, 3", st.Events, st.Rejected)
	}
}
