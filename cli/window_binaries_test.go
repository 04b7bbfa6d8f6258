package cli

import (
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
