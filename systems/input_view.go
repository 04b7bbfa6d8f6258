package systems

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/assets"
	"github.com/jetdag/jetdag/components"
)

// ViewOptions configure a View. The zero value is a usable windowed view.
type ViewOptions struct {
	// Kiosk keeps the camera fitting and following by itself: it resumes both after
	// KioskIdle without input.
	Kiosk     bool
	KioskIdle time.Duration // default 20 s
	ColorBy   ColorMode
	// Fetch, if set, supplies the inspector's payload; FetchTimeout bounds each call
	// (default 5 s).
	Fetch        PayloadFetcher
	FetchTimeout time.Duration
	// Copy puts text on the clipboard (the y key); default SystemClipboard.
	Copy func(ctx context.Context, text string) error
	// Width and Height are the first screen size, until Resize says otherwise.
	Width, Height int
	Logger        *slog.Logger
	// Now is the clock (tests set it); default time.Now.
	Now func() time.Time
}

// Tunables of the camera's behaviour.
const (
	dragThreshold = 4.0   // pixels the cursor moves before a press becomes a drag
	wheelStep     = 1.15  // zoom factor per wheel notch
	keyZoomStep   = 1.025 // zoom factor per tick while + or − is held
	keyPanStep    = 12.0  // pixels per tick while an arrow is held
	fitMargin     = 48.0  // pixels around a fitted graph
	easeFit       = 0.15  // share of the way the camera moves to its target each tick
	easeFollow    = 0.08
	legiblePx     = 1.5 // below this node radius in pixels, fit gives way to follow
	jumpPx        = 14  // a search jump zooms in until the node is at least this big
	pickSlackPx   = 3   // nodes are hit this many pixels beyond their outline
	coneEvery     = 30  // ticks between recomputations of the selection's cone (it grows live)
	toastFor      = 3 * time.Second
	statusEvery   = 250 * time.Millisecond
)

// View is the state of the visualizer's window and the systems that act on it: the scene
// gathered from the world, the pick grid, the camera, the selection with its inspector,
// filters, search, the HUD. Its Update methods run on the game goroutine in the order
// package ecs writes down, after the model's systems; its Draw methods run in Draw.
type View struct {
	opts ViewOptions
	log  *slog.Logger
	now  func() time.Time

	Camera   Camera
	Scene    *Scene
	Grid     PickGrid
	Marks    Marks
	Renderer *Renderer
	// ColorMode is how events are coloured (the c key cycles it).
	ColorMode ColorMode

	cone  ConeWalker
	fonts viewFonts
	white assets.White
	panel batch // HUD and inspector backgrounds
	in    InputFrame
	world donburi.World

	paused, follow, autoFit, fitted, showHelp bool
	searching                                 bool
	query                                     []rune
	drag                                      struct {
		down, moved          bool
		x0, y0, lastX, lastY float64
	}
	lastInput                time.Time
	lastCursorX, lastCursorY float64

	selected   donburi.Entity
	info       *InspectorInfo
	infoScroll int
	coneAge    int
	fetchSeq   uint64
	fetchDone  chan fetchResult
	fetchStop  context.CancelFunc
	copyDone   chan string

	toast      string
	toastUntil time.Time
	shot       bool

	stats      components.GraphStatsData
	fps        float64
	status     string
	statusAt   time.Time
	tooltipFor donburi.Entity
	tooltip    string
	labels     []labelEntry
	labelBoxes []Rect
	cache      graphCache
	legend     []legendRow
	legendMode ColorMode
}

type fetchResult struct {
	seq    uint64
	data   []byte
	err    error
	format string
	text   string
}

