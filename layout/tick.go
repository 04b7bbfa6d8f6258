package layout

import "math"

const (
	leafChunk  = 8    // tree leaves a worker claims at a time in the many-body pass
	forceChunk = 256  // IDs a worker claims at a time in the local-force pass
	integBlock = 2048 // nodes per integration block; energy is summed per block, in order
)

// Tick advances the layout by one step and returns its kinetic energy, the sum of the squared
// velocities. As d3: alpha decays, forces scaled by each node's alpha change its velocity,
// velocities decay and positions move. Forces are computed only for nodes whose alpha is at
// least AlphaMin, so a settled layout with a few new nodes costs one tree build plus their
// forces. Results do not depend on Workers: every node's force is summed on its own, in a
// fixed order.
func (s *Sim) Tick() float64 {
	p := &s.p
	decay := 1 - p.AlphaDecay
	s.alpha *= decay
	active, maxHeat := 0, 0.0
	bodies := s.ids.live
	if s.offN > 0 {
		s.acting = extend(s.acting, len(bodies))[:len(bodies)]
		for i, ok := range bodies {
			s.acting[i] = ok && !s.off[i]
		}
		bodies = s.acting
	}
	for i, ok := range s.ids.live {
		if !ok {
			continue
		}
		h := s.heat[i]
		if h != 0 {
			h *= decay
			if h < p.AlphaMin*1e-3 {
				h = 0
			}
			s.heat[i] = h
			maxHeat = max(maxHeat, h)
		}
		a := max(s.alpha, h)
		if a < p.AlphaMin || s.pinned[i] || s.off[i] {
			a = 0
		} else {
			active++
		}
		s.eff[i] = a
		s.pred[i] = spring{s.xs[i] + s.vxs[i], s.ys[i] + s.vys[i], s.degree(NodeID(i))}
	}
	s.maxHeat = maxHeat
	if active > 0 {
		s.tree.build(s.xs, s.ys, bodies, p.Theta)
		s.chunk.Store(0)
		s.runJob(s.bodyJob)
		s.chunk.Store(0)
		s.runJob(s.localJob)
	}
	s.blockE = grow(s.blockE, (len(s.xs)+integBlock-1)/integBlock)
	s.chunk.Store(0)
	s.runJob(s.integJob)
	var e float64
	for _, b := range s.blockE {
		e += b
	}
	return e
}

// manyBody computes the Barnes-Hut force on every active node into fxs, fys, a leaf of the
// tree at a time, in chunks of leaves claimed by the workers.
func (s *Sim) manyBody(w int) {
	t := &s.tree
	l := &s.lists[w]
	m := int32(len(t.leaves))
	for {
		lo := (s.chunk.Add(1) - 1) * leafChunk
		if lo >= m {
			return
		}
		for li := lo; li < min(lo+leafChunk, m); li++ {
			lb := &t.leaves[li]
			nd := &t.nodes[lb.node]
			collected := false
			for k := nd.lo; k < nd.hi; k++ {
				id := uint32(t.keys[k])
				if s.eff[id] == 0 {
					continue
				}
				if !collected {
					t.collect(lb, l)
					collected = true
				}
				s.fxs[id], s.fys[id] = t.force(l, k, t.bx[k], t.by[k])
			}
		}
	}
}

// localForces adds springs, gravity and the time bias to the many-body force of every active
// node and scales the sum by the node's alpha, walking IDs in order: a node's springs mostly
// lead to nodes added about the same time, which sit close by in the arrays.
func (s *Sim) localForces(int) {
	n := int32(len(s.xs))
	for {
		lo := (s.chunk.Add(1) - 1) * forceChunk
		if lo >= n {
			return
		}
		for id := lo; id < min(lo+forceChunk, n); id++ {
			a := s.eff[id]
			if a == 0 {
				continue
			}
			sx, sy := s.springs(NodeID(id))
			tx, ty := s.timeBias(NodeID(id))
			s.fxs[id] = (s.fxs[id]*s.p.Charge + sx + tx - s.xs[id]*s.p.Gravity) * a
			s.fys[id] = (s.fys[id]*s.p.Charge + sy + ty - s.ys[id]*s.p.Gravity) * a
		}
	}
}

