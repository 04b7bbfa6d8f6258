// This file is `jetdag bench resume` and `jetdag bench log`: the transparency log's costs
// (checkpointing, proofs, trusted resume) beside a full verified replay of the same stream,
// and the checkpointer beside the append rate of the same run.

package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/translog"
)

// benchResumeOptions are bench resume's flags.
type benchResumeOptions struct {
	events, aggregates, tail int
}

func newBenchResumeCmd(e *env) *cobra.Command {
	var o benchResumeOptions
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
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	cmd.Flags().IntVar(&o.events, "events", 100_000, "events in the stream before the checkpoint")
	cmd.Flags().IntVar(&o.aggregates, "aggregates", 1000, "aggregates the events are spread over")
	cmd.Flags().IntVar(&o.tail, "tail", 1000, "events appended after the checkpoint")
	return cmd
}

func (o *benchResumeOptions) run(ctx context.Context, e *env) error {
	rs := append(workloadRanges(o.events, o.aggregates, 0), benchRange{flag: "--tail", v: o.tail, lo: 0, hi: maxBenchEvents})
	if err := checkBenchRanges(rs...); err != nil {
		return err
	}
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
	if last < uint64(o.events) {
		if err := fillStream(ctx, js, o.events-int(last), o.aggregates, 0); err != nil {
			return err
		}
	}
	l, _, _, err := openBenchLog(ctx, e, nc, es)
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
	pending := make([]*store.PendingAppend, 0, o.tail)
	for i := range o.tail {
		pending = append(pending, es.AppendAsync(ctx, store.NewEvent{AggregateID: fmt.Sprintf("tail-%d", i%o.aggregates), EventType: "Tail"}))
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
		"events": cp.N, "tail": o.tail, "resume_s": round3(resumeS), "full_replay_s": round3(fullS),
		"ratio": round3(resumeS / fullS), "checkpoint_s": round3(cpTime),
		"checkpoint_events_per_s": int(float64(cp.N) / cpTime),
		"proof_hashes":            len(proof), "proof_bytes": len(proof) * tlog.HashSize, "prove_ms": proveMS, "prove_cold_ms": coldMS,
	})
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

// benchLogOptions are bench log's flags.
type benchLogOptions struct {
	events, aggregates, rounds, size int
	live                             bool
}

