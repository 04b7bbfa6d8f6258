package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/jetdag/jetdag/store"
)

// connConfig turns the global connection flags into a store.ConnConfig.
func (e *env) connConfig() store.ConnConfig {
	var servers []string
	for _, u := range strings.Split(e.conn.URLs, ",") {
		if u = strings.TrimSpace(u); u != "" {
			servers = append(servers, u)
		}
	}
	return store.ConnConfig{
		Servers: servers, User: e.conn.User, Password: e.conn.Password, Token: e.conn.Token,
		NKeySeedFile: e.conn.NKey, CredsFile: e.conn.Creds,
		TLSCA: e.conn.TLSCA, TLSCert: e.conn.TLSCert, TLSKey: e.conn.TLSKey,
		MaxReconnects: e.conn.MaxReconnects, ReconnectWait: e.conn.ReconnectWait, ConnectTimeout: e.conn.ConnectTimeout,
		Logger: e.logger,
	}
}

// connect opens a NATS connection with the global connection flags and remembers it, so
// that a failure can be explained by a permission the server refused on it.
func (e *env) connect(ctx context.Context) (*nats.Conn, error) {
	nc, err := store.Connect(ctx, e.connConfig())
	if err == nil {
		e.conns = append(e.conns, nc)
	}
	return nc, err
}

// permissionDenied returns the permissions violation the server reported on one of the
// invocation's connections, or nil. The server drops a forbidden publish and says so only
// asynchronously, so the command itself fails with a timeout.
func (e *env) permissionDenied() error {
	for _, nc := range e.conns {
		if err := nc.LastError(); errors.Is(err, nats.ErrPermissionViolation) {
			return fmt.Errorf("%w: %w", store.ErrPermissionDenied, err)
		}
	}
	return nil
}
