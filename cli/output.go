// This file writes what commands print: JSON lines, event records, errors as exit codes.

package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/ipfs/go-cid"
	"golang.org/x/term"

	"github.com/jetdag/jetdag/store"
)

// storeErr maps store errors to exit codes: bad input 2, conflict 3, refused 4, else 1.
//
// A message ID held by another message (ErrDuplicateMsgID: a raw client published other bytes
// under the event's CID within the duplicate window) and a full store are 1: the input is
// well-formed and would be stored on another store; this one says no. It is no conflict (3)
// either: re-reading the head does not help, only the window passing does.
func storeErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrDuplicateMsgID), errors.Is(err, store.ErrStorageFull):
		return &ExitError{Code: ExitFailure, Err: err}
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

// outputFile is a file a command writes at a path the user named. A new path or a regular
// file is written to a temporary file beside it and renamed into place by commit, so a
// failed command leaves what was there. A character device or a FIFO (/dev/null,
// /dev/stdout, a named pipe) is written directly: renaming over it would replace it. A
// symbolic link is followed (the file it names is replaced, the link stays). Errors name
// the user's path, never the temporary file.
type outputFile struct {
	path   string // as the user gave it
	target string // where commit renames to (path with symbolic links resolved)
	f      *os.File
	direct bool
	mode   os.FileMode
	done   bool
}

// createOutput opens path for writing as outputFile describes. A directory, a socket, a
// block device, a dangling symbolic link or a missing directory is bad input (exit 2).
func createOutput(flag, path string) (*outputFile, error) {
	if path == "" {
		return nil, badInputf("%s: empty file name", flag)
	}
	o := &outputFile{path: path, target: path, mode: 0o644}
	if li, err := os.Lstat(path); err == nil {
		fi := li
		if li.Mode()&fs.ModeSymlink != 0 {
			t, err := filepath.EvalSymlinks(path)
			if err != nil {
				return nil, badInputf("%s %s: a symbolic link to nothing that exists (%w)", flag, path, err)
			}
			if fi, err = os.Stat(t); err != nil {
				return nil, badInputf("%s %s: %w", flag, path, err)
			}
			o.target = t
		}
		switch m := fi.Mode(); {
		case m.IsRegular():
			o.mode = m.Perm()
		case m&fs.ModeCharDevice != 0, m&fs.ModeNamedPipe != 0:
			o.direct = true
		default:
			return nil, badInputf("%s %s: is %s; want a regular file, a character device or a FIFO", flag, path, fileKind(m))
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, badInputf("%s: %w", flag, err)
	}
	if o.direct {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, badInputf("%s: %w", flag, err)
		}
		o.f = f
		return o, nil
	}
	dir := filepath.Dir(o.target)
	if di, err := os.Stat(dir); err != nil {
		return nil, badInputf("%s %s: its directory: %w", flag, path, err)
	} else if !di.IsDir() {
		return nil, badInputf("%s %s: %s is not a directory", flag, path, dir)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(o.target)+".*")
	if err != nil {
		return nil, badInputf("%s %s: cannot create a file beside it: %w", flag, path, pathless(err))
	}
	o.f = f
	return o, nil
}

// Write writes to the file; an error names the user's path.
func (o *outputFile) Write(p []byte) (int, error) {
	n, err := o.f.Write(p)
	if err != nil {
		err = fmt.Errorf("write %s: %w", o.path, pathless(err))
	}
	return n, err
}

// commit makes what was written durable and, for a temporary file, renames it into place.
func (o *outputFile) commit() error {
	o.done = true
	if o.direct {
		if err := o.f.Close(); err != nil {
			return fmt.Errorf("close %s: %w", o.path, pathless(err))
		}
		return nil
	}
	tmp := o.f.Name()
	err := o.f.Chmod(o.mode)
	if err == nil {
		err = o.f.Sync()
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, o.target)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", o.path, pathless(err))
	}
	return nil
}

// abort discards the temporary file (a no-op after commit).
func (o *outputFile) abort() {
	if o.done {
		return
	}
	o.done = true
	o.f.Close()
	if !o.direct {
		os.Remove(o.f.Name())
	}
}

// pathless is the cause of an *fs.PathError or *os.LinkError without the file names, so
// that a message names the user's path instead of a temporary one.
func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
