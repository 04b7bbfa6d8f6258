package viewer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/translog"
	"github.com/jetdag/jetdag/systems"
)

// defaultLogPoll is how often the window reads the log's newest checkpoint.
const defaultLogPoll = 2 * time.Second

// logReadTimeout bounds each read of the status bar's log details (the window's context
// ends them sooner).
const logReadTimeout = 5 * time.Second

// maxCosignedScan bounds how many cosigned copies after a checkpoint are read to count its
// witnesses.
const maxCosignedScan = 64

// logWatch follows the store's transparency log for the status bar: the newest checkpoint,
// checked against the one held before (consistent, never smaller, one root per size) and,
// with --log-vkey, against the log's key. A problem, once seen, stays for the session.
type logWatch struct {
	l       *translog.Log
	cps     jetstream.Stream
	keyed   bool
	held    *translog.Checkpoint
	problem string
	// witnesses are the configured witness keys (nil: cosignatures counted unverified).
	witnesses []note.Verifier
	// prevSeq is the last leaf's sequence of the checkpoint before the one stored as
	// message prevFor, read once per new checkpoint.
	prevFor, prevSeq uint64
}

// followLog sends an ecs.LogMsg whenever what the status bar says of the log changes. A
// store with no checkpoint stream sends nothing (it is looked for again now and then); the
// viewer never creates the log.
func (s *storeSource) followLog(ctx context.Context, b *ecs.Bridge, objects *store.JetStreamObjects) error {
	if objects == nil {
		return nil // a read-only user on a store without an object bucket: no log to open
	}
	poll := s.logPoll
	if poll <= 0 {
		poll = defaultLogPoll
	}
	js, err := jetstream.New(s.nc)
	if err != nil {
		return nil
	}
	var w *logWatch
	var last ecs.LogMsg
	for {
		if w == nil {
			if cps, err := js.Stream(ctx, translog.CheckpointStream); err == nil {
				l, err := translog.Open(ctx, s.nc, s.events, objects, translog.Config{Verifier: s.logVerifier, Logger: s.log})
				if err != nil {
					s.log.Warn("transparency log", "err", err)
				} else {
					w = &logWatch{l: l, cps: cps, keyed: s.logVerifier != nil, witnesses: s.witnessVerifiers}
				}
			}
		}
		if w != nil {
			m, ok := w.read(ctx)
			if w.held != nil {
				s.logHeld.Store(&heldLog{l: w.l, cp: w.held, keyed: w.keyed})
			}
			if ok && *m != last {
				if err := b.Send(ctx, m); err != nil {
					return nil
				}
				last = *m
			}
		}
		if err := store.Sleep(ctx, poll); err != nil {
			return nil
		}
	}
}

// read reads the newest checkpoint and says what the status bar should show; false when
// there is nothing to show yet (no checkpoint, or the server did not answer).
func (w *logWatch) read(ctx context.Context) (*ecs.LogMsg, bool) {
	cp, err := w.l.Latest(ctx)
	switch {
	case errors.Is(err, translog.ErrNoCheckpoint):
		return nil, false
	case errors.Is(err, translog.ErrSignature), errors.Is(err, translog.ErrForeignOrigin), errors.Is(err, translog.ErrMalformed):
		w.problem = err.Error()
		return w.status(ctx, nil), true
	case err != nil:
		return nil, false // a transient error: try again at the next poll
	}
	if w.held != nil && w.problem == "" {
		if p, err := w.contradicts(ctx, cp); err != nil {
			return nil, false
		} else if p != "" {
			w.problem = p
			return w.status(ctx, cp), true
		}
	}
	if w.problem == "" {
		w.held = cp
	}
	return w.status(ctx, cp), true
}

// contradicts reports how cp contradicts the held checkpoint ("" when it does not): a
// smaller tree, another root for the same size, or a tree that does not extend the held one
// (its consistency proof, from the stored tiles, fails against the held root). An error is a
// failure to ask, not a contradiction.
func (w *logWatch) contradicts(ctx context.Context, cp *translog.Checkpoint) (string, error) {
	h := w.held
	switch {
	case cp.N < h.N:
		return fmt.Sprintf("the newest checkpoint has size %d, smaller than the one held of size %d", cp.N, h.N), nil
	case cp.N == h.N:
		if cp.Hash != h.Hash {
			return fmt.Sprintf("two checkpoints of size %d with different roots", cp.N), nil
		}
		return "", nil
	}
	proof, _, err := w.l.Consistency(ctx, cp, h.N)
	if errors.Is(err, translog.ErrInconsistent) {
		return fmt.Sprintf("the checkpoint of size %d does not extend the one held of size %d: %v", cp.N, h.N, err), nil
	}
	if err != nil {
		return "", err
	}
	if err := tlog.CheckTree(proof, cp.N, cp.Hash, h.N, h.Hash); err != nil {
		return fmt.Sprintf("the checkpoint of size %d is inconsistent with the one held of size %d", cp.N, h.N), nil
	}
	return "", nil
}

