// Package server runs an embedded NATS server with JetStream inside the jetdag process: the
// store behind `jetdag serve`, behind the visualizer when no --nats is given, and behind the
// tests, which all talk to a real JetStream this way.
package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// ErrNotReady means the embedded server did not accept connections in time.
var ErrNotReady = errors.New("embedded NATS server did not become ready")

// ErrStartFailed means the embedded server reported why it cannot run: its listen address
// is taken, its store directory is a file or cannot be created, and the like.
var ErrStartFailed = errors.New("embedded NATS server could not start")

// Config describes an embedded server. The zero value (with StoreDir set) listens on a free
// loopback port.
type Config struct {
	// StoreDir is where JetStream keeps its files; required.
	StoreDir string
	// Listen is HOST:PORT for clients; "" means 127.0.0.1 on a free port.
	Listen string
	// Name is the server name (required in a cluster); "" lets the server choose.
	Name string
	// Cluster is HOST:PORT for cluster routes; "" runs without clustering.
	Cluster string
	// ClusterName names the cluster; defaults to "jetdag".
	ClusterName string
	// Routes are nats-route:// URLs of the other cluster members.
	Routes []string
	// MaxPayload overrides the server's maximum message size in bytes (0 = default 1 MiB).
	MaxPayload int32
	// ReadyTimeout bounds the wait for the server to accept clients (0 = 10s).
	ReadyTimeout time.Duration
	// Logger receives the server's log lines at debug level; nil discards them.
	Logger *slog.Logger
	// ConfigFile is a nats-server configuration file (authorization, accounts, users and
	// their permissions, TLS, limits); the other fields override what it sets.
	ConfigFile string
	// Token, or User and Password, make the server require that one credential of every
	// client.
	Token, User, Password string
	// TLSCert and TLSKey make the server require TLS with this certificate; with TLSClientCA
	// clients must also present a certificate signed by that CA (mutual TLS).
	TLSCert, TLSKey, TLSClientCA string
	// Configure, when set, adjusts the nats-server options just before the server starts
	// (authentication, TLS, permissions); tests and embedding programs use it.
	Configure func(*natsserver.Options)
}

// Server is a running embedded NATS server.
type Server struct {
	ns *natsserver.Server
}

// Start starts a server and waits until it accepts clients.
func Start(cfg Config) (*Server, error) {
	if cfg.StoreDir == "" {
		return nil, errors.New("embedded server: a store directory is required")
	}
	if fi, err := os.Stat(cfg.StoreDir); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("%w: store directory %s is not a directory", ErrStartFailed, cfg.StoreDir)
	}
	host, port := "127.0.0.1", natsserver.RANDOM_PORT
	if cfg.Listen != "" {
		h, p, err := splitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("embedded server: listen address %q: %w", cfg.Listen, err)
		}
		host, port = h, p
	}
	opts := &natsserver.Options{}
	if cfg.ConfigFile != "" {
		fo, err := natsserver.ProcessConfigFile(cfg.ConfigFile)
		if err != nil {
			return nil, fmt.Errorf("embedded server: config file %s: %w", cfg.ConfigFile, err)
		}
		opts = fo
		if cfg.Listen == "" && opts.Port != 0 {
			host, port = opts.Host, opts.Port // the file's listen address, unless one is given
		}
	}
	if cfg.Name != "" || opts.ServerName == "" {
		opts.ServerName = cfg.Name
	}
	opts.Host, opts.Port = host, port
	opts.JetStream, opts.StoreDir = true, cfg.StoreDir
	if cfg.MaxPayload != 0 {
		opts.MaxPayload = cfg.MaxPayload
	}
	opts.NoSigs, opts.NoLog = true, cfg.Logger == nil
	if err := applyAuth(opts, cfg); err != nil {
		return nil, err
	}
	if cfg.Cluster != "" {
		h, p, err := splitHostPort(cfg.Cluster)
		if err != nil {
			return nil, fmt.Errorf("embedded server: cluster address %q: %w", cfg.Cluster, err)
		}
		opts.Cluster.Host, opts.Cluster.Port = h, p
		opts.Cluster.Name = cfg.ClusterName
		if opts.Cluster.Name == "" {
			opts.Cluster.Name = "jetdag"
		}
		if len(cfg.Routes) > 0 {
			opts.Routes = natsserver.RoutesFromStr(joinComma(cfg.Routes))
		}
	}
	if cfg.Configure != nil {
		cfg.Configure(opts)
	}
	ns, err := natsserver.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded server: %w", err)
	}
	// The server's logger also catches the fatal error that stops it from starting (a port
	// in use, a store it cannot create), so Start says why at once instead of timing out.
	logs := &slogAdapter{l: cfg.Logger}
	if logs.l == nil {
		logs.l = slog.New(slog.DiscardHandler)
	}
	ns.SetLoggerV2(logs, false, false, false)
	ns.Start()
	wait := cfg.ReadyTimeout
	if wait == 0 {
		wait = 10 * time.Second
	}
	deadline := time.Now().Add(wait)
	for !ns.ReadyForConnections(50 * time.Millisecond) {
		if why := logs.fatal(); why != "" {
			ns.Shutdown()
			return nil, fmt.Errorf("%w: %s (listen %s:%d, store %s)", ErrStartFailed, why, host, port, cfg.StoreDir)
		}
		if time.Now().After(deadline) {
			ns.Shutdown()
			return nil, fmt.Errorf("%w within %s (listen %s:%d, store %s)", ErrNotReady, wait, host, port, cfg.StoreDir)
		}
	}
	logs.running()
	return &Server{ns: ns}, nil
}

