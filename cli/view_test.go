package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/store/translog"
)

func runViewCmd(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), append([]string{"view"}, args...), strings.NewReader(""), &out, &errOut)
	return code, errOut.String()
}

func TestViewRejectsBadFlags(t *testing.T) {
	dir := t.TempDir()
	_, logVKey, err := translog.GenerateKey(nil, "test.example/log")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown colour mode", []string{"--color-by", "rainbow"}, "--color-by"},
		{"unknown layout", []string{"--layout", "spiral"}, "--layout"},
		{"until neither a sequence nor a time", []string{"--until", "yesterday"}, "RFC 3339"},
		{"until sequence 0", []string{"--until", "0"}, "--until"},
		{"replicas out of range", []string{"--replicas", "7"}, "--replicas"},
		{"replay too fast", []string{"--replay", "5000"}, "--replay"},
		{"replay below 1×", []string{"--replay", "0.5"}, "--replay"},
		{"replay not a number", []string{"--replay", "fast"}, "--replay"},
		{"loop without replay", []string{"--loop"}, "--loop"},
		{"replay-last without replay", []string{"--replay-last", "1h"}, "--replay-last"},
		{"negative replay-last", []string{"--replay", "60", "--replay-last", "-1h"}, "--replay-last"},
		{"negative max nodes", []string{"--max-nodes", "-1"}, "--max-nodes"},
		{"negative frames", []string{"--frames", "-3"}, "--frames"},
		{"tiny window", []string{"--width", "10"}, "--width"},
		{"screenshot not a PNG", []string{"--screenshot", filepath.Join(dir, "x.jpg")}, ".png"},
		{"screenshot in a missing directory", []string{"--screenshot", filepath.Join(dir, "no", "x.png")}, "directory"},
		{"an argument", []string{"extra"}, "unknown command"},
		{"malformed log key", []string{"--log-vkey", "not+a+key"}, "--log-vkey"},
		{"malformed witness key", []string{"--witness-vkey", "not+a+key"}, "--witness-vkey"},
		{"a log key given as a witness key", []string{"--witness-vkey", "test.example/log+0abbd398+AUnq1vX2mqkNvUaxz8J3/dN2Vpc+7Eu4eZTxJPtBpmkM"}, "--witness-vkey"},
		{"negative depth", []string{"--at", "order-1", "--depth", "-1"}, "--depth"},
		{"at neither a CID nor an aggregate", []string{"--at", "line\nbreak"}, "neither a CID"},
		{"at with until", []string{"--at", "order-1", "--until", "5"}, "--until"},
		{"at with demo", []string{"--at", "order-1", "--demo"}, "--demo"},
		{"at with replay", []string{"--at", "order-1", "--replay", "10"}, "--replay"},
		{"checkpoint without the log key", []string{"--checkpoint", "latest"}, "--log-vkey"},
		{"checkpoint note missing", []string{"--checkpoint", filepath.Join(dir, "none.note"), "--log-vkey", logVKey}, "checkpoint note file"},
		{"checkpoint with until", []string{"--checkpoint", "latest", "--log-vkey", logVKey, "--until", "5"}, "--until"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr := runViewCmd(t, tc.args...)
			if code != ExitBadInput || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, ExitBadInput, tc.want)
			}
		})
	}
}

func TestRootRunsView(t *testing.T) {
	var out, errOut bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}
	root := newRootCmd(e) // it makes the bare command run the view
	for _, flag := range []string{"demo", "kiosk", "max-nodes", "screenshot", "frames", "color-by", "store", "replicas"} {
		if root.Flags().Lookup(flag) == nil {
			t.Errorf("bare jetdag lacks --%s", flag)
		}
	}
	root.SetArgs([]string{"--color-by", "rainbow"})
	err := root.ExecuteContext(context.Background())
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != ExitBadInput {
		t.Errorf("bare jetdag --color-by rainbow: %v, want a bad-input error", err)
	}
}

