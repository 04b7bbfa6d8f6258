package dag

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// cidOf makes a real CIDv1 (dag-cbor, sha2-256) from a name.
func cidOf(tb testing.TB, name string) cid.Cid {
	tb.Helper()
	h, err := mh.Sum([]byte(name), mh.SHA2_256, -1)
	if err != nil {
		tb.Fatal(err)
	}
	return cid.NewCidV1(cid.DagCBOR, h)
}

// fixture is a hand-built DAG: aggregates A and B with cross parents, objects o1 (three
// versions) and o2, and named links between objects and events.
//
//	a1 <-P- a2 <-P- a3          b1 <-P- b2 <-P- b3
//	a2 <-parent- b2, b1 <-parent- a3, a3 <-parent- b3
//	o1v1 <-P- o1v2 <-P- o1v3
//	o1v3 -Contains-> o2v1 -References-> a1, b3 -References-> o1v2
type fixture struct {
	d *DAG
	c map[string]cid.Cid
}

func (f fixture) ids(names ...string) []cid.Cid {
	out := make([]cid.Cid, len(names))
	for i, n := range names {
		out[i] = f.c[n]
	}
	return out
}

// names maps CIDs back to fixture names, for readable failures.
func (f fixture) names(cs []cid.Cid) []string {
	rev := map[cid.Cid]string{}
	for n, c := range f.c {
		rev[c] = n
	}
	out := make([]string, len(cs))
	for i, c := range cs {
		if n, ok := rev[c]; ok {
			out[i] = n
		} else {
			out[i] = c.String()
		}
	}
	return out
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	f := fixture{d: New(), c: map[string]cid.Cid{}}
	for _, n := range []string{"a1", "a2", "a3", "b1", "b2", "b3", "o1v1", "o1v2", "o1v3", "o2v1"} {
		f.c[n] = cidOf(t, n)
	}
	events := []struct {
		name, agg, prev string
		parents         []string
	}{
		{"a1", "A", "", nil},
		{"b1", "B", "", nil},
		{"a2", "A", "a1", nil},
		{"b2", "B", "b1", []string{"a2"}},
		{"a3", "A", "a2", []string{"b1"}},
		{"b3", "B", "b2", []string{"a3"}},
	}
	for i, e := range events {
		prev := cid.Undef
		if e.prev != "" {
			prev = f.c[e.prev]
		}
		info := NodeInfo{Seq: uint64(i + 1), Aggregate: e.agg, Type: "Happened", Timestamp: int64(1000 + i)}
		if err := f.d.AddEvent(f.c[e.name], info, prev, f.ids(e.parents...)); err != nil {
			t.Fatalf("AddEvent %s: %v", e.name, err)
		}
	}
	objects := []struct{ name, prev string }{{"o1v1", ""}, {"o1v2", "o1v1"}, {"o1v3", "o1v2"}, {"o2v1", ""}}
	for _, o := range objects {
		prev := cid.Undef
		if o.prev != "" {
			prev = f.c[o.prev]
		}
		if err := f.d.AddObject(f.c[o.name], NodeInfo{Type: "doc", Timestamp: 2000}, prev); err != nil {
			t.Fatalf("AddObject %s: %v", o.name, err)
		}
	}
	links := []struct{ from, to, link string }{
		{"o1v3", "o2v1", "Contains"}, {"o2v1", "a1", "References"}, {"b3", "o1v2", "References"},
	}
	for _, l := range links {
		if err := f.d.AddEdge(f.c[l.from], f.c[l.to], EdgeLink, l.link); err != nil {
			t.Fatalf("link %s -> %s: %v", l.from, l.to, err)
		}
	}
	return f
}

