// This file is `jetdag witness`: a C2SP tlog-cosignature witness of a store's log.

package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/jetdag/jetdag/store/translog"
)

// minWitnessPoll is the shortest --poll: a shorter one asks the server for the latest
// checkpoint in a busy loop.
const minWitnessPoll = 10 * time.Millisecond

// defaultAuditEvery is --audit-every's default: a store audit replays the whole stream
// (10.3-10.9 s for a million events on the project's 2-core machine, docs/log.md), so once an
// hour costs well under 1% of a core.
const defaultAuditEvery = time.Hour

// witnessOptions are witness's flags.
type witnessOptions struct {
	key, logVkey, dir, metrics string
	once                       bool
	poll, auditEvery           time.Duration
}

func newWitnessCmd(e *env) *cobra.Command {
	var o witnessOptions
	cmd := &cobra.Command{
		Use:   "witness --key FILE --log-vkey VKEY --state DIR",
		Short: "Cosign the log's checkpoints that are consistent with the last one cosigned",
		Long: `witness follows the store's checkpoints (event.checkpoint), checks each with the log's key
and an RFC 9162 consistency proof from the log's tiles against the last checkpoint it cosigned
(kept in DIR/checkpoint), and publishes each newer consistent one with its C2SP
tlog-cosignature/v1 line added on event.checkpoint.cosigned.

It also audits the store: when it starts, and then every --audit-every (default 1h; 0 turns the
audit off), before its next cosignature it replays the whole event stream, verifying it, and
checks that the stream still gives the checkpoint it is about to cosign (the root of its
leaves, its last leaf's sequence, its state block); with nothing new to cosign, the one it
holds. The consistency proofs alone come from the log's own tiles: they cannot see a stream
that lost an old event while the log goes on extending. An audit costs one verified replay
(about 11 s and 75 MB for a million events on a 2-core machine: its memory is bounded as the
checkpointer's, its time grows with the stream) and delays that cosignature by as much; on a
very large store choose a longer --audit-every.

A checkpoint that contradicts the held one (another root for the same size, or one that does
not extend it), or that the stream no longer gives, is refused: the witness logs an error,
writes DIR/refused with the reason and both notes, sets the metric jetdag_witness_refused to 1
(and jetdag_witness_refusal_info{reason="…"}), and cosigns nothing again until an operator
removes DIR/refused (and DIR/checkpoint to accept a new history) and starts it again.
Without --once a refusing witness keeps running, cosigning nothing, so that its --metrics stay
up for the alert, until it is signalled (then it exits 1); one started over a state holding a
refusal does the same. --once handles the checkpoints stored now and exits: 0, or 1 after a
refusal or when it starts halted. The key comes from "jetdag log keygen --witness"; readers
check cosignatures with verify --witness-vkey.`,
		Example: `  jetdag witness --key witness.key --log-vkey "$(cat log.vkey)" --state ./witness --once
  jetdag witness --key witness.key --log-vkey log.vkey --state ./witness --metrics 127.0.0.1:9464`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	f := cmd.Flags()
	f.StringVar(&o.key, "key", "", "the witness's signer key file (log keygen --witness) (required)")
	f.StringVar(&o.logVkey, "log-vkey", "", "the log's verifier key, or a file holding it (required)")
	f.StringVar(&o.dir, "state", "", "directory keeping the last cosigned checkpoint (required)")
	f.BoolVar(&o.once, "once", false, "handle the stored checkpoints and exit (1 after a refusal)")
	f.DurationVar(&o.poll, "poll", time.Second, "how often to look for a new checkpoint")
	f.DurationVar(&o.auditEvery, "audit-every", defaultAuditEvery, "replay the stream and check it still gives the checkpoint to cosign at start and this often (0: never)")
	f.StringVar(&o.metrics, "metrics", "", "serve the witness's metrics (jetdag_witness_refused, _size, _audit_*) on HOST:PORT at /metrics")
	return cmd
}

func (o *witnessOptions) run(ctx context.Context, e *env) error {
	if o.dir == "" {
		return badInputf("--state DIR is required")
	}
	if st, err := os.Stat(o.dir); err == nil && !st.IsDir() {
		return badInputf("--state %s: is %s, not a directory", clip(o.dir), fileKind(st.Mode()))
	}
	if !o.once && o.poll < minWitnessPoll {
		return badInputf("--poll %s: want %s or more (or --once)", o.poll, minWitnessPoll)
	}
	if o.auditEvery < 0 {
		return badInputf("--audit-every %s: want 0 (never) or more", o.auditEvery)
	}
	_, skey, err := readSigner("--key", o.key)
	if err != nil {
		return err
	}
	cosigner, err := translog.NewCosigner(skey)
	if err != nil {
		return badInput(fmt.Errorf("--key: %w", err))
	}
	lv, err := readVerifier("--log-vkey", o.logVkey)
	if err != nil {
		return err
	}
	m := newWitnessMetrics()
	if o.metrics != "" {
		stop, err := m.serve(o.metrics)
		if err != nil {
			return err
		}
		defer stop()
	}
	s, err := e.openLog(ctx, translog.Config{Verifier: lv})
	if err != nil {
		return err
	}
	w, err := translog.NewWitness(s.log, translog.WitnessConfig{
		Cosigner: cosigner, LogVerifier: lv, Dir: o.dir, Logger: e.logger, AuditEvery: o.auditEvery,
		OnRefuse: m.refused,
		OnCosign: func(cp *translog.Checkpoint) { m.size.Set(float64(cp.N)) },
		OnAudit: func(_ *translog.Checkpoint, took time.Duration) {
			m.auditTime.SetToCurrentTime()
			m.auditSeconds.Set(took.Seconds())
		},
	})
	if err != nil {
		s.close()
		return logErr(err)
	}
	if h := w.Held(); h != nil {
		m.size.Set(float64(h.N))
	}
	if reason, halted, err := w.Halted(); err != nil {
		s.close()
		return logErr(err)
	} else if halted {
		m.refused(reason)
	}
	n, err := w.Run(ctx, o.once, o.poll)
	s.close()
	refused := errors.Is(err, translog.ErrRefused) || errors.Is(err, translog.ErrHalted)
	if refused && !o.once {
		// Stay up, cosigning nothing, so that the refusal is seen where the witness is watched.
		reason, halted, _ := w.Halted()
		if !halted { // the refusal file could not be written: the error says why
			reason = err.Error()
		}
		e.logger.Error("witness halted: it cosigns nothing until an operator resets it; it keeps running (and serving its metrics) until signalled",
			"reason", reason, "reset", fmt.Sprintf("remove %s (and %s to accept the log's new history), then start the witness again",
				w.RefusalFile(), filepath.Join(o.dir, translog.WitnessHeldFile)))
		<-ctx.Done()
	}
	out := map[string]any{"cosigned": n, "refused": refused}
	if h := w.Held(); h != nil {
		out["size"], out["root"] = h.N, h.RootBase64()
	}
	if werr := writeJSON(e.stdout, out); werr != nil {
		return werr
	}
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	return nil
}

// witnessMetrics are the witness's gauges, served by --metrics.
type witnessMetrics struct {
	reg                                     *prometheus.Registry
	refusedG, size, auditTime, auditSeconds prometheus.Gauge
	// reason carries the refusal's reason as a label, the Prometheus way of exposing text:
	// one series at 1 once the witness refused, none before.
	reason *prometheus.GaugeVec
}

func newWitnessMetrics() *witnessMetrics {
	m := &witnessMetrics{
		reg: prometheus.NewRegistry(),
		refusedG: prometheus.NewGauge(prometheus.GaugeOpts{Name: "jetdag_witness_refused",
			Help: "1 once the witness refused a checkpoint (inconsistent, or not given by the stream); it then cosigns nothing until reset."}),
		reason: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "jetdag_witness_refusal_info",
			Help: "1, labelled with the reason, once the witness refused a checkpoint."}, []string{"reason"}),
		size: prometheus.NewGauge(prometheus.GaugeOpts{Name: "jetdag_witness_size",
			Help: "Tree size of the last checkpoint the witness cosigned."}),
		auditTime: prometheus.NewGauge(prometheus.GaugeOpts{Name: "jetdag_witness_audit_last_success_timestamp_seconds",
			Help: "When the last store audit that passed ended (Unix time; 0 before the first)."}),
		auditSeconds: prometheus.NewGauge(prometheus.GaugeOpts{Name: "jetdag_witness_audit_duration_seconds",
			Help: "How long the last store audit that passed took (a verified replay of the whole stream)."}),
	}
	m.reg.MustRegister(m.refusedG, m.reason, m.size, m.auditTime, m.auditSeconds)
	return m
}

// refused records a refusal (OnRefuse, or the refusal a halted witness starts with).
func (m *witnessMetrics) refused(reason string) {
	m.refusedG.Set(1)
	m.reason.Reset()
	m.reason.WithLabelValues(reason).Set(1)
}

// serve serves the gauges on addr until stop is called.
func (m *witnessMetrics) serve(addr string) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, badInput(fmt.Errorf("--metrics %s: %w", addr, err))
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }, nil
}
