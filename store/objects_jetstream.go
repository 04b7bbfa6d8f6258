package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/block"
)

// metaKind is the bucket entry metadata key that says what a block is (a BlockKind). It is an
// index, not a source of truth: every block is verified against its name when read.
const metaKind = "jetdag-kind"

// ObjectStoreConfig configures OpenObjects. The zero value is a single-replica store
// whose links may join bucket blocks only.
type ObjectStoreConfig struct {
	// Replicas of the bucket (1, 3 or 5) when it is created; 0 means 1. An existing bucket
	// is used as it is.
	Replicas int
	// EventExists reports whether an event with this CID is stored, so that links may name
	// events: pass (*JetStreamEvents).Exists. Nil means only bucket blocks are link endpoints.
	EventExists func(ctx context.Context, c cid.Cid) (bool, error)
	// EventLookup returns a stored event, so that LinkObjects can follow events' previous
	// events and parents when it checks that a link closes no cycle: pass
	// (*JetStreamEvents).Get. Nil means events are not followed (only links, objects and
	// file content are).
	EventLookup func(ctx context.Context, c cid.Cid) (*StoredEvent, error)
	// Logger receives warnings (entries that failed verification, healed blocks); nil
	// discards them.
	Logger *slog.Logger
	// Now returns the current time in Unix nanoseconds; nil means time.Now.
	Now func() int64
}

// JetStreamObjects is the ObjectStore on the JetStream object store bucket ObjectBucket. It
// is safe for concurrent use; any number of processes may share the bucket.
type JetStreamObjects struct {
	js     jetstream.JetStream
	bucket jetstream.ObjectStore
	cfg    ObjectStoreConfig
	log    *slog.Logger
	layout fileLayout
	// chunk is the bucket chunk size when the server's max payload is smaller than the
	// object store's default (128 KiB); 0 keeps the default.
	chunk uint32
}

var _ ObjectStore = (*JetStreamObjects)(nil)

// defaultChunk is nats.go's object-store chunk size; chunkHeadroom what a chunk leaves of
// the server's max payload for the message's protocol overhead.
const (
	defaultChunk  = 128 << 10
	chunkHeadroom = 512
)

