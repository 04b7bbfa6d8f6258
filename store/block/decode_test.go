package block_test

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store/block"
)

// A valid binary CIDv1 (dag-cbor, sha2-256 of the empty string), for link cases.
const cidHex = "01711220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// TestDecodeRejects has one or more cases per strictness rule; each names the rule and the
// byte offset the error must report.
func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name   string
		hex    string
		rule   string
		offset int
	}{
		// truncation, and length prefixes that claim more than the input holds
		{"empty input", "", block.RuleTruncated, 0},
		{"uint16 head cut short", "19 01", block.RuleTruncated, 0},
		{"text shorter than its length", "62 61", block.RuleTruncated, 0},
		{"list claiming more items than bytes", "82 01", block.RuleTruncated, 0},
		{"list missing its last item", "82 82 01 02", block.RuleTruncated, 4},
		{"map missing a value", "a1 61 61", block.RuleTruncated, 3},
		{"tag 42 with nothing after", "d8 2a", block.RuleTruncated, 2},
		{"float64 cut short", "fb 3f f0", block.RuleTruncated, 0},
		{"list claiming 2^60 items", "9b 10 00 00 00 00 00 00 00 01", block.RuleTruncated, 0},
		{"map claiming 2^60 entries", "bb 10 00 00 00 00 00 00 00 01", block.RuleTruncated, 0},
		{"bytes claiming 2^60 bytes", "5b 10 00 00 00 00 00 00 00 41", block.RuleTruncated, 0},
		{"text claiming 2^64-1 bytes", "7b ff ff ff ff ff ff ff ff 41", block.RuleTruncated, 0},
		// trailing bytes
		{"two top-level items", "01 02", block.RuleTrailingBytes, 1},
		{"null then garbage", "f6 ff", block.RuleTrailingBytes, 1},
		// shortest forms
		{"23 in one byte", "18 17", block.RuleNonShortest, 0},
		{"255 in two bytes", "19 00 ff", block.RuleNonShortest, 0},
		{"65535 in four bytes", "1a 00 00 ff ff", block.RuleNonShortest, 0},
		{"2^32-1 in eight bytes", "1b 00 00 00 00 ff ff ff ff", block.RuleNonShortest, 0},
		{"-1 in two bytes", "38 00", block.RuleNonShortest, 0},
		{"byte string length 1 in two bytes", "58 01 61", block.RuleNonShortest, 0},
		{"text length 0 in two bytes", "78 00", block.RuleNonShortest, 0},
		{"list length in two bytes", "98 01 01", block.RuleNonShortest, 0},
		{"map length in three bytes", "b9 00 00", block.RuleNonShortest, 0},
		{"tag 42 in three bytes", "d9 00 2a 58 25 00" + cidHex, block.RuleNonShortest, 0},
		{"non-shortest item inside a list", "82 01 18 02", block.RuleNonShortest, 2},
		// indefinite lengths and the break code
		{"indefinite byte string", "5f 41 61 ff", block.RuleIndefiniteLength, 0},
		{"indefinite text", "7f ff", block.RuleIndefiniteLength, 0},
		{"indefinite list", "9f 01 ff", block.RuleIndefiniteLength, 0},
		{"indefinite map", "bf ff", block.RuleIndefiniteLength, 0},
		{"lone break", "ff", block.RuleIndefiniteLength, 0},
		// reserved additional information
		{"uint with info 28", "1c", block.RuleReservedInfo, 0},
		{"negative int with info 31", "3f", block.RuleReservedInfo, 0},
		{"major 7 info 30", "fe", block.RuleReservedInfo, 0},
		// map keys
		{"keys out of bytewise order", "a2 61 62 01 61 61 02", block.RuleUnsortedKeys, 4},
		{"longer key before shorter", "a2 62 61 61 01 61 62 02", block.RuleUnsortedKeys, 5},
		{"duplicate key", "a2 61 61 01 61 61 02", block.RuleDuplicateKey, 4},
		{"integer key", "a1 01 02", block.RuleNonStringKey, 1},
		{"byte-string key", "a1 41 61 02", block.RuleNonStringKey, 1},
		{"null key", "a1 f6 02", block.RuleNonStringKey, 1},
		// floats
		{"half float", "f9 3c 00", block.RuleNarrowFloat, 0},
		{"single float", "fa 3f 80 00 00", block.RuleNarrowFloat, 0},
		{"half-float NaN", "f9 7e 00", block.RuleNarrowFloat, 0},
		{"NaN", "fb 7f f8 00 00 00 00 00 00", block.RuleNaNOrInfinity, 0},
		{"NaN with payload", "fb 7f f0 00 00 00 00 00 01", block.RuleNaNOrInfinity, 0},
		{"infinity", "fb 7f f0 00 00 00 00 00 00", block.RuleNaNOrInfinity, 0},
		{"minus infinity", "fb ff f0 00 00 00 00 00 00", block.RuleNaNOrInfinity, 0},
		// simple values
		{"undefined", "f7", block.RuleSimpleValue, 0},
		{"simple value 0", "e0", block.RuleSimpleValue, 0},
		{"simple value 19", "f3", block.RuleSimpleValue, 0},
		{"one-byte simple value 32", "f8 20", block.RuleSimpleValue, 0},
		{"undefined as a map value", "a1 61 61 f7", block.RuleSimpleValue, 3},
		// tags
		{"tag 0 (date string)", "c0 60", block.RuleTag, 0},
		{"tag 2 (bignum)", "c2 41 01", block.RuleTag, 0},
		{"tag 43", "d8 2b 40", block.RuleTag, 0},
		{"tag 42 around a string", "d8 2a 60", block.RuleLinkNotBytes, 2},
		{"tag 42 around an int", "d8 2a 01", block.RuleLinkNotBytes, 2},
		{"tag 42 around tag 42", "d8 2a d8 2a 40", block.RuleLinkNotBytes, 2},
		// links
		{"link without the 0x00 prefix", "d8 2a 58 24" + cidHex, block.RuleLinkPrefix, 2},
		{"link with prefix 0x01", "d8 2a 58 25 01" + cidHex, block.RuleLinkPrefix, 2},
		{"empty link", "d8 2a 40", block.RuleLinkPrefix, 2},
		{"link of the prefix alone", "d8 2a 41 00", block.RuleLinkCID, 2},
		{"link with CID version 2", "d8 2a 45 00 02 71 00 00", block.RuleLinkCID, 2},
		{"link with a cut multihash", "d8 2a 58 24 00" + cidHex[:len(cidHex)-2], block.RuleLinkCID, 2},
		{"link with bytes after the CID", "d8 2a 58 26 00" + cidHex + "00", block.RuleLinkCID, 2},
		// UTF-8
		{"invalid UTF-8 text", "62 c3 28", block.RuleInvalidUTF8, 0},
		{"lone continuation byte", "61 80", block.RuleInvalidUTF8, 0},
		{"UTF-16 surrogate in UTF-8", "63 ed a0 80", block.RuleInvalidUTF8, 0},
		{"invalid UTF-8 key", "a1 61 ff 01", block.RuleInvalidUTF8, 1},
		// nesting
		{"513 nested lists", strings.Repeat("81", 512) + "80", block.RuleTooDeep, 512},
		{"513 nested maps", strings.Repeat("a1 60", 512) + "a0", block.RuleTooDeep, 1024},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := block.Decode(unhex(t, tt.hex))
			if err == nil {
				t.Fatalf("accepted, gave %#v", v)
			}
			if !errors.Is(err, block.ErrNotCanonical) {
				t.Errorf("errors.Is(%v, ErrNotCanonical) = false", err)
			}
			var se *block.StrictError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *StrictError", err)
			}
			if se.Rule != tt.rule || se.Offset != tt.offset {
				t.Errorf("got rule %q at %d, want %q at %d (%v)", se.Rule, se.Offset, tt.rule, tt.offset, err)
			}
			if !strings.Contains(err.Error(), tt.rule) {
				t.Errorf("message %q does not name the rule", err)
			}
		})
	}
}

