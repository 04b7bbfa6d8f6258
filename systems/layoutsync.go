package systems

import (
	"time"

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

// LayoutSync copies the layout's positions into the Position component of every
// node that has a layout ID (DddElement.Index ≥ 0). It reuses one buffer, so it allocates
// nothing per frame in steady state, and does nothing while the layout is idle. In a world
// that tracks its version it keeps the nodes' layout IDs and components from one query to the
// next while the world version stays the same (no node added, removed or placed), so a frame
// of a moving layout walks a flat list instead of the ECS.
type LayoutSync struct {
	src     PositionSource
	buf     []layout.Vec2
	nodes   *donburi.Query
	collect func(*donburi.Entry)

	// targets are the nodes to copy into, as of world version targetsVer (targetsOK: the
	// list was made in a tracked world).
	targets    []syncTarget
	targetsVer uint64
	targetsOK  bool

	lastTicks uint64
	idle      int // frames since the tick count last moved
	// notBefore[id] is the tick count from which slot id holds the node placed there last.
	notBefore []uint64
	ticks     uint64

	// The lanes layout (nil: force only), the mode last copied, and the glide between them.
	lanes     *layout.Lanes
	lanesBuf  []layout.Vec2
	lanesVer  uint64
	reshaped  uint64 // the lanes' Reshaped count last glided to
	mode      components.LayoutMode
	cur       []layout.Vec2 // what copyOne copies: buf, lanesBuf or out
	fresh     bool          // copyOne skips slots the force layout has not ticked yet
	gliding   bool
	glideAt   time.Time
	glideFrom []layout.Vec2
	glideNew  []int32 // nodes placed since the glide began: at their destination at once
	out       []layout.Vec2
	gather    func(*donburi.Entry)

	// held is the node whose Position stays as it is (Hold), -1 for none; released says a
	// held node was let go since the last Update.
	held     int32
	released bool
}

// NewLayoutSync returns the layout-sync system reading from src.
func NewLayoutSync(src PositionSource) *LayoutSync {
	s := &LayoutSync{
		src:   src,
		held:  -1,
		nodes: donburi.NewQuery(filter.Contains(components.DddElement, components.Position)),
	}
	s.collect = func(entry *donburi.Entry) {
		if id := components.DddElement.Get(entry).Index; id >= 0 {
			s.targets = append(s.targets, syncTarget{id: id, pos: components.Position.Get(entry)})
		}
	}
	s.gather = func(entry *donburi.Entry) {
		id := components.DddElement.Get(entry).Index
		if id < 0 {
			return
		}
		for int(id) >= len(s.glideFrom) {
			s.glideFrom = append(s.glideFrom, layout.Vec2{})
		}
		p := components.Position.Get(entry)
		s.glideFrom[id] = layout.Vec2{X: p.X, Y: p.Y}
	}
	return s
}

// SetLanes gives the system the lanes layout, placed at the same node IDs as the force
// layout; with it, Settings.Layout chooses which of the two the world shows.
func (s *LayoutSync) SetLanes(l *layout.Lanes) { s.lanes = l }

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
	if int32(id) == s.held {
		s.held = -1 // another node now: nothing to hold, nothing to glide back
	}
	if s.gliding {
		s.glideNew = append(s.glideNew, int32(id))
	}
}

// Hold keeps node id's Position as it is, whatever the layout says, until another node is
// held (layout.NoNode: none), so that the node under the cursor stays put in either layout
// and a click hits the node the tooltip names. In the lanes (or during a glide) the node let
// go glides to its place from where it was held; in the force layout, which the caller pins
// it in, the layout takes it on from there.
func (s *LayoutSync) Hold(id layout.NodeID) {
	if id < 0 {
		id = -1
	}
	if int32(id) == s.held {
		return
	}
	if s.held >= 0 {
		s.released = true
	}
	s.held = int32(id)
}

