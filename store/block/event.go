package block

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/ipfs/go-cid"
)

// MaxIDLen is the longest aggregate ID or event type, in bytes.
const MaxIDLen = 256

// An event block's keys, each with its CBOR text-string head, in FORMAT.md's canonical wire
// order (length-first, then bytewise).
const (
	keyPayload     = "\x67payload"
	keyTimestamp   = "\x69timestamp"
	keyEventType   = "\x6aevent_type"
	keyParentCIDs  = "\x6bparent_cids"
	keyAggregateID = "\x6caggregate_id"
	keyPreviousCID = "\x6cprevious_cid"
	keyData        = "\x64data"
)

// eventKeys returns the keys of an event block, for diagnosing a block that lacks or adds some.
func eventKeys() []string {
	return []string{"payload", "timestamp", "event_type", "parent_cids", "aggregate_id", "previous_cid"}
}

// Event is one event: a DAG-CBOR map with exactly FORMAT.md's six keys. Its zero value is not
// valid (AggregateID and EventType must be set).
type Event struct {
	AggregateID string    // aggregate_id: non-empty UTF-8, at most MaxIDLen bytes
	EventType   string    // event_type: same rules
	ParentCIDs  []cid.Cid // parent_cids: causal parents, in order; may be empty
	Payload     []byte    // payload: opaque bytes; nil and empty encode alike
	PreviousCID cid.Cid   // previous_cid: the aggregate's previous event; cid.Undef encodes as null
	Timestamp   int64     // timestamp: Unix nanoseconds, UTC
}

// Validate reports, wrapping ErrInvalidEvent, the first field that breaks FORMAT.md.
func (e *Event) Validate() error {
	if err := checkID("aggregate_id", e.AggregateID); err != nil {
		return err
	}
	if err := checkID("event_type", e.EventType); err != nil {
		return err
	}
	for i, p := range e.ParentCIDs {
		if !p.Defined() {
			return fmt.Errorf("%w: parent_cids[%d] is an undefined CID", ErrInvalidEvent, i)
		}
	}
	return nil
}

func checkID(field, s string) error {
	if err := CheckName(field, s); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidEvent, err)
	}
	return nil
}

// CheckName checks an aggregate ID or event type (what names it in the error) against
// FORMAT.md's rule: non-empty UTF-8 of at most MaxIDLen bytes, no CR, LF or NUL anywhere, and
// no space or tab at either end. The value also travels in a NATS header, and NATS does not
// carry those unchanged: nats.go writes a header value through textproto.TrimString (which
// drops spaces, tabs, CR and LF at both ends) and turns CR and LF inside it into spaces, and
// both nats.go's and the server's header readers skip the spaces after the colon. Errors wrap
// ErrInvalidName and say which part of the rule was broken.
func CheckName(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: %s is empty", ErrInvalidName, what)
	case len(s) > MaxIDLen:
		return fmt.Errorf("%w: %s is %d bytes, more than %d", ErrInvalidName, what, len(s), MaxIDLen)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalidName, what)
	case strings.ContainsAny(s, "\r\n\x00"):
		return fmt.Errorf("%w: %s contains CR, LF or NUL, which NATS headers cannot carry", ErrInvalidName, what)
	case edgeSpace(s[0]) || edgeSpace(s[len(s)-1]):
		return fmt.Errorf("%w: %s %s with a space or tab, which NATS trims from header values (names may not begin or end with one)", ErrInvalidName, what, whichEnd(s))
	}
	return nil
}

func edgeSpace(b byte) bool { return b == ' ' || b == '\t' }

func whichEnd(s string) string {
	if edgeSpace(s[0]) {
		return "begins"
	}
	return "ends"
}