// OpenObjects opens the object store on nc, creating the bucket (file storage) when it is
// missing. An existing bucket is never updated (updating a replicated stream needs all its
// peers); one that does not use file storage is refused with ErrIncompatibleStream.
func OpenObjects(ctx context.Context, nc *nats.Conn, cfg ObjectStoreConfig) (*JetStreamObjects, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = func() int64 { return time.Now().UnixNano() }
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	bucket, err := js.ObjectStore(ctx, ObjectBucket)
	switch {
	case errors.Is(err, jetstream.ErrBucketNotFound):
		subj := "$JS.API.STREAM.CREATE.OBJ_" + ObjectBucket
		cctx, cancel := CancelOnDenied(ctx, nc, subj)
		defer cancel()
		bucket, err = js.CreateObjectStore(cctx, jetstream.ObjectStoreConfig{
			Bucket:      ObjectBucket,
			Description: "jetdag: content-addressed blocks (objects, UnixFS files, link records), each named by its CID",
			Storage:     jetstream.FileStorage,
			Replicas:    max(cfg.Replicas, 1),
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			bucket, err = js.ObjectStore(ctx, ObjectBucket) // another process created it first
		}
		if err != nil {
			return nil, fmt.Errorf("create bucket %s: %w", ObjectBucket, deniedOr(nc, subj, err))
		}
	case err != nil:
		return nil, fmt.Errorf("open bucket %s: %w", ObjectBucket, err)
	default:
		st, err := bucket.Status(ctx)
		if err != nil {
			return nil, fmt.Errorf("bucket %s status: %w", ObjectBucket, err)
		}
		if st.Storage() != jetstream.FileStorage {
			return nil, fmt.Errorf("%w: bucket %s uses %s storage, jetdag needs file", ErrIncompatibleStream, ObjectBucket, st.Storage())
		}
		if st.TTL() > 0 {
			return nil, fmt.Errorf("%w: bucket %s expires entries after %s, which would drop blocks", ErrIncompatibleStream, ObjectBucket, st.TTL())
		}
	}
	o := &JetStreamObjects{js: js, bucket: bucket, cfg: cfg, log: log, layout: profileLayout()}
	// A server whose max payload is below the bucket's 128 KiB chunks would refuse every
	// block larger than it ("maximum payload exceeded"); chunk below it instead.
	if mp := nc.MaxPayload(); mp > 0 && mp-chunkHeadroom < defaultChunk {
		o.chunk = uint32(max(mp-chunkHeadroom, 1024))
	}
	return o, nil
}

// Store encodes value inline in an object block and stores it. previous, when defined, must
// name a stored object.
func (s *JetStreamObjects) Store(ctx context.Context, value any, previous cid.Cid, opts ...ObjectOption) (cid.Cid, error) {
	if err := s.checkPrevious(ctx, previous); err != nil {
		return cid.Undef, err
	}
	return s.storeObject(ctx, value, previous, opts)
}

func (s *JetStreamObjects) storeObject(ctx context.Context, value any, previous cid.Cid, opts []ObjectOption) (cid.Cid, error) {
	o := objectOptions{}
	for _, f := range opts {
		f(&o)
	}
	if o.timestamp == 0 {
		o.timestamp = s.cfg.Now()
	}
	obj := &block.Object{Data: value, PreviousCID: previous, Timestamp: o.timestamp}
	data, c, err := obj.Block()
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	if len(data) > MaxObjectBlockSize {
		return cid.Undef, fmt.Errorf("%w: object block is %d bytes, more than %d; store large data as a file", ErrPayloadTooLarge, len(data), MaxObjectBlockSize)
	}
	if err := s.putBlock(ctx, c, data, KindObject, nil); err != nil {
		return cid.Undef, err
	}
	return c, nil
}

// checkPrevious refuses a previous version that is not a stored object.
func (s *JetStreamObjects) checkPrevious(ctx context.Context, previous cid.Cid) error {
	if !previous.Defined() {
		return nil
	}
	if _, err := s.Get(ctx, previous); err != nil {
		return fmt.Errorf("previous %s: %w", previous, err)
	}
	return nil
}

// PutReader stores r's bytes as a UnixFS file and an object block linking to its root.
func (s *JetStreamObjects) PutReader(ctx context.Context, r io.Reader, previous cid.Cid, opts ...ObjectOption) (PutResult, error) {
	if err := s.checkPrevious(ctx, previous); err != nil {
		return PutResult{}, err
	}
	content, size, err := s.importFile(ctx, r, s.layout)
	if err != nil {
		return PutResult{}, err
	}
	c, err := s.storeObject(ctx, content, previous, opts)
	if err != nil {
		return PutResult{}, err
	}
	return PutResult{CID: c, Content: content, Size: size}, nil
}

// PutFile stores the named file as PutReader does.
func (s *JetStreamObjects) PutFile(ctx context.Context, path string, previous cid.Cid, opts ...ObjectOption) (PutResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return PutResult{}, fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	defer f.Close()
	return s.PutReader(ctx, f, previous, opts...)
}

// Get returns the verified object block c.
func (s *JetStreamObjects) Get(ctx context.Context, c cid.Cid) (*block.Object, error) {
	if err := wantCodec(c, cid.DagCBOR, "an object"); err != nil {
		return nil, err
	}
	data, err := s.readBlock(ctx, c)
	if err != nil {
		return nil, err
	}
	obj, err := block.DecodeObject(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not an object block: %w", ErrInvalidInput, c, err)
	}
	return obj, nil
}

// Exists reports whether the bucket holds an entry named c. It does not read the block.
func (s *JetStreamObjects) Exists(ctx context.Context, c cid.Cid) (bool, error) {
	if !c.Defined() {
		return false, nil
	}
	_, err := s.bucket.GetInfo(ctx, c.String())
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("bucket lookup %s: %w", c, err)
	}
	return true, nil
}

// Stat reads and verifies block c and describes it.
func (s *JetStreamObjects) Stat(ctx context.Context, c cid.Cid) (ObjectInfo, error) {
	if !c.Defined() {
		return ObjectInfo{}, fmt.Errorf("%w: undefined CID", ErrNotFound)
	}
	info, err := s.bucket.GetInfo(ctx, c.String())
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return ObjectInfo{}, fmt.Errorf("%w: no block %s", ErrNotFound, c)
	}
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("bucket lookup %s: %w", c, err)
	}
	data, err := s.readBlock(ctx, c)
	if err != nil {
		return ObjectInfo{}, err
	}
	oi := ObjectInfo{CID: c, Kind: classify(c, data), Size: int64(len(data)), ModTime: info.ModTime}
	switch oi.Kind {
	case KindObject:
		obj, err := block.DecodeObject(data)
		if err != nil {
			return ObjectInfo{}, fmt.Errorf("%w: %s: %w", ErrCorrupt, c, err)
		}
		oi.Timestamp, oi.Previous = obj.Timestamp, obj.PreviousCID
		if content, ok := contentLink(obj.Data); ok {
			oi.Content = content
			if oi.ContentSize, err = s.fileSize(ctx, content); err != nil {
				return ObjectInfo{}, err
			}
		}
	case KindLink:
		l, err := decodeLinkRecord(c, data)
		if err != nil {
			return ObjectInfo{}, err
		}
		oi.Timestamp = l.Timestamp
	case KindFile:
		oi.Content = c
		if oi.ContentSize, err = fileSizeOf(c, data); err != nil {
			return ObjectInfo{}, err
		}
	}
	return oi, nil
}

