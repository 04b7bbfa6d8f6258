package block

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
	"github.com/ipfs/go-cid"
)

// dagCBOR is fxamacker/cbor configured for DAG-CBOR output: map keys length-first then
// bytewise, shortest integer and length heads, floats kept at 64 bits, definite lengths only,
// big integers as plain CBOR integers. Encode hands it only values it has checked and
// normalised, so the options never have to reject anything.
var dagCBOR = func() cbor.EncMode {
	em, err := cbor.EncOptions{
		Sort:          cbor.SortLengthFirst,
		ShortestFloat: cbor.ShortestFloatNone,
		NaNConvert:    cbor.NaNConvertReject,
		InfConvert:    cbor.InfConvertReject,
		BigIntConvert: cbor.BigIntConvertShortest,
		IndefLength:   cbor.IndefLengthForbidden,
		NilContainers: cbor.NilContainerAsEmpty,
		TagsMd:        cbor.TagsAllowed,
	}.EncMode()
	if err != nil {
		panic(fmt.Sprintf("block: DAG-CBOR encoding options: %v", err))
	}
	return em
}()

// outsideCBORRange reports whether x is outside the DAG-CBOR integer range [-2^64, 2^64-1]
// (a CBOR negative integer reaches -2^64). The bounds are made per call, for the rare integer
// beyond int64 and uint64, so no package-level *big.Int can be changed.
func outsideCBORRange(x *big.Int) bool {
	maxUint64 := new(big.Int).SetUint64(math.MaxUint64)
	minCBORInt := new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 64))
	return x.Cmp(maxUint64) > 0 || x.Cmp(minCBORInt) < 0
}

// Encode writes a data-model value (see the package doc for the Go types) as strict
// DAG-CBOR. It refuses, with an error wrapping ErrNotEncodable that names the path to the
// offending value, anything outside the data model: other types, NaN and infinities, invalid
// UTF-8, undefined CIDs, integers outside [-2^64, 2^64-1] and nesting deeper than MaxDepth.
// Decode(Encode(v)) gives back v in the canonical Go types.
func Encode(v any) ([]byte, error) {
	n, perr := normalize(v, 0)
	if perr != nil {
		return nil, perr.err()
	}
	b, err := dagCBOR.Marshal(n)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotEncodable, err)
	}
	return b, nil
}

// normalize checks v against the data model and rewrites it into the types dagCBOR encodes
// as DAG-CBOR: links become tag 42 around 0x00 + the binary CID, every integer becomes int64,
// uint64 or (below MinInt64) *big.Int, and typed slices and maps become []any and
// map[string]any.
func normalize(v any, depth int) (any, *pathError) {
	switch x := v.(type) {
	case nil, bool, string, []byte, int64:
		if s, ok := x.(string); ok && !utf8.ValidString(s) {
			return nil, notEncodable("string is not valid UTF-8")
		}
		if b, ok := x.([]byte); ok && b == nil {
			return []byte{}, nil
		}
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, notEncodable(strconv.FormatFloat(x, 'g', -1, 64) + " is not in the data model")
		}
		return x, nil
	case cid.Cid:
		if !x.Defined() {
			return nil, notEncodable("undefined CID")
		}
		content := make([]byte, 1+x.ByteLen())
		copy(content[1:], x.KeyString())
		return cbor.Tag{Number: 42, Content: content}, nil
	case *big.Int:
		return normalizeBig(x)
	case []any:
		if depth >= MaxDepth {
			return nil, notEncodable(fmt.Sprintf("nesting deeper than MaxDepth (%d)", MaxDepth))
		}
		out := make([]any, len(x))
		for i, e := range x {
			n, err := normalize(e, depth+1)
			if err != nil {
				return nil, err.in("[" + strconv.Itoa(i) + "]")
			}
			out[i] = n
		}
		return out, nil
	case map[string]any:
		if depth >= MaxDepth {
			return nil, notEncodable(fmt.Sprintf("nesting deeper than MaxDepth (%d)", MaxDepth))
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			if !utf8.ValidString(k) {
				return nil, notEncodable(fmt.Sprintf("map key %q is not valid UTF-8", k))
			}
			n, err := normalize(e, depth+1)
			if err != nil {
				return nil, err.in("." + k)
			}
			out[k] = n
		}
		return out, nil
	case float32:
		return nil, notEncodable("float32: convert to float64 (the data model has 64-bit floats only)")
	}
	return normalizeReflect(reflect.ValueOf(v), depth)
}

// normalizeReflect handles the other integer types and typed slices and maps.
func normalizeReflect(rv reflect.Value, depth int) (any, *pathError) {
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u <= math.MaxInt64 {
			return int64(u), nil
		}
		return u, nil
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.String:
		return normalize(rv.String(), depth)
	case reflect.Float64:
		return normalize(rv.Float(), depth)
	case reflect.Slice:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return normalize(rv.Bytes(), depth)
		}
		if depth >= MaxDepth {
			return nil, notEncodable(fmt.Sprintf("nesting deeper than MaxDepth (%d)", MaxDepth))
		}
		out := make([]any, rv.Len())
		for i := range out {
			n, err := normalize(rv.Index(i).Interface(), depth+1)
			if err != nil {
				return nil, err.in("[" + strconv.Itoa(i) + "]")
			}
			out[i] = n
		}
		return out, nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return nil, notEncodable(fmt.Sprintf("map keyed by %s: DAG-CBOR map keys are strings", rv.Type().Key()))
		}
		if depth >= MaxDepth {
			return nil, notEncodable(fmt.Sprintf("nesting deeper than MaxDepth (%d)", MaxDepth))
		}
		out := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			k := it.Key().String()
			if !utf8.ValidString(k) {
				return nil, notEncodable(fmt.Sprintf("map key %q is not valid UTF-8", k))
			}
			n, err := normalize(it.Value().Interface(), depth+1)
			if err != nil {
				return nil, err.in("." + k)
			}
			out[k] = n
		}
		return out, nil
	case reflect.Invalid:
		return nil, nil
	}
	return nil, notEncodable(fmt.Sprintf("Go type %s is not a data-model type", rv.Type()))
}

func normalizeBig(x *big.Int) (any, *pathError) {
	switch {
	case x == nil:
		return nil, notEncodable("nil *big.Int")
	case x.IsInt64():
		return x.Int64(), nil
	case x.IsUint64():
		return x.Uint64(), nil
	case outsideCBORRange(x):
		return nil, notEncodable(fmt.Sprintf("integer %s is outside the DAG-CBOR range [-2^64, 2^64-1]", x))
	}
	return new(big.Int).Set(x), nil // negative, in [-2^64, MinInt64)
}

// pathError is a data-model violation found while normalising; the path to the offending
// value is assembled on the way out, so the success path builds no strings.
type pathError struct {
	segments []string // innermost first
	why      string
}

func notEncodable(why string) *pathError { return &pathError{why: why} }

// in records that the error happened inside the element named by seg.
func (p *pathError) in(seg string) *pathError {
	p.segments = append(p.segments, seg)
	return p
}

func (p *pathError) err() error {
	path := "value"
	for i := len(p.segments) - 1; i >= 0; i-- {
		path += p.segments[i]
	}
	return fmt.Errorf("%w: %s: %s", ErrNotEncodable, path, p.why)
}
