package store

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// ErrUnreachable means no NATS server answered within the connect timeout.
var ErrUnreachable = errors.New("nats server unreachable")

// ErrAuthorization means the server refused the client's credentials or permissions.
var ErrAuthorization = errors.New("nats authorization failed")

// ConnConfig is how jetdag connects to NATS (the seed's NatsConfig). The zero value connects
// to nats://127.0.0.1:4222 without authentication.
type ConnConfig struct {
	// Servers are nats:// or tls:// URLs; empty means nats://127.0.0.1:4222.
	Servers []string
	// User and Password authenticate with a user name and password.
	User, Password string
	// Token authenticates with a token.
	Token string
	// NKeySeedFile is a file holding an nkey seed (SU…).
	NKeySeedFile string
	// CredsFile is a JWT credentials file.
	CredsFile string
	// TLS: a CA bundle to trust, and a client certificate and key for mutual TLS.
	TLSCA, TLSCert, TLSKey string
	// MaxReconnects bounds reconnect attempts; 0 means the default (60), -1 forever.
	MaxReconnects int
	// ReconnectWait is the pause between reconnect attempts (0 = 2s).
	ReconnectWait time.Duration
	// Name is the connection name the server shows.
	Name string
	// ConnectTimeout is how long Connect keeps retrying, with backoff, while no server
	// answers (0: one attempt).
	ConnectTimeout time.Duration
	// Logger receives connection state changes; nil discards them.
	Logger *slog.Logger
	// InProcess, when set, connects to this server inside the process (an embedded
	// server's own clients) instead of over the network; Servers is then ignored.
	InProcess nats.InProcessConnProvider
}

// ParseServers splits a comma-separated list of server URLs (spaces around each allowed)
// and checks each with CheckServerURL. An empty list or an empty entry is an error wrapping
// ErrInvalidInput: it never means "the default server".
func ParseServers(list string) ([]string, error) {
	if strings.TrimSpace(list) == "" {
		return nil, fmt.Errorf("%w: no server URL given", ErrInvalidInput)
	}
	parts := strings.Split(list, ",")
	out := make([]string, 0, len(parts))
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, fmt.Errorf("%w: server URL %d of %d is empty", ErrInvalidInput, i+1, len(parts))
		}
		if err := CheckServerURL(p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// CheckServerURL checks that u is a URL nats.go can connect to: nats://, tls://, ws:// or
// wss:// (or a bare HOST[:PORT], which means nats://), with a host and a port from 1 to
// 65535. Errors wrap ErrInvalidInput and show the URL without its user information.
func CheckServerURL(u string) error {
	raw := u
	if !strings.Contains(u, "://") {
		raw = "nats://" + u
	}
	bad := func(why string) error {
		return fmt.Errorf("%w: server URL %s: %s", ErrInvalidInput, redactURL(u), why)
	}
	if strings.TrimSpace(u) == "" {
		return fmt.Errorf("%w: empty server URL", ErrInvalidInput)
	}
	pu, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && !strings.Contains(ue.Err.Error(), "@") {
			return bad(ue.Err.Error()) // url.Error's message would repeat the URL, password and all
		}
		return bad("malformed")
	}
	switch pu.Scheme {
	case "nats", "tls", "ws", "wss":
	default:
		return bad(fmt.Sprintf("scheme %q: want nats://, tls://, ws:// or wss://", clipURL(pu.Scheme)))
	}
	if pu.Hostname() == "" {
		return bad("no host")
	}
	if n := len(pu.Hostname()); n > 253 {
		return bad(fmt.Sprintf("host name is %d bytes, more than DNS allows (253)", n))
	}
	if p := pu.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return bad(fmt.Sprintf("port %q: want 1 to 65535", clipURL(p)))
		}
	}
	return nil
}

// clipURL shortens a URL quoted in a message to 100 bytes.
func clipURL(s string) string {
	if len(s) <= 100 {
		return s
	}
	return fmt.Sprintf("%s… (%d bytes)", strings.ToValidUTF8(s[:100], ""), len(s))
}

// checkFiles checks that the files cfg names can be read, and that a client certificate
// comes with its key: errors wrap ErrInvalidInput.
func checkFiles(cfg ConnConfig) error {
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return fmt.Errorf("%w: a TLS client certificate needs its key and a key its certificate (TLSCert and TLSKey)", ErrInvalidInput)
	}
	for _, f := range []struct{ what, path string }{
		{"nkey seed file", cfg.NKeySeedFile}, {"creds file", cfg.CredsFile}, {"TLS CA", cfg.TLSCA},
		{"TLS client certificate", cfg.TLSCert}, {"TLS client key", cfg.TLSKey},
	} {
		if f.path == "" {
			continue
		}
		if err := CheckReadableFile(f.path); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrInvalidInput, f.what, err)
		}
	}
	return nil
}

// CheckReadableFile reports why path cannot be read as a file: missing, unreadable or a
// directory.
func CheckReadableFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("%s is a directory, not a file", path)
	}
	return nil
}

