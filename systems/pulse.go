package systems

import (
	"math"
	"time"

	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"
)

// PulseDuration is how long a new node's arrival pulse lasts: its value falls from 1 to 0
// over it, so that someone across the room sees where activity is.
const PulseDuration = time.Second

// MaxPulses bounds the pulses alive at once: a replay that brings thousands of nodes in a
// second pulses the newest of them only.
const MaxPulses = 512

// Pulse is one node's arrival pulse this frame: Node is its index in the scene, Value runs
// from 1 (just arrived) down to 0 (gone) over PulseDuration.
type Pulse struct {
	Node  int
	Value float64
}

// pulseState is the pulse system's singleton: which entity IDs it has seen (by ID, so a
// check is one slice index), the live pulses and the clock.
type pulseState struct {
	known  []donburi.Entity // entity ID → the entity seen under it
	primed bool             // the first scene's nodes were there before the window: no pulse
	live   []pulseLive
	// asOf and asOfTime are the timeline's as of the last frame: what a playback reveals
	// past them pulses.
	asOf     uint64
	asOfTime int64
	// gathers is the scene's gather count when its nodes were last looked at: a frame with
	// no gather since (the scene kept or only its positions refreshed) has no new node.
	gathers uint64
	// Now is the clock (nil: time.Now); tests set it.
	Now func() time.Time
}

// start begins ent's pulse, dropping the oldest beyond MaxPulses.
func (st *pulseState) start(ent donburi.Entity, now time.Time) {
	if len(st.live) >= MaxPulses {
		copy(st.live, st.live[1:])
		st.live = st.live[:len(st.live)-1]
	}
	st.live = append(st.live, pulseLive{e: ent, born: now})
}

type pulseLive struct {
	e    donburi.Entity
	born time.Time
}

var pulseComponent = donburi.NewComponentType[pulseState]()

func getPulseState(e *ecs.ECS) *pulseState {
	return getOrCreate(e.World, pulseComponent, func(donburi.World) pulseState { return pulseState{} })
}

// SetPulseClock makes the pulse system read time from now (tests, screenshots).
func SetPulseClock(e *ecs.ECS, now func() time.Time) { getPulseState(e).Now = now }

// UpdatePulse is the pulse system, run after the scene is gathered: every node that was not
// in the scene before starts a pulse (except those of the very first scene), and so does
// every node a playing timeline reveals; pulses older than PulseDuration end, and the
// scene's Pulses list the live ones with their value. While a pulse lives the scene's
// signature changes every frame, so the picture cache redraws.
func UpdatePulse(e *ecs.ECS) {
	st := getPulseState(e)
	s := SceneOf(e)
	now := time.Now()
	if st.Now != nil {
		now = st.Now()
	}
	if !st.primed || SceneGathers(e) != st.gathers { // else no gather since: no new node
		for i := range s.Nodes {
			ent := s.Nodes[i].Entity
			id := int(ent.Id())
			for id >= len(st.known) {
				st.known = append(st.known, donburi.Null)
			}
			if st.known[id] == ent {
				continue
			}
			st.known[id] = ent
			if st.primed {
				st.start(ent, now)
			}
		}
	}
	st.primed, st.gathers = true, SceneGathers(e)
	// A playing timeline reveals nodes: they pulse as if they arrived.
	tl := GetOrCreateTimeline(e)
	if tl.Playing && st.asOf != 0 && tl.AsOf > st.asOf {
		for i := range s.Nodes {
			n := &s.Nodes[i]
			if n.Seq > st.asOf && n.Seq <= tl.AsOf || n.Seq == 0 && n.Time > st.asOfTime && n.Time <= tl.AsOfTime {
				st.start(n.Entity, now)
			}
		}
	}
	st.asOf, st.asOfTime = tl.AsOf, tl.AsOfTime
	s.Pulses = s.Pulses[:0]
	keep := st.live[:0]
	for _, p := range st.live {
		age := now.Sub(p.born)
		idx := s.Index(p.e)
		if age >= PulseDuration || idx < 0 {
			continue
		}
		keep = append(keep, p)
		v := 1 - float64(age)/float64(PulseDuration)
		s.Pulses = append(s.Pulses, Pulse{Node: idx, Value: v})
		s.mix(uint64(idx)<<32 | uint64(math.Float32bits(float32(v))))
	}
	st.live = keep
}
