package block

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"unicode/utf8"

	"github.com/ipfs/go-cid"
)

// MaxDepth is how deeply lists and maps may nest in a value Decode accepts or Encode writes.
// It keeps a hostile block from exhausting the stack.
const MaxDepth = 512

// maxPrealloc caps the room reserved up front for a list or map, whatever its head claims.
const maxPrealloc = 1024

// minArg(info) is the smallest argument that needs the 1-, 2-, 4- or 8-byte form of additional
// information info (24 to 27); a smaller one there is not in shortest form.
func minArg(info byte) uint64 {
	return [4]uint64{24, 1 << 8, 1 << 16, 1 << 32}[info-24]
}

// decoder walks a block once, checking every strictness rule as it goes. It never reads past
// data and never allocates more than the input can justify: a list or map may claim at most as
// many items as there are bytes left.
type decoder struct {
	data []byte
	pos  int
}

// Decode parses one strict DAG-CBOR block into a data-model value (see the package doc for
// the Go types). It rejects, with a *StrictError naming the rule and the byte offset, every
// encoding the DAG-CBOR spec's Strictness section forbids, malformed links, invalid UTF-8,
// truncation and trailing bytes, so that whatever it accepts Encode writes back byte for byte.
// It never panics; memory use is bounded by a small multiple of len(data).
func Decode(data []byte) (any, error) {
	d := decoder{data: data}
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	return v, nil
}

// end checks that the whole input was consumed.
func (d *decoder) end() error {
	if d.pos != len(d.data) {
		return &StrictError{Rule: RuleTrailingBytes, Offset: d.pos, Detail: fmt.Sprintf("%d extra bytes", len(d.data)-d.pos)}
	}
	return nil
}

func (d *decoder) remaining() uint64 { return uint64(len(d.data) - d.pos) }

// head reads an item's initial byte and argument. For major types 0 to 6 it enforces the
// shortest form; for major type 7 the argument is a simple value or a float's bits and the
// caller judges it.
func (d *decoder) head() (major, info byte, arg uint64, err error) {
	start := d.pos
	if d.pos >= len(d.data) {
		return 0, 0, 0, &StrictError{Rule: RuleTruncated, Offset: start, Detail: "input ends where an item should start"}
	}
	b := d.data[d.pos]
	d.pos++
	major, info = b>>5, b&0x1f
	switch {
	case info < 24:
		return major, info, uint64(info), nil
	case info <= 27:
		n := 1 << (info - 24)
		if len(d.data)-d.pos < n {
			return 0, 0, 0, &StrictError{Rule: RuleTruncated, Offset: start,
				Detail: fmt.Sprintf("%s head needs %d more bytes, %d remain", majorName(major), n, len(d.data)-d.pos)}
		}
		p := d.data[d.pos : d.pos+n]
		switch n {
		case 1:
			arg = uint64(p[0])
		case 2:
			arg = uint64(binary.BigEndian.Uint16(p))
		case 4:
			arg = uint64(binary.BigEndian.Uint32(p))
		default:
			arg = binary.BigEndian.Uint64(p)
		}
		d.pos += n
		if major != 7 && arg < minArg(info) {
			return 0, 0, 0, &StrictError{Rule: RuleNonShortest, Offset: start,
				Detail: fmt.Sprintf("%s argument %d written in %d bytes", majorName(major), arg, n)}
		}
		return major, info, arg, nil
	case info < 31:
		return 0, 0, 0, &StrictError{Rule: RuleReservedInfo, Offset: start, Detail: fmt.Sprintf("initial byte 0x%02x", b)}
	default:
		if (major >= 2 && major <= 5) || major == 7 {
			return 0, 0, 0, &StrictError{Rule: RuleIndefiniteLength, Offset: start, Detail: fmt.Sprintf("initial byte 0x%02x", b)}
		}
		return 0, 0, 0, &StrictError{Rule: RuleReservedInfo, Offset: start, Detail: fmt.Sprintf("initial byte 0x%02x", b)}
	}
}

