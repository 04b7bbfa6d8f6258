// This file is `jetdag load`: a load generator whose acknowledgement file `jetdag verify
// --acked` checks against the stream after faults.

package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/spf13/cobra"

	"github.com/jetdag/jetdag/store"
)

// loadOptions are load's flags: what `jetdag load` was asked to do.
type loadOptions struct {
	aggregates  int
	rate        float64
	duration    time.Duration
	batch       int
	parents     int
	ackedFile   string
	prefix      string
	eventType   string
	payloadSize int
	maxInflight int
	clockSkew   time.Duration
	fsync       bool
	drain       time.Duration
	pubTimeout  time.Duration
	indexOwn    bool
	trust       trustFlags // --checkpoint, --log-vkey
}

func (c *loadOptions) check() error {
	switch {
	case c.aggregates < 1:
		return badInputf("--aggregates %d: want at least 1", c.aggregates)
	case c.rate <= 0 || math.IsInf(c.rate, 0) || math.IsNaN(c.rate):
		return badInputf("--rate %v: want a positive number of events a second", c.rate)
	case c.duration < 0:
		return badInputf("--duration %v: want 0 (until interrupted) or more", c.duration)
	case c.batch < 1 || c.batch > 1000:
		return badInputf("--batch %d: want 1 to 1000 (JetStream's atomic batch limit)", c.batch)
	case c.parents < 0 || c.parents > 16:
		return badInputf("--parents %d: want 0 to 16", c.parents)
	case c.payloadSize < 0 || c.payloadSize > 512<<10:
		return badInputf("--payload-size %d: want 0 to 524288", c.payloadSize)
	case c.maxInflight < 1:
		return badInputf("--max-inflight %d: want at least 1", c.maxInflight)
	case c.pubTimeout < 0:
		return badInputf("--publish-timeout %v: want 0 (the default) or more", c.pubTimeout)
	}
	if err := store.ValidateName("--prefix", c.prefix+"-0"); err != nil {
		return badInput(err)
	}
	if err := store.ValidateName("--type", c.eventType); err != nil {
		return badInput(err)
	}
	return c.trust.check()
}

func newLoadCmd(e *env) *cobra.Command {
	var c loadOptions
	cmd := &cobra.Command{
		Use:   "load",
		Short: "Append a steady load across many aggregates and log every acknowledged event",
		Long: `load appends events across --aggregates aggregates (PREFIX-0 … PREFIX-N-1) at about
--rate events a second for --duration (0: until interrupted): one at a time through
AppendAsync, or with --batch K in atomic batches of K events. Each event names --parents
causal parents drawn from recently acknowledged events. Its payload is JSON naming the writer
(a random ID per process), a counter and its batch, so that "jetdag verify --acked" can tell
an event stored twice from two events.

With --acked FILE every acknowledged event is appended to FILE as one JSON line
{"cid","seq","aggregate","batch","at_ms"}, written (one write call per ack, --fsync to also
sync) only after the server acknowledged it: a load killed with kill -9 loses only
unacknowledged work. Restarting with the same FILE appends to it.

Every second load prints a JSON line (events/s, p50/p99 ack latency, conflicts, errors,
appends in flight) and at the end a final one with "final": true (also "heads_ms": reading
the heads of the first 256 aggregates, together, before the first append, and "first_ack_ms":
from before that to the first acknowledgement). It exits 0 when every append it started was
acknowledged or lost a race (a conflict, counted), 1 when some failed.

A fresh process reads and verifies the whole chain of each existing aggregate once before its
first append there (about 20-60k events a second): with --checkpoint latest|FILE and
--log-vkey V it starts from the heads of that checkpoint of the transparency log instead (its
signature checked with V) and reads only the events after it.`,
		Example: `  jetdag load --aggregates 100 --rate 2000 --duration 30s --parents 1 --acked acked.jsonl
  jetdag load --aggregates 10 --rate 5000 --batch 50 --duration 1m --acked batches.jsonl
  jetdag verify --acked acked.jsonl batches.jsonl
  jetdag load --aggregates 10 --rate 100 --duration 1s --checkpoint latest --log-vkey log.vkey`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return c.run(cmd.Context(), e) },
	}
	f := cmd.Flags()
	f.IntVar(&c.aggregates, "aggregates", 10, "number of aggregates to spread the events over")
	f.Float64Var(&c.rate, "rate", 100, "events a second (batches count each event)")
	f.DurationVar(&c.duration, "duration", 10*time.Second, "how long to append (0: until interrupted)")
	f.IntVar(&c.batch, "batch", 1, "events per atomic batch (1: single appends through AppendAsync)")
	f.IntVar(&c.parents, "parents", 0, "causal parents per event, drawn from recently acknowledged events")
	f.StringVar(&c.ackedFile, "acked", "", "append every acknowledged event to this file as a JSON line")
	f.StringVar(&c.prefix, "prefix", "load", "aggregate IDs are PREFIX-0 … PREFIX-(N-1)")
	f.StringVar(&c.eventType, "type", "LoadEvent", "event type")
	f.IntVar(&c.payloadSize, "payload-size", 64, "bytes of padding in each payload")
	f.IntVar(&c.maxInflight, "max-inflight", 1000, "appends awaiting their ack at most (single appends)")
	f.DurationVar(&c.clockSkew, "clock-skew", 0, "add this to the event timestamps (a writer with a wrong clock)")
	f.BoolVar(&c.fsync, "fsync", false, "fsync the --acked file after every line (survives a machine crash, not only kill -9)")
	f.DurationVar(&c.drain, "drain-timeout", 30*time.Second, "at the end, wait this long for appends in flight")
	f.DurationVar(&c.pubTimeout, "publish-timeout", 0, "bound on one publish attempt before it is resent (0: the store's 5s)")
	f.BoolVar(&c.indexOwn, "index-appends", false, "write the CID and children index entries of the appended events as they are acknowledged (the first lookup after the load then reads no tail; costs the server about twice the work per append)")
	c.trust.register(cmd)
	return cmd
}

