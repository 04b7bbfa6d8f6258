package dag

import "fmt"

// AddEdges adds a batch of edges atomically: either every edge is added (identical edges,
// already present or repeated in the batch, count once) or, on any error, none is. It refuses
// what AddEdge refuses, naming the batch position of the first bad edge; a cycle closed by the
// batch as a whole is ErrWouldCycle.
//
// It is the way to load edges whose nodes were added in no useful order (a rebuild from an
// unordered listing): when every edge goes from a newer to an older node it costs what
// AddEdge costs, and otherwise it rebuilds the topological order once, in O(nodes + edges),
// where edge-by-edge updates could cost up to the size of the graph each.
func (d *DAG) AddEdges(edges []Edge) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	type pending struct {
		f, t, label uint32
		link        string
	}
	ps := make([]pending, len(edges))
	for k, e := range edges {
		f, t, err := d.endpoints(e.From, e.To)
		if err != nil {
			return fmt.Errorf("edge %d: %w", k, err)
		}
		label, err := d.checkLabel(e.Kind, e.Link)
		if err != nil {
			return fmt.Errorf("edge %d: %w", k, err)
		}
		if f == t {
			return fmt.Errorf("edge %d: %w: %s points at itself", k, ErrWouldCycle, e.From)
		}
		ps[k] = pending{f, t, label, e.Link}
	}
	start := len(d.edges)
	if uint64(start)+uint64(len(ps)) > maxIndex {
		return ErrTooLarge
	}
	backward := false
	for _, p := range ps {
		label := p.label
		if label == none {
			label = d.intern(p.link)<<2 | uint32(EdgeLink)
		}
		if d.hasEdge(p.f, p.t, label) {
			continue
		}
		if d.ord[p.t] > d.ord[p.f] {
			backward = true
		}
		e := uint32(len(d.edges))
		d.edges = append(d.edges, edgeRec{from: p.f, to: p.t, label: label, nextOut: d.outHead[p.f], nextIn: d.inHead[p.t]})
		d.outHead[p.f] = e
		d.inHead[p.t] = e
	}
	if backward {
		if stuck := d.resort(); stuck > 0 {
			// Each batch edge heads its two lists once every later edge is gone: unlink them
			// newest first.
			for e := len(d.edges) - 1; e >= start; e-- {
				r := &d.edges[e]
				d.outHead[r.from] = r.nextOut
				d.inHead[r.to] = r.nextIn
			}
			d.edges = d.edges[:start]
			return fmt.Errorf("%w: the batch closes a cycle (%d nodes on or above it)", ErrWouldCycle, stuck)
		}
	}
	for e := start; e < len(d.edges); e++ {
		if r := &d.edges[e]; r.kind() == EdgePrevious {
			d.updateHead(r.from, r.to)
		}
	}
	return nil
}

// RefusedEdge is an edge AddEdgesSkipping left out, with the reason.
type RefusedEdge struct {
	Edge Edge
	Err  error
}

// AddEdgesSkipping adds every edge of the batch that AddEdge would accept, in batch order, and
// returns the others with their errors (ErrUnknownNode, ErrWouldCycle, ErrInvalidEdge, …) instead
// of failing whole: the way to load records a store already holds, where one bad record must
// not hide the rest. An edge that closes a cycle with the edges before it is the one left out.
// When the whole batch is good it costs what AddEdges costs.
func (d *DAG) AddEdgesSkipping(edges []Edge) []RefusedEdge {
	if err := d.AddEdges(edges); err == nil {
		return nil
	}
	var refused []RefusedEdge
	for _, e := range edges {
		if err := d.AddEdge(e.From, e.To, e.Kind, e.Link); err != nil {
			refused = append(refused, RefusedEdge{Edge: e, Err: err})
		}
	}
	return refused
}

// resort rebuilds the topological order from scratch (Kahn's algorithm, taking nodes that
// point at nothing left first, in their previous order). It returns the number of nodes it
// could not place because of a cycle, changing nothing in that case.
func (d *DAG) resort() int {
	n := len(d.cids)
	outdeg := make([]uint32, n)
	for e := range d.edges {
		outdeg[d.edges[e].from]++
	}
	queue := make([]uint32, 0, n)
	for _, node := range d.order {
		if outdeg[node] == 0 {
			queue = append(queue, node)
		}
	}
	for head := 0; head < len(queue); head++ {
		for e := d.inHead[queue[head]]; e != none; e = d.edges[e].nextIn {
			p := d.edges[e].from
			if outdeg[p]--; outdeg[p] == 0 {
				queue = append(queue, p)
			}
		}
	}
	if len(queue) < n {
		return n - len(queue)
	}
	d.order = queue
	for pos, node := range queue {
		d.ord[node] = uint32(pos)
	}
	return 0
}
