package block_test

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/jetdag/jetdag/store/block"
)

func TestDAGJSONFloats(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{1, "1.0"},
		{-2, "-2.0"},
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{0.5, "0.5"},
		{1.1, "1.1"},
		{82497.63712086187, "82497.63712086187"},
		{8.940696716308594e-8, "8.940696716308594e-8"},
		{1e-323, "1e-323"},
		{0.000001, "0.000001"},
		{1.5e-7, "1.5e-7"},
		{1e20, "100000000000000000000.0"},
		{1e21, "1e+21"},
		{123456789e15, "1.23456789e+23"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{5e-324, "5e-324"},
	}
	for _, tt := range tests {
		got, err := block.EncodeDAGJSON(tt.f)
		if err != nil || string(got) != tt.want {
			t.Errorf("EncodeDAGJSON(%g) = %s (%v), want %s", tt.f, got, err, tt.want)
			continue
		}
		back, err := block.DecodeDAGJSON(got)
		if b, ok := back.(float64); err != nil || !ok || math.Float64bits(b) != math.Float64bits(tt.f) {
			t.Errorf("DecodeDAGJSON(%s) = %#v (%v), want float64 %g", got, back, err, tt.f)
		}
	}
}

func TestDAGJSONValues(t *testing.T) {
	big1, _ := new(big.Int).SetString("-18446744073709551616", 10)
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"escapes", "q\"b\\n\nt\tc\x01\x1f\x7f<>&水", `"q\"b\\n\nt\tc\u0001\u001f` + "\x7f<>&水\""},
		{"short escapes", "\b\f\r", `"\b\f\r"`},
		{"keys sorted bytewise", map[string]any{"b": 1, "a": 2, "aa": 3, "B": 4}, `{"B":4,"a":2,"aa":3,"b":1}`},
		{"huge integers", []any{uint64(math.MaxUint64), big1, int64(math.MinInt64)}, `[18446744073709551615,-18446744073709551616,-9223372036854775808]`},
		{"bytes", []byte("hi!?"), `{"/":{"bytes":"aGkhPw"}}`},
		{"link", block.Sum(nil), `{"/":"` + block.Sum(nil).String() + `"}`},
		{"slash map that is not a link", map[string]any{"/": int64(5)}, `{"/":5}`},
		{"slash key among others", map[string]any{"/": "x", "a": true}, `{"/":"x","a":true}`},
		{"empty containers", map[string]any{"l": []any{}, "m": map[string]any{}}, `{"l":[],"m":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := block.EncodeDAGJSON(tt.v)
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %s (%v), want %s", got, err, tt.want)
			}
			back, err := block.DecodeDAGJSON(got)
			if err != nil {
				t.Fatal(err)
			}
			// Compare through Encode, which normalises Go types (int → int64 and so on).
			a, _ := block.Encode(tt.v)
			b, _ := block.Encode(back)
			if string(a) != string(b) {
				t.Errorf("round trip changed the value: %#v", back)
			}
		})
	}
}

func TestDAGJSONRejects(t *testing.T) {
	decode := []struct {
		name, in, want string
	}{
		{"empty", "", "unexpected end"},
		{"trailing value", "1 2", "trailing data"},
		{"trailing garbage", "{}x", "trailing data"},
		{"unclosed", "[1,", "unexpected end"},
		{"invalid UTF-8", "\"\xff\"", "not valid UTF-8"},
		{"duplicate key", `{"a":1,"a":2}`, `duplicate key "a"`},
		{"bad link", `{"/":"bafynotacid"}`, "link"},
		{"link not canonical", `{"/":"` + strings.ToUpper(block.Sum(nil).String()) + `"}`, "link"},
		{"bytes with padding", `{"/":{"bytes":"aGk="}}`, "bytes"},
		{"bytes url-safe alphabet", `{"/":{"bytes":"-_8"}}`, "bytes"},
		{"integer beyond 2^64-1", "18446744073709551616", "outside the DAG-CBOR range"},
		{"integer below -2^64", "-18446744073709551617", "outside the DAG-CBOR range"},
		{"float overflow", "1e400", "out of the 64-bit range"},
		{"deeper than MaxDepth", strings.Repeat("[", block.MaxDepth+1) + strings.Repeat("]", block.MaxDepth+1), "MaxDepth"},
		{"not JSON", "nul", "invalid"},
		{"lone high surrogate", `"\ud83d"`, "lone UTF-16 surrogate"},
		{"lone low surrogate", `"\ude00"`, "lone UTF-16 surrogate"},
		{"raw control character", "\"a\x01\"", "control character"},
		{"bad escape", `"\x41"`, "invalid escape"},
		{"short \\u escape", `"\u00"`, "escape"},
		{"leading zero", "01", "invalid number"},
		{"bare minus", "-", "invalid number"},
		{"plus sign", "+1", "invalid character"},
		{"dot without digits", "1.", "no digits after"},
		{"exponent without digits", "1e+", "no digits in the exponent"},
		{"single quotes", "'a'", "invalid character"},
		{"unquoted key", "{a:1}", "want a string key"},
		{"trailing comma", "[1,]", "invalid character"},
		{"missing colon", `{"a" 1}`, "want ':'"},
	}
	for _, tt := range decode {
		t.Run(tt.name, func(t *testing.T) {
			v, err := block.DecodeDAGJSON([]byte(tt.in))
			if !errors.Is(err, block.ErrDAGJSON) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeDAGJSON(%q) = %#v, %v; want ErrDAGJSON mentioning %q", tt.in, v, err, tt.want)
			}
		})
	}
	for _, v := range []any{
		map[string]any{"/": "looks like a link"},
		map[string]any{"/": map[string]any{"bytes": "looks like bytes"}},
	} {
		if _, err := block.EncodeDAGJSON(v); !errors.Is(err, block.ErrDAGJSON) {
			t.Errorf("EncodeDAGJSON(%v) = %v, want ErrDAGJSON (it would read back as a link or bytes)", v, err)
		}
	}
	if _, err := block.EncodeDAGJSON(math.NaN()); !errors.Is(err, block.ErrNotEncodable) {
		t.Errorf("EncodeDAGJSON(NaN) = %v, want ErrNotEncodable", err)
	}
}

func TestDAGJSONDecodeForms(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{` { "b" : [ 1 , 2.5e0 ] , "a" : "\u00e9\ud83d\ude00\/\"" } `, map[string]any{"a": "é😀/\"", "b": []any{int64(1), 2.5}}},
		{"-0", int64(0)},
		{"1E2", 100.0},
		{"9223372036854775808", uint64(9223372036854775808)},
		{`{"/":{"bytes":""}}`, []byte{}},
		{`{"/":{"bytes":"AA","x":1}}`, map[string]any{"/": map[string]any{"bytes": "AA", "x": int64(1)}}},
	}
	for _, tt := range tests {
		got, err := block.DecodeDAGJSON([]byte(tt.in))
		if err != nil || !block.Equal(got, tt.want) {
			t.Errorf("DecodeDAGJSON(%s) = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
}

func TestEqual(t *testing.T) {
	c := block.Sum(nil)
	tests := []struct {
		a, b any
		want bool
	}{
		{nil, nil, true},
		{int64(5), uint64(5), true},
		{int64(5), big.NewInt(5), true},
		{int64(5), int64(6), false},
		{int64(1), 1.0, false},
		{0.0, math.Copysign(0, -1), false},
		{"a", "a", true},
		{"a", []byte("a"), false},
		{[]byte{}, []byte(nil), true},
		{c, c, true},
		{c, block.Sum([]byte{1}), false},
		{[]any{int64(1), "x"}, []any{int64(1), "x"}, true},
		{[]any{int64(1)}, []any{int64(1), nil}, false},
		{map[string]any{"a": nil}, map[string]any{"b": nil}, false},
		{map[string]any{"a": []any{c}}, map[string]any{"a": []any{c}}, true},
		{nil, false, false},
	}
	for _, tt := range tests {
		if got := block.Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%#v, %#v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
