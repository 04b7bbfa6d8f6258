package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
)

// ErrPermissionDenied means the server refused a publish because the user's permissions do
// not allow the subject. It wraps ErrAuthorization, so errors.Is(err, ErrAuthorization) holds
// for it too.
var ErrPermissionDenied = fmt.Errorf("%w: permission denied", ErrAuthorization)

// PermissionDenied reports whether the server has refused nc a publish to subject. A NATS
// server does not answer a forbidden publish: it drops the message and tells the client
// asynchronously, which nats.go keeps as the connection's last error. A JetStream publish to
// a forbidden subject therefore first looks like a timeout; a caller whose publish timed out
// asks PermissionDenied whether the reason was a permission, and gets an error wrapping
// ErrPermissionDenied that names the subject (nil when it was not).
func PermissionDenied(nc *nats.Conn, subject string) error {
	if nc == nil {
		return nil
	}
	last := nc.LastError()
	if last == nil || !errors.Is(last, nats.ErrPermissionViolation) {
		return nil
	}
	// The server says: Permissions Violation for Publish to "<subject>".
	if !strings.Contains(last.Error(), "Publish to \""+subject+"\"") {
		return nil
	}
	return fmt.Errorf("publish to %s: %w: the server's permissions for this user do not allow the subject", subject, ErrPermissionDenied)
}
