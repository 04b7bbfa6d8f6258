package translog

import (
	"context"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jetdag/jetdag/store"
)

// CheckpointResult is what Checkpoint did.
type CheckpointResult struct {
	*Checkpoint
	// Published is false when the log had not grown since the latest checkpoint (which is
	// returned) or another checkpointer published this size first.
	Published bool
	// Rejected counts stream messages the extension skipped as failing verification.
	Rejected int
}

// Checkpoint extends the log to the end of the stream, verifying every new message as a
// replay does (a rejected message is no leaf), stores the new tiles and the state block,
// signs a checkpoint and publishes it on CheckpointSubject with the subject's expected last
// sequence, so that of two racing checkpointers only one stores each tree size. Nothing is
// published when the log has not grown.
func (l *Log) Checkpoint(ctx context.Context) (*CheckpointResult, error) {
	if l.cfg.Signer == nil {
		return nil, ErrNoSigner
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w == nil {
		w, err := l.load(ctx)
		if err != nil {
			return nil, err
		}
		l.w = w
	}
	res, err := l.checkpoint(ctx, l.w)
	if err != nil {
		l.w = nil // start again from what is stored next time
	}
	return res, err
}

// load builds the writer's state from the latest checkpoint: its state block gives every
// aggregate's head, its tiles the tree (checked against its root), and the stream must still
// hold its last leaf at its sequence.
func (l *Log) load(ctx context.Context) (*writer, error) {
	w := &writer{tree: newBuilder(bucketSink{l.tiles}), written: make(map[cid.Cid]struct{})}
	latest, err := l.Latest(ctx)
	if errors.Is(err, ErrNoCheckpoint) {
		w.v = store.NewVerifierAt(0, nil, l.cfg.FeedMemory, l.es.Lookup(ctx))
		return w, nil
	}
	if err != nil {
		return nil, err
	}
	if latest.Origin != l.cfg.Signer.Name() {
		return nil, fmt.Errorf("%w: the store's log is %q, the key is %q's", ErrForeignOrigin, latest.Origin, l.cfg.Signer.Name())
	}
	st, err := LoadState(ctx, l.bs, latest.State)
	if err != nil {
		return nil, fmt.Errorf("latest checkpoint (size %d): %w", latest.N, err)
	}
	if st.Size != latest.N || st.Seq != latest.Seq {
		return nil, fmt.Errorf("%w: the state block says size %d seq %d, its checkpoint %d and %d", ErrBadState, st.Size, st.Seq, latest.N, latest.Seq)
	}
	if latest.N > 0 {
		last, err := l.Leaf(ctx, latest, latest.N-1)
		if err != nil {
			return nil, fmt.Errorf("latest checkpoint (size %d): %w", latest.N, err)
		}
		at, err := l.es.CIDAt(ctx, latest.Seq)
		if err != nil || !at.Equals(last) {
			return nil, fmt.Errorf("%w: the stream no longer holds the checkpoint's last leaf %s at seq %d (restored or rebuilt since?): %v", ErrInconsistent, last, latest.Seq, err)
		}
	}
	if err := w.tree.resume(ctx, latest.N); err != nil {
		return nil, err
	}
	if root, err := w.tree.root(ctx, latest.N); err != nil || root != latest.Hash {
		return nil, fmt.Errorf("%w: the stored tiles do not give the root of the checkpoint of size %d: %v", ErrInconsistent, latest.N, err)
	}
	w.v = store.NewVerifierAt(latest.Seq, st.Heads, l.cfg.FeedMemory, l.es.Lookup(ctx))
	w.scanned, w.lastSeq, w.last = latest.Seq, latest.Seq, latest
	return w, nil
}

func (l *Log) checkpoint(ctx context.Context, w *writer) (*CheckpointResult, error) {
	res := &CheckpointResult{}
	scanned, err := l.es.Scan(ctx, w.v, w.scanned+1, func(r store.Record) error {
		if r.Event == nil {
			res.Rejected++
			if r.Rejected != nil {
				l.log.Warn("stream message is no leaf", "seq", r.Seq, "reason", r.Rejected.Reason)
			}
			return nil
		}
		if err := w.tree.add(ctx, r.Event.CID.Bytes()); err != nil {
			return err
		}
		w.lastSeq = r.Seq
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("extend the log: %w", err)
	}
	w.scanned = max(w.scanned, scanned)
	if err := w.tree.flush(ctx); err != nil {
		return nil, err
	}
	if w.last != nil && w.last.N == w.tree.n {
		res.Checkpoint = w.last
		return res, nil
	}
	stateCID, err := putState(ctx, l.bs, State{Size: w.tree.n, Seq: w.lastSeq, Heads: w.v.Heads()}, w.written)
	if err != nil {
		return nil, err
	}
	root, err := w.tree.root(ctx, w.tree.n)
	if err != nil {
		return nil, err
	}
	text := formatText(l.cfg.Signer.Name(), tlog.Tree{N: w.tree.n, Hash: root}, w.lastSeq, stateCID)
	msg, err := note.Sign(&note.Note{Text: text}, l.cfg.Signer)
	if err != nil {
		return nil, fmt.Errorf("sign checkpoint: %w", err)
	}
	for attempt := 1; ; attempt++ {
		var expect uint64
		if w.last != nil {
			expect = w.last.StreamSeq
		}
		rctx, cancel := request(ctx)
		ack, err := l.js.Publish(rctx, CheckpointSubject, msg, jetstream.WithExpectLastSequencePerSubject(expect))
		cancel()
		if err == nil {
			cp, err := l.open(msg, ack.Sequence)
			if err != nil {
				return nil, err
			}
			w.last, res.Checkpoint, res.Published = cp, cp, true
			return res, nil
		}
		if !isWrongLastSeq(err) || attempt > 20 {
			return nil, fmt.Errorf("publish checkpoint: %w", err)
		}
		// Another checkpointer published first: take its checkpoint as the latest, after
		// checking that it describes our tree.
		other, err := l.Latest(ctx)
		if err != nil {
			return nil, err
		}
		if other.N > w.tree.n {
			return nil, fmt.Errorf("%w: another checkpointer published size %d beyond the stream we read (%d); try again", ErrInconsistent, other.N, w.tree.n)
		}
		if r, err := w.tree.root(ctx, other.N); err != nil || r != other.Hash {
			return nil, fmt.Errorf("%w: the stored checkpoint of size %d has another root than the stream gives", ErrInconsistent, other.N)
		}
		w.last = other
		if other.N == w.tree.n {
			res.Checkpoint = other
			return res, nil
		}
		if err := waitRetry(ctx, attempt); err != nil {
			return nil, err
		}
	}
}

// isWrongLastSeq reports the server refusing a publish whose expected last sequence moved.
func isWrongLastSeq(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}
