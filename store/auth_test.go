package store_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// connectQuick connects with cfg and a short deadline.
func connectQuick(t *testing.T, cfg store.ConnConfig) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg.MaxReconnects = -1
	nc, err := store.Connect(ctx, cfg)
	if err == nil {
		nc.Close()
	}
	return err
}

// writeFile writes data to a new file in dir with mode 0600 and returns its path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func nkeySeedFile(t *testing.T, dir, name string) (path, public string, seed []byte) {
	t.Helper()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ = kp.Seed()
	public, _ = kp.PublicKey()
	return writeFile(t, dir, name, seed), public, seed
}

// TestConnectCredentials: each way of authenticating succeeds with the right secret, and the
// wrong one is refused with ErrAuthorization and an error that does not contain the secret.
func TestConnectCredentials(t *testing.T) {
	dir := t.TempDir()
	seedOK, pubOK, seedOKBytes := nkeySeedFile(t, dir, "ok.nk")
	seedBad, _, seedBadBytes := nkeySeedFile(t, dir, "bad.nk")
	credsOK, credsBad, trustOperator := operatorSetup(t, dir)
	cases := []struct {
		name      string
		configure func(*natsserver.Options)
		good, bad store.ConnConfig
		secrets   []string
	}{{
		name: "user and password",
		configure: func(o *natsserver.Options) {
			o.Users = []*natsserver.User{{Username: "alice", Password: "correct-horse-4821"}}
		},
		good:    store.ConnConfig{User: "alice", Password: "correct-horse-4821"},
		bad:     store.ConnConfig{User: "alice", Password: "wrong-battery-9173"},
		secrets: []string{"correct-horse-4821", "wrong-battery-9173"},
	}, {
		name:      "token",
		configure: func(o *natsserver.Options) { o.Authorization = "tok-s3cr3t-77a1" },
		good:      store.ConnConfig{Token: "tok-s3cr3t-77a1"},
		bad:       store.ConnConfig{Token: "tok-guess-0000"},
		secrets:   []string{"tok-s3cr3t-77a1", "tok-guess-0000"},
	}, {
		name:      "nkey",
		configure: func(o *natsserver.Options) { o.Nkeys = []*natsserver.NkeyUser{{Nkey: pubOK}} },
		good:      store.ConnConfig{NKeySeedFile: seedOK},
		bad:       store.ConnConfig{NKeySeedFile: seedBad},
		secrets:   []string{string(seedOKBytes), string(seedBadBytes)},
	}, {
		name:      "creds file (JWT)",
		configure: trustOperator,
		good:      store.ConnConfig{CredsFile: credsOK},
		bad:       store.ConnConfig{CredsFile: credsBad},
		secrets:   credsSecrets(t, credsOK, credsBad),
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := storetest.StartConfigured(t, tc.configure)
			tc.good.Servers = []string{srv.ClientURL()}
			if err := connectQuick(t, tc.good); err != nil {
				t.Fatalf("right credentials refused: %v", err)
			}
			tc.bad.Servers = []string{srv.ClientURL()}
			err := connectQuick(t, tc.bad)
			if !errors.Is(err, store.ErrAuthorization) {
				t.Fatalf("wrong credentials: %v, want ErrAuthorization", err)
			}
			for _, s := range tc.secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q reveals a secret", err)
				}
			}
			none := store.ConnConfig{Servers: []string{srv.ClientURL()}}
			if err := connectQuick(t, none); !errors.Is(err, store.ErrAuthorization) {
				t.Errorf("no credentials: %v, want ErrAuthorization", err)
			}
		})
	}
}

// credsSecrets returns the long lines (JWTs and seeds) of creds files.
func credsSecrets(t *testing.T, files ...string) []string {
	t.Helper()
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); len(line) > 40 {
				out = append(out, line)
			}
		}
	}
	if len(out) < 4 {
		t.Fatalf("creds files hold %d secrets, want a JWT and a seed each", len(out))
	}
	return out
}

// A password written into the URL never reaches the error.
func TestConnectPasswordInURL(t *testing.T) {
	srv := storetest.StartConfigured(t, func(o *natsserver.Options) {
		o.Users = []*natsserver.User{{Username: "bob", Password: "pa55-right"}}
	})
	hostport := strings.TrimPrefix(srv.ClientURL(), "nats://")
	if err := connectQuick(t, store.ConnConfig{Servers: []string{"nats://bob:pa55-right@" + hostport}}); err != nil {
		t.Fatalf("password in URL refused: %v", err)
	}
	err := connectQuick(t, store.ConnConfig{Servers: []string{"nats://bob:pa55-wrong@" + hostport}})
	if !errors.Is(err, store.ErrAuthorization) || strings.Contains(err.Error(), "pa55") {
		t.Fatalf("wrong password in URL: %v, want ErrAuthorization without the password", err)
	}
}

