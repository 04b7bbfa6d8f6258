package systems

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// ErrNoClipboard means that no clipboard program was found.
var ErrNoClipboard = errors.New("no clipboard program found")

// SystemClipboard puts text on the system clipboard through the platform's own clipboard
// program: pbcopy on macOS, clip.exe on Windows, wl-copy under Wayland and xclip or xsel
// under X11. Ebiten has no clipboard API, and these programs are what the desktop itself
// offers, so a pure-Go binary gets a clipboard without cgo. CIDs are ASCII, so clip.exe's
// code page does not matter. It returns ErrNoClipboard when none is installed.
func SystemClipboard(ctx context.Context, text string) error {
	var candidates [][]string
	switch runtime.GOOS {
	case "darwin":
		candidates = [][]string{{"pbcopy"}}
	case "windows":
		candidates = [][]string{{"clip.exe"}}
	default:
		if os.Getenv("WAYLAND_DISPLAY") != "" {
			candidates = append(candidates, []string{"wl-copy"})
		}
		candidates = append(candidates,
			[]string{"xclip", "-selection", "clipboard"},
			[]string{"xsel", "--clipboard", "--input"})
	}
	for _, c := range candidates {
		path, err := exec.LookPath(c[0])
		if err != nil {
			continue
		}
		cmd := exec.CommandContext(ctx, path, c[1:]...)
		cmd.Stdin = strings.NewReader(text)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %w: %s", c[0], err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	return ErrNoClipboard
}
