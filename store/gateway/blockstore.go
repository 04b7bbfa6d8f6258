// Package gateway serves a jetdag store on the IPFS web: an IPFS trustless (and path) HTTP
// gateway, boxo's gateway handler, over a read-only blockstore whose blocks come from the
// object bucket (objects, link records, UnixFS nodes and leaves) and, through the CID index,
// from the event stream. Any IPFS client can then fetch a jetdag event, object or file, or an
// aggregate's whole causal past as a CAR file, and verify every block with no jetdag code.
package gateway

import (
	"context"
	"errors"
	"fmt"

	"github.com/ipfs/boxo/blockstore"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"

	"github.com/jetdag/jetdag/store"
)

// ErrReadOnly is returned by every write to a Blockstore: the gateway never stores anything.
var ErrReadOnly = errors.New("jetdag gateway blockstore is read-only")

// ErrNotListable is returned by AllKeysChan: a gateway looks blocks up by CID and never
// needs to enumerate the store.
var ErrNotListable = errors.New("jetdag gateway blockstore does not list its blocks")

// BlockReader reads one verified block by CID; store.JetStreamObjects and
// store.JetStreamEvents are BlockReaders. A block it does not hold is store.ErrNotFound.
type BlockReader interface {
	Block(ctx context.Context, c cid.Cid) ([]byte, error)
	// Exists reports whether the block is held, as cheaply as the store can tell.
	Exists(ctx context.Context, c cid.Cid) (bool, error)
}

// Blockstore is a read-only boxo blockstore over a jetdag store. Objects may be nil (events
// only) and so may Events (bucket blocks only). It is safe for concurrent use.
type Blockstore struct {
	Objects BlockReader
	Events  BlockReader
}

var _ blockstore.Blockstore = (*Blockstore)(nil)

// NewBlockstore returns a Blockstore over the object store and the event store.
func NewBlockstore(objects *store.JetStreamObjects, events *store.JetStreamEvents) *Blockstore {
	bs := &Blockstore{}
	if objects != nil {
		bs.Objects = objects
	}
	if events != nil {
		bs.Events = events
	}
	return bs
}

// Get returns block c. Bucket blocks are looked up first (a miss costs one metadata lookup);
// DAG-CBOR CIDs the bucket lacks are then looked up in the event index. A block jetdag does
// not hold is ipld.ErrNotFound, which the gateway answers with 404; a block that fails
// verification is store.ErrCorrupt, never returned as data.
func (b *Blockstore) Get(ctx context.Context, c cid.Cid) (blocks.Block, error) {
	data, err := b.read(ctx, c)
	if err != nil {
		return nil, err
	}
	return blocks.NewBlockWithCid(data, c)
}

func (b *Blockstore) read(ctx context.Context, c cid.Cid) ([]byte, error) {
	if !c.Defined() {
		return nil, ipld.ErrNotFound{Cid: c}
	}
	switch c.Type() {
	case cid.Raw, cid.DagProtobuf, cid.DagCBOR:
	default:
		return nil, ipld.ErrNotFound{Cid: c} // jetdag stores no other codec
	}
	if b.Objects != nil {
		data, err := b.Objects.Block(ctx, c)
		if err == nil || !errors.Is(err, store.ErrNotFound) {
			return data, err
		}
	}
	if b.Events != nil && c.Type() == cid.DagCBOR {
		data, err := b.Events.Block(ctx, c)
		if err == nil || !errors.Is(err, store.ErrNotFound) {
			return data, err
		}
	}
	return nil, ipld.ErrNotFound{Cid: c}
}

// Has reports whether the store holds block c: a bucket metadata lookup, then the event index.
func (b *Blockstore) Has(ctx context.Context, c cid.Cid) (bool, error) {
	if !c.Defined() {
		return false, nil
	}
	if b.Objects != nil {
		if ok, err := b.Objects.Exists(ctx, c); ok || err != nil {
			return ok, err
		}
	}
	if b.Events != nil && c.Type() == cid.DagCBOR {
		return b.Events.Exists(ctx, c)
	}
	return false, nil
}

// GetSize returns the length of block c.
func (b *Blockstore) GetSize(ctx context.Context, c cid.Cid) (int, error) {
	data, err := b.read(ctx, c)
	if err != nil {
		return -1, err
	}
	return len(data), nil
}

// Put refuses: the gateway is read-only.
func (b *Blockstore) Put(context.Context, blocks.Block) error {
	return fmt.Errorf("put: %w", ErrReadOnly)
}

// PutMany refuses: the gateway is read-only.
func (b *Blockstore) PutMany(context.Context, []blocks.Block) error {
	return fmt.Errorf("put: %w", ErrReadOnly)
}

// DeleteBlock refuses: the gateway is read-only.
func (b *Blockstore) DeleteBlock(context.Context, cid.Cid) error {
	return fmt.Errorf("delete: %w", ErrReadOnly)
}

// AllKeysChan refuses with ErrNotListable.
func (b *Blockstore) AllKeysChan(context.Context) (<-chan cid.Cid, error) {
	return nil, ErrNotListable
}
