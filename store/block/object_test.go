package block_test

import (
	"bytes"
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/jetdag/jetdag/store/block"
)

func TestObjectBlock(t *testing.T) {
	file := block.SumCodec(block.CodecRaw, []byte("file content"))
	huge, _ := new(big.Int).SetString("-18446744073709551616", 10)
	tests := []struct {
		name string
		obj  block.Object
	}{
		{"null data", block.Object{Timestamp: 1}},
		{"file link", block.Object{Data: file, Timestamp: 1700000000000000000}},
		{"structured", block.Object{Data: map[string]any{"name": "report", "tags": []any{"a", "b"}, "size": int64(12)}, PreviousCID: block.Sum(nil), Timestamp: 2}},
		{"integer extremes", block.Object{Data: []any{uint64(math.MaxUint64), huge, int64(math.MinInt64)}, Timestamp: -1}},
		{"bytes and floats", block.Object{Data: map[string]any{"raw": []byte{0, 1}, "f": 0.1}, Timestamp: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, c, err := tt.obj.Block()
			if err != nil {
				t.Fatal(err)
			}
			var prev any
			if tt.obj.PreviousCID.Defined() {
				prev = tt.obj.PreviousCID
			}
			generic, err := block.Encode(map[string]any{"data": tt.obj.Data, "timestamp": tt.obj.Timestamp, "previous_cid": prev})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, generic) {
				t.Fatalf("Block differs from Encode:\n got %x\nwant %x", data, generic)
			}
			if c != block.Sum(data) {
				t.Errorf("CID %s is not Sum of the block", c)
			}
			back, err := block.DecodeObject(data)
			if err != nil {
				t.Fatal(err)
			}
			if back.Timestamp != tt.obj.Timestamp || back.PreviousCID != tt.obj.PreviousCID || !block.Equal(back.Data, tt.obj.Data) {
				t.Errorf("DecodeObject = %+v, want %+v", back, tt.obj)
			}
		})
	}
}

func TestObjectRejects(t *testing.T) {
	_, _, err := (&block.Object{Data: map[string]any{"x": math.Inf(1)}}).Block()
	if !errors.Is(err, block.ErrInvalidObject) || !errors.Is(err, block.ErrNotEncodable) || !strings.Contains(err.Error(), "value.x") {
		t.Errorf("Block of +Inf data: %v, want ErrInvalidObject and ErrNotEncodable naming value.x", err)
	}
	tests := []struct {
		name  string
		value any
		want  string
	}{
		{"not a map", "text", "block is a string, not a map"},
		{"missing data", map[string]any{"timestamp": 1, "previous_cid": nil}, `missing key "data"`},
		{"extra key", map[string]any{"data": 1, "timestamp": 1, "previous_cid": nil, "zz": 1}, `unexpected key "zz"`},
		{"timestamp as string", map[string]any{"data": 1, "timestamp": "now", "previous_cid": nil}, "timestamp is a string, want int"},
		{"previous as bytes", map[string]any{"data": 1, "timestamp": 1, "previous_cid": []byte{1}}, "previous_cid is a bytes, want a link or null"},
		{"event block", map[string]any{"payload": []byte{}, "timestamp": 1, "event_type": "t", "parent_cids": []any{}, "aggregate_id": "a", "previous_cid": nil}, `missing key "data"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := block.Encode(tt.value)
			if err != nil {
				t.Fatal(err)
			}
			_, err = block.DecodeObject(data)
			if !errors.Is(err, block.ErrInvalidObject) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want ErrInvalidObject mentioning %q", err, tt.want)
			}
		})
	}
	if _, err := block.DecodeObject([]byte{0xa3}); !errors.Is(err, block.ErrNotCanonical) {
		t.Errorf("truncated object: %v, want ErrNotCanonical", err)
	}
}
