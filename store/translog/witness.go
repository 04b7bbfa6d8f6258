package translog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Errors of a witness.
var (
	// ErrRefused: the witness saw a checkpoint inconsistent with one it cosigned, or one the
	// event stream no longer gives (a failed store audit), refused it and stopped cosigning.
	ErrRefused = errors.New("witness refused a checkpoint")
	// ErrHalted: the witness refused a checkpoint earlier and cosigns nothing until an
	// operator removes the refusal file from its state directory.
	ErrHalted = errors.New("witness halted after refusing a checkpoint")
)

// Files in a witness's state directory.
const (
	// WitnessHeldFile holds the last checkpoint note the witness cosigned.
	WitnessHeldFile = "checkpoint"
	// WitnessRefusedFile exists once the witness refused a checkpoint: it holds the reason
	// and both notes. Removing it is the operator's reset.
	WitnessRefusedFile = "refused"
)

// WitnessConfig configures NewWitness.
type WitnessConfig struct {
	// Cosigner signs C2SP tlog-cosignature/v1 lines (NewCosigner).
	Cosigner *torchwood.CosignatureSigner
	// LogVerifier is the log's key: only checkpoints it signed are considered.
	LogVerifier note.Verifier
	// Dir keeps the witness's state across runs.
	Dir string
	// Logger receives the refusals (as errors) and cosignatures; nil discards them.
	Logger *slog.Logger
	// OnRefuse, when set, is called with the reason of a refusal (an alert, a metric).
	OnRefuse func(reason string)
	// OnCosign, when set, is called with each checkpoint cosigned.
	OnCosign func(*Checkpoint)
	// AuditEvery, when positive, makes Run audit the store (Audit): before a cosignature, when
	// no audit has passed in this run yet or AuditEvery has gone by since the last one began,
	// it replays the whole event stream and checks that the stream still gives the checkpoint
	// it is about to cosign and the newest stored one; at the end of a pass that cosigned
	// nothing, when one is due, the held checkpoint. A failed audit is a refusal, as an
	// inconsistent checkpoint is. Between audits checkpoints are cosigned on their consistency
	// proofs alone, which come from the log's own tiles and cannot see a stream that lost old
	// events while the log goes on extending. Zero: no audit.
	AuditEvery time.Duration
	// OnAudit, when set, is called after each audit that passed with the checkpoint audited
	// and how long the audit took.
	OnAudit func(cp *Checkpoint, took time.Duration)

	// proofFault, set only by tests (export_test.go), fails the consistency check of a
	// checkpoint as unreadable tiles would.
	proofFault func(*Checkpoint) error
}

// Witness follows a log's checkpoints and cosigns each one consistent with the last it
// cosigned (RFC 9162 consistency proofs from the log's tiles); an inconsistent one is refused
// and stops it for good.
type Witness struct {
	l    *Log
	cfg  WitnessConfig
	log  *slog.Logger
	held *Checkpoint
	// published: the held checkpoint's cosignature is known to be on CosignedSubject (false
	// after a failed publish, and for a held checkpoint read from the state directory until
	// the stream was looked at).
	published bool
	// audited is when the last audit that passed began (zero: none yet in this process).
	audited time.Time
}

// NewWitness opens a witness over l with the state in cfg.Dir (created when missing). A
// state that holds a refusal opens a halted witness (Halted says why): it cosigns nothing,
// and Observe and Run fail with ErrHalted.
func NewWitness(l *Log, cfg WitnessConfig) (*Witness, error) {
	w := &Witness{l: l, cfg: cfg, log: cfg.Logger}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("witness state: %w", err)
	}
	if _, _, err := w.Halted(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(cfg.Dir, WitnessHeldFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("witness state: %w", err)
	default:
		cp, err := OpenCheckpoint(data, cfg.LogVerifier)
		if err != nil {
			return nil, fmt.Errorf("witness state %s: %w", filepath.Join(cfg.Dir, WitnessHeldFile), err)
		}
		w.held = cp
	}
	return w, nil
}

// Halted reports whether the witness has refused a checkpoint, in this run or an earlier
// one (its state directory holds the refusal file), and the refusal's reason.
func (w *Witness) Halted() (reason string, halted bool, err error) {
	data, err := os.ReadFile(w.RefusalFile())
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("witness state: %w", err)
	}
	reason, _, _ = strings.Cut(string(data), "\n")
	if reason == "" {
		reason = "no reason recorded"
	}
	return reason, true, nil
}

