package render

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"math"
	"path/filepath"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/systems"
)

// caughtUpWait bounds how long GameOptions.FramesFromCaughtUp waits for the source.
const caughtUpWait = 30 * time.Second

// DefaultScreenshotFrames is how many frames a screenshot run renders when GameOptions.Frames
// is 0: enough for the layout to spread the first nodes out.
const DefaultScreenshotFrames = 60

// GameOptions configure the window. The zero value opens a 1280×800 window.
type GameOptions struct {
	Title         string // window title (default "jetdag")
	Width, Height int    // window size (default 1280×800); ignored in kiosk mode
	// Kiosk opens fullscreen with the cursor hidden; the camera fits and follows by itself.
	Kiosk   bool
	ColorBy components.ColorMode
	Layout  components.LayoutMode
	// Until is the --until sequence (0: live), for the status bar.
	Until uint64
	// Replay, when not 0, plays the history from the oldest held event at this speed
	// (--replay); Loop starts it again at the end.
	Replay     float64
	Loop       bool
	ReplayLast time.Duration // start the playback this long before the newest event
	// Fetch supplies the inspector's payloads (nil: none shown).
	Fetch systems.PayloadFetcher
	// Prove supplies a selected event's inclusion proof in the transparency log (nil: none).
	Prove systems.ProofFetcher
	// Expand asks explore mode's source for a node's neighbours (nil: not exploring).
	Expand systems.Expander
	// Screenshot, if set, is where a PNG of frame Frames is written before the game ends.
	Screenshot string
	// Frames, if > 0, ends the game after that many frames (DefaultScreenshotFrames when
	// Screenshot is set and Frames is 0).
	Frames int
	// FramesFromCaughtUp counts Frames only from when the source has caught up (explore
	// mode: the neighbourhood is in), or from caughtUpWait after the first frame, so that a
	// screenshot run shows what was asked for on a slow machine too.
	FramesFromCaughtUp bool
	// ScreenshotDir is where the s key saves its PNGs (default: the working directory).
	ScreenshotDir string
	Logger        *slog.Logger
}

// Game is the visualizer as an ebiten.Game: Update runs the model (Graph.Update, skipped
// while paused) and then the window's Update stages; Draw runs the Draw stages and takes
// screenshots. It ends (ebiten.Termination) when its context ends or its frame count is
// reached.
type Game struct {
	ctx    context.Context
	graph  *ecs.Graph
	draw   *Drawer
	input  InputReader
	opts   GameOptions
	log    *slog.Logger
	stages []ecs.Stage
	draws  []ecs.DrawStage[*ebiten.Image]

	frames   int
	drawn    int         // frames drawn, counted or not (FramesFromCaughtUp)
	firstAt  time.Time   // when the first frame was drawn
	counting bool        // FramesFromCaughtUp: the source has caught up, frames count
	final    *image.RGBA // the screenshot run's picture, written by the next Update
	wrote    bool        // the screenshot run's PNG is written
	finished bool
	saved    chan string // results of the s key's background writes
}

