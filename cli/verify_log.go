// This file adds the transparency-log checks to `jetdag verify` (--checkpoint, --vkey,
// --witness-vkey): FORMAT.md invariants 7-9 against the checkpoints the user kept.

package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/translog"
)

// logVerifyFlags are verify's log flags.
type logVerifyFlags struct {
	checkpoints []string
	vkey        string
	witnesses   []string
	from        string
}

func (f *logVerifyFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.checkpoints, "checkpoint", nil, "a checkpoint note kept earlier (log show): the store must still agree with it (repeatable; needs --vkey)")
	cmd.Flags().StringVar(&f.vkey, "vkey", "", "the log's verifier key (or a file holding it): check every stored checkpoint and the --checkpoint notes")
	cmd.Flags().StringVar(&f.from, "from", "", `verify only what follows a checkpoint ("latest" or a note file) whose signature verifies with --vkey, starting from its state block`)
	cmd.Flags().StringArrayVar(&f.witnesses, "witness-vkey", nil, "a witness's cosignature verifier key (or file): the newest checkpoint must carry its cosignature (repeatable)")
}

// logAudit is verify's log check, prepared before the replay so that bad input fails first,
// begun before it (the checkpoints read) and fed by it, so the stream is read once.
type logAudit struct {
	v       note.Verifier
	opts    translog.AuditOptions
	stores  *logStores
	auditor *translog.Auditor
}

// prepare parses the flags and opens the held notes: nil when no log check was asked for. A
// malformed key is bad input (2); a note is classified by noteErr (another log's note, or one
// the key did not sign, 2; the key's signature failing, 1).
func (f *logVerifyFlags) prepare() (*logAudit, error) {
	if f.vkey == "" {
		if len(f.checkpoints) > 0 || len(f.witnesses) > 0 || f.from != "" {
			return nil, badInputf("--checkpoint, --from and --witness-vkey need the log's --vkey")
		}
		return nil, nil
	}
	v, err := readVerifier("--vkey", f.vkey)
	if err != nil {
		return nil, err
	}
	a := &logAudit{v: v}
	for _, path := range f.checkpoints {
		data, err := readKeyFile("--checkpoint", path)
		if err != nil {
			return nil, err
		}
		cp, err := translog.OpenCheckpoint(data, v)
		if err != nil {
			return nil, noteErr("--checkpoint "+path, err)
		}
		a.opts.Held = append(a.opts.Held, cp)
		a.opts.HeldNames = append(a.opts.HeldNames, path)
	}
	for _, w := range f.witnesses {
		wv, err := readWitnessVerifier("--witness-vkey", w)
		if err != nil {
			return nil, err
		}
		a.opts.Witnesses = append(a.opts.Witnesses, wv)
	}
	return a, nil
}

// begin opens the log and reads its checkpoints before verify's replay, which then hands
// every record to observe. The stores stay open until run.
func (a *logAudit) begin(ctx context.Context, e *env) error {
	if a == nil {
		return nil
	}
	s, err := e.openLog(ctx, translog.Config{Verifier: a.v})
	if err != nil {
		return err
	}
	aud, err := s.log.NewAuditor(ctx, a.opts)
	if err != nil {
		s.close()
		return logErr(err)
	}
	a.stores, a.auditor = s, aud
	return nil
}

// observe takes one record of verify's replay.
func (a *logAudit) observe(ctx context.Context, r store.Record) error {
	if a == nil || a.auditor == nil {
		return nil
	}
	return a.auditor.Observe(ctx, r)
}

// close closes what begin opened.
func (a *logAudit) close() {
	if a != nil && a.stores != nil {
		a.stores.close()
		a.stores = nil
	}
}

// run finishes the audit after the replay, prints a {"log_problem"} line for each
// disagreement and returns whether it passed and the summary fields.
func (a *logAudit) run(ctx context.Context, e *env) (bool, map[string]any, error) {
	if a == nil {
		return true, nil, nil
	}
	defer a.close()
	rep, err := a.auditor.Finish(ctx)
	if err != nil {
		return false, nil, err
	}
	for _, p := range rep.Problems {
		if err := writeJSON(e.stdout, map[string]any{"log_problem": p}); err != nil {
			return false, nil, err
		}
	}
	ok := len(rep.Problems) == 0
	return ok, map[string]any{"log_ok": ok, "log_leaves": rep.Leaves, "checkpoints": rep.Checkpoints,
		"held_checkpoints": rep.Held, "log_problems": len(rep.Problems)}, nil
}

// resumeFrom opens the checkpoint named by from ("latest", or a note file) with the log's
// key vkey and returns the point a feed or a verification resumes from (see
// OpenResumePoint).
func resumeFrom(ctx context.Context, e *env, from, vkey string) (*translog.Checkpoint, store.ResumePoint, error) {
	var rp store.ResumePoint
	v, err := readVerifier("--vkey", vkey)
	if err != nil {
		return nil, rp, err
	}
	s, err := e.openLog(ctx, translog.Config{Verifier: v})
	if err != nil {
		return nil, rp, err
	}
	defer s.close()
	return OpenResumePoint(ctx, s.log, v, from)
}

