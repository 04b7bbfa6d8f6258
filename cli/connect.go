package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/jetdag/jetdag/store"
)

// connConfig turns the global connection flags into a store.ConnConfig; call conn.check
// first.
func (e *env) connConfig() store.ConnConfig {
	servers, _ := store.ParseServers(e.conn.URLs) // check has refused a malformed list
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
	if err := e.conn.check(); err != nil {
		return nil, err
	}
	nc, err := store.Connect(ctx, e.connConfig())
	if err != nil {
		return nil, storeErr(err)
	}
	e.conns = append(e.conns, nc)
	return nc, nil
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