// take returns the next n bytes of a string whose head started at start.
func (d *decoder) take(n uint64, start int) ([]byte, error) {
	if n > d.remaining() {
		return nil, &StrictError{Rule: RuleTruncated, Offset: start,
			Detail: fmt.Sprintf("string of %d bytes, %d remain", n, d.remaining())}
	}
	b := d.data[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return b, nil
}

// text reads the content of a text string whose head (length n) started at start.
func (d *decoder) text(n uint64, start int) ([]byte, error) {
	b, err := d.take(n, start)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(b) {
		return nil, &StrictError{Rule: RuleInvalidUTF8, Offset: start}
	}
	return b, nil
}

func (d *decoder) value(depth int) (any, error) {
	start := d.pos
	major, info, arg, err := d.head()
	if err != nil {
		return nil, err
	}
	switch major {
	case 0:
		if arg <= math.MaxInt64 {
			return int64(arg), nil
		}
		return arg, nil
	case 1:
		if arg <= math.MaxInt64 {
			return -1 - int64(arg), nil
		}
		n := new(big.Int).SetUint64(arg)
		return n.Neg(n.Add(n, big.NewInt(1))), nil
	case 2:
		b, err := d.take(arg, start)
		if err != nil {
			return nil, err
		}
		out := make([]byte, len(b)) // never nil: nil is the data model's null
		copy(out, b)
		return out, nil
	case 3:
		b, err := d.text(arg, start)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	case 4:
		return d.list(arg, start, depth)
	case 5:
		return d.dict(arg, start, depth)
	case 6:
		if arg != 42 {
			return nil, &StrictError{Rule: RuleTag, Offset: start, Detail: fmt.Sprintf("tag %d", arg)}
		}
		return d.link()
	default:
		return d.simple(info, arg, start)
	}
}

func (d *decoder) list(n uint64, start, depth int) (any, error) {
	if depth >= MaxDepth {
		return nil, &StrictError{Rule: RuleTooDeep, Offset: start, Detail: fmt.Sprintf("MaxDepth is %d", MaxDepth)}
	}
	if n > d.remaining() { // every item takes at least one byte
		return nil, &StrictError{Rule: RuleTruncated, Offset: start,
			Detail: fmt.Sprintf("list claims %d items, %d bytes remain", n, d.remaining())}
	}
	// Grow towards n as items actually arrive, so a false count costs nothing.
	list := make([]any, 0, min(n, maxPrealloc))
	for range n {
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	return list, nil
}

func (d *decoder) dict(n uint64, start, depth int) (any, error) {
	if depth >= MaxDepth {
		return nil, &StrictError{Rule: RuleTooDeep, Offset: start, Detail: fmt.Sprintf("MaxDepth is %d", MaxDepth)}
	}
	if n > d.remaining()/2 { // every entry takes at least two bytes
		return nil, &StrictError{Rule: RuleTruncated, Offset: start,
			Detail: fmt.Sprintf("map claims %d entries, %d bytes remain", n, d.remaining())}
	}
	m := make(map[string]any, min(n, maxPrealloc))
	var prev []byte
	for i := uint64(0); i < n; i++ {
		kstart := d.pos
		key, err := d.key()
		if err != nil {
			return nil, err
		}
		if i > 0 {
			switch c := compareKeys(prev, key); {
			case c == 0:
				return nil, &StrictError{Rule: RuleDuplicateKey, Offset: kstart, Detail: fmt.Sprintf("map key %q appears twice", clip(string(key)))}
			case c > 0:
				return nil, &StrictError{Rule: RuleUnsortedKeys, Offset: kstart,
					Detail: fmt.Sprintf("key %q after %q", clip(string(key)), clip(string(prev)))}
			}
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		m[string(key)] = v
		prev = key
	}
	return m, nil
}

// key reads a map key, which must be a text string, and returns its UTF-8 bytes.
func (d *decoder) key() ([]byte, error) {
	start := d.pos
	major, _, arg, err := d.head()
	if err != nil {
		return nil, err
	}
	if major != 3 {
		return nil, &StrictError{Rule: RuleNonStringKey, Offset: start, Detail: "key is a " + majorName(major)}
	}
	return d.text(arg, start)
}

// compareKeys orders map keys as DAG-CBOR does: shorter first, then bytewise.
func compareKeys(a, b []byte) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return bytes.Compare(a, b)
}

// link reads the byte string that follows tag 42: 0x00 then a binary CID.
func (d *decoder) link() (cid.Cid, error) {
	start := d.pos
	major, _, arg, err := d.head()
	if err != nil {
		return cid.Undef, err
	}
	if major != 2 {
		return cid.Undef, &StrictError{Rule: RuleLinkNotBytes, Offset: start, Detail: "tag 42 wraps a " + majorName(major)}
	}
	b, err := d.take(arg, start)
	if err != nil {
		return cid.Undef, err
	}
	if len(b) == 0 || b[0] != 0x00 {
		return cid.Undef, &StrictError{Rule: RuleLinkPrefix, Offset: start}
	}
	// Cast accepts only a whole, well-formed binary CID with minimal varints, and the Cid
	// holds exactly these bytes, so re-encoding writes them back unchanged.
	c, err := cid.Cast(b[1:])
	if err != nil {
		return cid.Undef, &StrictError{Rule: RuleLinkCID, Offset: start, Detail: err.Error()}
	}
	return c, nil
}

// simple judges a major type 7 item: false, true, null or a 64-bit float, nothing else.
func (d *decoder) simple(info byte, arg uint64, start int) (any, error) {
	switch info {
	case 20:
		return false, nil
	case 21:
		return true, nil
	case 22:
		return nil, nil
	case 25, 26:
		return nil, &StrictError{Rule: RuleNarrowFloat, Offset: start, Detail: fmt.Sprintf("%d-bit float", 8<<(info-24))}
	case 27:
		f := math.Float64frombits(arg)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, &StrictError{Rule: RuleNaNOrInfinity, Offset: start, Detail: fmt.Sprintf("float bits 0x%016x", arg)}
		}
		return f, nil
	case 23:
		return nil, &StrictError{Rule: RuleSimpleValue, Offset: start, Detail: "undefined"}
	default:
		return nil, &StrictError{Rule: RuleSimpleValue, Offset: start, Detail: fmt.Sprintf("simple value %d", arg)}
	}
}

func majorName(major byte) string {
	switch major {
	case 0:
		return "unsigned integer"
	case 1:
		return "negative integer"
	case 2:
		return "byte string"
	case 3:
		return "text string"
	case 4:
		return "list"
	case 5:
		return "map"
	case 6:
		return "tag"
	default:
		return "simple value or float"
	}
}
