// This file is `jetdag witness`: a C2SP tlog-cosignature witness of a store's log.

package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/jetdag/jetdag/store/translog"
)

// minWitnessPoll is the shortest --poll: a shorter one asks the server for the latest
// checkpoint in a busy loop.
const minWitnessPoll = 10 * time.Millisecond

// witnessOptions are witness's flags.
type witnessOptions struct {
	key, logVkey, dir, metrics string
	once                       bool
	poll                       time.Duration
}

func newWitnessCmd(e *env) *cobra.Command {
	var o witnessOptions
	cmd := &cobra.Command{
		Use:   "witness --key FILE --log-vkey VKEY --state DIR",
		Short: "Cosign the log's checkpoints that are consistent with the last one cosigned",
		Long: `witness follows the store's checkpoints (event.checkpoint), checks each with the log's key
and an RFC 9162 consistency proof from the log's tiles against the last checkpoint it cosigned
(kept in DIR/checkpoint), and publishes each newer consistent one with its C2SP
tlog-cosignature/v1 line added on event.checkpoint.cosigned. A checkpoint that contradicts the
held one (another root for the same size, or one that does not extend it) is refused: the
witness logs an error, writes DIR/refused with the reason and both notes, sets the metric
jetdag_witness_refused to 1, and never cosigns again until an operator removes DIR/refused.
--once handles the checkpoints stored now and exits: 0, or 1 after a refusal. The key comes
from "jetdag log keygen --witness"; readers check cosignatures with verify --witness-vkey.`,
		Example: `  jetdag witness --key witness.key --log-vkey "$(cat log.vkey)" --state ./witness --once`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	f := cmd.Flags()
	f.StringVar(&o.key, "key", "", "the witness's signer key file (log keygen --witness) (required)")
	f.StringVar(&o.logVkey, "log-vkey", "", "the log's verifier key, or a file holding it (required)")
	f.StringVar(&o.dir, "state", "", "directory keeping the last cosigned checkpoint (required)")
	f.BoolVar(&o.once, "once", false, "handle the stored checkpoints and exit (1 after a refusal)")
	f.DurationVar(&o.poll, "poll", time.Second, "how often to look for a new checkpoint")
	f.StringVar(&o.metrics, "metrics", "", "serve jetdag_witness_refused and jetdag_witness_size on HOST:PORT (/metrics)")
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
	var refused atomic.Bool
	var cosignedN atomic.Int64
	if o.metrics != "" {
		if err := serveWitnessMetrics(ctx, o.metrics, &refused, &cosignedN); err != nil {
			return err
		}
	}
	s, err := e.openLog(ctx, translog.Config{Verifier: lv})
	if err != nil {
		return err
	}
	defer s.close()
	w, err := translog.NewWitness(s.log, translog.WitnessConfig{
		Cosigner: cosigner, LogVerifier: lv, Dir: o.dir, Logger: e.logger,
		OnRefuse: func(string) { refused.Store(true) },
		OnCosign: func(cp *translog.Checkpoint) { cosignedN.Store(cp.N) },
	})
	if errors.Is(err, translog.ErrHalted) {
		refused.Store(true)
		return &ExitError{Code: ExitFailure, Err: err}
	}
	if err != nil {
		return logErr(err)
	}
	if h := w.Held(); h != nil {
		cosignedN.Store(h.N)
	}
	n, err := w.Run(ctx, o.once, o.poll)
	out := map[string]any{"cosigned": n, "refused": errors.Is(err, translog.ErrRefused) || errors.Is(err, translog.ErrHalted)}
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

// serveWitnessMetrics serves the witness's gauges until the command ends.
func serveWitnessMetrics(ctx context.Context, addr string, refused *atomic.Bool, size *atomic.Int64) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "jetdag_witness_refused",
		Help: "1 once the witness refused an inconsistent checkpoint (it then cosigns nothing until reset)."},
		func() float64 {
			if refused.Load() {
				return 1
			}
			return 0
		}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "jetdag_witness_size",
		Help: "Tree size of the last checkpoint the witness cosigned."}, func() float64 { return float64(size.Load()) }))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return badInput(fmt.Errorf("--metrics %s: %w", addr, err))
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	return nil
}