// newBenchLogCmd is `jetdag bench log`: the log's checkpointer beside the append rate it must
// keep up with, measured in the same run, and inclusion proofs from tiles by a freshly opened
// log (cold) and again (warm).
func newBenchLogCmd(e *env) *cobra.Command {
	var o benchLogOptions
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Measure the log's checkpointer beside the append rate of the same run, and proofs from tiles",
		Long: `bench log appends --events events of --size payload bytes over --aggregates aggregates in
--rounds rounds, the way "bench append --aggregates N" does (AppendAsync from one goroutine, all
in flight), and after each round checkpoints the log (verifying the new events, storing their
tiles and the state block, signing and publishing the note), as "serve --log-key" does every
second. The two alternate, so a busy machine slows both alike. It prints
{"events", "append_events_per_s", "checkpoint_events_per_s", "ratio"} (ratio = checkpointer
over appends: 1 or more keeps up), "checkpoint_ms" (the mean time of one round's checkpoint),
then a proof from tiles: "open_ms" (opening the log as a new reader and reading its latest
checkpoint), "prove_cold_ms" (the first inclusion proof of a leaf, tiles read from the
bucket), "prove_ms" (the same proof again, tiles cached) and "proof_hashes"; "prove_cold_reads"
lists the tiles the cold proof read ("PATH bucket|cache MS"); "warm_ms" is another fresh
reader's Warm of the checkpoint (as serve --http does for each new one: the right edge and the
upper levels' full tiles) and "prove_warmed_ms" its first proof of another leaf, with
"prove_warmed_reads"; "heap" the process's live heap
after a collection at a tenth, three tenths and all of the events ({"leaves", "live_mb"}; the
last at the end, after the proofs and any --live phase, the readers' few tiles included):
with --nats (the server in another process) that is the appender, the event store and the
log writer alone; "server_in_process" says which.
With --live it then appends --events more while a checkpointer runs at the same time, back to
back, as serve's does under a steady load, and adds "live_append_events_per_s",
"live_checkpoints", "live_lag_s" (from the last append's ack until a checkpoint covered it),
"live_checkpoint_events_per_s" (the events over the time until covered) and "live_ratio".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	f := cmd.Flags()
	f.IntVar(&o.events, "events", 100_000, "events to append (and checkpoint)")
	f.IntVar(&o.aggregates, "aggregates", 1000, "aggregates the events are spread over")
	f.IntVar(&o.rounds, "rounds", 20, "alternating rounds of appends and a checkpoint")
	f.IntVar(&o.size, "size", 256, "payload bytes per event")
	f.BoolVar(&o.live, "live", false, "then append as many again with a checkpointer running at the same time")
	return cmd
}

// liveRun appends o.events events in o.rounds bursts while another goroutine checkpoints back
// to back, and measures how long after the last append the log covers it.
func (o *benchLogOptions) liveRun(ctx context.Context, es *store.JetStreamEvents, l *translog.Log, aggs []string, payload []byte) (map[string]any, error) {
	before, err := l.Latest(ctx)
	if err != nil {
		return nil, err
	}
	target := before.N + int64(o.events)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		at          time.Time
		checkpoints int
		err         error
	}
	done := make(chan result, 1)
	go func() {
		n := 0
		for {
			res, err := l.Checkpoint(ctx)
			if err != nil {
				done <- result{err: err}
				return
			}
			if res.Published {
				n++
			}
			if res.N >= target {
				done <- result{at: time.Now(), checkpoints: n}
				return
			}
			if !res.Published {
				select { // nothing new yet
				case <-time.After(10 * time.Millisecond):
				case <-ctx.Done():
					done <- result{err: ctx.Err()}
					return
				}
			}
		}
	}()
	t0 := time.Now()
	for r := range o.rounds {
		chunk := o.events/o.rounds + boolInt(r < o.events%o.rounds)
		if err := asyncAppends(ctx, es, aggs, chunk, payload); err != nil {
			return nil, err
		}
	}
	appended := time.Now()
	res := <-done
	if res.err != nil {
		return nil, fmt.Errorf("live checkpointer: %w", res.err)
	}
	appendS := appended.Sub(t0).Seconds()
	lag := max(res.at.Sub(appended).Seconds(), 0)
	appendRate := float64(o.events) / appendS
	cpRate := float64(o.events) / (appendS + lag)
	return map[string]any{"live_append_events_per_s": round(appendRate), "live_checkpoints": res.checkpoints,
		"live_lag_s": round3(lag), "live_checkpoint_events_per_s": round(cpRate), "live_ratio": round3(cpRate / appendRate)}, nil
}

func (o *benchLogOptions) run(ctx context.Context, e *env) error {
	rs := append(workloadRanges(o.events, o.aggregates, o.size), benchRange{flag: "--rounds", v: o.rounds, lo: 1, hi: max(o.events, 1)})
	if err := checkBenchRanges(rs...); err != nil {
		return err
	}
	nc, es, cleanup, err := e.benchStore(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	l, objs, vkey, err := openBenchLog(ctx, e, nc, es)
	if err != nil {
		return err
	}
	payload := make([]byte, o.size)
	run := "r" + strconv.FormatInt(time.Now().UnixNano(), 36)
	aggs := make([]string, o.aggregates)
	for a := range aggs {
		aggs[a] = fmt.Sprintf("bench-%s-%04d", run, a)
	}
	// Warm up untimed: one event per aggregate and a first checkpoint. A --size the server
	// cannot take fails here: bad input, as for append.
	if err := asyncAppends(ctx, es, aggs, o.aggregates, payload); err != nil {
		return storeErr(err)
	}
	if _, err := l.Checkpoint(ctx); err != nil {
		return err
	}
	var appendTime, cpTime time.Duration
	var heap []map[string]any
	marks := heapMarks(o.events)
	for r := range o.rounds {
		chunk := o.events/o.rounds + boolInt(r < o.events%o.rounds)
		t0 := time.Now()
		if err := asyncAppends(ctx, es, aggs, chunk, payload); err != nil {
			return err
		}
		appendTime += time.Since(t0)
		t0 = time.Now()
		res, err := l.Checkpoint(ctx)
		if err != nil {
			return err
		}
		cpTime += time.Since(t0)
		if !res.Published || res.Rejected > 0 {
			return fmt.Errorf("round %d: checkpoint published %v with %d rejected", r, res.Published, res.Rejected)
		}
		// The last figure is taken after the proofs below, so that its collection does not
		// slow the timed open and proofs.
		if len(marks) > 0 && res.N-int64(o.aggregates) >= marks[0] && r < o.rounds-1 {
			for len(marks) > 0 && res.N-int64(o.aggregates) >= marks[0] {
				marks = marks[1:]
			}
			heap = append(heap, map[string]any{"leaves": res.N, "live_mb": round3(liveHeapMB())})
		}
	}
	appendRate := float64(o.events) / appendTime.Seconds()
	cpRate := float64(o.events) / cpTime.Seconds()
	var live map[string]any
	if o.live {
		if live, err = o.liveRun(ctx, es, l, aggs, payload); err != nil {
			return err
		}
	}

	// A proof from tiles, as a freshly started server serves it.
	v, err := translog.NewVerifier(vkey)
	if err != nil {
		return err
	}
	t0 := time.Now()
	rl, err := translog.Open(ctx, nc, es, objs, translog.Config{Verifier: v, Logger: e.logger})
	if err != nil {
		return err
	}
	cp, err := rl.Latest(ctx)
	if err != nil {
		return err
	}
	openMS := ms(time.Since(t0))
	i := cp.N / 2
	prove := func(ctx context.Context) (tlog.RecordProof, float64, error) {
		t0 := time.Now()
		p, err := tlog.ProveRecord(cp.N, i, rl.HashReader(ctx, cp))
		return p, ms(time.Since(t0)), err
	}
	var mu sync.Mutex
	var reads []string
	trace := translog.WithTileTrace(ctx, func(r translog.TileRead) {
		mu.Lock()
		defer mu.Unlock()
		from := "bucket"
		if r.Cached {
			from = "cache"
		}
		reads = append(reads, fmt.Sprintf("%s %s %.3f ms", r.Path, from, ms(r.Duration)))
	})
	_, coldMS, err := prove(trace)
	if err != nil {
		return err
	}
	coldReads := reads
	proof, warmMS, err := prove(ctx)
	if err != nil {
		return err
	}
	leaf, err := rl.Leaf(ctx, cp, i)
	if err != nil {
		return err
	}
	if err := tlog.CheckRecord(proof, cp.N, cp.Hash, i, tlog.RecordHash(leaf.Bytes())); err != nil {
		return fmt.Errorf("the benchmark's proof does not check: %w", err)
	}
	// A serving process: another fresh reader warms the checkpoint's tiles (as serve --http
	// does for each new checkpoint), then proves a leaf in another level-0 tile.
	wl, err := translog.Open(ctx, nc, es, objs, translog.Config{Verifier: v, Logger: e.logger})
	if err != nil {
		return err
	}
	t0 = time.Now()
	if err := wl.Warm(ctx, cp); err != nil {
		return err
	}
	warmTimeMS := ms(time.Since(t0))
	reads = nil
	j := cp.N / 3
	t0 = time.Now()
	if _, err := tlog.ProveRecord(cp.N, j, wl.HashReader(trace, cp)); err != nil {
		return err
	}
	warmedMS := ms(time.Since(t0))
	heap = append(heap, map[string]any{"leaves": cp.N, "live_mb": round3(liveHeapMB())})
	out := map[string]any{
		"events": o.events, "aggregates": o.aggregates, "rounds": o.rounds, "size": o.size, "leaves": cp.N,
		"append_events_per_s": round(appendRate), "checkpoint_events_per_s": round(cpRate),
		"ratio": round3(cpRate / appendRate), "checkpoint_ms": round3(ms(cpTime) / float64(o.rounds)),
		"open_ms": openMS, "prove_cold_ms": coldMS, "prove_ms": warmMS, "proof_hashes": len(proof),
		"prove_cold_reads": coldReads, "heap": heap, "warm_ms": warmTimeMS, "prove_warmed_ms": warmedMS,
		"prove_warmed_reads": reads, "server_in_process": !e.conn.urlSet,
	}
	for k, v := range live {
		out[k] = v
	}
	return writeJSON(e.stdout, out)
}

// heapMarks are the leaf counts (beyond the warm-up's) after which bench log measures its
// live heap: a tenth, three tenths and all of the events.
func heapMarks(events int) []int64 {
	return []int64{int64(events) / 10, int64(events) * 3 / 10, int64(events)}
}

// liveHeapMB collects garbage and returns the heap it kept alive, in MB: the process's own
// memory (with --nats, the appender, the event store and the log writer; without, the
// embedded server's too).
func liveHeapMB() float64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return float64(s[0].Value.Uint64()) / 1e6
}

// openBenchLog opens the transparency log of a bench store with a throwaway signer key
// (origin bench.jetdag/log); it returns the log, the object store it opened for it, and the
// key's verifier key.
func openBenchLog(ctx context.Context, e *env, nc *nats.Conn, es *store.JetStreamEvents) (*translog.Log, *store.JetStreamObjects, string, error) {
	objs, err := store.OpenObjects(ctx, nc, store.ObjectStoreConfig{Logger: e.logger})
	if err != nil {
		return nil, nil, "", err
	}
	skey, vkey, err := translog.GenerateKey(nil, "bench.jetdag/log")
	if err != nil {
		return nil, nil, "", err
	}
	signer, err := translog.NewSigner(skey)
	if err != nil {
		return nil, nil, "", err
	}
	l, err := translog.Open(ctx, nc, es, objs, translog.Config{Signer: signer, Logger: e.logger})
	if err != nil {
		return nil, nil, "", err
	}
	return l, objs, vkey, nil
}