// checkTopo asserts that Topo lists every node once and places every edge's target before
// its source.
func checkTopo(t *testing.T, d *DAG) {
	t.Helper()
	topo := d.Topo()
	if len(topo) != d.Len() {
		t.Fatalf("Topo has %d nodes, DAG %d", len(topo), d.Len())
	}
	pos := make(map[cid.Cid]int, len(topo))
	for i, c := range topo {
		if _, dup := pos[c]; dup {
			t.Fatalf("Topo lists %s twice", c)
		}
		pos[c] = i
	}
	edges := 0
	d.WalkEdges(func(e Edge) bool {
		edges++
		if pos[e.To] >= pos[e.From] {
			t.Errorf("Topo puts %s (pos %d) after the node it names, %s (pos %d)", e.From, pos[e.From], e.To, pos[e.To])
		}
		return true
	})
	if edges != d.EdgeCount() {
		t.Fatalf("WalkEdges saw %d edges, EdgeCount %d", edges, d.EdgeCount())
	}
}

func TestFixtureCounts(t *testing.T) {
	f := newFixture(t)
	if got := f.d.Len(); got != 10 {
		t.Errorf("Len = %d, want 10", got)
	}
	if got := f.d.EdgeCount(); got != 12 {
		t.Errorf("EdgeCount = %d, want 12", got)
	}
	checkTopo(t, f.d)
}

