package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/translog"
)

// ViewOptions are the view command's flags.
type ViewOptions struct {
	Demo       bool   // add the built-in order-domain workload
	Store      string // the embedded server's store directory
	Kiosk      bool   // fullscreen, cursor hidden, fit and follow by itself
	MaxNodes   int    // 0: unbounded
	Screenshot string // write a PNG of frame Frames, then exit
	Frames     int    // frames to render before exiting (with Screenshot: default 60)
	Width      int
	Height     int
	ColorBy    string        // kind, aggregate or type
	Layout     string        // force or lanes
	Until      uint64        // 0, or show the store as it was at this stream sequence
	UntilTime  int64         // 0, or show the events stamped up to this time (Unix ns), in stream order
	Replay     float64       // 0, or play the held events from the oldest at this speed (1 to 1000× event time)
	Loop       bool          // with Replay: start again at the oldest after the newest
	ReplayLast time.Duration // with Replay: start this long before the newest event (0: at the oldest held)
	Metrics    string        // serve Prometheus metrics on this address
	Replicas   int           // replicas of the stream, index and bucket when the viewer creates them
	LogVKey    string        // the transparency log's verifier key (or a file holding it): checkpoints are verified
	At         string        // explore mode: open on this CID or aggregate's head and its neighbourhood, no replay
	Depth      int           // explore mode: fetch the neighbours up to this many hops from At
	// Checkpoint, when set ("latest" or a note file), starts the window after that
	// checkpoint of the log (its signature checked with LogVKey, its state block against it)
	// instead of replaying the whole stream: only what follows is verified and shown, with
	// the aggregates' heads at the checkpoint.
	Checkpoint string
	// WitnessVKeys are witnesses' cosignature verifier keys (or files): the status bar counts
	// only their verified cosignatures (without: every cosignature, shown unverified).
	WitnessVKeys []string
}

// ViewRequest is everything the window needs from the command line.
type ViewRequest struct {
	Options ViewOptions
	// Conn is the connection the global flags describe; NATSGiven reports whether --nats or
	// $NATS_URL named a server (otherwise the viewer starts an embedded one).
	Conn      store.ConnConfig
	NATSGiven bool
	Logger    *slog.Logger
	Stdout    io.Writer
	// FrameBench, when set, asks for `jetdag bench frame` instead of the view (Options unused).
	FrameBench *FrameBenchRequest
}

// Viewer opens the window. The jetdag binary has none (it stays free of the window system,
// so it runs on headless servers) and hands `view` to the jetdag-view binary, which has one.
type Viewer func(ctx context.Context, r ViewRequest) error

// ViewerBinary is the name of the binary that holds the window.
const ViewerBinary = "jetdag-view"