func (c *loadOptions) run(ctx context.Context, e *env) error {
	if err := c.check(); err != nil {
		return err
	}
	var ackOut *os.File
	if c.ackedFile != "" {
		f, err := os.OpenFile(c.ackedFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return badInput(fmt.Errorf("--acked: %w", err))
		}
		defer f.Close()
		ackOut = f
	}
	nc, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer nc.Close()
	skew := c.clockSkew.Nanoseconds()
	cfg := store.EventStoreConfig{
		Logger: e.logger, Now: func() int64 { return time.Now().UnixNano() + skew }, PublishTimeout: c.pubTimeout,
	}
	if c.indexOwn {
		cfg.IndexQueue = store.DefaultIndexQueue
	}
	es, err := store.OpenEvents(ctx, nc, cfg)
	if err != nil {
		return err
	}
	if err := c.trust.apply(ctx, e, es); err != nil {
		return err
	}
	r := newLoadRun(*c, es, ackOut, e)
	if err := r.run(ctx); err != nil {
		return err
	}
	defer func() {
		fctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
		defer cancel()
		_ = es.Close(fctx) // the index entries of the last appends, briefly
		_ = es.Flush(fctx)
	}()
	if n := r.errors(); n > 0 {
		return fmt.Errorf("%d appends failed (last: %s)", n, r.lastErr)
	}
	return nil
}

// warmAggregates bounds the aggregates whose heads load reads before its first append: one
// batched chain read's worth (the store follows up to 256 aggregates in one read). Later
// aggregates read theirs as their first appends come.
const warmAggregates = 256

// loadRun is one run of the generator.
type loadRun struct {
	cfg    loadOptions
	es     *store.JetStreamEvents
	ackOut *os.File
	e      *env
	writer string
	pad    string

	mu        sync.Mutex
	n         uint64 // payload counter
	acked     int
	window    []time.Duration // ack latencies of the current second
	all       []time.Duration // every ack latency (sampled past 1M)
	conflicts int
	errs      int
	lastErr   string
	recent    []cid.Cid // recently acknowledged events, the parents' pool
	recentAt  int
	busy      []bool // batch mode: the aggregate has a batch in flight
	inflight  int
	fileErr   error
	start     time.Time     // the run's start, before the heads are read
	headsRead time.Duration // reading the heads before the first append took this long
	lastAck   time.Time
	firstAck  time.Duration // from the start to the first acknowledgement (0: none yet)
	maxGap    time.Duration
}

func newLoadRun(c loadOptions, es *store.JetStreamEvents, ackOut *os.File, e *env) *loadRun {
	var id [6]byte
	_, _ = rand.Read(id[:])
	return &loadRun{
		cfg: c, es: es, ackOut: ackOut, e: e, writer: hex.EncodeToString(id[:]),
		pad: strings.Repeat("x", c.payloadSize), busy: make([]bool, c.aggregates),
	}
}

func (r *loadRun) errors() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.errs
}

