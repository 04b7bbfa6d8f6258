package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/schollz/progressbar/v3"
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
}

func newAppendCmd(e *env) *cobra.Command {
	var o appendOptions
	cmd := &cobra.Command{
		Use:   "append",
		Short: "Append one event to an aggregate's chain",
		Long: `append stores one event after the aggregate's current head and prints
{"cid", "seq", "previous_cid"}. The payload comes from --data, --data-file or stdin.
--expect-head CID (or none) refuses the append unless the head is that event (or the
aggregate has no events yet); a refused or lost race exits 3.`,
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
	es, closeFn, err := e.openEvents(ctx, 0)
	if err != nil {
		return err
	}
	defer closeFn()
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

// verifyOptions are verify's flags.
type verifyOptions struct {
	repair, quiet, objects bool
	ackedFiles             []string
	logFlags               logVerifyFlags
}

func newVerifyCmd(e *env) *cobra.Command {
	var o verifyOptions
	cmd := &cobra.Command{
		Use:   "verify [--acked FILE...]",
		Short: "Check every invariant of the event stream; exit 0 only when all hold",
		Long: `verify replays the whole stream through an ordered consumer and checks FORMAT.md's
invariants: every body hashes to its Cid header, every block is canonical DAG-CBOR with exactly
the event keys, each event's previous_cid is its aggregate's head, every parent is an earlier
event, and headers agree with the block. It prints one JSON line per bad sequence with its
reason, then a summary line, and exits 1 when anything failed. It then reads every entry of
the object-store bucket and checks that its bytes hash to its name (and that object blocks and
link records are canonical), and checks the CID index against the stream (malformed entries,
entries naming the wrong sequence or no event, events without an entry, a watermark past the
stream's end). --repair-index puts the index right: it writes missing and wrong entries, deletes
stray ones and sets the watermark.
--acked FILE... (the files of "jetdag load") also checks that every acknowledged event is in
the stream exactly once, verified, at its acknowledged sequence, that every batch is whole and
that no load payload is stored twice; it prints a problem line for each failure and a line
{"acked_ok", "acked", "found", "lost", ...} before the summary.
--vkey KEY also checks the transparency log (docs/log.md, invariants 7-9): every stored
checkpoint's signature, and that the stream still gives each checkpoint's root, last-leaf
sequence and state block, and so does every --checkpoint FILE the user kept; a truncated,
rewritten or forked store prints {"log_problem"} lines and exits 1. --witness-vkey V requires
the newest checkpoint to be cosigned by that witness.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), e, args) },
	}
	o.logFlags.register(cmd)
	cmd.Flags().StringSliceVar(&o.ackedFiles, "acked", nil, "acknowledgement files of jetdag load to check against the stream")
	cmd.Flags().BoolVar(&o.repair, "repair-index", false, "rewrite missing and wrong entries of the CID index and its watermark")
	cmd.Flags().BoolVar(&o.quiet, "quiet", false, "no progress bar")
	cmd.Flags().BoolVar(&o.objects, "objects", true, "also read and check every block of the object-store bucket")
	return cmd
}

// run verifies; args are --acked files given after the first (as a shell glob gives them).
func (o *verifyOptions) run(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && len(o.ackedFiles) == 0 {
		return badInputf("verify takes no arguments (did you mean --acked %s?)", args[0])
	}
	ackedFiles := append(o.ackedFiles, args...) // --acked a.jsonl b.jsonl, as a shell glob gives them
	var acked *store.AckedChecker
	var torn int
	if len(ackedFiles) > 0 {
		evs, n, err := readAckedFiles(ackedFiles)
		if err != nil {
			return err
		}
		acked, torn = store.NewAckedChecker(evs), n
	}
	logAudit, err := o.logFlags.prepare()
	if err != nil {
		return err
	}
	if o.logFlags.from != "" {
		return o.logFlags.verifyFrom(ctx, e)
	}
	es, closeFn, err := e.openEvents(ctx, 0)
	if err != nil {
		return err
	}
	defer closeFn()
	opts := store.ReplayOptions{CheckIndex: true, RepairIndex: o.repair}
	var bar *progressbar.ProgressBar
	if !o.quiet && isTerminal(e.stderr) {
		opts.Progress = func(seq, last uint64) {
			if bar == nil {
				bar = progressbar.NewOptions64(int64(last), progressbar.OptionSetWriter(e.stderr),
					progressbar.OptionSetDescription("verifying"), progressbar.OptionShowCount(),
					progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish())
			}
			_ = bar.Set64(int64(seq))
		}
	}
	if err := logAudit.begin(ctx, e); err != nil {
		return err
	}
	defer logAudit.close()
	_, st, err := es.Replay(ctx, opts, func(r store.Record) error {
		if acked != nil {
			acked.Observe(r)
		}
		if err := logAudit.observe(r); err != nil {
			return err
		}
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
	if o.objects {
		nc, err := e.connect(ctx)
		if err != nil {
			return err
		}
		defer nc.Close()
		objs, err := store.OpenObjects(ctx, nc, store.ObjectStoreConfig{Logger: e.logger})
		if err != nil {
			return err
		}
		bucket, err = objs.VerifyBucket(ctx, func(name string, err error) {
			_ = writeJSON(e.stdout, map[string]any{"bucket_entry": name, "rejected": true, "reason": err.Error()})
		})
		if err != nil {
			return err
		}
	}
	ackedOK := true
	if acked != nil {
		if ackedOK, err = writeAckedReport(e, acked, len(ackedFiles), torn); err != nil {
			return err
		}
	}
	logOK, logSummary, err := logAudit.run(ctx, e)
	if err != nil {
		return err
	}
	indexOK := st.IndexBad == 0 || o.repair // a repair that did not finish returned an error above
	ok := st.Rejected == 0 && bucket.Bad == 0 && ackedOK && indexOK && logOK
	summary := map[string]any{"ok": ok, "messages": st.Messages, "events": st.Events,
		"rejected": st.Rejected, "aggregates": st.Aggregates, "last_seq": st.LastSeq,
		"index_bad": st.IndexBad, "index_repaired": st.IndexRepaired,
		"bucket_entries": bucket.Entries, "bucket_bad": bucket.Bad}
	for k, v := range logSummary {
		summary[k] = v
	}
	if err := writeJSON(e.stdout, summary); err != nil {
		return err
	}
	if !ok {
		if !logOK {
			return &ExitError{Code: ExitFailure, Err: fmt.Errorf("the store disagrees with its log's checkpoints (see log_problem lines); %d of %d messages failed verification",
				st.Rejected, st.Messages)}
		}
		if !ackedOK {
			return &ExitError{Code: ExitFailure, Err: fmt.Errorf("acknowledged events lost, moved or stored twice, or batches stored in part (see acked_problem lines); %d of %d messages failed verification",
				st.Rejected, st.Messages)}
		}
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("%d of %d messages, %d of %d bucket entries and %d CID index entries failed verification (--repair-index rebuilds the index)",
			st.Rejected, st.Messages, bucket.Bad, bucket.Entries, st.IndexBad)}
	}
	return nil
}