// TestViewScreenshot runs the real binaries under the test's display: the demo workload on an
// embedded server, 150 frames, a PNG with the demo's blue diamonds on it.
func TestViewScreenshot(t *testing.T) {
	dir := t.TempDir()
	bin := WindowBinaries(t, dir)
	shot := filepath.Join(dir, "dag.png")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "view", "--demo", "--store", filepath.Join(dir, "store"),
		"--screenshot", shot, "--frames", "150", "--width", "640", "--height", "480", "--log-level", "error")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("jetdag view: %v\nstderr: %s", err, stderr.String())
	}
	var report struct {
		Screenshot string `json:"screenshot"`
		Frames     int    `json:"frames"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &report); err != nil || report.Screenshot != shot || report.Frames != 150 {
		t.Errorf("stdout %q (%v), want {\"screenshot\":%q,\"frames\":150}", stdout.String(), err, shot)
	}
	img := readPNG(t, shot)
	if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 480 {
		t.Errorf("screenshot is %v, want 640×480", b)
	}
	if blue := pixelsNear(img, image.Rect(0, 0, 640, 480), components.EventBlue(), 4); blue < 20 {
		t.Errorf("%d pixels of event blue in the screenshot: the demo's events are not drawn", blue)
	}
	KeepScreenshot(shot, "view-demo.png")

	// The same store as of seq 10: ten events drawn, the JSON line says so, and the timeline
	// bar above the status bar ends in the yellow handle of a picture as of a sequence (not
	// the live green: --until shows history; TestViewUntilScreenshot checks what is drawn).
	until := filepath.Join(dir, "until.png")
	cmd = exec.CommandContext(ctx, bin, "view", "--store", filepath.Join(dir, "store"), "--until", "10",
		"--screenshot", until, "--frames", "60", "--width", "640", "--height", "480", "--log-level", "error")
	stdout.Reset()
	stderr.Reset()
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("jetdag view --until 10: %v\nstderr: %s", err, stderr.String())
	}
	var asOf struct {
		Events  int    `json:"events"`
		AsOfSeq uint64 `json:"as_of_seq"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &asOf); err != nil || asOf.Events != 10 || asOf.AsOfSeq != 10 {
		t.Errorf("view --until 10 printed %q (%v), want events 10 and as_of_seq 10", stdout.String(), err)
	}
	handle := image.Rect(640-20, 480-24-24, 640-4, 480-24-2)
	if yellow := pixelsNear(readPNG(t, until), handle, color.RGBA{0xff, 0xd5, 0x4f, 0xff}, 30); yellow < 20 {
		t.Errorf("%d yellow pixels at the timeline bar's right end: no as-of handle drawn", yellow)
	}
}

// Bad flags exit 2 naming the flag on a machine with no display too: they are checked before
// the display is (a malformed --at CID used to exit 1 "no display"). Good flags there still
// exit 1 saying there is no display.
func TestViewBadFlagsWithoutDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	dir := t.TempDir()
	_, logVKey, err := translog.GenerateKey(nil, "test.example/log")
	if err != nil {
		t.Fatal(err)
	}
	otherKey, _, err := translog.GenerateKey(nil, "other.example/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := translog.NewSigner(otherKey)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := note.Sign(&note.Note{Text: "other.example/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"}, signer)
	if err != nil {
		t.Fatal(err)
	}
	foreignNote, garbageNote, file := filepath.Join(dir, "foreign.note"), filepath.Join(dir, "garbage.note"), filepath.Join(dir, "file")
	for p, data := range map[string][]byte{foreignNote: foreign, garbageNote: []byte("not a note\n"), file: []byte("x")} {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cidText := "bafyreigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"at a CID cut short", []string{"--at", cidText[:30]}, "not a well-formed CID"},
		{"at a CID with a stray character", []string{"--at", cidText[:len(cidText)-1] + "!"}, "not a well-formed CID"},
		{"at a CIDv0", []string{"--at", "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"}, "not a well-formed CID"},
		{"at neither a CID nor an aggregate", []string{"--at", "line\nbreak"}, "neither a CID"},
		{"checkpoint note that is not one", []string{"--checkpoint", garbageNote, "--log-vkey", logVKey}, "checkpoint"},
		{"checkpoint note of another key", []string{"--checkpoint", foreignNote, "--log-vkey", logVKey}, "not signed by the configured log key"},
		{"metrics not an address", []string{"--metrics", "9090"}, "--metrics"},
		{"store that is a file", []string{"--store", file}, "--store"},
		{"unknown colour mode", []string{"--color-by", "rainbow"}, "--color-by"},
		{"malformed log key", []string{"--log-vkey", "not+a+key"}, "--log-vkey"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr := runViewCmd(t, tc.args...)
			if code != ExitBadInput || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "no display") {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, ExitBadInput, tc.want)
			}
		})
	}
	for _, args := range [][]string{{"--at", cidText}, {"--at", "order-1"}, {"--metrics", "127.0.0.1:0"}, {"--store", dir}} {
		if code, stderr := runViewCmd(t, args...); code != ExitFailure || !strings.Contains(stderr, "no display") {
			t.Errorf("view %q without a display: exit %d, stderr %q; want 1 and no display", args, code, stderr)
		}
	}
}
