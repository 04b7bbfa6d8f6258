package store

import (
	"context"
	"errors"
	"fmt"
	"io"

	chunker "github.com/ipfs/boxo/chunker"
	mdag "github.com/ipfs/boxo/ipld/merkledag"
	ft "github.com/ipfs/boxo/ipld/unixfs"
	"github.com/ipfs/boxo/ipld/unixfs/importer/balanced"
	"github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// fileLayout is how file content is cut into a UnixFS DAG. profileLayout gives the
// unixfs-v1-2025 settings; tests shrink the fan-out to build deep trees from small files.
type fileLayout struct {
	chunkSize int64
	maxLinks  int
	prefix    cid.Builder
}

// profileLayout is the IPIP-499 unixfs-v1-2025 profile (boxo's io.UnixFS_v1_2025): CIDv1,
// sha2-256, raw leaves, 1 MiB chunks, at most 1024 links a node, balanced layout. The
// profile's values are passed to the importer explicitly: its ApplyGlobals would change
// process-wide state.
func profileLayout() fileLayout {
	p := uio.UnixFS_v1_2025
	return fileLayout{chunkSize: p.ChunkSize, maxLinks: p.FileDAGWidth, prefix: p.CidBuilder()}
}

// importFile chunks r into a UnixFS file DAG written to dst and returns its root CID and the
// number of bytes read. Memory stays at a few chunks whatever the file's size: each leaf is
// stored as soon as it is cut, and inner nodes hold only links.
func importFile(ctx context.Context, r io.Reader, layout fileLayout, dst ipld.DAGService) (cid.Cid, int64, error) {
	cr := &countingReader{r: r}
	params := helpers.DagBuilderParams{
		Maxlinks:   layout.maxLinks,
		RawLeaves:  true,
		CidBuilder: layout.prefix,
		Dagserv:    dst,
	}
	db, err := params.New(chunker.NewSizeSplitter(cr, layout.chunkSize))
	if err != nil {
		return cid.Undef, 0, fmt.Errorf("UnixFS importer: %w", err)
	}
	root, err := balanced.Layout(db)
	if err != nil {
		if ctx.Err() != nil {
			return cid.Undef, 0, ctx.Err()
		}
		return cid.Undef, 0, fmt.Errorf("import file: %w", err)
	}
	return root.Cid(), cr.n, nil
}

// importFile stores r as a UnixFS file in the bucket.
func (s *JetStreamObjects) importFile(ctx context.Context, r io.Reader, layout fileLayout) (cid.Cid, int64, error) {
	return importFile(ctx, r, layout, &bucketDAG{s: s, ctx: ctx})
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Cat writes the file content of c to w. c is either an object block whose data links to
// file content, or the content's root (raw or dag-pb). Every block is read through
// readBlock, so it is verified before it is decoded and before any of its bytes reach w: on
// a tampered block Cat stops with ErrCorrupt, having written only the bytes of the verified
// blocks before it.
func (s *JetStreamObjects) Cat(ctx context.Context, c cid.Cid, w io.Writer) (int64, error) {
	root, err := s.contentRoot(ctx, c)
	if err != nil {
		return 0, err
	}
	dag := &bucketDAG{s: s, ctx: ctx}
	node, err := dag.Get(ctx, root)
	if err != nil {
		return 0, err
	}
	rd, err := uio.NewDagReader(ctx, node, dag)
	if err != nil {
		return 0, fmt.Errorf("%w: %s is not a UnixFS file: %w", ErrInvalidInput, root, err)
	}
	defer rd.Close()
	n, err := rd.WriteTo(w)
	if err != nil {
		if errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNotFound) || ctx.Err() != nil {
			return n, err
		}
		return n, fmt.Errorf("read file %s: %w", root, err)
	}
	if uint64(n) != rd.Size() {
		return n, fmt.Errorf("%w: file %s has %d bytes but its root says %d", ErrCorrupt, root, n, rd.Size())
	}
	return n, nil
}

// contentRoot resolves an object CID to the root of its file content; a raw or dag-pb CID is
// its own root.
func (s *JetStreamObjects) contentRoot(ctx context.Context, c cid.Cid) (cid.Cid, error) {
	if !c.Defined() {
		return cid.Undef, fmt.Errorf("%w: undefined CID", ErrNotFound)
	}
	switch c.Type() {
	case cid.Raw, cid.DagProtobuf:
		return c, nil
	case cid.DagCBOR:
		obj, err := s.Get(ctx, c)
		if err != nil {
			return cid.Undef, err
		}
		content, ok := contentLink(obj.Data)
		if !ok {
			return cid.Undef, fmt.Errorf("%w: object %s holds a structured value, not file content", ErrNotFile, c)
		}
		return content, nil
	default:
		return cid.Undef, fmt.Errorf("%w: %s (codec 0x%x) is neither an object nor file content", ErrInvalidInput, c, c.Type())
	}
}

// fileSize reads the verified root of file content and returns the file's length.
func (s *JetStreamObjects) fileSize(ctx context.Context, root cid.Cid) (int64, error) {
	data, err := s.readBlock(ctx, root)
	if err != nil {
		return 0, err
	}
	return fileSizeOf(root, data)
}

// fileSizeOf is the length of the file whose verified root block is data.
func fileSizeOf(root cid.Cid, data []byte) (int64, error) {
	switch root.Type() {
	case cid.Raw:
		return int64(len(data)), nil
	case cid.DagProtobuf:
		pn, err := mdag.DecodeProtobuf(data)
		if err != nil {
			return 0, fmt.Errorf("%w: %s is not a dag-pb node: %w", ErrInvalidInput, root, err)
		}
		fsn, err := ft.FSNodeFromBytes(pn.Data())
		if err != nil {
			return 0, fmt.Errorf("%w: %s is not a UnixFS node: %w", ErrInvalidInput, root, err)
		}
		if t := fsn.Type(); t != ft.TFile && t != ft.TRaw {
			return 0, fmt.Errorf("%w: %s is a UnixFS %s node, not a file", ErrInvalidInput, root, t)
		}
		return int64(fsn.FileSize()), nil
	}
	return 0, fmt.Errorf("%w: %s is not file content", ErrInvalidInput, root)
}

// bucketDAG is an ipld.DAGService over the bucket. Get verifies every block before decoding
// it; Add stores a block once. The importer calls Add without a context, so the DAGService
// carries the context of the operation it serves.
type bucketDAG struct {
	s   *JetStreamObjects
	ctx context.Context
}

var _ ipld.DAGService = (*bucketDAG)(nil)

// Get reads, verifies and decodes one UnixFS block.
func (d *bucketDAG) Get(ctx context.Context, c cid.Cid) (ipld.Node, error) {
	if c.Type() != cid.Raw && c.Type() != cid.DagProtobuf {
		return nil, fmt.Errorf("%w: %s (codec 0x%x) cannot be part of a UnixFS file", ErrInvalidInput, c, c.Type())
	}
	data, err := d.s.readBlock(ctx, c)
	if err != nil {
		return nil, err
	}
	return decodeFileBlock(c, data)
}

// decodeFileBlock decodes a verified raw or dag-pb block.
func decodeFileBlock(c cid.Cid, data []byte) (ipld.Node, error) {
	blk, err := blocks.NewBlockWithCid(data, c)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, c, err)
	}
	var nd ipld.Node
	if c.Type() == cid.Raw {
		nd, err = mdag.DecodeRawBlock(blk)
	} else {
		nd, err = mdag.DecodeProtobufBlock(blk)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not a valid UnixFS block: %w", ErrInvalidInput, c, err)
	}
	return nd, nil
}