// OpenResumePoint opens the checkpoint named by from ("latest": the log's newest; otherwise
// a note file) on l, whose configured verifier is v, and returns it with the point a feed
// resumes from: its state block, checked against the checkpoint, and the stream's last leaf
// checked (translog.Log.ResumePoint). tail --checkpoint, verify --from and view --checkpoint
// all start here. A note not signed by v's key at all (another key, another log's note), a
// malformed note or a missing file is bad input (exit 2); a signature by that key that does
// not verify, a state block or stream that contradicts the checkpoint, or a log with no
// checkpoint is a failure (exit 1): noteErr's rule, which verify --checkpoint follows too.
func OpenResumePoint(ctx context.Context, l *translog.Log, v note.Verifier, from string) (*translog.Checkpoint, store.ResumePoint, error) {
	var rp store.ResumePoint
	var cp *translog.Checkpoint
	var err error
	if from == "latest" {
		cp, err = l.Latest(ctx)
	} else {
		data, rerr := readKeyFile("checkpoint", from)
		if rerr != nil {
			return nil, rp, rerr
		}
		cp, err = translog.OpenCheckpoint(data, v)
	}
	if err != nil {
		return nil, rp, resumeErr(from, err)
	}
	rp, err = l.ResumePoint(ctx, cp)
	if err != nil {
		return nil, rp, failure(logErr(fmt.Errorf("checkpoint of size %d: %w", cp.N, err)))
	}
	return cp, rp, nil
}

// resumeErr classifies a failure to open the checkpoint to resume from: a log without a
// checkpoint is a failure (1), the note's own failures are classified by noteErr.
func resumeErr(from string, err error) error {
	if errors.Is(err, translog.ErrNoCheckpoint) {
		return failuref("checkpoint %s: the log has no checkpoint to resume from (jetdag log checkpoint, or serve --log-key, writes one): %w", from, err)
	}
	return noteErr("checkpoint "+from, err)
}

// noteErr classifies a failure to open a checkpoint note with the log's key, the one rule of
// every command that takes a note (verify --checkpoint and --from, tail, view, load, append
// and import --checkpoint): a note the key has nothing to do with (one that does not parse,
// that names another log, or that carries no signature by that key) is the user's mismatch
// of note and key, bad input (2); a note carrying that key's signature that does not verify
// (altered or forged) is a failed check (1), as is a note the store contradicts.
func noteErr(what string, err error) error {
	var invalid *note.InvalidSignatureError
	switch {
	case errors.Is(err, translog.ErrMalformed):
		return badInput(fmt.Errorf("%s: %w", what, err))
	case errors.Is(err, translog.ErrForeignOrigin),
		errors.Is(err, translog.ErrSignature) && !errors.As(err, &invalid):
		return badInput(fmt.Errorf("%s: not signed by the configured log key: %w", what, err))
	}
	return failure(logErr(fmt.Errorf("%s: %w", what, err)))
}

// failure gives err exit code 1 unless it already has one, so that a caller outside this
// package (the viewer) reads the same code the command would exit with.
func failure(err error) error {
	var xe *ExitError
	if err == nil || errors.As(err, &xe) {
		return err
	}
	return &ExitError{Code: ExitFailure, Err: err}
}

func failuref(format string, args ...any) error { return failure(fmt.Errorf(format, args...)) }

// verifyFrom is `verify --from CHECKPOINT`: only what the stream holds after a verified
// checkpoint is verified, starting from its state block's heads.
func (f *logVerifyFlags) verifyFrom(ctx context.Context, e *env) error {
	cp, rp, err := resumeFrom(ctx, e, f.from, f.vkey)
	if err != nil {
		return err
	}
	es, closeFn, err := e.openEvents(ctx, 0)
	if err != nil {
		return err
	}
	defer closeFn()
	v := store.NewVerifierAt(rp.Seq, rp.Heads, 1<<16, es.Lookup(ctx))
	var msgs, events, rejected uint64
	last, err := es.Scan(ctx, v, rp.Seq+1, func(r store.Record) error {
		msgs++
		if r.Event != nil {
			events++
			return nil
		}
		rejected++
		return writeRecord(e.stdout, r)
	})
	if err != nil {
		return err
	}
	ok := rejected == 0
	if err := writeJSON(e.stdout, map[string]any{"ok": ok, "from_size": cp.N, "from_seq": rp.Seq, "messages": msgs,
		"events": events, "rejected": rejected, "aggregates": len(v.Heads()), "last_seq": max(last, rp.Seq)}); err != nil {
		return err
	}
	if !ok {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("%d of %d messages after the checkpoint of size %d failed verification", rejected, msgs, cp.N)}
	}
	return nil
}