// applyAuth sets the credential and TLS requirements of cfg on opts.
func applyAuth(opts *natsserver.Options, cfg Config) error {
	switch {
	case cfg.Token != "" && cfg.User != "":
		return errors.New("embedded server: a token and a user name exclude each other")
	case cfg.Token != "":
		opts.Authorization = cfg.Token
	case cfg.User != "":
		if cfg.Password == "" {
			return fmt.Errorf("embedded server: user %q needs a password", cfg.User)
		}
		opts.Username, opts.Password = cfg.User, cfg.Password
	case cfg.Password != "":
		return errors.New("embedded server: a password needs a user name")
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return errors.New("embedded server: TLS needs both a certificate and its key")
	}
	if cfg.TLSClientCA != "" && cfg.TLSCert == "" {
		return errors.New("embedded server: client certificates (a client CA) need TLS: give the server a certificate and key")
	}
	if cfg.TLSCert != "" {
		tc, err := natsserver.GenTLSConfig(&natsserver.TLSConfigOpts{
			CertFile: cfg.TLSCert, KeyFile: cfg.TLSKey, CaFile: cfg.TLSClientCA, Verify: cfg.TLSClientCA != "",
		})
		if err != nil {
			return fmt.Errorf("embedded server: TLS: %w", err)
		}
		opts.TLSConfig, opts.TLS, opts.TLSVerify = tc, true, cfg.TLSClientCA != ""
		opts.TLSTimeout = 2
	}
	return nil
}

// ClientURL is the nats:// URL clients connect to.
func (s *Server) ClientURL() string { return s.ns.ClientURL() }

// Shutdown stops the server and waits until it has stopped.
func (s *Server) Shutdown() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}

// NATS gives access to the underlying nats-server, for tests and operations.
func (s *Server) NATS() *natsserver.Server { return s.ns }

func splitHostPort(addr string) (string, int, error) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	if n == 0 {
		n = natsserver.RANDOM_PORT // any free port, as net.Listen reads 0 (nats-server reads 0 as its default, 4222)
	}
	if h == "" {
		h = "0.0.0.0"
	}
	return h, n, nil
}

func joinComma(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ","
		}
		out += v
	}
	return out
}

// slogAdapter sends nats-server's log lines to slog and keeps the first fatal one.
type slogAdapter struct {
	l         *slog.Logger
	mu        sync.Mutex
	firstFail string
	started   bool // Start has returned: a fatal error is only logged
}

// running marks the server started.
func (a *slogAdapter) running() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.started = true
}

// fatal is the first fatal message the server logged, or "".
func (a *slogAdapter) fatal() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.firstFail
}

func (a *slogAdapter) Noticef(format string, v ...any) { a.l.Debug(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Warnf(format string, v ...any)   { a.l.Warn(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	a.mu.Lock()
	keep := !a.started && a.firstFail == ""
	if keep {
		a.firstFail = msg // Start returns it
	}
	a.mu.Unlock()
	if !keep {
		a.l.Error(msg)
	}
}
func (a *slogAdapter) Errorf(format string, v ...any) { a.l.Error(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Debugf(format string, v ...any) { a.l.Debug(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Tracef(format string, v ...any) { a.l.Debug(fmt.Sprintf(format, v...)) }
