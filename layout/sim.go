package layout

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
)

// Vec2 is a point or a vector in world units.
type Vec2 struct{ X, Y float64 }

// NodeID is the dense handle a Sim assigns to a node. The ID of a removed node may be handed
// out again by a later AddNode.
type NodeID int32

// NoNode stands for "no node": AddNode(NoNode, …) places a node without a neighbour.
const NoNode NodeID = -1

// NoGroup is the group of a node that belongs to no group: it takes no part in the time bias.
const NoGroup int32 = -1

// maxReheat caps the nodes one change reheats, so that adding edges to a hub stays cheap.
const maxReheat = 4096

// Sim is a force-directed layout over plain slices indexed by NodeID. It is not safe for
// concurrent use: one goroutine owns it (wrap it in a Runner to share it). Invalid IDs (NoNode,
// removed or never assigned) are ignored by every method.
type Sim struct {
	p     Params
	keep  float64 // 1 - VelocityDecay
	alpha float64 // global alpha
	// maxHeat bounds the local alpha of every node from above.
	maxHeat float64

	ids  idAlloc
	live int

	// per node, indexed by NodeID
	xs, ys, vxs, vys []float64
	fxs, fys         []float64 // velocity change of this tick, already scaled by alpha
	heat             []float64 // local alpha given by reheats; the node's alpha is max(alpha, heat)
	eff              []float64 // the node's alpha this tick, 0 when no force is computed for it
	pinned           []bool
	off              []bool // left out of the forces (SetActive false): frozen, acting on no one
	offN             int    // live nodes that are off
	acting           []bool // live and not off, rebuilt each tick while offN > 0 (the tree's bodies)
	adj              [][]NodeID
	group            []int32
	t                []float64
	gprev, gnext     []NodeID // neighbours in the group's time order
	pred             []spring // per tick: where each node is heading, and its degree

	groups map[int32]*chain
	rng    *rand.Rand
	spiral int // phyllotaxis index of the next node placed without a neighbour

	tree     quadtree
	lists    []lists // per worker
	pool     *pool
	chunk    atomic.Int32
	blockE   []float64
	bodyJob  func(int)
	localJob func(int)
	integJob func(int)
	out      []Vec2

	mark  []uint32 // reheat BFS visit stamps
	stamp uint32
	queue []NodeID
}

// spring holds what a spring needs of its far end, packed so that it costs one cache line.
type spring struct{ x, y, deg float64 }

// chain is a group's nodes in time order.
type chain struct{ head, tail NodeID }

// New returns an empty simulation with parameters p (see Params for how zero fields are
// filled in). Its global alpha starts at 1, as d3's.
func New(p Params) *Sim {
	p = p.normalized()
	s := &Sim{
		p:      p,
		keep:   1 - p.VelocityDecay,
		alpha:  1,
		groups: make(map[int32]*chain),
		rng:    rand.New(rand.NewPCG(uint64(p.Seed), 0x6a65746461670001)),
	}
	s.lists = make([]lists, p.Workers)
	s.bodyJob = s.manyBody
	s.localJob = s.localForces
	s.integJob = s.integrate
	return s
}

// Params returns the parameters in use, with defaults filled in.
func (s *Sim) Params() Params { return s.p }

// Len returns the number of live nodes.
func (s *Sim) Len() int { return s.live }

// Alpha returns the global alpha: 1 when the simulation starts, decaying towards 0 as it cools.
// Nodes reheated by a change run at their own, higher alpha until it decays too.
func (s *Sim) Alpha() float64 { return s.alpha }

// Reheat raises the global alpha to at least alpha (clamped to [0, 1]), so that the whole
// layout moves again, like d3's simulation.alpha(a).restart().
func (s *Sim) Reheat(alpha float64) {
	if alpha > s.alpha && !math.IsNaN(alpha) {
		s.alpha = min(alpha, 1)
	}
}

// Settled reports whether the next Tick would compute no force: every node's alpha is below
// AlphaMin. A settled layout only lets the last velocities die out.
func (s *Sim) Settled() bool {
	return max(s.alpha, s.maxHeat)*(1-s.p.AlphaDecay) < s.p.AlphaMin
}

