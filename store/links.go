package store

import (
	"context"
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/block"
)

// Link types every jetdag tool knows; any other non-empty name of at most MaxLinkTypeBytes
// bytes is a custom type.
const (
	LinkPrevious    = "Previous"
	LinkContains    = "Contains"
	LinkDerivedFrom = "DerivedFrom"
	LinkReferences  = "References"
)

// MaxLinkTypeBytes bounds a link type's length.
const MaxLinkTypeBytes = 64

// Bucket entry metadata of a link record: its fields, so that Links and Subscribe rebuild every
// link from the bucket's index alone and verify it by re-encoding the record and checking
// that it hashes to the entry's name.
const (
	metaFrom      = "jetdag-from"
	metaTo        = "jetdag-to"
	metaType      = "jetdag-type"
	metaTimestamp = "jetdag-timestamp"
)

// Link is one link record: a typed, timestamped edge from one CID to another. The record is
// the DAG-CBOR block {"from": link, "to": link, "type": string, "timestamp": int}, stored in
// the bucket under its CID like every other block.
type Link struct {
	// CID is the link record's CID.
	CID      cid.Cid
	From, To cid.Cid
	Type     string
	// Timestamp is when the link was made, in Unix nanoseconds.
	Timestamp int64
}

// ValidateLinkType checks a link type: non-empty UTF-8 of at most MaxLinkTypeBytes bytes,
// without control characters.
func ValidateLinkType(t string) error {
	switch {
	case t == "":
		return fmt.Errorf("%w: link type is empty", ErrInvalidInput)
	case len(t) > MaxLinkTypeBytes:
		return fmt.Errorf("%w: link type is %d bytes, more than %d", ErrInvalidInput, len(t), MaxLinkTypeBytes)
	case !utf8.ValidString(t):
		return fmt.Errorf("%w: link type is not valid UTF-8", ErrInvalidInput)
	}
	for _, r := range t {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: link type %q has a control character", ErrInvalidInput, t)
		}
	}
	return nil
}

// linkRecord encodes the record of l and returns its bytes and CID.
func linkRecord(from, to cid.Cid, linkType string, ts int64) ([]byte, cid.Cid, error) {
	data, err := block.Encode(map[string]any{
		"from":      from,
		"to":        to,
		"type":      linkType,
		"timestamp": ts,
	})
	if err != nil {
		return nil, cid.Undef, fmt.Errorf("%w: link record: %w", ErrInvalidInput, err)
	}
	return data, block.Sum(data), nil
}

// decodeLinkRecord decodes a verified block as a link record: exactly the four keys, of the
// right kinds.
func decodeLinkRecord(c cid.Cid, data []byte) (Link, error) {
	v, err := block.Decode(data)
	if err != nil {
		return Link{}, fmt.Errorf("%w: link record %s: %w", ErrCorrupt, c, err)
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) != 4 {
		return Link{}, fmt.Errorf("%w: %s is not a link record (want a map of from, to, type, timestamp)", ErrCorrupt, c)
	}
	l := Link{CID: c}
	if l.From, ok = m["from"].(cid.Cid); !ok {
		return Link{}, fmt.Errorf("%w: link record %s: from is not a link", ErrCorrupt, c)
	}
	if l.To, ok = m["to"].(cid.Cid); !ok {
		return Link{}, fmt.Errorf("%w: link record %s: to is not a link", ErrCorrupt, c)
	}
	if l.Type, ok = m["type"].(string); !ok {
		return Link{}, fmt.Errorf("%w: link record %s: type is not a string", ErrCorrupt, c)
	}
	switch ts := m["timestamp"].(type) {
	case int64:
		l.Timestamp = ts
	case uint64:
		if ts > 1<<63-1 {
			return Link{}, fmt.Errorf("%w: link record %s: timestamp out of range", ErrCorrupt, c)
		}
		l.Timestamp = int64(ts)
	default:
		return Link{}, fmt.Errorf("%w: link record %s: timestamp is not an integer", ErrCorrupt, c)
	}
	if err := ValidateLinkType(l.Type); err != nil {
		return Link{}, fmt.Errorf("%w: link record %s: %w", ErrCorrupt, c, err)
	}
	return l, nil
}

