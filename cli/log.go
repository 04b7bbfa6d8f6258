// This file is `jetdag log`: keys, checkpoints and proofs of the transparency log
// (store/translog, docs/log.md).

package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/translog"
)

// logStores is what the log commands open.
type logStores struct {
	nc   *nats.Conn
	es   *store.JetStreamEvents
	objs *store.JetStreamObjects
	log  *translog.Log
}

func (s *logStores) close() { _ = s.nc.Drain() }

// openLog connects and opens the event store, the object store and the log.
func (e *env) openLog(ctx context.Context, cfg translog.Config) (*logStores, error) {
	nc, err := e.connect(ctx)
	if err != nil {
		return nil, err
	}
	s := &logStores{nc: nc}
	if s.es, err = store.OpenEvents(ctx, nc, store.EventStoreConfig{Logger: e.logger}); err != nil {
		nc.Close()
		return nil, err
	}
	if s.objs, err = store.OpenObjects(ctx, nc, store.ObjectStoreConfig{Logger: e.logger, EventExists: s.es.Exists}); err != nil {
		nc.Close()
		return nil, err
	}
	cfg.Logger = e.logger
	if s.log, err = translog.Open(ctx, nc, s.es, s.objs, cfg); err != nil {
		nc.Close()
		return nil, err
	}
	return s, nil
}

// logErr maps log errors to exit codes: malformed input 2, a failed check or a missing
// checkpoint 1.
func logErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, translog.ErrMalformed):
		return badInput(err)
	}
	return storeErr(err)
}

func proofJSON(p []tlog.Hash) []string {
	out := make([]string, len(p))
	for i, h := range p {
		out[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	return out
}

func newLogCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "log",
		Short: "The store's transparency log: keys, signed checkpoints, inclusion and consistency proofs",
		Long: `log manages the transparency log over the store's accepted events (docs/log.md): an
RFC 9162 Merkle tree whose leaves are the events' binary CIDs in stream order, stored as C2SP
tlog-tiles, with signed C2SP checkpoints on the stream event-checkpoints.`,
	}
	cmd.AddCommand(newLogKeygenCmd(e), newLogVkeyCmd(e), newLogCheckpointCmd(e), newLogShowCmd(e),
		newLogProveCmd(e), newLogConsistencyCmd(e))
	return cmd
}

// logKeygenOptions are log keygen's flags.
type logKeygenOptions struct {
	origin, out string
	witness     bool
}

func newLogKeygenCmd(e *env) *cobra.Command {
	var o logKeygenOptions
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Make an Ed25519 signer key (note format) for a log or a witness",
		Long: `keygen writes a new Ed25519 signer key in signed-note format (PRIVATE+KEY+…) to --out,
readable only by its owner (mode 0600; an existing file is never overwritten), and prints
{"vkey"}: the verifier key readers give to verify --vkey. --origin names the log (its
checkpoints' first line, e.g. orders.example.com/jetdag). With --witness the key is a witness's
and vkey is its C2SP tlog-cosignature verifier key.`,
		Example: `  jetdag log keygen --origin orders.example.com/jetdag --out log.key
  jetdag log keygen --witness --origin witness.example.org --out witness.key`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	cmd.Flags().StringVar(&o.origin, "origin", "", "the log's (or witness's) name, e.g. orders.example.com/jetdag (required)")
	cmd.Flags().StringVar(&o.out, "out", "", "file to write the signer key to (required; mode 0600)")
	cmd.Flags().BoolVar(&o.witness, "witness", false, "print the key's cosignature verifier key (for a witness)")
	_ = cmd.MarkFlagRequired("origin")
	return cmd
}

