package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store/storetest"
)

// TestViewResumeScreenshot runs the real binaries under the test's display against a real
// server holding 300 events in 30 aggregates, a checkpoint of them and 12 events after it:
// view --checkpoint latest --log-vkey V draws the 30 heads at the checkpoint and the 12 events
// (42, not 312) with the 12 edges onto the heads, and reports where it resumed; with another key (or another log's) it exits 2, and with a note of
// the log's key whose state line another history contradicts, 1, both without writing a PNG.
func TestViewResumeScreenshot(t *testing.T) {
	dir := t.TempDir()
	bin := cli.WindowBinaries(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := storetest.Start(t)
	url := srv.ClientURL()
	key, vkey := logKey(t, url, dir, "view.example/log")
	_, foreignVKey := logKey(t, url, dir, "view.example/log-other")
	_, otherVKey := logKey(t, url, t.TempDir(), "view.example/log") // the same name, another key
	appendEvents(t, url, 300, 30, "a")
	objRunOK(t, url, nil, nil, "log", "checkpoint", "--key", key)
	held := filepath.Join(dir, "held.note")
	if err := os.WriteFile(held, []byte(objRunOK(t, url, nil, nil, "log", "show")), 0o644); err != nil {
		t.Fatal(err)
	}
	appendEvents(t, url, 12, 30, "a") // onto the heads of a-0 … a-11

	view := func(shot string, args ...string) (string, string, int) {
		cmd := exec.CommandContext(ctx, bin, append([]string{"view", "--nats", url, "--screenshot", shot, "--frames", "90",
			"--width", "1280", "--height", "720", "--log-level", "error"}, args...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var xe *exec.ExitError
		if errors.As(err, &xe) {
			return stdout.String(), stderr.String(), xe.ExitCode()
		} else if err != nil {
			t.Fatalf("jetdag view: %v", err)
		}
		return stdout.String(), stderr.String(), 0
	}
	shot := filepath.Join(dir, "resume.png")
	out, errs, code := view(shot, "--checkpoint", "latest", "--log-vkey", vkey)
	if code != 0 {
		t.Fatalf("view --checkpoint latest: exit %d\n%s", code, errs)
	}
	var report struct {
		Nodes, Events, Edges, Rejected int
		ResumedSeq                     uint64 `json:"resumed_seq"`
		ResumedSize                    int64  `json:"resumed_size"`
		AsOfSeq                        uint64 `json:"as_of_seq"`
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatalf("stdout %q: %v", out, err)
	}
	if report.Events != 42 || report.Edges != 12 || report.Rejected != 0 || report.ResumedSeq != 300 || report.ResumedSize != 300 || report.AsOfSeq != 312 {
		t.Fatalf("JSON line %s: want 42 events (30 heads + 12 chained onto them by 12 edges), resumed at seq 300 size 300, as of seq 312", out)
	}
	if st, err := os.Stat(shot); err != nil || st.Size() == 0 {
		t.Fatalf("screenshot: %v", err)
	}

	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"another key of the log's name", []string{"--checkpoint", "latest", "--log-vkey", otherVKey}, cli.ExitBadInput},
		{"another log's key", []string{"--checkpoint", held, "--log-vkey", foreignVKey}, cli.ExitBadInput},
		{"the held note on a store with another history", []string{"--checkpoint", held, "--log-vkey", vkey}, cli.ExitFailure},
	} {
		url := url
		if c.code == cli.ExitFailure {
			other := storetest.Start(t)
			url = other.ClientURL()
			appendEvents(t, url, 300, 30, "x")
			objRunOK(t, url, nil, nil, "log", "checkpoint", "--key", key)
		}
		none := filepath.Join(dir, "none.png")
		cmd := exec.CommandContext(ctx, bin, "view", "--nats", url, "--screenshot", none, "--log-level", "error")
		cmd.Args = append(cmd.Args, c.args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var xe *exec.ExitError
		if !errors.As(err, &xe) || xe.ExitCode() != c.code {
			t.Errorf("%s: %v, want exit %d\n%s", c.name, err, c.code, stderr.String())
		}
		if _, err := os.Stat(none); err == nil {
			t.Errorf("%s: a screenshot was written", c.name)
		}
	}
	cli.KeepScreenshot(shot, "view-resume.png")
}