// LinkObjects records a link of type linkType from one stored CID to another. Each endpoint
// must be a bucket block or, when the store was opened with an EventExists checker, a stored
// event; otherwise the link is refused with ErrNotFound. The record is stored in the bucket
// under its CID, so it survives restarts and travels in CAR exports.
func (s *JetStreamObjects) LinkObjects(ctx context.Context, from, to cid.Cid, linkType string) (Link, error) {
	if err := ValidateLinkType(linkType); err != nil {
		return Link{}, err
	}
	if !from.Defined() || !to.Defined() {
		return Link{}, fmt.Errorf("%w: link endpoints must be defined CIDs", ErrInvalidInput)
	}
	if from.Equals(to) {
		return Link{}, fmt.Errorf("%w: a link from %s to itself", ErrInvalidInput, from)
	}
	for _, c := range []cid.Cid{from, to} {
		if err := s.checkEndpoint(ctx, c); err != nil {
			return Link{}, err
		}
	}
	links, err := s.Links(ctx)
	if err != nil {
		return Link{}, err
	}
	if path, err := s.reaches(ctx, to, from, links); err != nil {
		return Link{}, err
	} else if path != nil {
		return Link{}, fmt.Errorf("%w: %w: %s already reaches %s (a path of %d edge(s) through hash links and links), so a link from %s to %s would close a cycle",
			ErrInvalidInput, ErrLinkCycle, to, from, len(path)-1, from, to)
	}
	ts := s.cfg.Now()
	data, c, err := linkRecord(from, to, linkType, ts)
	if err != nil {
		return Link{}, err
	}
	if err := s.putBlock(ctx, c, data, KindLink, linkMeta(from, to, linkType, ts)); err != nil {
		return Link{}, err
	}
	return Link{CID: c, From: from, To: to, Type: linkType, Timestamp: ts}, nil
}

func linkMeta(from, to cid.Cid, linkType string, ts int64) map[string]string {
	return map[string]string{
		metaFrom:      from.String(),
		metaTo:        to.String(),
		metaType:      linkType,
		metaTimestamp: strconv.FormatInt(ts, 10),
	}
}

// checkEndpoint refuses a link endpoint that names neither a bucket block nor an event.
func (s *JetStreamObjects) checkEndpoint(ctx context.Context, c cid.Cid) error {
	ok, err := s.Exists(ctx, c)
	if err != nil {
		return err
	}
	if ok {
		return nil
	}
	if s.cfg.EventExists != nil && c.Type() == cid.DagCBOR {
		ok, err := s.cfg.EventExists(ctx, c)
		if err != nil {
			return fmt.Errorf("event lookup %s: %w", c, err)
		}
		if ok {
			return nil
		}
	}
	return fmt.Errorf("%w: link endpoint %s is no stored object or event", ErrNotFound, c)
}

// Links returns every link record in the order they were stored. Each is verified: rebuilt
// from the bucket's index and checked to hash to its name, or else read from its block and
// verified. A record that fails both is left out and logged.
func (s *JetStreamObjects) Links(ctx context.Context) ([]Link, error) {
	ents, err := s.entriesOf(ctx, KindLink)
	if err != nil {
		return nil, err
	}
	var out []Link
	for _, en := range ents {
		l, err := s.linkFromEntry(ctx, en.cid, en.info)
		if err != nil {
			s.log.Warn("link record failed verification; left out", "cid", en.cid, "err", err)
			continue
		}
		out = append(out, l)
	}
	return out, nil
}

// linkFromEntry rebuilds a link record from its entry's metadata when the metadata re-encodes
// to the entry's name, and otherwise reads and verifies the block.
func (s *JetStreamObjects) linkFromEntry(ctx context.Context, c cid.Cid, in *jetstream.ObjectInfo) (Link, error) {
	if l, ok := linkFromMeta(c, in.Metadata); ok {
		return l, nil
	}
	data, err := s.readBlock(ctx, c)
	if err != nil {
		return Link{}, err
	}
	return decodeLinkRecord(c, data)
}

func linkFromMeta(c cid.Cid, md map[string]string) (Link, bool) {
	from, err1 := block.ParseCID(md[metaFrom])
	to, err2 := block.ParseCID(md[metaTo])
	ts, err3 := strconv.ParseInt(md[metaTimestamp], 10, 64)
	t := md[metaType]
	if err1 != nil || err2 != nil || err3 != nil || ValidateLinkType(t) != nil {
		return Link{}, false
	}
	_, rc, err := linkRecord(from, to, t, ts)
	if err != nil || !rc.Equals(c) {
		return Link{}, false
	}
	return Link{CID: c, From: from, To: to, Type: t, Timestamp: ts}, true
}
