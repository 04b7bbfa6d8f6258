package layout

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Runner shares a Sim between goroutines: Run ticks it on its own goroutine, the other methods
// may be called from any goroutine at any time. Changes are queued and applied, in call order,
// before the next tick; positions come back through a double buffer that a tick never holds
// locked. Once a Sim is wrapped, only the Runner may touch it.
type Runner struct {
	sim *Sim

	mu   sync.Mutex // guards ops and ids
	ops  []op
	ids  idAlloc // mirrors the Sim's IDs, so AddNode can answer before the Sim sees the node
	wake chan struct{}

	pubMu sync.RWMutex // guards front
	front []Vec2
	back  []Vec2 // owned by the Run goroutine

	running atomic.Bool
	pace    atomic.Uint64 // math.Float64bits of the share of wall time long ticks may take
	idle    atomic.Bool   // Run is asleep: settled, nothing queued
	energy  atomic.Uint64 // math.Float64bits of the last tick's energy
	ticks   atomic.Uint64
}

type opKind uint8

const (
	opAdd opKind = iota
	opEdge
	opRemove
	opPin
	opUnpin
	opReheat
	opActive
	opInactive
)

type op struct {
	kind  opKind
	a, b  NodeID
	group int32
	t     float64
	p     Vec2
}

// Pacing of long ticks. A tick of a large layout (about 40-80 ms at 100,000 nodes on two
// cores) uses every core it has workers for; run back to back they leave the window's
// goroutine, which draws at the same time, too little CPU to keep its frame rate. So after a
// tick longer than PaceAbove, Run pauses long enough that ticking takes at most the pace's
// share of the wall time (DefaultPace: half). Short ticks (a few thousand nodes, under 4 ms)
// are never paced.
const (
	PaceAbove   = 4 * time.Millisecond
	DefaultPace = 0.5
	maxPause    = 500 * time.Millisecond
)

// NewRunner wraps s and publishes its current positions. Its pace is DefaultPace.
func NewRunner(s *Sim) *Runner {
	r := &Runner{sim: s, ids: s.ids.clone(), wake: make(chan struct{}, 1)}
	r.front = append(r.front, s.Positions()...)
	r.SetPace(DefaultPace)
	return r
}

// SetPace sets the share of wall time, in (0, 1], that ticks longer than PaceAbove may take:
// 1 ticks back to back, 0.5 pauses after such a tick as long as it took. Values outside the
// range select DefaultPace. It may be called at any time.
func (r *Runner) SetPace(share float64) {
	if !(share > 0 && share <= 1) {
		share = DefaultPace
	}
	r.pace.Store(math.Float64bits(share))
}

// pause returns how long to wait after a tick that took d.
func (r *Runner) pause(d time.Duration) time.Duration {
	share := math.Float64frombits(r.pace.Load())
	if d <= PaceAbove || share >= 1 {
		return 0
	}
	return min(time.Duration(float64(d)*(1-share)/share), maxPause)
}

// Run ticks the simulation until ctx ends. It applies queued changes before every tick,
// publishes positions after it, and when the layout has settled and nothing changed it sleeps
// without using CPU until a change arrives. Only one Run may be active at a time; a second
// concurrent call returns at once.
func (r *Runner) Run(ctx context.Context) {
	if !r.running.CompareAndSwap(false, true) {
		return
	}
	defer r.running.Store(false)
	var pending []op
	for ctx.Err() == nil {
		r.mu.Lock()
		pending, r.ops = r.ops, pending[:0]
		r.mu.Unlock()
		for _, o := range pending {
			r.apply(o)
		}
		if !r.sim.Settled() {
			start := time.Now()
			e := r.sim.Tick()
			r.energy.Store(math.Float64bits(e))
			r.ticks.Add(1)
			r.publish()
			if p := r.pause(time.Since(start)); p > 0 {
				t := time.NewTimer(p)
				select {
				case <-ctx.Done():
				case <-t.C:
				}
				t.Stop()
			}
			continue
		}
		if len(pending) > 0 {
			r.publish()
			continue // look again for changes queued meanwhile before sleeping
		}
		r.idle.Store(true)
		select {
		case <-ctx.Done():
		case <-r.wake:
		}
		r.idle.Store(false)
	}
}

