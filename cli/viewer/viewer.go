package viewer

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/render"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storemetrics"
	"github.com/jetdag/jetdag/systems"
)

// Run opens the window for a view request and returns when it closes (or, with a
// screenshot, once the PNG is written). It is the cli.Viewer of the jetdag-view binary.
func Run(ctx context.Context, r cli.ViewRequest) error {
	tuneGC()
	if r.FrameBench != nil {
		return benchFrame(r)
	}
	o := r.Options
	mode, err := components.ParseColorMode(o.ColorBy)
	if err != nil {
		return &cli.ExitError{Code: cli.ExitBadInput, Err: fmt.Errorf("--color-by: %w", err)}
	}
	lay, err := components.ParseLayoutMode(o.Layout)
	if err != nil {
		return &cli.ExitError{Code: cli.ExitBadInput, Err: fmt.Errorf("--layout: %w", err)}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	src, closeSrc, err := openSource(ctx, r)
	if err != nil {
		return err
	}
	defer closeSrc()
	// Explore mode (--at) swaps the replaying source for one that fetches a neighbourhood;
	// what --at names is looked up now, before any window opens.
	var feed ecs.Source = src
	var expand systems.Expander
	if o.At != "" {
		ex, err := newExploreSource(ctx, src, o.At, o.Depth, o.MaxNodes)
		if err != nil {
			return err
		}
		feed, expand = ex, ex.Request
	}

	bridge := ecs.NewBridge(0)
	if o.Metrics != "" {
		lag := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "jetdag_view_bridge_lag", Help: "Messages waiting in the window's bridge channel.",
		}, func() float64 { return float64(bridge.Lag()) })
		addr, err := storemetrics.Serve(ctx, o.Metrics, src.nc, r.Logger, lag)
		if err != nil {
			return &cli.ExitError{Code: cli.ExitBadInput, Err: err}
		}
		r.Logger.Info("metrics", "url", "http://"+addr+"/metrics")
	}
	// A resumed feed (--checkpoint) points at blocks from before the checkpoint that are
	// never sent: its nodes enter at once, like explore mode's, instead of waiting for them.
	graph := ecs.NewGraph(ecs.Config{MaxNodes: o.MaxNodes, Partial: o.At != "" || o.Checkpoint != ""}, bridge)
	graph.Start(ctx)
	game, err := render.NewGame(ctx, graph, render.GameOptions{
		Width: o.Width, Height: o.Height, Kiosk: o.Kiosk, ColorBy: mode, Layout: lay, Until: untilShown(o), Replay: o.Replay, Loop: o.Loop, ReplayLast: o.ReplayLast,
		Screenshot: o.Screenshot, Frames: o.Frames, Logger: r.Logger, Fetch: src.Payload, Prove: src.Prove, Expand: expand, FramesFromCaughtUp: o.At != "",
	})
	if err != nil {
		return err
	}

	// The source feeds the bridge on its own goroutine and ends with ctx. A kiosk never
	// exits on a source error: the source keeps reconnecting and the status bar says so.
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		if err := bridge.Run(ctx, feed); err != nil && ctx.Err() == nil {
			r.Logger.Error("the view's source stopped", "err", err)
		}
	}()
	runErr := game.Run()
	cancel()
	select {
	case <-fed:
	case <-time.After(5 * time.Second):
		r.Logger.Warn("the view's source did not stop within 5 s of the window closing")
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
			render.Summary
		}{o.Screenshot, game.Frames(), game.Summary()})
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(r.Stdout, "%s\n", out); err != nil {
			return err
		}
	}
	return nil
}

// Payload fetches what the inspector shows of a node, verified against its CID: an event's
// payload, or an object's data as DAG-CBOR.
func (s *storeSource) Payload(ctx context.Context, c cid.Cid) ([]byte, error) {
	if c.Type() == block.CodecDagCBOR {
		if ev, err := s.events.Get(ctx, c); err == nil {
			return ev.Payload, nil
		}
	}
	obj, err := s.objects.Get(ctx, c)
	if err != nil {
		return nil, err
	}
	return block.Encode(obj.Data)
}

// untilShown is what the status bar is told of --until: its sequence, or (for a time) the
// largest one, which the bar shows as "as of" the newest sequence reached.
func untilShown(o cli.ViewOptions) uint64 {
	if o.UntilTime != 0 {
		return math.MaxUint64
	}
	return o.Until
}

// WindowGOGC is the window's GC percentage (Go's default is 100): the heap may grow by half of
// what is live before the next collection instead of doubling. The window's live heap is
// mostly its world, scene and layout (1.1-1.5 KB a node at 100,000 nodes), so the default's
// headroom alone is about as big again; a settled or moving frame allocates next to nothing
// (about 0.1 MB), so the collections it adds are those of a replay's ingest and the layout's
// growth, not of drawing. Measured in docs/benchmarks.md ("Memory per node at 100,000 nodes").
const WindowGOGC = 50

// tuneGC sets WindowGOGC unless the GOGC environment variable chooses (GOGC=100 is Go's
// default, GOGC=off none). No memory limit is set: what the window needs grows with the store
// and --max-nodes, and a limit under the live heap would make the GC run without pause.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(WindowGOGC)
	}
}
