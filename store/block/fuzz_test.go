package block_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/jetdag/jetdag/store/block"
)

// wellformed is an independent CBOR decoder (fxamacker/cbor) with the limits DAG-CBOR implies;
// anything Decode accepts must be well-formed to it too.
var wellformed = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		MaxNestedLevels:  block.MaxDepth + 2,
		MaxArrayElements: 1 << 27,
		MaxMapPairs:      1 << 27,
		IndefLength:      cbor.IndefLengthForbidden,
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		UTF8:             cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

// FuzzDecode feeds arbitrary bytes to every decoder: none may panic; whatever Decode accepts
// must re-encode to the same bytes, be well-formed CBOR to fxamacker/cbor and survive a
// DAG-JSON round trip; whatever DecodeEvent or DecodeObject accepts must re-encode to the same
// bytes through Event.Block or Object.Block.
func FuzzDecode(f *testing.F) {
	for _, fx := range loadFixtures(f) {
		f.Add(fx.cbor)
	}
	for _, ev := range sampleEvents() {
		data, _, err := ev.Block()
		if err != nil {
			f.Fatal(err)
		}
		if len(data) <= 4096 { // large seeds make the fuzzer spend its time minimising them
			f.Add(data)
		}
	}
	obj, _, _ := (&block.Object{Data: map[string]any{"k": []any{1.5, "v"}}, PreviousCID: block.Sum(nil), Timestamp: 7}).Block()
	f.Add(obj)
	for _, h := range []string{"", "ff", "9b1000000000000000", "a2616201616102", "d82a4100", "f97e00", "5f4161ff"} {
		f.Add(unhex(f, h))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := block.Decode(data)
		if err != nil {
			var se *block.StrictError
			if !errors.As(err, &se) || !errors.Is(err, block.ErrNotCanonical) {
				t.Fatalf("Decode error %v is not a *StrictError", err)
			}
		} else {
			again, err := block.Encode(v)
			if err != nil {
				t.Fatalf("Decode accepted %x but Encode refuses its value: %v", data, err)
			}
			if !bytes.Equal(again, data) {
				t.Fatalf("Decode accepted %x, which re-encodes to %x", data, again)
			}
			if err := wellformed.Wellformed(data); err != nil {
				t.Fatalf("Decode accepted %x, which fxamacker/cbor finds malformed: %v", data, err)
			}
			js, err := block.EncodeDAGJSON(v)
			if err == nil {
				back, err := block.DecodeDAGJSON(js)
				if err != nil || !block.Equal(back, v) {
					t.Fatalf("DAG-JSON round trip of %x via %s: %v", data, js, err)
				}
			} else if !errors.Is(err, block.ErrDAGJSON) {
				t.Fatalf("EncodeDAGJSON of a decoded value: %v", err)
			}
		}

		if ev, err := block.DecodeEvent(data); err == nil {
			again, _, err := ev.Block()
			if err != nil || !bytes.Equal(again, data) {
				t.Fatalf("DecodeEvent accepted %x; Block gives %x, %v", data, again, err)
			}
		} else if !errors.Is(err, block.ErrNotCanonical) && !errors.Is(err, block.ErrInvalidEvent) {
			t.Fatalf("DecodeEvent error %v wraps neither ErrNotCanonical nor ErrInvalidEvent", err)
		}

		if obj, err := block.DecodeObject(data); err == nil {
			again, _, err := obj.Block()
			if err != nil || !bytes.Equal(again, data) {
				t.Fatalf("DecodeObject accepted %x; Block gives %x, %v", data, again, err)
			}
		} else if !errors.Is(err, block.ErrNotCanonical) && !errors.Is(err, block.ErrInvalidObject) {
			t.Fatalf("DecodeObject error %v wraps neither ErrNotCanonical nor ErrInvalidObject", err)
		}
	})
}
