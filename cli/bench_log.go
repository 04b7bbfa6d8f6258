// This file is `jetdag bench resume`: the transparency log's costs (checkpointing, proofs,
// trusted resume) beside a full verified replay of the same stream.

package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/translog"
)

func newBenchResumeCmd(e *env) *cobra.Command {
	var events, aggregates, tail int
	cmd := &cobra.Command{
		Use:   "resume",
		Short: "Measure a feed resumed from a signed checkpoint beside a full verified replay",
		Long: `bench resume fills the stream with --events chained events over --aggregates aggregates
(unless it holds them already), checkpoints the log (a fresh in-memory key), appends --tail
more events, and then starts two feeds that each stop once live: one replaying the whole
stream with full verification, one resumed from the checkpoint's state block. It prints
{"events", "resume_s", "full_replay_s", "ratio", "checkpoint_s", "checkpoint_events_per_s",
"proof_hashes", "proof_bytes", "prove_cold_ms", "prove_ms"}: one inclusion proof of the middle
leaf from the stored tiles (checked against the root), first read from the bucket, then again
with the full tiles cached as a serving process has them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if events < 1 || aggregates < 1 || tail < 0 {
				return badInputf("--events and --aggregates must be positive, --tail not negative")
			}
			ctx := cmd.Context()
			nc, es, cleanup, err := e.benchStore(ctx)
			if err != nil {
				return err
			}
			defer cleanup()
			js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(20000))
			if err != nil {
				return err
			}
			last, err := es.LastSeq(ctx)
			if err != nil {
				return err
			}
			if last < uint64(events) {
				if err := fillStream(ctx, js, events-int(last), aggregates, 0); err != nil {
					return err
				}
			}
			objs, err := store.OpenObjects(ctx, nc, store.ObjectStoreConfig{Logger: e.logger})
			if err != nil {
				return err
			}
			skey, _, err := translog.GenerateKey(nil, "bench.jetdag/log")
			if err != nil {
				return err
			}
			signer, err := translog.NewSigner(skey)
			if err != nil {
				return err
			}
			l, err := translog.Open(ctx, nc, es, objs, translog.Config{Signer: signer, Logger: e.logger})
			if err != nil {
				return err
			}
			t0 := time.Now()
			res, err := l.Checkpoint(ctx)
			if err != nil {
				return err
			}
			cpTime := time.Since(t0).Seconds()
			cp := res.Checkpoint
			pending := make([]*store.PendingAppend, 0, tail)
			for i := range tail {
				pending = append(pending, es.AppendAsync(ctx, store.NewEvent{AggregateID: fmt.Sprintf("tail-%d", i%aggregates), EventType: "Tail"}))
			}
			for _, p := range pending {
				if _, err := p.Wait(ctx); err != nil {
					return err
				}
			}
			fullS, err := timeToLive(ctx, es)
			if err != nil {
				return err
			}
			t0 = time.Now()
			latest, err := l.Latest(ctx)
			if err != nil {
				return err
			}
			rp, err := l.ResumePoint(ctx, latest)
			if err != nil {
				return err
			}
			if _, err := timeToLive(ctx, es, store.ResumeAt(rp)); err != nil {
				return err
			}
			resumeS := time.Since(t0).Seconds()
			prove := func() (tlog.RecordProof, float64, error) {
				t0 := time.Now()
				p, err := tlog.ProveRecord(cp.N, cp.N/2, l.HashReader(ctx, cp))
				return p, float64(time.Since(t0).Microseconds()) / 1000, err
			}
			_, coldMS, err := prove() // tiles read from the bucket
			if err != nil {
				return err
			}
			proof, proveMS, err := prove() // full tiles now cached, as a serving process has them
			if err != nil {
				return err
			}
			leaf, err := l.Leaf(ctx, cp, cp.N/2)
			if err != nil {
				return err
			}
			if err := tlog.CheckRecord(proof, cp.N, cp.Hash, cp.N/2, tlog.RecordHash(leaf.Bytes())); err != nil {
				return fmt.Errorf("the benchmark's proof does not check: %w", err)
			}
			return writeJSON(e.stdout, map[string]any{
				"events": cp.N, "tail": tail, "resume_s": round3(resumeS), "full_replay_s": round3(fullS),
				"ratio": round3(resumeS / fullS), "checkpoint_s": round3(cpTime),
				"checkpoint_events_per_s": int(float64(cp.N) / cpTime),
				"proof_hashes":            len(proof), "proof_bytes": len(proof) * tlog.HashSize, "prove_ms": proveMS, "prove_cold_ms": coldMS,
			})
		},
	}
	cmd.Flags().IntVar(&events, "events", 100_000, "events in the stream before the checkpoint")
	cmd.Flags().IntVar(&aggregates, "aggregates", 1000, "aggregates the events are spread over")
	cmd.Flags().IntVar(&tail, "tail", 1000, "events appended after the checkpoint")
	return cmd
}

// timeToLive starts a feed and returns the seconds until it is live.
func timeToLive(ctx context.Context, es *store.JetStreamEvents, opts ...store.SubscribeOption) (float64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	t0 := time.Now()
	ch, err := es.Subscribe(ctx, 0, opts...)
	if err != nil {
		return 0, err
	}
	for r := range ch {
		if r.Rejected != nil {
			return 0, fmt.Errorf("seq %d rejected: %s", r.Seq, r.Rejected.Reason)
		}
		if r.CaughtUp {
			return time.Since(t0).Seconds(), nil
		}
	}
	return 0, fmt.Errorf("feed ended before it was live: %w", ctx.Err())
}
