package viewer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/yohamta/donburi"
	donburiecs "github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/worldtest"
	"github.com/jetdag/jetdag/layout"
	"github.com/jetdag/jetdag/render"
	"github.com/jetdag/jetdag/systems"
)

// FrameBenchOptions sizes a frame benchmark.
type FrameBenchOptions struct {
	Nodes, Edges  int
	Frames        int // measured frames of each phase (warm-up frames come on top)
	Width, Height int
	// CPUProfile and MemProfile, when set, are files for pprof profiles of the view's
	// phases (not the reference): CPU over static, moving and layout, heap at the end.
	CPUProfile, MemProfile string
	// NoReference skips the reference phase: the DAG is built right after the empty window.
	NoReference bool
}

// FrameBenchResult is what `jetdag bench frame` prints.
type FrameBenchResult struct {
	Nodes       int     `json:"nodes"`
	Edges       int     `json:"edges"`
	Frames      int     `json:"frames"`
	FPSStatic   float64 `json:"fps_static"`
	FPSMoving   float64 `json:"fps_moving"`
	DrawCalls   int     `json:"draw_calls"`        // DrawTriangles and DrawImage calls of the graph a moving frame, plus the HUD panels'
	DrawCallsSt int     `json:"draw_calls_static"` // the same standing still (a settled picture is one copy)
	Cached      bool    `json:"static_cached"`     // the static frames copied the settled picture
	NodesDrawn  int     `json:"nodes_drawn"`
	EdgesDrawn  int     `json:"edges_drawn"`
	// NodesDensity and EdgesDensity are those drawn into the zoomed-out density pictures.
	NodesDensity int `json:"nodes_density"`
	EdgesDensity int `json:"edges_density"`
	// UpdateMS and DrawMS are the milliseconds a moving frame spends in Update (the scene
	// gather) and in Draw (building and queueing the picture); the rest of its time is
	// Ebiten's flush to GL and the present.
	UpdateMS float64 `json:"moving_update_ms"`
	DrawMS   float64 `json:"moving_draw_ms"`
	// FPSLayout is the frame rate with the DAG's real force layout ticking on its own
	// goroutines (paced as in the window, layout.DefaultPace) and its positions copied into
	// the world every frame; LayoutTicks the ticks it made meanwhile.
	FPSLayout       float64 `json:"fps_layout"`
	LayoutTicks     int     `json:"layout_ticks"`
	LayoutTicksPerS float64 `json:"layout_ticks_per_s"`
	ReferenceFPS    float64 `json:"reference_fps"`
	TargetStatic    float64 `json:"target_fps_static"`
	TargetMoving    float64 `json:"target_fps_moving"`
	// RSSReference is the process's resident memory after the reference phase, the window
	// open and no world built yet; RSSBytes is its peak (VmHWM) at the end, the world, scene,
	// pictures and the layout phase's force simulation included. Zero where /proc is missing.
	RSSReference int64 `json:"rss_reference_bytes"`
	RSSBytes     int64 `json:"rss_bytes"`
	// RSSView is the peak before the layout phase: the world, scene and pictures without the
	// force layout's own memory.
	RSSView int64 `json:"rss_view_bytes"`
	// BytesPerNode is RSSBytes over the nodes (the measure); BytesPerNodeOver is the
	// same above the reference's RSS, what the world itself costs.
	BytesPerNode     float64 `json:"bytes_per_node"`
	BytesPerNodeOver float64 `json:"bytes_per_node_over_reference"`
	// BytesPerNodeView is the same without the force layout: RSSView above the reference.
	BytesPerNodeView float64 `json:"bytes_per_node_view_over_reference"`
	TargetPerNode    float64 `json:"target_bytes_per_node"`
	// RSSWindow is the resident set of the empty window (a few cleared 1280x1024 frames, before
	// the reference draws anything): the baseline the next two count each node over.
	// BytesPerNodeWindow is the peak RSSBytes over it, BytesPerNodeViewWindow RSSView over it.
	RSSWindow              int64   `json:"rss_window_bytes"`
	BytesPerNodeWindow     float64 `json:"bytes_per_node_over_window"`
	BytesPerNodeViewWindow float64 `json:"bytes_per_node_view_over_window"`
	// Memory is the breakdown: resident set, Go heap and the C side at each phase.
	Memory FrameBenchMemory `json:"memory"`
	// MovingCost is what a measured moving frame costs the whole process: CPU time (every
	// thread: Go, its GC, Mesa's), GC cycles and bytes allocated.
	MovingCost FrameCost `json:"moving_cost"`
}

