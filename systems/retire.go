package systems

import (
	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"
	"github.com/yohamta/donburi/filter"

	"github.com/jetdag/jetdag/components"
)

// Retire keeps the number of nodes (entities with a DddElement) at or below Max by removing
// the oldest ones, by arrival, so that an unattended kiosk runs in flat memory. Removing an
// entity fires the world's OnRemove callbacks, where the owner of the world drops it from its
// index and from the layout. Max ≤ 0 means unbounded.
type Retire struct {
	Max   int
	nodes *donburi.Query
	// queue holds tracked entities in arrival order, a ring: head is the oldest.
	queue []donburi.Entity
	head  int
	n     int
}

// NewRetire returns a retire system keeping at most max nodes (≤ 0: unbounded).
func NewRetire(max int) *Retire {
	return &Retire{Max: max, nodes: donburi.NewQuery(filter.Contains(components.DddElement))}
}

// Track records a node's arrival; call it once per spawned node, in arrival order.
// Nodes are tracked even while Max ≤ 0, so that a limit set later applies to them.
func (r *Retire) Track(e donburi.Entity) {
	if r.n == len(r.queue) {
		grown := make([]donburi.Entity, max(16, 2*len(r.queue)))
		for i := 0; i < r.n; i++ {
			grown[i] = r.queue[(r.head+i)%len(r.queue)]
		}
		r.queue, r.head = grown, 0
	}
	r.queue[(r.head+r.n)%len(r.queue)] = e
	r.n++
}

// Tracked is how many arrivals are queued (including ones already removed by other means).
func (r *Retire) Tracked() int { return r.n }

// MakeRoom removes the oldest nodes until adding n more keeps the world within Max, and
// returns how many it removed. The owner calls it before spawning, so the bound holds at
// every moment and not only at the end of a frame.
func (r *Retire) MakeRoom(w donburi.World, n int) (removed int) {
	if r.Max <= 0 {
		return 0
	}
	keep := max(r.Max-n, 0)
	for r.n > 0 && r.nodes.Count(w) > keep {
		e := r.queue[r.head]
		r.queue[r.head] = donburi.Null
		r.head = (r.head + 1) % len(r.queue)
		r.n--
		if w.Valid(e) {
			w.Remove(e)
			removed++
		}
	}
	// Entities removed by other means leave stale entries; drop those at the head so the
	// ring does not grow past the live count for long.
	for r.n > 0 && !w.Valid(r.queue[r.head]) {
		r.queue[r.head] = donburi.Null
		r.head = (r.head + 1) % len(r.queue)
		r.n--
	}
	return removed
}

// Update trims the world to Max nodes (the limit may have been lowered since the last frame).
func (r *Retire) Update(e *ecs.ECS) {
	r.MakeRoom(e.World, 0)
}
