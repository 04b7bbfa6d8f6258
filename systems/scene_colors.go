package systems

import (
	"image/color"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems/palette"
)

// colorSlots gives aggregates and event types their palette slots while events of theirs are
// in the world: a new name takes the palette slot the fewest names shown use (the lowest
// first), so the first PaletteSize names all differ, and a name's colour never changes while
// one of its events is in the world. When the last of them leaves (retired by --max-nodes,
// removed) the name is forgotten and its slot and index are free again: a kiosk that sees new
// aggregates all the time keeps as many names as it shows, not every name it ever saw. The
// slots are cached per entity, so a frame costs a slice index per known node, not a map
// lookup; so are the names' indices, which the activity panel counts by.
type colorSlots struct {
	pal         *palette.Palette
	aggs, types keySet
	known       []slotEntry // entity ID → its slots
	// live counts the entities in known, seen those the current gather met; a gather that
	// met fewer sweeps known for entities that left the world.
	live, seen int
}

type slotEntry struct {
	e                donburi.Entity
	aggIndex, typIdx uint32 // indices into the key sets
}

// keySet is the set of names (aggregate IDs or event types) of the events in the world: each
// has a dense index (reused once its name is forgotten), a palette slot and a count of the
// entities that carry it.
type keySet struct {
	index map[string]uint32
	names []string // index → name ("" while free)
	slot  []uint32 // index → palette slot
	refs  []int32  // index → entities carrying it
	first []uint64 // index → when the name was first seen (orders ties in the busiest lists)
	free  []uint32
	uses  []int32 // palette slot → names in it
	clock uint64
}

func (k *keySet) init(size int) {
	k.index = map[string]uint32{}
	k.uses = make([]int32, max(size, 1))
}

// acquire counts one more entity carrying name and returns name's index.
func (k *keySet) acquire(name string) uint32 {
	i, ok := k.index[name]
	if !ok {
		best := 0
		for s, u := range k.uses {
			if u < k.uses[best] {
				best = s
			}
		}
		k.uses[best]++
		k.clock++
		if n := len(k.free); n > 0 {
			i = k.free[n-1]
			k.free = k.free[:n-1]
			k.names[i], k.slot[i], k.refs[i], k.first[i] = name, uint32(best), 0, k.clock
		} else {
			i = uint32(len(k.names))
			k.names = append(k.names, name)
			k.slot = append(k.slot, uint32(best))
			k.refs = append(k.refs, 0)
			k.first = append(k.first, k.clock)
		}
		k.index[name] = i
	}
	k.refs[i]++
	return i
}

// release counts one entity fewer carrying index i's name, and forgets the name when none is
// left.
func (k *keySet) release(i uint32) {
	if k.refs[i]--; k.refs[i] > 0 {
		return
	}
	delete(k.index, k.names[i])
	k.uses[k.slot[i]]--
	k.names[i] = ""
	k.free = append(k.free, i)
}

// Len is how many names the set holds.
func (k *keySet) Len() int { return len(k.index) }

func (c *colorSlots) init() {
	c.pal = NewPalette()
	c.aggs.init(c.pal.Len())
	c.types.init(c.pal.Len())
}

// slots returns the palette slots of entity e's aggregate and type (events only; 0 for
// other kinds, which keep their own colours).
func (c *colorSlots) slots(e donburi.Entity, d *components.DddElementData) (agg, typ uint32) {
	if d.Kind != components.ElementEvent {
		return 0, 0
	}
	id := int(e.Id())
	for id >= len(c.known) {
		c.known = append(c.known, slotEntry{e: donburi.Null})
	}
	k := &c.known[id]
	if k.e != e {
		if k.e != donburi.Null { // a removed entity whose ID was recycled
			c.drop(k)
		}
		*k = slotEntry{e: e, aggIndex: c.aggs.acquire(d.AggregateID), typIdx: c.types.acquire(d.Type)}
		c.live++
	}
	c.seen++
	return c.aggs.slot[k.aggIndex], c.types.slot[k.typIdx]
}

func (c *colorSlots) drop(k *slotEntry) {
	c.aggs.release(k.aggIndex)
	c.types.release(k.typIdx)
	*k = slotEntry{e: donburi.Null}
	c.live--
}

// sweep forgets the entities that left w (and so the names no event in w carries). It walks
// known only when the last gather met fewer entities than it holds.
func (c *colorSlots) sweep(w donburi.World) {
	if c.seen < c.live {
		for i := range c.known {
			if k := &c.known[i]; k.e != donburi.Null && !w.Valid(k.e) {
				c.drop(k)
			}
		}
	}
	c.seen = 0
}

// EventKeys returns the indices of event node i's aggregate and type (for AggregateName and
// TypeName; dense, below KeyCapacity), and false when node i is not an event.
func (s *Scene) EventKeys(i int) (agg, typ int, ok bool) {
	n := &s.Nodes[i]
	if n.Kind != components.ElementEvent {
		return 0, 0, false
	}
	id := int(n.Entity.Id())
	if id >= len(s.colors.known) || s.colors.known[id].e != n.Entity {
		return 0, 0, false
	}
	k := s.colors.known[id]
	return int(k.aggIndex), int(k.typIdx), true
}

// AggregateName is the aggregate ID of index i (from EventKeys); TypeName the event type.
func (s *Scene) AggregateName(i int) string { return s.colors.aggs.names[i] }

// TypeName is the event type of index i (from EventKeys).
func (s *Scene) TypeName(i int) string { return s.colors.types.names[i] }

// AggregateFirst and TypeFirst order the names of indices from EventKeys by when they were
// first seen (smaller: earlier).
func (s *Scene) AggregateFirst(i int) uint64 { return s.colors.aggs.first[i] }

// TypeFirst orders event types by when they were first seen (see AggregateFirst).
func (s *Scene) TypeFirst(i int) uint64 { return s.colors.types.first[i] }

// AggregateColor is the colour events of aggregate id are drawn in when coloured by
// aggregate (the zero colour if no event of it is in the world).
func (s *Scene) AggregateColor(id string) color.RGBA {
	if i, ok := s.colors.aggs.index[id]; ok {
		return s.colors.pal.At(int(s.colors.aggs.slot[i]))
	}
	return color.RGBA{}
}

// TypeColor is the colour events of type t are drawn in when coloured by type.
func (s *Scene) TypeColor(t string) color.RGBA {
	if i, ok := s.colors.types.index[t]; ok {
		return s.colors.pal.At(int(s.colors.types.slot[i]))
	}
	return color.RGBA{}
}

// ColorsInUse counts the aggregates and types of the events in the world (each has a
// colour); KeyCapacity the indices the scene and the activity panel hold for them, at most
// the most names the world has held at once.
func (s *Scene) ColorsInUse() (aggregates, types int) {
	return s.colors.aggs.Len(), s.colors.types.Len()
}

// KeyCapacity is the number of aggregate and type indices allocated (see ColorsInUse).
func (s *Scene) KeyCapacity() (aggregates, types int) {
	return len(s.colors.aggs.names), len(s.colors.types.names)
}