// NewView returns a view; it loads the embedded fonts and allocates the white source image.
func NewView(opts ViewOptions) (*View, error) {
	fonts, err := loadViewFonts()
	if err != nil {
		return nil, err
	}
	if opts.Width <= 0 || opts.Height <= 0 {
		opts.Width, opts.Height = 1280, 800
	}
	if opts.KioskIdle <= 0 {
		opts.KioskIdle = 20 * time.Second
	}
	if opts.FetchTimeout <= 0 {
		opts.FetchTimeout = 5 * time.Second
	}
	if opts.Copy == nil {
		opts.Copy = SystemClipboard
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	white := assets.NewWhite()
	v := &View{
		opts: opts, log: log, now: opts.Now,
		Camera:    NewCamera(opts.Width, opts.Height),
		Scene:     NewScene(),
		Renderer:  NewRenderer(white),
		ColorMode: opts.ColorBy,
		fonts:     fonts,
		white:     white,
		panel:     newBatch(white),
		autoFit:   true,
		follow:    opts.Kiosk,
		fetchDone: make(chan fetchResult, 4),
		copyDone:  make(chan string, 1),
	}
	v.lastInput = v.now()
	return v, nil
}

// Resize tells the view the screen's size in pixels.
func (v *View) Resize(width, height int) {
	if width > 0 && height > 0 {
		v.Camera.Resize(width, height)
	}
}

// SetCamera puts the camera where c says and stops fit and follow, as if the user had moved
// it there.
func (v *View) SetCamera(c Camera) {
	v.Camera = c
	v.manual()
	v.fitted = true
}

// SetPaused pauses or resumes the live feed (the space key).
func (v *View) SetPaused(p bool) { v.paused = p }

// Paused reports whether the user paused the live feed (space): the game then stops
// draining the bridge, so the picture holds still and the lag grows.
func (v *View) Paused() bool { return v.paused }

// Selected is the entity open in the inspector, or donburi.Null.
func (v *View) Selected() donburi.Entity { return v.selected }

// Info is what the inspector shows, or nil when nothing is selected.
func (v *View) Info() *InspectorInfo { return v.info }

// Following and Fitting report the camera's automatic modes.
func (v *View) Following() bool { return v.follow }

// Fitting reports whether the camera keeps the whole graph in view.
func (v *View) Fitting() bool { return v.autoFit }

// Searching reports whether the search prompt is open, and what it holds.
func (v *View) Searching() (bool, string) { return v.searching, string(v.query) }

// TakeScreenshotRequest reports, once, that the user asked for a screenshot (the s key).
func (v *View) TakeScreenshotRequest() bool {
	s := v.shot
	v.shot = false
	return s
}

// Toast shows a short message above the status bar for a few seconds.
func (v *View) Toast(msg string) {
	v.toast, v.toastUntil = msg, v.now().Add(toastFor)
}

// UpdateScene gathers the world into the scene and rebuilds the pick grid.
func (v *View) UpdateScene(e *ecs.ECS) {
	v.world = e.World
	if v.selected != donburi.Null && !e.World.Valid(v.selected) {
		v.Select(donburi.Null) // retired or removed
	}
	v.Scene.Gather(e.World, &v.Marks)
	v.Grid.Build(v.Scene.Nodes)
	if entry, ok := components.GraphStats.First(e.World); ok {
		v.stats = *components.GraphStats.Get(entry)
	}
}

// UpdateInput reads this tick's input from Ebiten and acts on it.
func (v *View) UpdateInput(_ *ecs.ECS) {
	ReadInput(&v.in)
	v.HandleInput(&v.in)
}

// HandleInput acts on one tick of input: hover, clicks, drags, the wheel and the keys.
func (v *View) HandleInput(f *InputFrame) {
	now := v.now()
	if f.Active(v.lastCursorX, v.lastCursorY) {
		v.lastInput = now
	}
	v.lastCursorX, v.lastCursorY = f.X, f.Y
	overPanel := v.overPanel(f.X, f.Y)

	// Hover.
	hover := donburi.Null
	if !overPanel && !v.drag.moved {
		if i := v.PickAt(f.X, f.Y); i >= 0 {
			hover = v.Scene.Nodes[i].Entity
		}
	}
	v.Marks.Hovered = hover

	// Keys: the search prompt takes the keyboard while it is open.
	if v.searching {
		v.handleSearch(f)
	} else {
		v.handleKeys(f)
	}
	v.handleHeldKeys(f)

	// Wheel.
	if f.WheelY != 0 {
		if overPanel && v.info != nil {
			v.scrollInspector(-int(math.Round(f.WheelY * 3)))
		} else {
			v.Camera.ZoomAt(f.X, f.Y, math.Pow(wheelStep, f.WheelY))
			v.manual()
		}
	}

	// Press, drag, click.
	switch {
	case f.LeftPressed:
		v.drag.down, v.drag.moved = true, false
		v.drag.x0, v.drag.y0, v.drag.lastX, v.drag.lastY = f.X, f.Y, f.X, f.Y
		if overPanel {
			v.drag.down = false // a press on a panel never pans
		}
	case v.drag.down && f.LeftDown:
		if !v.drag.moved && math.Hypot(f.X-v.drag.x0, f.Y-v.drag.y0) >= dragThreshold {
			v.drag.moved = true
		}
		if v.drag.moved {
			v.Camera.Pan(f.X-v.drag.lastX, f.Y-v.drag.lastY)
			v.manual()
		}
		v.drag.lastX, v.drag.lastY = f.X, f.Y
	}
	if f.LeftReleased {
		if v.drag.down && !v.drag.moved {
			v.Select(hover)
		}
		v.drag.down, v.drag.moved = false, false
	}
}

// manual records that the user moved the camera: it stops fitting and following (a kiosk
// resumes them after KioskIdle).
func (v *View) manual() {
	v.autoFit, v.follow = false, false
}

func (v *View) handleKeys(f *InputFrame) {
	// On layouts where / needs a modifier the key code differs; the typed character does not.
	if slices.Contains(f.Chars, '/') {
		v.searching, v.query = true, v.query[:0]
	}
	for _, k := range f.Pressed {
		switch k {
		case ebiten.KeyF:
			v.autoFit, v.fitted = true, false
		case ebiten.KeyL:
			v.follow = !v.follow
			v.Toast(onOff("follow live", v.follow))
		case ebiten.KeySpace:
			v.paused = !v.paused
			v.Toast(onOff("pause", v.paused))
		case ebiten.KeyC:
			v.ColorMode = v.ColorMode.Next()
			v.Toast("colour by " + v.ColorMode.String())
		case ebiten.KeyS:
			v.shot = true
		case ebiten.KeySlash, ebiten.KeyNumpadDivide:
			v.searching, v.query = true, v.query[:0]
		case ebiten.KeyA:
			v.filterSelected(true)
		case ebiten.KeyT:
			v.filterSelected(false)
		case ebiten.KeyY:
			v.copySelected()
		case ebiten.KeyH, ebiten.KeyF1:
			v.showHelp = !v.showHelp
		case ebiten.KeyPageUp:
			v.scrollInspector(-10)
		case ebiten.KeyPageDown:
			v.scrollInspector(10)
		case ebiten.KeyEscape:
			switch {
			case v.showHelp:
				v.showHelp = false
			case v.Marks.Filter.Active():
				v.Marks.Filter = Filter{}
				v.Toast("filter cleared")
			default:
				v.Select(donburi.Null)
			}
		}
	}
}

func (v *View) handleHeldKeys(f *InputFrame) {
	if v.searching {
		return
	}
	cx, cy := float64(v.Camera.Width)/2, float64(v.Camera.Height)/2
	if f.held(ebiten.KeyEqual, ebiten.KeyNumpadAdd) {
		v.Camera.ZoomAt(cx, cy, keyZoomStep)
		v.manual()
	}
	if f.held(ebiten.KeyMinus, ebiten.KeyNumpadSubtract) {
		v.Camera.ZoomAt(cx, cy, 1/keyZoomStep)
		v.manual()
	}
	dx, dy := 0.0, 0.0
	if f.held(ebiten.KeyArrowLeft) {
		dx += keyPanStep
	}
	if f.held(ebiten.KeyArrowRight) {
		dx -= keyPanStep
	}
	if f.held(ebiten.KeyArrowUp) {
		dy += keyPanStep
	}
	if f.held(ebiten.KeyArrowDown) {
		dy -= keyPanStep
	}
	if dx != 0 || dy != 0 {
		v.Camera.Pan(dx, dy)
		v.manual()
	}
}

func (v *View) handleSearch(f *InputFrame) {
	for _, k := range f.Pressed {
		switch k {
		case ebiten.KeyEscape:
			v.searching, v.query = false, v.query[:0]
			return
		case ebiten.KeyEnter, ebiten.KeyNumpadEnter:
			q := strings.TrimSpace(string(v.query))
			v.searching, v.query = false, v.query[:0]
			if q != "" {
				v.Jump(q)
			}
			return
		case ebiten.KeyBackspace:
			if len(v.query) > 0 {
				v.query = v.query[:len(v.query)-1]
			}
		}
	}
	for _, r := range f.Chars {
		if r >= ' ' && r != 0x7f && len(v.query) < 256 {
			v.query = append(v.query, r)
		}
	}
}

// Jump selects the node q names and brings it into view: the node whose CID starts with q,
// or else the newest event of the aggregate q (exactly, then by prefix). It reports whether
// anything matched; if nothing did it says so in a toast.
func (v *View) Jump(q string) bool {
	if v.world == nil {
		return false
	}
	lower := strings.ToLower(q)
	best, bestRank := -1, 0
	for i := range v.Scene.Nodes {
		n := &v.Scene.Nodes[i]
		d := components.DddElement.Get(v.world.Entry(n.Entity))
		rank := 0
		switch {
		case d.CID.Defined() && strings.HasPrefix(d.CID.String(), lower):
			rank = 3
		case d.Kind != components.ElementEvent:
		case d.AggregateID == q:
			rank = 2
		case strings.HasPrefix(d.AggregateID, q):
			rank = 1
		}
		if rank == 0 {
			continue
		}
		if best < 0 || rank > bestRank || (rank == bestRank && newer(n, &v.Scene.Nodes[best])) {
			best, bestRank = i, rank
		}
	}
	if best < 0 {
		v.Toast(fmt.Sprintf("nothing matches %q", q))
		return false
	}
	n := &v.Scene.Nodes[best]
	if n.Flags&FlagHidden != 0 {
		v.Marks.Filter = Filter{}
	}
	v.Select(n.Entity)
	v.Camera.CenterX, v.Camera.CenterY = n.X, n.Y
	if n.R*v.Camera.Zoom < jumpPx {
		v.Camera.Zoom = clampZoom(jumpPx / n.R)
	}
	v.manual()
	return true
}

func newer(a, b *SceneNode) bool {
	return a.Time > b.Time || (a.Time == b.Time && a.Seq > b.Seq)
}

// PickAt returns the scene index of the node under the screen point (x, y), or −1.
func (v *View) PickAt(x, y float64) int {
	wx, wy := v.Camera.ScreenToWorld(x, y)
	return v.Grid.Pick(v.Scene.Nodes, wx, wy, pickSlackPx/v.Camera.Zoom)
}

// Select opens e in the inspector and highlights its cone; donburi.Null clears the
// selection.
func (v *View) Select(e donburi.Entity) {
	if v.fetchStop != nil {
		v.fetchStop()
		v.fetchStop = nil
	}
	v.fetchSeq++
	v.selected, v.Marks.Selected = e, e
	v.info, v.infoScroll = nil, 0
	v.Marks.ClearHighlighted()
	if e == donburi.Null || v.world == nil {
		return
	}
	info, ok := Inspect(v.world, v.Scene, e)
	if !ok {
		v.selected, v.Marks.Selected = donburi.Null, donburi.Null
		return
	}
	v.info = &info
	v.refreshCone()
	v.keepClearOfInspector(e)
	if v.opts.Fetch != nil && info.CID.Defined() && info.Kind != components.ElementRejected {
		v.info.PayloadPending = true
		ctx, cancel := context.WithTimeout(context.Background(), v.opts.FetchTimeout)
		v.fetchStop = cancel
		seq, fetch, c, done := v.fetchSeq, v.opts.Fetch, info.CID, v.fetchDone
		go func() {
			defer cancel()
			data, err := fetch(ctx, c)
			r := fetchResult{seq: seq, data: data, err: err}
			if err == nil {
				r.format, r.text = FormatPayload(data)
			}
			// UpdateInspector drains the channel every tick and keeps only the result of the
			// latest selection; give up if the window has stopped ticking.
			select {
			case done <- r:
			case <-time.After(time.Second):
			}
		}()
	}
}

// keepClearOfInspector pans the camera, when it is not fitting by itself, so that the
// selected node does not sit under the inspector panel that its selection opens.
func (v *View) keepClearOfInspector(e donburi.Entity) {
	idx := v.Scene.Index(e)
	if idx < 0 || v.autoFit {
		return
	}
	n := &v.Scene.Nodes[idx]
	sx, _ := v.Camera.WorldToScreen(n.X, n.Y)
	edge := v.inspectorRect().MinX - fitMargin
	if sx > edge {
		v.Camera.Pan(edge-sx, 0)
	}
}

func (v *View) refreshCone() {
	idx := v.Scene.Index(v.selected)
	if idx < 0 {
		v.Marks.ClearHighlighted()
		return
	}
	v.Marks.SetHighlighted(v.cone.Walk(v.Scene, idx))
	v.coneAge = 0
}

func (v *View) filterSelected(byAggregate bool) {
	if v.info == nil {
		v.Toast("select a node first")
		return
	}
	if byAggregate {
		if v.info.Aggregate == "" {
			v.Toast("this node has no aggregate")
			return
		}
		v.Marks.Filter = Filter{Aggregate: v.info.Aggregate}
		v.Toast("showing aggregate " + v.info.Aggregate)
		return
	}
	v.Marks.Filter = Filter{Kind: v.info.Kind, Type: v.info.Type}
	if v.info.Kind == components.ElementRejected {
		v.Toast("showing rejected messages")
	} else {
		v.Toast("showing " + v.info.Kind.String() + " type " + v.info.Type)
	}
}

func (v *View) copySelected() {
	if v.info == nil || !v.info.CID.Defined() {
		v.Toast("select a node first")
		return
	}
	s, copyFn, done, log := v.info.CID.String(), v.opts.Copy, v.copyDone, v.log
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		msg := "CID copied"
		if err := copyFn(ctx, s); err != nil {
			log.Warn("copy to clipboard failed; the CID is in this log", "cid", s, "err", err)
			msg = "no clipboard: CID written to the log"
		}
		select {
		case done <- msg:
		default:
		}
	}()
}