// Update copies positions, and velocities in world units per tick, from the layout the
// settings choose into the world. When the choice changes, nodes glide from where they are to
// the other layout in layout.GlideDuration, towards its positions of each frame.
func (s *LayoutSync) Update(e *ecs.ECS) {
	// Read the window's settings and clock without creating them: a model without a window
	// (tests, benchmarks) has neither and stays in the force layout.
	mode, now := components.LayoutForce, time.Time{}
	if entry, ok := components.Settings.First(e.World); ok && s.lanes != nil {
		mode = components.Settings.Get(entry).Layout
	}
	reshaped := mode == components.LayoutLanes && s.lanes.Reshaped() != s.reshaped
	// A node let go in the lanes, or during a glide, glides from where it was held.
	release := s.released && (mode == components.LayoutLanes || s.gliding)
	s.released = false
	if mode != s.mode || s.gliding || reshaped || release {
		now = Opts(e).Now()
	}
	if mode != s.mode || reshaped || release {
		// A switch of layout, of the lanes' axis, grouping or collapse, lanes moved by a new
		// one, a held node let go: glide, from where every node is now (mid-glide too).
		s.mode, s.gliding, s.glideAt = mode, true, now
		if s.lanes != nil {
			s.reshaped = s.lanes.Reshaped()
		}
		s.glideFrom = s.glideFrom[:0]
		s.glideNew = s.glideNew[:0]
		s.nodes.Each(e.World, s.gather)
	}
	ticks := s.src.Ticks() // read before the buffer: the buffer is at least this new
	if s.gliding {
		s.buf = s.src.Read(s.buf[:0])
		target := s.buf
		if mode == components.LayoutLanes {
			s.lanesBuf = s.lanes.Positions(s.lanesBuf)
			target = s.lanesBuf
		}
		f := float64(now.Sub(s.glideAt)) / float64(layout.GlideDuration)
		s.out = layout.Interpolate(s.out, s.glideFrom, target, layout.Ease(f))
		// A node placed since the glide began has no place to glide from: it goes where the
		// layout puts it, as outside a glide (not from what its slot held before). Towards
		// the force layout it keeps the Position it was spawned with until it has ticked.
		for _, id := range s.glideNew {
			if int(id) < len(target) {
				s.out[id] = target[id]
			}
		}
		s.ticks = ticks
		s.copyFrom(e, s.out, mode != components.LayoutLanes)
		if f >= 1 {
			s.gliding, s.idle = false, 0
			s.glideNew = s.glideNew[:0]
			s.lanesVer = s.lanes.Version() - 1 // copy the settled lanes once more
		}
		s.lastTicks = ticks
		return
	}
	if mode == components.LayoutLanes {
		v := s.lanes.Version()
		if v == s.lanesVer {
			return
		}
		s.lanesVer = v
		s.lanesBuf = s.lanes.Positions(s.lanesBuf)
		s.copyFrom(e, s.lanesBuf, false)
		return
	}
	if ticks == s.lastTicks {
		if s.idle >= settleFrames {
			return
		}
		s.idle++
	} else {
		s.idle = 0
	}
	s.lastTicks, s.ticks = ticks, ticks
	s.buf = s.src.Read(s.buf[:0])
	s.copyFrom(e, s.buf, true)
}

// copyFrom copies pos into the world; fresh skips slots the force layout has not ticked since they were reassigned.
func (s *LayoutSync) copyFrom(e *ecs.ECS, pos []layout.Vec2, fresh bool) {
	s.cur, s.fresh = pos, fresh
	v, tracked := WorldVersionOf(e.World)
	if !tracked || !s.targetsOK || v != s.targetsVer {
		// donburi keeps each component in its own allocation, moved by pointer when the
		// entity changes archetype: the pointers stay the nodes' until one is removed, which
		// bumps the version.
		s.targets = s.targets[:0]
		s.nodes.Each(e.World, s.collect)
		s.targetsVer, s.targetsOK = v, tracked
	}
	for i := range s.targets {
		s.copyOne(&s.targets[i])
	}
	BumpPositions(e.World) // only positions moved: the scene refreshes them
}

// syncTarget is a node the layout sync copies into: its layout ID and components.
type syncTarget struct {
	id  int32
	pos *components.PositionData
}

func (s *LayoutSync) copyOne(t *syncTarget) {
	id := t.id
	if int(id) >= len(s.cur) {
		return
	}
	if id == s.held {
		return
	}
	if s.fresh && int(id) < len(s.notBefore) && s.ticks < s.notBefore[id] {
		return
	}
	p := s.cur[id]
	t.pos.X, t.pos.Y = p.X, p.Y
}