// operatorSetup makes a throwaway operator, account and two users (one signed by the trusted
// account, one by an account the server does not know) and returns their creds files and a
// server configuration trusting the operator.
func operatorSetup(t *testing.T, dir string) (good, bad string, configure func(*natsserver.Options)) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	okp, err := nkeys.CreateOperator()
	must(err)
	opub, _ := okp.PublicKey()
	ojwt, err := jwt.NewOperatorClaims(opub).Encode(okp)
	must(err)
	oc, err := jwt.DecodeOperatorClaims(ojwt)
	must(err)
	account := func(withJetStream bool) (nkeys.KeyPair, string) {
		akp, err := nkeys.CreateAccount()
		must(err)
		apub, _ := akp.PublicKey()
		ac := jwt.NewAccountClaims(apub)
		if withJetStream {
			ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
		}
		ajwt, err := ac.Encode(okp)
		must(err)
		return akp, ajwt
	}
	creds := func(akp nkeys.KeyPair, name string) string {
		ukp, err := nkeys.CreateUser()
		must(err)
		upub, _ := ukp.PublicKey()
		useed, _ := ukp.Seed()
		ujwt, err := jwt.NewUserClaims(upub).Encode(akp)
		must(err)
		b, err := jwt.FormatUserConfig(ujwt, useed)
		must(err)
		return writeFile(t, dir, name, b)
	}
	trusted, trustedJWT := account(true)
	unknown, _ := account(true)
	system, systemJWT := account(false) // JetStream needs a system account in operator mode
	apub, _ := trusted.PublicKey()
	spub, _ := system.PublicKey()
	good, bad = creds(trusted, "good.creds"), creds(unknown, "bad.creds")
	return good, bad, func(o *natsserver.Options) {
		r := &natsserver.MemAccResolver{}
		if err := r.Store(apub, trustedJWT); err != nil {
			t.Error(err)
		}
		if err := r.Store(spub, systemJWT); err != nil {
			t.Error(err)
		}
		o.TrustedOperators = []*jwt.OperatorClaims{oc}
		o.AccountResolver = r
		o.SystemAccount = spub
	}
}

// A creds file others can read draws a warning naming it; one only the owner reads does not.
func TestCredsFilePermissionWarning(t *testing.T) {
	dir := t.TempDir()
	good, _, trust := operatorSetup(t, dir)
	srv := storetest.StartConfigured(t, trust)
	for _, tc := range []struct {
		mode os.FileMode
		warn bool
	}{{0o600, false}, {0o644, true}, {0o640, true}} {
		if err := os.Chmod(good, tc.mode); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		err := connectQuick(t, store.ConnConfig{
			Servers: []string{srv.ClientURL()}, CredsFile: good,
			Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		})
		if err != nil {
			t.Fatalf("mode %v: %v", tc.mode, err)
		}
		if got := strings.Contains(logs.String(), "readable by others") && strings.Contains(logs.String(), good); got != tc.warn {
			t.Errorf("mode %v: warning %v, want %v (log %q)", tc.mode, got, tc.warn, logs.String())
		}
	}
}

func TestConnectTLS(t *testing.T) {
	p := storetest.NewPKI(t)
	tlsOnly := storetest.StartConfigured(t, func(o *natsserver.Options) {
		o.TLS = true
		o.TLSConfig = &tls.Config{Certificates: []tls.Certificate{p.Server}, MinVersion: tls.VersionTLS12}
	})
	mutual := storetest.StartConfigured(t, func(o *natsserver.Options) {
		o.TLS, o.TLSVerify = true, true
		o.TLSConfig = &tls.Config{
			Certificates: []tls.Certificate{p.Server}, MinVersion: tls.VersionTLS12,
			ClientCAs: p.Pool, ClientAuth: tls.RequireAndVerifyClientCert,
		}
	})
	cases := []struct {
		name    string
		srv     *storetest.Server
		cfg     store.ConnConfig
		ok      bool
		errWant string // a word the error must contain
		auth    bool   // the error must be ErrAuthorization
	}{
		{"server TLS, CA trusted", tlsOnly, store.ConnConfig{TLSCA: p.CA}, true, "", false},
		{"server TLS, CA not trusted", tlsOnly, store.ConnConfig{}, false, "certificate", false},
		{"mutual TLS with client certificate", mutual, store.ConnConfig{TLSCA: p.CA, TLSCert: p.ClientCert, TLSKey: p.ClientKey}, true, "", false},
		{"mutual TLS without client certificate", mutual, store.ConnConfig{TLSCA: p.CA}, false, "certificate", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Servers = []string{tc.srv.ClientURL()}
			err := connectQuick(t, tc.cfg)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("connected, want a refusal")
			}
			if !strings.Contains(err.Error(), tc.errWant) {
				t.Errorf("error %q does not mention %q", err, tc.errWant)
			}
			if tc.auth != errors.Is(err, store.ErrAuthorization) {
				t.Errorf("errors.Is(%v, ErrAuthorization) = %v, want %v", err, !tc.auth, tc.auth)
			}
		})
	}
}