// RefusalFile is the file whose presence halts the witness: removing it is the operator's
// reset (and removing WitnessHeldFile beside it accepts a new history).
func (w *Witness) RefusalFile() string { return filepath.Join(w.cfg.Dir, WitnessRefusedFile) }

func (w *Witness) halted() error {
	reason, halted, err := w.Halted()
	if err != nil || !halted {
		return err
	}
	return fmt.Errorf("%w (%s); reset by removing %s", ErrHalted, reason, w.RefusalFile())
}

// Held is the last checkpoint the witness cosigned (nil before the first).
func (w *Witness) Held() *Checkpoint { return w.held }

// Observe checks cp against the held checkpoint and cosigns it when it is newer and
// consistent, storing it as held before publishing the cosigned note on CosignedSubject (so
// that no crash lets it cosign another checkpoint of that size). It reports true once the
// cosignature is acknowledged by the stream. An older consistent checkpoint is not cosigned
// again; the held one is published again when its cosignature is not on the stream (its
// publish failed, or the process stopped before it). An inconsistent one is refused:
// ErrRefused, and every later call fails with ErrHalted. Observe does not audit the store
// (Run does, every AuditEvery).
func (w *Witness) Observe(ctx context.Context, cp *Checkpoint) (bool, error) {
	return w.observe(ctx, cp, nil)
}

// observe is Observe, calling check (when not nil) with a checkpoint found newer than the
// held one and consistent with it, before it is held and cosigned: an error from check
// leaves it uncosigned.
func (w *Witness) observe(ctx context.Context, cp *Checkpoint, check func(*Checkpoint) error) (bool, error) {
	if err := w.halted(); err != nil {
		return false, err
	}
	if h := w.held; h != nil {
		switch {
		case h.N == 0 && cp.N > 0, cp.N == 0 && h.N > 0:
			// The empty tree is a prefix of every tree (RFC 9162 has no proof for it).
			if cp.N == 0 {
				return false, nil
			}
		case cp.N == h.N:
			if cp.Hash != h.Hash {
				return false, w.refuse(cp, fmt.Sprintf("two checkpoints of size %d: roots %s and %s", cp.N, h.RootBase64(), cp.RootBase64()))
			}
			if w.published {
				return false, nil
			}
			on, err := w.l.cosignedBy(ctx, h, w.cfg.Cosigner.Verifier())
			if err != nil {
				return false, fmt.Errorf("cosignature of the held checkpoint: %w", err)
			}
			if on {
				w.published = true
				return false, nil
			}
			return w.publish(ctx, h)
		case cp.N < h.N:
			p, err := tlog.ProveTree(h.N, cp.N, w.l.HashReader(ctx, h))
			if err != nil {
				// The log no longer has the cosigned tree's tiles: if its newest checkpoint is
				// smaller than the cosigned one, the log was rolled back or rebuilt.
				if latest, lerr := w.l.Latest(ctx); lerr == nil && latest.N < h.N {
					return false, w.refuse(latest, fmt.Sprintf("the log's newest checkpoint has size %d, smaller than the cosigned one of size %d: rolled back or rebuilt", latest.N, h.N))
				}
				return false, fmt.Errorf("consistency proof %d -> %d: %w", cp.N, h.N, err)
			}
			if err := tlog.CheckTree(p, h.N, h.Hash, cp.N, cp.Hash); err != nil {
				return false, w.refuse(cp, fmt.Sprintf("the checkpoint of size %d is not a prefix of the cosigned one of size %d", cp.N, h.N))
			}
			return false, nil
		default:
			var hr tlog.HashReader = w.l.HashReader(ctx, cp)
			if w.cfg.proofFault != nil {
				if err := w.cfg.proofFault(cp); err != nil {
					hr = tlog.HashReaderFunc(func([]int64) ([]tlog.Hash, error) { return nil, err })
				}
			}
			p, err := tlog.ProveTree(cp.N, h.N, hr)
			if err != nil {
				return false, fmt.Errorf("consistency proof %d -> %d: %w", h.N, cp.N, err)
			}
			if err := tlog.CheckTree(p, cp.N, cp.Hash, h.N, h.Hash); err != nil {
				return false, w.refuse(cp, fmt.Sprintf("the checkpoint of size %d does not extend the cosigned one of size %d (root %s)", cp.N, h.N, h.RootBase64()))
			}
		}
	}
	if check != nil {
		if err := check(cp); err != nil {
			return false, err
		}
	}
	if err := writeFileAtomic(filepath.Join(w.cfg.Dir, WitnessHeldFile), cp.Note); err != nil {
		return false, err
	}
	w.held, w.published = cp, false
	return w.publish(ctx, cp)
}