func TestNode(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		c    cid.Cid
		want NodeInfo
		ok   bool
	}{
		{"event", f.c["b2"], NodeInfo{Kind: KindEvent, Seq: 4, Aggregate: "B", Type: "Happened", Timestamp: 1003}, true},
		{"object", f.c["o1v2"], NodeInfo{Kind: KindObject, Type: "doc", Timestamp: 2000}, true},
		{"unknown", cidOf(t, "nope"), NodeInfo{}, false},
		{"undefined", cid.Undef, NodeInfo{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := f.d.Node(tt.c)
			if ok != tt.ok || got != tt.want {
				t.Errorf("Node = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
			if f.d.Has(tt.c) != tt.ok {
				t.Errorf("Has = %v, want %v", !tt.ok, tt.ok)
			}
		})
	}
}

func TestOutIn(t *testing.T) {
	f := newFixture(t)
	c := f.c
	tests := []struct {
		name string
		got  []Edge
		want []Edge
	}{
		{"out of b3", f.d.Out(c["b3"]), []Edge{
			{c["b3"], c["b2"], EdgePrevious, ""}, {c["b3"], c["a3"], EdgeParent, ""}, {c["b3"], c["o1v2"], EdgeLink, "References"},
		}},
		{"in of a1", f.d.In(c["a1"]), []Edge{
			{c["a2"], c["a1"], EdgePrevious, ""}, {c["o2v1"], c["a1"], EdgeLink, "References"},
		}},
		{"out of a1", f.d.Out(c["a1"]), nil},
		{"in of unknown", f.d.In(cidOf(t, "nope")), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestAncestorsDescendants(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name  string
		desc  bool
		of    string
		depth int
		want  []string
	}{
		{"ancestors unbounded", false, "b3", 0, []string{"b2", "a3", "o1v2", "b1", "a2", "o1v1", "a1"}},
		{"ancestors depth 1", false, "b3", 1, []string{"b2", "a3", "o1v2"}},
		{"ancestors depth 2", false, "b3", 2, []string{"b2", "a3", "o1v2", "b1", "a2", "o1v1"}},
		{"ancestors negative depth", false, "b3", -1, []string{"b2", "a3", "o1v2", "b1", "a2", "o1v1", "a1"}},
		{"ancestors of a root", false, "a1", 0, []string{}},
		{"ancestors across link", false, "o1v3", 0, []string{"o1v2", "o2v1", "o1v1", "a1"}},
		{"descendants unbounded", true, "a1", 0, []string{"a2", "o2v1", "b2", "a3", "o1v3", "b3"}},
		{"descendants depth 1", true, "a1", 1, []string{"a2", "o2v1"}},
		{"descendants of object", true, "o1v1", 0, []string{"o1v2", "o1v3", "b3"}},
		{"descendants of a head", true, "b3", 0, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := f.d.Ancestors
			if tt.desc {
				fn = f.d.Descendants
			}
			got, err := fn(f.c[tt.of], tt.depth)
			if err != nil {
				t.Fatal(err)
			}
			if names := f.names(got); !slices.Equal(names, tt.want) {
				t.Errorf("got %v, want %v", names, tt.want)
			}
		})
	}
}

func TestChainAndHeads(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		agg  string
		want []string
	}{
		{"A", []string{"a1", "a2", "a3"}},
		{"B", []string{"b1", "b2", "b3"}},
		{"C", []string{}},
		{"", []string{}},
	}
	for _, tt := range tests {
		t.Run("chain "+tt.agg, func(t *testing.T) {
			if got := f.names(f.d.Chain(tt.agg)); !slices.Equal(got, tt.want) {
				t.Errorf("Chain(%q) = %v, want %v", tt.agg, got, tt.want)
			}
		})
	}
	if got, want := f.names(f.d.Heads()), []string{"b3", "o1v3"}; !slices.Equal(got, want) {
		t.Errorf("Heads = %v, want %v", got, want)
	}
	heads := f.d.AggregateHeads()
	if len(heads) != 2 || heads["A"] != f.c["a3"] || heads["B"] != f.c["b3"] {
		t.Errorf("AggregateHeads = %v, want A: a3, B: b3", f.names([]cid.Cid{heads["A"], heads["B"]}))
	}
	if h, ok := f.d.AggregateHead("B"); !ok || h != f.c["b3"] {
		t.Errorf("AggregateHead(B) = %v, %v", h, ok)
	}
	if _, ok := f.d.AggregateHead("C"); ok {
		t.Error("AggregateHead(C) found a head for an unknown aggregate")
	}
}

// TestHeadsOutOfOrder feeds an aggregate's events in a scrambled order, nodes first and edges
// after, as a rebuild from an unordered source would.
func TestHeadsOutOfOrder(t *testing.T) {
	tests := []struct {
		name   string
		nodes  []int // event numbers 1..4 in the order they are added
		seq    bool  // whether the nodes carry their stream sequence
		edges  []int // Previous edge k -> k-1, in this order
		before string
	}{
		{"reverse, no seq", []int{4, 3, 2, 1}, false, []int{2, 3, 4}, "e1"},
		{"reverse, no seq, edges reversed", []int{4, 3, 2, 1}, false, []int{4, 3, 2}, "e1"},
		{"scrambled, with seq", []int{2, 4, 1, 3}, true, []int{3, 2, 4}, "e4"},
		{"in order", []int{1, 2, 3, 4}, false, []int{2, 3, 4}, "e4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New()
			c := func(k int) cid.Cid { return cidOf(t, fmt.Sprintf("e%d", k)) }
			for _, k := range tt.nodes {
				info := NodeInfo{Aggregate: "X"}
				if tt.seq {
					info.Seq = uint64(k)
				}
				d.AddNode(c(k), info)
			}
			if h, _ := d.AggregateHead("X"); h != cidOf(t, tt.before) {
				t.Errorf("head before edges = %s, want %s", h, tt.before)
			}
			for _, k := range tt.edges {
				if err := d.AddEdge(c(k), c(k-1), EdgePrevious, ""); err != nil {
					t.Fatal(err)
				}
			}
			if h, _ := d.AggregateHead("X"); h != c(4) {
				t.Errorf("head = %s, want e4", h)
			}
			want := []cid.Cid{c(1), c(2), c(3), c(4)}
			if got := d.Chain("X"); !slices.Equal(got, want) {
				t.Errorf("Chain = %v, want e1..e4", got)
			}
			checkTopo(t, d)
		})
	}
}

func TestPath(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name     string
		from, to string
		want     []string
		err      error
	}{
		{"across aggregates", "b3", "a1", []string{"b3", "b2", "a2", "a1"}, nil},
		{"through links", "o1v3", "a1", []string{"o1v3", "o2v1", "a1"}, nil},
		{"event to object", "b3", "o1v1", []string{"b3", "o1v2", "o1v1"}, nil},
		{"one edge", "a2", "a1", []string{"a2", "a1"}, nil},
		{"same node", "a1", "a1", []string{"a1"}, nil},
		{"against direction", "a1", "b3", nil, ErrNoPath},
		{"unrelated, later node", "b1", "a1", nil, ErrNoPath},
		{"unrelated objects", "o2v1", "o1v1", nil, ErrNoPath},
		{"unknown from", "zz", "a1", nil, ErrUnknownNode},
		{"unknown to", "a1", "zz", nil, ErrUnknownNode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to := f.c[tt.from], f.c[tt.to]
			if tt.from == "zz" {
				from = cidOf(t, "zz")
			}
			if tt.to == "zz" {
				to = cidOf(t, "zz")
			}
			got, err := f.d.Path(from, to)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if names := f.names(got); tt.err == nil && !slices.Equal(names, tt.want) {
				t.Errorf("Path = %v, want %v", names, tt.want)
			}
		})
	}
}

