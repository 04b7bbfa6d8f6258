package systems

import (
	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"
	"github.com/yohamta/donburi/filter"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/layout"
)

// PositionSource is where LayoutSync reads positions: a *layout.Runner.
type PositionSource interface {
	// Read copies the latest published positions, indexed by layout node ID, into dst.
	Read(dst []layout.Vec2) []layout.Vec2
	// Ticks counts the layout ticks done so far.
	Ticks() uint64
}

// settleFrames is how many frames LayoutSync keeps copying after the layout stopped ticking,
// so that the last published tick reaches the world even when it was published just after
// the frame that saw its tick count.
const settleFrames = 2

// freshTicks is how many ticks a newly placed node waits before its layout slot is trusted:
// the tick running while it was added may have started before the add was queued, the next
// one includes it, and it must be published (whether the runner counts a tick before or after
// publishing it).
const freshTicks = 3

// LayoutSync copies the layout's positions into the Position and Velocity components of every
// node that has a layout ID (DddElement.Index ≥ 0). It reuses one buffer, so it allocates
// nothing per frame in steady state, and does nothing while the layout is idle.
type LayoutSync struct {
	src   PositionSource
	buf   []layout.Vec2
	nodes *donburi.Query
	each  func(*donburi.Entry)

	lastTicks uint64
	idle      int     // frames since the tick count last moved
	dt        float64 // ticks elapsed in the current copy
	// notBefore[id] is the tick count from which slot id holds the node placed there last.
	notBefore []uint64
	ticks     uint64
}

// NewLayoutSync returns the layout-sync system reading from src.
func NewLayoutSync(src PositionSource) *LayoutSync {
	s := &LayoutSync{
		src:   src,
		nodes: donburi.NewQuery(filter.Contains(components.DddElement, components.Position, components.Velocity)),
	}
	s.each = s.copyOne
	return s
}

// Placed tells the system that layout node id has just been (re)assigned to a new node, so
// that the position a removed node left in that slot is not copied into the new one. The
// new node keeps the Position it was spawned with until the layout has ticked it.
func (s *LayoutSync) Placed(id layout.NodeID) {
	if id < 0 {
		return
	}
	for int(id) >= len(s.notBefore) {
		s.notBefore = append(s.notBefore, 0)
	}
	s.notBefore[id] = s.src.Ticks() + freshTicks
	s.idle = 0
}

// Update copies positions, and velocities in world units per tick, from the layout into the
// world.
func (s *LayoutSync) Update(e *ecs.ECS) {
	ticks := s.src.Ticks() // read before the buffer: the buffer is at least this new
	if ticks == s.lastTicks {
		if s.idle >= settleFrames {
			return
		}
		s.idle++
	} else {
		s.idle = 0
	}
	s.dt = float64(ticks - s.lastTicks)
	s.lastTicks, s.ticks = ticks, ticks
	s.buf = s.src.Read(s.buf[:0])
	s.nodes.Each(e.World, s.each)
}

func (s *LayoutSync) copyOne(entry *donburi.Entry) {
	id := components.DddElement.Get(entry).Index
	if id < 0 || int(id) >= len(s.buf) {
		return
	}
	if int(id) < len(s.notBefore) && s.ticks < s.notBefore[id] {
		return
	}
	p := s.buf[id]
	pos := components.Position.Get(entry)
	vel := components.Velocity.Get(entry)
	if s.dt > 0 {
		vel.X, vel.Y = (p.X-pos.X)/s.dt, (p.Y-pos.Y)/s.dt
	} else {
		vel.X, vel.Y = 0, 0
	}
	pos.X, pos.Y = p.X, p.Y
}