// List lists the object blocks from the bucket's index, in the order they were stored.
func (s *JetStreamObjects) List(ctx context.Context) ([]ObjectInfo, error) {
	ents, err := s.entriesOf(ctx, KindObject)
	if err != nil {
		return nil, err
	}
	var out []ObjectInfo
	for _, en := range ents {
		out = append(out, ObjectInfo{CID: en.cid, Kind: KindObject, Size: int64(en.info.Size), ModTime: en.info.ModTime})
	}
	return out, nil
}

// namedEntry is a bucket entry with the CID it is named by.
type namedEntry struct {
	cid  cid.Cid
	info *jetstream.ObjectInfo
}

// entriesOf lists the live bucket entries of one kind (by their metadata), oldest first, with
// their CIDs; an entry not named by a CID is logged and left out.
func (s *JetStreamObjects) entriesOf(ctx context.Context, kind BlockKind) ([]namedEntry, error) {
	infos, err := s.entries(ctx)
	if err != nil {
		return nil, err
	}
	var out []namedEntry
	for _, in := range infos {
		if BlockKind(in.Metadata[metaKind]) != kind {
			continue
		}
		c, err := block.ParseCID(in.Name)
		if err != nil {
			s.log.Warn("bucket entry is not named by a CID", "name", in.Name)
			continue
		}
		out = append(out, namedEntry{cid: c, info: in})
	}
	return out, nil
}

// entries lists every live bucket entry (metadata only), oldest first.
func (s *JetStreamObjects) entries(ctx context.Context) ([]*jetstream.ObjectInfo, error) {
	infos, err := s.bucket.List(ctx)
	if errors.Is(err, jetstream.ErrNoObjectsFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list bucket %s: %w", ObjectBucket, err)
	}
	return infos, nil
}

