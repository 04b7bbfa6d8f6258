package dag

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/ipfs/go-cid"
)

// visitSet marks node indices during one traversal. It starts as a map, which is cheap for the
// small searches that most queries are, and turns into a bitset of the whole DAG once it
// holds enough nodes that the bitset is the smaller of the two.
type visitSet struct {
	m    map[uint32]struct{}
	bits []uint64
	n    int
}

func newVisitSet(nodes int) *visitSet {
	return &visitSet{m: map[uint32]struct{}{}, n: nodes}
}

// add marks i and reports whether it was unmarked.
func (v *visitSet) add(i uint32) bool {
	if v.bits != nil {
		w, b := i>>6, uint64(1)<<(i&63)
		if v.bits[w]&b != 0 {
			return false
		}
		v.bits[w] |= b
		return true
	}
	if _, ok := v.m[i]; ok {
		return false
	}
	v.m[i] = struct{}{}
	if len(v.m) > v.n/128+64 {
		v.bits = make([]uint64, (v.n+63)/64)
		for k := range v.m {
			v.bits[k>>6] |= 1 << (k & 63)
		}
		v.m = nil
	}
	return true
}

// parentMap records each visited node's BFS parent. Like visitSet it starts as a map and
// turns into a slice over the whole DAG once that is smaller.
type parentMap struct {
	m     map[uint32]uint32
	slice []uint32
	n     int
}

func newParentMap(nodes int) *parentMap {
	return &parentMap{m: map[uint32]uint32{}, n: nodes}
}

// set records p as i's parent; none is a valid parent (the root's).
func (pm *parentMap) set(i, p uint32) {
	if pm.slice != nil {
		pm.slice[i] = p
		return
	}
	pm.m[i] = p
	if len(pm.m) > pm.n/8+64 {
		pm.slice = make([]uint32, pm.n)
		for k := range pm.slice {
			pm.slice[k] = unvisited
		}
		for k, v := range pm.m {
			pm.slice[k] = v
		}
		pm.m = nil
	}
}

// unvisited marks a node without a parent entry in parentMap's slice form; node indices stay
// below it (maxIndex).
const unvisited = none - 1

func (pm *parentMap) has(i uint32) bool {
	if pm.slice != nil {
		return pm.slice[i] != unvisited
	}
	_, ok := pm.m[i]
	return ok
}

func (pm *parentMap) get(i uint32) uint32 {
	if pm.slice != nil {
		return pm.slice[i]
	}
	return pm.m[i]
}

func (v *visitSet) has(i uint32) bool {
	if v.bits != nil {
		return v.bits[i>>6]&(1<<(i&63)) != 0
	}
	_, ok := v.m[i]
	return ok
}

// bfs visits the nodes reachable from start (not start itself) in breadth-first order,
// along outgoing edges when out, else incoming, at most maxDepth edges away (maxDepth <= 0:
// no bound). Within one node, edges are taken in the order they were added.
func (d *DAG) bfs(start uint32, maxDepth int, out bool) []uint32 {
	seen := newVisitSet(len(d.cids))
	seen.add(start)
	var result []uint32
	frontier := []uint32{start}
	var next, nbrs []uint32
	for depth := 1; len(frontier) > 0 && (maxDepth <= 0 || depth <= maxDepth); depth++ {
		next = next[:0]
		for _, n := range frontier {
			nbrs = d.neighbours(n, out, nbrs[:0])
			for _, w := range nbrs {
				if seen.add(w) {
					result = append(result, w)
					next = append(next, w)
				}
			}
		}
		frontier, next = next, frontier
	}
	return result
}

// neighbours appends n's edge ends (targets when out, sources otherwise) to buf in the order
// the edges were added.
func (d *DAG) neighbours(n uint32, out bool, buf []uint32) []uint32 {
	start := len(buf)
	if out {
		for e := d.outHead[n]; e != none; e = d.edges[e].nextOut {
			buf = append(buf, d.edges[e].to)
		}
	} else {
		for e := d.inHead[n]; e != none; e = d.edges[e].nextIn {
			buf = append(buf, d.edges[e].from)
		}
	}
	slices.Reverse(buf[start:])
	return buf
}

func (d *DAG) cidsOf(idx []uint32) []cid.Cid {
	out := make([]cid.Cid, len(idx))
	for k, i := range idx {
		out[k] = d.cids[i]
	}
	return out
}

