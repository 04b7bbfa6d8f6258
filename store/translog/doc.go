// Package translog is jetdag's transparency log: it turns the accepted events of the event
// stream, in stream order, into one append-only RFC 9162 Merkle tree (leaf data = the event's
// binary CID), stores the tree as C2SP tlog-tiles in the key-value bucket event-log, writes a
// DAG-CBOR state block of every aggregate's head into the object bucket, and publishes signed
// C2SP tlog-checkpoint notes on the stream event-checkpoints. Readers use it to prove an
// event's inclusion or two checkpoints' consistency, to audit a store against a checkpoint
// they kept (FORMAT.md invariants 7-9), to witness (cosign) checkpoints, and to resume a
// verified feed from a checkpoint instead of the stream's start. The hashing, proofs, notes
// and tile layout all come from golang.org/x/mod/sumdb/{tlog,note} and filippo.io/torchwood.
package translog
