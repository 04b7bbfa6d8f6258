// This file is `jetdag serve`: an embedded NATS server with JetStream.

package cli

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/server"
	"github.com/jetdag/jetdag/store/storemetrics"
)

func newServeCmd(e *env) *cobra.Command {
	var dir, listen, cluster, routes, name, metrics, configFile, httpAddr string
	var authUser, tlsCert, tlsKey, tlsClientCA string
	var replicas int
	var logKey string
	var checkpointEvery time.Duration
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
			if dir == "" {
				return badInputf("--store DIR is required")
			}
			if err := e.conn.check(); err != nil {
				return err // the client flags serve's own connection uses
			}
			cpr, err := newCheckpointer(logKey, checkpointEvery)
			if err != nil {
				return err
			}
			var rts []string
			if routes != "" {
				rts = strings.Split(routes, ",")
			}
			token := firstNonEmpty(cmd.Flag("auth-token").Value.String(), os.Getenv("JETDAG_AUTH_TOKEN"))
			password := firstNonEmpty(cmd.Flag("auth-password").Value.String(), os.Getenv("JETDAG_AUTH_PASSWORD"))
			if !cmd.Flags().Changed("listen") && configFile != "" {
				listen = "" // the configuration file's address, if it has one
			}
			srv, err := server.Start(server.Config{
				StoreDir: dir, Listen: listen, Name: name, Cluster: cluster, Routes: rts, Logger: e.logger,
				ConfigFile: configFile, Token: token, User: authUser, Password: password,
				TLSCert: tlsCert, TLSKey: tlsKey, TLSClientCA: tlsClientCA,
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
			if authUser != "" && own.User == "" && own.Token == "" && own.CredsFile == "" && own.NKeySeedFile == "" {
				own.User, own.Password = authUser, password
			}
			if cluster == "" {
				nc, err := store.Connect(cmd.Context(), own)
				if err == nil {
					_, err = store.OpenEvents(cmd.Context(), nc, store.EventStoreConfig{Replicas: replicas, Logger: e.logger})
					nc.Close()
				}
				switch {
				case errors.Is(err, store.ErrAuthorization):
					e.logger.Warn("serve could not create jetdag's stream with the credentials it has; run `jetdag init` as a user who may", "err", err)
				case err != nil:
					return err
				}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			report := map[string]string{"url": srv.ClientURL(), "store": dir}
			if metrics != "" {
				mnc, err := store.Connect(ctx, own)
				if err != nil {
					return fmt.Errorf("metrics connection: %w", err)
				}
				defer mnc.Close()
				addr, err := storemetrics.Serve(ctx, metrics, mnc, e.logger)
				if err != nil {
					return badInput(err)
				}
				report["metrics"] = "http://" + addr + "/metrics"
			}
			if httpAddr != "" {
				if err := serveRoutes(ctx, e, own, httpAddr, report); err != nil {
					return err
				}
			}
			if cpr != nil {
				done := make(chan struct{})
				go func() { defer close(done); cpr.run(ctx, e, own, replicas) }()
				defer func() { stop(); <-done }() // the checkpointer ends with ctx, even on an early return
			}
			if err := writeJSON(e.stdout, report); err != nil {
				return err
			}
			<-ctx.Done()
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "store", "", "JetStream store directory (required)")
	f.StringVar(&listen, "listen", "127.0.0.1:4222", "client listen address HOST:PORT")
	f.StringVar(&cluster, "cluster", "", "cluster listen address HOST:PORT (enables clustering)")
	f.StringVar(&routes, "routes", "", "comma-separated nats-route:// URLs of the other cluster members")
	f.StringVar(&name, "name", "", "server name (required in a cluster)")
	f.IntVar(&replicas, "replicas", 1, "replicas of the event stream when serve creates it")
	f.StringVar(&metrics, "metrics", "", "serve Prometheus metrics on HOST:PORT (/metrics)")
	f.StringVar(&httpAddr, "http", "", "serve HTTP on HOST:PORT: the IPFS gateway at /ipfs/ (docs/objects.md)")
	f.StringVar(&logKey, "log-key", "", "keep the transparency log up to date, signing checkpoints with this key file (docs/log.md)")
	f.DurationVar(&checkpointEvery, "checkpoint-every", time.Second, "with --log-key: how often to checkpoint while events arrive")
	f.StringVar(&configFile, "config", "", "a nats-server configuration file (users, permissions, accounts, TLS, limits)")
	f.String("auth-token", "", "require this token of every client (better: $JETDAG_AUTH_TOKEN, which ps does not show)")
	f.StringVar(&authUser, "auth-user", "", "require this user name and the password of $JETDAG_AUTH_PASSWORD (or --auth-password)")
	f.String("auth-password", "", "the password for --auth-user (better: $JETDAG_AUTH_PASSWORD)")
	f.StringVar(&tlsCert, "tls-server-cert", "", "require TLS, with this server certificate (PEM)")
	f.StringVar(&tlsKey, "tls-server-key", "", "the server certificate's private key (PEM)")
	f.StringVar(&tlsClientCA, "tls-client-ca", "", "also require client certificates signed by this CA (mutual TLS)")
	return cmd
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
