package block_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	mbase "github.com/multiformats/go-multibase"
	mh "github.com/multiformats/go-multihash"

	"github.com/jetdag/jetdag/store/block"
)

func TestSum(t *testing.T) {
	tests := []struct {
		codec uint64
		data  string
		want  string
	}{
		// The empty file's content CID, as IPFS's unixfs-v1-2025 profile writes it (NOTES.md).
		{block.CodecRaw, "", "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"},
		{block.CodecDagCBOR, "\xa0", "bafyreigbtj4x7ip5legnfznufuopl4sg4knzc2cof6duas4b3q2fy6swua"},
	}
	for _, tt := range tests {
		got := block.SumCodec(tt.codec, []byte(tt.data))
		if got.String() != tt.want {
			t.Errorf("SumCodec(0x%x, %q) = %s, want %s", tt.codec, tt.data, got, tt.want)
		}
		// Against go-cid's own construction.
		ref, err := cid.Prefix{Version: 1, Codec: tt.codec, MhType: mh.SHA2_256, MhLength: -1}.Sum([]byte(tt.data))
		if err != nil || ref != got {
			t.Errorf("go-cid gives %s (%v), Sum gives %s", ref, err, got)
		}
	}
	if block.Sum([]byte("\xa0")) != block.SumCodec(block.CodecDagCBOR, []byte("\xa0")) {
		t.Error("Sum is not SumCodec(CodecDagCBOR)")
	}
}

func TestVerify(t *testing.T) {
	data := []byte("\xa1\x61\x61\x01")
	good := block.Sum(data)
	sha512, _ := cid.Prefix{Version: 1, Codec: block.CodecDagCBOR, MhType: mh.SHA2_512, MhLength: -1}.Sum(data)
	dagJSON := block.SumCodec(0x0129, data)
	v0, _ := cid.Prefix{Version: 0, Codec: block.CodecDagPB, MhType: mh.SHA2_256, MhLength: -1}.Sum(data)
	tests := []struct {
		name string
		c    cid.Cid
		data []byte
		want error
	}{
		{"match", good, data, nil},
		{"raw codec match", block.SumCodec(block.CodecRaw, data), data, nil},
		{"CIDv0 match", v0, data, nil},
		{"one byte changed", good, []byte("\xa1\x61\x62\x01"), block.ErrCIDMismatch},
		{"empty data", good, nil, block.ErrCIDMismatch},
		{"sha2-512", sha512, data, block.ErrUnsupportedCID},
		{"dag-json codec", dagJSON, data, block.ErrUnsupportedCID},
		{"undefined", cid.Undef, data, block.ErrUnsupportedCID},
	}
	for _, tt := range tests {
		err := block.Verify(tt.c, tt.data)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%s: Verify = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestParseCID(t *testing.T) {
	good := block.Sum([]byte("x"))
	s := good.String()
	b58, _ := good.StringOfBase(mbase.Base58BTC)
	b36, _ := good.StringOfBase(mbase.Base36)
	tests := []struct {
		in string
		ok bool
	}{
		{s, true},
		{"bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", true},
		{"", false},
		{"b", false},
		{strings.ToUpper(s), false}, // base32 upper ("B…")
		{"b" + strings.ToUpper(s[1:]), false},
		{b58, false}, // base58btc CIDv1 ("z…")
		{b36, false}, // base36 ("k…")
		{"QmQg1v4o9xdT3Q14wh4S7dxZkDjyZ9ssFzFzyep1YrVJBY", false}, // CIDv0
		{s[:len(s)-1], false}, // cut short
		{s + "a", false},      // one character too many
		{" " + s, false},
		{s + "\n", false},
		{"bafyreigarbage!", false},
	}
	for _, tt := range tests {
		c, err := block.ParseCID(tt.in)
		switch {
		case tt.ok && (err != nil || c.String() != tt.in):
			t.Errorf("ParseCID(%q) = %v, %v; want it back", tt.in, c, err)
		case !tt.ok && !errors.Is(err, block.ErrBadCID):
			t.Errorf("ParseCID(%q) = %v, %v; want ErrBadCID", tt.in, c, err)
		}
	}
}