func (d *DAG) mustLookup(c cid.Cid) (uint32, error) {
	i, ok := d.lookup(c)
	if !ok {
		return 0, fmt.Errorf("%w: %s", ErrUnknownNode, c)
	}
	return i, nil
}

// Ancestors returns the nodes c reaches along edge direction (the older nodes it builds on:
// previous events and versions, parents, link targets), nearest first in breadth-first order,
// without c itself. maxDepth bounds the number of edges followed; maxDepth <= 0 means no bound.
// Cost: O(nodes + edges visited).
func (d *DAG) Ancestors(c cid.Cid, maxDepth int) ([]cid.Cid, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	i, err := d.mustLookup(c)
	if err != nil {
		return nil, err
	}
	return d.cidsOf(d.bfs(i, maxDepth, true)), nil
}

// Descendants returns the nodes that reach c (the newer nodes built on it), nearest first in
// breadth-first order against edge direction, without c itself. maxDepth as for Ancestors.
func (d *DAG) Descendants(c cid.Cid, maxDepth int) ([]cid.Cid, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	i, err := d.mustLookup(c)
	if err != nil {
		return nil, err
	}
	return d.cidsOf(d.bfs(i, maxDepth, false)), nil
}

// Chain returns the events of an aggregate, oldest first, from its first event to its head
// along Previous edges between events of that aggregate; nil for an aggregate with no events.
// Cost: O(length of the chain).
func (d *DAG) Chain(aggregate string) []cid.Cid {
	d.mu.RLock()
	defer d.mu.RUnlock()
	agg, ok := d.strIDs[aggregate]
	if !ok || agg == 0 {
		return nil
	}
	h, ok := d.aggHead[agg]
	if !ok {
		return nil
	}
	var chain []cid.Cid
	for n := h; n != none; {
		chain = append(chain, d.cids[n])
		prev := none
		for e := d.outHead[n]; e != none; e = d.edges[e].nextOut {
			r := &d.edges[e]
			if r.kind() == EdgePrevious && d.kinds[r.to] == KindEvent && d.metas[r.to].aggregate == agg {
				prev = r.to
				break
			}
		}
		n = prev
	}
	slices.Reverse(chain)
	return chain
}

// AggregateHead returns the latest event of an aggregate: the top of its Previous chain (when
// events were fed out of order and several chain pieces are not joined yet, the piece top
// with the highest stream sequence, the latest added among equals).
func (d *DAG) AggregateHead(aggregate string) (cid.Cid, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	agg, ok := d.strIDs[aggregate]
	if !ok || agg == 0 {
		return cid.Undef, false
	}
	h, ok := d.aggHead[agg]
	if !ok {
		return cid.Undef, false
	}
	return d.cids[h], true
}

// AggregateHeads returns every aggregate's head (see AggregateHead). Cost: O(aggregates).
func (d *DAG) AggregateHeads() map[string]cid.Cid {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make(map[string]cid.Cid, len(d.aggHead))
	for agg, h := range d.aggHead {
		out[d.strs[agg]] = d.cids[h]
	}
	return out
}

// Heads returns the nodes no edge points to, in the order they were added: each aggregate's
// latest event unless a later event names it as a parent, the latest version of each object
// that nothing links to. Cost: O(nodes).
func (d *DAG) Heads() []cid.Cid {
	d.mu.RLock()
	defer d.mu.RUnlock()
	var out []cid.Cid
	for i, h := range d.inHead {
		if h == none {
			out = append(out, d.cids[i])
		}
	}
	return out
}

// Topo returns every node in a topological order, oldest first: each node comes after every
// node it points to. Cost: O(nodes); the order is maintained as edges are added.
func (d *DAG) Topo() []cid.Cid {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.cidsOf(d.order)
}