func (r *Runner) apply(o op) {
	s := r.sim
	switch o.kind {
	case opAdd:
		s.addNodeAt(o.a, o.b, o.group, o.t)
	case opEdge:
		s.AddEdge(o.a, o.b)
	case opRemove:
		s.RemoveNode(o.a)
	case opPin:
		s.Pin(o.a, o.p)
	case opUnpin:
		s.Unpin(o.a)
	case opReheat:
		s.Reheat(o.t)
	case opActive, opInactive:
		s.SetActive(o.a, o.kind == opActive)
	}
}

// publish copies the positions into the back buffer and swaps it to the front.
func (r *Runner) publish() {
	s := r.sim
	r.back = grow(r.back, len(s.xs))
	for i := range r.back {
		r.back[i] = Vec2{s.xs[i], s.ys[i]}
	}
	r.pubMu.Lock()
	r.front, r.back = r.back, r.front
	r.pubMu.Unlock()
}

func (r *Runner) enqueue(o op) {
	r.ops = append(r.ops, o)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// AddNode queues a node (see Sim.AddNode) and returns its ID at once. Its position appears in
// Read once a tick after the change has been applied has published.
func (r *Runner) AddNode(near NodeID, group int32, t float64) NodeID {
	r.mu.Lock()
	id := r.ids.alloc()
	if id == NoNode {
		r.mu.Unlock()
		return NoNode
	}
	r.enqueue(op{kind: opAdd, a: id, b: near, group: group, t: t})
	return id
}

// AddEdge queues a spring between two nodes (see Sim.AddEdge).
func (r *Runner) AddEdge(a, b NodeID) {
	r.mu.Lock()
	r.enqueue(op{kind: opEdge, a: a, b: b})
}

// RemoveNode queues the removal of a node (see Sim.RemoveNode); its ID may be handed out again
// by a later AddNode.
func (r *Runner) RemoveNode(id NodeID) {
	r.mu.Lock()
	if !r.ids.release(id) {
		r.mu.Unlock()
		return
	}
	r.enqueue(op{kind: opRemove, a: id})
}

// Pin queues fixing a node at p (see Sim.Pin).
func (r *Runner) Pin(id NodeID, p Vec2) {
	r.mu.Lock()
	r.enqueue(op{kind: opPin, a: id, p: p})
}

// Unpin queues releasing a pinned node (see Sim.Unpin).
func (r *Runner) Unpin(id NodeID) {
	r.mu.Lock()
	r.enqueue(op{kind: opUnpin, a: id})
}

// SetActive queues taking a node out of the layout or putting it back (see Sim.SetActive).
func (r *Runner) SetActive(id NodeID, on bool) {
	k := opInactive
	if on {
		k = opActive
	}
	r.mu.Lock()
	r.enqueue(op{kind: k, a: id})
}

// Reheat queues raising the global alpha (see Sim.Reheat).
func (r *Runner) Reheat(alpha float64) {
	r.mu.Lock()
	r.enqueue(op{kind: opReheat, t: alpha})
}

// Read returns dst filled with the latest published positions, indexed by NodeID (dst grows
// when it is too small). Entries of removed IDs are undefined, and a node added since the last
// publication may lie beyond the end. Read never waits for a tick.
func (r *Runner) Read(dst []Vec2) []Vec2 {
	r.pubMu.RLock()
	dst = append(dst[:0], r.front...)
	r.pubMu.RUnlock()
	return dst
}

// Settled reports whether Run is asleep: the layout has cooled and no change is queued.
func (r *Runner) Settled() bool { return r.idle.Load() }

// Energy returns the kinetic energy of the last tick.
func (r *Runner) Energy() float64 { return math.Float64frombits(r.energy.Load()) }

// Ticks returns the number of ticks run so far.
func (r *Runner) Ticks() uint64 { return r.ticks.Load() }
