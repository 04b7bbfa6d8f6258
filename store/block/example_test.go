package block_test

import (
	"errors"
	"fmt"

	"github.com/jetdag/jetdag/store/block"
)

// An event's block and CID; the same bytes and CID come out of any DAG-CBOR implementation.
func ExampleEvent_Block() {
	ev := block.Event{
		AggregateID: "acct-42",
		EventType:   "Deposited",
		Payload:     []byte(`{"amount":100}`),
		Timestamp:   1700000000000000000,
	}
	data, c, err := ev.Block()
	if err != nil {
		panic(err)
	}
	fmt.Println(len(data), "bytes")
	fmt.Println(c)
	// Output:
	// 112 bytes
	// bafyreig2b4mwq5vtumacplfxafvyq563o53slqacj76pxskuc7wt4h22yu
}

// Reading a block back: verify it against its CID, then decode it strictly.
func ExampleDecodeEvent() {
	ev := block.Event{AggregateID: "acct-42", EventType: "Opened", Timestamp: 1}
	data, c, _ := ev.Block()

	if err := block.Verify(c, data); err != nil {
		panic(err)
	}
	back, err := block.DecodeEvent(data)
	if err != nil {
		panic(err)
	}
	fmt.Println(back.AggregateID, back.EventType, back.PreviousCID.Defined())
	// Output: acct-42 Opened false
}

// A non-canonical block is refused with the rule it breaks and where.
func ExampleDecode_strict() {
	_, err := block.Decode([]byte{0xa2, 0x61, 'b', 0x01, 0x61, 'a', 0x02}) // {"b":1,"a":2}
	fmt.Println(err)

	var se *block.StrictError
	if errors.As(err, &se) {
		fmt.Println(se.Rule == block.RuleUnsortedKeys, se.Offset)
	}
	// Output:
	// dag-cbor: map keys not sorted length-first then bytewise at byte 4: key "a" after "b"
	// true 4
}

// Any data-model value as DAG-JSON, the form `jetdag block decode` prints.
func ExampleEncodeDAGJSON() {
	v := map[string]any{
		"name": "report",
		"size": uint64(18446744073709551615),
		"raw":  []byte("hi"),
		"file": block.SumCodec(block.CodecRaw, nil),
		"f":    2.0,
	}
	js, err := block.EncodeDAGJSON(v)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(js))
	// Output: {"f":2.0,"file":{"/":"bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"},"name":"report","raw":{"/":{"bytes":"aGk"}},"size":18446744073709551615}
}

// Only the canonical CID string is accepted.
func ExampleParseCID() {
	_, err := block.ParseCID("QmQg1v4o9xdT3Q14wh4S7dxZkDjyZ9ssFzFzyep1YrVJBY")
	fmt.Println(errors.Is(err, block.ErrBadCID))
	c, err := block.ParseCID("bafyreig2b4mwq5vtumacplfxafvyq563o53slqacj76pxskuc7wt4h22yu")
	fmt.Println(c.Prefix().Codec == block.CodecDagCBOR, err)
	// Output:
	// true
	// true <nil>
}
