// This file is `jetdag verify`: every invariant of the event stream, the object bucket and the
// CID index, with the acknowledged-event checks (verify_acked.go) and the transparency-log
// checks (verify_log.go).

package cli

import (
	"context"
	"fmt"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/jetdag/jetdag/store"
)

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
rewritten or forked store prints {"log_problem"} lines and exits 1. A --checkpoint or --from
note that the key has nothing to do with (malformed, another log's, signed by another key)
exits 2; one carrying the key's signature that fails (altered or forged) exits 1.
--witness-vkey V requires the newest checkpoint to be cosigned by that witness.`,
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
		if err := logAudit.observe(ctx, r); err != nil {
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