func (o *logKeygenOptions) run(_ context.Context, e *env) error {
	if o.out == "" {
		return badInputf("--out FILE is required")
	}
	if err := checkOrigin(o.origin); err != nil {
		return err
	}
	skey, vkey, err := translog.GenerateKey(nil, o.origin)
	if err != nil {
		return badInput(fmt.Errorf("--origin: %w", err))
	}
	if o.witness {
		if vkey, err = translog.CosignatureVerifierKey(skey); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(o.out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return badInput(fmt.Errorf("--out: %w", err))
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return writeJSON(e.stdout, map[string]string{"vkey": vkey})
}

// logVkeyOptions are log vkey's flags.
type logVkeyOptions struct {
	key     string
	witness bool
}

func newLogVkeyCmd(e *env) *cobra.Command {
	var o logVkeyOptions
	cmd := &cobra.Command{
		Use:   "vkey",
		Short: `Print {"vkey"}, the verifier key of a signer key file`,
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	cmd.Flags().StringVar(&o.key, "key", "", "signer key file (required)")
	cmd.Flags().BoolVar(&o.witness, "witness", false, "the cosignature verifier key (for a witness's key)")
	return cmd
}

func (o *logVkeyOptions) run(_ context.Context, e *env) error {
	_, skey, err := readSigner("--key", o.key)
	if err != nil {
		return err
	}
	var vkey string
	if o.witness {
		vkey, err = translog.CosignatureVerifierKey(skey)
	} else {
		vkey, err = translog.VerifierKey(skey)
	}
	if err != nil {
		return badInput(err)
	}
	return writeJSON(e.stdout, map[string]string{"vkey": vkey})
}

func checkpointJSON(cp *translog.Checkpoint) map[string]any {
	return map[string]any{"size": cp.N, "root": cp.RootBase64(), "seq": cp.Seq, "state": cp.State.String()}
}

// logCheckpointOptions are log checkpoint's flags.
type logCheckpointOptions struct {
	key string
}

func newLogCheckpointCmd(e *env) *cobra.Command {
	var o logCheckpointOptions
	cmd := &cobra.Command{
		Use:   "checkpoint",
		Short: "Extend the log to the end of the stream and publish a signed checkpoint",
		Long: `checkpoint reads the stream from the latest checkpoint on, verifying every message as
verify does (a rejected message is no leaf), stores the new tiles and the state block (every
aggregate's head), signs a checkpoint note with --key and publishes it on event.checkpoint.
It prints {"size", "root", "seq", "state", "published"}; published is false when the log had
not grown or another checkpointer published the same size first (only one checkpoint of each
size is ever stored). Exit 1 when the stream no longer agrees with the stored log.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	cmd.Flags().StringVar(&o.key, "key", "", "the log's signer key file (required)")
	return cmd
}

func (o *logCheckpointOptions) run(ctx context.Context, e *env) error {
	signer, _, err := readSigner("--key", o.key)
	if err != nil {
		return err
	}
	s, err := e.openLog(ctx, translog.Config{Signer: signer})
	if err != nil {
		return err
	}
	defer s.close()
	res, err := s.log.Checkpoint(ctx)
	if err != nil {
		return logErr(err)
	}
	out := checkpointJSON(res.Checkpoint)
	out["published"] = res.Published
	return writeJSON(e.stdout, out)
}

// openLogAt opens the log (its notes checked with vkey when one is given) and reads the
// checkpoint of tree size n, given with sizeFlag (the latest when n is -1, the flag's
// default): the start of every command that reads a checkpoint. The caller closes the stores.
func (e *env) openLogAt(ctx context.Context, vkey, sizeFlag string, n int64) (*logStores, *translog.Checkpoint, error) {
	if n < -1 {
		return nil, nil, badInputf("%s %d: want a tree size, 0 or more (without it: the latest)", sizeFlag, n)
	}
	cfg, err := readerConfig(vkey)
	if err != nil {
		return nil, nil, err
	}
	s, err := e.openLog(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	cp, err := checkpointAt(ctx, s.log, n)
	if err != nil {
		s.close()
		return nil, nil, logErr(err)
	}
	return s, cp, nil
}

// checkpointAt returns the checkpoint of size n, or the latest when n < 0.
func checkpointAt(ctx context.Context, l *translog.Log, n int64) (*translog.Checkpoint, error) {
	if n < 0 {
		return l.Latest(ctx)
	}
	return l.BySize(ctx, n)
}

// readerConfig is the log configuration of a reading command: with --vkey every checkpoint
// read must verify.
func readerConfig(vkey string) (translog.Config, error) {
	if vkey == "" {
		return translog.Config{}, nil
	}
	v, err := readVerifier("--vkey", vkey)
	if err != nil {
		return translog.Config{}, err
	}
	return translog.Config{Verifier: v}, nil
}

// logShowOptions are log show's flags.
type logShowOptions struct {
	size int64
	vkey string
}

func newLogShowCmd(e *env) *cobra.Command {
	var o logShowOptions
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the signed note of the latest checkpoint (or that of --size N), as text",
		Long: `show prints the checkpoint note exactly as stored (the text, a blank line and the
signature lines), ready to be saved and given to verify --checkpoint later. With --vkey the
note must verify with that key (exit 1 otherwise).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	cmd.Flags().Int64Var(&o.size, "size", -1, "the checkpoint of this tree size (default: the latest)")
	cmd.Flags().StringVar(&o.vkey, "vkey", "", "check the note's signature with this verifier key (or file)")
	return cmd
}

func (o *logShowOptions) run(ctx context.Context, e *env) error {
	s, cp, err := e.openLogAt(ctx, o.vkey, "--size", o.size)
	if err != nil {
		return err
	}
	defer s.close()
	_, err = e.stdout.Write(cp.Note)
	return err
}

// logProveOptions are log prove's flags.
type logProveOptions struct {
	size int64
	vkey string
}

func newLogProveCmd(e *env) *cobra.Command {
	var o logProveOptions
	cmd := &cobra.Command{
		Use:   "prove CID",
		Short: "Print an RFC 9162 inclusion proof of an event in a checkpoint's tree",
		Long: `prove prints {"index", "size", "root", "proof": [base64…]}: the event's leaf index and
its inclusion proof in the tree of the checkpoint of --size N (default the latest), checked
against that checkpoint's root before it is printed. Exit 1 when the CID is no leaf (not an
event, rejected by verification, or later than the checkpoint).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), e, args[0]) },
	}
	cmd.Flags().Int64Var(&o.size, "size", -1, "prove against the checkpoint of this tree size (default: the latest)")
	cmd.Flags().StringVar(&o.vkey, "vkey", "", "check the checkpoint's signature with this verifier key (or file)")
	return cmd
}

func (o *logProveOptions) run(ctx context.Context, e *env, arg string) error {
	c, err := parseCIDArg("CID", arg)
	if err != nil {
		return err
	}
	s, cp, err := e.openLogAt(ctx, o.vkey, "--size", o.size)
	if err != nil {
		return err
	}
	defer s.close()
	i, p, err := s.log.Prove(ctx, cp, c)
	if err != nil {
		return logErr(err)
	}
	return writeJSON(e.stdout, map[string]any{"index": i, "size": cp.N, "root": cp.RootBase64(), "proof": proofJSON(p)})
}

// logConsistencyOptions are log consistency's flags.
type logConsistencyOptions struct {
	from, to int64
	vkey     string
}

func newLogConsistencyCmd(e *env) *cobra.Command {
	var o logConsistencyOptions
	cmd := &cobra.Command{
		Use:   "consistency",
		Short: "Print an RFC 9162 consistency proof between two tree sizes",
		Long: `consistency prints {"from", "to", "from_root", "to_root", "proof": [base64…]}: the proof that
the tree of size --from is a prefix of the checkpoint of size --to (default the latest).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	cmd.Flags().Int64Var(&o.from, "from", -1, "the older tree size (required)")
	cmd.Flags().Int64Var(&o.to, "to", -1, "the checkpoint's tree size (default: the latest)")
	cmd.Flags().StringVar(&o.vkey, "vkey", "", "check the checkpoint's signature with this verifier key (or file)")
	return cmd
}

func (o *logConsistencyOptions) run(ctx context.Context, e *env) error {
	if o.from < 0 {
		return badInputf("--from N is required (a tree size, 0 or more)")
	}
	if o.to >= 0 && o.from > o.to {
		return badInputf("--from %d is beyond --to %d: the older tree comes first", o.from, o.to)
	}
	s, cp, err := e.openLogAt(ctx, o.vkey, "--to", o.to)
	if err != nil {
		return err
	}
	defer s.close()
	if o.from > cp.N {
		return badInputf("--from %d is beyond the checkpoint's size %d", o.from, cp.N)
	}
	p, old, err := s.log.Consistency(ctx, cp, o.from)
	if err != nil {
		return logErr(err)
	}
	return writeJSON(e.stdout, map[string]any{"from": o.from, "to": cp.N,
		"from_root": base64.StdEncoding.EncodeToString(old[:]), "to_root": cp.RootBase64(), "proof": proofJSON(p)})
}
