package palette

import (
	"image/color"
	"math"
)

// Lab is a colour in Björn Ottosson's OKLab space: L is perceived lightness (0 black, 1 white),
// A and B the green-red and blue-yellow axes. Euclidean distance in it tracks how different
// two colours look (about 0.02 is just noticeable).
type Lab struct{ L, A, B float64 }

// Distance is the OKLab distance between two opaque sRGB colours (alpha is ignored).
func Distance(c1, c2 color.RGBA) float64 { return ToLab(c1).dist(ToLab(c2)) }

func (p Lab) dist(q Lab) float64 { return math.Sqrt(sq(p.L-q.L) + sq(p.A-q.A) + sq(p.B-q.B)) }

func sq(v float64) float64 { return v * v }

// ToLab converts an sRGB colour (alpha ignored) to OKLab.
func ToLab(c color.RGBA) Lab {
	r, g, b := linear(c.R), linear(c.G), linear(c.B)
	l := math.Cbrt(0.4122214708*r + 0.5363325363*g + 0.0514459929*b)
	m := math.Cbrt(0.2119034982*r + 0.6806995451*g + 0.1073969566*b)
	s := math.Cbrt(0.0883024619*r + 0.2817188376*g + 0.6299787005*b)
	return Lab{
		L: 0.2104542553*l + 0.7936177850*m - 0.0040720468*s,
		A: 1.9779984951*l - 2.4285922050*m + 0.4505937099*s,
		B: 0.0259040371*l + 0.7827717662*m - 0.8086757660*s,
	}
}

// rgb converts p to sRGB; ok is false when p lies outside the sRGB gamut.
func (p Lab) rgb() (c color.RGBA, ok bool) {
	l := cube(p.L + 0.3963377774*p.A + 0.2158037573*p.B)
	m := cube(p.L - 0.1055613458*p.A - 0.0638541728*p.B)
	s := cube(p.L - 0.0894841775*p.A - 1.2914855480*p.B)
	r := 4.0767416621*l - 3.3077115913*m + 0.2309699292*s
	g := -1.2684380046*l + 2.6097574011*m - 0.3413193965*s
	b := -0.0041960863*l - 0.7034186147*m + 1.7076147010*s
	const eps = 1e-4
	ok = r >= -eps && r <= 1+eps && g >= -eps && g <= 1+eps && b >= -eps && b <= 1+eps
	return color.RGBA{encode(r), encode(g), encode(b), 0xff}, ok
}

func cube(v float64) float64 { return v * v * v }

// linear undoes the sRGB transfer curve.
func linear(v uint8) float64 {
	x := float64(v) / 255
	if x <= 0.04045 {
		return x / 12.92
	}
	return math.Pow((x+0.055)/1.055, 2.4)
}

// encode applies the sRGB transfer curve and rounds to 8 bits.
func encode(x float64) uint8 {
	x = min(max(x, 0), 1)
	if x <= 0.0031308 {
		x *= 12.92
	} else {
		x = 1.055*math.Pow(x, 1/2.4) - 0.055
	}
	return uint8(math.Round(x * 255))
}