// EncodedLen returns the exact size of the event's block in bytes.
func (e *Event) EncodedLen() int {
	n := 1 // map head
	n += len(keyPayload) + headLen(uint64(len(e.Payload))) + len(e.Payload)
	n += len(keyTimestamp) + intLen(e.Timestamp)
	n += len(keyEventType) + headLen(uint64(len(e.EventType))) + len(e.EventType)
	n += len(keyParentCIDs) + headLen(uint64(len(e.ParentCIDs)))
	for _, p := range e.ParentCIDs {
		n += linkLen(p)
	}
	n += len(keyAggregateID) + headLen(uint64(len(e.AggregateID))) + len(e.AggregateID)
	n += len(keyPreviousCID)
	if e.PreviousCID.Defined() {
		n += linkLen(e.PreviousCID)
	} else {
		n++
	}
	return n
}

// Block validates the event, encodes it and computes its CID: two allocations (three when
// the fields after the payload exceed 512 bytes), one for the block and one for the CID.
func (e *Event) Block() (data []byte, c cid.Cid, err error) {
	if err := e.Validate(); err != nil {
		return nil, cid.Undef, err
	}
	var headBuf [1 + len(keyPayload) + 9]byte
	var tailBuf [512]byte
	head := e.appendHeadPart(headBuf[:0])
	tail := e.appendTailPart(tailBuf[:0])
	// bytes.Join allocates its result without zeroing it first; for a 1 MiB payload that
	// saves as much time as the copy itself costs.
	data = bytes.Join([][]byte{head, e.Payload, tail}, nil)
	return data, Sum(data), nil
}

// AppendBlock is Block writing into dst's spare capacity (growing it only when needed): it
// returns dst with the block appended, and the CID of the appended bytes alone.
func (e *Event) AppendBlock(dst []byte) ([]byte, cid.Cid, error) {
	if err := e.Validate(); err != nil {
		return dst, cid.Undef, err
	}
	start := len(dst)
	dst = e.appendFields(slices.Grow(dst, e.EncodedLen()))
	return dst, Sum(dst[start:]), nil
}

// appendFields is the hand-written event encoder: the six entries in canonical order,
// byte-identical to Encode of the equivalent map (a test holds it to that).
func (e *Event) appendFields(b []byte) []byte {
	b = e.appendHeadPart(b)
	b = append(b, e.Payload...)
	return e.appendTailPart(b)
}

// appendHeadPart writes what precedes the payload's bytes: the map head, the payload key
// and the payload's byte-string head.
func (e *Event) appendHeadPart(b []byte) []byte {
	b = append(b, 0xa6)
	b = append(b, keyPayload...)
	return appendHead(b, 2, uint64(len(e.Payload)))
}

// appendTailPart writes the five entries after the payload.
func (e *Event) appendTailPart(b []byte) []byte {
	b = append(b, keyTimestamp...)
	b = appendInt(b, e.Timestamp)
	b = append(b, keyEventType...)
	b = appendHead(b, 3, uint64(len(e.EventType)))
	b = append(b, e.EventType...)
	b = append(b, keyParentCIDs...)
	b = appendHead(b, 4, uint64(len(e.ParentCIDs)))
	for _, p := range e.ParentCIDs {
		b = appendLink(b, p)
	}
	b = append(b, keyAggregateID...)
	b = appendHead(b, 3, uint64(len(e.AggregateID)))
	b = append(b, e.AggregateID...)
	b = append(b, keyPreviousCID...)
	return appendLinkOrNull(b, e.PreviousCID)
}

// DecodeEvent parses an event block strictly: it must be canonical DAG-CBOR (errors wrap
// ErrNotCanonical, as *StrictError) holding exactly FORMAT.md's keys with their kinds and
// rules (errors wrap ErrInvalidEvent). The payload and strings are copied out of data; an
// empty payload decodes as nil and empty parent_cids as a nil slice.
func DecodeEvent(data []byte) (*Event, error) {
	if e, ok := decodeEventFast(data); ok {
		if err := e.Validate(); err != nil {
			return nil, err
		}
		return e, nil
	}
	// Not the exact canonical layout: decode generically to say precisely what is wrong.
	v, err := Decode(data)
	if err != nil {
		return nil, err
	}
	return eventFromValue(v)
}