func TestCommonAncestors(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		a, b string
		want []string
	}{
		{"one is ancestor of the other", "b3", "a3", []string{"a3"}},
		{"symmetric", "a3", "b3", []string{"a3"}},
		{"two merge points", "b2", "a3", []string{"a2", "b1"}},
		{"event and object", "b3", "o1v3", []string{"o1v2", "a1"}},
		{"object and event via link", "o1v3", "a2", []string{"a1"}},
		{"same node", "a2", "a2", []string{"a2"}},
		{"disjoint", "o1v3", "b1", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.d.CommonAncestors(f.c[tt.a], f.c[tt.b])
			if err != nil {
				t.Fatal(err)
			}
			if names := f.names(got); !slices.Equal(names, tt.want) {
				t.Errorf("CommonAncestors = %v, want %v", names, tt.want)
			}
		})
	}
}

func TestUnknownNodes(t *testing.T) {
	f := newFixture(t)
	unknown := cidOf(t, "nope")
	a1 := f.c["a1"]
	calls := []struct {
		name string
		call func() error
	}{
		{"AddEdge from", func() error { return f.d.AddEdge(unknown, a1, EdgeParent, "") }},
		{"AddEdge to", func() error { return f.d.AddEdge(a1, unknown, EdgeLink, "References") }},
		{"AddEdge undefined", func() error { return f.d.AddEdge(cid.Undef, a1, EdgeParent, "") }},
		{"AddEvent previous", func() error { return f.d.AddEvent(cidOf(t, "new"), NodeInfo{Aggregate: "A"}, unknown, nil) }},
		{"AddEvent parent", func() error {
			return f.d.AddEvent(cidOf(t, "new"), NodeInfo{Aggregate: "A"}, f.c["a3"], []cid.Cid{a1, unknown})
		}},
		{"AddObject previous", func() error { return f.d.AddObject(cidOf(t, "new"), NodeInfo{}, unknown) }},
		{"AddEvent undefined", func() error { return f.d.AddEvent(cid.Undef, NodeInfo{Aggregate: "A"}, cid.Undef, nil) }},
		{"Ancestors", func() error { _, err := f.d.Ancestors(unknown, 0); return err }},
		{"Descendants", func() error { _, err := f.d.Descendants(unknown, 0); return err }},
		{"CommonAncestors a", func() error { _, err := f.d.CommonAncestors(unknown, a1); return err }},
		{"CommonAncestors b", func() error { _, err := f.d.CommonAncestors(a1, unknown); return err }},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, ErrUnknownNode) {
				t.Errorf("err = %v, want ErrUnknownNode", err)
			}
			if f.d.Len() != 10 || f.d.EdgeCount() != 12 || f.d.Has(cidOf(t, "new")) {
				t.Errorf("a refused call changed the DAG: %d nodes, %d edges", f.d.Len(), f.d.EdgeCount())
			}
		})
	}
}