// Position returns the position of node id, or the zero Vec2 for an invalid ID.
func (s *Sim) Position(id NodeID) Vec2 {
	if !s.ids.valid(id) {
		return Vec2{}
	}
	return Vec2{s.xs[id], s.ys[id]}
}

// Velocity returns the last velocity (world units per tick) of node id, zero for an invalid ID.
func (s *Sim) Velocity(id NodeID) Vec2 {
	if !s.ids.valid(id) {
		return Vec2{}
	}
	return Vec2{s.vxs[id], s.vys[id]}
}

// Degree returns the number of springs at node id.
func (s *Sim) Degree(id NodeID) int {
	if !s.ids.valid(id) {
		return 0
	}
	return len(s.adj[id])
}

// Positions returns every position indexed by NodeID; entries of removed IDs are undefined.
// The slice belongs to the Sim and is overwritten by the next call.
func (s *Sim) Positions() []Vec2 {
	s.out = grow(s.out, len(s.xs))
	for i := range s.out {
		s.out[i] = Vec2{s.xs[i], s.ys[i]}
	}
	return s.out
}

// AddNode adds a node and returns its ID (NoNode only when 2^31-1 IDs are in use). It is placed next to near (with seeded jitter); with
// NoNode it goes next to the latest node of its group, or, for a new group or NoGroup, on d3's
// phyllotaxis spiral around the origin. t orders a group's nodes for the time bias. The new
// node starts at alpha 1 and near's neighbourhood is reheated; the rest of the layout keeps
// its cooled alpha.
func (s *Sim) AddNode(near NodeID, group int32, t float64) NodeID {
	id := s.ids.alloc()
	if id == NoNode { // 2^31-1 IDs in use
		return NoNode
	}
	s.place(id, near, group, t)
	return id
}

// addNodeAt adds a node under an ID that the caller allocated (the Runner hands IDs out before
// the Sim sees the node).
func (s *Sim) addNodeAt(id, near NodeID, group int32, t float64) {
	if id < 0 {
		return
	}
	if s.ids.valid(id) {
		s.RemoveNode(id)
	}
	s.ids.take(id)
	s.place(id, near, group, t)
}

func (s *Sim) place(id, near NodeID, group int32, t float64) {
	n := int(id) + 1
	s.xs, s.ys = extend(s.xs, n), extend(s.ys, n)
	s.vxs, s.vys = extend(s.vxs, n), extend(s.vys, n)
	s.fxs, s.fys = extend(s.fxs, n), extend(s.fys, n)
	s.heat, s.eff = extend(s.heat, n), extend(s.eff, n)
	s.pinned, s.off = extend(s.pinned, n), extend(s.off, n)
	s.adj = extend(s.adj, n)
	s.group, s.t = extend(s.group, n), extend(s.t, n)
	s.gprev, s.gnext = extend(s.gprev, n), extend(s.gnext, n)
	s.pred = extend(s.pred, n)

	if math.IsNaN(t) {
		t = 0
	}
	if group < 0 {
		group = NoGroup
	}
	anchor := NoNode
	if near != id && s.ids.valid(near) {
		anchor = near
	} else if c := s.groups[group]; group != NoGroup && c != nil {
		anchor = c.tail
	}
	if anchor != NoNode {
		angle := s.rng.Float64() * 2 * math.Pi
		if s.p.TimeBias > 0 && group != NoGroup && s.group[anchor] == group {
			// the chain grows along +X: start on that side
			angle = (s.rng.Float64() - 0.5) * math.Pi / 2
		}
		r := s.p.LinkDistance * (0.5 + 0.5*s.rng.Float64())
		s.xs[id] = s.xs[anchor] + r*math.Cos(angle)
		s.ys[id] = s.ys[anchor] + r*math.Sin(angle)
	} else {
		// d3's initial placement: radius 10·√(i+0.5), angle i·π(3-√5)
		r := 10 * math.Sqrt(0.5+float64(s.spiral))
		a := float64(s.spiral) * math.Pi * (3 - math.Sqrt(5))
		s.xs[id], s.ys[id] = r*math.Cos(a), r*math.Sin(a)
		s.spiral++
	}
	s.vxs[id], s.vys[id] = 0, 0
	s.fxs[id], s.fys[id] = 0, 0
	s.eff[id] = 0
	s.pinned[id], s.off[id] = false, false
	s.adj[id] = s.adj[id][:0]
	s.group[id], s.t[id] = group, t
	s.gprev[id], s.gnext[id] = NoNode, NoNode
	s.link(id)
	s.heat[id] = 1
	s.maxHeat = 1
	s.live++
	if anchor != NoNode {
		s.reheat(anchor, s.p.Reheat)
	}
}

