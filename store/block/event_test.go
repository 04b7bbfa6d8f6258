package block_test

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store/block"
)

// eventMap is the generic data-model form of an event, for holding the fast path to Encode.
func eventMap(e *block.Event) map[string]any {
	parents := make([]any, len(e.ParentCIDs))
	for i, p := range e.ParentCIDs {
		parents[i] = p
	}
	var prev any
	if e.PreviousCID.Defined() {
		prev = e.PreviousCID
	}
	return map[string]any{
		"aggregate_id": e.AggregateID,
		"event_type":   e.EventType,
		"parent_cids":  parents,
		"payload":      e.Payload,
		"previous_cid": prev,
		"timestamp":    e.Timestamp,
	}
}

func sampleEvents() map[string]*block.Event {
	a := block.Sum([]byte("a"))
	b := block.SumCodec(block.CodecRaw, []byte("b"))
	many := make([]cid.Cid, 30)
	for i := range many {
		many[i] = block.Sum([]byte{byte(i)})
	}
	return map[string]*block.Event{
		"first event":          {AggregateID: "acct-42", EventType: "Opened", Timestamp: 1},
		"with previous":        {AggregateID: "acct-42", EventType: "Deposited", Payload: []byte(`{"amount":100}`), PreviousCID: a, Timestamp: 1700000000000000000},
		"with parents":         {AggregateID: "order:7", EventType: "Shipped", ParentCIDs: []cid.Cid{a, b}, PreviousCID: a, Timestamp: 5},
		"30 parents":           {AggregateID: "x", EventType: "y", ParentCIDs: many, Timestamp: 24},
		"negative timestamp":   {AggregateID: "x", EventType: "y", Timestamp: -1700000000000000000},
		"MinInt64 timestamp":   {AggregateID: "x", EventType: "y", Timestamp: math.MinInt64},
		"MaxInt64 timestamp":   {AggregateID: "x", EventType: "y", Timestamp: math.MaxInt64},
		"unicode identifiers":  {AggregateID: "Čaues ßvěte 水", EventType: "Grüße", Timestamp: 23},
		"256-byte identifiers": {AggregateID: strings.Repeat("a", 256), EventType: strings.Repeat("é", 128), Timestamp: 255},
		"24-byte identifiers":  {AggregateID: strings.Repeat("a", 24), EventType: strings.Repeat("b", 23), Timestamp: 256},
		"300-byte payload":     {AggregateID: "x", EventType: "y", Payload: bytes.Repeat([]byte{7}, 300), Timestamp: 65536},
		"70000-byte payload":   {AggregateID: "x", EventType: "y", Payload: bytes.Repeat([]byte{7}, 70000), Timestamp: 1 << 32},
		"CIDv0 parent":         {AggregateID: "x", EventType: "y", ParentCIDs: []cid.Cid{cid.MustParse("QmQg1v4o9xdT3Q14wh4S7dxZkDjyZ9ssFzFzyep1YrVJBY")}, Timestamp: 9},
	}
}

// TestEventBlock holds the hand-written encoder to the generic one, byte for byte, and checks
// the CID, EncodedLen, AppendBlock and the round trip through DecodeEvent.
func TestEventBlock(t *testing.T) {
	for name, ev := range sampleEvents() {
		t.Run(name, func(t *testing.T) {
			data, c, err := ev.Block()
			if err != nil {
				t.Fatal(err)
			}
			generic, err := block.Encode(eventMap(ev))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, generic) {
				t.Fatalf("fast path differs from Encode:\nfast    %x\ngeneric %x", data, generic)
			}
			if len(data) != ev.EncodedLen() {
				t.Errorf("EncodedLen = %d, block is %d bytes", ev.EncodedLen(), len(data))
			}
			if c != block.Sum(data) || block.Verify(c, data) != nil {
				t.Errorf("CID %s does not verify", c)
			}
			prefix := []byte("prefix")
			appended, c2, err := ev.AppendBlock(prefix)
			if err != nil || c2 != c || !bytes.Equal(appended[len(prefix):], data) || string(appended[:len(prefix)]) != "prefix" {
				t.Errorf("AppendBlock gave %s, %v and different bytes", c2, err)
			}
			back, err := block.DecodeEvent(data)
			if err != nil {
				t.Fatal(err)
			}
			want := *ev
			if len(want.Payload) == 0 {
				want.Payload = nil
			}
			if !reflect.DeepEqual(*back, want) {
				t.Errorf("DecodeEvent = %+v, want %+v", back, want)
			}
		})
	}
}

// TestEventWireOrder checks FORMAT.md's canonical key order literally.
func TestEventWireOrder(t *testing.T) {
	data, _, err := (&block.Event{AggregateID: "a", EventType: "t", Timestamp: 1}).Block()
	if err != nil {
		t.Fatal(err)
	}
	order := []string{"payload", "timestamp", "event_type", "parent_cids", "aggregate_id", "previous_cid"}
	last := -1
	for _, k := range order {
		i := bytes.Index(data, []byte(k))
		if i <= last {
			t.Fatalf("key %q at %d, not after the previous key at %d", k, i, last)
		}
		last = i
	}
}

const goldenCID = "bafyreig2b4mwq5vtumacplfxafvyq563o53slqacj76pxskuc7wt4h22yu"

