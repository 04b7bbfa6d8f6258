// Package storetest starts real embedded JetStream servers for tests in every jetdag package,
// the way net/http/httptest starts real HTTP servers: no mocks, a temporary store directory
// that the test cleans up.
package storetest

import (
	"testing"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/jetdag/jetdag/store/server"
)

// Server is an embedded JetStream server started for one test.
type Server struct {
	*server.Server
	// Dir is the JetStream store directory; restart a server on it with Restart.
	Dir       string
	listen    string
	configure func(*natsserver.Options)
	t         testing.TB
}

// Start starts an embedded server on a free loopback port with a fresh store directory and
// stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartIn(t, t.TempDir(), "")
}

// StartIn starts an embedded server on dir listening on listen ("" = a free port).
func StartIn(t testing.TB, dir, listen string) *Server {
	t.Helper()
	return startWith(t, dir, listen, nil)
}

// StartConfigured starts an embedded server whose nats-server options configure adjusts
// (users, permissions, TLS, …), with a fresh store directory; Restart keeps the options.
func StartConfigured(t testing.TB, configure func(*natsserver.Options)) *Server {
	t.Helper()
	return startWith(t, t.TempDir(), "", configure)
}

func startWith(t testing.TB, dir, listen string, configure func(*natsserver.Options)) *Server {
	t.Helper()
	s, err := server.Start(server.Config{StoreDir: dir, Listen: listen, Configure: configure})
	if err != nil {
		t.Fatalf("start embedded server: %v", err)
	}
	ts := &Server{Server: s, Dir: dir, configure: configure, t: t}
	ts.listen = hostPort(s.ClientURL())
	t.Cleanup(func() { ts.Server.Shutdown() })
	return ts
}

// Restart stops the server and starts a new one on the same store directory and address.
func (s *Server) Restart() {
	s.t.Helper()
	s.Server.Shutdown()
	ns, err := server.Start(server.Config{StoreDir: s.Dir, Listen: s.listen, Configure: s.configure})
	if err != nil {
		s.t.Fatalf("restart embedded server: %v", err)
	}
	s.Server = ns
}

// Connect opens a client connection that is closed when the test ends.
func (s *Server) Connect(t testing.TB, opts ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(s.ClientURL(), opts...)
	if err != nil {
		t.Fatalf("connect to %s: %v", s.ClientURL(), err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func hostPort(url string) string {
	for _, p := range []string{"nats://", "tls://"} {
		if len(url) > len(p) && url[:len(p)] == p {
			return url[len(p):]
		}
	}
	return url
}