func newViewCmd(e *env) *cobra.Command {
	var o ViewOptions
	cmd := &cobra.Command{
		Use:   "view",
		Short: "Open the live Merkle DAG window (what jetdag runs with no command)",
		Long: `Open a window that shows the store's Merkle DAG live: events as diamonds, objects as
circles (values) and squares (files), rejected messages as red warning triangles.

Without --nats it starts an embedded NATS server on 127.0.0.1:4222 (another port when that
one is taken) storing in --store, so that "jetdag append" from another terminal shows up
live. Press h in the window for the keys; docs/visualizer.md has the whole story.

With --screenshot FILE it renders --frames frames (default 60), writes FILE as a PNG,
prints {"screenshot":FILE,"frames":N,...} (what it drew) and exits: for CI under Xvfb and for bug reports.`,
		Example: `  jetdag view --demo
  jetdag view --nats nats://wall:4222 --kiosk --max-nodes 20000
  xvfb-run -a jetdag view --demo --screenshot dag.png --frames 300`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	f := cmd.Flags()
	f.BoolVar(&o.Demo, "demo", false, "add the built-in demo workload (orders, payments, shipments)")
	f.StringVar(&o.Store, "store", "", "store directory of the embedded server (default: the user's data directory)")
	f.BoolVar(&o.Kiosk, "kiosk", false, "fullscreen, cursor hidden, fit and follow automatically")
	f.IntVar(&o.MaxNodes, "max-nodes", 0, "keep at most N nodes, retiring the oldest (0: unbounded)")
	f.StringVar(&o.Screenshot, "screenshot", "", "render --frames frames, write this PNG file and exit")
	f.IntVar(&o.Frames, "frames", 0, "frames to render before exiting (default 60 with --screenshot; 0 without: run until closed)")
	f.IntVar(&o.Width, "width", 1280, "window width in pixels")
	f.IntVar(&o.Height, "height", 800, "window height in pixels")
	f.StringVar(&o.ColorBy, "color-by", "kind", "colour events by kind, aggregate or type (the c key cycles)")
	f.Var(untilFlag{&o}, "until", "show the store as it was at stream sequence SEQ or time TIME (RFC 3339): no later event, no object made after it, no live updates")
	f.Float64Var(&o.Replay, "replay", 0, "play the store's history from the oldest held event at SPEED times real event time (1 to 1000; the timeline bar, p and , . keys)")
	f.BoolVar(&o.Loop, "loop", false, "with --replay: start again at the oldest event after the newest (a kiosk's movie)")
	f.DurationVar(&o.ReplayLast, "replay-last", 0, "with --replay: start (and loop) this long before the newest event, e.g. 1h (default: at the oldest event held)")
	f.StringVar(&o.Layout, "layout", "force", "place nodes by force or in lanes, one row per aggregate (the v key switches)")
	f.StringVar(&o.Metrics, "metrics", "", "serve Prometheus metrics (the store's and the window's bridge lag) on HOST:PORT")
	f.IntVar(&o.Replicas, "replicas", 1, "replicas of the event stream, index and object bucket when the viewer creates them (on a cluster: 3)")
	f.StringVar(&o.At, "at", "", "explore mode: open on this event or object CID, or this aggregate's head, and its neighbourhood, without replaying the stream (double-click a + node for more)")
	f.IntVar(&o.Depth, "depth", DefaultExploreDepth, "explore mode: fetch the nodes up to N hops (chain, parents, children, links) from --at")
	f.StringVar(&o.LogVKey, "log-vkey", "", "the transparency log's verifier key, or a file holding it: the status bar shows checkpoints verified (without: unverified)")
	f.StringVar(&o.Checkpoint, "checkpoint", "", `start after a checkpoint ("latest" or a note file) whose signature verifies with --log-vkey, from its state block: only what follows is replayed and verified, shown with the aggregates' heads at the checkpoint`)
	f.StringArrayVar(&o.WitnessVKeys, "witness-vkey", nil, "a witness's cosignature verifier key, or a file holding it: the status bar counts the witnesses whose cosignatures verify (repeatable; without: counted unverified)")
	return cmd
}

// run checks the flags and opens the window: in-process when the binary has one, otherwise
// through the jetdag-view binary.
func (o *ViewOptions) run(ctx context.Context, e *env) error {
	if err := o.check(); err != nil {
		return err
	}
	if err := e.conn.check(); err != nil {
		return err
	}
	if e.viewer != nil {
		return e.viewer(ctx, ViewRequest{Options: *o, Conn: e.connConfig(), NATSGiven: e.conn.urlSet, Logger: e.logger, Stdout: e.stdout})
	}
	return e.execViewer(ctx)
}

// ReadLogVerifier parses view --log-vkey: a verifier key, or a file holding one.
func ReadLogVerifier(value string) (note.Verifier, error) { return readVerifier("--log-vkey", value) }

// ReadWitnessVerifiers parses view --witness-vkey: cosignature verifier keys, or files
// holding them.
func ReadWitnessVerifiers(values []string) ([]note.Verifier, error) {
	var out []note.Verifier
	for _, w := range values {
		v, err := readWitnessVerifier("--witness-vkey", w)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// rootRunsView makes the bare root command (jetdag with no command) run the view with the
// view's flags.
func rootRunsView(root *cobra.Command, e *env) {
	v := newViewCmd(e)
	root.Flags().AddFlagSet(v.Flags())
	root.Args = cobra.NoArgs
	root.RunE = v.RunE
}

// untilFlag reads --until SEQ|TIME into ViewOptions.Until or UntilTime.
type untilFlag struct{ o *ViewOptions }

func (f untilFlag) String() string {
	if f.o == nil {
		return ""
	}
	switch {
	case f.o.UntilTime != 0:
		return time.Unix(0, f.o.UntilTime).UTC().Format(time.RFC3339Nano)
	case f.o.Until != 0:
		return strconv.FormatUint(f.o.Until, 10)
	}
	return ""
}

func (f untilFlag) Set(v string) error {
	if n, err := strconv.ParseUint(v, 10, 64); err == nil && n > 0 {
		f.o.Until, f.o.UntilTime = n, 0
		return nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		f.o.Until, f.o.UntilTime = 0, t.UnixNano()
		return nil
	}
	return fmt.Errorf("want a stream sequence (1 or more) or an RFC 3339 time such as 2026-03-01T12:00:00Z")
}

func (untilFlag) Type() string { return "SEQ|TIME" }

// DefaultExploreDepth is view --depth when it is not given.
const DefaultExploreDepth = 2

// LooksLikeCID reports whether s was meant as a CID: a multibase base32 CIDv1 ("baf…", cut
// short or not) or a base58 CIDv0 ("Qm…", 46 characters or more). --at takes such a value
// only as a well-formed CIDv1 (never as an aggregate ID), so that a CID mangled when pasted is
// bad input before anything opens, whatever the store holds.
func LooksLikeCID(s string) bool {
	return len(s) >= 8 && strings.HasPrefix(s, "baf") || len(s) >= 46 && strings.HasPrefix(s, "Qm")
}

// checkAt validates the explore flags: --at must be a CID or an aggregate ID (whether it is
// stored is for the viewer to find out), and explores the store as it is, so it does not mix
// with the flags that replay it or write to it.
func (o ViewOptions) checkAt() error {
	if o.Depth < 0 {
		return badInputf("--depth %d: want 0 (the node alone) or more", o.Depth)
	}
	if o.At == "" {
		return nil
	}
	if _, err := block.ParseCID(o.At); err != nil {
		if LooksLikeCID(o.At) {
			return badInputf("--at %q is not a well-formed CID (%w)", o.At, err)
		}
		if verr := store.ValidateName("aggregate ID", o.At); verr != nil {
			return badInputf("--at %q: neither a CID (%w) nor an aggregate ID (%w)", o.At, err, verr)
		}
	}
	switch {
	case o.Until != 0 || o.UntilTime != 0:
		return badInputf("--at explores the store as it is now, around one node, without replaying it: it does not take --until")
	case o.Replay != 0:
		return badInputf("--at fetches one node's neighbourhood, not the stream's history: it does not take --replay (the timeline plays what a full view holds)")
	case o.Demo:
		return badInputf("--at explores what is stored; --demo writes new events: run the demo first, then view --at")
	}
	return nil
}

// checkCheckpoint validates --checkpoint: it needs the log's key, a note file that exists
// (or latest), and shows the store as it is now.
func (o ViewOptions) checkCheckpoint() error {
	switch {
	case o.Checkpoint == "":
		return nil
	case o.LogVKey == "":
		return badInputf("--checkpoint %s: give the log's key with --log-vkey (a checkpoint is resumed from only when its signature verifies)", o.Checkpoint)
	case o.At != "":
		return badInputf("--checkpoint resumes the stream's feed; --at explores one node without it: give one of them")
	case o.Until != 0 || o.UntilTime != 0:
		return badInputf("--checkpoint shows the store from a checkpoint on; --until shows it as it was: give one of them")
	}
	if o.Checkpoint != "latest" {
		if st, err := os.Stat(o.Checkpoint); err != nil || st.IsDir() {
			return badInputf("--checkpoint %q: want latest or a checkpoint note file (jetdag log show > FILE)", o.Checkpoint)
		}
		// The note's own checks need no store: a malformed note or one another key signed is
		// refused here, before any window or connection.
		v, err := ReadLogVerifier(o.LogVKey)
		if err != nil {
			return err
		}
		data, err := readKeyFile("--checkpoint", o.Checkpoint)
		if err != nil {
			return err
		}
		if _, err := translog.OpenCheckpoint(data, v); err != nil {
			return resumeErr(o.Checkpoint, err)
		}
	}
	return nil
}

// check validates the flags before anything starts.
func (o ViewOptions) check() error {
	if err := o.checkAt(); err != nil {
		return err
	}
	if o.LogVKey != "" {
		if _, err := ReadLogVerifier(o.LogVKey); err != nil {
			return err
		}
	}
	if _, err := ReadWitnessVerifiers(o.WitnessVKeys); err != nil {
		return err
	}
	if err := o.checkCheckpoint(); err != nil {
		return err
	}
	switch o.ColorBy {
	case "", "kind", "aggregate", "type":
	default:
		return badInputf("--color-by %q: want kind, aggregate or type", o.ColorBy)
	}
	switch o.Layout {
	case "", "force", "lanes":
	default:
		return badInputf("--layout %q: want force or lanes", o.Layout)
	}
	switch {
	case o.Replay != 0 && !(o.Replay >= 1 && o.Replay <= 1000):
		return badInputf("--replay %v: want a speed from 1 to 1000 (times real event time)", o.Replay)
	case o.Loop && o.Replay == 0:
		return badInputf("--loop: only with --replay SPEED")
	case o.ReplayLast < 0 || o.ReplayLast > 0 && o.Replay == 0:
		return badInputf("--replay-last %v: want a duration above 0, with --replay SPEED", o.ReplayLast)
	case o.Replicas < 1 || o.Replicas > 5:
		return badInputf("--replicas %d: want 1 to 5", o.Replicas)
	case o.MaxNodes < 0:
		return badInputf("--max-nodes %d: want 0 (unbounded) or more", o.MaxNodes)
	case o.Frames < 0:
		return badInputf("--frames %d: want 0 or more", o.Frames)
	case o.Width < 100 || o.Height < 100 || o.Width > 16384 || o.Height > 16384:
		return badInputf("--width %d --height %d: want 100 to 16384 pixels each", o.Width, o.Height)
	}
	if o.Metrics != "" {
		if _, port, err := net.SplitHostPort(o.Metrics); err != nil || port == "" {
			return badInputf("--metrics %q: want HOST:PORT, e.g. 127.0.0.1:9090", o.Metrics)
		}
	}
	if o.Store != "" {
		if st, err := os.Stat(o.Store); err == nil && !st.IsDir() {
			return badInputf("--store %q is a file: want a directory for the embedded server's data", o.Store)
		}
	}
	if o.Screenshot != "" {
		if filepath.Ext(o.Screenshot) != ".png" {
			return badInputf("--screenshot %q: the file name must end in .png", o.Screenshot)
		}
		if st, err := os.Stat(filepath.Dir(o.Screenshot)); err != nil || !st.IsDir() {
			return badInputf("--screenshot %q: its directory does not exist", o.Screenshot)
		}
	}
	return nil
}

// findViewer looks for the viewer binary beside this executable, then on PATH.
func findViewer() (string, error) {
	name := ViewerBinary
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if self, err := os.Executable(); err == nil {
		cand := filepath.Join(filepath.Dir(self), name)
		if st, err := os.Stat(cand); err == nil && !st.IsDir() {
			return cand, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("the window lives in the %s binary, which is neither beside jetdag nor on PATH: "+
		"build it with `make build` or `go install github.com/jetdag/jetdag/cmd/jetdag-view@latest`", ViewerBinary)
}

// execViewer runs the viewer binary with this invocation's arguments and returns its exit code.
func (e *env) execViewer(ctx context.Context) error {
	if runtime.GOOS != "windows" && runtime.GOOS != "darwin" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set); " +
			"on a headless machine run it under xvfb-run, e.g. xvfb-run -a jetdag view --screenshot dag.png --frames 300")
	}
	bin, err := findViewer()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, e.args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.stdin, e.stdout, e.stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		var xe *exec.ExitError
		if errors.As(err, &xe) && xe.ExitCode() > 0 {
			return &ExitError{Code: xe.ExitCode(), Err: silentError{fmt.Errorf("%s exited with code %d", ViewerBinary, xe.ExitCode())}}
		}
		return fmt.Errorf("run %s: %w", bin, err)
	}
	return nil
}
