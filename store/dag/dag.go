package dag

import (
	"fmt"
	"math"
	"sync"

	"github.com/ipfs/go-cid"
)

// Kind says whether a node is an event or an object.
type Kind uint8

// Node kinds.
const (
	// KindEvent is an event block of the stream event-store.
	KindEvent Kind = iota
	// KindObject is an object block of the bucket object-store.
	KindObject
	// KindFile is file content in the bucket (a raw leaf or a dag-pb UnixFS node), present in
	// the DAG when a link names it.
	KindFile
)

// String returns "event", "object" or "file".
func (k Kind) String() string {
	switch k {
	case KindEvent:
		return "event"
	case KindObject:
		return "object"
	case KindFile:
		return "file"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// EdgeKind is the type of an edge. Every edge points from the newer or linking node to the
// node it names: an event to its previous event and to its parents, an object version to its
// previous version, a link's source to its target.
type EdgeKind uint8

// Edge kinds.
const (
	// EdgePrevious joins an event to its aggregate's previous event, or an object to its
	// previous version.
	EdgePrevious EdgeKind = iota
	// EdgeParent joins an event to one of its causal parents.
	EdgeParent
	// EdgeLink is a named link between any two nodes (Contains, DerivedFrom, References or a
	// custom name), as recorded by the object store's LinkObjects.
	EdgeLink
)

// String returns "previous", "parent" or "link".
func (k EdgeKind) String() string {
	switch k {
	case EdgePrevious:
		return "previous"
	case EdgeParent:
		return "parent"
	case EdgeLink:
		return "link"
	}
	return fmt.Sprintf("EdgeKind(%d)", uint8(k))
}

// NodeInfo is the metadata kept for a node.
type NodeInfo struct {
	Kind Kind
	// Seq is the event's stream sequence, 0 for objects (and for events not read from a
	// stream).
	Seq uint64
	// Aggregate is the event's aggregate ID, empty for objects.
	Aggregate string
	// Type is the event type, or the object's kind.
	Type string
	// Timestamp is the block's timestamp, Unix nanoseconds.
	Timestamp int64
}

// Edge is one edge of the DAG, from the newer or linking node to the node it names.
type Edge struct {
	From, To cid.Cid
	Kind     EdgeKind
	// Link is the link type name of an EdgeLink ("Contains", "DerivedFrom", "References" or
	// custom), empty for the other kinds.
	Link string
}

// none marks the end of an edge list, or a missing node.
const none uint32 = math.MaxUint32

// maxIndex bounds node and edge counts so that none stays free and index+1 fits 32 bits.
const maxIndex = math.MaxUint32 - 1

// meta is a node's metadata with interned strings.
type meta struct {
	seq       uint64
	ts        int64
	aggregate uint32
	typ       uint32
}

// edgeRec is one edge in the edge pool. Each node's outgoing and incoming edges form two
// singly linked lists through the pool, newest first; an edge costs 20 bytes and a node 8
// bytes of list heads, with no per-node slice headers.
type edgeRec struct {
	from, to uint32
	// label is the EdgeKind in the low 2 bits and the interned link name above them.
	label   uint32
	nextOut uint32
	nextIn  uint32
}

func (e *edgeRec) kind() EdgeKind { return EdgeKind(e.label & 3) }

// DAG is an in-memory Merkle DAG of events and objects. Nodes are numbered densely in the
// order they are added; edges live in one pool. A DAG is safe for concurrent use: it is meant
// to be fed by one writer and read by many.
type DAG struct {
	mu sync.RWMutex

	// Per node, by index (= insertion rank).
	cids    []cid.Cid
	kinds   []Kind
	metas   []meta
	outHead []uint32
	inHead  []uint32
	// ord is the node's position in a topological order in which every edge goes from a
	// higher position to a lower one; order is its inverse.
	ord   []uint32
	order []uint32

	index cidIndex
	edges []edgeRec

	strs   []string
	strIDs map[string]uint32

	// aggHead maps an interned aggregate ID to its latest event's index.
	aggHead map[uint32]uint32
}

// New returns an empty DAG.
func New() *DAG { return NewWithCapacity(0, 0) }

// NewWithCapacity returns an empty DAG with room for the given numbers of nodes and edges, so
// that a replay of known size does not grow its tables step by step.
func NewWithCapacity(nodes, edges int) *DAG {
	nodes = max(nodes, 0)
	edges = max(edges, 0)
	return &DAG{
		cids:    make([]cid.Cid, 0, nodes),
		kinds:   make([]Kind, 0, nodes),
		metas:   make([]meta, 0, nodes),
		outHead: make([]uint32, 0, nodes),
		inHead:  make([]uint32, 0, nodes),
		ord:     make([]uint32, 0, nodes),
		order:   make([]uint32, 0, nodes),
		index:   newCIDIndex(nodes),
		edges:   make([]edgeRec, 0, edges),
		strs:    []string{""},
		strIDs:  map[string]uint32{"": 0},
		aggHead: map[uint32]uint32{},
	}
}

// intern returns the ID of s, adding it when new.
func (d *DAG) intern(s string) uint32 {
	if id, ok := d.strIDs[s]; ok {
		return id
	}
	id := uint32(len(d.strs))
	d.strs = append(d.strs, s)
	d.strIDs[s] = id
	return id
}

func (d *DAG) lookup(c cid.Cid) (uint32, bool) {
	if !c.Defined() {
		return 0, false
	}
	i, _, ok := d.index.find(c.KeyString(), d.cids)
	return i, ok
}

// AddNode adds a node. It returns false, changing nothing, when c is already present (adding
// is idempotent: the first NodeInfo stays), when c is cid.Undef, when info.Kind is not a known
// Kind, or when the DAG holds 2^32-1 nodes already.
func (d *DAG) AddNode(c cid.Cid, info NodeInfo) bool {
	if !c.Defined() || info.Kind > KindFile {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	_, added := d.addNode(c, info)
	return added
}

// addNode adds c unless present and returns its index.
func (d *DAG) addNode(c cid.Cid, info NodeInfo) (uint32, bool) {
	i, h, ok := d.index.find(c.KeyString(), d.cids)
	if ok {
		return i, false
	}
	return d.newNode(c, info, h)
}

// newNode adds c, which is not present and whose key hash is h.
func (d *DAG) newNode(c cid.Cid, info NodeInfo, h uint32) (uint32, bool) {
	if uint64(len(d.cids)) >= maxIndex {
		return none, false
	}
	i := uint32(len(d.cids))
	d.index.insert(h, i)
	m := meta{seq: info.Seq, ts: info.Timestamp, aggregate: d.intern(info.Aggregate), typ: d.intern(info.Type)}
	d.cids = append(d.cids, c)
	d.kinds = append(d.kinds, info.Kind)
	d.metas = append(d.metas, m)
	d.outHead = append(d.outHead, none)
	d.inHead = append(d.inHead, none)
	d.ord = append(d.ord, uint32(len(d.order)))
	d.order = append(d.order, i)
	if info.Kind == KindEvent && m.aggregate != 0 {
		// A new event has no incoming edge yet, so it heads its aggregate unless the current
		// head is later in the stream.
		if h, ok := d.aggHead[m.aggregate]; !ok || d.metas[h].seq <= m.seq {
			d.aggHead[m.aggregate] = i
		}
	}
	return i, true
}

// checkLabel validates an edge's kind and link name and returns its packed label.
func (d *DAG) checkLabel(kind EdgeKind, link string) (uint32, error) {
	switch kind {
	case EdgePrevious, EdgeParent:
		if link != "" {
			return 0, fmt.Errorf("%w: a %s edge has no link name (got %q)", ErrInvalidEdge, kind, link)
		}
		return uint32(kind), nil
	case EdgeLink:
		if link == "" {
			return 0, fmt.Errorf("%w: a link edge needs a link name", ErrInvalidEdge)
		}
		id, ok := d.strIDs[link]
		if !ok {
			// Not interned yet: the caller interns it once the edge is accepted.
			return none, nil
		}
		return id<<2 | uint32(EdgeLink), nil
	}
	return 0, fmt.Errorf("%w: unknown edge kind %d", ErrInvalidEdge, uint8(kind))
}

// AddEdge adds an edge from the newer or linking node to the node it names. It refuses an
// endpoint that is not a node (ErrUnknownNode), an edge that would close a cycle, including a
// self-edge (ErrWouldCycle), and a bad kind or link name (ErrInvalidEdge). Adding an identical
// edge (same endpoints, kind and link) again is a no-op that returns nil.
//
// An edge from a newer node to an older one, the usual case, costs O(1) plus a duplicate check
// of O(min(out-degree of from, in-degree of to)). An edge the other way reorders the affected
// part of the topological order (Pearce–Kelly), visiting only nodes between the two.
func (d *DAG) AddEdge(from, to cid.Cid, kind EdgeKind, link string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	f, t, err := d.endpoints(from, to)
	if err != nil {
		return err
	}
	label, err := d.checkLabel(kind, link)
	if err != nil {
		return err
	}
	return d.addEdge(f, t, label, link)
}

func (d *DAG) endpoints(from, to cid.Cid) (uint32, uint32, error) {
	f, ok := d.lookup(from)
	if !ok {
		return 0, 0, fmt.Errorf("%w: edge source %s", ErrUnknownNode, from)
	}
	t, ok := d.lookup(to)
	if !ok {
		return 0, 0, fmt.Errorf("%w: edge target %s", ErrUnknownNode, to)
	}
	return f, t, nil
}

// addEdge adds f -> t with a label from checkLabel (none when the link name is not interned
// yet, which also means no identical edge can exist).
func (d *DAG) addEdge(f, t, label uint32, link string) error {
	if label != none && d.hasEdge(f, t, label) {
		return nil
	}
	if f == t {
		return fmt.Errorf("%w: %s points at itself", ErrWouldCycle, d.cids[f])
	}
	if uint64(len(d.edges)) >= maxIndex {
		return ErrTooLarge
	}
	if d.ord[t] > d.ord[f] {
		if err := d.reorder(f, t); err != nil {
			return err
		}
	}
	if label == none {
		label = d.intern(link)<<2 | uint32(EdgeLink)
	}
	e := uint32(len(d.edges))
	d.edges = append(d.edges, edgeRec{from: f, to: t, label: label, nextOut: d.outHead[f], nextIn: d.inHead[t]})
	d.outHead[f] = e
	d.inHead[t] = e
	if EdgeKind(label&3) == EdgePrevious {
		d.updateHead(f, t)
	}
	return nil
}

// hasEdge reports whether f -> t with label exists. It walks f's outgoing and t's incoming
// lists in step, so it stops after the shorter one: a hub with many links costs nothing to
// the nodes it links.
func (d *DAG) hasEdge(f, t, label uint32) bool {
	o, in := d.outHead[f], d.inHead[t]
	for o != none && in != none {
		if e := &d.edges[o]; e.to == t && e.label == label {
			return true
		}
		if e := &d.edges[in]; e.from == f && e.label == label {
			return true
		}
		o, in = d.edges[o].nextOut, d.edges[in].nextIn
	}
	return false
}

// updateHead keeps aggregate heads right when a Previous edge f -> t lands on the head of
// t's aggregate, which happens when events are added out of stream order: the new head is the
// top of the chain that now continues above t.
func (d *DAG) updateHead(f, t uint32) {
	agg := d.metas[t].aggregate
	if d.kinds[t] != KindEvent || agg == 0 || d.kinds[f] != KindEvent || d.metas[f].aggregate != agg {
		return
	}
	if h, ok := d.aggHead[agg]; !ok || h != t {
		return
	}
	top := f
	for steps := 0; steps < len(d.cids); steps++ {
		next := none
		for e := d.inHead[top]; e != none; e = d.edges[e].nextIn {
			r := &d.edges[e]
			if r.kind() == EdgePrevious && d.kinds[r.from] == KindEvent && d.metas[r.from].aggregate == agg {
				next = r.from
				break
			}
		}
		if next == none {
			break
		}
		top = next
	}
	d.aggHead[agg] = top
}

// AddEvent adds an event node with its Previous edge (unless previous is cid.Undef) and its
// Parent edges, under one lock. Every previous and parent must be a node already
// (ErrUnknownNode); on any error nothing is added. Adding an event that is present only adds
// the edges it lacks.
func (d *DAG) AddEvent(c cid.Cid, info NodeInfo, previous cid.Cid, parents []cid.Cid) error {
	info.Kind = KindEvent
	targets := make([]cid.Cid, 0, 1+len(parents))
	kinds := make([]EdgeKind, 0, 1+len(parents))
	if previous.Defined() {
		targets = append(targets, previous)
		kinds = append(kinds, EdgePrevious)
	}
	for _, p := range parents {
		targets = append(targets, p)
		kinds = append(kinds, EdgeParent)
	}
	return d.addWithEdges(c, info, targets, kinds)
}

// AddObject adds an object node with its Previous edge to the object's previous version
// (unless previous is cid.Undef), under one lock; previous must be a node already
// (ErrUnknownNode). On any error nothing is added.
func (d *DAG) AddObject(c cid.Cid, info NodeInfo, previous cid.Cid) error {
	info.Kind = KindObject
	info.Seq = 0
	info.Aggregate = ""
	if !previous.Defined() {
		return d.addWithEdges(c, info, nil, nil)
	}
	return d.addWithEdges(c, info, []cid.Cid{previous}, []EdgeKind{EdgePrevious})
}

func (d *DAG) addWithEdges(c cid.Cid, info NodeInfo, targets []cid.Cid, kinds []EdgeKind) error {
	if !c.Defined() {
		return fmt.Errorf("%w: undefined CID", ErrUnknownNode)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	ts := make([]uint32, len(targets))
	for k, tc := range targets {
		t, ok := d.lookup(tc)
		if !ok {
			return fmt.Errorf("%w: %s of %s", ErrUnknownNode, kinds[k], tc)
		}
		ts[k] = t
	}
	f, h, exists := d.index.find(c.KeyString(), d.cids)
	if exists {
		// Edges from an existing node can close cycles: check them all before adding any.
		// Each check is independent: an edge out of f adds no path into f.
		for _, t := range ts {
			if t == f || (d.ord[t] > d.ord[f] && d.reaches(t, f)) {
				return fmt.Errorf("%w: %s -> %s", ErrWouldCycle, c, d.cids[t])
			}
		}
	} else {
		var added bool
		if f, added = d.newNode(c, info, h); !added {
			return ErrTooLarge
		}
	}
	for k, t := range ts {
		if err := d.addEdge(f, t, uint32(kinds[k]), ""); err != nil {
			return err
		}
	}
	return nil
}

// Has reports whether c is a node.
func (d *DAG) Has(c cid.Cid) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	_, ok := d.lookup(c)
	return ok
}

// Node returns c's metadata.
func (d *DAG) Node(c cid.Cid) (NodeInfo, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	i, ok := d.lookup(c)
	if !ok {
		return NodeInfo{}, false
	}
	return d.info(i), true
}

func (d *DAG) info(i uint32) NodeInfo {
	m := &d.metas[i]
	return NodeInfo{Kind: d.kinds[i], Seq: m.seq, Aggregate: d.strs[m.aggregate], Type: d.strs[m.typ], Timestamp: m.ts}
}

// Len returns the number of nodes.
func (d *DAG) Len() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.cids)
}

// EdgeCount returns the number of edges.
func (d *DAG) EdgeCount() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.edges)
}

