package cli

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/server"
)

// benchConn connects to --nats when given, else to a fresh embedded server in a temporary
// directory that cleanup removes.
func (e *env) benchConn(ctx context.Context) (*nats.Conn, func(), error) {
	if e.conn.urlSet {
		nc, err := e.connect(ctx)
		return nc, func() {
			if nc != nil {
				nc.Close()
			}
		}, err
	}
	dir, err := os.MkdirTemp("", "jetdag-bench-")
	if err != nil {
		return nil, nil, err
	}
	srv, err := server.Start(server.Config{StoreDir: dir})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		srv.Shutdown()
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return nc, func() { nc.Close(); srv.Shutdown(); os.RemoveAll(dir) }, nil
}

// benchStore opens the event store on benchConn's connection.
func (e *env) benchStore(ctx context.Context) (*nats.Conn, *store.JetStreamEvents, func(), error) {
	nc, cleanup, err := e.benchConn(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	es, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{Logger: e.logger})
	if err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	return nc, es, cleanup, nil
}

// benchAppendOptions are bench append's flags.
type benchAppendOptions struct {
	aggregates, events, size, workers, batch int
}

func newBenchAppendCmd(e *env) *cobra.Command {
	var o benchAppendOptions
	cmd := &cobra.Command{
		Use:   "append",
		Short: "Measure appends/s beside raw JetStream publishing on the same server",
		Long: `bench append appends --events events of --size payload bytes, spread over --aggregates
aggregates, and prints {"events_per_s", "baseline_msgs_per_s", "ratio", ...}. With one aggregate
the appends are sequential (Append, or AppendBatch with --batch) and the baseline is raw
synchronous publishing of same-size messages. With several, one goroutine keeps them all in
flight with AppendAsync (or --workers goroutines call Append) and the baseline is raw async
publishing. checked_baseline_msgs_per_s is raw messages that ask the server for the same
duplicate and expected-sequence checks, sent the same way. The store writes the index
entries of its appends in the background: after each round of appends it waits for them,
untimed (index_flush_ms in all), so that they do not slow the next baseline. Without --nats it
starts an embedded server in a temporary directory.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	f := cmd.Flags()
	f.IntVar(&o.aggregates, "aggregates", 1, "aggregates to spread the events over (1: sequential appends)")
	f.IntVar(&o.events, "events", 10000, "events to append")
	f.IntVar(&o.size, "size", 256, "payload bytes per event")
	f.IntVar(&o.workers, "workers", 0, "with --aggregates > 1: 0 = AppendAsync from one goroutine, N = N goroutines calling Append")
	f.IntVar(&o.batch, "batch", 1, "with one aggregate: events per AppendBatch call (atomic batches; 1 = Append)")
	return cmd
}

func (o *benchAppendOptions) run(ctx context.Context, e *env) error {
	rs := append(workloadRanges(o.events, o.aggregates, o.size),
		benchRange{flag: "--workers", v: o.workers, lo: 0, hi: maxBenchWorkers, loMeaning: "AppendAsync"})
	if err := checkBenchRanges(rs...); err != nil {
		return err
	}
	if o.batch < 1 || o.batch > 1000 || o.batch > 1 && o.aggregates > 1 {
		return badInputf("--batch %d: want 1 to 1000, and only with one aggregate", o.batch)
	}
	nc, es, cleanup, err := e.benchStore(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	js, _ := jetstream.New(nc)
	payload := make([]byte, o.size)
	for i := range payload {
		payload[i] = byte(i)
	}
	run := "r" + strconv.FormatInt(time.Now().UnixNano(), 36)
	// Message size of the baseline: the same as an event message, headers included.
	// A chained event (it has a previous CID) with the expected-sequence headers an
	// append adds: the raw messages carry as many bytes, as body.
	first := block.Event{AggregateID: "bench-" + run, EventType: "BenchEvent", Payload: payload, Timestamp: 1}
	_, firstCID, err := first.Block()
	if err != nil {
		return err
	}
	probe := first
	probe.PreviousCID, probe.Timestamp = firstCID, 2
	pm, _, err := store.EventMessage(&probe)
	if err != nil {
		return err
	}
	pm.Header.Set("Nats-Expected-Last-Subject-Sequence", "1000000")
	pm.Header.Set("Nats-Expected-Last-Subject-Sequence-Subject", store.AggregateFilter(probe.AggregateID))
	// A --size the server cannot take is bad input (exit 2, as append's payload too large),
	// found before the baseline publishes anything.
	if n := store.MessageSize(pm); int64(n) > nc.MaxPayload() {
		return badInput(fmt.Errorf("--size %d: %w: an event message is %d bytes with headers, the server accepts %d",
			o.size, store.ErrPayloadTooLarge, n, nc.MaxPayload()))
	}
	rawBody := make([]byte, store.MessageSize(pm))
	dropBaseline, err := rawBaselineStream(ctx, js, "raw-"+run)
	if err != nil {
		return err
	}
	defer dropBaseline()
	subj := "jetdag-bench.raw-" + run + ".x"

	// The baseline and jetdag run in alternating rounds, so that a busy machine slows
	// both alike; the rates are totals over the rounds.
	const rounds = 10
	var evTime, baseTime, checkedTime, flushTime time.Duration
	checked := newCheckedPublisher(nc, js, "jetdag-bench.raw-"+run+".chk", o.aggregates, o.workers)
	mode, api := "sequential", "Append"
	if o.batch > 1 {
		api = "AppendBatch"
	}
	if o.aggregates > 1 {
		mode = "concurrent"
		if o.workers == 0 {
			api = "AppendAsync"
		}
	}
	agg := "bench-" + run
	aggs := make([]string, o.aggregates)
	for a := range aggs {
		aggs[a] = fmt.Sprintf("bench-%s-%04d", run, a)
	}
	// Warm up untimed: one event per aggregate, so every head is cached as in a
	// long-running producer, and as many raw messages.
	if err := rawPublish(ctx, js, subj, rawBody, o.aggregates, mode == "concurrent"); err != nil {
		return err
	}
	if mode == "sequential" {
		if _, err := es.Append(ctx, agg, "BenchEvent", payload); err != nil {
			return storeErr(err)
		}
	} else if err := asyncAppends(ctx, es, aggs, o.aggregates, payload); err != nil {
		return storeErr(err)
	}
	if err := checked.run(ctx, rawBody, o.aggregates); err != nil {
		return err
	}
	for r := range rounds {
		chunk := o.events/rounds + boolInt(r < o.events%rounds)
		t0 := time.Now()
		if err := rawPublish(ctx, js, subj, rawBody, chunk, mode == "concurrent"); err != nil {
			return err
		}
		baseTime += time.Since(t0)
		t0 = time.Now()
		if mode == "sequential" {
			if err := sequentialAppends(ctx, es, agg, chunk, o.batch, payload); err != nil {
				return err
			}
		} else if o.workers == 0 {
			if err := asyncAppends(ctx, es, aggs, chunk, payload); err != nil {
				return err
			}
		} else if err := concurrentAppends(ctx, es, aggs, o.workers, chunk, payload); err != nil {
			return err
		}
		evTime += time.Since(t0)
		// The appends' index writes (the store writes them in the background) finish
		// before the next baseline runs, untimed: they would slow it.
		t0 = time.Now()
		if err := es.Flush(ctx); err != nil {
			return err
		}
		flushTime += time.Since(t0)
		t0 = time.Now()
		if err := checked.run(ctx, rawBody, chunk); err != nil {
			return err
		}
		checkedTime += time.Since(t0)
	}
	evRate := float64(o.events) / evTime.Seconds()
	baseRate := float64(o.events) / baseTime.Seconds()
	checkedRate := float64(o.events) / checkedTime.Seconds()
	return writeJSON(e.stdout, map[string]any{
		"mode": mode, "events": o.events, "aggregates": o.aggregates, "size": o.size, "workers": o.workers,
		"events_per_s": round(evRate), "baseline_msgs_per_s": round(baseRate), "ratio": round3(evRate / baseRate),
		"checked_baseline_msgs_per_s": round(checkedRate), "checked_ratio": round3(evRate / checkedRate),
		"batch": o.batch, "api": api, "index_flush_ms": round(float64(flushTime.Microseconds()) / 1e3),
	})
}

// benchReplayOptions are bench replay's flags.
type benchReplayOptions struct {
	aggregates, events, size int
}

func newBenchReplayCmd(e *env) *cobra.Command {
	var o benchReplayOptions
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Measure verified replay beside raw ordered-consumer reading of the same stream",
		Long: `bench replay fills the stream with --events chained events (unless it already holds them),
then replays it with full verification and reads it again with a bare ordered consumer, and
prints {"events_per_s", "baseline_msgs_per_s", "ratio", "index_bytes_per_event"}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	f := cmd.Flags()
	f.IntVar(&o.aggregates, "aggregates", 1000, "aggregates the generated events belong to")
	f.IntVar(&o.events, "events", 100000, "events in the stream")
	f.IntVar(&o.size, "size", 256, "payload bytes per generated event")
	return cmd
}

func (o *benchReplayOptions) run(ctx context.Context, e *env) error {
	if err := checkBenchRanges(workloadRanges(o.events, o.aggregates, o.size)...); err != nil {
		return err
	}
	nc, es, cleanup, err := e.benchStore(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	last, err := es.LastSeq(ctx)
	if err != nil {
		return err
	}
	js, _ := jetstream.New(nc)
	if last < uint64(o.events) {
		if err := fillStream(ctx, js, o.events-int(last), o.aggregates, o.size); err != nil {
			return err
		}
	}
	// Baseline: a bare ordered consumer reading every message.
	t0 := time.Now()
	n, err := rawRead(ctx, js)
	if err != nil {
		return err
	}
	baseRate := float64(n) / time.Since(t0).Seconds()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	t0 = time.Now()
	v, st, err := es.Replay(ctx, store.ReplayOptions{}, nil)
	if err != nil {
		return err
	}
	evRate := float64(st.Messages) / time.Since(t0).Seconds()
	runtime.GC()
	runtime.ReadMemStats(&after)
	perEvent := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(max(v.Len(), 1))
	runtime.KeepAlive(v)
	return writeJSON(e.stdout, map[string]any{
		"events": st.Events, "rejected": st.Rejected, "aggregates": st.Aggregates,
		"events_per_s": round(evRate), "baseline_msgs_per_s": round(baseRate), "ratio": round3(evRate / baseRate),
		"index_bytes_per_event": round(perEvent),
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sequentialAppends appends n events to agg one after the other, batch at a time.
func sequentialAppends(ctx context.Context, es *store.JetStreamEvents, agg string, n, batch int, payload []byte) error {
	evs := make([]store.NewEvent, 0, batch)
	for n > 0 {
		k := min(batch, n)
		if k == 1 {
			if _, err := es.Append(ctx, agg, "BenchEvent", payload); err != nil {
				return err
			}
		} else {
			evs = evs[:0]
			for range k {
				evs = append(evs, store.NewEvent{EventType: "BenchEvent", Payload: payload})
			}
			if _, err := es.AppendBatch(ctx, agg, evs); err != nil {
				return err
			}
		}
		n -= k
	}
	return nil
}

// asyncAppends appends n events round robin over aggs from this one goroutine with
// AppendAsync, all of them started before any is waited for (as the raw async baseline
// publishes).
func asyncAppends(ctx context.Context, es *store.JetStreamEvents, aggs []string, n int, payload []byte) error {
	ps := make([]*store.PendingAppend, n)
	for i := range ps {
		ps[i] = es.AppendAsync(ctx, store.NewEvent{AggregateID: aggs[i%len(aggs)], EventType: "BenchEvent", Payload: payload})
	}
	for _, p := range ps {
		if _, err := p.Result(); err != nil {
			return err
		}
	}
	return nil
}

// concurrentAppends appends n events over aggs from workers goroutines; each worker owns the
// aggregates w, w+workers, … so that no two race on one aggregate.
func concurrentAppends(ctx context.Context, es *store.JetStreamEvents, aggs []string, workers, n int, payload []byte) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	for w := range min(workers, len(aggs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []string
			for a := w; a < len(aggs); a += workers {
				mine = append(mine, aggs[a])
			}
			for i := 0; next.Add(1) <= int64(n); i++ {
				if _, err := es.Append(ctx, mine[i%len(mine)], "BenchEvent", payload); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}
