// Package block is jetdag's content-addressing layer: it turns events and objects into strict
// IPLD DAG-CBOR blocks and names them by CIDv1 (dag-cbor, sha2-256), and it checks that bytes
// read back from NATS or a file are canonical and hash to their CID. The store writes what
// Event.Block and Object.Block produce and trusts nothing it has not passed through Verify and
// DecodeEvent / DecodeObject; the CLI and the visualizer show blocks as DAG-JSON.
//
// # Data model
//
// Decode, Encode and the DAG-JSON functions represent IPLD data-model values with these Go
// types:
//
//	null    nil
//	bool    bool
//	int     int64 for every integer that fits; uint64 only above math.MaxInt64;
//	        *big.Int only below math.MinInt64 (down to -2^64, the DAG-CBOR limit)
//	float   float64 (never NaN or ±Inf)
//	string  string (valid UTF-8)
//	bytes   []byte
//	link    cid.Cid
//	list    []any
//	map     map[string]any
//
// Encode also accepts int, int8…int32, uint, uint8…uint64, *big.Int in range, and slices and
// string-keyed maps of accepted types (such as []string, []cid.Cid or map[string]int).
package block
