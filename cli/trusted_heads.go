// This file gives the commands that append (load, append, import) --checkpoint and
// --log-vkey: a fresh process starts the heads of the aggregates it appends to from a
// verified checkpoint of the transparency log instead of reading their whole chains
// (store.TrustHeads).

package cli

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/translog"
)

// trustFlags are a writer's --checkpoint and --log-vkey.
type trustFlags struct {
	checkpoint, vkey string
}

func (f *trustFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.checkpoint, "checkpoint", "", `start the aggregates' heads from a checkpoint ("latest" or a note file) whose signature verifies with --log-vkey: only the events after it are read and verified before the first append, not the aggregates' whole chains`)
	fs.StringVar(&f.vkey, "log-vkey", "", "the transparency log's verifier key, or a file holding it, for --checkpoint")
}

// check validates the flags before anything connects: both or neither, and a note file that
// exists (or latest).
func (f trustFlags) check() error {
	switch {
	case f.checkpoint == "" && f.vkey == "":
		return nil
	case f.checkpoint == "":
		return badInputf("--log-vkey: give the checkpoint to start from with --checkpoint latest|FILE")
	case f.vkey == "":
		return badInputf("--checkpoint %s: give the log's key with --log-vkey (heads are taken from a checkpoint only when its signature verifies)", f.checkpoint)
	}
	if f.checkpoint != "latest" {
		if st, err := os.Stat(f.checkpoint); err != nil || st.IsDir() {
			return badInputf("--checkpoint %q: want latest or a checkpoint note file (jetdag log show > FILE)", f.checkpoint)
		}
	}
	if _, err := readVerifier("--log-vkey", f.vkey); err != nil {
		return err
	}
	return nil
}

// apply opens the checkpoint (its signature, state block and last leaf checked, as tail
// --checkpoint does) and makes its heads es's starting point. Without the flags it does nothing.
func (f trustFlags) apply(ctx context.Context, e *env, es *store.JetStreamEvents) error {
	if f.checkpoint == "" {
		return nil
	}
	v, err := readVerifier("--log-vkey", f.vkey)
	if err != nil {
		return err
	}
	s, err := e.openLog(ctx, translog.Config{Verifier: v})
	if err != nil {
		return err
	}
	defer s.close()
	cp, rp, err := OpenResumePoint(ctx, s.log, v, f.checkpoint)
	if err != nil {
		return err
	}
	es.TrustHeads(rp)
	e.logger.Info("heads start from a checkpoint", "size", cp.N, "seq", rp.Seq, "aggregates", len(rp.Heads))
	return nil
}
