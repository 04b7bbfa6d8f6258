package block

import (
	"math"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
)

// TestDecodeEventFastPath checks that canonical events never need the generic fallback, which
// would hide a fast-path bug behind a correct but slower answer.
func TestDecodeEventFastPath(t *testing.T) {
	a, b := Sum([]byte("a")), SumCodec(CodecRaw, nil)
	events := []Event{
		{AggregateID: "a", EventType: "t"},
		{AggregateID: "a", EventType: "t", Payload: []byte("p"), PreviousCID: a, ParentCIDs: []cid.Cid{a, b}, Timestamp: -5},
		{AggregateID: strings.Repeat("z", 256), EventType: "t", Payload: make([]byte, 1<<16), Timestamp: math.MinInt64},
		{AggregateID: "a", EventType: "t", ParentCIDs: make([]cid.Cid, 0), Timestamp: math.MaxInt64},
	}
	for i, ev := range events {
		data, _, err := ev.Block()
		if err != nil {
			t.Fatal(err)
		}
		got, ok := decodeEventFast(data)
		if !ok {
			t.Fatalf("event %d: fast path gave up on a canonical block", i)
		}
		if got.AggregateID != ev.AggregateID || got.Timestamp != ev.Timestamp || len(got.ParentCIDs) != len(ev.ParentCIDs) || got.PreviousCID != ev.PreviousCID {
			t.Errorf("event %d: fast path decoded %+v", i, got)
		}
	}
}
