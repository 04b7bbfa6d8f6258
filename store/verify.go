package store

import (
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"

	"github.com/jetdag/jetdag/store/block"
)

// Header names of an event message (FORMAT.md).
const (
	HeaderCID         = "Cid"
	HeaderAggregateID = "Aggregate-Id"
	HeaderEventType   = "Event-Type"
	HeaderPreviousCID = "Previous-Cid"
	HeaderParentPfx   = "Parent-"
	HeaderMsgID       = "Nats-Msg-Id"
)

// EventMessage builds the stream message of an event: its subject, headers and block bytes.
// Every producer of event messages (the stores, import) goes through it.
func EventMessage(ev *block.Event) (*nats.Msg, cid.Cid, error) {
	if err := ValidateName("aggregate ID", ev.AggregateID); err != nil {
		return nil, cid.Undef, err
	}
	if err := ValidateName("event type", ev.EventType); err != nil {
		return nil, cid.Undef, err
	}
	return eventMessage(ev)
}

// eventMessage is EventMessage for names already validated.
func eventMessage(ev *block.Event) (*nats.Msg, cid.Cid, error) {
	data, c, err := ev.Block()
	if err != nil {
		return nil, cid.Undef, fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	return eventMessageFor(ev, data, c), c, nil
}

func eventMessageFor(ev *block.Event, data []byte, c cid.Cid) *nats.Msg {
	cs := cidString(c)
	h := make(nats.Header, 5+len(ev.ParentCIDs))
	h[HeaderCID] = []string{cs}
	h[HeaderAggregateID] = []string{ev.AggregateID}
	h[HeaderEventType] = []string{ev.EventType}
	if ev.PreviousCID.Defined() {
		h[HeaderPreviousCID] = []string{cidString(ev.PreviousCID)}
	}
	for i, p := range ev.ParentCIDs {
		h[HeaderParentPfx+strconv.Itoa(i)] = []string{cidString(p)}
	}
	h[HeaderMsgID] = []string{cs}
	return &nats.Msg{Subject: SubjectFor(ev.AggregateID, ev.EventType), Header: h, Data: data}
}

// MessageSize is the size the server counts against its max payload: headers plus body.
func MessageSize(m *nats.Msg) int {
	n := len(m.Data) + len("NATS/1.0\r\n\r\n")
	for k, vs := range m.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// digestKey is the sha2-256 digest of a verified event block: every verified event CID is
// CIDv1 dag-cbor sha2-256, so the digest alone identifies it (32 bytes instead of a CID string).
type digestKey [32]byte

func keyOf(c cid.Cid) (digestKey, bool) {
	var k digestKey
	b := c.Bytes()
	// CIDv1 dag-cbor sha2-256: 0x01 0x71 0x12 0x20 + 32 bytes.
	if len(b) != 36 || b[0] != 0x01 || b[1] != 0x71 || b[2] != 0x12 || b[3] != 0x20 {
		return k, false
	}
	copy(k[:], b[4:])
	return k, true
}

type headRef struct {
	cid cid.Cid // the aggregate's last valid event (cid.Undef: none)
	seq uint64  // its sequence
	// last is the sequence of the last message on the aggregate's subjects, valid or not:
	// what the server's expected-sequence check compares with.
	last uint64
}

// Verifier checks FORMAT.md's invariants message by message, in stream order. It is the
// replay index: it remembers every verified event's sequence by CID digest and every
// aggregate's head, and nothing else (payloads are fetched on demand).
type Verifier struct {
	seqs    map[digestKey]uint64
	heads   map[string]headRef
	lastSeq uint64 // the highest sequence checked

	// A bounded Verifier remembers at most len(ring) events (oldest forgotten first) and
	// asks lookup about the ones it forgot.
	ring   []digestKey
	next   int
	lookup LookupFunc
	// from is the sequence the Verifier started after (0, or a resume point): it checked
	// every message after it. rejected holds the sequences of the last len(ring) messages it
	// rejected (rejRing their order), so that a forgotten parent the CID index finds there
	// (the index holds any message whose block checks on its own, a fork too) is not taken
	// for a valid one.
	from     uint64
	rejected map[uint64]struct{}
	rejRing  []uint64
	rejNext  int
}

// LookupFunc finds a stored event's stream sequence by CID for a bounded Verifier: found false
// with a nil error means the store holds no such event; an error means it could not be asked
// (a timeout, a leader election, no responders), which is no answer at all.
type LookupFunc func(cid.Cid) (seq uint64, found bool, err error)

// ErrLookup reports a parent a bounded Verifier had forgotten and could not look up. It is not
// a verdict on the message (it does not wrap ErrRejected): whoever reads the stream stops, and
// a later attempt checks the message again.
var ErrLookup = errors.New("parent lookup failed")

// NewVerifier returns a Verifier for a stream read from its first message.
func NewVerifier() *Verifier {
	return &Verifier{seqs: make(map[digestKey]uint64), heads: make(map[string]headRef)}
}

// NewBoundedVerifier returns a Verifier whose memory stays flat however long the stream: it
// remembers the last max events, and for a parent it has forgotten it asks lookup (the CID
// index) for its sequence. Heads are kept for every aggregate. A long-running feed (the
// kiosk) uses it; a full verification uses NewVerifier.
func NewBoundedVerifier(max int, lookup LookupFunc) *Verifier {
	v := NewVerifier()
	v.ring = make([]digestKey, max)
	v.lookup = lookup
	v.rejected = make(map[uint64]struct{})
	return v
}

// reject records that the message at seq was rejected, forgetting the oldest such record
// beyond len(ring).
func (v *Verifier) reject(seq uint64) {
	if v.ring == nil {
		return
	}
	if len(v.rejRing) < len(v.ring) {
		v.rejRing = append(v.rejRing, seq)
	} else {
		delete(v.rejected, v.rejRing[v.rejNext])
		v.rejRing[v.rejNext] = seq
		v.rejNext = (v.rejNext + 1) % len(v.rejRing)
	}
	v.rejected[seq] = struct{}{}
}

// window is the lowest sequence from which the Verifier still remembers every message it
// accepted: a message there that it does not remember was not accepted.
func (v *Verifier) window() uint64 {
	if v.ring != nil && len(v.seqs) >= len(v.ring) {
		return v.seqs[v.ring[v.next]]
	}
	return v.from + 1
}

func (v *Verifier) remember(k digestKey, seq uint64) {
	if v.ring != nil {
		if len(v.seqs) >= len(v.ring) {
			delete(v.seqs, v.ring[v.next])
		}
		v.ring[v.next] = k
		v.next = (v.next + 1) % len(v.ring)
	}
	v.seqs[k] = seq
}

// known reports an earlier event's sequence, asking the lookup when it was forgotten; an
// error (wrapping ErrLookup) when the lookup could not answer.
func (v *Verifier) known(k digestKey) (uint64, bool, error) {
	if s, ok := v.seqs[k]; ok {
		return s, true, nil
	}
	if v.lookup != nil {
		c := cidOfKey(k)
		s, ok, err := v.lookup(c)
		if err != nil {
			return 0, false, fmt.Errorf("%w: %s: %w", ErrLookup, c, err)
		}
		if _, rej := v.rejected[s]; ok && (rej || s > v.from && s >= v.window()) {
			return 0, false, nil // stored, but this Verifier rejected it (a fork, a replay)
		}
		return s, ok, nil
	}
	return 0, false, nil
}

// ErrRejected wraps every reason a message fails verification.
var ErrRejected = errors.New("rejected")

// Check verifies one stream message. A message that passes is recorded (it becomes its
// aggregate's head and a valid parent for later events); one that fails leaves the Verifier
// unchanged and the error (wrapping ErrRejected) says why. When a bounded Verifier cannot
// look up a forgotten parent, the message is neither accepted nor rejected: the error wraps
// ErrLookup, the Verifier is unchanged, and the message must be checked again later.
func (v *Verifier) Check(seq uint64, subject string, hdr nats.Header, data []byte) (*StoredEvent, error) {
	prevLast := v.lastSeq
	v.lastSeq = max(v.lastSeq, seq)
	ev, c, err := v.check(subject, hdr, data)
	if errors.Is(err, ErrLookup) {
		v.lastSeq = prevLast
		return nil, err
	}
	if err != nil {
		v.reject(seq)
		return nil, fmt.Errorf("%w: %w", ErrRejected, err)
	}
	k, _ := keyOf(c)
	v.remember(k, seq)
	v.heads[ev.AggregateID] = headRef{cid: c, seq: seq}
	return &StoredEvent{Event: *ev, CID: c, Seq: seq}, nil
}

func (v *Verifier) check(subject string, hdr nats.Header, data []byte) (*block.Event, cid.Cid, error) {
	claimed := hdr.Get(HeaderCID)
	if claimed == "" {
		return nil, cid.Undef, errors.New("no Cid header")
	}
	c := block.Sum(data)
	var buf [cidStringLen]byte
	if cs := appendCIDString(buf[:0], c); string(cs) != claimed {
		return nil, cid.Undef, fmt.Errorf("body hashes to %s, not to its Cid header %s", cs, claimed)
	}
	ev, err := block.DecodeEvent(data)
	if err != nil {
		return nil, cid.Undef, fmt.Errorf("not a canonical event block: %w", err)
	}
	if err := ValidateName("aggregate ID", ev.AggregateID); err != nil {
		return nil, cid.Undef, err
	}
	if err := ValidateName("event type", ev.EventType); err != nil {
		return nil, cid.Undef, err
	}
	if !subjectIs(subject, ev.AggregateID, ev.EventType) {
		return nil, cid.Undef, fmt.Errorf("subject %s disagrees with the block (want %s)", subject, SubjectFor(ev.AggregateID, ev.EventType))
	}
	if err := checkHeaders(hdr, ev, claimed); err != nil {
		return nil, cid.Undef, err
	}
	k, _ := keyOf(c)
	if s, dup := v.seqs[k]; dup {
		return nil, cid.Undef, fmt.Errorf("duplicate of the event at seq %d", s)
	}
	head, hasHead := v.heads[ev.AggregateID]
	switch {
	case !ev.PreviousCID.Defined() && hasHead:
		return nil, cid.Undef, fmt.Errorf("fork: previous_cid is null but aggregate %q already has head %s", ev.AggregateID, head.cid)
	case ev.PreviousCID.Defined() && !hasHead:
		return nil, cid.Undef, fmt.Errorf("previous_cid %s but aggregate %q has no earlier event", ev.PreviousCID, ev.AggregateID)
	case ev.PreviousCID.Defined() && !ev.PreviousCID.Equals(head.cid):
		if pk, ok := keyOf(ev.PreviousCID); ok {
			if ps, known := v.seqs[pk]; known {
				return nil, cid.Undef, fmt.Errorf("fork: previous_cid %s (seq %d) is not the head %s (seq %d)", ev.PreviousCID, ps, head.cid, head.seq)
			}
		}
		return nil, cid.Undef, fmt.Errorf("previous_cid %s is not the head %s of aggregate %q", ev.PreviousCID, head.cid, ev.AggregateID)
	}
	for i, p := range ev.ParentCIDs { // every parent's form first: no lookup for a message that is wrong anyway
		if _, ok := keyOf(p); !ok {
			return nil, cid.Undef, fmt.Errorf("parent %d (%s) is not a dag-cbor sha2-256 CID", i, p)
		}
	}
	for i, p := range ev.ParentCIDs {
		pk, _ := keyOf(p)
		ps, known, err := v.known(pk)
		if err != nil {
			return nil, cid.Undef, err
		}
		if !known || ps >= v.lastSeq {
			return nil, cid.Undef, fmt.Errorf("parent %d (%s) names no earlier event", i, p)
		}
	}
	return ev, c, nil
}

func checkHeaders(hdr nats.Header, ev *block.Event, cs string) error {
	if got := hdr.Get(HeaderAggregateID); got != ev.AggregateID {
		return fmt.Errorf("header Aggregate-Id %q disagrees with the block's %q", got, ev.AggregateID)
	}
	if got := hdr.Get(HeaderEventType); got != ev.EventType {
		return fmt.Errorf("header Event-Type %q disagrees with the block's %q", got, ev.EventType)
	}
	prev := hdr.Get(HeaderPreviousCID)
	switch {
	case ev.PreviousCID.Defined() && prev != cidString(ev.PreviousCID):
		return fmt.Errorf("header Previous-Cid %q disagrees with the block's %s", prev, ev.PreviousCID)
	case !ev.PreviousCID.Defined() && prev != "":
		return fmt.Errorf("header Previous-Cid %q but the block's previous_cid is null", prev)
	}
	parents := 0
	for k := range hdr {
		if strings.HasPrefix(k, HeaderParentPfx) {
			parents++
		}
	}
	if parents != len(ev.ParentCIDs) {
		return fmt.Errorf("%d Parent-n headers for %d parent_cids", parents, len(ev.ParentCIDs))
	}
	for i, p := range ev.ParentCIDs {
		if got := hdr.Get(HeaderParentPfx + strconv.Itoa(i)); got != cidString(p) {
			return fmt.Errorf("header Parent-%d %q disagrees with the block's %s", i, got, p)
		}
	}
	if got := hdr.Get(HeaderMsgID); got != cs {
		return fmt.Errorf("header Nats-Msg-Id %q is not the CID", got)
	}
	return nil
}

// Seq returns the sequence of a verified event, if the Verifier has seen it.
func (v *Verifier) Seq(c cid.Cid) (uint64, bool) {
	k, ok := keyOf(c)
	if !ok {
		return 0, false
	}
	s, ok := v.seqs[k]
	return s, ok
}

// Head returns an aggregate's latest verified event.
func (v *Verifier) Head(aggregateID string) (cid.Cid, uint64, bool) {
	h, ok := v.heads[aggregateID]
	return h.cid, h.seq, ok
}

// Len is the number of verified events.
func (v *Verifier) Len() int { return len(v.seqs) }

// Aggregates is the number of aggregates seen.
func (v *Verifier) Aggregates() int { return len(v.heads) }

// rejection describes a message that failed Check.
func rejection(seq uint64, subject string, hdr nats.Header, data []byte, err error) *Rejection {
	r := &Rejection{Seq: seq, Subject: subject, ClaimedCID: hdr.Get(HeaderCID), MsgID: hdr.Get(HeaderMsgID), Reason: err.Error()}
	r.Reason = strings.TrimPrefix(r.Reason, ErrRejected.Error()+": ")
	if a := hdr.Get(HeaderAggregateID); a != "" {
		r.AggregateID = a
	} else if a, _, err := ParseSubject(subject); err == nil {
		r.AggregateID = a
	}
	_ = data
	return r
}

// cidOfKey rebuilds the CID of a verified event from its digest.
func cidOfKey(k digestKey) cid.Cid {
	var b [36]byte
	b[0], b[1], b[2], b[3] = 0x01, 0x71, 0x12, 0x20
	copy(b[4:], k[:])
	c, err := cid.Cast(b[:])
	if err != nil {
		return cid.Undef // unreachable: the prefix above is a valid CIDv1 header
	}
	return c
}

// cidStringLen is the length of a CIDv1 dag-cbor sha2-256 CID in base32: "b" + 58 characters.
const cidStringLen = 59

// base32Lower is the multibase "b" alphabet (RFC 4648 base32, lower case, no padding).
var base32Lower = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// appendCIDString appends c's canonical string form without go-cid's multibase machinery
// (the replay's hot path compares it with every Cid header).
func appendCIDString(dst []byte, c cid.Cid) []byte {
	dst = append(dst, 'b')
	return base32Lower.AppendEncode(dst, c.Bytes())
}

// cidString is c.String(), fast for the CIDs of events (CIDv1 dag-cbor sha2-256).
func cidString(c cid.Cid) string {
	if _, ok := keyOf(c); ok {
		var buf [cidStringLen]byte
		return string(appendCIDString(buf[:0], c))
	}
	return c.String()
}

// subjectIs reports whether subject is SubjectFor(aggregateID, eventType), without building it
// when both names are plain tokens.
func subjectIs(subject, aggregateID, eventType string) bool {
	if !isPlain(aggregateID) || !isPlain(eventType) {
		return subject == SubjectFor(aggregateID, eventType)
	}
	return len(subject) == len(SubjectPrefix)+len(aggregateID)+1+len(eventType) &&
		strings.HasPrefix(subject, SubjectPrefix) &&
		subject[len(SubjectPrefix):len(SubjectPrefix)+len(aggregateID)] == aggregateID &&
		subject[len(SubjectPrefix)+len(aggregateID)] == '.' &&
		subject[len(SubjectPrefix)+len(aggregateID)+1:] == eventType
}

func isPlain(v string) bool {
	for i := 0; i < len(v); i++ {
		if !plainByte(v[i]) {
			return false
		}
	}
	return true
}