// Least privilege: a producer allowed to publish only to its own aggregate's subjects appends
// there and is refused elsewhere, with an error that says permission was denied; a read-only
// user reads, replays and follows the store but cannot append.
func TestLeastPrivilege(t *testing.T) {
	perms := func(pub ...string) *natsserver.Permissions {
		return &natsserver.Permissions{
			Publish:   &natsserver.SubjectPermission{Allow: pub},
			Subscribe: &natsserver.SubjectPermission{Allow: []string{"_INBOX.>"}},
		}
	}
	srv := storetest.StartConfigured(t, func(o *natsserver.Options) {
		o.Users = []*natsserver.User{
			{Username: "admin", Password: "admin-pw"},
			{Username: "producer", Password: "producer-pw", Permissions: perms(
				"event.store.customer-1.>", "$JS.API.>", "_INBOX.>", "$KV.event-index.>")},
			{Username: "viewer", Password: "viewer-pw", Permissions: perms(
				"$JS.API.INFO", "$JS.API.STREAM.INFO.>", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.LIST",
				"$JS.API.CONSUMER.CREATE.>", "$JS.API.CONSUMER.DELETE.>", "$JS.API.CONSUMER.INFO.>", "$JS.API.CONSUMER.LIST.>",
				"$JS.API.CONSUMER.MSG.NEXT.>", "$JS.API.DIRECT.GET.>", "$JS.API.STREAM.MSG.GET.>", "$JS.FC.>")},
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	open := func(user, pw string) (*store.JetStreamEvents, *nats.Conn) {
		t.Helper()
		nc, err := store.Connect(ctx, store.ConnConfig{Servers: []string{srv.ClientURL()}, User: user, Password: pw})
		if err != nil {
			t.Fatalf("%s connects: %v", user, err)
		}
		t.Cleanup(nc.Close)
		es, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{PublishTimeout: time.Second, PublishAttempts: 3})
		if err != nil {
			t.Fatalf("%s opens the store: %v", user, err)
		}
		return es, nc
	}
	admin, _ := open("admin", "admin-pw")
	other, err := admin.Append(ctx, "customer-2", "CustomerCreated", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}

	producer, pnc := open("producer", "producer-pw")
	if _, err := producer.Append(ctx, "customer-1", "CustomerCreated", []byte(`{}`)); err != nil {
		t.Fatalf("producer appends to its own aggregate: %v", err)
	}
	if err := store.PermissionDenied(pnc, "event.store.customer-1.CustomerCreated"); err != nil {
		t.Fatalf("allowed publish reported as denied: %v", err)
	}
	_, err = producer.Append(ctx, "customer-2", "CustomerRenamed", []byte(`{}`))
	// The server drops a forbidden publish and says so asynchronously on the connection: the
	// append notices, fails with ErrPermissionDenied naming the subject, and is not resent.
	const forbidden = "event.store.customer-2.CustomerRenamed"
	if !errors.Is(err, store.ErrPermissionDenied) || !strings.Contains(err.Error(), forbidden) {
		t.Fatalf("producer's append to another aggregate: %v, want ErrPermissionDenied naming %s", err, forbidden)
	}
	perr := store.PermissionDenied(pnc, forbidden)
	if !errors.Is(perr, store.ErrPermissionDenied) || !errors.Is(perr, store.ErrAuthorization) ||
		!strings.Contains(perr.Error(), forbidden) || !strings.Contains(perr.Error(), "permission denied") {
		t.Fatalf("PermissionDenied after the refused append (%v) = %v", err, perr)
	}
	if err := store.PermissionDenied(pnc, "event.store.customer-3.CustomerRenamed"); err != nil {
		t.Errorf("a subject never published reported as denied: %v", err)
	}
	_, err = producer.AppendBatch(ctx, "customer-2", []store.NewEvent{{EventType: "A"}, {EventType: "B"}})
	if !errors.Is(err, store.ErrPermissionDenied) {
		t.Fatalf("producer's batch to another aggregate: %v, want ErrPermissionDenied", err)
	}
	hist, herr := admin.History(ctx, "customer-2")
	if herr != nil || len(hist) != 1 || !hist[0].CID.Equals(other.CID) {
		t.Fatalf("customer-2 after the refused append: %v %v", hist, herr)
	}

	viewer, vnc := open("viewer", "viewer-pw")
	if h, err := viewer.History(ctx, "customer-1"); err != nil || len(h) != 1 {
		t.Fatalf("viewer history: %v %v", h, err)
	}
	if _, st, err := viewer.Replay(ctx, store.ReplayOptions{}, func(store.Record) error { return nil }); err != nil || st.Events != 2 {
		t.Fatalf("viewer replay: %+v %v", st, err)
	}
	if _, err := viewer.Append(ctx, "customer-1", "X", []byte(`{}`)); !errors.Is(err, store.ErrPermissionDenied) {
		t.Fatalf("read-only viewer's append: %v, want ErrPermissionDenied", err)
	}
	if err := store.PermissionDenied(vnc, "event.store.customer-1.X"); !errors.Is(err, store.ErrPermissionDenied) {
		t.Errorf("viewer's append: PermissionDenied = %v", err)
	}
}
