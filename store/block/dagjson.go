package block

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
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
// It rejects invalid UTF-8, duplicate keys, trailing data, malformed links and bytes,
// non-finite floats and nesting deeper than MaxDepth, with errors wrapping ErrDAGJSON.
func DecodeDAGJSON(data []byte) (any, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: input is not valid UTF-8", ErrDAGJSON)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonErr(err)
	}
	v, err := parseJSON(dec, tok, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: trailing data after the value at byte %d", ErrDAGJSON, dec.InputOffset())
	}
	return v, nil
}

func jsonErr(err error) error {
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: unexpected end of input", ErrDAGJSON)
	}
	return fmt.Errorf("%w: %w", ErrDAGJSON, err)
}

func parseJSON(dec *json.Decoder, tok json.Token, depth int) (any, error) {
	switch t := tok.(type) {
	case nil, bool, string:
		return t, nil
	case json.Number:
		return parseJSONNumber(string(t))
	case json.Delim:
		if depth >= MaxDepth {
			return nil, fmt.Errorf("%w: nesting deeper than MaxDepth (%d) at byte %d", ErrDAGJSON, MaxDepth, dec.InputOffset())
		}
		if t == '[' {
			list := []any{}
			for {
				tok, err := dec.Token()
				if err != nil {
					return nil, jsonErr(err)
				}
				if tok == json.Delim(']') {
					return list, nil
				}
				v, err := parseJSON(dec, tok, depth+1)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
		}
		m := map[string]any{}
		for {
			tok, err := dec.Token()
			if err != nil {
				return nil, jsonErr(err)
			}
			if tok == json.Delim('}') {
				return slashForm(m)
			}
			k := tok.(string) // the decoder allows only strings as keys
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("%w: duplicate key %q before byte %d", ErrDAGJSON, clip(k), dec.InputOffset())
			}
			if tok, err = dec.Token(); err != nil {
				return nil, jsonErr(err)
			}
			if m[k], err = parseJSON(dec, tok, depth+1); err != nil {
				return nil, err
			}
		}
	}
	return nil, fmt.Errorf("%w: unexpected token %v", ErrDAGJSON, tok)
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

func parseJSONNumber(s string) (any, error) {
	if strings.ContainsAny(s, ".eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%w: float %s is out of the 64-bit range", ErrDAGJSON, clip(s))
		}
		return f, nil
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, nil
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, fmt.Errorf("%w: bad integer %s", ErrDAGJSON, clip(s))
	}
	v, perr := normalizeBig(n)
	if perr != nil {
		return nil, fmt.Errorf("%w: integer %s is outside the DAG-CBOR range [-2^64, 2^64-1]", ErrDAGJSON, clip(s))
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
