// This file hands out raw verified blocks, for readers that speak IPLD rather than jetdag
// (the IPFS gateway in store/gateway).

package store

import (
	"context"
	"fmt"

	"github.com/ipfs/go-cid"
)

// Block returns the exact bytes of the bucket entry named c (an object block, a link record,
// a UnixFS node or raw leaf), after checking that they hash to c. A missing entry is
// ErrNotFound, one whose bytes do not match is ErrCorrupt.
func (s *JetStreamObjects) Block(ctx context.Context, c cid.Cid) ([]byte, error) {
	return s.readBlock(ctx, c)
}

// Block returns the DAG-CBOR block of the stored event c, checked against c. The codec is
// strict (one encoding per value), so re-encoding the verified event gives the stored bytes;
// should it not, the block is ErrCorrupt rather than a block that does not hash to c.
func (s *JetStreamEvents) Block(ctx context.Context, c cid.Cid) ([]byte, error) {
	ev, err := s.Get(ctx, c)
	if err != nil {
		return nil, err
	}
	data, got, err := ev.Event.Block()
	if err != nil {
		return nil, fmt.Errorf("%w: event %s: %w", ErrCorrupt, c, err)
	}
	if !got.Equals(c) {
		return nil, fmt.Errorf("%w: event %s re-encodes to %s", ErrCorrupt, c, got)
	}
	return data, nil
}
