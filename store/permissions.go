package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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

// CancelOnDenied returns a context derived from ctx that is cancelled as soon as the server
// reports a permissions violation for subject on nc (it polls every 50 ms until the context
// ends): a request the user may not make then fails at once instead of waiting for its
// timeout. Call PermissionDenied afterwards to tell the refusal from other failures, and
// always call the cancel function.
func CancelOnDenied(ctx context.Context, nc *nats.Conn, subject string) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if PermissionDenied(nc, subject) != nil {
					cancel()
					return
				}
			}
		}
	}()
	return ctx, cancel
}

// deniedOr returns the permission refusal for subject on nc if there was one, else err.
func deniedOr(nc *nats.Conn, subject string, err error) error {
	if err == nil {
		return nil
	}
	if perr := PermissionDenied(nc, subject); perr != nil {
		return perr
	}
	return err
}