// run paces appends until the duration is over or ctx ends, then waits for those in flight.
func (r *loadRun) run(ctx context.Context) error {
	// Appends run under their own context: an interrupt stops new appends, while the ones
	// in flight get the drain timeout to be acknowledged (and logged).
	appendCtx, cancelAppends := context.WithCancel(context.Background())
	defer cancelAppends()
	var wg sync.WaitGroup
	// The heads of the aggregates the run starts with, asked for together: one batched read
	// of their chains, instead of one for the first aggregate alone (whose parents in the
	// others then cost two round trips each) and another for the rest.
	t0 := time.Now()
	warm := make([]string, min(r.cfg.aggregates, warmAggregates))
	for i := range warm {
		warm[i] = r.aggregate(i)
	}
	if err := r.es.WarmHeads(ctx, warm); err != nil {
		r.e.logger.Warn("reading the aggregates' heads before the first append failed; each append reads its own", "err", err)
	}
	start := time.Now()
	r.mu.Lock()
	r.start, r.lastAck, r.headsRead = t0, start, start.Sub(t0)
	r.mu.Unlock()
	runCtx := ctx
	if r.cfg.duration > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, r.cfg.duration)
		defer cancel()
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	report := time.NewTicker(time.Second)
	defer report.Stop()
	units := r.cfg.rate / float64(r.cfg.batch) // appends (events or batches) a second
	var issued float64
	next := 0
	lastReport := start
	ackedAtReport := 0
loop:
	for {
		select {
		case <-runCtx.Done():
			break loop
		case now := <-report.C:
			ackedAtReport = r.summary(now, now.Sub(lastReport), ackedAtReport, start, false)
			lastReport = now
		case now := <-tick.C:
			due := now.Sub(start).Seconds() * units
			if due-issued > units { // more than a second behind: do not burst to catch up
				issued = due - units
			}
			for issued+1 <= due {
				agg, ok := r.claim(&next)
				if !ok {
					break
				}
				issued++
				wg.Add(1)
				if r.cfg.batch == 1 {
					r.single(appendCtx, agg, &wg)
				} else {
					go r.batchAppend(appendCtx, agg, &wg)
				}
			}
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(r.cfg.drain):
		cancelAppends()
		<-done
	}
	now := time.Now()
	r.summary(now, now.Sub(lastReport), ackedAtReport, start, true)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fileErr != nil {
		return fmt.Errorf("--acked %s: %w", r.cfg.ackedFile, r.fileErr)
	}
	return nil
}

// claim picks the next aggregate to append to, round robin; false when the limit of appends
// in flight is reached (single) or every aggregate has a batch in flight.
func (r *loadRun) claim(next *int) (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cfg.batch == 1 {
		if r.inflight >= r.cfg.maxInflight {
			return 0, false
		}
		r.inflight++
		agg := *next % r.cfg.aggregates
		*next++
		return agg, true
	}
	for range r.cfg.aggregates {
		agg := *next % r.cfg.aggregates
		*next++
		if !r.busy[agg] {
			r.busy[agg] = true
			r.inflight++
			return agg, true
		}
	}
	return 0, false
}

func (r *loadRun) aggregate(i int) string { return r.cfg.prefix + "-" + strconv.Itoa(i) }

// newEvents builds k events with load payloads and, for a batch, names it after the writer
// and its first event's counter ("" for a single append).
func (r *loadRun) newEvents(k int, batched bool) ([]store.NewEvent, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var batch string
	if batched {
		batch = r.writer + "-" + strconv.FormatUint(r.n+1, 10)
	}
	evs := make([]store.NewEvent, k)
	for i := range evs {
		r.n++
		p := store.LoadPayload{Writer: r.writer, N: r.n, Pad: r.pad}
		if batch != "" {
			p.Batch, p.BatchSize, p.BatchIndex = batch, k, i
		}
		data, _ := json.Marshal(p) // a struct of strings and numbers always marshals
		evs[i] = store.NewEvent{EventType: r.cfg.eventType, Payload: data, Parents: r.pickParents()}
	}
	return evs, batch
}

// pickParents draws distinct parents from the recently acknowledged events; r.mu is held.
func (r *loadRun) pickParents() []cid.Cid {
	if r.cfg.parents == 0 || len(r.recent) == 0 {
		return nil
	}
	var ps []cid.Cid
	for _, i := range mrand.Perm(len(r.recent)) {
		if len(ps) == r.cfg.parents {
			break
		}
		ps = append(ps, r.recent[i])
	}
	return ps
}

