package render

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
)

// Capture copies what has been drawn on screen so far into an image. Call it from Draw,
// after the last stage: Ebiten can read pixels only inside its loop.
func Capture(screen *ebiten.Image) *image.RGBA {
	b := screen.Bounds()
	img := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	screen.ReadPixels(img.Pix)
	return img
}

// WritePNG writes img to path as a PNG, through a temporary file in the same directory so
// that a reader never sees half a picture.
func WritePNG(path string, img image.Image) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".jetdag-shot-*.png")
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := png.Encode(tmp, img); err != nil {
		tmp.Close()
		return fmt.Errorf("screenshot %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("screenshot %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	return nil
}

// ScreenshotName is the file name the s key saves to: jetdag-YYYYMMDD-HHMMSS.mmm.png, in
// local time.
func ScreenshotName(t time.Time) string {
	return "jetdag-" + t.Format("20060102-150405.000") + ".png"
}
