package dag

import (
	"cmp"
	"fmt"
	"slices"
)

// The DAG keeps a topological order (ord, order) in which every edge goes from a higher
// position to a lower one. A new node takes the highest position, so the usual edges, from a
// new event or version to older nodes, already respect it and need no search at all. Only an
// edge from a lower position to a higher one (a link from an old object to a newer one, or
// nodes fed out of stream order) runs the Pearce–Kelly update, which searches just the nodes
// whose positions lie between the two endpoints and either finds the cycle or shifts those
// nodes so the order holds again.

// reorder makes room for the edge f -> t when ord[f] < ord[t], or reports that the edge would
// close a cycle. It changes nothing on error.
func (d *DAG) reorder(f, t uint32) error {
	lb, ub := d.ord[f], d.ord[t]
	// Forward set: f and the nodes that reach f (along incoming edges) placed below t. Those
	// must end up above t. Meeting t among them means a path t -> ... -> f exists, which
	// f -> t would close into a cycle.
	fwd, ok := d.collect(f, ub, true, t)
	if !ok {
		return fmt.Errorf("%w: %s already reaches %s", ErrWouldCycle, d.cids[t], d.cids[f])
	}
	// Backward set: t and the nodes t reaches placed above f. Those must end up below f.
	back, _ := d.collect(t, lb, false, none)

	byOrd := func(a, b uint32) int { return cmp.Compare(d.ord[a], d.ord[b]) }
	slices.SortFunc(fwd, byOrd)
	slices.SortFunc(back, byOrd)
	pos := make([]uint32, 0, len(fwd)+len(back))
	for _, n := range back {
		pos = append(pos, d.ord[n])
	}
	for _, n := range fwd {
		pos = append(pos, d.ord[n])
	}
	slices.Sort(pos)
	k := 0
	for _, set := range [2][]uint32{back, fwd} {
		for _, n := range set {
			d.ord[n] = pos[k]
			d.order[pos[k]] = n
			k++
		}
	}
	return nil
}

// collect gathers start and every node reachable from it whose position lies strictly
// between bound and start's position: along incoming edges (up, to higher positions, below
// bound) when up, else along outgoing edges (down, to lower positions, above bound). It
// returns false as soon as it meets stop.
func (d *DAG) collect(start, bound uint32, up bool, stop uint32) ([]uint32, bool) {
	seen := map[uint32]struct{}{start: {}}
	found := []uint32{start}
	stack := []uint32{start}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if up {
			for e := d.inHead[n]; e != none; e = d.edges[e].nextIn {
				w := d.edges[e].from
				if w == stop {
					return nil, false
				}
				if d.ord[w] < bound {
					if _, ok := seen[w]; !ok {
						seen[w] = struct{}{}
						found = append(found, w)
						stack = append(stack, w)
					}
				}
			}
			continue
		}
		for e := d.outHead[n]; e != none; e = d.edges[e].nextOut {
			w := d.edges[e].to
			if d.ord[w] > bound {
				if _, ok := seen[w]; !ok {
					seen[w] = struct{}{}
					found = append(found, w)
					stack = append(stack, w)
				}
			}
		}
	}
	return found, true
}

// reaches reports whether a path from a to b exists; it searches only positions between the
// two, so it is cheap when they are close in the order.
func (d *DAG) reaches(a, b uint32) bool {
	if a == b {
		return true
	}
	if d.ord[a] < d.ord[b] {
		return false
	}
	_, ok := d.collect(b, d.ord[a], true, a)
	return !ok
}
