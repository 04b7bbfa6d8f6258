// This file stores raw DAG-CBOR blocks that are neither objects nor link records (the
// transparency log's state blocks, store/translog).

package store

import (
	"context"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store/block"
)

// PutBlock stores a canonical DAG-CBOR block in the bucket under its CID and returns the
// CID; a block already stored is not written again. Bytes that are not canonical DAG-CBOR or
// larger than MaxObjectBlockSize are ErrInvalidInput.
func (s *JetStreamObjects) PutBlock(ctx context.Context, data []byte) (cid.Cid, error) {
	if len(data) > MaxObjectBlockSize {
		return cid.Undef, fmt.Errorf("%w: block of %d bytes (at most %d)", ErrInvalidInput, len(data), MaxObjectBlockSize)
	}
	v, err := block.Decode(data)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	if re, err := block.Encode(v); err != nil || string(re) != string(data) {
		return cid.Undef, fmt.Errorf("%w: block is not canonical DAG-CBOR", ErrInvalidInput)
	}
	c := block.Sum(data)
	if err := s.putBlock(ctx, c, data, KindBlock, nil); err != nil {
		return cid.Undef, err
	}
	return c, nil
}
