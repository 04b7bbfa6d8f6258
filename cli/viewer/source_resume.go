// This file starts the window's event feed after a verified checkpoint of the transparency
// log (view --checkpoint latest|FILE --log-vkey V) instead of replaying the whole stream.

package viewer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/translog"
)

// headFetchers is how many aggregate heads are fetched at once when the window resumes.
const headFetchers = 8

// resumePoint is the checkpoint the window's feed starts after.
type resumePoint struct {
	cp    *translog.Checkpoint
	point store.ResumePoint
	// maxHeads bounds the heads drawn (view --max-nodes; 0: every aggregate's).
	maxHeads int
}

// openResume opens the checkpoint view --checkpoint names, before any window opens: its
// signature verified with the log's key v, its state block checked against it and the stream
// holding its last leaf (cli.OpenResumePoint). A key that signed none of it is bad input
// (exit 2); a checkpoint the store contradicts, or none to resume from, is a failure (1).
// The viewer never creates the log: a store without one has nothing to resume from.
func openResume(ctx context.Context, nc *nats.Conn, events *store.JetStreamEvents, objects *store.JetStreamObjects, v note.Verifier, from string, maxNodes int) (*resumePoint, error) {
	fail := func(err error) error { return &cli.ExitError{Code: cli.ExitFailure, Err: err} }
	if objects == nil {
		return nil, fail(errors.New("--checkpoint: the store has no object bucket, so no state block to resume from"))
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if _, err := js.Stream(ctx, translog.CheckpointStream); errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, fail(fmt.Errorf("--checkpoint %s: the store has no transparency log (jetdag log checkpoint, or serve --log-key, writes one): %w", from, translog.ErrNoCheckpoint))
	} else if err != nil {
		return nil, fmt.Errorf("checkpoint stream: %w", err)
	}
	l, err := translog.Open(ctx, nc, events, objects, translog.Config{Verifier: v})
	if err != nil {
		return nil, err
	}
	cp, p, err := cli.OpenResumePoint(ctx, l, v, from)
	if err != nil {
		return nil, fmt.Errorf("--checkpoint: %w", err)
	}
	return &resumePoint{cp: cp, point: p, maxHeads: maxNodes}, nil
}

// status is what the status bar is told of the resume.
func (r *resumePoint) status(m *ecs.StatusMsg) *ecs.StatusMsg {
	if r != nil {
		m.ResumedSeq, m.ResumedSize = r.point.Seq, r.cp.N
	}
	return m
}

// sendHeads sends the aggregates' heads at the checkpoint (the newest maxHeads of them by
// sequence, oldest first, so that a bounded world keeps the newest), each read at the
// sequence the state block gives it and checked to hash to its CID (no index look-up, so a
// store whose index lags is no slower): the nodes that what follows the
// checkpoint chains onto. Nothing older than the heads is drawn. A head that cannot be read
// is left out (logged); the feed's own checks do not depend on it.
func (s *storeSource) sendHeads(ctx context.Context, b *ecs.Bridge, r *resumePoint) error {
	heads := slices.Clone(r.point.Heads)
	slices.SortFunc(heads, func(a, b store.Head) int { return cmp.Compare(a.Seq, b.Seq) })
	if r.maxHeads > 0 && len(heads) > r.maxHeads {
		heads = heads[len(heads)-r.maxHeads:]
	}
	got := make([]*store.StoredEvent, len(heads))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(headFetchers, len(heads)) {
		wg.Go(func() {
			for i := range next {
				h := heads[i]
				ev, err := s.events.GetAt(ctx, h.CID, h.Seq)
				switch {
				case err != nil:
					if ctx.Err() == nil {
						s.log.Warn("resume: head not drawn", "aggregate", h.AggregateID, "cid", h.CID, "seq", h.Seq, "err", err)
					}
				case ev.AggregateID != h.AggregateID:
					s.log.Warn("resume: head disagrees with the state block, not drawn", "aggregate", h.AggregateID, "cid", h.CID,
						"stored_aggregate", ev.AggregateID)
				default:
					got[i] = ev
				}
			}
		})
	}
	func() {
		defer close(next)
		for i := range heads {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, ev := range got {
		if ev == nil {
			continue
		}
		if m, ok := recordMessage(store.Record{Seq: ev.Seq, Event: ev}); ok {
			if err := b.Send(ctx, m); err != nil {
				return err
			}
		}
	}
	s.log.Info("resume: heads drawn", "heads", len(heads), "aggregates", len(r.point.Heads), "seq", r.point.Seq, "size", r.cp.N)
	return nil
}
