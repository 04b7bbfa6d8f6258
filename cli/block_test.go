package cli_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store/block"
)

// runBlock runs jetdag with args and stdin, returning the exit code, stdout and stderr.
func runBlock(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func parseBlockResult(t *testing.T, out string) (string, []byte) {
	t.Helper()
	var r struct {
		CID      string `json:"cid"`
		BlockHex string `json:"block_hex"`
	}
	if strings.Count(out, "\n") != 1 {
		t.Fatalf("want one line, got %q", out)
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	data, err := hex.DecodeString(r.BlockHex)
	if err != nil {
		t.Fatal(err)
	}
	return r.CID, data
}

func TestBlockEncodeEvent(t *testing.T) {
	parent := block.Sum([]byte("p")).String()
	prev := block.Sum([]byte("q")).String()
	code, out, stderr := runBlock(t, "", "block", "encode", "event", "--aggregate", "acct-42", "--type", "Deposited",
		"--payload-hex", "7b22616d6f756e74223a3130307d", "--timestamp", "1700000000000000000")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	c, data := parseBlockResult(t, out)
	// The golden block of docs/format.md.
	if c != "bafyreig2b4mwq5vtumacplfxafvyq563o53slqacj76pxskuc7wt4h22yu" {
		t.Errorf("cid %s", c)
	}
	ev, err := block.DecodeEvent(data)
	if err != nil || ev.AggregateID != "acct-42" || string(ev.Payload) != `{"amount":100}` || ev.Timestamp != 1700000000000000000 {
		t.Fatalf("decoded %+v, %v", ev, err)
	}

	code, out, stderr = runBlock(t, "", "block", "encode", "event", "--aggregate", "a", "--type", "t",
		"--previous", prev, "--parent", parent, "--parent", prev)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	c, data = parseBlockResult(t, out)
	ev, err = block.DecodeEvent(data)
	if err != nil {
		t.Fatal(err)
	}
	if ev.PreviousCID.String() != prev || len(ev.ParentCIDs) != 2 || ev.ParentCIDs[0].String() != parent || ev.ParentCIDs[1].String() != prev {
		t.Errorf("links: %+v", ev)
	}
	if ev.Timestamp == 0 || len(ev.Payload) != 0 || block.Sum(data).String() != c {
		t.Errorf("defaults: timestamp %d, payload %x; cid %s", ev.Timestamp, ev.Payload, c)
	}
}

func TestBlockEncodeObject(t *testing.T) {
	link := block.Sum(nil).String()
	_, byHex, _ := runBlock(t, "", "block", "encode", "object", "--data-hex", "a2616101616282f5f6", "--timestamp", "5", "--previous", link)
	_, byJSON, _ := runBlock(t, "", "block", "encode", "object", "--data-json", `{"b":[true,null],"a":1}`, "--timestamp", "5", "--previous", link)
	if byHex == "" || byHex != byJSON {
		t.Fatalf("--data-hex gave %q, --data-json gave %q", byHex, byJSON)
	}
	_, data := parseBlockResult(t, byHex)
	obj, err := block.DecodeObject(data)
	if err != nil || obj.Timestamp != 5 || obj.PreviousCID.String() != link {
		t.Fatalf("decoded %+v, %v", obj, err)
	}
	if !block.Equal(obj.Data, map[string]any{"a": int64(1), "b": []any{true, nil}}) {
		t.Errorf("data %#v", obj.Data)
	}
}

func TestBlockDecode(t *testing.T) {
	_, out, _ := runBlock(t, "", "block", "encode", "event", "--aggregate", "acct-42", "--type", "Deposited",
		"--payload-hex", "7b22616d6f756e74223a3130307d", "--timestamp", "1700000000000000000")
	c, data := parseBlockResult(t, out)
	const want = `{"aggregate_id":"acct-42","event_type":"Deposited","parent_cids":[],"payload":{"/":{"bytes":"eyJhbW91bnQiOjEwMH0"}},"previous_cid":null,"timestamp":1700000000000000000}` + "\n"
	tests := []struct {
		name  string
		stdin string
		args  []string
	}{
		{"raw", string(data), nil},
		{"hex", hex.EncodeToString(data), []string{"--hex"}},
		{"hex with whitespace", " " + hex.EncodeToString(data[:10]) + "\n" + hex.EncodeToString(data[10:]) + "\n", []string{"--hex"}},
		{"matching --cid", string(data), []string{"--cid", c}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runBlock(t, tt.stdin, append([]string{"block", "decode"}, tt.args...)...)
			if code != 0 || out != want {
				t.Errorf("exit %d, stdout %q, stderr %q; want %q", code, out, stderr, want)
			}
		})
	}
}

func TestBlockExitCodes(t *testing.T) {
	other := block.Sum([]byte("other")).String()
	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stderr string
	}{
		{"missing aggregate", "", []string{"block", "encode", "event", "--type", "t"}, 2, "aggregate_id is empty"},
		{"257-byte type", "", []string{"block", "encode", "event", "--aggregate", "a", "--type", strings.Repeat("x", 257)}, 2, "event_type is 257 bytes"},
		{"bad payload hex", "", []string{"block", "encode", "event", "--aggregate", "a", "--type", "t", "--payload-hex", "zz"}, 2, "--payload-hex"},
		{"odd payload hex", "", []string{"block", "encode", "event", "--aggregate", "a", "--type", "t", "--payload-hex", "abc"}, 2, "--payload-hex"},
		{"CIDv0 previous", "", []string{"block", "encode", "event", "--aggregate", "a", "--type", "t", "--previous", "QmQg1v4o9xdT3Q14wh4S7dxZkDjyZ9ssFzFzyep1YrVJBY"}, 2, "--previous"},
		{"bad parent", "", []string{"block", "encode", "event", "--aggregate", "a", "--type", "t", "--parent", "bafynope"}, 2, "--parent"},
		{"bad timestamp", "", []string{"block", "encode", "event", "--aggregate", "a", "--type", "t", "--timestamp", "soon"}, 2, "timestamp"},
		{"unknown flag", "", []string{"block", "encode", "event", "--colour", "red"}, 2, "unknown flag"},
		{"extra argument", "", []string{"block", "decode", "file.cbor"}, 2, ""},
		{"object without data", "", []string{"block", "encode", "object"}, 2, "exactly one of"},
		{"object with both data flags", "", []string{"block", "encode", "object", "--data-hex", "01", "--data-json", "1"}, 2, "exactly one of"},
		{"object data not canonical", "", []string{"block", "encode", "object", "--data-hex", "1817"}, 2, block.RuleNonShortest},
		{"object data NaN", "", []string{"block", "encode", "object", "--data-hex", "fb7ff8000000000000"}, 2, block.RuleNaNOrInfinity},
		{"object bad DAG-JSON", "", []string{"block", "encode", "object", "--data-json", "{"}, 2, "--data-json"},
		{"decode bad hex", "xyz", []string{"block", "decode", "--hex"}, 2, "not hex"},
		{"decode empty", "", []string{"block", "decode"}, 2, "no block"},
		{"decode unsorted keys", "\xa2\x61\x62\x01\x61\x61\x02", []string{"block", "decode"}, 1, block.RuleUnsortedKeys},
		{"decode trailing bytes", "a000", []string{"block", "decode", "--hex"}, 1, block.RuleTrailingBytes},
		{"decode undefined", "f7", []string{"block", "decode", "--hex"}, 1, "undefined"},
		{"decode --cid mismatch", "a0", []string{"block", "decode", "--hex", "--cid", other}, 1, "does not hash"},
		{"decode bad --cid", "a0", []string{"block", "decode", "--hex", "--cid", "nope"}, 2, "--cid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runBlock(t, tt.stdin, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, tt.code, tt.stderr)
			}
			if out != "" && tt.code != 0 {
				t.Errorf("stdout %q on failure", out)
			}
		})
	}
}

func TestBlockHelp(t *testing.T) {
	for _, args := range [][]string{
		{"block", "--help"},
		{"block", "encode", "--help"},
		{"block", "encode", "event", "--help"},
		{"block", "encode", "object", "--help"},
		{"block", "decode", "--help"},
	} {
		code, out, _ := runBlock(t, "", args...)
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("%v: exit %d, output %q", args, code, out)
		}
	}
	_, out, _ := runBlock(t, "", "block", "encode", "event", "--help")
	for _, flag := range []string{"--aggregate", "--type", "--payload-hex", "--timestamp", "--previous", "--parent"} {
		if !strings.Contains(out, flag) {
			t.Errorf("event help lacks %s", flag)
		}
	}
}