func (r *loadRun) single(ctx context.Context, agg int, wg *sync.WaitGroup) {
	evs, _ := r.newEvents(1, false)
	ne := evs[0]
	ne.AggregateID = r.aggregate(agg)
	sent := time.Now()
	p := r.es.AppendAsync(ctx, ne)
	go func() {
		defer wg.Done()
		ev, err := p.Result()
		r.finish(sent, ne.AggregateID, "", agg, []*store.StoredEvent{ev}, err)
	}()
}

func (r *loadRun) batchAppend(ctx context.Context, agg int, wg *sync.WaitGroup) {
	defer wg.Done()
	evs, id := r.newEvents(r.cfg.batch, true)
	sent := time.Now()
	stored, err := r.es.AppendBatch(ctx, r.aggregate(agg), evs)
	r.finish(sent, r.aggregate(agg), id, agg, stored, err)
}

// finish logs an append's acknowledgement (or counts its failure) and frees its slot.
func (r *loadRun) finish(sent time.Time, aggregate, batch string, agg int, stored []*store.StoredEvent, err error) {
	now := time.Now()
	lat := now.Sub(sent)
	var line []byte
	if err == nil {
		for _, ev := range stored {
			b, _ := json.Marshal(store.AckedEvent{CID: ev.CID.String(), Seq: ev.Seq, Aggregate: aggregate, Batch: batch, AtMillis: now.UnixMilli()})
			line = append(append(line, b...), '\n')
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inflight--
	if r.cfg.batch > 1 {
		r.busy[agg] = false
	}
	switch {
	case err == nil:
		// One write call for the ack (a whole batch's lines together), after the ack and
		// before the event counts as acknowledged.
		if r.ackOut != nil && r.fileErr == nil {
			if _, werr := r.ackOut.Write(line); werr != nil {
				r.fileErr = werr
			} else if r.cfg.fsync {
				if serr := r.ackOut.Sync(); serr != nil {
					r.fileErr = serr
				}
			}
		}
		r.acked += len(stored)
		r.window = append(r.window, lat)
		if len(r.all) < 1<<20 {
			r.all = append(r.all, lat)
		}
		if r.firstAck == 0 {
			r.firstAck = now.Sub(r.start)
		}
		if gap := now.Sub(r.lastAck); gap > r.maxGap {
			r.maxGap = gap
		}
		r.lastAck = now
		for _, ev := range stored {
			if len(r.recent) < 64 {
				r.recent = append(r.recent, ev.CID)
			} else {
				r.recent[r.recentAt] = ev.CID
				r.recentAt = (r.recentAt + 1) % len(r.recent)
			}
		}
	case errors.Is(err, store.ErrConflict):
		r.conflicts++
	default:
		r.errs++
		r.lastErr = err.Error()
		r.e.logger.Warn("append failed", "aggregate", aggregate, "err", err)
	}
}

// summary prints one line: the last interval's rate and latencies, or with final the whole
// run's. It returns the acknowledged count so far.
func (r *loadRun) summary(now time.Time, interval time.Duration, ackedBefore int, start time.Time, final bool) int {
	r.mu.Lock()
	lats := r.window
	r.window = nil
	acked := r.acked
	if final {
		lats = slices.Clone(r.all)
		interval = now.Sub(start)
		ackedBefore = 0
	}
	line := map[string]any{
		"elapsed_s": round3(now.Sub(start).Seconds()), "acked": acked,
		"events_per_s": round3(float64(acked-ackedBefore) / max(interval.Seconds(), 1e-9)),
		"conflicts":    r.conflicts, "errors": r.errs, "inflight": r.inflight,
	}
	if final {
		line["final"] = true
		line["max_ack_gap_ms"] = round3(ms(r.maxGap))
		line["first_ack_ms"] = round3(ms(r.firstAck))
		line["heads_ms"] = round3(ms(r.headsRead))
		if r.lastErr != "" {
			line["last_error"] = r.lastErr
		}
	}
	r.mu.Unlock()
	slices.Sort(lats)
	line["p50_ms"], line["p99_ms"] = round3(ms(quantile(lats, 0.5))), round3(ms(quantile(lats, 0.99)))
	if final && len(lats) > 0 {
		line["max_ms"] = round3(ms(lats[len(lats)-1]))
	}
	_ = writeJSON(r.e.stdout, line)
	return acked
}

// quantile of sorted durations (0 when empty).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(int(q*float64(len(sorted))), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
