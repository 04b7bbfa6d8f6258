package faults

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A full disk: a server whose store directory is a small tmpfs, filled up under load by
// another file. The server cannot write and stops answering appends (nats-server does not
// reply to a publish it failed to write), so they fail after their publish attempts; freeing
// the space is not enough (the stream keeps its write error), a server restart is; then
// appends resume and nothing acknowledged is lost.
func TestDiskFull(t *testing.T) {
	skipShort(t)
	if os.Geteuid() != 0 {
		t.Skip("full disk: needs root to mount a tmpfs")
	}
	dir := t.TempDir()
	mnt := filepath.Join(dir, "disk")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("full disk: cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", mnt).Run() }) // after the processes (cleanups run last first)
	ports := freePorts(t, 1)
	srv := startProc(t, dir, "server", "", "serve", "--store", filepath.Join(mnt, "js"), "--listen", ports[0])
	srv.waitOutput(t, `"url"`, 30*time.Second)
	url := "nats://" + ports[0]
	w := startWriter(t, dir, "d1", url, "--aggregates", "2", "--rate", "100", "--payload-size", "2000",
		"--max-inflight", "20", "--publish-timeout", "1s")
	time.Sleep(2 * time.Second)

	filler := filepath.Join(mnt, "filler")
	fill(t, filler, mnt)
	full := time.Now()
	t.Logf("disk full at %s", full.Format("15:04:05.000"))
	waitFor(t, 60*time.Second, "an append failing on the full disk", func() bool { return strings.Contains(w.stderr(), "append failed") })
	firstErr := time.Since(full)
	errLine := firstLine(w.stderr(), "append failed")
	acksAtFull := len(ackTimes(t, w.file))

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Second)
	stillStuck := len(ackTimes(t, w.file)) - acksAtFull
	t.Logf("space freed: %d appends acknowledged in the 5 s after", stillStuck)

	srv.stop(30 * time.Second)
	restarted := time.Now()
	srv.start(t)
	var resumed time.Duration
	waitFor(t, 60*time.Second, "appends resuming after the server restart", func() bool {
		for _, a := range ackTimes(t, w.file) {
			if a > restarted.UnixMilli() {
				resumed = time.Duration(a-restarted.UnixMilli()) * time.Millisecond
				return true
			}
		}
		return false
	})
	time.Sleep(2 * time.Second)
	w.stop(60 * time.Second)
	rep := verifyAcked(t, url, []string{w.file})
	var errs int
	for _, f := range w.finals() {
		errs += f.Errors
	}
	t.Logf("first error: %s", errLine)
	t.Logf("FAULTS disk-full: acked=%d lost=%d forks=%d duplicate_payloads=%d append_errors=%d first_error_after=%v acked_after_freeing_space=%d resumed_after_restart=%v",
		rep.Acked, rep.Lost, rep.Forks, rep.DuplicatePayloads, errs, firstErr.Round(time.Millisecond), stillStuck, resumed)
}

// fill writes a file into the file system of mnt until it is full.
func fill(t *testing.T, path, mnt string) {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(mnt, &st); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for {
		if _, err := f.Write(buf); err != nil {
			return // ENOSPC: full
		}
	}
}

func waitFor(t *testing.T, timeout time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func firstLine(s, substr string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			return l
		}
	}
	return ""
}
