package translog

import (
	"context"
	"fmt"
	"sort"

	"golang.org/x/mod/sumdb/note"

	"github.com/jetdag/jetdag/store"
)

// AuditOptions says what Audit checks beyond the stream itself.
type AuditOptions struct {
	// Held are checkpoints the reader kept (already opened with the log's key): the store
	// must still agree with each.
	Held []*Checkpoint
	// HeldNames name them in problems (a file name); missing names read "held checkpoint".
	HeldNames []string
	// Witnesses must each have cosigned the newest checkpoint (held or stored).
	Witnesses []note.Verifier
	// Progress, when set, is called now and then with the last sequence read.
	Progress func(seq uint64)
}

// AuditReport is what Audit found.
type AuditReport struct {
	// Leaves is the number of accepted events in the stream.
	Leaves int64
	// Checkpoints is the number of stored checkpoints checked; Held those the reader gave.
	Checkpoints, Held int
	// Problems name each disagreement; the store passes when there is none.
	Problems []string
}

// target is a checkpoint the replay must meet at its size.
type target struct {
	cp   *Checkpoint
	name string
}

// Audit checks FORMAT.md's invariants 7-9 for every stored checkpoint and every held one:
// it replays the whole stream with full verification, rebuilds the tree over the accepted
// events in memory (only its right edge is kept) and, at each checkpoint's size, compares
// the root, the last leaf's stream sequence and the state block's CID (computed from the
// heads the replay reached, so it names exactly those heads). Stored checkpoints must verify
// with the log's key and grow in size. A store truncated, rewritten or forked since a
// checkpoint disagrees with it at its size, or holds fewer leaves.
func (l *Log) Audit(ctx context.Context, opts AuditOptions) (*AuditReport, error) {
	rep := &AuditReport{Held: len(opts.Held)}
	problem := func(format string, args ...any) { rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...)) }
	targets := map[int64][]target{}
	var newest *Checkpoint
	for i, cp := range opts.Held {
		name := "held checkpoint"
		if i < len(opts.HeldNames) && opts.HeldNames[i] != "" {
			name = "held checkpoint " + opts.HeldNames[i]
		}
		targets[cp.N] = append(targets[cp.N], target{cp, name})
		if newest == nil || cp.N > newest.N {
			newest = cp
		}
	}
	var prev *Checkpoint
	err := l.Checkpoints(ctx, func(cp *Checkpoint, err error) error {
		rep.Checkpoints++
		if err != nil {
			problem("stored %v", err)
			return nil
		}
		name := fmt.Sprintf("stored checkpoint of size %d (message %d)", cp.N, cp.StreamSeq)
		if prev != nil && cp.N <= prev.N {
			problem("%s comes after one of size %d: sizes must grow", name, prev.N)
		}
		for _, t := range targets[cp.N] {
			if t.cp.Hash != cp.Hash {
				problem("fork: %s has root %s, the %s of the same size has %s", name, cp.RootBase64(), t.name, t.cp.RootBase64())
			}
		}
		prev = cp
		targets[cp.N] = append(targets[cp.N], target{cp, name})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if newest == nil || prev != nil && prev.N > newest.N {
		newest = prev
	}
	if prev != nil {
		if _, err := LoadState(ctx, l.bs, prev.State); err != nil {
			problem("the latest stored checkpoint's state block: %v", err)
		}
	}
	v := store.NewVerifier()
	b := newBuilder(nil)
	met := map[int64]bool{}
	_, err = l.es.Scan(ctx, v, 1, func(r store.Record) error {
		if r.Event == nil {
			return nil
		}
		if err := b.add(ctx, r.Event.CID.Bytes()); err != nil {
			return err
		}
		if opts.Progress != nil && b.n%65536 == 0 {
			opts.Progress(r.Seq)
		}
		ts := targets[b.n]
		if len(ts) == 0 {
			return nil
		}
		met[b.n] = true
		root, err := b.root(ctx, b.n)
		if err != nil {
			return err
		}
		sc, err := StateCID(State{Size: b.n, Seq: r.Seq, Heads: v.Heads()})
		if err != nil {
			return err
		}
		for _, t := range ts {
			switch {
			case t.cp.Hash != root:
				problem("rewritten or forked: the stream's first %d accepted events have root %s, the %s says %s", b.n, b64(root[:]), t.name, t.cp.RootBase64())
			case t.cp.Seq != r.Seq:
				problem("the %s puts its last leaf at seq %d, the stream at %d", t.name, t.cp.Seq, r.Seq)
			case !t.cp.State.Equals(sc):
				problem("the %s names state %s, the heads at that point give %s", t.name, t.cp.State, sc)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	rep.Leaves = b.n
	sizes := make([]int64, 0, len(targets))
	for n := range targets {
		sizes = append(sizes, n)
	}
	sort.Slice(sizes, func(i, j int) bool { return sizes[i] < sizes[j] })
	for _, n := range sizes {
		if met[n] || n == 0 {
			continue
		}
		for _, t := range targets[n] {
			problem("truncated: the stream holds %d accepted events, the %s covers %d", b.n, t.name, n)
		}
	}
	for _, w := range opts.Witnesses {
		if newest == nil {
			problem("no checkpoint for witness %s to have cosigned", w.Name())
			continue
		}
		ok, err := l.cosignedBy(ctx, newest, w)
		if err != nil {
			return nil, err
		}
		if !ok {
			problem("the checkpoint of size %d is not cosigned by witness %s", newest.N, w.Name())
		}
	}
	return rep, nil
}

// cosignedBy looks for w's cosignature of cp in cp's own note and in the cosigned copies.
func (l *Log) cosignedBy(ctx context.Context, cp *Checkpoint, w note.Verifier) (bool, error) {
	if Cosigned(cp.Note, cp, w) {
		return true, nil
	}
	found := false
	err := l.eachMessage(ctx, CosignedSubject, func(data []byte, _ uint64) error {
		if !found && Cosigned(data, cp, w) {
			found = true
		}
		return nil
	})
	return found, err
}