func TestCycleRefusal(t *testing.T) {
	tests := []struct {
		name     string
		from, to string
		kind     EdgeKind
		link     string
		err      error
	}{
		{"self edge", "a1", "a1", EdgeLink, "References", ErrWouldCycle},
		{"direct", "a1", "a2", EdgeParent, "", ErrWouldCycle},
		{"indirect across aggregates", "a1", "b3", EdgeLink, "References", ErrWouldCycle},
		{"indirect through links", "a1", "o1v3", EdgeLink, "DerivedFrom", ErrWouldCycle},
		{"version chain", "o1v1", "o1v3", EdgePrevious, "", ErrWouldCycle},
		{"old to new, no cycle", "o1v1", "b1", EdgeLink, "References", nil},
		{"old to new across the graph", "a1", "o1v1", EdgeLink, "DerivedFrom", nil},
		{"new to old", "o1v3", "b1", EdgeLink, "References", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			topo := f.d.Topo()
			err := f.d.AddEdge(f.c[tt.from], f.c[tt.to], tt.kind, tt.link)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if tt.err != nil {
				if f.d.EdgeCount() != 12 || !slices.Equal(f.d.Topo(), topo) {
					t.Error("a refused edge changed the DAG")
				}
				return
			}
			if f.d.EdgeCount() != 13 {
				t.Errorf("EdgeCount = %d, want 13", f.d.EdgeCount())
			}
			checkTopo(t, f.d)
			// The accepted edge now forbids its reverse.
			if err := f.d.AddEdge(f.c[tt.to], f.c[tt.from], EdgeLink, "Back"); !errors.Is(err, ErrWouldCycle) {
				t.Errorf("reverse edge: err = %v, want ErrWouldCycle", err)
			}
		})
	}
}

func TestAddEventCycleOnExistingNode(t *testing.T) {
	f := newFixture(t)
	// Re-adding a1 with b3 as a parent would close a1 <- a2 <- b2 <- b3.
	err := f.d.AddEvent(f.c["a1"], NodeInfo{Aggregate: "A"}, cid.Undef, []cid.Cid{f.c["o2v1"], f.c["b3"]})
	if !errors.Is(err, ErrWouldCycle) {
		t.Fatalf("err = %v, want ErrWouldCycle", err)
	}
	if f.d.EdgeCount() != 12 {
		t.Errorf("EdgeCount = %d after a refused AddEvent, want 12 (no partial edges)", f.d.EdgeCount())
	}
}

func TestInvalidEdges(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		kind EdgeKind
		link string
	}{
		{"unknown kind", EdgeKind(7), ""},
		{"link without name", EdgeLink, ""},
		{"previous with name", EdgePrevious, "Contains"},
		{"parent with name", EdgeParent, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.d.AddEdge(f.c["b3"], f.c["a1"], tt.kind, tt.link); !errors.Is(err, ErrInvalidEdge) {
				t.Errorf("err = %v, want ErrInvalidEdge", err)
			}
			if f.d.EdgeCount() != 12 {
				t.Error("an invalid edge was added")
			}
		})
	}
}

func TestIdempotentAdds(t *testing.T) {
	f := newFixture(t)
	if f.d.AddNode(f.c["a1"], NodeInfo{Kind: KindObject, Type: "other"}) {
		t.Error("AddNode of a present CID returned true")
	}
	if info, _ := f.d.Node(f.c["a1"]); info.Kind != KindEvent || info.Type != "Happened" {
		t.Errorf("AddNode of a present CID replaced its info: %+v", info)
	}
	if f.d.AddNode(cid.Undef, NodeInfo{}) || f.d.AddNode(cidOf(t, "bad kind"), NodeInfo{Kind: 9}) {
		t.Error("AddNode accepted an undefined CID or an unknown kind")
	}
	edges := []struct {
		name     string
		from, to string
		kind     EdgeKind
		link     string
		added    int
	}{
		{"same previous edge", "a2", "a1", EdgePrevious, "", 0},
		{"same parent edge", "b3", "a3", EdgeParent, "", 0},
		{"same link", "o1v3", "o2v1", EdgeLink, "Contains", 0},
		{"same ends, other kind", "a2", "a1", EdgeParent, "", 1},
		{"same ends, other link name", "o1v3", "o2v1", EdgeLink, "References", 1},
	}
	for _, tt := range edges {
		t.Run(tt.name, func(t *testing.T) {
			before := f.d.EdgeCount()
			if err := f.d.AddEdge(f.c[tt.from], f.c[tt.to], tt.kind, tt.link); err != nil {
				t.Fatal(err)
			}
			if got := f.d.EdgeCount() - before; got != tt.added {
				t.Errorf("added %d edges, want %d", got, tt.added)
			}
		})
	}
	before := f.d.EdgeCount()
	if err := f.d.AddEvent(f.c["b3"], NodeInfo{Aggregate: "B"}, f.c["b2"], []cid.Cid{f.c["a3"]}); err != nil {
		t.Fatal(err)
	}
	if err := f.d.AddObject(f.c["o1v2"], NodeInfo{}, f.c["o1v1"]); err != nil {
		t.Fatal(err)
	}
	if f.d.Len() != 10 || f.d.EdgeCount() != before {
		t.Errorf("re-adding events and objects changed the DAG: %d nodes, %d edges (want 10, %d)", f.d.Len(), f.d.EdgeCount(), before)
	}
}