func (d *DAG) edge(e uint32) Edge {
	r := &d.edges[e]
	out := Edge{From: d.cids[r.from], To: d.cids[r.to], Kind: r.kind()}
	if out.Kind == EdgeLink {
		out.Link = d.strs[r.label>>2]
	}
	return out
}

// Out returns the edges from c (to the nodes c names), in the order they were added; nil when
// c is not a node.
func (d *DAG) Out(c cid.Cid) []Edge {
	d.mu.RLock()
	defer d.mu.RUnlock()
	i, ok := d.lookup(c)
	if !ok {
		return nil
	}
	var out []Edge
	for e := d.outHead[i]; e != none; e = d.edges[e].nextOut {
		out = append(out, d.edge(e))
	}
	reverseEdges(out)
	return out
}

// In returns the edges to c (from the nodes that name c), in the order they were added; nil
// when c is not a node.
func (d *DAG) In(c cid.Cid) []Edge {
	d.mu.RLock()
	defer d.mu.RUnlock()
	i, ok := d.lookup(c)
	if !ok {
		return nil
	}
	var in []Edge
	for e := d.inHead[i]; e != none; e = d.edges[e].nextIn {
		in = append(in, d.edge(e))
	}
	reverseEdges(in)
	return in
}

func reverseEdges(s []Edge) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}