// AddEdge adds a spring between two live nodes and reheats both ends' neighbourhoods. Parallel
// edges add up; an edge from a node to itself is ignored.
func (s *Sim) AddEdge(a, b NodeID) {
	if a == b || !s.ids.valid(a) || !s.ids.valid(b) {
		return
	}
	s.adj[a] = append(s.adj[a], b)
	s.adj[b] = append(s.adj[b], a)
	s.reheat(a, s.p.Reheat)
	s.reheat(b, s.p.Reheat)
}

// RemoveNode drops a node and its springs; its former neighbours are reheated so the hole
// closes. The ID may be reused by a later AddNode.
func (s *Sim) RemoveNode(id NodeID) {
	if !s.ids.valid(id) {
		return
	}
	for _, j := range s.adj[id] {
		if j == id {
			continue
		}
		kept := s.adj[j][:0]
		for _, k := range s.adj[j] {
			if k != id {
				kept = append(kept, k)
			}
		}
		clear(s.adj[j][len(kept):])
		s.adj[j] = kept
	}
	nbrs := s.adj[id]
	s.adj[id] = nbrs[:0]
	s.unlink(id)
	s.pinned[id] = false
	if s.off[id] {
		s.off[id] = false
		s.offN--
	}
	s.heat[id], s.eff[id] = 0, 0
	s.ids.release(id)
	s.live--
	for _, j := range nbrs {
		s.reheat(j, s.p.Reheat)
	}
}

// Pin fixes node id at p until Unpin; its neighbourhood is reheated so that it follows, which
// is what dragging a node needs. Non-finite points are ignored.
func (s *Sim) Pin(id NodeID, p Vec2) {
	if !s.ids.valid(id) || !finite(p.X) || !finite(p.Y) {
		return
	}
	s.pinned[id] = true
	s.xs[id], s.ys[id] = p.X, p.Y // only Pin and place write a pinned node's position
	s.vxs[id], s.vys[id] = 0, 0
	s.reheat(id, s.p.Reheat)
}

// Unpin lets node id move again and reheats its neighbourhood.
func (s *Sim) Unpin(id NodeID) {
	if !s.ids.valid(id) || !s.pinned[id] {
		return
	}
	s.pinned[id] = false
	s.reheat(id, s.p.Reheat)
}

// SetActive takes node id out of the layout (false) or puts it back (true). A node out of the
// layout keeps its position and no velocity, and acts on no other node: no charge in the
// many-body force, no spring, no time bias and no part in its neighbours' degrees, so the
// positions of the other nodes are those of a layout without it. The timeline uses it for
// the nodes it hides as later than its as-of sequence. Either change reheats the node's
// neighbourhood, so that the layout closes or opens the room it takes. New nodes are active.
func (s *Sim) SetActive(id NodeID, on bool) {
	if !s.ids.valid(id) || s.off[id] == !on {
		return
	}
	s.off[id] = !on
	if on {
		s.offN--
	} else {
		s.offN++
		s.vxs[id], s.vys[id] = 0, 0
	}
	s.reheat(id, s.p.Reheat)
}

// Active reports whether node id takes part in the layout (false for an invalid ID).
func (s *Sim) Active(id NodeID) bool { return s.ids.valid(id) && !s.off[id] }

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// reheat raises the local alpha of origin to level and of the nodes up to ReheatHops hops away
// to level halved per hop, visiting at most maxReheat nodes.
func (s *Sim) reheat(origin NodeID, level float64) {
	if !s.ids.valid(origin) || level <= s.alpha {
		return
	}
	s.mark = extend(s.mark, len(s.xs))
	s.stamp++
	if s.stamp == 0 {
		clear(s.mark)
		s.stamp = 1
	}
	q := append(s.queue[:0], origin)
	s.mark[origin] = s.stamp
	start := 0
	for hop := 0; hop <= s.p.ReheatHops && start < len(q); hop++ {
		end := len(q)
		for _, id := range q[start:end] {
			s.heat[id] = max(s.heat[id], level)
			if hop == s.p.ReheatHops {
				continue
			}
			for _, j := range s.adj[id] {
				if s.mark[j] != s.stamp && len(q) < maxReheat {
					s.mark[j] = s.stamp
					q = append(q, j)
				}
			}
		}
		start = end
		level /= 2
	}
	s.queue = q
	s.maxHeat = max(s.maxHeat, s.heat[origin])
}

