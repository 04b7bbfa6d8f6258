// This file writes what commands print: JSON lines, event records, errors as exit codes.

package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"unicode/utf8"

	"github.com/ipfs/go-cid"
	"golang.org/x/term"

	"github.com/jetdag/jetdag/store"
)

// storeErr maps store errors to exit codes: bad input 2, conflict 3, refused 4, else 1.
func storeErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrConflict):
		return &ExitError{Code: ExitConflict, Err: err}
	case errors.Is(err, store.ErrAuthorization):
		return &ExitError{Code: ExitAuth, Err: err}
	case errors.Is(err, store.ErrInvalidInput), errors.Is(err, store.ErrPayloadTooLarge), errors.Is(err, store.ErrUnknownParent):
		return badInput(err)
	}
	return err
}

// writeJSON writes v as one JSON line, with <, > and & as they are (aggregate IDs and
// payloads are not HTML).
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func cidString(c cid.Cid) *string {
	if !c.Defined() {
		return nil
	}
	s := c.String()
	return &s
}

// eventJSON is how the CLI prints a stored event.
type eventJSON struct {
	CID         string   `json:"cid"`
	Seq         uint64   `json:"seq"`
	AggregateID string   `json:"aggregate_id"`
	EventType   string   `json:"event_type"`
	PreviousCID *string  `json:"previous_cid"`
	ParentCIDs  []string `json:"parent_cids"`
	Timestamp   int64    `json:"timestamp"`
	// Payload is the payload as text when it is valid UTF-8, else null.
	Payload *string `json:"payload"`
	// PayloadBase64 is the payload in standard base64, always present.
	PayloadBase64 string `json:"payload_base64"`
}

func toEventJSON(ev *store.StoredEvent) eventJSON {
	j := eventJSON{
		CID: ev.CID.String(), Seq: ev.Seq, AggregateID: ev.AggregateID, EventType: ev.EventType,
		PreviousCID: cidString(ev.PreviousCID), ParentCIDs: []string{}, Timestamp: ev.Timestamp,
		PayloadBase64: base64.StdEncoding.EncodeToString(ev.Payload),
	}
	for _, p := range ev.ParentCIDs {
		j.ParentCIDs = append(j.ParentCIDs, p.String())
	}
	if utf8.Valid(ev.Payload) {
		s := string(ev.Payload)
		j.Payload = &s
	}
	return j
}

func isTerminal(f any) bool {
	if lw, ok := f.(*lockedWriter); ok {
		f = lw.w
	}
	if file, ok := f.(*os.File); ok {
		return term.IsTerminal(int(file.Fd()))
	}
	return false
}

// recordJSON prints a Subscribe record: an event, or a rejection with its reason.
func writeRecord(w io.Writer, r store.Record) error {
	switch {
	case r.Event != nil:
		return writeJSON(w, toEventJSON(r.Event))
	case r.Rejected != nil:
		return writeJSON(w, map[string]any{"seq": r.Rejected.Seq, "rejected": true, "subject": r.Rejected.Subject,
			"aggregate_id": r.Rejected.AggregateID, "claimed_cid": r.Rejected.ClaimedCID, "reason": r.Rejected.Reason})
	}
	return nil
}
