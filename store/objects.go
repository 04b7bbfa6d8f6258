package store

import (
	"context"
	"io"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store/block"
)

// ObjectBucket is the JetStream object store that holds every object block, every UnixFS
// node and leaf of file content, and every link record, each as one entry named by its CID.
const ObjectBucket = "object-store"

// MaxBlockSize is the largest block jetdag reads from the bucket or a CAR file: the 2 MiB that
// IPFS tools accept. Every block jetdag writes is at most MaxObjectBlockSize (object blocks)
// or 1 MiB of file data (UnixFS leaves).
const MaxBlockSize = 2 << 20

// MaxObjectBlockSize bounds an encoded object block holding a structured value; larger data
// belongs in a file (PutReader), which is chunked.
const MaxObjectBlockSize = 1 << 20

// ObjectStore stores content-addressed objects, file content and typed links between any
// two CIDs. JetStreamObjects is the implementation on a JetStream object store bucket.
// Every read verifies each block against its CID: a tampered block is ErrCorrupt, never
// returned.
type ObjectStore interface {
	// Store encodes value (any IPLD data-model value) inline in an object block, with
	// previous as the object's previous version (cid.Undef for none), and returns its CID.
	Store(ctx context.Context, value any, previous cid.Cid, opts ...ObjectOption) (cid.Cid, error)
	// PutReader stores r's bytes as a UnixFS file (the unixfs-v1-2025 profile) and an object
	// block linking to it.
	PutReader(ctx context.Context, r io.Reader, previous cid.Cid, opts ...ObjectOption) (PutResult, error)
	// PutFile is PutReader on the named file.
	PutFile(ctx context.Context, path string, previous cid.Cid, opts ...ObjectOption) (PutResult, error)
	// Get returns the verified object block with CID c.
	Get(ctx context.Context, c cid.Cid) (*block.Object, error)
	// Cat writes the file content of an object (or of a content CID) to w, verifying each
	// block before any of its bytes are written, and returns the number of bytes written.
	Cat(ctx context.Context, c cid.Cid, w io.Writer) (int64, error)
	// Exists reports whether the bucket holds a block named c.
	Exists(ctx context.Context, c cid.Cid) (bool, error)
	// Stat describes the verified block c.
	Stat(ctx context.Context, c cid.Cid) (ObjectInfo, error)
	// List lists the object blocks (not UnixFS nodes and leaves, not link records).
	List(ctx context.Context) ([]ObjectInfo, error)
	// LinkObjects records a typed link between two stored CIDs (objects or events).
	LinkObjects(ctx context.Context, from, to cid.Cid, linkType string) (Link, error)
	// Links returns every link record, verified, in the order they were stored.
	Links(ctx context.Context) ([]Link, error)
	// Subscribe delivers every object and link, existing ones first, then a CaughtUp record,
	// then new ones live until ctx ends, when the channel is closed.
	Subscribe(ctx context.Context) (<-chan ObjectRecord, error)
}

// PutResult is what PutReader and PutFile stored.
type PutResult struct {
	// CID is the object block's CID.
	CID cid.Cid
	// Content is the root CID of the UnixFS file: the CID any IPFS implementation using the
	// unixfs-v1-2025 profile gives the same bytes.
	Content cid.Cid
	// Size is the file's length in bytes.
	Size int64
}

// BlockKind says what a bucket entry is.
type BlockKind string

// Kinds of bucket entries.
const (
	// KindObject is an object block (data, previous_cid, timestamp).
	KindObject BlockKind = "object"
	// KindLink is a link record (from, to, type, timestamp).
	KindLink BlockKind = "link"
	// KindFile is a UnixFS node or raw leaf of file content.
	KindFile BlockKind = "file"
	// KindBlock is any other block (imported from a CAR file).
	KindBlock BlockKind = "block"
)

// ObjectInfo describes a bucket entry. List fills CID, Kind, Size and ModTime from the
// bucket's index without reading blocks; Stat reads and verifies the block and fills the rest.
type ObjectInfo struct {
	CID  cid.Cid
	Kind BlockKind
	// Size is the block's length in bytes.
	Size int64
	// ModTime is when the entry was written to the bucket.
	ModTime time.Time
	// Timestamp is the object block's or link record's timestamp (Stat only).
	Timestamp int64
	// Previous is the object's previous version, cid.Undef for none (Stat only).
	Previous cid.Cid
	// Content is the root of the object's file content, cid.Undef when the object holds a
	// structured value; for a content CID it is the CID itself (Stat only).
	Content cid.Cid
	// ContentSize is the file content's length in bytes, when Content is set (Stat only).
	ContentSize int64
}

// ObjectRecord is one step of a Subscribe feed: exactly one of Object, Link and Err is set,
// except for the record with only CaughtUp set, sent once every entry stored when the feed
// started has been delivered.
type ObjectRecord struct {
	// CID names the object block, the link record or the entry that failed verification.
	CID cid.Cid
	// Object is a verified object block.
	Object *block.Object
	// Link is a verified link record.
	Link *Link
	// Err reports an entry that failed verification (it wraps ErrCorrupt).
	Err error
	// CaughtUp marks the end of the existing entries: what follows is live.
	CaughtUp bool
}

// ObjectOption adjusts one Store, PutReader or PutFile call.
type ObjectOption func(*objectOptions)

type objectOptions struct {
	timestamp int64
}

// WithTimestamp sets the object block's timestamp (Unix nanoseconds) instead of now, so that
// the same inputs give the same CID and are stored once.
func WithTimestamp(ns int64) ObjectOption {
	return func(o *objectOptions) { o.timestamp = ns }
}
