package palette

import (
	"hash/fnv"
	"image/color"
	"math"
)

// Config says what a palette must avoid. Its zero value gives the window's palette:
// DefaultReserved, the dark background, 36 colours.
type Config struct {
	// Reserved are colours that mean something else in the picture; no palette colour comes
	// within MinReserved of any of them. Nil means DefaultReserved().
	Reserved []color.RGBA
	// Background is what the colours are drawn on; each stays at least 0.35 away from it
	// (default #10141c, the window's).
	Background color.RGBA
	// Size is the number of colours wanted (default 36). Fewer may fit under the distances;
	// Len says how many did.
	Size int
	// MinDistance is the smallest OKLab distance between two palette colours (default 0.06,
	// three times the just-noticeable difference).
	MinDistance float64
	// MinReserved is the smallest OKLab distance from a palette colour to a reserved one
	// (default 0.15: nothing reads as "rejected" or "file").
	MinReserved float64
}

// DefaultReserved returns the colours the window gives a meaning of their own: rejected red
// and the white of its mark, file-object orange, and the cyan of hovered and selected nodes.
// (They are the values of components.RejectedRed, RejectedWhite, FileOrange and EventCyan; a
// test beside the render code checks that they stay the same.)
func DefaultReserved() []color.RGBA {
	return []color.RGBA{
		{0xff, 0x22, 0x22, 0xff}, // rejected red
		{0xff, 0xff, 0xff, 0xff}, // rejected white
		{0xff, 0x99, 0x33, 0xff}, // file orange
		{0x00, 0xff, 0xff, 0xff}, // highlight cyan
	}
}

// Palette is a fixed table of colours, the most distinct first. It is immutable and safe for
// concurrent use.
type Palette struct {
	colors []color.RGBA
}

// New builds a palette by farthest-point sampling: from candidates spread over hues and a few
// lightness and chroma levels, it drops those close to a reserved colour or the background,
// then repeatedly keeps the candidate farthest from every colour kept so far, until Size are
// kept or the farthest is nearer than MinDistance. So the first colours are as different as
// can be, and each later one is still at least MinDistance from all others.
func New(cfg Config) *Palette {
	if cfg.Reserved == nil {
		cfg.Reserved = DefaultReserved()
	}
	if cfg.Background == (color.RGBA{}) {
		cfg.Background = color.RGBA{0x10, 0x14, 0x1c, 0xff}
	}
	if cfg.Size <= 0 {
		cfg.Size = 36
	}
	if cfg.MinDistance <= 0 {
		cfg.MinDistance = 0.06
	}
	if cfg.MinReserved <= 0 {
		cfg.MinReserved = 0.15
	}
	reserved := make([]Lab, len(cfg.Reserved))
	for i, c := range cfg.Reserved {
		reserved[i] = ToLab(c)
	}
	bg := ToLab(cfg.Background)
	type cand struct {
		lab  Lab
		rgb  color.RGBA
		dmin float64
	}
	var cands []cand
	for _, l := range []float64{0.64, 0.72, 0.80, 0.88} {
		for _, c := range []float64{0.07, 0.11, 0.15} {
			for deg := 0; deg < 360; deg += 3 {
				lab, rgb, ok := inGamut(l, c, float64(deg)*math.Pi/180)
				if ok && lab.dist(bg) >= 0.35 && !near(lab, reserved, cfg.MinReserved) {
					cands = append(cands, cand{lab, rgb, math.Inf(1)})
				}
			}
		}
	}
	p := &Palette{}
	for len(p.colors) < cfg.Size {
		best := -1
		for i := range cands {
			if best < 0 || cands[i].dmin > cands[best].dmin {
				best = i
			}
		}
		if best < 0 || cands[best].dmin < cfg.MinDistance {
			break
		}
		k := cands[best]
		p.colors = append(p.colors, k.rgb)
		for i := range cands {
			cands[i].dmin = min(cands[i].dmin, cands[i].lab.dist(k.lab))
		}
	}
	return p
}

// inGamut returns the colour of lightness l and hue h with the largest chroma up to c that
// sRGB can show, the quantised colour's OKLab value, and false if even a pale one cannot.
func inGamut(l, c, h float64) (Lab, color.RGBA, bool) {
	for ; c >= 0.04; c -= 0.01 {
		if rgb, ok := (Lab{l, c * math.Cos(h), c * math.Sin(h)}).rgb(); ok {
			return ToLab(rgb), rgb, true
		}
	}
	return Lab{}, color.RGBA{}, false
}

func near(p Lab, set []Lab, d float64) bool {
	for _, q := range set {
		if p.dist(q) < d {
			return true
		}
	}
	return false
}

// Len is the number of colours in the palette.
func (p *Palette) Len() int { return len(p.colors) }

// At returns colour i mod Len. The lower i, the more distinct: colours 0..11 are further
// apart from each other than colours 0..Len-1 are.
func (p *Palette) At(i int) color.RGBA {
	if len(p.colors) == 0 {
		return color.RGBA{0x80, 0x80, 0x80, 0xff}
	}
	i %= len(p.colors)
	if i < 0 {
		i += len(p.colors)
	}
	return p.colors[i]
}

// ForKey returns the colour of a key (an aggregate ID, an event type) by hashing it: the same
// key has the same colour in every window and every run. Two keys may share a colour; an
// Assigner avoids that for the first Len keys it sees.
func (p *Palette) ForKey(key string) color.RGBA {
	h := fnv.New32a()
	h.Write([]byte(key))
	return p.At(int(h.Sum32() % uint32(max(len(p.colors), 1))))
}

// Assigner gives each new key the next palette colour, in the order keys are first seen, so
// that the first Len keys all differ; later keys wrap round. It is not safe for concurrent
// use.
type Assigner struct {
	p    *Palette
	slot map[string]int
}

// NewAssigner returns an Assigner drawing from p.
func NewAssigner(p *Palette) *Assigner { return &Assigner{p: p, slot: map[string]int{}} }

// Color returns key's colour, giving it the next one if key is new.
func (a *Assigner) Color(key string) color.RGBA {
	i, ok := a.slot[key]
	if !ok {
		i = len(a.slot)
		a.slot[key] = i
	}
	return a.p.At(i)
}

// Slot returns the palette index given to key, and false if key has not been seen.
func (a *Assigner) Slot(key string) (int, bool) {
	i, ok := a.slot[key]
	return i % max(a.p.Len(), 1), ok
}

// Index returns the order in which key was first seen (0 for the first key), and false if
// it has not been: its slot before wrapping round the palette.
func (a *Assigner) Index(key string) (int, bool) {
	i, ok := a.slot[key]
	return i, ok
}

// Len is the number of keys seen.
func (a *Assigner) Len() int { return len(a.slot) }
