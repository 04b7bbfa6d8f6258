// Package store is jetdag's event store and object store on NATS JetStream. Producers append
// events (one DAG-CBOR block per message of the stream event-store, chained per aggregate by
// previous_cid and checked by the server's expected-sequence headers) and store objects (blocks
// in the object-store bucket); readers replay the stream with full verification and then follow
// it live, feeding the DAG index and the visualizer's bridge. It knows nothing of rendering.
package store
