package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jetdag/jetdag/store/block"
)

// Subject layout of the event stream (FORMAT.md).
const (
	// StreamName is the JetStream stream that holds every event.
	StreamName = "event-store"
	// SubjectPrefix starts every event subject.
	SubjectPrefix = "event.store."
	// StreamSubjects is the stream's subject filter.
	StreamSubjects = "event.store.>"
	// MaxNameBytes bounds aggregate IDs and event types.
	MaxNameBytes = 256
)

// ErrBadToken means a subject token is not a valid escaped name.
var ErrBadToken = errors.New("bad subject token")

// EscapeToken turns an aggregate ID or event type into one NATS subject token.
//
// A value made only of ASCII letters and digits, '-', '_', ':' and '@' is its own token. Any
// other value is escaped: every byte outside that set is written as '~' followed by two
// lower-case hex digits (so "order.1" becomes "order~2e1" and "a~b" becomes "a~7eb"). A plain
// value never contains '~', so a token with a '~' is always an escaped one, and
// UnescapeToken(EscapeToken(v)) == v for every value.
func EscapeToken(v string) string {
	plain := true
	for i := 0; i < len(v); i++ {
		if !plainByte(v[i]) {
			plain = false
			break
		}
	}
	if plain {
		return v
	}
	const hexdig = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(v) + 8)
	for i := 0; i < len(v); i++ {
		c := v[i]
		if plainByte(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('~')
		b.WriteByte(hexdig[c>>4])
		b.WriteByte(hexdig[c&0xf])
	}
	return b.String()
}

// UnescapeToken reverses EscapeToken. It refuses tokens EscapeToken never writes: empty ones,
// bytes outside the plain set, malformed or upper-case escapes, and escapes of plain bytes.
func UnescapeToken(tok string) (string, error) {
	if tok == "" {
		return "", fmt.Errorf("%w: empty", ErrBadToken)
	}
	if !strings.Contains(tok, "~") {
		for i := 0; i < len(tok); i++ {
			if !plainByte(tok[i]) {
				return "", fmt.Errorf("%w: %q has byte 0x%02x outside the plain set", ErrBadToken, tok, tok[i])
			}
		}
		return tok, nil
	}
	out := make([]byte, 0, len(tok))
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c != '~' {
			if !plainByte(c) {
				return "", fmt.Errorf("%w: %q has byte 0x%02x outside the plain set", ErrBadToken, tok, c)
			}
			out = append(out, c)
			continue
		}
		if i+2 >= len(tok) {
			return "", fmt.Errorf("%w: %q ends inside an escape", ErrBadToken, tok)
		}
		h, ok1 := unhex(tok[i+1])
		l, ok2 := unhex(tok[i+2])
		if !ok1 || !ok2 {
			return "", fmt.Errorf("%w: %q has a malformed escape at byte %d", ErrBadToken, tok, i)
		}
		v := h<<4 | l
		if plainByte(v) {
			return "", fmt.Errorf("%w: %q escapes the plain byte %q", ErrBadToken, tok, v)
		}
		out = append(out, v)
		i += 2
	}
	return string(out), nil
}

// SubjectFor is the subject of an event: event.store.<aggregate token>.<event type token>.
func SubjectFor(aggregateID, eventType string) string {
	return SubjectPrefix + EscapeToken(aggregateID) + "." + EscapeToken(eventType)
}

// AggregateFilter is the subject filter matching every event of one aggregate.
func AggregateFilter(aggregateID string) string {
	return SubjectPrefix + EscapeToken(aggregateID) + ".*"
}

// ParseSubject splits an event subject into its aggregate ID and event type.
func ParseSubject(subject string) (aggregateID, eventType string, err error) {
	rest, ok := strings.CutPrefix(subject, SubjectPrefix)
	if !ok {
		return "", "", fmt.Errorf("%w: subject %q is not under %s", ErrBadToken, subject, StreamSubjects)
	}
	aggTok, typeTok, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(typeTok, ".") {
		return "", "", fmt.Errorf("%w: subject %q does not have the form event.store.<aggregate>.<type>", ErrBadToken, subject)
	}
	if aggregateID, err = UnescapeToken(aggTok); err != nil {
		return "", "", fmt.Errorf("aggregate token of %q: %w", subject, err)
	}
	if eventType, err = UnescapeToken(typeTok); err != nil {
		return "", "", fmt.Errorf("event type token of %q: %w", subject, err)
	}
	return aggregateID, eventType, nil
}

// ErrInvalidName is block.ErrInvalidName: an aggregate ID or event type breaks the naming
// rule. ValidateName's errors wrap it and ErrInvalidInput.
var ErrInvalidName = block.ErrInvalidName

// ValidateName checks an aggregate ID or event type with block.CheckName: non-empty UTF-8 of
// at most 256 bytes, without CR, LF or NUL, and without a space or tab at either end (values
// NATS headers, where the raw value also travels, would not carry unchanged).
func ValidateName(what, v string) error {
	if err := block.CheckName(what, v); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	return nil
}

func plainByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '_' || c == ':' || c == '@'
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