// Path returns a shortest path from one node to another along edge direction, both ends
// included (a one-element path when from == to), or ErrNoPath. The search skips every node
// placed before to in the topological order, since none of them can reach it.
func (d *DAG) Path(from, to cid.Cid) ([]cid.Cid, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	f, err := d.mustLookup(from)
	if err != nil {
		return nil, err
	}
	t, err := d.mustLookup(to)
	if err != nil {
		return nil, err
	}
	if f == t {
		return []cid.Cid{from}, nil
	}
	bound := d.ord[t]
	if d.ord[f] < bound {
		return nil, fmt.Errorf("%w from %s to %s", ErrNoPath, from, to)
	}
	parent := newParentMap(len(d.cids))
	parent.set(f, none)
	frontier := []uint32{f}
	var next, nbrs []uint32
	for len(frontier) > 0 {
		next = next[:0]
		for _, n := range frontier {
			nbrs = d.neighbours(n, true, nbrs[:0])
			for _, w := range nbrs {
				if d.ord[w] < bound || parent.has(w) {
					continue
				}
				parent.set(w, n)
				if w == t {
					var path []uint32
					for p := t; p != none; p = parent.get(p) {
						path = append(path, p)
					}
					slices.Reverse(path)
					return d.cidsOf(path), nil
				}
				next = append(next, w)
			}
		}
		frontier, next = next, frontier
	}
	return nil, fmt.Errorf("%w from %s to %s", ErrNoPath, from, to)
}

// CommonAncestors returns the nearest common ancestors of a and b: the nodes that both reach
// (a node counting as reaching itself) and that no other such node reaches. When a reaches b
// the answer is b alone. Several are returned when the histories merge in several places,
// and none when a and b share no history; the order is newest first in the topological order.
// Cost: O(ancestors of a + ancestors of b).
func (d *DAG) CommonAncestors(a, b cid.Cid) ([]cid.Cid, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	ai, err := d.mustLookup(a)
	if err != nil {
		return nil, err
	}
	bi, err := d.mustLookup(b)
	if err != nil {
		return nil, err
	}
	fromA := newVisitSet(len(d.cids))
	fromA.add(ai)
	for _, n := range d.bfs(ai, 0, true) {
		fromA.add(n)
	}
	var common []uint32
	inCommon := newVisitSet(len(d.cids))
	for _, n := range append([]uint32{bi}, d.bfs(bi, 0, true)...) {
		if fromA.has(n) {
			common = append(common, n)
			inCommon.add(n)
		}
	}
	// A common ancestor is not nearest exactly when another common ancestor points at it:
	// every node on a path between two common ancestors is itself one.
	var nearest []uint32
	for _, n := range common {
		dominated := false
		for e := d.inHead[n]; e != none; e = d.edges[e].nextIn {
			if inCommon.has(d.edges[e].from) {
				dominated = true
				break
			}
		}
		if !dominated {
			nearest = append(nearest, n)
		}
	}
	slices.SortFunc(nearest, func(x, y uint32) int { return cmp.Compare(d.ord[y], d.ord[x]) })
	return d.cidsOf(nearest), nil
}

// walkChunk is how many nodes or edges Walk and WalkEdges copy under one read lock; fn then
// runs without the lock, so it may call the DAG's methods, writers included.
const walkChunk = 1024

// Walk calls fn for every node in the order the nodes were added (which is also a topological
// order when every edge went from a newer node to an older one) until fn returns false. It
// sees every node present when it starts and may see nodes added meanwhile. Cost: O(nodes).
func (d *DAG) Walk(fn func(c cid.Cid, info NodeInfo) bool) {
	type item struct {
		c    cid.Cid
		info NodeInfo
	}
	buf := make([]item, 0, walkChunk)
	for start := 0; ; start += len(buf) {
		buf = buf[:0]
		d.mu.RLock()
		end := min(start+walkChunk, len(d.cids))
		for i := start; i < end; i++ {
			buf = append(buf, item{d.cids[i], d.info(uint32(i))})
		}
		d.mu.RUnlock()
		if len(buf) == 0 {
			return
		}
		for _, it := range buf {
			if !fn(it.c, it.info) {
				return
			}
		}
	}
}

// WalkEdges calls fn for every edge in the order the edges were added until fn returns false,
// with the same guarantees as Walk. Cost: O(edges).
func (d *DAG) WalkEdges(fn func(e Edge) bool) {
	buf := make([]Edge, 0, walkChunk)
	for start := 0; ; start += len(buf) {
		buf = buf[:0]
		d.mu.RLock()
		end := min(start+walkChunk, len(d.edges))
		for e := start; e < end; e++ {
			buf = append(buf, d.edge(uint32(e)))
		}
		d.mu.RUnlock()
		if len(buf) == 0 {
			return
		}
		for _, e := range buf {
			if !fn(e) {
				return
			}
		}
	}
}
