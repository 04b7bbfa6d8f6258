package store

import (
	"errors"
	"strconv"
	"testing"

	"github.com/ipfs/go-cid"
)

func TestEscapeRoundTrip(t *testing.T) {
	cases := map[string]string{
		"order-1":      "order-1",
		"user@host:9":  "user@host:9",
		"a.b":          "a~2eb",
		"*":            "~2a",
		">":            "~3e",
		"with space":   "with~20space",
		"x/y":          "x~2fy",
		"tilde~":       "tilde~7e",
		"é":            "~c3~a9",
		"tab\tand\x7f": "tab~09and~7f",
		"A_Z-0:9@":     "A_Z-0:9@",
		"日本":           "~e6~97~a5~e6~9c~ac",
		"~2e":          "~7e2e",
		"trailing.":    "trailing~2e",
	}
	for in, want := range cases {
		got := EscapeToken(in)
		if got != want {
			t.Errorf("EscapeToken(%q) = %q, want %q", in, got, want)
		}
		back, err := UnescapeToken(got)
		if err != nil || back != in {
			t.Errorf("UnescapeToken(%q) = %q, %v; want %q", got, back, err, in)
		}
	}
}

func TestUnescapeRefuses(t *testing.T) {
	for _, tok := range []string{"", "~", "~2", "~zz", "~2E", "~41", "a.b", "a b", "é"} {
		if _, err := UnescapeToken(tok); !errors.Is(err, ErrBadToken) {
			t.Errorf("UnescapeToken(%q): %v, want ErrBadToken", tok, err)
		}
	}
}

func TestParseSubject(t *testing.T) {
	agg, typ, err := ParseSubject(SubjectFor("a.b c", "Type*"))
	if err != nil || agg != "a.b c" || typ != "Type*" {
		t.Fatalf("got %q %q %v", agg, typ, err)
	}
	for _, s := range []string{"event.store.a", "other.a.b", "event.store.a.b.c", "event.store.~zz.b"} {
		if _, _, err := ParseSubject(s); err == nil {
			t.Errorf("ParseSubject(%q) accepted", s)
		}
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"a", "a.b", "~", "日本", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok := EscapeToken(s)
		back, err := UnescapeToken(tok)
		if s == "" {
			return
		}
		if err != nil || back != s {
			t.Fatalf("round trip %q -> %q -> %q, %v", s, tok, back, err)
		}
		for i := 0; i < len(tok); i++ {
			if tok[i] == '.' || tok[i] == '*' || tok[i] == '>' || tok[i] <= ' ' || tok[i] >= 0x7f {
				t.Fatalf("token %q has byte %q", tok, tok[i])
			}
		}
	})
}

func TestAppendCIDString(t *testing.T) {
	for i := range 50 {
		c := cidOfKey(digestKey{byte(i), byte(i * 7), 0xff})
		if got := string(appendCIDString(nil, c)); got != c.String() || len(got) != cidStringLen {
			t.Fatalf("appendCIDString = %q, want %q", got, c.String())
		}
	}
	if !subjectIs("event.store.a.b", "a", "b") || subjectIs("event.store.a.bc", "a", "b") ||
		subjectIs("event.store.ab", "a", "b") || !subjectIs(SubjectFor("a.b", "c d"), "a.b", "c d") {
		t.Fatal("subjectIs")
	}
}

// A bounded verifier forgets old events but still checks parents through its lookup.
func TestBoundedVerifier(t *testing.T) {
	ms := NewMemoryEvents()
	ctx := t.Context()
	var evs []*StoredEvent
	for i := range 10 {
		var parents []cid.Cid
		if i > 0 {
			parents = []cid.Cid{evs[0].CID}
		}
		ev, err := ms.Append(ctx, "agg-"+strconv.Itoa(i), "E", nil, parents...)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	lookups := 0
	v := NewBoundedVerifier(3, func(c cid.Cid) (uint64, bool, error) {
		lookups++
		if c.Equals(evs[0].CID) {
			return 1, true, nil
		}
		return 0, false, nil
	})
	for i, msg := range ms.msgs {
		if _, err := v.Check(uint64(i+1), msg.Subject, msg.Header, msg.Data); err != nil {
			t.Fatalf("seq %d: %v", i+1, err)
		}
		if len(v.seqs) > 3 {
			t.Fatalf("remembers %d events, bound 3", len(v.seqs))
		}
	}
	if lookups == 0 {
		t.Fatal("the forgotten parent was never looked up")
	}
}
