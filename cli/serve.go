// This file is `jetdag serve`: an embedded NATS server with JetStream.

package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/server"
	"github.com/jetdag/jetdag/store/storemetrics"
)

// serveOptions are serve's flags; listenSet says whether --listen was given.
type serveOptions struct {
	dir, listen, cluster, routes, name, metrics, configFile, httpAddr string
	authToken, authUser, authPassword, tlsCert, tlsKey, tlsClientCA   string
	replicas                                                          int
	logKey                                                            string
	checkpointEvery                                                   time.Duration
	listenSet                                                         bool
}

func newServeCmd(e *env) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run an embedded NATS server with JetStream (and create jetdag's stream)",
		Long: `serve runs a NATS server with JetStream inside jetdag, storing its data in --store, until
interrupted. With --cluster, --routes and --name several jetdag serve processes form a
JetStream cluster. It prints one JSON line {"url": ...} once clients can connect.

Securing it: --auth-token (or $JETDAG_AUTH_TOKEN) makes every client present that token;
--auth-user with $JETDAG_AUTH_PASSWORD (or --auth-password) a user name and password;
--tls-server-cert and --tls-server-key require TLS, and --tls-client-ca also a client
certificate signed by that CA. For several users with their own permissions, accounts, nkeys
or JWTs, give a nats-server configuration file with --config (docs/operations.md has one);
the flags override what it sets. Secrets are never logged.

serve creates jetdag's stream through an in-process connection with the token or user it was
given, or else with the global client flags (--user, --creds, ...); when those may not create
streams it says so and keeps serving: run "jetdag init" as an administrator.`,
		Example: `  jetdag serve --store ./data
  JETDAG_AUTH_TOKEN=s3cret jetdag serve --store ./data --listen 0.0.0.0:4222 \
      --tls-server-cert server.pem --tls-server-key server-key.pem
  jetdag serve --store ./data --config nats-server.conf --user admin --password "$ADMIN_PW"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.listenSet = cmd.Flags().Changed("listen")
			return o.run(cmd.Context(), e)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dir, "store", "", "JetStream store directory (required)")
	f.StringVar(&o.listen, "listen", "127.0.0.1:4222", "client listen address HOST:PORT (port 0: any free port, printed in the url)")
	f.StringVar(&o.cluster, "cluster", "", "cluster listen address HOST:PORT (enables clustering)")
	f.StringVar(&o.routes, "routes", "", "comma-separated nats-route:// URLs of the other cluster members")
	f.StringVar(&o.name, "name", "", "server name (required in a cluster)")
	f.IntVar(&o.replicas, "replicas", 1, "replicas of the event stream when serve creates it")
	f.StringVar(&o.metrics, "metrics", "", "serve Prometheus metrics on HOST:PORT (/metrics)")
	f.StringVar(&o.httpAddr, "http", "", "serve HTTP on HOST:PORT: the IPFS gateway at /ipfs/ (docs/objects.md)")
	f.StringVar(&o.logKey, "log-key", "", "keep the transparency log up to date, signing checkpoints with this key file (docs/log.md)")
	f.DurationVar(&o.checkpointEvery, "checkpoint-every", time.Second, "with --log-key: how often to checkpoint while events arrive")
	f.StringVar(&o.configFile, "config", "", "a nats-server configuration file (users, permissions, accounts, TLS, limits)")
	f.StringVar(&o.authToken, "auth-token", "", "require this token of every client (better: $JETDAG_AUTH_TOKEN, which ps does not show)")
	f.StringVar(&o.authUser, "auth-user", "", "require this user name and the password of $JETDAG_AUTH_PASSWORD (or --auth-password)")
	f.StringVar(&o.authPassword, "auth-password", "", "the password for --auth-user (better: $JETDAG_AUTH_PASSWORD)")
	f.StringVar(&o.tlsCert, "tls-server-cert", "", "require TLS, with this server certificate (PEM)")
	f.StringVar(&o.tlsKey, "tls-server-key", "", "the server certificate's private key (PEM)")
	f.StringVar(&o.tlsClientCA, "tls-client-ca", "", "also require client certificates signed by this CA (mutual TLS)")
	return cmd
}

func (o *serveOptions) run(ctx context.Context, e *env) error {
	if o.dir == "" {
		return badInputf("--store DIR is required")
	}
	if err := e.conn.check(); err != nil {
		return err // the client flags serve's own connection uses
	}
	cpr, err := newCheckpointer(o.logKey, o.checkpointEvery)
	if err != nil {
		return err
	}
	// The HTTP addresses are checked before the server starts, so a typo starts nothing.
	for _, a := range [][2]string{{"--http", o.httpAddr}, {"--metrics", o.metrics}} {
		if err := checkListenAddr(a[0], a[1]); err != nil {
			return err
		}
	}
	var rts []string
	if o.routes != "" {
		rts = strings.Split(o.routes, ",")
	}
	token := firstNonEmpty(o.authToken, os.Getenv("JETDAG_AUTH_TOKEN"))
	password := firstNonEmpty(o.authPassword, os.Getenv("JETDAG_AUTH_PASSWORD"))
	if !o.listenSet && o.configFile != "" {
		o.listen = "" // the configuration file's address, if it has one
	}
	srv, err := server.Start(server.Config{
		StoreDir: o.dir, Listen: o.listen, Name: o.name, Cluster: o.cluster, Routes: rts, Logger: e.logger,
		ConfigFile: o.configFile, Token: token, User: o.authUser, Password: password,
		TLSCert: o.tlsCert, TLSKey: o.tlsKey, TLSClientCA: o.tlsClientCA,
	})
	if errors.Is(err, server.ErrNotReady) {
		return err
	}
	if err != nil {
		return badInput(err) // a configuration file, credential or certificate that does not work
	}
	defer srv.Shutdown()
	// serve's own clients connect in-process, with the credential the server requires.
	own := e.connConfig()
	own.InProcess, own.ConnectTimeout = srv.NATS(), 0
	if token != "" && own.Token == "" && own.User == "" && own.CredsFile == "" && own.NKeySeedFile == "" {
		own.Token = token
	}
	if o.authUser != "" && own.User == "" && own.Token == "" && own.CredsFile == "" && own.NKeySeedFile == "" {
		own.User, own.Password = o.authUser, password
	}
	if o.cluster == "" {
		nc, err := store.Connect(ctx, own)
		if err == nil {
			_, err = store.OpenEvents(ctx, nc, store.EventStoreConfig{Replicas: o.replicas, Logger: e.logger})
			nc.Close()
		}
		switch {
		case errors.Is(err, store.ErrAuthorization):
			e.logger.Warn("serve could not create jetdag's stream with the credentials it has; run `jetdag init` as a user who may", "err", err)
		case err != nil:
			return err
		}
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	report := map[string]string{"url": srv.ClientURL(), "store": o.dir}
	if o.metrics != "" {
		mnc, err := store.Connect(ctx, own)
		if err != nil {
			return fmt.Errorf("metrics connection: %w", err)
		}
		defer mnc.Close()
		addr, err := storemetrics.Serve(ctx, o.metrics, mnc, e.logger)
		if err != nil {
			return badInput(err)
		}
		report["metrics"] = "http://" + addr + "/metrics"
	}
	if o.httpAddr != "" {
		if err := serveRoutes(ctx, e, own, o.httpAddr, report); err != nil {
			return err
		}
	}
	if cpr != nil {
		done := make(chan struct{})
		cpr.awaitStream = o.cluster != "" // serve creates the stream only when it is alone
		go func() { defer close(done); cpr.run(ctx, e, own) }()
		defer func() { stop(); <-done }() // the checkpointer ends with ctx, even on an early return
	}
	if err := writeJSON(e.stdout, report); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// checkListenAddr checks that addr ("" is none) is HOST:PORT with a port from 0 (any free
// port) to 65535: bad input otherwise. Whether it can be bound is known only when it is.
func checkListenAddr(flag, addr string) error {
	if addr == "" {
		return nil
	}
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return badInputf("%s %s: want HOST:PORT (%w)", flag, addr, err)
	}
	if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 65535 {
		return badInputf("%s %s: the port must be a number from 0 to 65535", flag, addr)
	}
	return nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