func TestDecodeAccepts(t *testing.T) {
	empty, _ := cid.Cast(unhex(t, cidHex))
	minus2to64, _ := new(big.Int).SetString("-18446744073709551616", 10)
	minInt64Minus1, _ := new(big.Int).SetString("-9223372036854775809", 10)
	tests := []struct {
		name string
		hex  string
		want any
	}{
		{"zero", "00", int64(0)},
		{"23", "17", int64(23)},
		{"24", "18 18", int64(24)},
		{"MaxInt64", "1b 7f ff ff ff ff ff ff ff", int64(math.MaxInt64)},
		{"MaxInt64+1 is uint64", "1b 80 00 00 00 00 00 00 00", uint64(math.MaxInt64 + 1)},
		{"MaxUint64", "1b ff ff ff ff ff ff ff ff", uint64(math.MaxUint64)},
		{"-1", "20", int64(-1)},
		{"MinInt64", "3b 7f ff ff ff ff ff ff ff", int64(math.MinInt64)},
		{"MinInt64-1 is *big.Int", "3b 80 00 00 00 00 00 00 00", minInt64Minus1},
		{"-2^64", "3b ff ff ff ff ff ff ff ff", minus2to64},
		{"float 1.5", "fb 3f f8 00 00 00 00 00 00", 1.5},
		{"float -0", "fb 80 00 00 00 00 00 00 00", math.Copysign(0, -1)},
		{"false, true, null", "83 f4 f5 f6", []any{false, true, nil}},
		{"empty bytes", "40", []byte{}},
		{"empty text", "60", ""},
		{"unicode text", "63 e6 b0 b4", "水"},
		{"link", "d8 2a 58 25 00" + cidHex, empty},
		{"sorted map", "a3 61 61 01 61 62 02 62 61 61 03", map[string]any{"a": int64(1), "b": int64(2), "aa": int64(3)}},
		{"512 nested lists", strings.Repeat("81", 511) + "80", nested(511)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := unhex(t, tt.hex)
			got, err := block.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if !block.Equal(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
			// Same Go type, not only the same value: the data model has one type per kind.
			if gt, wt := typeName(got), typeName(tt.want); gt != wt {
				t.Errorf("got Go type %s, want %s", gt, wt)
			}
			again, err := block.Encode(got)
			if err != nil || string(again) != string(data) {
				t.Errorf("re-encoded to %x (%v), want %x", again, err, data)
			}
		})
	}
}

func nested(n int) any {
	var v any = []any{}
	for range n {
		v = []any{v}
	}
	return v
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }
