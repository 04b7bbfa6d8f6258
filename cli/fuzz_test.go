package cli

// Fuzz targets for what users type: CID arguments (parseCIDArg, the parser behind every
// command that takes a CID) and names (aggregate IDs and event types, through a whole
// in-process run of `block encode event`, which needs no server). `make fuzz` runs both.

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
)

// maxMessage bounds an error message about one argument, however long the argument.
const maxMessage = 2*maxEcho + 200

func FuzzCIDArg(f *testing.F) {
	ev := block.Sum([]byte("seed")).String()
	for _, s := range []string{
		"", "b", ev, strings.ToUpper(ev), " " + ev, ev + "\n", ev[:20], "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",
		"zdj7WWeQ43G6JJvLWQWZpyHuAMq6uYWRjkBXFad11vE2LHhQ7", "bafkqaaa", "\xff", "b\x00", strings.Repeat("b", 300),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCIDArg("CID", s)
		d, derr := cid.Decode(s)
		canonical := derr == nil && d.Version() == 1 && d.String() == s
		if (err == nil) != canonical {
			t.Fatalf("parseCIDArg(%q) = %v, %v; go-cid says canonical=%v (%v)", s, c, err, canonical, derr)
		}
		if err == nil {
			if c.String() != s {
				t.Fatalf("parseCIDArg(%q) prints as %s", s, c)
			}
			return
		}
		var ee *ExitError
		if !errors.As(err, &ee) || ee.Code != ExitBadInput {
			t.Fatalf("parseCIDArg(%q): %v is not bad input", s, err)
		}
		msg := clipWords(err.Error())
		if len(msg) > maxMessage || !utf8.ValidString(msg) {
			t.Fatalf("message of %d bytes (valid UTF-8: %v): %.200q", len(msg), utf8.ValidString(msg), msg)
		}
		if cl := clip(s); len(cl) > maxEcho+30 || (utf8.ValidString(s) && !utf8.ValidString(cl)) {
			t.Fatalf("clip(%q) = %q", s, cl)
		}
	})
}

func FuzzNameArgs(f *testing.F) {
	for _, s := range [][2]string{
		{"order-1", "Created"}, {"", "T"}, {" a", "T"}, {"a ", "T"}, {"a\tb", "T"}, {"a", "\x00"}, {"a\r", "T"},
		{"é", "\u2028"}, {"\xff", "T"}, {strings.Repeat("a", 256), "T"}, {strings.Repeat("a", 257), "T"},
		{"a.b*c>d", "%2F"}, {"-x", "--type"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, agg, typ string) {
		var out, errb bytes.Buffer
		code := Run(context.Background(), []string{"block", "encode", "event", "--aggregate=" + agg, "--type=" + typ, "--timestamp=1"},
			strings.NewReader(""), &out, &errb)
		valid := store.ValidateName("--aggregate", agg) == nil && store.ValidateName("--type", typ) == nil
		switch {
		case code == ExitOK && valid:
			var res struct {
				BlockHex string `json:"block_hex"`
			}
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatalf("output %q: %v", out.String(), err)
			}
			data, err := hex.DecodeString(res.BlockHex)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := block.DecodeEvent(data)
			if err != nil || ev.AggregateID != agg || ev.EventType != typ {
				t.Fatalf("block of (%q, %q) decodes to %+v, %v", agg, typ, ev, err)
			}
			a, ty, err := store.ParseSubject(store.SubjectFor(agg, typ))
			if err != nil || a != agg || ty != typ {
				t.Fatalf("subject of (%q, %q) parses to (%q, %q), %v", agg, typ, a, ty, err)
			}
		case code == ExitBadInput && !valid:
			if errb.Len() > maxMessage {
				t.Fatalf("%d bytes on stderr: %.200q", errb.Len(), errb.String())
			}
		default:
			t.Fatalf("block encode (%q, %q): exit %d, but append's rule says valid=%v\n%s", agg, typ, code, valid, errb.String())
		}
	})
}
