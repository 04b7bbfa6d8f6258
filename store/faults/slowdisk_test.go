package faults

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A slow disk, then a stalled one: the server's store is an ext4 file system on a loop
// device, the server runs with `jetstream { sync_interval: always }` (every write synced,
// so the disk's speed is felt) in a blkio cgroup whose write limit on that device is set
// to 1 MB/s and then to 16 KB/s, then lifted. Appends slow down, then fail after their
// publish attempts, and resume by themselves when the disk is fast again; nothing
// acknowledged is lost.
func TestSlowDisk(t *testing.T) {
	skipShort(t)
	if os.Geteuid() != 0 {
		t.Skip("slow disk: needs root (loop device, mount, blkio cgroup)")
	}
	const blkio = "/sys/fs/cgroup/blkio"
	if _, err := os.Stat(filepath.Join(blkio, "blkio.throttle.write_bps_device")); err != nil {
		t.Skip("slow disk: no cgroup v1 blkio throttling on this machine (and dm-delay is not in this kernel)")
	}
	dir := t.TempDir()
	img, mnt := filepath.Join(dir, "disk.img"), filepath.Join(dir, "disk")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("truncate", "-s", "256M", img).CombinedOutput(); err != nil {
		t.Fatalf("truncate: %v %s", err, out)
	}
	out, err := exec.Command("losetup", "-f", "--show", img).Output()
	if err != nil {
		t.Skipf("slow disk: no loop device: %v", err)
	}
	loop := strings.TrimSpace(string(out))
	t.Cleanup(func() { _ = exec.Command("losetup", "-d", loop).Run() })
	if out, err := exec.Command("mkfs.ext4", "-q", loop).CombinedOutput(); err != nil {
		t.Skipf("slow disk: mkfs.ext4: %v %s", err, out)
	}
	if out, err := exec.Command("mount", loop, mnt).CombinedOutput(); err != nil {
		t.Skipf("slow disk: mount: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", mnt).Run() })
	devNum, err := os.ReadFile(filepath.Join("/sys/block", filepath.Base(loop), "dev"))
	if err != nil {
		t.Fatal(err)
	}
	dev := strings.TrimSpace(string(devNum))
	cg := filepath.Join(blkio, "jdf"+strconv.Itoa(os.Getpid()))
	if err := os.Mkdir(cg, 0o755); err != nil {
		t.Skipf("slow disk: cannot create a blkio cgroup: %v", err)
	}
	t.Cleanup(func() { _ = os.Remove(cg) }) // after the server is gone
	limit := func(bps int) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(cg, "blkio.throttle.write_bps_device"), []byte(fmt.Sprintf("%s %d", dev, bps)), 0o644); err != nil {
			t.Fatalf("blkio limit %d: %v", bps, err)
		}
	}

	conf := filepath.Join(dir, "sync.conf")
	if err := os.WriteFile(conf, []byte("jetstream { sync_interval: always }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freePorts(t, 1)[0]
	srv := startProc(t, dir, "server", "", "serve", "--config", conf, "--store", filepath.Join(mnt, "js"), "--listen", addr)
	srv.waitOutput(t, `"url"`, 30*time.Second)
	if err := os.WriteFile(filepath.Join(cg, "cgroup.procs"), []byte(strconv.Itoa(srv.cmd.Process.Pid)), 0o644); err != nil {
		t.Fatalf("move the server into the cgroup: %v", err)
	}
	url := "nats://" + addr
	w := startWriter(t, dir, "s1", url, "--aggregates", "4", "--rate", "200", "--payload-size", "1000",
		"--max-inflight", "50", "--publish-timeout", "1s")
	phase := pick(5*time.Second, 20*time.Second)
	type step struct {
		name string
		bps  int
	}
	steps := []step{{"unlimited", 0}, {"1 MB/s", 1 << 20}, {"16 KB/s", 16 << 10}, {"unlimited again", 0}}
	var marks []time.Time
	for _, s := range steps {
		limit(s.bps)
		marks = append(marks, time.Now())
		time.Sleep(phase)
	}
	marks = append(marks, time.Now())
	w.stop(60 * time.Second)
	times := ackTimes(t, w.file)
	var summary []string
	for i, s := range steps {
		n := 0
		for _, a := range times {
			if a > marks[i].UnixMilli() && a <= marks[i+1].UnixMilli() {
				n++
			}
		}
		gap := stallIn(times, marks[i], marks[i+1])
		summary = append(summary, fmt.Sprintf("%s: %.0f acks/s, longest pause %v", s.name, float64(n)/phase.Seconds(), gap))
		t.Logf("disk %s for %v: %d appends acknowledged, longest pause between acks %v", s.name, phase, n, gap)
	}
	resumed := firstAckAfter(times, marks[3])
	if resumed <= 0 {
		t.Errorf("no append acknowledged after the disk was fast again")
	}
	rep := verifyAcked(t, url, []string{w.file})
	var errs int
	for _, f := range w.finals() {
		errs += f.Errors
	}
	t.Logf("FAULTS slow-disk: acked=%d lost=%d forks=%d duplicate_payloads=%d append_errors=%d resumed_after=%v phases=[%s]",
		rep.Acked, rep.Lost, rep.Forks, rep.DuplicatePayloads, errs, resumed, strings.Join(summary, "; "))
}
