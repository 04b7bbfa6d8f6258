package layout

import (
	"slices"
	"time"
)

// GlideDuration is how long nodes take to glide from one layout to the other when the window
// switches between force and lanes (the `v` key) or the lanes' structure changes.
const GlideDuration = 500 * time.Millisecond

// Glide moves points from one set of positions to another over a duration, easing in and out
// (slow start, slow end), so that an eye can follow a node across a change of layout. It takes
// the time as an argument: the window passes its frame time, tests pass what they like.
type Glide struct {
	from, to []Vec2
	start    time.Time
	dur      time.Duration
}

// NewGlide starts a glide at start from from to to (both copied); a duration of 0 means
// GlideDuration. Points with an index beyond from start at their destination.
func NewGlide(from, to []Vec2, start time.Time, dur time.Duration) *Glide {
	if dur <= 0 {
		dur = GlideDuration
	}
	return &Glide{from: slices.Clone(from), to: slices.Clone(to), start: start, dur: dur}
}

// Retarget changes the destination mid-glide (the lanes grew, the force layout moved on)
// without a jump: the glide goes on from where the points are now to the new destination.
func (g *Glide) Retarget(to []Vec2, now time.Time) {
	g.from = g.At(now, g.from)
	g.to = append(g.to[:0], to...)
	g.start = now
}

// At writes the positions at time now into dst (grown as needed) and returns it, with one
// point per destination point.
func (g *Glide) At(now time.Time, dst []Vec2) []Vec2 {
	f := Ease(float64(now.Sub(g.start)) / float64(g.dur))
	return Interpolate(dst, g.from, g.to, f)
}

// Done reports whether the glide has reached its destination at time now.
func (g *Glide) Done(now time.Time) bool { return now.Sub(g.start) >= g.dur }

// Ease maps the elapsed fraction of a glide (clamped to 0..1) to the fraction of the way
// travelled: a smoothstep, with zero speed at both ends.
func Ease(f float64) float64 {
	f = min(max(f, 0), 1)
	return f * f * (3 - 2*f)
}

// Interpolate writes from + f·(to − from) into dst for each point of to (points beyond from
// are at to) and returns dst, grown as needed. dst may be from itself.
func Interpolate(dst, from, to []Vec2, f float64) []Vec2 {
	if cap(dst) < len(to) {
		d := make([]Vec2, len(to))
		copy(d, dst)
		dst = d
	}
	dst = dst[:len(to)]
	for i, b := range to {
		if i >= len(from) {
			dst[i] = b
			continue
		}
		a := from[i]
		dst[i] = Vec2{a.X + f*(b.X-a.X), a.Y + f*(b.Y-a.Y)}
	}
	return dst
}