// springs returns the link force on node i as d3's forceLink computes it (rest length
// LinkDistance, strength 1/min(degree) unless LinkStrength is set, the lighter end moving
// more), from the positions each end will reach at its current velocity. Each node sums over
// its own springs, so the result does not depend on which worker computes it.
func (s *Sim) springs(i NodeID) (fx, fy float64) {
	nb := s.adj[i]
	if len(nb) == 0 {
		return 0, 0
	}
	me := s.pred[i]
	di := me.deg
	hide := s.offN > 0
	for _, j := range nb {
		if hide && s.off[j] {
			continue // a node out of the layout pulls no one
		}
		o := s.pred[j]
		dj := o.deg
		dx, dy := o.x-me.x, o.y-me.y
		l2 := dx*dx + dy*dy
		if l2 == 0 {
			dx, dy = jiggle(int32(i), int32(j))
			l2 = dx*dx + dy*dy
		}
		l := math.Sqrt(l2)
		strength := s.p.LinkStrength
		if strength == 0 {
			strength = 1 / min(di, dj)
		}
		k := (l - s.p.LinkDistance) / l * strength * dj / (di + dj)
		fx += dx * k
		fy += dy * k
	}
	return fx, fy
}

// degree is the number of springs at node i that act: those to nodes in the layout.
func (s *Sim) degree(i NodeID) float64 {
	if s.offN == 0 {
		return float64(len(s.adj[i]))
	}
	n := 0
	for _, j := range s.adj[i] {
		if !s.off[j] {
			n++
		}
	}
	return float64(n)
}

// timeBias returns the force that turns the links between node i and its neighbours in its
// group's time order (the one before it and the one after it) towards +X: for each such pair
// d = later - earlier, the later node is pulled by TimeBias·(|d|-dx, -dy)/4 and the earlier
// one by the opposite. It sets the direction of a chain, not its length, so chains of
// aggregates that run at different rates do not fight each other or the springs.
func (s *Sim) timeBias(i NodeID) (fx, fy float64) {
	if s.p.TimeBias == 0 {
		return 0, 0
	}
	me := s.pred[i]
	if p := s.gprev[i]; p != NoNode && !s.off[p] {
		o := s.pred[p]
		dx, dy := me.x-o.x, me.y-o.y
		fx += math.Sqrt(dx*dx+dy*dy) - dx
		fy -= dy
	}
	if n := s.gnext[i]; n != NoNode && !s.off[n] {
		o := s.pred[n]
		dx, dy := o.x-me.x, o.y-me.y
		fx -= math.Sqrt(dx*dx+dy*dy) - dx
		fy += dy
	}
	k := s.p.TimeBias / 4 // at most 1/2 per node: stable with velocity decay
	return fx * k, fy * k
}

// integrate applies this tick's velocity changes, decays velocities, moves the nodes and
// records the kinetic energy of each block of IDs.
func (s *Sim) integrate(int) {
	n := int32(len(s.xs))
	live := s.ids.live
	for {
		b := s.chunk.Add(1) - 1
		lo := b * integBlock
		if lo >= n {
			return
		}
		var e float64
		for i := lo; i < min(lo+integBlock, n); i++ {
			if !live[i] {
				continue
			}
			if s.pinned[i] {
				s.vxs[i], s.vys[i] = 0, 0 // it stays where Pin put it
				continue
			}
			if s.off[i] {
				continue // out of the layout: it stays where it is
			}
			vx, vy := s.vxs[i], s.vys[i]
			if s.eff[i] != 0 {
				vx += s.fxs[i]
				vy += s.fys[i]
			}
			vx *= s.keep
			vy *= s.keep
			s.vxs[i], s.vys[i] = vx, vy
			s.xs[i] += vx
			s.ys[i] += vy
			e += vx*vx + vy*vy
		}
		s.blockE[b] = e
	}
}