// ErrFrameBench reports a frame benchmark that could not run.
var ErrFrameBench = errors.New("frame benchmark")

// BenchFrame opens the window and measures, in one run: the 20k-diamond reference, then the
// window's drawing (graph, labels, inspector, HUD) of worldtest.SyntheticDAG(nodes, edges) fitted on
// the screen, standing still and with every node moving each frame (as while the layout
// runs). Vsync is off and there is one Update a frame. It must run on the main goroutine.
func BenchFrame(o FrameBenchOptions) (FrameBenchResult, error) {
	if o.Frames <= 0 {
		o.Frames = 120
	}
	if o.Width <= 0 || o.Height <= 0 {
		o.Width, o.Height = 1280, 800
	}
	res := FrameBenchResult{Nodes: o.Nodes, Edges: o.Edges, Frames: o.Frames, TargetStatic: 30, TargetMoving: 20, TargetPerNode: 1536}
	res.Memory.Start = snapshotMemory()
	g := &frameBench{o: o, ref: render.NewDiamondsGame(), res: &res}
	ebiten.SetWindowSize(o.Width, o.Height)
	ebiten.SetWindowTitle("jetdag bench frame")
	ebiten.SetVsyncEnabled(false)
	ebiten.SetTPS(ebiten.SyncWithFPS)
	ebiten.SetScreenClearedEveryFrame(false)
	ebiten.SetRunnableOnUnfocused(true)
	err := ebiten.RunGame(g)
	g.stopLayout()
	g.stopProfile()
	if err != nil {
		return res, fmt.Errorf("%w: %w", ErrFrameBench, err)
	}
	if g.err != nil {
		return res, g.err
	}
	if o.MemProfile != "" {
		if err := writeHeapProfile(o.MemProfile); err != nil {
			return res, fmt.Errorf("%w: %w", ErrFrameBench, err)
		}
	}
	res.RSSBytes = procStatus("VmHWM")
	if res.RSSBytes > 0 && o.Nodes > 0 {
		res.BytesPerNode = float64(res.RSSBytes) / float64(o.Nodes)
		res.BytesPerNodeOver = float64(res.RSSBytes-res.RSSReference) / float64(o.Nodes)
		res.BytesPerNodeView = float64(res.RSSView-res.RSSReference) / float64(o.Nodes)
		res.BytesPerNodeWindow = float64(res.RSSBytes-res.RSSWindow) / float64(o.Nodes)
		res.BytesPerNodeViewWindow = float64(res.RSSView-res.RSSWindow) / float64(o.Nodes)
	}
	return res, nil
}