// TestHubDuplicateCheck links one object to many others: each new link must cost O(1), and
// a repeated link must still be recognised from either end.
func TestHubDuplicateCheck(t *testing.T) {
	d := New()
	hub := cidOf(t, "hub")
	d.AddNode(hub, NodeInfo{Kind: KindObject})
	const n = 5000
	leaves := make([]cid.Cid, n)
	for i := range leaves {
		leaves[i] = cidOf(t, fmt.Sprintf("leaf%d", i))
		d.AddNode(leaves[i], NodeInfo{Kind: KindObject})
		if err := d.AddEdge(hub, leaves[i], EdgeLink, "Contains"); err != nil {
			t.Fatal(err)
		}
	}
	for _, i := range []int{0, n / 2, n - 1} {
		if err := d.AddEdge(hub, leaves[i], EdgeLink, "Contains"); err != nil {
			t.Fatal(err)
		}
	}
	if d.EdgeCount() != n {
		t.Errorf("EdgeCount = %d, want %d", d.EdgeCount(), n)
	}
	out := d.Out(hub)
	if len(out) != n || out[0].To != leaves[0] || out[n-1].To != leaves[n-1] {
		t.Errorf("Out(hub) has %d edges, not in insertion order", len(out))
	}
	checkTopo(t, d)
}

func TestKindStrings(t *testing.T) {
	tests := []struct{ got, want string }{
		{KindEvent.String(), "event"}, {KindObject.String(), "object"}, {Kind(9).String(), "Kind(9)"},
		{EdgePrevious.String(), "previous"}, {EdgeParent.String(), "parent"}, {EdgeLink.String(), "link"},
		{EdgeKind(5).String(), "EdgeKind(5)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestKindText(t *testing.T) {
	tests := []struct {
		text    string
		kind    Kind
		edge    EdgeKind
		kindErr bool
		edgeErr bool
	}{
		{"event", KindEvent, 0, false, true},
		{"object", KindObject, 0, false, true},
		{"previous", 0, EdgePrevious, true, false},
		{"parent", 0, EdgeParent, true, false},
		{"link", 0, EdgeLink, true, false},
		{"Event", 0, 0, true, true},
		{"", 0, 0, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			var k Kind
			if err := k.UnmarshalText([]byte(tt.text)); (err != nil) != tt.kindErr || (err == nil && k != tt.kind) {
				t.Errorf("Kind.UnmarshalText = %v, %v", k, err)
			}
			var e EdgeKind
			if err := e.UnmarshalText([]byte(tt.text)); (err != nil) != tt.edgeErr || (err == nil && e != tt.edge) {
				t.Errorf("EdgeKind.UnmarshalText = %v, %v", e, err)
			}
		})
	}
	out, err := json.Marshal(Edge{Kind: EdgeLink, Link: "Contains"})
	if err != nil || !strings.Contains(string(out), `"Kind":"link"`) {
		t.Errorf("Edge JSON = %s, %v", out, err)
	}
	out, err = json.Marshal(NodeInfo{Kind: KindObject})
	if err != nil || !strings.Contains(string(out), `"Kind":"object"`) {
		t.Errorf("NodeInfo JSON = %s, %v", out, err)
	}
	if _, err := Kind(7).MarshalText(); err == nil {
		t.Error("Kind(7) encoded")
	}
	if _, err := EdgeKind(7).MarshalText(); err == nil {
		t.Error("EdgeKind(7) encoded")
	}
}
