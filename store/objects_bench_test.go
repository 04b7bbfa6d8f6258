package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"

	"github.com/jetdag/jetdag/store/storetest"
)

// The memory budget for storing and reading back a 256 MiB file (issue 4).
const (
	memFileSize   = 256 << 20
	memBudgetKiB  = 128 << 10
	memChildEnv   = "JETDAG_OBJECTS_MEM_CHILD"
	memChildSeed  = "rss-256"
	memResultMark = "RESULT "
)

// memResult is what the child process reports.
type memResult struct {
	Content   string  `json:"content"`
	Size      int64   `json:"size"`
	PutRSSKiB int64   `json:"put_rss_kib"`
	CatRSSKiB int64   `json:"cat_rss_kib"`
	PutSecs   float64 `json:"put_secs"`
	CatSecs   float64 `json:"cat_secs"`
}

func maxRSSKiB() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return ru.Maxrss // KiB on Linux
}

// A 256 MiB file is stored and read back (verified) with peak RSS under 128 MiB. The client
// runs in a child process, so that its peak RSS is not the embedded server's.
func TestPut256MiBMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("stores 256 MiB")
	}
	if raceEnabled {
		t.Skip("the race detector multiplies memory use; measure without -race")
	}
	srv := storetest.Start(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestPutMemoryChild$", "-test.v")
	cmd.Env = append(os.Environ(), memChildEnv+"="+srv.ClientURL())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var res memResult
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), memResultMark); ok {
			if err := json.Unmarshal([]byte(rest), &res); err != nil {
				t.Fatal(err)
			}
		}
	}
	want, _, err := importFile(context.Background(), seeded(t, memFileSize, memChildSeed), profileLayout(), &hashDAG{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Content != want.String() || res.Size != memFileSize {
		t.Fatalf("child stored %s (%d bytes), want %s\n%s", res.Content, res.Size, want, out)
	}
	t.Logf("256 MiB file: put %.1fs at peak RSS %d MiB, cat %.1fs at peak RSS %d MiB (budget %d MiB)",
		res.PutSecs, res.PutRSSKiB>>10, res.CatSecs, res.CatRSSKiB>>10, memBudgetKiB>>10)
	if res.PutRSSKiB > memBudgetKiB || res.CatRSSKiB > memBudgetKiB {
		t.Fatalf("peak RSS put %d KiB, cat %d KiB; budget %d KiB", res.PutRSSKiB, res.CatRSSKiB, memBudgetKiB)
	}
}

// TestPutMemoryChild is the child of TestPut256MiBMemory; it does nothing in a normal run.
func TestPutMemoryChild(t *testing.T) {
	url := os.Getenv(memChildEnv)
	if url == "" {
		t.Skip("run by TestPut256MiBMemory")
	}
	ctx := context.Background()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	s, err := OpenObjects(ctx, nc, ObjectStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	put, err := s.PutReader(ctx, seeded(t, memFileSize, memChildSeed), cid.Undef)
	if err != nil {
		t.Fatal(err)
	}
	res := memResult{Content: put.Content.String(), Size: put.Size, PutSecs: time.Since(start).Seconds(), PutRSSKiB: maxRSSKiB()}
	start = time.Now()
	n, err := s.Cat(ctx, put.CID, io.Discard)
	if err != nil || n != memFileSize {
		t.Fatalf("cat: %d bytes, %v", n, err)
	}
	res.CatSecs, res.CatRSSKiB = time.Since(start).Seconds(), maxRSSKiB()
	b, _ := json.Marshal(res)
	fmt.Println(memResultMark + string(b))
}

// benchFile returns size bytes that differ from iteration to iteration in every 1 MiB
// chunk, so that no leaf is already stored.
func benchFile(base []byte, i int) []byte {
	for off := 0; off < len(base); off += 1 << 20 {
		binary.LittleEndian.PutUint64(base[off:], uint64(i))
	}
	return base
}

// BenchmarkPutReader stores a 16 MiB file as UnixFS blocks beside the baseline: the same
// bytes put into the same bucket as one plain object (nats.go's own chunking, no hashing
// per block, no existence checks).
func BenchmarkPutReader(b *testing.B) {
	ctx := context.Background()
	s := objOpen(b, storetest.Start(b), ObjectStoreConfig{})
	base := seededBytes(b, 16<<20, "bench")
	b.SetBytes(int64(len(base)))
	i := 0
	for b.Loop() {
		i++
		if _, err := s.PutReader(ctx, bytes.NewReader(benchFile(base, i)), cid.Undef); err != nil {
			b.Fatal(err)
		}
	}
	ours := float64(b.N) * float64(len(base)) / b.Elapsed().Seconds() / (1 << 20)
	start := time.Now()
	for j := range b.N {
		if _, err := s.bucket.PutBytes(ctx, fmt.Sprintf("baseline-%d", j), benchFile(base, -j)); err != nil {
			b.Fatal(err)
		}
	}
	baseline := float64(b.N) * float64(len(base)) / time.Since(start).Seconds() / (1 << 20)
	b.ReportMetric(ours/baseline, "x-baseline")
	b.Logf("PutReader %.0f MiB/s; baseline plain object put %.0f MiB/s (ratio %.2f)", ours, baseline, ours/baseline)
}

// BenchmarkCat reads a 16 MiB file back, verifying every block, beside the baseline: the
// same bytes read as one plain object with nats.go's GetBytes.
func BenchmarkCat(b *testing.B) {
	ctx := context.Background()
	s := objOpen(b, storetest.Start(b), ObjectStoreConfig{})
	base := seededBytes(b, 16<<20, "bench")
	res, err := s.PutReader(ctx, bytes.NewReader(base), cid.Undef)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.bucket.PutBytes(ctx, "baseline", base); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(base)))
	for b.Loop() {
		if n, err := s.Cat(ctx, res.CID, io.Discard); err != nil || n != int64(len(base)) {
			b.Fatal(n, err)
		}
	}
	ours := float64(b.N) * float64(len(base)) / b.Elapsed().Seconds() / (1 << 20)
	start := time.Now()
	for range b.N {
		if _, err := s.bucket.GetBytes(ctx, "baseline"); err != nil {
			b.Fatal(err)
		}
	}
	baseline := float64(b.N) * float64(len(base)) / time.Since(start).Seconds() / (1 << 20)
	b.ReportMetric(ours/baseline, "x-baseline")
	b.Logf("Cat %.0f MiB/s; baseline plain object get %.0f MiB/s (ratio %.2f)", ours, baseline, ours/baseline)
}
