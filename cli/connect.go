package cli

import (
	"context"
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

// connect opens a NATS connection with the global connection flags.
func (e *env) connect(ctx context.Context) (*nats.Conn, error) {
	return store.Connect(ctx, e.connConfig())
}
