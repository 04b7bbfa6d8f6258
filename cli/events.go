package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/ipfs/go-cid"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/server"
	"github.com/jetdag/jetdag/store/storemetrics"
)

// openEvents connects and opens the event store; the returned close drains the connection
// (so pending index writes land).
func (e *env) openEvents(ctx context.Context, replicas int) (*store.JetStreamEvents, func(), error) {
	nc, err := e.connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	es, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{Replicas: replicas, Logger: e.logger})
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return es, func() {
		// Bounded: a publish the server dropped (a permission it refused) is never
		// acknowledged, and an unbounded flush would wait for it forever.
		fctx, cancel := context.WithTimeout(ctx, flushTimeout)
		defer cancel()
		if err := es.Flush(fctx); err != nil {
			e.logger.Warn("publishes not all acknowledged when the command ended (a missing index entry is repaired by the next reader)", "err", err)
		}
		_ = nc.Drain()
	}, nil
}

// flushTimeout bounds the wait for pending index writes when a command ends.
const flushTimeout = 5 * time.Second

// parseCIDArg parses a CID given by the user (exit 2 when malformed).
func parseCIDArg(what, s string) (cid.Cid, error) {
	c, err := block.ParseCID(s)
	if err != nil {
		return cid.Undef, badInputf("%s %q: %w", what, s, err)
	}
	return c, nil
}

// storeErr maps store errors to exit codes: bad input 2, conflict 3, refused 4, else 1.
func storeErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrConflict):
		return &ExitError{Code: ExitConflict, Err: err}
	case errors.Is(err, store.ErrAuthorization):
		return &ExitError{Code: ExitAuth, Err: err}
	case errors.Is(err, store.ErrInvalidInput), errors.Is(err, store.ErrPayloadTooLarge), errors.Is(err, store.ErrUnknownParent):
		return badInput(err)
	}
	return err
}

// writeJSON writes v as one JSON line, with <, > and & as they are (aggregate IDs and
// payloads are not HTML).
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func cidString(c cid.Cid) *string {
	if !c.Defined() {
		return nil
	}
	s := c.String()
	return &s
}

// eventJSON is how the CLI prints a stored event.
type eventJSON struct {
	CID         string   `json:"cid"`
	Seq         uint64   `json:"seq"`
	AggregateID string   `json:"aggregate_id"`
	EventType   string   `json:"event_type"`
	PreviousCID *string  `json:"previous_cid"`
	ParentCIDs  []string `json:"parent_cids"`
	Timestamp   int64    `json:"timestamp"`
	// Payload is the payload as text when it is valid UTF-8, else null.
	Payload *string `json:"payload"`
	// PayloadBase64 is the payload in standard base64, always present.
	PayloadBase64 string `json:"payload_base64"`
}

func toEventJSON(ev *store.StoredEvent) eventJSON {
	j := eventJSON{
		CID: ev.CID.String(), Seq: ev.Seq, AggregateID: ev.AggregateID, EventType: ev.EventType,
		PreviousCID: cidString(ev.PreviousCID), ParentCIDs: []string{}, Timestamp: ev.Timestamp,
		PayloadBase64: base64.StdEncoding.EncodeToString(ev.Payload),
	}
	for _, p := range ev.ParentCIDs {
		j.ParentCIDs = append(j.ParentCIDs, p.String())
	}
	if utf8.Valid(ev.Payload) {
		s := string(ev.Payload)
		j.Payload = &s
	}
	return j
}

func isTerminal(f any) bool {
	if lw, ok := f.(*lockedWriter); ok {
		f = lw.w
	}
	if file, ok := f.(*os.File); ok {
		return term.IsTerminal(int(file.Fd()))
	}
	return false
}

