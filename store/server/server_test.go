package server_test

import (
	"net/url"
	"testing"

	"github.com/jetdag/jetdag/store/server"
)

// TestListenPortZeroIsAnyFreePort: port 0 binds a free port, as net.Listen reads it, not
// nats-server's default 4222 (which another server may hold); two such servers run side by
// side.
func TestListenPortZeroIsAnyFreePort(t *testing.T) {
	var ports []string
	for range 2 {
		srv, err := server.Start(server.Config{StoreDir: t.TempDir(), Listen: "127.0.0.1:0"})
		if err != nil {
			t.Fatalf("start with --listen 127.0.0.1:0: %v", err)
		}
		t.Cleanup(srv.Shutdown)
		u, err := url.Parse(srv.ClientURL())
		if err != nil {
			t.Fatal(err)
		}
		if p := u.Port(); p == "" || p == "0" || p == "4222" {
			t.Errorf("client URL %s: want a free port, not %q", srv.ClientURL(), p)
		}
		ports = append(ports, u.Port())
	}
	if ports[0] == ports[1] {
		t.Errorf("two servers on port %s", ports[0])
	}
}
