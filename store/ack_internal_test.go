package store

import (
	"encoding/json"
	"testing"
)

// plainAckSeq reads exactly the plain ack and leaves everything else to encoding/json.
func TestPlainAckSeq(t *testing.T) {
	for _, c := range []struct {
		in   string
		seq  uint64
		fast bool
	}{
		{`{"stream":"event-store","seq":1}`, 1, true},
		{`{"stream":"event-store","seq":9223372036854775807}`, 9223372036854775807, true},
		{`{"stream":"event-store","seq":7,"duplicate":true}`, 0, false},
		{`{"stream":"event-store","domain":"hub","seq":7}`, 0, false},
		{`{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 5"},"stream":"event-store","seq":0}`, 0, false},
		{`{"stream":"event-store","seq":0}`, 0, false},
		{`{"stream":"event-store","seq":}`, 0, false},
		{`{"stream":"event-store","seq":12a}`, 0, false},
		{`{"stream":"ev\"ent","seq":3}`, 0, false},
		{`{"stream":"event-store","seq":99999999999999999999}`, 0, false},
		{``, 0, false},
		{`{"stream":"`, 0, false},
	} {
		seq, ok := plainAckSeq([]byte(c.in))
		if ok != c.fast || seq != c.seq {
			t.Errorf("plainAckSeq(%s) = %d, %v; want %d, %v", c.in, seq, ok, c.seq, c.fast)
		}
		if !ok {
			continue
		}
		var ack struct {
			Seq uint64 `json:"seq"`
		}
		if err := json.Unmarshal([]byte(c.in), &ack); err != nil || ack.Seq != seq {
			t.Errorf("%s: encoding/json reads %d (%v), the fast path %d", c.in, ack.Seq, err, seq)
		}
	}
}
