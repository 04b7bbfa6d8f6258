// This file is `jetdag gateway`: the store on the IPFS web, as an IPFS trustless HTTP gateway
// (store/gateway) over an existing server, and the gateway's route on `serve --http`.

package cli

import (
	"context"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/gateway"
)

// gatewayRoutes mounts the IPFS gateway at /ipfs/ over nc's event stream and object bucket.
// The stores are opened by the first request that finds them (see lazy); the gateway, which
// only reads, never creates them.
func gatewayRoutes(_ context.Context, e *env, nc *nats.Conn) ([]httpRoute, error) {
	gw := newLazy(nc, func(ctx context.Context) (http.Handler, error) {
		return newGatewayHandler(ctx, e, nc, gateway.Config{})
	})
	return []httpRoute{{Name: "gateway", Pattern: gateway.Prefix, Handler: lazyHandler(gw)}}, nil
}

// newGatewayHandler opens the event and object stores on nc and returns the gateway over them.
func newGatewayHandler(ctx context.Context, e *env, nc *nats.Conn, cfg gateway.Config) (http.Handler, error) {
	events, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{Logger: e.logger})
	if err != nil {
		return nil, storeErr(err)
	}
	objects, err := store.OpenObjects(ctx, nc, store.ObjectStoreConfig{Logger: e.logger, EventExists: events.Exists})
	if err != nil {
		return nil, storeErr(err)
	}
	return gateway.NewHandler(gateway.NewBlockstore(objects, events), cfg)
}

// gatewayOptions are gateway's flags.
type gatewayOptions struct {
	addr      string
	trustless bool
}

func newGatewayCmd(e *env) *cobra.Command {
	var o gatewayOptions
	cmd := &cobra.Command{
		Use:   "gateway --http HOST:PORT",
		Short: "Serve the store as an IPFS trustless HTTP gateway (/ipfs/{cid})",
		Long: `gateway serves every block of the store (events, objects, link records, UnixFS files) by the
IPFS HTTP gateway specifications, at http://HOST:PORT/ipfs/{cid}[/path], until interrupted:

  Accept: application/vnd.ipld.raw or ?format=raw    the block's exact bytes
  Accept: application/vnd.ipld.car or ?format=car    a CAR stream; dag-scope=block|entity|all,
                                                     entity-bytes=FROM:TO, car-order=dfs, car-dups=y|n
  plain GET of a file's CID (or of an object/data)   the file's bytes (not with --trustless)

An event's dag-scope=all CAR is its whole causal past (previous_cid chain, parents and their
chains). Paths resolve through IPLD links: /ipfs/{event}/previous_cid/previous_cid. Any IPFS
client verifies what it gets against the CIDs, so it need not trust this server. Nothing can
be written through it. It connects to NATS with the global flags, like every command, and
prints one JSON line {"http", "gateway"} once it listens.`,
		Example: `  jetdag gateway --http 127.0.0.1:8080
  curl -H 'Accept: application/vnd.ipld.car' 'http://127.0.0.1:8080/ipfs/bafyrei...?dag-scope=all' > past.car`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	cmd.Flags().StringVar(&o.addr, "http", "", "listen address HOST:PORT (required; port 0 picks a free one)")
	cmd.Flags().BoolVar(&o.trustless, "trustless", false, "serve only verifiable responses (raw blocks and CAR files), no deserialized files")
	return cmd
}

func (o *gatewayOptions) run(ctx context.Context, e *env) error {
	if o.addr == "" {
		return badInputf("--http HOST:PORT is required")
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	nc, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer nc.Close()
	h, err := newGatewayHandler(ctx, e, nc, gateway.Config{TrustlessOnly: o.trustless})
	if err != nil {
		return err
	}
	_, report, err := serveHTTP(ctx, o.addr, []httpRoute{{Name: "gateway", Pattern: gateway.Prefix, Handler: h}}, e.logger)
	if err != nil {
		return err
	}
	if err := writeJSON(e.stdout, report); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}
