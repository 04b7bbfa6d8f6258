package block

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
	"github.com/ipfs/go-cid"
)

// EncodeDAGJSON writes a data-model value as DAG-JSON the way the IPLD codec fixtures write
// it: no whitespace, map keys sorted bytewise, links as {"/":"<CID>"} (base32 for CIDv1,
// base58 "Qm…" for CIDv0), bytes as {"/":{"bytes":"<base64, no padding>"}}, integers exact
// however large, floats in their shortest round-trip form (always with a "." or an
// exponent, so they read back as floats). It accepts what Encode accepts and refuses the
// same values (ErrNotEncodable), plus maps that DAG-JSON cannot tell from a link or bytes
// (ErrDAGJSON).
func EncodeDAGJSON(v any) ([]byte, error) {
	n, perr := normalize(v, 0)
	if perr != nil {
		return nil, perr.err()
	}
	return appendJSON(nil, n)
}

func appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case *big.Int:
		return x.Append(b, 10), nil
	case float64:
		return appendJSONFloat(b, x), nil
	case string:
		return appendJSONString(b, x), nil
	case []byte:
		b = append(b, `{"/":{"bytes":"`...)
		b = base64.RawStdEncoding.AppendEncode(b, x)
		return append(b, `"}}`...), nil
	case cbor.Tag: // a link, as normalize writes it: 0x00 + binary CID
		c, err := cid.Cast(x.Content.([]byte)[1:])
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNotEncodable, err)
		}
		b = append(b, `{"/":"`...)
		b = append(b, c.String()...)
		return append(b, `"}`...), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		if reservedSlashMap(x) {
			return nil, fmt.Errorf(`%w: a map whose only key is "/" holding a string or {"bytes": string} reads back as a link or bytes`, ErrDAGJSON)
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys) // Go compares strings bytewise, as DAG-JSON sorts
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendJSON(b, x[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	return nil, fmt.Errorf("%w: Go type %T", ErrNotEncodable, v) // unreachable after normalize
}

// reservedSlashMap reports a map DAG-JSON would read back as a link or as bytes.
func reservedSlashMap(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	switch inner := m["/"].(type) {
	case string:
		return true
	case map[string]any:
		_, isString := inner["bytes"].(string)
		return len(inner) == 1 && isString
	}
	return false
}

// appendJSONString quotes s escaping only what JSON requires: '"', '\' and control
// characters (with the short escapes where JSON has them). Everything else is written as is.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c >= 0x20:
			b = append(b, c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	return append(b, '"')
}

// appendJSONFloat writes f as ECMAScript's Number.prototype.toString would (the form the
// fixtures use), then adds ".0" to a whole number so that it reads back as a float.
func appendJSONFloat(b []byte, f float64) []byte {
	if f == 0 {
		if math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	if f < 0 {
		b = append(b, '-')
		f = -f
	}
	// Shortest round-trip digits d1.d2d3…e±x; the decimal point sits after n digits.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	k, n := len(digits), x+1
	switch {
	case k <= n && n <= 21:
		b = append(b, digits...)
		for range n - k {
			b = append(b, '0')
		}
		return append(b, ".0"...)
	case 0 < n && n <= 21:
		b = append(b, digits[:n]...)
		b = append(b, '.')
		return append(b, digits[n:]...)
	case -6 < n && n <= 0:
		b = append(b, "0."...)
		for range -n {
			b = append(b, '0')
		}
		return append(b, digits...)
	}
	b = append(b, digits[0])
	if k > 1 {
		b = append(b, '.')
		b = append(b, digits[1:]...)
	}
	b = append(b, 'e')
	if n-1 >= 0 {
		b = append(b, '+')
	}
	return strconv.AppendInt(b, int64(n-1), 10)
}

// DecodeDAGJSON parses DAG-JSON into a data-model value (the Go types of the package doc):
// {"/":"<CID>"} is a link, {"/":{"bytes":"<base64>"}} is bytes, a number with a "." or an
// exponent is a float and any other number an integer (exact, within the DAG-CBOR range).
// Whitespace between tokens is allowed. It rejects anything RFC 8259 does not allow, invalid
// UTF-8 and lone surrogate escapes, duplicate keys, trailing data, malformed links and bytes,
// non-finite floats and nesting deeper than MaxDepth, with errors wrapping ErrDAGJSON that
// give the byte offset.
func DecodeDAGJSON(data []byte) (any, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: input is not valid UTF-8", ErrDAGJSON)
	}
	p := jsonParser{data: data}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(data) {
		return nil, p.errorf("trailing data after the value")
	}
	return v, nil
}

// jsonParser is a strict recursive-descent JSON reader over already UTF-8-checked input.
type jsonParser struct {
	data []byte
	pos  int
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s at byte %d", ErrDAGJSON, fmt.Sprintf(format, args...), p.pos)
}

func (p *jsonParser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	p.space()
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{' || c == '[':
		if depth >= MaxDepth {
			return nil, p.errorf("nesting deeper than MaxDepth (%d)", MaxDepth)
		}
		p.pos++
		if c == '[' {
			return p.list(depth)
		}
		return p.object(depth)
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case p.literal("true"):
		return true, nil
	case p.literal("false"):
		return false, nil
	case p.literal("null"):
		return nil, nil
	default:
		return nil, p.errorf("invalid character %q looking for a value", rune(c))
	}
}

func (p *jsonParser) literal(s string) bool {
	if len(p.data)-p.pos < len(s) || string(p.data[p.pos:p.pos+len(s)]) != s {
		return false
	}
	p.pos += len(s)
	return true
}

// next skips whitespace and consumes c if it comes next.
func (p *jsonParser) next(c byte) bool {
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *jsonParser) list(depth int) (any, error) {
	list := []any{}
	if p.next(']') {
		return list, nil
	}
	for {
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
		if p.next(']') {
			return list, nil
		}
		if !p.next(',') {
			return nil, p.expected("',' or ']'")
		}
	}
}

func (p *jsonParser) object(depth int) (any, error) {
	m := map[string]any{}
	if p.next('}') {
		return m, nil
	}
	for {
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.expected("a string key")
		}
		kpos := p.pos
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup {
			p.pos = kpos
			return nil, p.errorf("duplicate key %q", clip(k))
		}
		if !p.next(':') {
			return nil, p.expected("':'")
		}
		if m[k], err = p.value(depth + 1); err != nil {
			return nil, err
		}
		if p.next('}') {
			return slashForm(m)
		}
		if !p.next(',') {
			return nil, p.expected("',' or '}'")
		}
	}
}

func (p *jsonParser) expected(what string) error {
	if p.pos >= len(p.data) {
		return p.errorf("unexpected end of input, want %s", what)
	}
	return p.errorf("invalid character %q, want %s", rune(p.data[p.pos]), what)
}

// str reads a string token, resolving escapes; p.pos is at the opening quote.
func (p *jsonParser) str() (string, error) {
	p.pos++
	start := p.pos
	// Fast path: no escapes.
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			s := string(p.data[start:p.pos])
			p.pos++
			return s, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.pos++
	}
	buf := append([]byte(nil), p.data[start:p.pos]...)
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf), nil
		case c < 0x20:
			return "", p.errorf("control character 0x%02x in a string", c)
		case c != '\\':
			buf = append(buf, c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.data) {
			break
		}
		e := p.data[p.pos+1]
		p.pos += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				if r >= 0xdc00 || !p.literal("\\u") {
					return "", p.errorf("lone UTF-16 surrogate \\u%04x", r)
				}
				lo, err := p.hex4()
				if err != nil {
					return "", err
				}
				if r = utf16.DecodeRune(r, lo); r == utf8.RuneError {
					return "", p.errorf("invalid UTF-16 surrogate pair")
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			p.pos--
			return "", p.errorf("invalid escape \\%c", rune(e))
		}
	}
	return "", p.errorf("unexpected end of input in a string")
}