func (v *View) scrollInspector(lines int) {
	if v.info == nil {
		return
	}
	v.infoScroll = max(v.infoScroll+lines, 0)
}

// UpdateCamera moves the camera toward what fit and follow want.
func (v *View) UpdateCamera(_ *ecs.ECS) {
	now := v.now()
	if v.opts.Kiosk && now.Sub(v.lastInput) >= v.opts.KioskIdle && (!v.autoFit || !v.follow) {
		v.autoFit, v.follow, v.fitted = true, true, false
	}
	s := v.Scene
	if s.Bounds.Empty() {
		return
	}
	target, ease := v.Camera, 0.0
	switch {
	case v.autoFit:
		target, ease = FitIn(s.Bounds, v.Camera.Width, v.Camera.Height, v.freeArea()), easeFit
		if v.follow && s.Newest >= 0 {
			if legible := legiblePx / max(s.MaxR, 1e-9); target.Zoom < legible {
				target.Zoom = legible
				target.CenterX, target.CenterY = s.Nodes[s.Newest].X, s.Nodes[s.Newest].Y
			}
		}
	case v.follow && s.Newest >= 0:
		target.CenterX, target.CenterY = s.Nodes[s.Newest].X, s.Nodes[s.Newest].Y
		ease = easeFollow
	default:
		return
	}
	if !v.fitted {
		ease, v.fitted = 1, true // the first picture is framed at once
	}
	v.Camera.EaseTo(target, ease)
}