// startProfile starts the CPU profile, if one was asked for.
func (g *frameBench) startProfile() error {
	if g.o.CPUProfile == "" {
		return nil
	}
	f, err := os.Create(g.o.CPUProfile)
	if err != nil {
		return fmt.Errorf("%w: cpu profile: %w", ErrFrameBench, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("%w: cpu profile: %w", ErrFrameBench, err)
	}
	g.prof = f
	return nil
}

// stopProfile ends the CPU profile, if one runs.
func (g *frameBench) stopProfile() {
	if g.prof == nil {
		return
	}
	pprof.StopCPUProfile()
	if err := g.prof.Close(); err != nil && g.err == nil {
		g.err = fmt.Errorf("%w: cpu profile: %w", ErrFrameBench, err)
	}
	g.prof = nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("heap profile: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	return nil
}

// frameBench runs the benchmark's phases one after the other in one game loop.
type frameBench struct {
	o     FrameBenchOptions
	world donburi.World
	ref   *render.DiamondsGame
	res   *FrameBenchResult
	ecs   *donburiecs.ECS
	draw  *render.Drawer
	err   error
	prof  *os.File

	phase int // 0 reference, 1 static, 2 moving, 3 the force layout ticking, 4 done
	frame int
	empty int // cleared frames of the empty window drawn before the reference
	// moving0 is the process's CPU time, GC count and allocations at the first measured
	// moving frame.
	moving0 costMark
	start   time.Time
	// upd and drw sum the time spent in Update and Draw over the measured moving frames.
	upd, drw time.Duration

	// The moving phase: every node moved each frame by the window's layout sync, from a
	// source that shifts the DAG's positions.
	mover *shiftSource
	sync  *systems.LayoutSync
	// The layout phase: the DAG's force layout ticking on its runner, its positions copied in
	// by the window's layout sync.
	runner  *layout.Runner
	stop    context.CancelFunc
	ran     chan struct{}
	ticks0  uint64
	rssView int64
}

// shiftSource is the moving phase's layout: the positions the DAG was built with, shifted
// 0.3 world units right on odd ticks and left on even ones, one tick a frame, so that the
// window's layout sync copies every node's new position into the world each frame as it
// does while the force layout runs.
type shiftSource struct {
	base  []layout.Vec2 // by layout node ID
	ticks uint64
}

// newShiftSource reads w's positions, by layout node ID.
func newShiftSource(w donburi.World) *shiftSource {
	m := &shiftSource{}
	components.DddElement.Each(w, func(e *donburi.Entry) {
		id := int(components.DddElement.Get(e).Index)
		if id < 0 || !e.HasComponent(components.Position) {
			return
		}
		for id >= len(m.base) {
			m.base = append(m.base, layout.Vec2{})
		}
		p := components.Position.Get(e)
		m.base[id] = layout.Vec2{X: p.X, Y: p.Y}
	})
	return m
}

// Read copies this tick's positions into dst.
func (m *shiftSource) Read(dst []layout.Vec2) []layout.Vec2 {
	dx := 0.3
	if m.ticks%2 == 0 {
		dx = -0.3
	}
	dst = dst[:0]
	for _, p := range m.base {
		dst = append(dst, layout.Vec2{X: p.X + dx, Y: p.Y})
	}
	return dst
}

// Ticks counts the frames moved so far.
func (m *shiftSource) Ticks() uint64 { return m.ticks }

const (
	phaseLayout = 3
	phaseDone   = 4
)

// followLayout starts the force layout on the first frame of the layout phase (every node
// placed afresh near its chain's previous event, so that it moves for the whole phase) and
// copies its latest positions into the world through the window's layout sync.
func (g *frameBench) followLayout() {
	if g.runner == nil {
		// The moving phase's source and its sync are not the window's: a real window has
		// only the layout's, so they go before the layout is built.
		g.mover, g.sync = nil, nil
		sim := layout.New(layout.DefaultParams())
		s := systems.SceneOf(g.ecs)
		prev := map[uint32]layout.NodeID{}
		for i := range s.Nodes {
			n := &s.Nodes[i]
			near, ok := prev[n.AggKey]
			if !ok {
				near = layout.NoNode
			}
			prev[n.AggKey] = sim.AddNode(near, int32(n.AggKey%1024), float64(n.Seq))
		}
		for _, e := range s.Edges {
			sim.AddEdge(layout.NodeID(e.From), layout.NodeID(e.To))
		}
		// The scene's node i is layout node i.
		for i := range s.Nodes {
			components.DddElement.Get(g.world.Entry(s.Nodes[i].Entity)).Index = int32(i)
		}
		systems.BumpWorld(g.world) // the nodes were placed afresh
		g.runner = layout.NewRunner(sim)
		g.sync = systems.NewLayoutSync(g.runner)
		ctx, cancel := context.WithCancel(context.Background())
		g.stop, g.ran = cancel, make(chan struct{})
		go func() { g.runner.Run(ctx); close(g.ran) }()
	}
	g.sync.Update(g.ecs)
}

// stopLayout ends the layout phase's runner, if one runs.
func (g *frameBench) stopLayout() {
	if g.stop != nil {
		g.stop()
		<-g.ran
		g.stop = nil
	}
}

const benchWarmup = 10

func (g *frameBench) Update() error {
	if g.err != nil || g.phase == phaseDone {
		g.stopLayout()
		return ebiten.Termination
	}
	if g.phase == 2 && g.frame >= benchWarmup {
		defer func(t time.Time) { g.upd += time.Since(t) }(time.Now())
	}
	if g.phase > 0 {
		if g.ecs == nil {
			g.res.RSSReference = procStatus("VmRSS")
			g.res.Memory.Reference = snapshotMemory()
			g.world = donburi.NewWorld()
			worldtest.SyntheticDAG(g.world, g.o.Nodes, g.o.Edges)
			systems.TrackWorldVersion(g.world) // as the live model does: a still frame gathers nothing
			if err := g.startProfile(); err != nil {
				g.err = err
				return ebiten.Termination
			}
			d, err := render.NewDrawer()
			if err != nil {
				g.err = fmt.Errorf("%w: %w", ErrFrameBench, err)
				return ebiten.Termination
			}
			g.ecs = donburiecs.NewECS(g.world)
			systems.Setup(g.ecs, systems.Options{Width: g.o.Width, Height: g.o.Height})
			d.Attach(g.ecs)
			g.draw = d
		}
		if g.phase == 2 {
			if g.mover == nil {
				g.mover = newShiftSource(g.world)
				g.sync = systems.NewLayoutSync(g.mover)
			}
			g.mover.ticks++
			g.sync.Update(g.ecs) // every node moved, as the window's layout sync moves them
		}
		if g.phase == phaseLayout {
			g.followLayout()
		}
		systems.UpdateTimeline(g.ecs)
		systems.UpdateScene(g.ecs)
		systems.UpdateCamera(g.ecs)
		systems.UpdateInspector(g.ecs)
		systems.UpdateHUD(g.ecs)
	}
	return nil
}

func (g *frameBench) Draw(screen *ebiten.Image) {
	if g.phase == phaseDone || g.err != nil {
		return
	}
	if g.phase == 2 && g.frame >= benchWarmup {
		defer func(t time.Time) { g.drw += time.Since(t) }(time.Now())
	}
	if g.phase == 0 && g.empty < benchWarmup {
		// The empty window first: its resident set is the baseline of the per-node figures.
		screen.Clear()
		if g.empty++; g.empty == benchWarmup {
			g.res.Memory.Window = snapshotMemory()
			g.res.RSSWindow = g.res.Memory.Window.RSS
			if g.o.NoReference {
				g.phase, g.ref = 1, nil // the view is set up in the next Update
			}
		}
		return
	}
	if g.phase == 0 {
		g.ref.Draw(screen)
	} else if g.draw != nil {
		g.draw.DrawGraph(g.ecs, screen)
		g.draw.DrawLabels(g.ecs, screen)
		g.draw.DrawInspector(g.ecs, screen)
		g.draw.DrawHUD(g.ecs, screen)
	} else {
		return // the view is set up in the next Update
	}
	g.frame++
	if g.frame == benchWarmup {
		if g.phase == 2 {
			g.moving0 = markCost()
		}
		g.start = time.Now()
		if g.runner != nil {
			g.ticks0 = g.runner.Ticks()
		}
	}
	if g.frame < benchWarmup+g.o.Frames {
		return
	}
	fps := float64(g.o.Frames) / time.Since(g.start).Seconds()
	switch g.phase {
	case 0:
		g.res.ReferenceFPS = fps
		g.ref = nil // its vertices are not the view's memory
	case 1:
		g.res.FPSStatic = fps
		st := g.draw.Renderer.Stats
		g.res.DrawCallsSt, g.res.Cached = max(st.Calls, 1)+1, st.Cached
	case 2:
		g.res.FPSMoving = fps
		st := g.draw.Renderer.Stats
		g.res.DrawCalls = st.Calls + 1
		g.res.NodesDrawn, g.res.EdgesDrawn = st.Nodes, st.Edges
		g.res.NodesDensity, g.res.EdgesDensity = st.DensityNodes, st.DensityEdges
		perFrame := func(d time.Duration) float64 { return d.Seconds() * 1000 / float64(g.o.Frames) }
		g.res.UpdateMS, g.res.DrawMS = perFrame(g.upd), perFrame(g.drw)
		g.rssView = procStatus("VmHWM")
		g.res.Memory.View = snapshotMemory()
		g.res.MovingCost = g.moving0.since(g.o.Frames)
	case phaseLayout:
		g.res.FPSLayout = fps
		g.res.RSSView = g.rssView
		g.res.Memory.Layout = snapshotMemory()
		g.res.LayoutTicks = int(g.runner.Ticks() - g.ticks0)
		g.res.LayoutTicksPerS = float64(g.res.LayoutTicks) / time.Since(g.start).Seconds()
	}
	g.phase++
	g.frame = 0
}

func (g *frameBench) Layout(w, h int) (int, int) {
	if g.ecs != nil {
		systems.Resize(g.ecs, w, h)
	}
	return w, h
}
