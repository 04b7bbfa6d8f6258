// Package dag is jetdag's in-memory Merkle DAG of events and objects, keyed by CID. The event
// and object stores feed it at replay and live (one node per block, one edge per previous_cid,
// parent_cids entry and persisted link), and the CLI's `jetdag dag` commands and the visualizer
// query it: ancestors, descendants, aggregate chains, heads, topological order, paths and
// common ancestors. It does no I/O and knows nothing of NATS.
package dag
