package render

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
)

// ScreenshotMode is the permission a PNG the window writes gets, less the umask: a picture
// is no secret, so it is readable like any file the user makes (os.CreateTemp's 0600 is not).
const ScreenshotMode fs.FileMode = 0o644

// Capture copies what has been drawn on screen so far into an image. Call it from Draw,
// after the last stage: Ebiten can read pixels only inside its loop.
func Capture(screen *ebiten.Image) *image.RGBA {
	b := screen.Bounds()
	img := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	screen.ReadPixels(img.Pix)
	return img
}

// WritePNG writes img to path as a PNG with ScreenshotMode (less the umask), through a
// temporary file in the same directory so that a reader never sees half a picture.
func WritePNG(path string, img image.Image) error {
	tmp, err := createTemp(filepath.Dir(path), ".jetdag-shot-", ".png", ScreenshotMode)
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

// createTemp creates a new file in dir named prefix, a random part and suffix, as
// os.CreateTemp does, but with perm (which the umask then narrows) instead of 0600.
func createTemp(dir, prefix, suffix string, perm fs.FileMode) (*os.File, error) {
	for range 100 {
		name := filepath.Join(dir, prefix+strconv.FormatUint(rand.Uint64(), 36)+suffix)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, &fs.PathError{Op: "createtemp", Path: filepath.Join(dir, prefix+"*"+suffix), Err: fs.ErrExist}
}

// ScreenshotName is the file name the s key saves to: jetdag-YYYYMMDD-HHMMSS.mmm.png, in
// local time.
func ScreenshotName(t time.Time) string {
	return "jetdag-" + t.Format("20060102-150405.000") + ".png"
}