// status is the message for cp (nil: the held one, if any). Its reads end with ctx (the
// window's), each within logReadTimeout.
func (w *logWatch) status(ctx context.Context, cp *translog.Checkpoint) *ecs.LogMsg {
	if cp == nil {
		cp = w.held
	}
	m := &ecs.LogMsg{Verified: w.keyed && w.problem == "", Problem: w.problem, WitnessesVerified: len(w.witnesses) > 0}
	if cp != nil {
		m.Size, m.Time, m.Seq = cp.N, cp.Time, cp.Seq
		m.Witnesses = w.countWitnesses(ctx, cp)
		m.PrevSeq = min(w.previousSeq(ctx, cp), cp.Seq)
	}
	return m
}

// previousSeq is the stream sequence of the last leaf of the checkpoint stored before cp
// (0 when there is none, or it cannot be read now), read once per checkpoint.
func (w *logWatch) previousSeq(ctx context.Context, cp *translog.Checkpoint) uint64 {
	if cp.StreamSeq == 0 {
		return 0
	}
	if w.prevFor == cp.StreamSeq {
		return w.prevSeq
	}
	ctx, cancel := context.WithTimeout(ctx, logReadTimeout)
	defer cancel()
	prev, err := w.l.Previous(ctx, cp)
	switch {
	case err == nil:
		w.prevFor, w.prevSeq = cp.StreamSeq, prev.Seq
	case errors.Is(err, translog.ErrNoCheckpoint):
		w.prevFor, w.prevSeq = cp.StreamSeq, 0
	default:
		return 0 // try again at the next poll
	}
	return w.prevSeq
}

// countWitnesses counts the witnesses that cosigned cp's text, in its own note and in the
// cosigned copies stored after it. With witness keys (view --witness-vkey) it counts the
// keys whose cosignature verifies; without, the distinct keys other than the log's that
// signed, unverified.
func (w *logWatch) countWitnesses(ctx context.Context, cp *translog.Checkpoint) int {
	keys := map[string]bool{}
	add := func(msg []byte) {
		if len(w.witnesses) > 0 {
			for _, v := range w.witnesses {
				if translog.Cosigned(msg, cp, v) {
					keys[fmt.Sprintf("%s+%08x", v.Name(), v.KeyHash())] = true
				}
			}
			return
		}
		_, err := note.Open(msg, note.VerifierList())
		var un *note.UnverifiedNoteError
		if !errors.As(err, &un) || un.Note.Text != cp.Text {
			return
		}
		for _, sig := range un.Note.UnverifiedSigs {
			if sig.Name != cp.Origin {
				keys[fmt.Sprintf("%s+%08x", sig.Name, sig.Hash)] = true
			}
		}
	}
	add(cp.Note)
	if cp.StreamSeq == 0 {
		return len(keys)
	}
	ctx, cancel := context.WithTimeout(ctx, logReadTimeout)
	defer cancel()
	last, err := w.cps.GetLastMsgForSubject(ctx, translog.CosignedSubject)
	if err != nil || last.Sequence <= cp.StreamSeq {
		return len(keys)
	}
	for seq := last.Sequence; seq > cp.StreamSeq && seq+maxCosignedScan > last.Sequence; seq-- {
		m, err := w.cps.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		if m.Subject == translog.CosignedSubject {
			add(m.Data)
		}
	}
	return len(keys)
}

// heldLog is what Prove proves against: the log and the newest checkpoint consistent with
// every one read before it.
type heldLog struct {
	l     *translog.Log
	cp    *translog.Checkpoint
	keyed bool
}

// Prove implements systems.ProofFetcher: the event c's leaf in the newest consistent
// checkpoint and its inclusion proof, checked against that checkpoint's root here (and
// by translog before).
func (s *storeSource) Prove(ctx context.Context, c cid.Cid) (systems.LogProof, error) {
	h := s.logHeld.Load()
	if h == nil {
		return systems.LogProof{}, systems.ErrNoLog
	}
	i, p, err := h.l.Prove(ctx, h.cp, c)
	if errors.Is(err, translog.ErrNotLeaf) {
		return systems.LogProof{}, fmt.Errorf("%w (size %d): newer than it, or rejected", systems.ErrNotInLog, h.cp.N)
	}
	if err != nil {
		return systems.LogProof{}, err
	}
	if err := tlog.CheckRecord(p, h.cp.N, h.cp.Hash, i, tlog.RecordHash(c.Bytes())); err != nil {
		return systems.LogProof{}, fmt.Errorf("inclusion proof of leaf %d in size %d: %w", i, h.cp.N, err)
	}
	return systems.LogProof{Leaf: i, Size: h.cp.N, Hashes: len(p), KeyVerified: h.keyed}, nil
}