// TestEventGolden pins one block byte for byte: docs/format.md walks through it.
func TestEventGolden(t *testing.T) {
	ev := block.Event{AggregateID: "acct-42", EventType: "Deposited", Payload: []byte(`{"amount":100}`), Timestamp: 1700000000000000000}
	data, c, err := ev.Block()
	if err != nil {
		t.Fatal(err)
	}
	const wantHex = "a6" +
		"677061796c6f6164" + "4e" + "7b22616d6f756e74223a3130307d" +
		"6974696d657374616d70" + "1b17979cfe362a0000" +
		"6a6576656e745f74797065" + "694465706f7369746564" +
		"6b706172656e745f63696473" + "80" +
		"6c6167677265676174655f6964" + "67616363742d3432" +
		"6c70726576696f75735f636964" + "f6"
	if got := unhex(t, wantHex); !bytes.Equal(data, got) {
		t.Fatalf("block\n got %x\nwant %x", data, got)
	}
	if c.String() != goldenCID {
		t.Errorf("CID = %s, want %s", c, goldenCID)
	}
}

func TestEventValidate(t *testing.T) {
	tests := []struct {
		name string
		ev   block.Event
		want string
	}{
		{"empty aggregate", block.Event{EventType: "t"}, "aggregate_id is empty"},
		{"empty type", block.Event{AggregateID: "a"}, "event_type is empty"},
		{"257-byte aggregate", block.Event{AggregateID: strings.Repeat("a", 257), EventType: "t"}, "aggregate_id is 257 bytes"},
		{"257-byte type", block.Event{AggregateID: "a", EventType: strings.Repeat("é", 128) + "x"}, "event_type is 257 bytes"},
		{"invalid UTF-8 aggregate", block.Event{AggregateID: "a\xff", EventType: "t"}, "aggregate_id is not valid UTF-8"},
		{"invalid UTF-8 type", block.Event{AggregateID: "a", EventType: "\xc3("}, "event_type is not valid UTF-8"},
		{"undefined parent", block.Event{AggregateID: "a", EventType: "t", ParentCIDs: []cid.Cid{block.Sum(nil), cid.Undef}}, "parent_cids[1] is an undefined CID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, err := range []error{tt.ev.Validate(), second(tt.ev.Block()), second(tt.ev.AppendBlock(nil))} {
				if !errors.Is(err, block.ErrInvalidEvent) || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error %v, want ErrInvalidEvent mentioning %q", err, tt.want)
				}
			}
		})
	}
}

func second[A, B any](_ A, _ B, err error) error { return err }

// TestDecodeEventRejects covers blocks that are canonical DAG-CBOR but not events, and events
// that are not canonical.
func TestDecodeEventRejects(t *testing.T) {
	good := eventMap(&block.Event{AggregateID: "a", EventType: "t", PreviousCID: block.Sum(nil), Timestamp: 1})
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for key, val := range good {
			m[key] = val
		}
		if v == nil && k != "previous_cid" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name  string
		value any
		want  string
	}{
		{"a list", []any{int64(1)}, "block is a list, not a map"},
		{"missing payload", with("payload", nil), `missing key "payload"`},
		{"missing previous_cid", func() map[string]any { m := with("x", 1); delete(m, "x"); delete(m, "previous_cid"); return m }(), `missing key "previous_cid"`},
		{"extra key", with("extra", int64(1)), `unexpected key "extra"`},
		{"payload as string", with("payload", "text"), "payload is a string, want bytes"},
		{"timestamp as float", with("timestamp", 1.5), "timestamp is a float, want int"},
		{"timestamp beyond int64", with("timestamp", uint64(math.MaxInt64)+1), "outside the int64 range"},
		{"event_type as bytes", with("event_type", []byte("t")), "event_type is a bytes, want string"},
		{"empty aggregate", with("aggregate_id", ""), "aggregate_id is empty"},
		{"parents not a list", with("parent_cids", block.Sum(nil)), "parent_cids is a link, want list of links"},
		{"parent not a link", with("parent_cids", []any{"bafy"}), "parent_cids[0] is a string, want a link"},
		{"previous as string", with("previous_cid", "bafy"), "previous_cid is a string, want a link or null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := block.Encode(tt.value)
			if err != nil {
				t.Fatal(err)
			}
			_, err = block.DecodeEvent(data)
			if !errors.Is(err, block.ErrInvalidEvent) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want ErrInvalidEvent mentioning %q", err, tt.want)
			}
		})
	}

	data, _, err := (&block.Event{AggregateID: "a", EventType: "t", Timestamp: 1}).Block()
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"trailing byte":          append(bytes.Clone(data), 0),
		"truncated":              data[:len(data)-1],
		"timestamp non-shortest": bytes.Replace(bytes.Clone(data), []byte("timestamp\x01"), []byte("timestamp\x18\x01"), 1),
	} {
		_, err := block.DecodeEvent(bad)
		var se *block.StrictError
		if !errors.Is(err, block.ErrNotCanonical) || !errors.As(err, &se) || errors.Is(err, block.ErrInvalidEvent) {
			t.Errorf("%s: error %v, want only ErrNotCanonical", name, err)
		}
	}
}

// TestEventAllocs holds Block to its budget of three allocations (it makes two: the block
// and the CID) and AppendBlock into a large enough buffer to one.
func TestEventAllocs(t *testing.T) {
	ev := block.Event{AggregateID: "acct-42", EventType: "Deposited", Payload: make([]byte, 4096),
		ParentCIDs: []cid.Cid{block.Sum(nil)}, PreviousCID: block.Sum([]byte("x")), Timestamp: 1}
	if n := testing.AllocsPerRun(100, func() { _, _, _ = ev.Block() }); n > 2 {
		t.Errorf("Block: %.0f allocations, want 2 (the budget is 3)", n)
	}
	buf := make([]byte, 0, 2*ev.EncodedLen())
	if n := testing.AllocsPerRun(100, func() { _, _, _ = ev.AppendBlock(buf[:0]) }); n > 1 {
		t.Errorf("AppendBlock into spare capacity: %.0f allocations, want 1 (the CID)", n)
	}
}
