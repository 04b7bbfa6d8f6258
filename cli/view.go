package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/spf13/cobra"

	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/systems"
)

// viewOptions are the view command's flags.
type viewOptions struct {
	Demo       bool   // add the built-in order-domain workload
	Store      string // the embedded server's store directory
	Kiosk      bool   // fullscreen, cursor hidden, fit and follow by itself
	MaxNodes   int    // 0: unbounded
	Screenshot string // write a PNG of frame Frames, then exit
	Frames     int    // frames to render before exiting (with Screenshot: default 60)
	Width      int
	Height     int
	ColorBy    string // kind, aggregate or type
}

// payloadSource is implemented by a view source that can fetch the payload of an event (or
// the data of an object) for the inspector.
type payloadSource interface {
	Payload(ctx context.Context, c cid.Cid) ([]byte, error)
}

func newViewCmd(e *env) *cobra.Command {
	var o viewOptions
	cmd := &cobra.Command{
		Use:   "view",
		Short: "Open the live Merkle DAG window (what jetdag runs with no command)",
		Long: `Open a window that shows the store's Merkle DAG live: events as diamonds, objects as
circles (values) and squares (files), rejected messages as red warning triangles.

Without --nats it starts an embedded NATS server on 127.0.0.1:4222 (another port when that
one is taken) storing in --store, so that "jetdag append" from another terminal shows up
live. Press h in the window for the keys; docs/visualizer.md has the whole story.

With --screenshot FILE it renders --frames frames (default 60), writes FILE as a PNG,
prints {"screenshot":FILE,"frames":N} and exits: for CI under Xvfb and for bug reports.`,
		Example: `  jetdag view --demo
  jetdag view --nats nats://wall:4222 --kiosk --max-nodes 20000
  xvfb-run -a jetdag view --demo --screenshot dag.png --frames 300`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runView(cmd.Context(), e, o)
		},
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
	return cmd
}

// rootRunsView makes the bare root command (jetdag with no command) run the view with the
// view's flags.
func rootRunsView(root *cobra.Command, e *env) {
	v := newViewCmd(e)
	root.Flags().AddFlagSet(v.Flags())
	root.Args = cobra.NoArgs
	root.RunE = v.RunE
}

// check validates the flags before anything starts.
func (o viewOptions) check() (systems.ColorMode, error) {
	mode, err := systems.ParseColorMode(o.ColorBy)
	if err != nil {
		return 0, badInputf("--color-by: %w", err)
	}
	switch {
	case o.MaxNodes < 0:
		return 0, badInputf("--max-nodes %d: want 0 (unbounded) or more", o.MaxNodes)
	case o.Frames < 0:
		return 0, badInputf("--frames %d: want 0 or more", o.Frames)
	case o.Width < 100 || o.Height < 100 || o.Width > 16384 || o.Height > 16384:
		return 0, badInputf("--width %d --height %d: want 100 to 16384 pixels each", o.Width, o.Height)
	}
	if o.Screenshot != "" {
		if filepath.Ext(o.Screenshot) != ".png" {
			return 0, badInputf("--screenshot %q: the file name must end in .png", o.Screenshot)
		}
		if st, err := os.Stat(filepath.Dir(o.Screenshot)); err != nil || !st.IsDir() {
			return 0, badInputf("--screenshot %q: its directory does not exist", o.Screenshot)
		}
	}
	return mode, nil
}

func runView(ctx context.Context, e *env, o viewOptions) error {
	mode, err := o.check()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	src, closeSrc, err := openViewSource(ctx, e, o)
	if err != nil {
		return err
	}
	if closeSrc == nil {
		closeSrc = func() {}
	}
	defer closeSrc()

	bridge := ecs.NewBridge(0)
	graph := ecs.NewGraph(ecs.Config{MaxNodes: o.MaxNodes}, bridge)
	graph.Start(ctx)
	opts := ecs.GameOptions{
		Width: o.Width, Height: o.Height, Kiosk: o.Kiosk, ColorBy: mode,
		Screenshot: o.Screenshot, Frames: o.Frames, Logger: e.logger,
	}
	if ps, ok := src.(payloadSource); ok {
		opts.Fetch = ps.Payload
	}
	game, err := ecs.NewGame(ctx, graph, opts)
	if err != nil {
		return err
	}

	// The source feeds the bridge on its own goroutine; it ends with ctx. A kiosk never
	// exits on a source error: the window stays up and says so in the status bar.
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		if src == nil {
			return
		}
		if err := bridge.Run(ctx, src); err != nil && ctx.Err() == nil {
			e.logger.Error("the view's source stopped", "err", err)
		}
	}()
	runErr := game.Run()
	cancel()
	select {
	case <-fed:
	case <-time.After(5 * time.Second):
		e.logger.Warn("the view's source did not stop within 5 s of the window closing")
	}
	if runErr != nil {
		return runErr
	}
	if o.Screenshot != "" {
		if !game.ScreenshotWritten() {
			return fmt.Errorf("the window closed after %d frames, before the screenshot frame", game.Frames())
		}
		out, err := json.Marshal(struct {
			Screenshot string `json:"screenshot"`
			Frames     int    `json:"frames"`
		}{o.Screenshot, game.Frames()})
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(e.stdout, "%s\n", out); err != nil {
			return err
		}
	}
	return nil
}
