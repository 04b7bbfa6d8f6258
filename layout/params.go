package layout

import (
	"math"
	"runtime"
)

// Params tunes a simulation. A zero field takes its value from DefaultParams, except TimeBias
// and Seed (where zero is meaningful) and LinkStrength (where zero selects d3's degree rule).
// Non-finite or out-of-range values are replaced by the defaults too.
type Params struct {
	Theta        float64 // Barnes-Hut opening angle (default 0.9); smaller is more exact and slower
	Charge       float64 // many-body strength, negative repels (default -30, as d3)
	LinkDistance float64 // spring rest length in world units (default 30)
	LinkStrength float64 // spring stiffness; 0 means d3's default 1/min(degree of the two ends)
	Gravity      float64 // weak pull of every node towards the origin (default 0.01)
	TimeBias     float64 // 0 = off; up to 1: turns each group's chain (in time order) along +X

	// Cooling, as d3: every tick alpha decays by AlphaDecay towards zero, forces are scaled by
	// alpha, velocities are multiplied by 1-VelocityDecay, and a node whose alpha is below
	// AlphaMin no longer has forces computed for it. Defaults 0.4, 1-0.001^(1/300) ≈ 0.0228
	// and 0.001: a fresh layout settles in about 300 ticks.
	VelocityDecay, AlphaDecay, AlphaMin float64

	// Reheat is the alpha that a change (a new node or edge, a removal, a pin) gives to the
	// nodes next to it; it halves with each further hop up to ReheatHops hops. A new node
	// itself starts at alpha 1. Defaults 0.3 and 2.
	Reheat     float64
	ReheatHops int

	Seed    int64 // seeds the jitter of new nodes placed next to a neighbour
	Workers int   // goroutines for the force pass; 0 = GOMAXPROCS
}

// DefaultParams returns the parameters of d3-force's default simulation, plus a weak gravity
// and the incremental reheat settings.
func DefaultParams() Params {
	return Params{
		Theta:         0.9,
		Charge:        -30,
		LinkDistance:  30,
		Gravity:       0.01,
		VelocityDecay: 0.4,
		AlphaDecay:    1 - math.Pow(0.001, 1.0/300),
		AlphaMin:      0.001,
		Reheat:        0.3,
		ReheatHops:    2,
		Workers:       runtime.GOMAXPROCS(0),
	}
}

// normalized returns p with zero, non-finite and out-of-range fields replaced by defaults.
func (p Params) normalized() Params {
	d := DefaultParams()
	fix := func(v *float64, def float64, ok func(float64) bool) {
		if *v == 0 || math.IsNaN(*v) || math.IsInf(*v, 0) || !ok(*v) {
			*v = def
		}
	}
	anything := func(float64) bool { return true }
	positive := func(v float64) bool { return v > 0 }
	unit := func(v float64) bool { return v > 0 && v < 1 }
	fix(&p.Theta, d.Theta, positive)
	fix(&p.Charge, d.Charge, anything)
	fix(&p.LinkDistance, d.LinkDistance, positive)
	fix(&p.Gravity, d.Gravity, positive)
	fix(&p.VelocityDecay, d.VelocityDecay, func(v float64) bool { return v > 0 && v <= 1 })
	fix(&p.AlphaDecay, d.AlphaDecay, unit)
	fix(&p.AlphaMin, d.AlphaMin, unit)
	fix(&p.Reheat, d.Reheat, func(v float64) bool { return v > 0 && v <= 1 })
	if math.IsNaN(p.LinkStrength) || math.IsInf(p.LinkStrength, 0) || p.LinkStrength < 0 {
		p.LinkStrength = 0
	}
	if math.IsNaN(p.TimeBias) || p.TimeBias < 0 {
		p.TimeBias = 0
	}
	p.TimeBias = min(p.TimeBias, 1)
	if p.ReheatHops <= 0 {
		p.ReheatHops = d.ReheatHops
	}
	if p.Workers <= 0 {
		p.Workers = d.Workers
	}
	return p
}
