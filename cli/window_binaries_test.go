package cli

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// WindowBinaries is the preamble of the tests that run the real window: it skips the test
// under -short or without a display (run it under xvfb-run), and otherwise builds jetdag and
// jetdag-view beside it in dir, as installed (jetdag hands `view` and `bench frame` to the
// jetdag-view it finds beside it). It returns jetdag's path. Exported for the cli_test tests.
func WindowBinaries(t *testing.T, dir string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the jetdag binaries")
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		t.Skip("no display (run under xvfb-run)")
	}
	bin := filepath.Join(dir, "jetdag")
	for _, b := range [][2]string{{bin, ".."}, {filepath.Join(dir, ViewerBinary), "../cmd/jetdag-view"}} {
		if out, err := exec.Command("go", "build", "-o", b[0], b[1]).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b[1], err, out)
		}
	}
	return bin
}

// readPNG decodes a screenshot the window wrote.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// pixelsNear counts the pixels of img in r whose red, green and blue (8 bits) are each less
// than tol away from c's.
func pixelsNear(img image.Image, r image.Rectangle, c color.RGBA, tol int) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			if absInt(int(pr>>8)-int(c.R)) < tol && absInt(int(pg>>8)-int(c.G)) < tol && absInt(int(pb>>8)-int(c.B)) < tol {
				n++
			}
		}
	}
	return n
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// KeepScreenshot copies a test's screenshot into $JETDAG_SHOTS as name, when it is set (to
// look at what the window tests drew). Exported for the cli_test tests.
func KeepScreenshot(shot, name string) {
	if dst := os.Getenv("JETDAG_SHOTS"); dst != "" {
		data, _ := os.ReadFile(shot)
		_ = os.WriteFile(filepath.Join(dst, name), data, 0o644)
	}
}
