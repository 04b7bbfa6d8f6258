package block

import (
	"fmt"

	"github.com/ipfs/go-cid"
)

// objectKeys returns the keys of an object block, in canonical wire order.
func objectKeys() []string { return []string{"data", "timestamp", "previous_cid"} }

// Object is one version of a stored object: a DAG-CBOR map with exactly FORMAT.md's three
// keys. Data is any data-model value (see the package doc); for file content it is the
// cid.Cid of the UnixFS root.
type Object struct {
	Data        any     // data: any data-model value, nil for null
	PreviousCID cid.Cid // previous_cid: the previous version; cid.Undef encodes as null
	Timestamp   int64   // timestamp: Unix nanoseconds, UTC
}

// Block encodes the object and computes its CID. Data outside the data model gives an error
// wrapping both ErrInvalidObject and ErrNotEncodable.
func (o *Object) Block() ([]byte, cid.Cid, error) {
	data, err := Encode(o.Data)
	if err != nil {
		return nil, cid.Undef, fmt.Errorf("%w: data: %w", ErrInvalidObject, err)
	}
	n := 1 + len(keyData) + len(data) + len(keyTimestamp) + intLen(o.Timestamp) + len(keyPreviousCID) + 1
	if o.PreviousCID.Defined() {
		n += linkLen(o.PreviousCID) - 1
	}
	b := make([]byte, 0, n)
	b = append(b, 0xa3)
	b = append(b, keyData...)
	b = append(b, data...)
	b = append(b, keyTimestamp...)
	b = appendInt(b, o.Timestamp)
	b = append(b, keyPreviousCID...)
	b = appendLinkOrNull(b, o.PreviousCID)
	return b, Sum(b), nil
}

// DecodeObject parses an object block strictly: canonical DAG-CBOR (errors wrap
// ErrNotCanonical) holding exactly the keys data, timestamp (an int64) and previous_cid (a
// link or null); other shapes give errors wrapping ErrInvalidObject.
func DecodeObject(data []byte) (*Object, error) {
	v, err := Decode(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: block is a %s, not a map", ErrInvalidObject, kindOf(v))
	}
	if err := checkKeys(m, objectKeys(), ErrInvalidObject); err != nil {
		return nil, err
	}
	o := Object{Data: m["data"]}
	if o.Timestamp, err = timestampField(m, ErrInvalidObject); err != nil {
		return nil, err
	}
	if o.PreviousCID, err = linkOrNullField(m, ErrInvalidObject); err != nil {
		return nil, err
	}
	return &o, nil
}
