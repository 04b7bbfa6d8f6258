package block

import (
	"errors"
	"fmt"
)

// Sentinel errors; test for them with errors.Is.
var (
	// ErrNotCanonical means bytes are not strict DAG-CBOR. The error is a *StrictError naming
	// the rule broken and where.
	ErrNotCanonical = errors.New("not canonical DAG-CBOR")
	// ErrCIDMismatch means a block's bytes do not hash to its CID.
	ErrCIDMismatch = errors.New("block does not hash to its CID")
	// ErrUnsupportedCID means a CID jetdag cannot verify: its hash is not sha2-256 or its codec
	// is not dag-cbor, dag-pb or raw.
	ErrUnsupportedCID = errors.New("unsupported CID")
	// ErrBadCID means a CID string is not in canonical base32 lower-case CIDv1 form.
	ErrBadCID = errors.New("bad CID string")
	// ErrInvalidEvent means an event breaks FORMAT.md: an empty, over-long or non-UTF-8
	// aggregate ID or event type, an undefined parent, or a block with missing or extra keys or
	// values of the wrong kind.
	ErrInvalidEvent = errors.New("invalid event")
	// ErrInvalidName means an aggregate ID or event type breaks the naming rule (CheckName):
	// a value NATS headers, where it also travels, would not carry unchanged. Every such error
	// from an event also wraps ErrInvalidEvent.
	ErrInvalidName = errors.New("invalid name")
	// ErrInvalidObject means an object breaks FORMAT.md: data outside the data model, or a
	// block with missing or extra keys or values of the wrong kind.
	ErrInvalidObject = errors.New("invalid object")
	// ErrNotEncodable means a Go value is outside the IPLD data model (see the package doc):
	// an unsupported type, NaN or infinity, invalid UTF-8, an undefined CID, an integer beyond
	// the DAG-CBOR range, or nesting deeper than MaxDepth.
	ErrNotEncodable = errors.New("value not in the IPLD data model")
	// ErrDAGJSON means DAG-JSON text is malformed or cannot represent a value.
	ErrDAGJSON = errors.New("invalid DAG-JSON")
)

// The rules a *StrictError names: one per clause of the DAG-CBOR spec's Strictness section,
// plus the well-formedness failures every CBOR decoder must catch.
const (
	RuleTruncated        = "truncated input"
	RuleTrailingBytes    = "trailing bytes after the top-level value"
	RuleNonShortest      = "integer, length or tag not in shortest form"
	RuleIndefiniteLength = "indefinite length or break code"
	RuleReservedInfo     = "reserved additional information (28-31)"
	RuleUnsortedKeys     = "map keys not sorted length-first then bytewise"
	RuleDuplicateKey     = "duplicate map key"
	RuleNonStringKey     = "map key is not a text string"
	RuleNarrowFloat      = "float narrower than 64 bits"
	RuleNaNOrInfinity    = "NaN or infinity"
	RuleSimpleValue      = "simple value other than false, true and null"
	RuleTag              = "tag other than 42"
	RuleLinkNotBytes     = "tag 42 not around a byte string"
	RuleLinkPrefix       = "link without the 0x00 multibase prefix"
	RuleLinkCID          = "link bytes are not a valid binary CID"
	RuleInvalidUTF8      = "text string is not valid UTF-8"
	RuleTooDeep          = "nesting deeper than MaxDepth"
)

// StrictError reports which strictness rule a block breaks and the byte offset of the item
// that breaks it. errors.Is(err, ErrNotCanonical) holds for every *StrictError.
type StrictError struct {
	Rule   string // one of the Rule… constants
	Offset int    // byte offset of the offending item's first byte
	Detail string // optional specifics (the key, the tag number, the lengths involved)
}

// Error says which rule is broken, at which byte, and the specifics.
func (e *StrictError) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("dag-cbor: %s at byte %d: %s", e.Rule, e.Offset, e.Detail)
	}
	return fmt.Sprintf("dag-cbor: %s at byte %d", e.Rule, e.Offset)
}

// Unwrap returns ErrNotCanonical.
func (e *StrictError) Unwrap() error { return ErrNotCanonical }
