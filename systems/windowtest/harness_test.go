package windowtest

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
)

// job is a game the harness runs for some frames, with a hook after each Draw.
type job struct {
	game   ebiten.Game
	w, h   int // the logical screen size, or 0 for the window's
	frames int // stop after this many frames (0: when the game returns Termination)
	onDraw func(screen *ebiten.Image, frame int)
	fn     func() // instead of a game: run fn once on the loop's goroutine
	done   chan error
}

// harness is the one ebiten.Game of the test process: it runs the jobs the tests send, one
// after the other, on Ebiten's goroutine.
type harness struct {
	jobs  chan *job
	quit  chan struct{}
	cur   *job
	frame int
}

func (h *harness) finish(err error) {
	h.cur.done <- err
	h.cur = nil
}

func (h *harness) Update() error {
	if h.cur == nil {
		select {
		case j := <-h.jobs:
			h.cur, h.frame = j, 0
		case <-h.quit:
			return ebiten.Termination
		default:
			return nil
		}
	}
	if h.cur.fn != nil {
		h.cur.fn()
		h.finish(nil)
		return nil
	}
	if err := h.cur.game.Update(); err != nil {
		if errors.Is(err, ebiten.Termination) {
			err = nil
		}
		h.finish(err)
	}
	return nil
}

func (h *harness) Draw(screen *ebiten.Image) {
	if h.cur == nil || h.cur.game == nil {
		return
	}
	h.cur.game.Draw(screen)
	h.frame++
	if h.cur.onDraw != nil {
		h.cur.onDraw(screen, h.frame)
	}
	if h.cur.frames > 0 && h.frame >= h.cur.frames {
		h.finish(nil)
	}
}

func (h *harness) Layout(ow, oh int) (int, int) {
	if h.cur == nil || h.cur.game == nil {
		return ow, oh
	}
	w, hh := ow, oh
	if h.cur.w > 0 {
		w, hh = h.cur.w, h.cur.h
	}
	h.cur.game.Layout(w, hh)
	return w, hh
}

// the harness of this process, set once by TestMain before any test runs.
var loop *harness

// run runs game in the window for frames frames (or until it terminates) on a w×h screen,
// calling onDraw after each Draw, and returns the game's error.
func run(t testing.TB, game ebiten.Game, w, h, frames int, onDraw func(*ebiten.Image, int)) error {
	t.Helper()
	j := &job{game: game, w: w, h: h, frames: frames, onDraw: onDraw, done: make(chan error, 1)}
	loop.jobs <- j
	select {
	case err := <-j.done:
		return err
	case <-time.After(3 * time.Minute):
		t.Fatal("the game loop did not finish the job in 3 minutes")
		return nil
	}
}

// onLoop runs fn on the game loop's goroutine and waits for it. Whatever shapes text must
// run there while the loop runs: ebiten's text package keeps a frame clock that its
// Update hook advances without a lock.
func onLoop(t testing.TB, fn func()) {
	t.Helper()
	j := &job{fn: fn, done: make(chan error, 1)}
	loop.jobs <- j
	<-j.done
}

func TestMain(m *testing.M) {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		fmt.Println("windowtest: no display, skipping (run under xvfb-run)")
		os.Exit(0)
	}
	loop = &harness{jobs: make(chan *job), quit: make(chan struct{})}
	ebiten.SetWindowSize(640, 480)
	ebiten.SetWindowTitle("jetdag window tests")
	ebiten.SetRunnableOnUnfocused(true)
	code := make(chan int, 1)
	go func() {
		c := m.Run()
		code <- c
		close(loop.quit)
	}()
	if err := ebiten.RunGame(loop); err != nil {
		fmt.Fprintln(os.Stderr, "windowtest: game loop:", err)
		os.Exit(1)
	}
	os.Exit(<-code)
}