func (p *jsonParser) hex4() (rune, error) {
	if len(p.data)-p.pos < 4 {
		return 0, p.errorf("unexpected end of input in a \\u escape")
	}
	n, err := strconv.ParseUint(string(p.data[p.pos:p.pos+4]), 16, 16)
	if err != nil {
		return 0, p.errorf("invalid \\u escape %q", p.data[p.pos:p.pos+4])
	}
	p.pos += 4
	return rune(n), nil
}

// number reads a number token as RFC 8259 writes it.
func (p *jsonParser) number() (any, error) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.data[p.pos] == '-' {
		p.pos++
	}
	intStart := p.pos
	if n := digits(); n == 0 || (n > 1 && p.data[intStart] == '0') {
		p.pos = start
		return nil, p.errorf("invalid number")
	}
	isFloat := false
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		isFloat = true
		if digits() == 0 {
			return nil, p.errorf("invalid number: no digits after '.'")
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		isFloat = true
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return nil, p.errorf("invalid number: no digits in the exponent")
		}
	}
	s := string(p.data[start:p.pos])
	v, err := parseJSONNumber(s, isFloat)
	if err != nil {
		p.pos = start
		return nil, p.errorf("%v", err)
	}
	return v, nil
}

// slashForm turns {"/":"<CID>"} into a link and {"/":{"bytes":"…"}} into bytes; other maps
// stay maps.
func slashForm(m map[string]any) (any, error) {
	if !reservedSlashMap(m) {
		return m, nil
	}
	if s, ok := m["/"].(string); ok {
		c, err := cid.Decode(s)
		if err != nil {
			return nil, fmt.Errorf("%w: link %q: %w", ErrDAGJSON, clip(s), err)
		}
		if c.String() != s {
			return nil, fmt.Errorf("%w: link %q is not in its canonical form %s", ErrDAGJSON, clip(s), c)
		}
		return c, nil
	}
	s := m["/"].(map[string]any)["bytes"].(string)
	b, err := base64.RawStdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: bytes %q: want standard base64 without padding: %w", ErrDAGJSON, clip(s), err)
	}
	return b, nil
}

func parseJSONNumber(s string, isFloat bool) (any, error) {
	if isFloat {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("float %s is out of the 64-bit range", clip(s))
		}
		return f, nil
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, nil
	}
	n, _ := new(big.Int).SetString(s, 10) // the grammar was checked by the caller
	v, perr := normalizeBig(n)
	if perr != nil {
		return nil, fmt.Errorf("integer %s is outside the DAG-CBOR range [-2^64, 2^64-1]", clip(s))
	}
	return v, nil
}

// Equal reports whether two data-model values are the same value: same kinds, equal
// integers, floats with identical bits, equal strings, bytes and links, and lists and maps
// whose elements are Equal.
func Equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool, string, cid.Cid:
		return a == b
	case int64, uint64, *big.Int:
		return intEqual(x, b)
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case []any:
		y, ok := b.([]any)
		return ok && slices.EqualFunc(x, y, Equal)
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !Equal(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}

func intEqual(a, b any) bool {
	ab, aok := toBig(a)
	bb, bok := toBig(b)
	return aok && bok && ab.Cmp(bb) == 0
}

func toBig(v any) (*big.Int, bool) {
	switch x := v.(type) {
	case int64:
		return big.NewInt(x), true
	case uint64:
		return new(big.Int).SetUint64(x), true
	case *big.Int:
		return x, x != nil
	}
	return nil, false
}