// Subscribe watches the bucket: every object block and link record stored so far, a CaughtUp
// record, then new ones as they are stored, each verified. UnixFS blocks are not reported.
func (s *JetStreamObjects) Subscribe(ctx context.Context) (<-chan ObjectRecord, error) {
	w, err := s.bucket.Watch(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("watch bucket %s: %w", ObjectBucket, err)
	}
	out := make(chan ObjectRecord, 64)
	go func() {
		defer close(out)
		defer func() {
			_ = w.Stop()
			// Drain until the watcher closes the channel, so that nats.go's delivery
			// goroutine is never left blocked on a send nobody receives.
			go func() {
				for range w.Updates() {
				}
			}()
		}()
		send := func(r ObjectRecord) bool {
			select {
			case out <- r:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for {
			var in *jetstream.ObjectInfo
			var ok bool
			select {
			case <-ctx.Done():
				return
			case in, ok = <-w.Updates():
				if !ok {
					return
				}
			}
			if in == nil {
				if !send(ObjectRecord{CaughtUp: true}) {
					return
				}
				continue
			}
			rec, keep := s.record(ctx, in)
			if keep && !send(rec) {
				return
			}
		}
	}()
	return out, nil
}

// record turns a bucket entry into a Subscribe record; keep is false for entries Subscribe does not
// report (UnixFS blocks, other blocks).
func (s *JetStreamObjects) record(ctx context.Context, in *jetstream.ObjectInfo) (ObjectRecord, bool) {
	kind := BlockKind(in.Metadata[metaKind])
	if kind != KindObject && kind != KindLink {
		return ObjectRecord{}, false
	}
	c, err := block.ParseCID(in.Name)
	if err != nil {
		s.log.Warn("bucket entry is not named by a CID", "name", in.Name)
		return ObjectRecord{}, false
	}
	if kind == KindLink {
		l, err := s.linkFromEntry(ctx, c, in)
		if err != nil {
			s.log.Warn("link record failed verification", "cid", c, "err", err)
			return ObjectRecord{CID: c, Err: err}, true
		}
		return ObjectRecord{CID: c, Link: &l}, true
	}
	obj, err := s.Get(ctx, c)
	if err != nil {
		s.log.Warn("object block failed verification", "cid", c, "err", err)
		return ObjectRecord{CID: c, Err: err}, true
	}
	return ObjectRecord{CID: c, Object: obj}, true
}

// putBlock stores data under c's name, unless the bucket already holds exactly these bytes
// (the entry's SHA-256 digest, computed by the server, is the block's). An entry under c with
// other bytes is corrupt and is overwritten. data must already hash to c.
func (s *JetStreamObjects) putBlock(ctx context.Context, c cid.Cid, data []byte, kind BlockKind, meta map[string]string) error {
	name := c.String()
	sum := sha256.Sum256(data)
	digest := "SHA-256=" + base64.URLEncoding.EncodeToString(sum[:])
	info, err := s.bucket.GetInfo(ctx, name)
	switch {
	case err == nil && info.Digest == digest && info.Size == uint64(len(data)) && info.Metadata[metaKind] == string(kind):
		return nil // stored once
	case err == nil && info.Digest != digest:
		s.log.Warn("bucket entry does not hold its block; rewriting it", "cid", name)
	case err != nil && !errors.Is(err, jetstream.ErrObjectNotFound):
		return fmt.Errorf("bucket lookup %s: %w", name, err)
	}
	md := map[string]string{metaKind: string(kind)}
	for k, v := range meta {
		md[k] = v
	}
	om := jetstream.ObjectMeta{Name: name, Metadata: md}
	if s.chunk > 0 {
		om.Opts = &jetstream.ObjectMetaOptions{ChunkSize: s.chunk}
	}
	if _, err := s.bucket.Put(ctx, om, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("store block %s: %w", name, storageFull(err))
	}
	return nil
}

// readBlock returns the bytes of the entry named c after checking that they hash to c. At
// most MaxBlockSize bytes are read, so a tampered giant entry cannot exhaust memory.
func (s *JetStreamObjects) readBlock(ctx context.Context, c cid.Cid) ([]byte, error) {
	if !c.Defined() {
		return nil, fmt.Errorf("%w: undefined CID", ErrNotFound)
	}
	res, err := s.bucket.Get(ctx, c.String())
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("%w: no block %s", ErrNotFound, c)
	}
	if err != nil {
		return nil, fmt.Errorf("read block %s: %w", c, err)
	}
	defer res.Close()
	if info, err := res.Info(); err == nil && info.Size > MaxBlockSize {
		return nil, fmt.Errorf("%w: entry %s is %d bytes, more than any block (%d)", ErrCorrupt, c, info.Size, MaxBlockSize)
	}
	data, err := io.ReadAll(io.LimitReader(res, MaxBlockSize+1))
	if errors.Is(err, jetstream.ErrDigestMismatch) {
		return nil, fmt.Errorf("%w: entry %s does not match its digest", ErrCorrupt, c)
	}
	if err != nil {
		return nil, fmt.Errorf("read block %s: %w", c, err)
	}
	if len(data) > MaxBlockSize {
		return nil, fmt.Errorf("%w: entry %s is larger than any block (%d bytes)", ErrCorrupt, c, MaxBlockSize)
	}
	if err := block.Verify(c, data); err != nil {
		return nil, fmt.Errorf("%w: entry %s: %w", ErrCorrupt, c, err)
	}
	return data, nil
}

// wantCodec refuses a CID of another codec than the one an operation needs.
func wantCodec(c cid.Cid, codec uint64, what string) error {
	if !c.Defined() {
		return fmt.Errorf("%w: undefined CID", ErrNotFound)
	}
	if c.Type() != codec {
		return fmt.Errorf("%w: %s is not %s CID (codec 0x%x)", ErrInvalidInput, c, what, c.Type())
	}
	return nil
}

// classify says what a verified block is, from its codec and shape.
func classify(c cid.Cid, data []byte) BlockKind {
	switch c.Type() {
	case cid.Raw, cid.DagProtobuf:
		return KindFile
	case cid.DagCBOR:
		if _, err := block.DecodeObject(data); err == nil {
			return KindObject
		}
		if _, err := decodeLinkRecord(c, data); err == nil {
			return KindLink
		}
	}
	return KindBlock
}

// contentLink reports whether an object's data is a link to file content.
func contentLink(data any) (cid.Cid, bool) {
	c, ok := data.(cid.Cid)
	if !ok || !c.Defined() {
		return cid.Undef, false
	}
	return c, c.Type() == cid.Raw || c.Type() == cid.DagProtobuf
}

// OpenObjectStore is the former name of OpenObjects.
//
// Deprecated: use OpenObjects, named like OpenEvents.
func OpenObjectStore(ctx context.Context, nc *nats.Conn, cfg ObjectStoreConfig) (*JetStreamObjects, error) {
	return OpenObjects(ctx, nc, cfg)
}

// Follow is the former name of Subscribe.
//
// Deprecated: use Subscribe, named like the event store's.
func (s *JetStreamObjects) Follow(ctx context.Context) (<-chan ObjectRecord, error) {
	return s.Subscribe(ctx)
}