func newServeCmd(e *env) *cobra.Command {
	var dir, listen, cluster, routes, name, metrics, configFile string
	var authUser, tlsCert, tlsKey, tlsClientCA string
	var replicas int
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

func newInitCmd(e *env) *cobra.Command {
	var replicas int
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create the event stream, its CID index and the object bucket, or set their replicas",
		Long: `init creates what a jetdag store needs on the server (the event stream, the CID index
bucket and the object bucket) with --replicas replicas, and brings an existing store to that
many replicas (JetStream copies the data; on a cluster the peers must be up). It prints
{"stream", "index", "bucket", "replicas", "before"}, before holding each stream's replicas as
init found them (the requested number for what it created).`,
		Example: `  jetdag init
  jetdag --nats nats://n1:4222,nats://n2:4222,nats://n3:4222 init --replicas 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if replicas < 1 || replicas > 5 {
				return badInputf("--replicas %d: want 1 to 5", replicas)
			}
			nc, err := e.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer nc.Close()
			before, err := store.ScaleReplicas(cmd.Context(), nc, replicas)
			if err != nil {
				return err
			}
			return writeJSON(e.stdout, map[string]any{
				"stream": store.StreamName, "index": store.IndexBucket, "bucket": store.ObjectBucket,
				"replicas": replicas, "before": before,
			})
		},
	}
	cmd.Flags().IntVar(&replicas, "replicas", 1, "number of replicas (1, 3 or 5 on a cluster)")
	return cmd
}

func newAppendCmd(e *env) *cobra.Command {
	var agg, typ, data, dataFile, expect string
	var parents []string
	var retries int
	cmd := &cobra.Command{
		Use:   "append",
		Short: "Append one event to an aggregate's chain",
		Long: `append stores one event after the aggregate's current head and prints
{"cid", "seq", "previous_cid"}. The payload comes from --data, --data-file or stdin.
--expect-head CID (or none) refuses the append unless the head is that event (or the
aggregate has no events yet); a refused or lost race exits 3.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var payload []byte
			switch {
			case cmd.Flags().Changed("data") && dataFile != "":
				return badInputf("give --data or --data-file, not both")
			case cmd.Flags().Changed("data"):
				payload = []byte(data)
			case dataFile != "":
				b, err := os.ReadFile(dataFile)
				if err != nil {
					return badInput(err)
				}
				payload = b
			case !isTerminal(e.stdin):
				b, err := io.ReadAll(e.stdin)
				if err != nil {
					return err
				}
				payload = b
			}
			ne := store.NewEvent{AggregateID: agg, EventType: typ, Payload: payload}
			for _, p := range parents {
				c, err := parseCIDArg("--parent", p)
				if err != nil {
					return err
				}
				ne.Parents = append(ne.Parents, c)
			}
			var opts []store.AppendOption
			switch expect {
			case "":
				opts = append(opts, store.WithRetries(retries))
			case "none":
				opts = append(opts, store.ExpectNew())
			default:
				c, err := parseCIDArg("--expect-head", expect)
				if err != nil {
					return err
				}
				opts = append(opts, store.ExpectHead(c))
			}
			if err := store.ValidateName("--aggregate", agg); err != nil {
				return badInput(err)
			}
			if err := store.ValidateName("--type", typ); err != nil {
				return badInput(err)
			}
			es, closeFn, err := e.openEvents(cmd.Context(), 0)
			if err != nil {
				return err
			}
			defer closeFn()
			ev, err := es.AppendEvent(cmd.Context(), ne, opts...)
			if err != nil {
				return storeErr(err)
			}
			return writeJSON(e.stdout, map[string]any{"cid": ev.CID.String(), "seq": ev.Seq, "previous_cid": cidString(ev.PreviousCID)})
		},
	}
	f := cmd.Flags()
	f.StringVar(&agg, "aggregate", "", "aggregate ID (required)")
	f.StringVar(&typ, "type", "", "event type (required)")
	f.StringVar(&data, "data", "", "payload as a string")
	f.StringVar(&dataFile, "data-file", "", "read the payload from this file")
	f.StringArrayVar(&parents, "parent", nil, "CID of a causal parent event (repeatable)")
	f.StringVar(&expect, "expect-head", "", "CID the aggregate's head must be, or none for a new aggregate")
	f.IntVar(&retries, "retries", 10, "retries on a lost race when no --expect-head is given")
	_ = cmd.MarkFlagRequired("aggregate")
	_ = cmd.MarkFlagRequired("type")
	return cmd
}

func newGetCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "get CID",
		Short: "Print one event, verified, as a JSON line",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := parseCIDArg("CID", args[0])
			if err != nil {
				return err
			}
			es, closeFn, err := e.openEvents(cmd.Context(), 0)
			if err != nil {
				return err
			}
			defer closeFn()
			ev, err := es.Get(cmd.Context(), c)
			if err != nil {
				return err
			}
			return writeJSON(e.stdout, toEventJSON(ev))
		},
	}
}

func newHistoryCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "history AGGREGATE",
		Short: "Print an aggregate's events in chain order, one JSON line each",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := store.ValidateName("aggregate", args[0]); err != nil {
				return badInput(err)
			}
			es, closeFn, err := e.openEvents(cmd.Context(), 0)
			if err != nil {
				return err
			}
			defer closeFn()
			evs, err := es.History(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			for _, ev := range evs {
				if err := writeJSON(e.stdout, toEventJSON(ev)); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// recordJSON prints a Subscribe record: an event, or a rejection with its reason.
func writeRecord(w io.Writer, r store.Record) error {
	switch {
	case r.Event != nil:
		return writeJSON(w, toEventJSON(r.Event))
	case r.Rejected != nil:
		return writeJSON(w, map[string]any{"seq": r.Rejected.Seq, "rejected": true, "subject": r.Rejected.Subject,
			"aggregate_id": r.Rejected.AggregateID, "claimed_cid": r.Rejected.ClaimedCID, "reason": r.Rejected.Reason})
	}
	return nil
}

func newTailCmd(e *env) *cobra.Command {
	var from uint64
	var stopAtLive bool
	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Follow the event stream live (verified), one JSON line per event or rejected message",
		Long: `tail prints every event from --from on (default: only new ones), each verified, and rejected
messages with their reason, until interrupted. --until-caught-up stops once it is live.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			es, closeFn, err := e.openEvents(ctx, 0)
			if err != nil {
				return err
			}
			defer closeFn()
			start := from
			if from == 0 {
				last, err := es.LastSeq(ctx)
				if err != nil {
					return err
				}
				start = last + 1 // only what arrives from now on
			}
			ch, err := es.Subscribe(ctx, start)
			if err != nil {
				return err
			}
			for r := range ch {
				if err := writeRecord(e.stdout, r); err != nil {
					return err
				}
				if r.CaughtUp && stopAtLive {
					return nil
				}
			}
			return nil
		},
	}
	cmd.Flags().Uint64Var(&from, "from", 0, "first stream sequence to print (0 or unset: only events that arrive from now on)")
	cmd.Flags().BoolVar(&stopAtLive, "until-caught-up", false, "exit once every stored event has been printed")
	return cmd
}

func newVerifyCmd(e *env) *cobra.Command {
	var repair, quiet, objects bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check every invariant of the event stream; exit 0 only when all hold",
		Long: `verify replays the whole stream through an ordered consumer and checks FORMAT.md's
invariants: every body hashes to its Cid header, every block is canonical DAG-CBOR with exactly
the event keys, each event's previous_cid is its aggregate's head, every parent is an earlier
event, and headers agree with the block. It prints one JSON line per bad sequence with its
reason, then a summary line, and exits 1 when anything failed. It then reads every entry of
the object-store bucket and checks that its bytes hash to its name (and that object blocks and
link records are canonical). --repair-index also writes missing entries of the CID index.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			es, closeFn, err := e.openEvents(cmd.Context(), 0)
			if err != nil {
				return err
			}
			defer closeFn()
			opts := store.ReplayOptions{RepairIndex: repair}
			var bar *progressbar.ProgressBar
			if !quiet && isTerminal(e.stderr) {
				opts.Progress = func(seq, last uint64) {
					if bar == nil {
						bar = progressbar.NewOptions64(int64(last), progressbar.OptionSetWriter(e.stderr),
							progressbar.OptionSetDescription("verifying"), progressbar.OptionShowCount(),
							progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish())
					}
					_ = bar.Set64(int64(seq))
				}
			}
			_, st, err := es.Replay(cmd.Context(), opts, func(r store.Record) error {
				if r.Rejected != nil {
					return writeRecord(e.stdout, r)
				}
				return nil
			})
			if bar != nil {
				_ = bar.Finish()
			}
			if err != nil {
				return err
			}
			var bucket store.BucketCheck
			if objects {
				nc, err := e.connect(cmd.Context())
				if err != nil {
					return err
				}
				defer nc.Close()
				objs, err := store.OpenObjectStore(cmd.Context(), nc, store.ObjectStoreConfig{Logger: e.logger})
				if err != nil {
					return err
				}
				bucket, err = objs.VerifyBucket(cmd.Context(), func(name string, err error) {
					_ = writeJSON(e.stdout, map[string]any{"bucket_entry": name, "rejected": true, "reason": err.Error()})
				})
				if err != nil {
					return err
				}
			}
			ok := st.Rejected == 0 && bucket.Bad == 0
			if err := writeJSON(e.stdout, map[string]any{"ok": ok, "messages": st.Messages, "events": st.Events,
				"rejected": st.Rejected, "aggregates": st.Aggregates, "last_seq": st.LastSeq, "index_repaired": st.IndexRepaired,
				"bucket_entries": bucket.Entries, "bucket_bad": bucket.Bad}); err != nil {
				return err
			}
			if !ok {
				return &ExitError{Code: ExitFailure, Err: fmt.Errorf("%d of %d messages and %d of %d bucket entries failed verification",
					st.Rejected, st.Messages, bucket.Bad, bucket.Entries)}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&repair, "repair-index", false, "write missing entries of the CID index")
	cmd.Flags().BoolVar(&quiet, "quiet", false, "no progress bar")
	cmd.Flags().BoolVar(&objects, "objects", true, "also read and check every block of the object-store bucket")
	return cmd
}