// NewGame returns the game over graph. It does not start the graph's layout (Graph.Start)
// nor the bridge's source.
func NewGame(ctx context.Context, graph *ecs.Graph, opts GameOptions) (*Game, error) {
	if opts.Title == "" {
		opts.Title = "jetdag"
	}
	if opts.Width <= 0 || opts.Height <= 0 {
		opts.Width, opts.Height = 1280, 800
	}
	if opts.Screenshot != "" && opts.Frames <= 0 {
		opts.Frames = DefaultScreenshotFrames
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	draw, err := NewDrawer()
	if err != nil {
		return nil, fmt.Errorf("window: %w", err)
	}
	e := graph.ECS()
	systems.Setup(e, systems.Options{
		Kiosk: opts.Kiosk, ColorBy: opts.ColorBy, Layout: opts.Layout, Until: opts.Until, Replay: opts.Replay, Loop: opts.Loop, ReplayLast: opts.ReplayLast, Lanes: graph.Lanes(), Fetch: opts.Fetch, Prove: opts.Prove, Expand: opts.Expand,
		Width: opts.Width, Height: opts.Height, Logger: log,
	})
	draw.Attach(e)
	draw.SetLanes(graph.Lanes())
	g := &Game{
		ctx: ctx, graph: graph, draw: draw, opts: opts, log: log,
		saved: make(chan string, 4),
	}
	g.stages = ecs.WindowStages()
	g.draws = ecs.DrawStages[*ebiten.Image](draw)
	return g, nil
}

// Graph returns the live graph the game shows; its ECS holds the window's singletons.
func (g *Game) Graph() *ecs.Graph { return g.graph }

// Drawer returns the game's drawing code (its Renderer's stats describe the last frame).
func (g *Game) Drawer() *Drawer { return g.draw }

// Frames counts the frames drawn so far (with GameOptions.Frames, at most that many).
func (g *Game) Frames() int { return g.frames }

// Summary is what the window showed in its last frame, for the screenshot run's JSON line.
// Nodes, Events, Objects, Rejected and Edges count what was drawn: not hidden by a filter or
// by the timeline's as-of sequence (--until, --replay, a drag). The Held counts are what the
// window holds, drawn or not.
type Summary struct {
	Nodes    int     `json:"nodes"`
	Events   int     `json:"events"`
	Objects  int     `json:"objects"`
	Rejected int     `json:"rejected"`
	Edges    int     `json:"edges"` // both ends drawn
	Layout   string  `json:"layout"`
	AsOfSeq  uint64  `json:"as_of_seq"` // the highest stream sequence shown (the timeline's, when not live)
	FPS      float64 `json:"fps"`
	// HeldEvents, HeldObjects and HeldRejected are what the window holds (the status bar's
	// counts): during a playback, more than it draws.
	HeldEvents   int `json:"held_events"`
	HeldObjects  int `json:"held_objects"`
	HeldRejected int `json:"held_rejected"`
	// ResumedSeq and ResumedSize are the checkpoint the feed started after (view
	// --checkpoint), absent otherwise.
	ResumedSeq  uint64 `json:"resumed_seq,omitempty"`
	ResumedSize int64  `json:"resumed_size,omitempty"`
	// Explore is explore mode's state (view --at), absent otherwise.
	Explore *ExploreSummary `json:"explore,omitempty"`
}

// ExploreSummary is what explore mode showed: the node it opened on, the depth asked and
// how many drawn nodes can still be expanded (their neighbours not fetched).
type ExploreSummary struct {
	Root       string `json:"root"`
	Depth      int    `json:"depth"`
	Expandable int    `json:"expandable"`
}

// Summary describes the last frame. Game goroutine only (or after Run has returned).
func (g *Game) Summary() Summary {
	e := g.graph.ECS()
	st := g.graph.Stats()
	scene := systems.SceneOf(e)
	asOf := st.LastSeq
	if tl := systems.GetOrCreateTimeline(e); !tl.Live() {
		asOf = tl.AsOf // the timeline shows an earlier sequence
	}
	events, objects, rejected := scene.ShownKinds()
	sum := Summary{
		Nodes: scene.Shown(), Events: events, Objects: objects, Rejected: rejected,
		Edges: scene.ShownEdges(), Layout: systems.GetOrCreateSettings(e).Layout.String(),
		AsOfSeq: asOf, FPS: math.Round(systems.GetOrCreateHUD(e).FPS*10) / 10,
		HeldEvents: st.Events, HeldObjects: st.Objects, HeldRejected: st.Rejected,
		ResumedSeq: st.ResumedSeq, ResumedSize: st.ResumedSize,
	}
	if x := systems.ExploreOf(e); x != nil {
		sum.Explore = &ExploreSummary{Root: x.Root.String(), Depth: x.Depth}
		for i := range scene.Nodes {
			if scene.Nodes[i].Flags&systems.FlagExpandable != 0 {
				sum.Explore.Expandable++
			}
		}
	}
	return sum
}

// ScreenshotWritten reports whether the screenshot run's PNG has been written.
func (g *Game) ScreenshotWritten() bool { return g.wrote }

// Update implements ebiten.Game.
func (g *Game) Update() error {
	if g.final != nil {
		img := g.final
		g.final = nil
		g.finished = true
		if err := WritePNG(g.opts.Screenshot, img); err != nil {
			return err
		}
		g.wrote = true
		g.log.Info("screenshot written", "path", g.opts.Screenshot, "frames", g.frames)
		return ebiten.Termination
	}
	if g.finished || g.ctx.Err() != nil {
		return ebiten.Termination
	}
	e := g.graph.ECS()
	g.input.Read(systems.GetOrCreateInput(e))
	systems.GetOrCreateHUD(e).FPS = ebiten.ActualFPS()
	if !systems.GetOrCreateSettings(e).Paused {
		g.graph.Update()
	} else {
		g.graph.UpdatePaused()
	}
	for _, s := range g.stages {
		s.Run(e)
	}
	select {
	case msg := <-g.saved:
		systems.Toast(e, msg)
	default:
	}
	return nil
}

// Draw implements ebiten.Game.
func (g *Game) Draw(screen *ebiten.Image) {
	e := g.graph.ECS()
	for _, d := range g.draws {
		d.Draw(e, screen)
	}
	if g.opts.Frames > 0 && g.frames >= g.opts.Frames {
		return // the run is over; Ebiten may draw again before the next Update ends it
	}
	g.drawn++
	if g.drawn == 1 {
		g.log.Info("window: first frame", "nodes", len(systems.SceneOf(e).Nodes))
		g.firstAt = time.Now()
	}
	if set := systems.GetOrCreateSettings(e); set.ScreenshotRequested {
		set.ScreenshotRequested = false
		g.saveAsync(screen)
	}
	if g.opts.FramesFromCaughtUp && !g.counting {
		if !g.graph.Stats().CaughtUp && time.Since(g.firstAt) < caughtUpWait {
			return
		}
		g.counting = true
	}
	g.frames++
	if g.opts.Frames > 0 && g.frames == g.opts.Frames {
		if g.opts.Screenshot != "" {
			g.final = Capture(screen)
		} else {
			g.finished = true
		}
	}
}

// saveAsync captures the screen now and encodes the PNG off the game goroutine, so that the
// s key does not stall a frame.
func (g *Game) saveAsync(screen *ebiten.Image) {
	img := Capture(screen)
	path := filepath.Join(g.opts.ScreenshotDir, ScreenshotName(time.Now()))
	go func() {
		msg := "saved " + path
		if err := WritePNG(path, img); err != nil {
			g.log.Error("screenshot failed", "err", err)
			msg = "screenshot failed: " + err.Error()
		} else {
			g.log.Info("screenshot written", "path", path)
		}
		select {
		case g.saved <- msg:
		default:
		}
	}()
}

// Layout implements ebiten.Game: one screen pixel per window pixel.
func (g *Game) Layout(outsideWidth, outsideHeight int) (int, int) {
	systems.Resize(g.graph.ECS(), outsideWidth, outsideHeight)
	return outsideWidth, outsideHeight
}

// Run opens the window and runs the game until the window closes, ctx ends or the frame
// count is reached. Ebiten needs the main goroutine: call Run from it, and only once in a
// process.
func (g *Game) Run() error {
	ebiten.SetWindowTitle(g.opts.Title)
	ebiten.SetWindowSize(g.opts.Width, g.opts.Height)
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	ebiten.SetRunnableOnUnfocused(true) // a wall screen is rarely focused
	// The graph stage fills the whole screen every frame: Ebiten's own clear would be a
	// second full-screen pass, which software GL pays for in fill rate.
	ebiten.SetScreenClearedEveryFrame(false)
	if g.opts.Kiosk {
		ebiten.SetFullscreen(true)
		ebiten.SetCursorMode(ebiten.CursorModeHidden)
	}
	err := ebiten.RunGameWithOptions(g, &ebiten.RunGameOptions{X11ClassName: "jetdag", X11InstanceName: "jetdag"})
	if err != nil && !errors.Is(err, ebiten.Termination) {
		return fmt.Errorf("window: %w", err)
	}
	return nil
}
