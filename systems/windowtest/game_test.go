package windowtest

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/render"
	"github.com/jetdag/jetdag/systems"
)

// fixedSource sends a small store's worth of messages (three aggregates with chains and
// cross parents, two objects and a link between them, one rejected message), then waits.
type fixedSource struct{ events int }

func (s fixedSource) messages() []ecs.Message {
	ms := []ecs.Message{&ecs.StatusMsg{Connection: ecs.StatusConnected, CaughtUp: true}}
	last := map[string]cid.Cid{}
	for i := 0; i < s.events; i++ {
		agg := fmt.Sprint("order-", i%3)
		ev := &ecs.EventMsg{Seq: uint64(i + 1), CID: testCID(i), AggregateID: agg, EventType: fmt.Sprint("Step", i/3),
			Previous: last[agg], Timestamp: int64(i+1) * 1e9, PayloadSize: 10}
		if i >= 3 && i%4 == 0 {
			ev.Parents = []cid.Cid{testCID(i - 2)}
		}
		last[agg] = ev.CID
		ms = append(ms, ev)
	}
	value, file := testCID(1000), testCID(1001)
	ms = append(ms,
		&ecs.ObjectMsg{CID: value, Kind: ecs.ObjectValue, Timestamp: 5e9},
		&ecs.ObjectMsg{CID: file, Kind: ecs.ObjectFile, Content: testCID(1002), Size: 4096, Timestamp: 6e9},
		&ecs.LinkMsg{From: value, To: file, Type: "Contains"},
		&ecs.RejectedMsg{Seq: uint64(s.events + 1), Subject: "event.store.order-1.Forged", AggregateID: "order-1", Reason: "CID header does not match the block"},
	)
	return ms
}

func (s fixedSource) Follow(ctx context.Context, b *ecs.Bridge) error {
	for _, m := range s.messages() {
		if err := b.Send(ctx, m); err != nil {
			return err
		}
	}
	<-ctx.Done()
	return ctx.Err()
}

func newGame(t *testing.T, ctx context.Context, src ecs.Source, opts render.GameOptions) (*render.Game, *ecs.Graph, *ecs.Bridge) {
	t.Helper()
	b := ecs.NewBridge(64)
	g := ecs.NewGraph(ecs.Config{}, b)
	g.Start(ctx)
	var game *render.Game
	var err error
	onLoop(t, func() { game, err = render.NewGame(ctx, g, opts) })
	if err != nil {
		t.Fatal(err)
	}
	go b.Run(ctx, src) //nolint:errcheck // ends with ctx
	return game, g, b
}

func TestGameScreenshotRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	shot := filepath.Join(t.TempDir(), "live.png")
	game, graph, _ := newGame(t, ctx, fixedSource{events: 30}, render.GameOptions{Width: 800, Height: 600, Screenshot: shot, Frames: 150})
	draws := 0
	err := run(t, game, 800, 600, 0, func(*ebiten.Image, int) { draws++ }) // until the game ends itself
	if err != nil {
		t.Fatal(err)
	}
	if draws < 150 {
		t.Errorf("the loop drew %d frames, fewer than the 150 asked for", draws)
	}
	if game.Frames() != 150 || !game.ScreenshotWritten() {
		t.Errorf("frames %d, written %v; want 150 and true", game.Frames(), game.ScreenshotWritten())
	}
	st := graph.Stats()
	if st.Events != 30 || st.Objects != 2 || st.Rejected != 1 || st.Connection != ecs.StatusConnected {
		t.Errorf("stats %+v", st)
	}
	// Live, everything held is drawn: the JSON line's drawn and held counts agree.
	if s := game.Summary(); s.Nodes != 33 || s.Events != 30 || s.Objects != 2 || s.Rejected != 1 ||
		s.HeldEvents != 30 || s.HeldObjects != 2 || s.HeldRejected != 1 || s.AsOfSeq != 31 {
		t.Errorf("summary %+v: want 33 nodes (30 events, 2 objects, 1 rejected) drawn and held, as of seq 31", s)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	keep(t, "game.png", img)
	for _, want := range []struct {
		name string
		c    [3]uint8
	}{
		{"event blue", rgb(components.EventBlue().R, components.EventBlue().G, components.EventBlue().B)},
		{"rejected red", rgb(components.RejectedRed().R, components.RejectedRed().G, components.RejectedRed().B)},
		{"file orange", rgb(components.FileOrange().R, components.FileOrange().G, components.FileOrange().B)},
	} {
		if n := count(img, want.c); n < 10 {
			t.Errorf("%s: %d pixels, want a node's worth", want.name, n)
		}
	}
}

func TestGamePauseHoldsTheFeed(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	game, graph, bridge := newGame(t, ctx, fixedSource{events: 20}, render.GameOptions{Width: 640, Height: 480})
	onLoop(t, func() { systems.GetOrCreateSettings(game.Graph().ECS()).Paused = true })
	time.Sleep(100 * time.Millisecond) // let the source fill the bridge
	if err := run(t, game, 640, 480, 20, nil); err != nil {
		t.Fatal(err)
	}
	var events, lag int
	onLoop(t, func() { events, lag = graph.Stats().Events, bridge.Lag() })
	if events != 0 || lag == 0 {
		t.Fatalf("paused: %d events applied, lag %d; want none applied and a lag", events, lag)
	}
	onLoop(t, func() { systems.GetOrCreateSettings(game.Graph().ECS()).Paused = false })
	if err := run(t, game, 640, 480, 20, nil); err != nil {
		t.Fatal(err)
	}
	onLoop(t, func() { events, lag = graph.Stats().Events, bridge.Lag() })
	if events != 20 || lag != 0 {
		t.Errorf("resumed: %d events, lag %d; want 20 and 0", events, lag)
	}
}

func TestGameEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	game, _, _ := newGame(t, ctx, fixedSource{events: 3}, render.GameOptions{Width: 640, Height: 480})
	// The context ends after the first frame is drawn (not after a fixed time: a loaded
	// machine may take seconds to draw it), or after a minute without one.
	fallback := time.AfterFunc(time.Minute, cancel)
	defer fallback.Stop()
	cancelAfterFirst := func(*ebiten.Image, int) { cancel() }
	if err := run(t, game, 640, 480, 0, cancelAfterFirst); err != nil {
		t.Fatal(err)
	}
	if game.Frames() == 0 {
		t.Error("no frame drawn before the context ended")
	}
}

func rgb(r, g, b uint8) [3]uint8 { return [3]uint8{r, g, b} }

func count(img image.Image, c [3]uint8) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near(rgbaOf(r, g, bl), rgbaOf(uint32(c[0])<<8, uint32(c[1])<<8, uint32(c[2])<<8), 3) {
				n++
			}
		}
	}
	return n
}