// publish cosigns the held checkpoint cp and publishes the cosigned note, marking it
// published once the stream acknowledged it.
func (w *Witness) publish(ctx context.Context, cp *Checkpoint) (bool, error) {
	msg, err := note.Sign(&note.Note{Text: cp.Text, Sigs: cp.Sigs}, w.cfg.Cosigner)
	if err != nil {
		return false, fmt.Errorf("cosign: %w", err)
	}
	if _, err := w.l.js.Publish(ctx, CosignedSubject, msg); err != nil {
		return false, fmt.Errorf("publish cosignature of size %d: %w", cp.N, err)
	}
	w.published = true
	w.log.Info("cosigned", "size", cp.N, "root", cp.RootBase64())
	if w.cfg.OnCosign != nil {
		w.cfg.OnCosign(cp)
	}
	return true, nil
}

func (w *Witness) refuse(cp *Checkpoint, reason string) error {
	held := "(none)\n"
	if w.held != nil {
		held = string(w.held.Note)
	}
	body := reason + "\n\ncosigned:\n" + held + "\nrefused:\n" + string(cp.Note)
	if err := writeFileAtomic(w.RefusalFile(), []byte(body)); err != nil {
		w.log.Error("witness could not record its refusal", "err", err)
	}
	w.log.Error("witness refused a checkpoint", "size", cp.N, "reason", reason)
	if w.cfg.OnRefuse != nil {
		w.cfg.OnRefuse(reason)
	}
	return fmt.Errorf("%w: %s", ErrRefused, reason)
}

// Run observes every stored checkpoint in order, then, unless once, looks for new ones every
// poll until ctx ends and observes each of them in order too, so that every checkpoint is
// cosigned (each checked for consistency with the one cosigned before it), not only the
// newest of those stored between two polls. A checkpoint that cannot be checked or whose
// cosignature cannot be published ends the pass (none after it is cosigned first); the next
// poll starts again from it, and with once Run returns that error. Checkpoints whose
// signature fails are logged and skipped. With AuditEvery set, the store is audited before a
// cosignature whenever an audit is due, and at the end of a due pass that cosigned nothing
// (see WitnessConfig.AuditEvery); an audit that cannot run is handled as a checkpoint that
// cannot be checked. It returns the number cosigned, and ErrRefused or ErrHalted once a
// checkpoint was refused (at once when the witness was halted already).
func (w *Witness) Run(ctx context.Context, once bool, poll time.Duration) (int, error) {
	if err := w.halted(); err != nil {
		return 0, err
	}
	cosigned := 0
	var last uint64       // stream sequence of the last checkpoint message observed
	var created time.Time // when the checkpoint stream that last counts in was created
	pass := func() error {
		// A checkpoint stream deleted and created again (a log rebuilt) numbers its messages
		// from 1 again: read it from its start, or its first checkpoints would be skipped.
		c, err := w.l.checkpointsCreated(ctx)
		if err != nil {
			return err
		}
		if !created.IsZero() && !c.Equal(created) {
			w.log.Warn("the checkpoint stream was created again: reading it from its start", "was", created, "now", c)
			last = 0
		}
		created = c
		// beforeCosign audits the store before a cosignature when an audit is due.
		beforeCosign := func(cp *Checkpoint) error {
			if !w.auditDue() {
				return nil
			}
			targets := []*Checkpoint{cp}
			if newest, err := w.l.Latest(ctx); err == nil && newest.N > cp.N {
				targets = append(targets, newest)
			}
			return w.audit(ctx, targets...)
		}
		var stopped error // the checkpoint this pass stopped at
		err = w.l.CheckpointsAfter(ctx, last, func(cp *Checkpoint, err error) error {
			if err != nil {
				w.log.Warn("checkpoint not considered", "err", err)
				return nil
			}
			ok, err := w.observe(ctx, cp, beforeCosign)
			if ok {
				cosigned++
			}
			if errors.Is(err, ErrRefused) || errors.Is(err, ErrHalted) || ctx.Err() != nil {
				return err
			}
			if err != nil {
				// Not checked (its tiles could not be read, the audit could not run) or its
				// cosignature not published: the pass ends here, so that no later checkpoint
				// is cosigned before it, and the next pass starts again from it.
				w.log.Warn("checkpoint not cosigned", "size", cp.N, "err", err)
				stopped = fmt.Errorf("checkpoint of size %d not cosigned: %w", cp.N, err)
				return stopped
			}
			last = cp.StreamSeq
			return nil
		})
		if err == nil && w.auditDue() && w.held != nil {
			// Nothing new was cosigned: the stream must still give the held checkpoint.
			err = w.audit(ctx, w.held)
		}
		if stopped != nil && errors.Is(err, stopped) && !once {
			return nil // tried again at the next poll
		}
		return err
	}
	// The first pass is handled as the later ones: a daemon that cannot read the log or run
	// its audit yet (a leader being elected at start) logs it and tries again at the next
	// poll; only a refusal or a halt ends it.
	switch err := pass(); {
	case once:
		return cosigned, err
	case errors.Is(err, ErrRefused) || errors.Is(err, ErrHalted):
		return cosigned, err
	case ctx.Err() != nil:
		return cosigned, nil
	case err != nil:
		w.log.Warn("checkpoints", "err", err)
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return cosigned, nil
		case <-tick.C:
		}
		err := pass()
		switch {
		case errors.Is(err, ErrRefused) || errors.Is(err, ErrHalted):
			return cosigned, err
		case ctx.Err() != nil:
			return cosigned, nil
		case err != nil:
			w.log.Warn("checkpoints", "err", err)
		}
	}
}

