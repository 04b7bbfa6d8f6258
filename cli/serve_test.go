package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store/storetest"
)

// startServe runs `jetdag serve` with args until the test ends and returns its client URL.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	port := storetest.FreePorts(t, 1)[0]
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	out, errb := &lockedBuffer{}, &lockedBuffer{}
	code := -1
	wg.Go(func() {
		code = cli.Run(ctx, append([]string{"serve", "--store", t.TempDir(), "--listen", "127.0.0.1:" + strconv.Itoa(port)}, args...),
			strings.NewReader(""), out, errb)
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		if code != cli.ExitOK {
			t.Errorf("serve exited %d: %s", code, errb.String())
		}
	})
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out.String(), `"url"`); {
		if time.Now().After(deadline) {
			cancel()
			wg.Wait()
			t.Fatalf("serve %v printed no url: exit %d\n%s", args, code, errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	var line struct{ URL string }
	if err := json.Unmarshal([]byte(out.String()), &line); err != nil {
		t.Fatalf("serve printed %q", out.String())
	}
	if strings.Contains(errb.String(), "s3cret") || strings.Contains(out.String(), "s3cret") {
		t.Errorf("serve printed a secret: %s %s", out.String(), errb.String())
	}
	return line.URL
}

// A server secured from the command line alone: every client must present the token, or the
// user and password; serve's own connection uses them to create the stream.
func TestServeRequiresCredentials(t *testing.T) {
	t.Run("token", func(t *testing.T) {
		url := startServe(t, "--auth-token", "s3cret-token")
		if _, errs, code := objRun(t, url, nil, "stats"); code != cli.ExitAuth || strings.Contains(errs, "s3cret") {
			t.Fatalf("stats without the token: exit %d, want %d\n%s", code, cli.ExitAuth, errs)
		}
		var st statsOut
		objRunOK(t, url, nil, &st, "--token", "s3cret-token", "stats")
		if st.Replicas != 1 { // the stream exists: serve created it with the token
			t.Fatalf("stats with the token: %+v", st)
		}
		objRunOK(t, url, nil, nil, "--token", "s3cret-token", "append", "--aggregate", "a", "--type", "T")
	})
	t.Run("user and password from the environment", func(t *testing.T) {
		t.Setenv("JETDAG_AUTH_PASSWORD", "s3cret-pw")
		url := startServe(t, "--auth-user", "ops")
		if _, errs, code := objRun(t, url, nil, "--user", "ops", "--password", "wrong", "stats"); code != cli.ExitAuth || !strings.Contains(errs, "authorization") {
			t.Fatalf("wrong password: exit %d\n%s", code, errs)
		}
		objRunOK(t, url, nil, nil, "--user", "ops", "--password", "s3cret-pw", "append", "--aggregate", "a", "--type", "T")
	})
}

// serve --tls-server-cert/--tls-server-key/--tls-client-ca: clients need the CA to trust the
// server and, for mutual TLS, their own certificate.
func TestServeTLS(t *testing.T) {
	p := storetest.NewPKI(t)
	url := startServe(t, "--tls-server-cert", p.ServerCert, "--tls-server-key", p.ServerKey, "--tls-client-ca", p.CA)
	tlsURL := strings.Replace(url, "nats://", "tls://", 1)
	objRunOK(t, tlsURL, nil, nil, "--tls-ca", p.CA, "--tls-cert", p.ClientCert, "--tls-key", p.ClientKey,
		"append", "--aggregate", "a", "--type", "T")
	if _, errs, code := objRun(t, tlsURL, nil, "--tls-ca", p.CA, "stats"); code != cli.ExitAuth || !strings.Contains(errs, "certificate") {
		t.Fatalf("without a client certificate: exit %d, want %d naming the certificate\n%s", code, cli.ExitAuth, errs)
	}
	if _, errs, code := objRun(t, tlsURL, nil, "--tls-cert", p.ClientCert, "--tls-key", p.ClientKey, "stats"); code == cli.ExitOK {
		t.Fatalf("a client that does not trust the server's CA connected\n%s", errs)
	}
}

// serve --config: a nats-server configuration file with users and permissions (the least
// privilege example of docs/operations.md); serve creates the stream as the admin named by the
// global flags, the producer writes only its own aggregates.
func TestServeConfigFile(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "nats-server.conf")
	err := os.WriteFile(conf, []byte(`
max_payload: 1MB
authorization {
  users: [
    { user: admin, password: "admin-s3cret" }
    { user: producer-1, password: "p1-s3cret",
      permissions: {
        publish: ["event.store.customer-1.>", "$JS.API.>", "$KV.event-index.>", "_INBOX.>"]
        subscribe: ["_INBOX.>"]
      } }
  ]
}
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	url := startServe(t, "--config", conf, "--user", "admin", "--password", "admin-s3cret")
	var st statsOut
	objRunOK(t, url, nil, &st, "--user", "admin", "--password", "admin-s3cret", "stats")
	if st.Replicas != 1 {
		t.Fatalf("serve did not create the stream as admin: %+v", st)
	}
	objRunOK(t, url, nil, nil, "--user", "producer-1", "--password", "p1-s3cret", "append", "--aggregate", "customer-1", "--type", "Created")
	_, errs, code := objRun(t, url, nil, "--user", "producer-1", "--password", "p1-s3cret", "append", "--aggregate", "customer-2", "--type", "Created")
	if code != cli.ExitAuth || !strings.Contains(errs, "event.store.customer-2.Created") {
		t.Fatalf("producer-1 appending to customer-2: exit %d, want %d\n%s", code, cli.ExitAuth, errs)
	}
}

// Settings that cannot work are bad input (exit 2), named.
func TestServeBadSecurityFlags(t *testing.T) {
	p := storetest.NewPKI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--auth-user", "ops"}, "password"},
		{[]string{"--auth-token", "t", "--auth-user", "ops", "--auth-password", "x"}, "exclude"},
		{[]string{"--tls-server-cert", p.ServerCert}, "key"},
		{[]string{"--tls-client-ca", p.CA}, "certificate"},
		{[]string{"--tls-server-cert", p.ServerCert, "--tls-server-key", p.ClientKey}, "TLS"},
		{[]string{"--config", filepath.Join(t.TempDir(), "missing.conf")}, "config file"},
	} {
		var out, errb lockedBuffer
		code := cli.Run(context.Background(), append([]string{"serve", "--store", t.TempDir(), "--listen", "127.0.0.1:0"}, tc.args...), strings.NewReader(""), &out, &errb)
		if code != cli.ExitBadInput || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("serve %v: exit %d, want %d mentioning %q\n%s", tc.args, code, cli.ExitBadInput, tc.want, errb.String())
		}
	}
}