// decodeEventFast reads the one byte layout a canonical event block can have, without
// building a generic map. Any surprise makes it give up; DecodeEvent then explains why.
func decodeEventFast(data []byte) (*Event, bool) {
	d := decoder{data: data}
	var e Event
	if !d.literal("\xa6" + keyPayload) {
		return nil, false
	}
	payload, ok := d.fastString(2)
	if !ok || !d.literal(keyTimestamp) {
		return nil, false
	}
	major, _, arg, err := d.head()
	if err != nil || major > 1 || arg > math.MaxInt64 {
		return nil, false
	}
	e.Timestamp = int64(arg)
	if major == 1 {
		e.Timestamp = -1 - int64(arg)
	}
	if !d.literal(keyEventType) {
		return nil, false
	}
	typ, ok := d.fastString(3)
	if !ok || !d.literal(keyParentCIDs) {
		return nil, false
	}
	major, _, n, err := d.head()
	if err != nil || major != 4 || n > d.remaining()/4 { // a link takes more than 4 bytes
		return nil, false
	}
	if n > 0 {
		e.ParentCIDs = make([]cid.Cid, n)
		for i := range e.ParentCIDs {
			if !d.literal("\xd8\x2a") {
				return nil, false
			}
			if e.ParentCIDs[i], err = d.link(); err != nil {
				return nil, false
			}
		}
	}
	if !d.literal(keyAggregateID) {
		return nil, false
	}
	agg, ok := d.fastString(3)
	if !ok || !d.literal(keyPreviousCID) {
		return nil, false
	}
	switch {
	case d.literal("\xf6"):
	case d.literal("\xd8\x2a"):
		if e.PreviousCID, err = d.link(); err != nil {
			return nil, false
		}
	default:
		return nil, false
	}
	if d.pos != len(data) {
		return nil, false
	}
	if len(payload) > 0 {
		e.Payload = append([]byte(nil), payload...)
	}
	e.EventType = string(typ)
	e.AggregateID = string(agg)
	return &e, true
}

// literal consumes s if the input continues with it.
func (d *decoder) literal(s string) bool {
	if len(d.data)-d.pos < len(s) || string(d.data[d.pos:d.pos+len(s)]) != s {
		return false
	}
	d.pos += len(s)
	return true
}

// fastString reads a byte string (major 2) or a valid UTF-8 text string (major 3).
func (d *decoder) fastString(want byte) ([]byte, bool) {
	start := d.pos
	major, _, n, err := d.head()
	if err != nil || major != want {
		return nil, false
	}
	b, err := d.take(n, start)
	if err != nil || (want == 3 && !utf8.Valid(b)) {
		return nil, false
	}
	return b, true
}

// eventFromValue checks a decoded block against FORMAT.md's event schema.
func eventFromValue(v any) (*Event, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: block is a %s, not a map", ErrInvalidEvent, kindOf(v))
	}
	if err := checkKeys(m, eventKeys(), ErrInvalidEvent); err != nil {
		return nil, err
	}
	var e Event
	var err error
	if e.Payload, err = field[[]byte](m, "payload", "bytes", ErrInvalidEvent); err != nil {
		return nil, err
	}
	if len(e.Payload) == 0 {
		e.Payload = nil
	}
	if e.Timestamp, err = timestampField(m, ErrInvalidEvent); err != nil {
		return nil, err
	}
	if e.EventType, err = field[string](m, "event_type", "string", ErrInvalidEvent); err != nil {
		return nil, err
	}
	if e.AggregateID, err = field[string](m, "aggregate_id", "string", ErrInvalidEvent); err != nil {
		return nil, err
	}
	parents, err := field[[]any](m, "parent_cids", "list of links", ErrInvalidEvent)
	if err != nil {
		return nil, err
	}
	for i, p := range parents {
		c, ok := p.(cid.Cid)
		if !ok {
			return nil, fmt.Errorf("%w: parent_cids[%d] is a %s, want a link", ErrInvalidEvent, i, kindOf(p))
		}
		e.ParentCIDs = append(e.ParentCIDs, c)
	}
	if e.PreviousCID, err = linkOrNullField(m, ErrInvalidEvent); err != nil {
		return nil, err
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return &e, nil
}

