package ecs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/systems"
)

// A settled graph is not gathered again: an idle frame keeps the last frame's scene and its
// picture is copied from the cache, while every change to what the scene shows (messages
// applied, nodes removed, hover, selection, search, filter, timeline) gathers it again, and
// layout positions copied refresh its positions, and each redraws the picture; a camera move
// or a colour change redraws the picture without a gather.
func TestSettledFrameGathersNothing(t *testing.T) {
	g, b := newGraph(t, ecs.Config{}, 256)
	var msgs []ecs.Message
	for i := 1; i <= 40; i++ {
		agg := fmt.Sprint("order-", i%4)
		prev := ""
		if i > 4 {
			prev = fmt.Sprint("e", i-4)
		}
		msgs = append(msgs, event(uint64(i), agg, fmt.Sprint("e", i), prev))
	}
	feed(t, g, b, msgs...)
	e := g.ECS()
	systems.Setup(e, systems.Options{Width: 800, Height: 600})
	// gathers counts the frames that took anything from the world into the scene: gathers,
	// and refreshes of the positions alone (the layout moving).
	gathers := func() uint64 { return systems.SceneGathers(e) + systems.SceneRefreshes(e) }
	frame := func() systems.PictureUse {
		g.Update()
		for _, s := range ecs.WindowStages() {
			s.Run(e)
		}
		use := systems.UsePicture(e)
		if use == systems.PictureStore {
			systems.StoredPicture(e) // as the drawing code does once the image holds it
		}
		return use
	}
	// settle runs frames until the layout sleeps and a few frames in a row gather nothing,
	// then checks that idle frames reach the cached picture and still gather nothing.
	settle := func(after string) {
		t.Helper()
		for start, quiet := time.Now(), 0; quiet < 5; {
			if time.Since(start) > 30*time.Second {
				t.Fatalf("after %s: the scene was still gathered, or the picture redrawn, after 30 s", after)
			}
			before := gathers()
			use := frame()
			if gathers() == before && g.Layout().Settled() && use == systems.PictureReuse {
				quiet++
			} else {
				quiet = 0
				time.Sleep(2 * time.Millisecond)
			}
		}
		before := gathers()
		uses := make([]systems.PictureUse, 0, 4)
		for range 4 {
			uses = append(uses, frame())
		}
		if n := gathers() - before; n != 0 {
			t.Errorf("after %s: 4 idle frames gathered %d times, want 0", after, n)
		}
		for _, u := range uses {
			if u != systems.PictureReuse {
				t.Errorf("after %s: idle frames' picture uses %v, want the cached picture in each", after, uses)
				break
			}
		}
	}
	// changes runs do, then up to maxFrames frames, and checks that they gathered (or not,
	// want false) and that the picture was drawn afresh, not copied.
	changes := func(what string, want bool, maxFrames int, do func()) {
		t.Helper()
		do()
		before := gathers()
		drew := false
		for i := 0; i < maxFrames && (gathers() == before || !drew); i++ {
			if frame() == systems.PictureDraw {
				drew = true
			}
			if !want && drew {
				break
			}
			if maxFrames > 10 {
				time.Sleep(time.Millisecond) // the layout ticks on its own goroutine
			}
		}
		if got := gathers() > before; got != want {
			t.Errorf("%s: gathered %v, want %v", what, got, want)
		}
		if !drew {
			t.Errorf("%s: the picture was not redrawn", what)
		}
		settle(what)
	}
	settle("the first frames")
	scene := systems.SceneOf(e)
	target := scene.Nodes[len(scene.Nodes)/2].Entity

	changes("an event applied", true, 1, func() {
		if err := b.Send(context.Background(), event(41, "order-9", "e41", "")); err != nil {
			t.Fatal(err)
		}
	})
	changes("a node removed (retire's path)", true, 1, func() {
		e41, ok := g.Lookup(cidOf("e41"))
		if !ok {
			t.Fatal("e41 is not in the world")
		}
		g.World().Remove(e41)
	})
	changes("the layout moving", true, 500, func() { g.Layout().Reheat(0.3) })
	changes("hover", true, 3, func() {
		sc := systems.SceneOf(e)
		n := sc.Nodes[sc.Index(target)]
		x, y := systems.GetOrCreateCamera(e).WorldToScreen(n.X, n.Y)
		*systems.GetOrCreateInput(e) = components.InputData{X: x, Y: y}
	})
	changes("the cursor leaving", true, 3, func() {
		*systems.GetOrCreateInput(e) = components.InputData{X: 1, Y: 1}
	})
	changes("a selection", true, 2, func() { systems.Select(e, target) })
	changes("no selection", true, 2, func() { systems.Select(e, donburi.Null) })
	changes("a search", true, 2, func() {
		if !systems.Jump(e, "order-2") {
			t.Fatal("search order-2 found nothing")
		}
	})
	changes("a filter", true, 2, func() { *systems.GetOrCreateFilter(e) = components.FilterData{Aggregate: "order-1"} })
	changes("no filter", true, 2, func() { *systems.GetOrCreateFilter(e) = components.FilterData{} })
	changes("the timeline", true, 2, func() { systems.SetAsOf(e, 20) })
	changes("a camera move", false, 2, func() {
		v := systems.GetOrCreateCamera(e).Viewport
		v.Pan(40, 0)
		systems.SetCamera(e, v)
	})
	changes("a colour mode", false, 2, func() { systems.GetOrCreateSettings(e).ColorMode = components.ColorByType })
}
