package block

import (
	"crypto/sha256"
	"fmt"
	"unicode/utf8"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// Multicodec codes of the blocks jetdag stores.
const (
	CodecDagCBOR uint64 = 0x71 // event and object blocks
	CodecDagPB   uint64 = 0x70 // UnixFS interior nodes
	CodecRaw     uint64 = 0x55 // UnixFS leaves
)

// Sum returns the CIDv1 (dag-cbor, sha2-256) of data. It allocates once, for the CID.
func Sum(data []byte) cid.Cid { return SumCodec(CodecDagCBOR, data) }

// SumCodec returns the CIDv1 with the given multicodec (CodecRaw, CodecDagPB, …) and a
// sha2-256 multihash of data.
func SumCodec(codec uint64, data []byte) cid.Cid {
	// The multihash is built on the stack; NewCidV1 copies it into the CID's one string.
	var mhash [2 + sha256.Size]byte
	mhash[0], mhash[1] = byte(mh.SHA2_256), sha256.Size
	digest := sha256.Sum256(data)
	copy(mhash[2:], digest[:])
	return cid.NewCidV1(codec, mhash[:])
}

// Verify checks that data hashes to c. It returns nil, an error wrapping ErrCIDMismatch, or
// one wrapping ErrUnsupportedCID when c is undefined, not sha2-256 or not of a codec jetdag
// stores (dag-cbor, dag-pb, raw). CIDv0 (dag-pb, sha2-256) is verifiable.
func Verify(c cid.Cid, data []byte) error {
	if !c.Defined() {
		return fmt.Errorf("%w: undefined CID", ErrUnsupportedCID)
	}
	p := c.Prefix()
	switch p.Codec {
	case CodecDagCBOR, CodecDagPB, CodecRaw:
	default:
		return fmt.Errorf("%w: %s has codec 0x%x (want 0x71, 0x70 or 0x55)", ErrUnsupportedCID, c, p.Codec)
	}
	if p.MhType != mh.SHA2_256 || p.MhLength != sha256.Size {
		return fmt.Errorf("%w: %s is not hashed with sha2-256 (multihash 0x%x, %d bytes)", ErrUnsupportedCID, c, p.MhType, p.MhLength)
	}
	key := c.KeyString() // the binary CID; its last 32 bytes are the digest
	want := key[len(key)-sha256.Size:]
	got := sha256.Sum256(data)
	if string(got[:]) != want {
		return fmt.Errorf("%w: %d bytes hash to sha2-256 %x, %s names %x", ErrCIDMismatch, len(data), got, c, want)
	}
	return nil
}

// ParseCID parses a CID string in the only form jetdag writes: CIDv1 in multibase base32
// lower case ("bafy…", "bafk…"). Other bases, CIDv0 ("Qm…"), upper case and any string that
// would not print back identically are refused with an error wrapping ErrBadCID.
func ParseCID(s string) (cid.Cid, error) {
	if len(s) < 2 || s[0] != 'b' {
		return cid.Undef, fmt.Errorf("%w: %q: want base32 lower-case CIDv1 (\"b…\")", ErrBadCID, clip(s))
	}
	c, err := cid.Decode(s)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: %q: %w", ErrBadCID, clip(s), err)
	}
	if c.Version() != 1 {
		return cid.Undef, fmt.Errorf("%w: %q: not CIDv1", ErrBadCID, clip(s))
	}
	if c.String() != s {
		return cid.Undef, fmt.Errorf("%w: %q: not canonical (prints as %s)", ErrBadCID, clip(s), c)
	}
	return c, nil
}

// clip shortens user input quoted in an error message to at most 100 bytes (cut at a
// character boundary) and says how long it was.
func clip(s string) string {
	const max = 100
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:cut], len(s))
}