// auditDue reports whether the next pass audits the store.
func (w *Witness) auditDue() bool {
	return w.cfg.AuditEvery > 0 && (w.audited.IsZero() || time.Since(w.audited) >= w.cfg.AuditEvery)
}

// Audit replays the whole event stream, verifying it as the log's writer does (with memory
// bounded the same way), and checks that it gives each of cps: the root of its first cp.N
// accepted events, its last leaf's stream sequence and its state block. When it does not,
// the witness refuses (ErrRefused) naming the first disagreement, and halts. Run calls it
// every AuditEvery; an error other than ErrRefused means the audit could not run.
func (w *Witness) Audit(ctx context.Context, cps ...*Checkpoint) error {
	if err := w.halted(); err != nil {
		return err
	}
	return w.audit(ctx, cps...)
}

func (w *Witness) audit(ctx context.Context, cps ...*Checkpoint) error {
	if len(cps) == 0 {
		return nil
	}
	start := time.Now()
	opts := AuditOptions{SkipStored: true, Memory: w.l.cfg.FeedMemory}
	for _, cp := range cps {
		what := "to cosign"
		if h := w.held; h != nil && h.N == cp.N && h.Hash == cp.Hash {
			what = "cosigned"
		}
		opts.Held = append(opts.Held, cp)
		opts.HeldNames = append(opts.HeldNames, fmt.Sprintf("of size %d (%s)", cp.N, what))
	}
	w.log.Info("store audit", "size", cps[len(cps)-1].N)
	rep, err := w.l.Audit(ctx, opts)
	if err != nil {
		return fmt.Errorf("store audit: %w", err)
	}
	if len(rep.Problems) > 0 {
		reason := "store audit: " + rep.Problems[0]
		if n := len(rep.Problems); n > 1 {
			reason += fmt.Sprintf(" (and %d more)", n-1)
		}
		return w.refuse(cps[0], reason)
	}
	took := time.Since(start)
	w.audited = start
	w.log.Info("store audited", "size", cps[len(cps)-1].N, "leaves", rep.Leaves, "took", took)
	if w.cfg.OnAudit != nil {
		w.cfg.OnAudit(cps[len(cps)-1], took)
	}
	return nil
}

// writeFileAtomic replaces path with data: a crash leaves the old file or the new one.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("witness state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("witness state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("witness state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("witness state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("witness state: %w", err)
	}
	return nil
}
