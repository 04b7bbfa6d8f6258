package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/gateway"
	"github.com/jetdag/jetdag/store/storetest"
)

// largeFile stores a file of size bytes on a fresh server and returns the server and the
// file's UnixFS root.
func largeFile(b *testing.B, size int) (*storetest.Server, *store.JetStreamObjects, *store.JetStreamEvents, cid.Cid) {
	b.Helper()
	ctx := context.Background()
	srv := storetest.Start(b)
	nc := srv.Connect(b)
	events, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{})
	if err != nil {
		b.Fatal(err)
	}
	objects, err := store.OpenObjects(ctx, nc, store.ObjectStoreConfig{})
	if err != nil {
		b.Fatal(err)
	}
	put, err := objects.PutReader(ctx, bytes.NewReader(pseudo(size)), cid.Undef)
	if err != nil {
		b.Fatal(err)
	}
	return srv, objects, events, put.Content
}

func fetchAll(b *testing.B, url string, want int64) {
	b.Helper()
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || n < want {
		b.Fatalf("GET %s: status %d, %d bytes (want %d), %v", url, resp.StatusCode, n, want, err)
	}
}

// BenchmarkLargeFile fetches a 64 MiB file through the gateway (in-process, over a real
// listener), as a file and as a CAR, beside the store's own verified Cat of the same file.
func BenchmarkLargeFile(b *testing.B) {
	const size = 64 << 20
	_, objects, events, root := largeFile(b, size)
	h, err := gateway.NewHandler(gateway.NewBlockstore(objects, events), gateway.Config{})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(h)
	b.Cleanup(hs.Close)
	b.Run("baseline_cat", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := objects.Cat(context.Background(), root, io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gateway_file", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			fetchAll(b, hs.URL+"/ipfs/"+root.String(), size)
		}
	})
	b.Run("gateway_car", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			fetchAll(b, hs.URL+"/ipfs/"+root.String()+"?format=car&dag-scope=all", size)
		}
	})
}

// vmHWM reads a process's peak resident set (VmHWM, per address space, so unaffected by the
// test process it was forked from) in MiB.
func vmHWM(pid int) (float64, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024, err == nil
		}
	}
	return 0, false
}

// BenchmarkGatewayRSS runs `jetdag gateway` as a process of its own (the NATS server stays in
// the test process, so its caches are not counted) and reports its peak resident set idle,
// after serving an 8 MiB file whole and as a CAR, and after the same for a 64 MiB file; the
// baseline is the peak of `jetdag cat` of the 64 MiB file. Streaming shows as a peak that
// does not grow with the file.
func BenchmarkGatewayRSS(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs /proc")
	}
	bin := filepath.Join(b.TempDir(), "jetdag")
	if out, err := exec.Command("go", "build", "-o", bin, "../..").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	srv, objects, _, small := largeFile(b, 8<<20)
	put, err := objects.PutReader(context.Background(), bytes.NewReader(pseudo(64<<20)), cid.Undef)
	if err != nil {
		b.Fatal(err)
	}
	big := put.Content
	b.Run("baseline_cat_64MiB", func(b *testing.B) {
		var peak float64
		for b.Loop() {
			cmd := exec.Command(bin, "--nats", srv.ClientURL(), "cat", big.String())
			cmd.Stdout = io.Discard
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			for running := true; running; {
				if v, ok := vmHWM(cmd.Process.Pid); ok {
					peak = max(peak, v)
				}
				select {
				case err := <-done:
					if err != nil {
						b.Fatal(err)
					}
					running = false
				case <-time.After(5 * time.Millisecond):
				}
			}
		}
		b.ReportMetric(peak, "max_rss_MiB")
	})
	// GOMEMLIMIT makes the collector work harder near the limit: a gateway that held a
	// response in memory would still pass it, one that streams stays near it.
	for _, env := range []string{"", "GOMEMLIMIT=32MiB"} {
		b.Run("gateway"+strings.ReplaceAll(env, "=", "_"), func(b *testing.B) { gatewayRSS(b, bin, srv.ClientURL(), env, small, big) })
	}
}

func gatewayRSS(b *testing.B, bin, natsURL, env string, small, big cid.Cid) {
	var idle, after8, after64 float64
	for b.Loop() {
		cmd := exec.Command(bin, "--nats", natsURL, "gateway", "--http", "127.0.0.1:0")
		if env != "" {
			cmd.Env = append(os.Environ(), env)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadBytes('\n')
		var rep map[string]string
		if err != nil || json.Unmarshal(line, &rep) != nil {
			_ = cmd.Process.Kill()
			b.Fatalf("gateway printed %q: %v", line, err)
		}
		pid := cmd.Process.Pid
		v, _ := vmHWM(pid)
		idle = max(idle, v)
		fetchAll(b, rep["gateway"]+small.String(), 8<<20)
		fetchAll(b, rep["gateway"]+small.String()+"?format=car&dag-scope=all", 8<<20)
		v, _ = vmHWM(pid)
		after8 = max(after8, v)
		fetchAll(b, rep["gateway"]+big.String(), 64<<20)
		fetchAll(b, rep["gateway"]+big.String()+"?format=car&dag-scope=all", 64<<20)
		v, _ = vmHWM(pid)
		after64 = max(after64, v)
		_ = cmd.Process.Signal(os.Interrupt)
		if err := cmd.Wait(); err != nil {
			b.Fatalf("gateway: %v", err)
		}
	}
	b.ReportMetric(idle, "idle_rss_MiB")
	b.ReportMetric(after8, "rss_after_8MiB_MiB")
	b.ReportMetric(after64, "rss_after_64MiB_MiB")
}
