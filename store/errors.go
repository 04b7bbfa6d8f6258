package store

import (
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"
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
