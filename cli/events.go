// This file is the event commands (init, append, get, history, tail) and openEvents, through
// which they and verify open the event store.

package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/jetdag/jetdag/store"
)

// flushTimeout bounds the wait for pending index writes when a command ends.
const flushTimeout = 5 * time.Second

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
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout) // also after the command's context ended
		defer cancel()
		if err := es.Close(fctx); err != nil {
			e.logger.Warn("the store closed before writing every index entry of its appends (the next reader indexes them)", "err", err)
		}
		if err := es.Flush(fctx); err != nil {
			e.logger.Warn("publishes not all acknowledged when the command ended (a missing index entry is repaired by the next reader)", "err", err)
		}
		_ = nc.Drain()
	}, nil
}

// initOptions are init's flags.
type initOptions struct {
	replicas int
}

func newInitCmd(e *env) *cobra.Command {
	var o initOptions
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
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	cmd.Flags().IntVar(&o.replicas, "replicas", 1, "number of replicas (1, 3 or 5 on a cluster)")
	return cmd
}

func (o *initOptions) run(ctx context.Context, e *env) error {
	if o.replicas < 1 || o.replicas > 5 {
		return badInputf("--replicas %d: want 1 to 5", o.replicas)
	}
	nc, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer nc.Close()
	before, err := store.ScaleReplicas(ctx, nc, o.replicas)
	if err != nil {
		return err
	}
	return writeJSON(e.stdout, map[string]any{
		"stream": store.StreamName, "index": store.IndexBucket, "bucket": store.ObjectBucket,
		"replicas": o.replicas, "before": before,
	})
}

// appendOptions are append's flags; the ...Set fields say which flags were given.
type appendOptions struct {
	agg, typ, data, dataFile, expect string
	parents                          []string
	retries                          int
	dataSet, dataFileSet, expectSet  bool
	trust                            trustFlags // --checkpoint, --log-vkey
}

