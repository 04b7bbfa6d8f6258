package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go/jetstream"
)

// Sentinel errors; test for them with errors.Is.
var (
	// ErrNotFound means no event or object has the CID (or the aggregate has no events).
	ErrNotFound = errors.New("not found")
	// ErrCorrupt means stored bytes failed verification: they do not hash to their CID, are
	// not canonical DAG-CBOR, or disagree with their headers. Corrupt data is never returned.
	ErrCorrupt = errors.New("corrupt block")
	// ErrConflict means an append lost an optimistic-concurrency race or found a head other
	// than the one the caller expected; the error is a *ConflictError holding the current head.
	ErrConflict = errors.New("append conflict")
	// ErrUnknownParent means a parent CID names no stored event.
	ErrUnknownParent = errors.New("unknown parent")
	// ErrPayloadTooLarge means the message would exceed the server's maximum payload.
	ErrPayloadTooLarge = errors.New("payload too large")
	// ErrIncompatibleStream means an existing stream or bucket has a configuration jetdag
	// cannot use (other subjects, retention or storage).
	ErrIncompatibleStream = errors.New("incompatible existing stream")
	// ErrInvalidInput means an argument breaks the format's rules (empty aggregate ID, …).
	ErrInvalidInput = errors.New("invalid input")
	// ErrStorageFull means the server refused to store: JetStream's storage limits (server,
	// account or stream) are reached. Nothing of the refused append or put was kept.
	ErrStorageFull = errors.New("server storage full")
	// ErrDuplicateMsgID means the server answered a publish as a duplicate (its Nats-Msg-Id,
	// the event's CID, was used within the stream's duplicate window) but the message stored
	// under that ID is not this event in its place: another client squatted the ID. Nothing
	// was stored; the same event can be stored once the window (2 minutes) has passed.
	ErrDuplicateMsgID = errors.New("message ID held by another message")
	// ErrLinkCycle means a link was refused because its target already reaches its source
	// through hash links and stored links: the Merkle DAG of hash links and links stays
	// acyclic. Every such error also wraps ErrInvalidInput.
	ErrLinkCycle = errors.New("link would close a cycle")
	// ErrNotFile means an object holds a structured value where file content was asked for.
	ErrNotFile = errors.New("not file content")
)

// ConflictError reports the aggregate's head at the time an append was refused.
type ConflictError struct {
	AggregateID string
	// Head is the aggregate's current last event, cid.Undef when it has none.
	Head cid.Cid
	// HeadSeq is Head's stream sequence (0 when none).
	HeadSeq uint64
	// Expected is what the caller expected as head (cid.Undef for "must not exist"), when
	// the caller stated one.
	Expected cid.Cid
}

func (e *ConflictError) Error() string {
	head := "none"
	if e.Head.Defined() {
		head = e.Head.String()
	}
	return fmt.Sprintf("append conflict on aggregate %q: current head is %s (seq %d)", e.AggregateID, head, e.HeadSeq)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// JetStream API error codes jetdag reacts to, all in one place.
const (
	errCodeWrongLastSeq  = 10071 // expected last subject sequence did not match
	errCodeWrongLastSeqC = 10164 // the same, as a clustered stream's leader words it
	errCodeBatchDupMsgID = 10201 // atomic batch repeats a stored Nats-Msg-Id
	errCodeDupInProcess  = 10158 // a message with this Nats-Msg-Id is being stored right now

	// The server has no room left.
	errCodeAccountResources = 10002 // resource limits exceeded for account
	errCodeInsufficient     = 10023 // insufficient resources
	errCodeNoStorage        = 10047 // insufficient storage resources available
	errCodeNoMemory         = 10028 // insufficient memory resources available
	errCodeStoreFailed      = 10077 // storing failed; the description says why
)

// storageFull wraps err with ErrStorageFull when the server refused it for lack of room.
func storageFull(err error) error {
	var apiErr *jetstream.APIError
	if err == nil || !errors.As(err, &apiErr) {
		return err
	}
	switch apiErr.ErrorCode {
	case errCodeAccountResources, errCodeInsufficient, errCodeNoStorage, errCodeNoMemory:
		return fmt.Errorf("%w: %w", ErrStorageFull, err)
	case errCodeStoreFailed:
		d := strings.ToLower(apiErr.Description)
		if strings.Contains(d, "maximum bytes") || strings.Contains(d, "maximum messages") || strings.Contains(d, "no space") {
			return fmt.Errorf("%w: %w", ErrStorageFull, err)
		}
	}
	return err
}

// isWrongLastSeq reports the server refusing a publish because the aggregate's last sequence
// moved: the signal of a lost race.
func isWrongLastSeq(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == errCodeWrongLastSeq || apiErr.ErrorCode == errCodeWrongLastSeqC)
}

// isDupInProcess reports the server refusing a resend because the message it repeats (same
// Nats-Msg-Id) is still being stored, as happens when a publish is resent during a leader
// change: the resend is to be tried again, when it is answered as a duplicate or stored.
func isDupInProcess(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeDupInProcess
}