// checkKeys reports the first missing key, then the first unexpected one.
func checkKeys(m map[string]any, keys []string, sentinel error) error {
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return fmt.Errorf("%w: missing key %q", sentinel, k)
		}
	}
	if len(m) == len(keys) {
		return nil
	}
	var extra []string
	for k := range m {
		if !slices.Contains(keys, k) {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	return fmt.Errorf("%w: unexpected key %q", sentinel, clip(extra[0]))
}

func field[T any](m map[string]any, key, kind string, sentinel error) (T, error) {
	v, ok := m[key].(T)
	if !ok {
		var zero T
		return zero, fmt.Errorf("%w: %s is a %s, want %s", sentinel, key, kindOf(m[key]), kind)
	}
	return v, nil
}

func timestampField(m map[string]any, sentinel error) (int64, error) {
	switch t := m["timestamp"].(type) {
	case int64:
		return t, nil
	case uint64, *big.Int:
		return 0, fmt.Errorf("%w: timestamp %v is outside the int64 range", sentinel, t)
	default:
		return 0, fmt.Errorf("%w: timestamp is a %s, want int", sentinel, kindOf(t))
	}
}

func linkOrNullField(m map[string]any, sentinel error) (cid.Cid, error) {
	switch p := m["previous_cid"].(type) {
	case nil:
		return cid.Undef, nil
	case cid.Cid:
		return p, nil
	default:
		return cid.Undef, fmt.Errorf("%w: previous_cid is a %s, want a link or null", sentinel, kindOf(p))
	}
}

// kindOf names a decoded value's data-model kind.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case int64, uint64, *big.Int:
		return "int"
	case float64:
		return "float"
	case string:
		return "string"
	case []byte:
		return "bytes"
	case cid.Cid:
		return "link"
	case []any:
		return "list"
	case map[string]any:
		return "map"
	}
	return fmt.Sprintf("%T", v)
}

// headLen is the size of a CBOR head carrying n.
func headLen(n uint64) int {
	switch {
	case n < 24:
		return 1
	case n <= math.MaxUint8:
		return 2
	case n <= math.MaxUint16:
		return 3
	case n <= math.MaxUint32:
		return 5
	}
	return 9
}

func intLen(v int64) int {
	if v < 0 {
		return headLen(uint64(-1 - v))
	}
	return headLen(uint64(v))
}

// linkLen is the size of tag 42 around 0x00 + the binary CID.
func linkLen(c cid.Cid) int {
	n := 1 + c.ByteLen()
	return 2 + headLen(uint64(n)) + n
}

// appendHead appends the shortest head of the major type carrying n.
func appendHead(b []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(b, m|byte(n))
	case n <= math.MaxUint8:
		return append(b, m|24, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, m|25), uint16(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, m|26), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, m|27), n)
}

func appendInt(b []byte, v int64) []byte {
	if v < 0 {
		return appendHead(b, 1, uint64(-1-v))
	}
	return appendHead(b, 0, uint64(v))
}

func appendLink(b []byte, c cid.Cid) []byte {
	b = append(b, 0xd8, 0x2a)
	b = appendHead(b, 2, uint64(1+c.ByteLen()))
	b = append(b, 0x00)
	return append(b, c.KeyString()...)
}

func appendLinkOrNull(b []byte, c cid.Cid) []byte {
	if !c.Defined() {
		return append(b, 0xf6)
	}
	return appendLink(b, c)
}
