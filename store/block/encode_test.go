package block_test

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store/block"
)

type label string

func TestEncode(t *testing.T) {
	link := block.Sum(nil)
	minus2to64, _ := new(big.Int).SetString("-18446744073709551616", 10)
	tests := []struct {
		name string
		in   any
		hex  string
	}{
		{"nil", nil, "f6"},
		{"int", 500, "19 01f4"},
		{"int8", int8(-100), "38 63"},
		{"uint32", uint32(65536), "1a 00010000"},
		{"uint64 max", uint64(math.MaxUint64), "1b ffffffffffffffff"},
		{"*big.Int -2^64", minus2to64, "3b ffffffffffffffff"},
		{"*big.Int small", big.NewInt(-3), "22"},
		{"*big.Int 2^64-1", new(big.Int).SetUint64(math.MaxUint64), "1b ffffffffffffffff"},
		{"float64 stays 64-bit", 1.5, "fb 3ff8000000000000"},
		{"whole float stays a float", 2.0, "fb 4000000000000000"},
		{"nil []byte is empty bytes", []byte(nil), "40"},
		{"nil []any is an empty list", []any(nil), "80"},
		{"[]string", []string{"a", "b"}, "82 6161 6162"},
		{"named string", label("x"), "61 78"},
		{"map[string]int sorted length-first", map[string]int{"bb": 2, "a": 1, "c": 3}, "a3 6161 01 6163 03 626262 02"},
		{"[]cid.Cid", []cid.Cid{link}, "81 d82a 5825 00" + hexOf(link.Bytes())},
		{"nested typed", map[string][]int{"k": {1}}, "a1 616b 81 01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := block.Encode(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, tt.hex); string(got) != string(want) {
				t.Fatalf("got %x, want %x", got, want)
			}
			if _, err := block.Decode(got); err != nil {
				t.Errorf("Decode of Encode output: %v", err)
			}
		})
	}
}

func TestEncodeRejects(t *testing.T) {
	tooBig, _ := new(big.Int).SetString("18446744073709551616", 10)
	tooSmall, _ := new(big.Int).SetString("-18446744073709551617", 10)
	deep := any([]any{})
	for range block.MaxDepth {
		deep = []any{deep}
	}
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"NaN", math.NaN(), "value: NaN"},
		{"+Inf deep inside", map[string]any{"a": []any{1, math.Inf(1)}}, "value.a[1]: +Inf"},
		{"-Inf", math.Inf(-1), "-Inf"},
		{"float32", float32(1), "float32"},
		{"struct", struct{ A int }{1}, "not a data-model type"},
		{"pointer", new(int), "not a data-model type"},
		{"int-keyed map", map[int]string{1: "a"}, "map keyed by int"},
		{"invalid UTF-8 string", "\xff", "not valid UTF-8"},
		{"invalid UTF-8 key", map[string]any{"\xff": 1}, "not valid UTF-8"},
		{"undefined CID", cid.Undef, "undefined CID"},
		{"2^64", tooBig, "outside the DAG-CBOR range"},
		{"-2^64-1", tooSmall, "outside the DAG-CBOR range"},
		{"nil *big.Int", (*big.Int)(nil), "nil *big.Int"},
		{"deeper than MaxDepth", deep, "MaxDepth"},
		{"channel", make(chan int), "not a data-model type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := block.Encode(tt.in)
			if !errors.Is(err, block.ErrNotEncodable) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want ErrNotEncodable mentioning %q", err, tt.want)
			}
		})
	}
}
