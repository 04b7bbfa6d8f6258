//go:build unix

package render

import (
	"image"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWritePNGMode: a screenshot is no secret, so WritePNG leaves it readable as the umask
// allows (0644 under 022, 0640 under 027), not 0600 as its temporary file would be, and
// leaves no temporary file behind. The umask is the process's, so this test is not parallel.
func TestWritePNGMode(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for _, c := range []struct {
		umask int
		want  fs.FileMode
	}{{0o022, 0o644}, {0o027, 0o640}, {0o077, 0o600}} {
		dir := t.TempDir()
		path := filepath.Join(dir, "shot.png")
		old := syscall.Umask(c.umask)
		err := WritePNG(path, img)
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != c.want {
			t.Errorf("umask %03o: screenshot mode %03o, want %03o", c.umask, got, c.want)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Errorf("umask %03o: %d files in the directory, want the screenshot alone", c.umask, len(ents))
		}
	}
}
