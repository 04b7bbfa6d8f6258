package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/jetdag/jetdag/layout"
)

// benchLayoutResult is the JSON line `jetdag bench layout` prints.
type benchLayoutResult struct {
	MsPerTick  float64 `json:"ms_per_tick"`
	Nodes      int     `json:"nodes"`
	Edges      int     `json:"edges"`
	Ticks      int     `json:"ticks"`
	Theta      float64 `json:"theta"`
	Workers    int     `json:"workers"`
	MedianEdge float64 `json:"median_edge"` // after the last tick, to compare layouts, not just speed
}

// benchLayoutOptions are bench layout's flags; generateSet says whether --generate was given.
type benchLayoutOptions struct {
	graphFile, out string
	ticks, workers int
	generate       int
	theta          float64
	seed           int64
	generateSet    bool
}

func newBenchLayoutCmd(e *env) *cobra.Command {
	var o benchLayoutOptions
	cmd := &cobra.Command{
		Use:   "layout --graph FILE [--ticks N] [--theta T] | --generate N --out FILE",
		Short: "Time the force layout on a graph file (compare with bench/d3-layout.mjs)",
		Long: `bench layout loads the graph FILE ({"nodes": N, "edges": [[from, to], ...]}) into the
force layout, runs --ticks ticks from d3's initial spiral, and prints
{"ms_per_tick", "nodes", "edges", "ticks", "theta", "workers", "median_edge"}. Every tick computes
every force, as d3-force's simulation.tick() does, so the figure compares with
bench/d3-layout.mjs on the same file (bench/layout.sh runs both).

With --generate N it instead writes a synthetic Merkle-DAG graph of N nodes to --out (chains of
20-50 events per aggregate, about 30% cross-parent edges, seeded by --seed) and prints
{"generated", "nodes", "edges"}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.generateSet = cmd.Flags().Changed("generate")
			return o.run(cmd.Context(), e)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.graphFile, "graph", "", "graph file to lay out (JSON {\"nodes\": N, \"edges\": [[from, to], ...]})")
	f.IntVar(&o.ticks, "ticks", 100, "ticks to run")
	f.Float64Var(&o.theta, "theta", 0.9, "Barnes-Hut opening angle")
	f.IntVar(&o.workers, "workers", 0, "goroutines for the force pass (0 = all cores)")
	f.IntVar(&o.generate, "generate", 0, "write a synthetic Merkle-DAG graph of this many nodes to --out instead")
	f.StringVar(&o.out, "out", "", "file --generate writes (- for stdout)")
	f.Int64Var(&o.seed, "seed", 1, "seed of --generate")
	return cmd
}

func (o *benchLayoutOptions) run(_ context.Context, e *env) error {
	if o.generateSet {
		if o.graphFile != "" {
			return badInputf("--generate writes a graph, --graph reads one: give one of them")
		}
		if o.generate < 0 || o.generate > layout.MaxGraphNodes {
			return badInputf("--generate %d: want 0..%d nodes", o.generate, layout.MaxGraphNodes)
		}
		if o.out == "" {
			return badInputf("--generate needs --out FILE")
		}
		return writeSyntheticGraph(e, o.generate, o.seed, o.out)
	}
	if o.graphFile == "" {
		return badInputf("--graph FILE is required (make one with --generate N --out FILE)")
	}
	if o.ticks < 1 {
		return badInputf("--ticks %d: want at least 1", o.ticks)
	}
	if !(o.theta > 0) || math.IsInf(o.theta, 0) {
		return badInputf("--theta %g: want a positive number (d3's default is 0.9)", o.theta)
	}
	if err := checkBenchRanges(benchRange{flag: "--workers", v: o.workers, lo: 0, hi: maxLayoutWorkers, loMeaning: "all cores"}); err != nil {
		return err
	}
	g, err := readGraphFile(o.graphFile)
	if err != nil {
		return err
	}
	p := layout.DefaultParams()
	p.Theta, p.Workers = o.theta, o.workers
	// d3's tick() computes every force whatever alpha is; so must we for a fair figure.
	p.AlphaMin = 1e-300
	s := layout.New(p)
	g.Groups = nil // d3 knows no groups: start from the same spiral
	ids := g.Load(s, false)
	start := time.Now()
	for range o.ticks {
		s.Tick()
	}
	elapsed := time.Since(start)
	res := benchLayoutResult{
		MsPerTick:  float64(elapsed.Nanoseconds()) / 1e6 / float64(o.ticks),
		Nodes:      g.Nodes,
		Edges:      len(g.Edges),
		Ticks:      o.ticks,
		Theta:      o.theta,
		Workers:    s.Params().Workers,
		MedianEdge: medianEdge(s, g, ids),
	}
	return json.NewEncoder(e.stdout).Encode(res)
}

// readGraphFile reads a graph file; every problem with it is bad input (exit 2). A FIFO is
// opened without waiting for a writer (one nobody writes to reads as empty, not a hang).
func readGraphFile(path string) (layout.Graph, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return layout.Graph{}, badInput(fmt.Errorf("--graph: %w", err))
	}
	defer f.Close()
	g, err := layout.ReadGraph(f)
	if err != nil {
		if errors.Is(err, layout.ErrBadGraph) {
			return layout.Graph{}, badInput(fmt.Errorf("--graph %s: %w", path, err))
		}
		return layout.Graph{}, fmt.Errorf("--graph %s: %w", path, err)
	}
	return g, nil
}

func writeSyntheticGraph(e *env, n int, seed int64, path string) error {
	g := layout.Synthetic(n, seed)
	if path == "-" {
		return g.WriteJSON(e.stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return badInput(fmt.Errorf("--out: %w", err))
	}
	err = g.WriteJSON(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return json.NewEncoder(e.stdout).Encode(struct {
		Generated string `json:"generated"`
		Nodes     int    `json:"nodes"`
		Edges     int    `json:"edges"`
	}{path, g.Nodes, len(g.Edges)})
}

// medianEdge is the median length of the graph's edges in the layout.
func medianEdge(s *layout.Sim, g layout.Graph, ids []layout.NodeID) float64 {
	if len(g.Edges) == 0 {
		return 0
	}
	ls := make([]float64, len(g.Edges))
	for i, e := range g.Edges {
		a, b := s.Position(ids[e[0]]), s.Position(ids[e[1]])
		ls[i] = math.Hypot(a.X-b.X, a.Y-b.Y)
	}
	slices.Sort(ls)
	return ls[len(ls)/2]
}