// link inserts id into its group's time order, scanning back from the newest node (events
// mostly arrive in order).
func (s *Sim) link(id NodeID) {
	g := s.group[id]
	if g == NoGroup {
		return
	}
	c := s.groups[g]
	if c == nil {
		c = &chain{head: id, tail: id}
		s.groups[g] = c
		return
	}
	after := c.tail
	for after != NoNode && s.t[after] > s.t[id] {
		after = s.gprev[after]
	}
	s.gprev[id] = after
	if after == NoNode {
		s.gnext[id] = c.head
		s.gprev[c.head] = id
		c.head = id
		return
	}
	s.gnext[id] = s.gnext[after]
	s.gnext[after] = id
	if s.gnext[id] == NoNode {
		c.tail = id
		return
	}
	s.gprev[s.gnext[id]] = id
}

// unlink removes id from its group's time order.
func (s *Sim) unlink(id NodeID) {
	g := s.group[id]
	if g == NoGroup {
		return
	}
	c := s.groups[g] // a node of a group is always in its chain (link)
	if c == nil {
		return
	}
	p, n := s.gprev[id], s.gnext[id]
	if p == NoNode {
		c.head = n
	} else {
		s.gnext[p] = n
	}
	if n == NoNode {
		c.tail = p
	} else {
		s.gprev[n] = p
	}
	if c.head == NoNode {
		delete(s.groups, s.group[id])
	}
	s.gprev[id], s.gnext[id] = NoNode, NoNode
	s.group[id] = NoGroup
}

// runJob runs job on every worker: inline with one worker, else on the pool, started on first
// use and stopped when the Sim is collected.
func (s *Sim) runJob(job func(int)) {
	if s.p.Workers <= 1 {
		job(0)
		return
	}
	if s.pool == nil {
		s.pool = newPool(s.p.Workers)
		runtime.AddCleanup(s, (*pool).stop, s.pool)
	}
	s.pool.run(job)
}

// extend returns s lengthened with zero values to at least n elements.
func extend[T any](s []T, n int) []T {
	for len(s) < n {
		var zero T
		s = append(s, zero)
	}
	return s
}

// idAlloc hands out dense IDs, reusing released ones last-in first-out.
type idAlloc struct {
	live []bool
	free []NodeID
}

func (a *idAlloc) valid(id NodeID) bool { return id >= 0 && int(id) < len(a.live) && a.live[id] }

func (a *idAlloc) alloc() NodeID {
	if n := len(a.free); n > 0 {
		id := a.free[n-1]
		a.free = a.free[:n-1]
		a.live[id] = true
		return id
	}
	if len(a.live) == math.MaxInt32 {
		return NoNode
	}
	a.live = append(a.live, true)
	return NodeID(len(a.live) - 1)
}

// take marks id live whatever the allocator would have handed out next.
func (a *idAlloc) take(id NodeID) {
	for NodeID(len(a.live)) < id {
		a.free = append(a.free, NodeID(len(a.live)))
		a.live = append(a.live, false)
	}
	if NodeID(len(a.live)) == id {
		a.live = append(a.live, true)
		return
	}
	for i := len(a.free) - 1; i >= 0; i-- {
		if a.free[i] == id {
			a.free = append(a.free[:i], a.free[i+1:]...)
			break
		}
	}
	a.live[id] = true
}

func (a *idAlloc) release(id NodeID) bool {
	if !a.valid(id) {
		return false
	}
	a.live[id] = false
	a.free = append(a.free, id)
	return true
}

func (a *idAlloc) clone() idAlloc {
	return idAlloc{live: append([]bool(nil), a.live...), free: append([]NodeID(nil), a.free...)}
}