// GetMany fetches blocks in order on one goroutine; the DagReader uses it to read ahead a
// few leaves.
func (d *bucketDAG) GetMany(ctx context.Context, cs []cid.Cid) <-chan *ipld.NodeOption {
	out := make(chan *ipld.NodeOption, len(cs))
	go func() {
		defer close(out)
		for _, c := range cs {
			nd, err := d.Get(ctx, c)
			select {
			case out <- &ipld.NodeOption{Node: nd, Err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return out
}

// Add stores one block (a raw leaf or a dag-pb node) unless it is already stored.
func (d *bucketDAG) Add(_ context.Context, nd ipld.Node) error {
	return d.s.putBlock(d.ctx, nd.Cid(), nd.RawData(), KindFile, nil)
}

// AddMany stores several blocks.
func (d *bucketDAG) AddMany(ctx context.Context, nds []ipld.Node) error {
	for _, nd := range nds {
		if err := d.Add(ctx, nd); err != nil {
			return err
		}
	}
	return nil
}

// Remove is refused: blocks are immutable and may be shared by several files.
func (d *bucketDAG) Remove(context.Context, cid.Cid) error {
	return errors.New("the object store never removes blocks")
}

// RemoveMany is refused like Remove.
func (d *bucketDAG) RemoveMany(context.Context, []cid.Cid) error {
	return errors.New("the object store never removes blocks")
}
