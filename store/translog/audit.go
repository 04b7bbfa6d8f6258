package translog

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

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
	// SkipStored checks only Held: the stored checkpoints are not read (a witness auditing
	// the checkpoints it cosigns, whose consistency it checks itself, need not read every
	// checkpoint ever stored).
	SkipStored bool
	// Memory, when positive, verifies the replay with a bounded verifier that remembers the
	// last Memory events and looks older parents up in the CID index, as the log's writer
	// does (Config.FeedMemory), so that the audit's memory does not grow with the stream; 0
	// keeps every event in memory, as verify does.
	Memory int
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

// Audit checks FORMAT.md's invariants 7-9 for every stored checkpoint (unless SkipStored)
// and every held one:
// it replays the whole stream with full verification, rebuilds the tree over the accepted
// events in memory (only its right edge is kept) and, at each checkpoint's size, compares
// the root, the last leaf's stream sequence and the state block's CID (computed from the
// heads the replay reached, so it names exactly those heads). Stored checkpoints must verify
// with the log's key and grow in size. A store truncated, rewritten or forked since a
// checkpoint disagrees with it at its size, or holds fewer leaves. A caller that replays the
// stream itself (verify) feeds an Auditor instead, so the stream is read once.
func (l *Log) Audit(ctx context.Context, opts AuditOptions) (*AuditReport, error) {
	a, err := l.NewAuditor(ctx, opts)
	if err != nil {
		return nil, err
	}
	v := store.NewVerifier()
	if opts.Memory > 0 {
		v = store.NewBoundedVerifier(opts.Memory, l.es.Lookup(ctx))
	}
	if _, err := l.es.Scan(ctx, v, 1, func(r store.Record) error { return a.Observe(ctx, r) }); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	return a.Finish(ctx)
}

// Auditor is Audit fed by the caller's own verified replay of the whole stream: NewAuditor
// reads the checkpoints, Observe takes every record of the replay in stream order, Finish
// reports. It is not safe for concurrent use.
type Auditor struct {
	l       *Log
	opts    AuditOptions
	rep     *AuditReport
	targets map[int64][]target
	newest  *Checkpoint
	b       *builder
	heads   map[string]store.Head
	met     map[int64]bool
}

// NewAuditor reads and checks the stored checkpoints (signatures, growing sizes, forks
// against the held ones) and returns the Auditor the replay feeds.
func (l *Log) NewAuditor(ctx context.Context, opts AuditOptions) (*Auditor, error) {
	a := &Auditor{l: l, opts: opts, rep: &AuditReport{Held: len(opts.Held)}, targets: map[int64][]target{},
		b: newBuilder(nil), heads: map[string]store.Head{}, met: map[int64]bool{}}
	for i, cp := range opts.Held {
		name := "held checkpoint"
		if i < len(opts.HeldNames) && opts.HeldNames[i] != "" {
			name = "held checkpoint " + opts.HeldNames[i]
		}
		a.targets[cp.N] = append(a.targets[cp.N], target{cp, name})
		if a.newest == nil || cp.N > a.newest.N {
			a.newest = cp
		}
	}
	if opts.SkipStored {
		return a, nil
	}
	var prev *Checkpoint
	err := l.Checkpoints(ctx, func(cp *Checkpoint, err error) error {
		a.rep.Checkpoints++
		if err != nil {
			a.problem("stored %v", err)
			return nil
		}
		name := fmt.Sprintf("stored checkpoint of size %d (message %d)", cp.N, cp.StreamSeq)
		if prev != nil && cp.N <= prev.N {
			a.problem("%s comes after one of size %d: sizes must grow", name, prev.N)
		}
		for _, t := range a.targets[cp.N] {
			if t.cp.Hash != cp.Hash {
				a.problem("fork: %s has root %s, the %s of the same size has %s", name, cp.RootBase64(), t.name, t.cp.RootBase64())
			}
		}
		prev = cp
		a.targets[cp.N] = append(a.targets[cp.N], target{cp, name})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if a.newest == nil || prev != nil && prev.N > a.newest.N {
		a.newest = prev
	}
	if prev != nil {
		if _, err := LoadState(ctx, l.bs, prev.State); err != nil {
			a.problem("the latest stored checkpoint's state block: %v", err)
		}
	}
	return a, nil
}

func (a *Auditor) problem(format string, args ...any) {
	a.rep.Problems = append(a.rep.Problems, fmt.Sprintf(format, args...))
}

// Observe takes the next record of the replay: an accepted event is the next leaf.
func (a *Auditor) Observe(ctx context.Context, r store.Record) error {
	if r.Event == nil {
		return nil
	}
	ev := r.Event
	if err := a.b.add(ctx, ev.CID.Bytes()); err != nil {
		return err
	}
	a.heads[ev.AggregateID] = store.Head{AggregateID: ev.AggregateID, CID: ev.CID, Seq: r.Seq}
	if a.opts.Progress != nil && a.b.n%65536 == 0 {
		a.opts.Progress(r.Seq)
	}
	ts := a.targets[a.b.n]
	if len(ts) == 0 {
		return nil
	}
	a.met[a.b.n] = true
	root, err := a.b.root(ctx, a.b.n)
	if err != nil {
		return err
	}
	heads := make([]store.Head, 0, len(a.heads))
	for _, h := range a.heads {
		heads = append(heads, h)
	}
	slices.SortFunc(heads, func(x, y store.Head) int { return strings.Compare(x.AggregateID, y.AggregateID) })
	sc, err := StateCID(State{Size: a.b.n, Seq: r.Seq, Heads: heads})
	if err != nil {
		return err
	}
	for _, t := range ts {
		switch {
		case t.cp.Hash != root:
			a.problem("rewritten or forked: the stream's first %d accepted events have root %s, the %s says %s", a.b.n, b64(root[:]), t.name, t.cp.RootBase64())
		case t.cp.Seq != r.Seq:
			a.problem("the %s puts its last leaf at seq %d, the stream at %d", t.name, t.cp.Seq, r.Seq)
		case !t.cp.State.Equals(sc):
			a.problem("the %s names state %s, the heads at that point give %s", t.name, t.cp.State, sc)
		}
	}
	return nil
}

// Finish reports, after the last record: checkpoints the stream no longer reaches
// (truncated) and the witnesses' cosignatures of the newest checkpoint.
func (a *Auditor) Finish(ctx context.Context) (*AuditReport, error) {
	a.rep.Leaves = a.b.n
	sizes := make([]int64, 0, len(a.targets))
	for n := range a.targets {
		sizes = append(sizes, n)
	}
	sort.Slice(sizes, func(i, j int) bool { return sizes[i] < sizes[j] })
	for _, n := range sizes {
		if a.met[n] || n == 0 {
			continue
		}
		for _, t := range a.targets[n] {
			a.problem("truncated: the stream holds %d accepted events, the %s covers %d", a.b.n, t.name, n)
		}
	}
	for _, w := range a.opts.Witnesses {
		if a.newest == nil {
			a.problem("no checkpoint for witness %s to have cosigned", w.Name())
			continue
		}
		ok, err := a.l.cosignedBy(ctx, a.newest, w)
		if err != nil {
			return nil, err
		}
		if !ok {
			a.problem("the checkpoint of size %d is not cosigned by witness %s", a.newest.N, w.Name())
		}
	}
	return a.rep, nil
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