// UpdateInspector keeps the selection's cone and payload current.
func (v *View) UpdateInspector(_ *ecs.ECS) {
	for drained := false; !drained; {
		select {
		case r := <-v.fetchDone:
			if v.info != nil && r.seq == v.fetchSeq {
				v.info.PayloadPending = false
				v.info.PayloadErr, v.info.PayloadFormat, v.info.Payload = r.err, r.format, r.text
			}
		default:
			drained = true
		}
	}
	select {
	case msg := <-v.copyDone:
		v.Toast(msg)
	default:
	}
	if v.selected == donburi.Null {
		return
	}
	v.coneAge++
	if v.coneAge >= coneEvery {
		v.refreshCone()
		if v.world != nil && v.info != nil {
			if info, ok := Inspect(v.world, v.Scene, v.selected); ok {
				info.PayloadPending, info.PayloadErr = v.info.PayloadPending, v.info.PayloadErr
				info.PayloadFormat, info.Payload = v.info.PayloadFormat, v.info.Payload
				*v.info = info
			}
		}
	}
}

// UpdateHUD refreshes the status line (a few times a second, so that its figures can be
// read) and expires the toast.
func (v *View) UpdateHUD(_ *ecs.ECS) {
	now := v.now()
	if now.After(v.toastUntil) {
		v.toast = ""
	}
	if now.Sub(v.statusAt) >= statusEvery {
		v.fps = ebiten.ActualFPS()
		v.status = v.StatusLine()
		v.statusAt = now
	}
}

// freeArea is the part of the screen that fit fills: inside a margin, above the status bar,
// left of the inspector when it is open.
func (v *View) freeArea() Rect {
	a := Rect{fitMargin, fitMargin, float64(v.Camera.Width) - fitMargin, float64(v.Camera.Height) - statusBarH - fitMargin}
	if v.info != nil {
		a.MaxX = v.inspectorRect().MinX - fitMargin
	}
	if a.MaxX-a.MinX < 50 || a.MaxY-a.MinY < 50 {
		return Rect{0, 0, float64(v.Camera.Width), float64(v.Camera.Height)}
	}
	return a
}

func (v *View) overPanel(x, y float64) bool {
	if v.showHelp {
		return true
	}
	if v.info != nil {
		r := v.inspectorRect()
		if r.Contains(x, y) {
			return true
		}
	}
	return y >= float64(v.Camera.Height)-statusBarH
}

func onOff(what string, on bool) string {
	if on {
		return what + ": on"
	}
	return what + ": off"
}