func newAppendCmd(e *env) *cobra.Command {
	var o appendOptions
	cmd := &cobra.Command{
		Use:   "append",
		Short: "Append one event to an aggregate's chain",
		Long: `append stores one event after the aggregate's current head and prints
{"cid", "seq", "previous_cid"}. The payload comes from --data, --data-file or stdin.
--expect-head CID (or none) refuses the append unless the head is that event (or the
aggregate has no events yet); a refused or lost race exits 3. On an aggregate with a long
chain, --checkpoint latest|FILE --log-vkey V starts its head from that verified checkpoint of
the transparency log instead of reading the whole chain first.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			o.dataSet, o.dataFileSet, o.expectSet = f.Changed("data"), f.Changed("data-file"), f.Changed("expect-head")
			return o.run(cmd.Context(), e)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.agg, "aggregate", "", "aggregate ID (required)")
	f.StringVar(&o.typ, "type", "", "event type (required)")
	f.StringVar(&o.data, "data", "", "payload as a string")
	f.StringVar(&o.dataFile, "data-file", "", "read the payload from this file")
	f.StringArrayVar(&o.parents, "parent", nil, "CID of a causal parent event (repeatable)")
	f.StringVar(&o.expect, "expect-head", "", "CID the aggregate's head must be, or none for a new aggregate")
	f.IntVar(&o.retries, "retries", 10, "retries on a lost race when no --expect-head is given")
	o.trust.register(cmd)
	_ = cmd.MarkFlagRequired("aggregate")
	_ = cmd.MarkFlagRequired("type")
	return cmd
}

func (o *appendOptions) run(ctx context.Context, e *env) error {
	var payload []byte
	switch {
	case o.dataSet && o.dataFileSet:
		return badInputf("give --data or --data-file, not both")
	case o.dataSet:
		payload = []byte(o.data)
	case o.dataFileSet:
		f, err := openInput("--data-file", o.dataFile)
		if err != nil {
			return err
		}
		payload, err = readInput("--data-file "+o.dataFile, f)
		f.Close()
		if err != nil {
			return err
		}
	case !isTerminal(e.stdin):
		b, err := readInput("stdin", e.stdin)
		if err != nil {
			return err
		}
		payload = b
	}
	if o.retries < 0 {
		return badInputf("--retries %d: want 0 or more", o.retries)
	}
	ne := store.NewEvent{AggregateID: o.agg, EventType: o.typ, Payload: payload}
	for _, p := range o.parents {
		c, err := parseCIDArg("--parent", p)
		if err != nil {
			return err
		}
		ne.Parents = append(ne.Parents, c)
	}
	var opts []store.AppendOption
	switch {
	case o.expectSet && o.expect == "":
		return badInputf("--expect-head is empty: give the head's CID, or none for a new aggregate")
	case o.expect == "":
		opts = append(opts, store.WithRetries(o.retries))
	case o.expect == "none":
		opts = append(opts, store.ExpectNew())
	default:
		c, err := parseCIDArg("--expect-head", o.expect)
		if err != nil {
			return err
		}
		opts = append(opts, store.ExpectHead(c))
	}
	if err := store.ValidateName("--aggregate", o.agg); err != nil {
		return badInput(err)
	}
	if err := store.ValidateName("--type", o.typ); err != nil {
		return badInput(err)
	}
	if err := o.trust.check(); err != nil {
		return err
	}
	es, closeFn, err := e.openEvents(ctx, 0)
	if err != nil {
		return err
	}
	defer closeFn()
	if err := o.trust.apply(ctx, e, es); err != nil {
		return err
	}
	ev, err := es.AppendEvent(ctx, ne, opts...)
	if err != nil {
		return storeErr(err)
	}
	return writeJSON(e.stdout, map[string]any{"cid": ev.CID.String(), "seq": ev.Seq, "previous_cid": cidString(ev.PreviousCID)})
}

// getOptions are get's flags (it has none).
type getOptions struct{}

func newGetCmd(e *env) *cobra.Command {
	var o getOptions
	return &cobra.Command{
		Use:   "get CID",
		Short: "Print one event, verified, as a JSON line",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), e, args[0]) },
	}
}

func (o *getOptions) run(ctx context.Context, e *env, arg string) error {
	c, err := parseCIDArg("CID", arg)
	if err != nil {
		return err
	}
	es, closeFn, err := e.openEvents(ctx, 0)
	if err != nil {
		return err
	}
	defer closeFn()
	ev, err := es.Get(ctx, c)
	if err != nil {
		return err
	}
	return writeJSON(e.stdout, toEventJSON(ev))
}

// historyOptions are history's flags (it has none).
type historyOptions struct{}

func newHistoryCmd(e *env) *cobra.Command {
	var o historyOptions
	return &cobra.Command{
		Use:   "history AGGREGATE",
		Short: "Print an aggregate's events in chain order, one JSON line each",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), e, args[0]) },
	}
}

func (o *historyOptions) run(ctx context.Context, e *env, aggregate string) error {
	if err := store.ValidateName("aggregate", aggregate); err != nil {
		return badInput(err)
	}
	es, closeFn, err := e.openEvents(ctx, 0)
	if err != nil {
		return err
	}
	defer closeFn()
	evs, err := es.History(ctx, aggregate)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		if err := writeJSON(e.stdout, toEventJSON(ev)); err != nil {
			return err
		}
	}
	return nil
}

// tailOptions are tail's flags.
type tailOptions struct {
	from             uint64
	checkpoint, vkey string
	stopAtLive       bool
}

func newTailCmd(e *env) *cobra.Command {
	var o tailOptions
	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Follow the event stream live (verified), one JSON line per event or rejected message",
		Long: `tail prints every event from --from on (default: only new ones), each verified, and rejected
messages with their reason, until interrupted. --until-caught-up stops once it is live.
--checkpoint latest|FILE --vkey V starts after that checkpoint (its signature checked, its
state block giving every aggregate's head) instead of replaying the stream from the start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	cmd.Flags().Uint64Var(&o.from, "from", 0, "first stream sequence to print (0 or unset: only events that arrive from now on)")
	cmd.Flags().BoolVar(&o.stopAtLive, "until-caught-up", false, "exit once every stored event has been printed")
	cmd.Flags().StringVar(&o.checkpoint, "checkpoint", "", `start after a checkpoint ("latest" or a note file) whose signature verifies with --vkey, from its state block, instead of replaying the whole stream`)
	cmd.Flags().StringVar(&o.vkey, "vkey", "", "the log's verifier key (or a file) for --checkpoint")
	return cmd
}

func (o *tailOptions) run(ctx context.Context, e *env) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	es, closeFn, err := e.openEvents(ctx, 0)
	if err != nil {
		return err
	}
	defer closeFn()
	var subOpts []store.SubscribeOption
	if o.checkpoint != "" {
		_, rp, err := resumeFrom(ctx, e, o.checkpoint, o.vkey)
		if err != nil {
			return err
		}
		subOpts = append(subOpts, store.ResumeAt(rp))
	}
	start := o.from
	if o.from == 0 && o.checkpoint == "" {
		last, err := es.LastSeq(ctx)
		if err != nil {
			return err
		}
		start = last + 1 // only what arrives from now on
	}
	ch, err := es.Subscribe(ctx, start, subOpts...)
	if err != nil {
		return err
	}
	// Before the connection closes: stop the feed and wait for it to end, so that it
	// neither reports the closing connection as an error nor writes after tail returns.
	defer func() {
		cancel()
		for range ch {
		}
	}()
	for r := range ch {
		if err := writeRecord(e.stdout, r); err != nil {
			return err
		}
		if r.CaughtUp && o.stopAtLive {
			return nil
		}
	}
	return nil
}