// Connect opens a NATS connection. Secrets never appear in the returned errors. A malformed
// server URL, a missing credentials, nkey or TLS file, or a certificate without its key is
// an error wrapping ErrInvalidInput.
func Connect(ctx context.Context, cfg ConnConfig) (*nats.Conn, error) {
	servers := cfg.Servers
	if len(servers) == 0 {
		servers = []string{nats.DefaultURL}
	}
	if cfg.InProcess == nil {
		for _, u := range servers {
			if err := CheckServerURL(u); err != nil {
				return nil, err
			}
		}
	}
	if err := checkFiles(cfg); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := []nats.Option{
		nats.Name(orDefault(cfg.Name, "jetdag")),
		nats.ReconnectWait(orDuration(cfg.ReconnectWait, 2*time.Second)),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: a close we asked for
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted()) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { log.Warn("nats async error", "err", err) }),
	}
	if cfg.InProcess != nil {
		opts = append(opts, nats.InProcessServer(cfg.InProcess))
	}
	if cfg.MaxReconnects != 0 {
		opts = append(opts, nats.MaxReconnects(cfg.MaxReconnects))
	}
	if cfg.User != "" {
		opts = append(opts, nats.UserInfo(cfg.User, cfg.Password))
	}
	if cfg.Token != "" {
		opts = append(opts, nats.Token(cfg.Token))
	}
	if cfg.NKeySeedFile != "" {
		o, err := nats.NkeyOptionFromSeed(cfg.NKeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("%w: nkey seed file %s: %w", ErrInvalidInput, cfg.NKeySeedFile, err)
		}
		opts = append(opts, o)
	}
	if cfg.CredsFile != "" {
		if fi, err := os.Stat(cfg.CredsFile); err != nil {
			return nil, fmt.Errorf("creds file: %w", err)
		} else if fi.Mode().Perm()&0o077 != 0 {
			log.Warn("credentials file is readable by others; chmod 600 it", "file", cfg.CredsFile, "mode", fi.Mode().Perm().String())
		}
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	}
	if cfg.TLSCA != "" || cfg.TLSCert != "" || cfg.TLSKey != "" {
		tc, err := tlsConfig(cfg)
		if err != nil {
			return nil, err
		}
		opts = append(opts, nats.Secure(tc))
	}
	// A server that is not up yet is waited for, with backoff, up to ConnectTimeout.
	start := time.Now()
	wait := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		nc, err := connectOnce(ctx, servers, opts)
		if err == nil {
			return nc, nil
		}
		if !errors.Is(err, nats.ErrNoServers) || ctx.Err() != nil {
			return nil, classifyConnErr(servers, err, cfg.TLSCert != "")
		}
		if time.Since(start)+wait > cfg.ConnectTimeout {
			return nil, fmt.Errorf("%w: no NATS server answered at %s (%d attempts over %s); start one with `jetdag serve --store DIR` or name another with --nats",
				ErrUnreachable, redactAll(servers), attempt, time.Since(start).Round(time.Millisecond))
		}
		log.Warn("NATS server not reachable yet; retrying", "servers", redactAll(servers), "attempt", attempt, "wait", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait = min(wait*2, 2*time.Second)
	}
}

// connectOnce makes one connection attempt, abandoned when ctx ends.
func connectOnce(ctx context.Context, servers []string, opts []nats.Option) (*nats.Conn, error) {
	type result struct {
		nc  *nats.Conn
		err error
	}
	done := make(chan result, 1)
	go func() {
		nc, err := nats.Connect(strings.Join(servers, ","), opts...)
		done <- result{nc, err}
	}()
	select {
	case <-ctx.Done():
		go func() {
			if r := <-done; r.nc != nil {
				r.nc.Close()
			}
		}()
		return nil, ctx.Err()
	case r := <-done:
		return r.nc, r.err
	}
}

func redactAll(servers []string) string {
	out := make([]string, len(servers))
	for i, s := range servers {
		out[i] = redactURL(s)
	}
	return strings.Join(out, ",")
}

func classifyConnErr(servers []string, err error, clientCert bool) error {
	redacted := make([]string, len(servers))
	for i, s := range servers {
		redacted[i] = redactURL(s)
	}
	msg := strings.ToLower(err.Error())
	if errors.Is(err, nats.ErrAuthorization) || errors.Is(err, nats.ErrAuthExpired) ||
		strings.Contains(msg, "authorization") ||
		// The server refused the TLS client certificate (missing, unknown CA, revoked).
		strings.Contains(msg, "tls: certificate required") || strings.Contains(msg, "tls: bad certificate") ||
		strings.Contains(msg, "tls: unknown certificate authority") {
		return fmt.Errorf("connect to %s: %w: %v", strings.Join(redacted, ","), ErrAuthorization, err)
	}
	// With TLS 1.3 a client without a certificate finishes its handshake before the server
	// checks for one; the server's refusal then shows as the connection closing at once.
	if !clientCert && strings.Contains(msg, "closed by remote after tls handshake") {
		return fmt.Errorf("connect to %s: %w: the server closed the connection right after the TLS handshake: it requires a client certificate (--tls-cert and --tls-key): %v",
			strings.Join(redacted, ","), ErrAuthorization, err)
	}
	return fmt.Errorf("connect to %s: %w", strings.Join(redacted, ","), err)
}

// redactURL removes user information from a URL so that passwords never reach logs, and
// shortens a long one.
func redactURL(u string) string {
	return clipURL(redactUser(u))
}

func redactUser(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			return u[:i+3] + "[redacted]@" + rest[at+1:]
		}
	}
	return u
}

func tlsConfig(cfg ConnConfig) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSCA != "" {
		pem, err := os.ReadFile(cfg.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("TLS CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: TLS CA %s: no PEM certificates found", ErrInvalidInput, cfg.TLSCA)
		}
		tc.RootCAs = pool
	}
	if cfg.TLSCert != "" || cfg.TLSKey != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("%w: TLS client certificate: %w", ErrInvalidInput, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
