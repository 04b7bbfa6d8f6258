package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
	"github.com/jetdag/jetdag/systems"
)

// TestViewUntilScreenshot runs the real binaries under the test's display against a real
// server holding 12 events of aggregate early (seq 1..12) and then 12 of aggregate late (seq
// 13..24), drawn in lanes and coloured by aggregate, so that the first aggregate seen takes
// palette slot 0 and the second slot 1. view --until 12 draws exactly twelve diamonds of
// early's colour and not one pixel of late's, and its JSON line counts those 12 events drawn
// (and held); the same view without --until, drawn as a control, has both aggregates'
// twelve. The timeline bar reads as of a sequence, not live: its handle at the right end is
// the yellow of a picture as of a sequence and nothing on the bar is the live green.
func TestViewUntilScreenshot(t *testing.T) {
	dir := t.TempDir()
	bin := WindowBinaries(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := storetest.Start(t)
	es, err := store.OpenEvents(ctx, srv.Connect(t), store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, agg := range []string{"early", "late"} {
		for i := range 12 {
			if _, err := es.Append(ctx, agg, "Step", []byte(fmt.Sprint(agg, i))); err != nil {
				t.Fatal(err)
			}
		}
	}

	const w, h = 1280, 720
	type report struct {
		Nodes, Events, Objects, Rejected, Edges int
		HeldEvents                              int    `json:"held_events"`
		AsOfSeq                                 uint64 `json:"as_of_seq"`
	}
	view := func(name string, args ...string) (report, image.Image) {
		t.Helper()
		shot := filepath.Join(dir, name)
		cmd := exec.CommandContext(ctx, bin, append([]string{"view", "--nats", srv.ClientURL(), "--layout", "lanes",
			"--color-by", "aggregate", "--screenshot", shot, "--frames", "120",
			"--width", fmt.Sprint(w), "--height", fmt.Sprint(h), "--log-level", "error"}, args...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("jetdag view %v: %v\nstderr: %s", args, err, stderr.String())
		}
		var r report
		if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
			t.Fatalf("view %v printed %q: %v", args, stdout.String(), err)
		}
		KeepScreenshot(shot, "view-"+name)
		return r, readPNG(t, shot)
	}
	early, late := systems.PaletteColor(0), systems.PaletteColor(1)
	// The graph's area: below the legend and activity panels, above the timeline and status
	// bars (the legend's swatches are in the aggregates' colours too).
	graph := image.Rect(0, 150, w, h-int(systems.BottomH))
	const minArea = 40 // a diamond's pixels; a legend swatch or a stray edge pixel is smaller

	all, full := view("all.png")
	if all.Events != 24 || all.HeldEvents != 24 || all.Nodes != 24 || all.Edges != 22 || all.AsOfSeq != 24 {
		t.Errorf("view without --until: %+v, want 24 events (held and drawn) and 22 edges as of seq 24", all)
	}
	if n, m := blobs(full, graph, early, 12, minArea), blobs(full, graph, late, 12, minArea); n != 12 || m != 12 {
		t.Errorf("view without --until: %d diamonds of early's colour and %d of late's, want 12 and 12", n, m)
	}

	r, img := view("until.png", "--until", "12")
	if r.Events != 12 || r.HeldEvents != 12 || r.Nodes != 12 || r.Objects != 0 || r.Rejected != 0 || r.Edges != 11 || r.AsOfSeq != 12 {
		t.Errorf("view --until 12: %+v, want 12 events (held and drawn) and 11 edges as of seq 12", r)
	}
	if n := blobs(img, graph, early, 12, minArea); n != 12 {
		t.Errorf("view --until 12: %d diamonds of early's colour, want 12 (seq 1..12)", n)
	}
	if px := pixelsNear(img, img.Bounds(), late, 12); px != 0 {
		t.Errorf("view --until 12: %d pixels of late's colour: an event after seq 12 is drawn", px)
	}
	bar := image.Rect(0, h-int(systems.BottomH), w, h-int(systems.StatusBarH))
	handle := image.Rect(w-16, bar.Min.Y+2, w-8, bar.Max.Y-2)
	if y := pixelsNear(img, handle, color.RGBA{0xff, 0xd5, 0x4f, 0xff}, 30); y < 20 {
		t.Errorf("view --until 12: %d yellow pixels at the timeline bar's right end, want the as-of handle", y)
	}
	if g := pixelsNear(img, bar, color.RGBA{0x40, 0xd0, 0x60, 0xff}, 30); g != 0 {
		t.Errorf("view --until 12: %d pixels of the live green on the timeline bar, want none (history, not live)", g)
	}
	if g := pixelsNear(full, bar, color.RGBA{0x40, 0xd0, 0x60, 0xff}, 30); g < 20 {
		t.Errorf("view without --until: %d pixels of the live green on the timeline bar, want the live handle", g)
	}
}

// blobs counts the connected areas (4-neighbour) of at least minArea pixels of img within r
// whose colour is within tol of c in each channel.
func blobs(img image.Image, r image.Rectangle, c color.RGBA, tol, minArea int) int {
	r = r.Intersect(img.Bounds())
	in := func(x, y int) bool {
		pr, pg, pb, _ := img.At(x, y).RGBA()
		return absInt(int(pr>>8)-int(c.R)) < tol && absInt(int(pg>>8)-int(c.G)) < tol && absInt(int(pb>>8)-int(c.B)) < tol
	}
	seen := make([]bool, r.Dx()*r.Dy())
	idx := func(x, y int) int { return (y-r.Min.Y)*r.Dx() + x - r.Min.X }
	n := 0
	var stack []image.Point
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if seen[idx(x, y)] || !in(x, y) {
				continue
			}
			area := 0
			seen[idx(x, y)] = true
			stack = append(stack[:0], image.Pt(x, y))
			for len(stack) > 0 {
				p := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				area++
				for _, q := range []image.Point{{p.X + 1, p.Y}, {p.X - 1, p.Y}, {p.X, p.Y + 1}, {p.X, p.Y - 1}} {
					if q.In(r) && !seen[idx(q.X, q.Y)] && in(q.X, q.Y) {
						seen[idx(q.X, q.Y)] = true
						stack = append(stack, q)
					}
				}
			}
			if area >= minArea {
				n++
			}
		}
	}
	return n
}
