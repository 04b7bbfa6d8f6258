package cli

import (
	"context"

	"github.com/spf13/cobra"
)

// FrameBenchRequest asks the viewer for a frame benchmark instead of the live view
// (`jetdag bench frame`): the window binary draws a synthetic DAG of Nodes events and Edges
// edges and prints one JSON line to the request's Stdout.
type FrameBenchRequest struct {
	Nodes, Edges, Frames int
	// CPUProfile and MemProfile, when set, are files for pprof profiles of the view's
	// measured phases (not the reference): CPU over both, heap at the end.
	CPUProfile, MemProfile string
	// NoReference skips the 20k-diamond reference phase: the view then starts from the empty
	// window, as a real window does, and nothing the reference leaves in Ebiten's vertex pools
	// and the GL driver is counted against the nodes (reference_fps is 0).
	NoReference bool
}

// benchFrameOptions are bench frame's flags: the request handed to the viewer.
type benchFrameOptions struct {
	fb FrameBenchRequest
}

func newBenchFrameCmd(e *env) *cobra.Command {
	var o benchFrameOptions
	cmd := &cobra.Command{
		Use:   "frame [--nodes N] [--edges M] [--frames F]",
		Short: "Open the window and measure its frame rate on a synthetic DAG beside the 20k-diamond reference",
		Long: `bench frame opens the real window (the jetdag-view binary; under Xvfb on a headless
machine) and measures, in one run: the reference workload (20,000 diamonds in batched
triangles, about 30 FPS in software GL on a 2-core machine), then the window drawing N events
and M edges (per-aggregate chains plus cross parents, fitted on a 1280×800 screen, with labels,
inspector and HUD) standing still and with every node moving each frame, as while the layout
runs, then with the DAG's real force layout ticking on its own goroutines (paced as in the
window) and its positions copied in every frame (fps_layout). Vsync is off. Fitted, 10,000
nodes and more are small enough to be drawn zoomed out, as density pictures (nodes_density,
edges_density). It prints one JSON line:
{"nodes","edges","frames","fps_static","fps_moving","draw_calls","nodes_drawn","edges_drawn",
"nodes_density","edges_density","moving_update_ms","moving_draw_ms","fps_layout",
"layout_ticks","layout_ticks_per_s","reference_fps","target_fps_static","target_fps_moving",
"rss_reference_bytes","rss_bytes","rss_view_bytes","bytes_per_node",
"bytes_per_node_over_reference","bytes_per_node_view_over_reference","target_bytes_per_node",
"rss_window_bytes","bytes_per_node_over_window","bytes_per_node_view_over_window","memory",
"moving_cost"}: rss_window_bytes is the process's resident memory with the empty window open,
before the reference draws; rss_reference_bytes after the reference phase, before the DAG is
built; rss_view_bytes its peak before the layout phase, rss_bytes at the end; the per-node
figures count those peaks over the window or the reference. memory breaks each phase down (Go
heap live, free and released, the C side); moving_cost is a moving frame's CPU time, GC
cycles and allocations.
--cpuprofile and --memprofile write pprof profiles of the DAG's phases. --no-reference skips
the reference: the DAG is then built right after the empty window, as in a real window, so
bytes_per_node_view_over_window is what a drawn node costs there (the reference leaves 30-40 MB
in Ebiten's vertex pools and the GL driver that a real window never has); reference_fps is 0.`,
		Example: `  xvfb-run -a -s "-screen 0 1280x1024x24" jetdag bench frame --nodes 10000 --edges 13000
  xvfb-run -a -s "-screen 0 1280x1024x24" jetdag bench frame --nodes 100000 --edges 130000 --frames 60
  xvfb-run -a -s "-screen 0 1280x1024x24" jetdag bench frame --nodes 100000 --edges 130000 --frames 60 --no-reference`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	f := cmd.Flags()
	f.IntVar(&o.fb.Nodes, "nodes", 10000, "events to draw")
	f.IntVar(&o.fb.Edges, "edges", 13000, "edges to draw (chains first, then cross parents)")
	f.IntVar(&o.fb.Frames, "frames", 120, "frames measured in each phase (after 10 warm-up frames)")
	f.StringVar(&o.fb.CPUProfile, "cpuprofile", "", "write a pprof CPU profile of the view's measured phases to this file")
	f.StringVar(&o.fb.MemProfile, "memprofile", "", "write a pprof heap profile, taken at the end, to this file")
	f.BoolVar(&o.fb.NoReference, "no-reference", false, "skip the 20k-diamond reference (memory as in a real window; reference_fps 0)")
	return cmd
}

func (o *benchFrameOptions) run(ctx context.Context, e *env) error {
	switch {
	case o.fb.Nodes < 1 || o.fb.Nodes > 2_000_000:
		return badInputf("--nodes %d: want 1 to 2000000", o.fb.Nodes)
	case o.fb.Edges < 0 || o.fb.Edges > 4_000_000:
		return badInputf("--edges %d: want 0 to 4000000", o.fb.Edges)
	case o.fb.Frames < 1 || o.fb.Frames > 100_000:
		return badInputf("--frames %d: want 1 to 100000", o.fb.Frames)
	}
	for _, p := range [][2]string{{"--cpuprofile", o.fb.CPUProfile}, {"--memprofile", o.fb.MemProfile}} {
		if err := checkOutputFile(p[0], p[1]); err != nil {
			return err
		}
	}
	if e.viewer != nil {
		req := o.fb
		return e.viewer(ctx, ViewRequest{FrameBench: &req, Logger: e.logger, Stdout: e.stdout})
	}
	return e.execViewer(ctx)
}
