package translog_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/server"
	"github.com/jetdag/jetdag/store/storetest"
	"github.com/jetdag/jetdag/store/translog"
)

// TestServeForBenchmark is not a test: run by BenchmarkWriterHeap and TestWriterHeapBounded
// as a child process ($JETDAG_TEST_SERVE_DIR set), it runs an embedded server there until its
// standard input closes, so that the measured heap holds none of the server's memory.
func TestServeForBenchmark(t *testing.T) {
	dir := os.Getenv("JETDAG_TEST_SERVE_DIR")
	if dir == "" {
		t.Skip("only as BenchmarkWriterHeap's server process")
	}
	srv, err := server.Start(server.Config{StoreDir: dir, Listen: os.Getenv("JETDAG_TEST_SERVE_LISTEN")})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	fmt.Println("ready", srv.ClientURL())
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
}

// serverProcess starts TestServeForBenchmark in a child process and returns its client URL.
func serverProcess(b testing.TB) string {
	b.Helper()
	port := storetest.FreePorts(b, 1)[0]
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeForBenchmark$", "-test.v")
	cmd.Env = append(os.Environ(), "JETDAG_TEST_SERVE_DIR="+b.TempDir(), "JETDAG_TEST_SERVE_LISTEN=127.0.0.1:"+strconv.Itoa(port))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if url, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
			go func() { // keep the pipe drained
				for sc.Scan() {
				}
			}()
			return url
		}
	}
	b.Fatalf("server process ended before it was ready: %v", sc.Err())
	return ""
}

// liveHeapMB collects garbage and returns the live heap in MB.
func liveHeapMB() float64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return float64(s[0].Value.Uint64()) / 1e6
}

// publishRaw publishes n chained events over len(heads) aggregates named tag-%04d straight to
// the stream, continuing the chains whose last CIDs heads holds.
func publishRaw(t testing.TB, js jetstream.JetStream, tag string, heads []cid.Cid, n int) {
	t.Helper()
	ts := time.Now().UnixNano()
	for i := range n {
		a := i % len(heads)
		ev := block.Event{AggregateID: fmt.Sprintf("%s-%04d", tag, a), EventType: "Filled", Timestamp: ts + int64(i), PreviousCID: heads[a]}
		m, c, err := store.EventMessage(&ev)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.PublishMsgAsync(m); err != nil {
			t.Fatal(err)
		}
		heads[a] = c
		if i%5000 == 4999 {
			<-js.PublishAsyncComplete()
		}
	}
	<-js.PublishAsyncComplete()
}

// The log writer's memory does not grow with the log: with its bounded parts small (a feed
// memory of 1,024 CIDs and 64 tiles a cache part, both full after 10,000 leaves), its live
// heap after a checkpoint at 50,000 leaves is within heapBudgetMB of the heap at 10,000.
// Anything it kept per leaf would break the budget: 40,000 more leaves are 1.28 MB as bare
// 32-byte hashes, more than twice that as CIDs in a map. The server runs in a child process
// (its memory grows with the stream) and the events are published raw on another connection.
func TestWriterHeapBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("50,000 events")
	}
	const heapBudgetMB = 0.5
	const aggs, round, first, rounds = 100, 10_000, 10_000, 5
	ctx := context.Background()
	url := serverProcess(t)
	pub, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	js, err := jetstream.New(pub, jetstream.WithPublishAsyncMaxPending(20000))
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	skey, _ := benchKey(t)
	signer, _ := translog.NewSigner(skey)
	w := openLog(t, nc, translog.Config{Signer: signer, FeedMemory: 1024, TileCache: 64})
	heads := make([]cid.Cid, aggs)
	var at []float64
	for r := range rounds {
		publishRaw(t, js, "budget", heads, round)
		res, err := w.Checkpoint(ctx)
		if err != nil || res.N != int64((r+1)*round) {
			t.Fatalf("checkpoint %d: %v %v", r, res, err)
		}
		if r == 0 || r == rounds-1 {
			at = append(at, liveHeapMB())
		}
	}
	t.Logf("writer's live heap: %.3f MB at %d leaves, %.3f MB at %d", at[0], first, at[1], rounds*round)
	if d := at[1] - at[0]; d > heapBudgetMB {
		t.Fatalf("the writer's heap grew %.3f MB from %d to %d leaves (budget %.1f MB): it keeps something per leaf", d, first, rounds*round, heapBudgetMB)
	}
}

// BenchmarkWriterHeap measures the log writer's own memory as the log grows: the server runs
// in another process, the events are published raw (no event store appender in this
// process), and after every 10,000 events the writer checkpoints them (verify, tiles, state
// block, note). It reports the live heap after a collection at a tenth, three tenths and all
// of $JETDAG_LOG_BENCH_LEAVES leaves (default 100,000), beside the heap before the writer's
// first checkpoint (base_mb: the connection and stores opened).
func BenchmarkWriterHeap(b *testing.B) {
	ctx := context.Background()
	leaves := benchLeaves(b, 100_000, 10_000)
	for range b.N {
		nc, err := nats.Connect(serverProcess(b))
		if err != nil {
			b.Fatal(err)
		}
		js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(20000))
		if err != nil {
			b.Fatal(err)
		}
		skey, _ := benchKey(b)
		signer, _ := translog.NewSigner(skey)
		w := openLog(b, nc, translog.Config{Signer: signer})
		base := liveHeapMB()
		marks := []int{leaves / 10, leaves * 3 / 10, leaves}
		names := []string{"live_mb_at_10pct", "live_mb_at_30pct", "live_mb_at_100pct"}
		const aggs, round = 1000, 10_000
		heads := make([]cid.Cid, aggs)
		ts := time.Now().UnixNano()
		t0 := time.Now()
		for i := 0; i < leaves; {
			for end := min(i+round, leaves); i < end; i++ {
				a := i % aggs
				ev := block.Event{AggregateID: fmt.Sprintf("heap-%04d", a), EventType: "Filled", Timestamp: ts + int64(i), PreviousCID: heads[a]}
				m, c, err := store.EventMessage(&ev)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := js.PublishMsgAsync(m); err != nil {
					b.Fatal(err)
				}
				heads[a] = c
			}
			<-js.PublishAsyncComplete()
			res, err := w.Checkpoint(ctx)
			if err != nil || res.N != int64(i) {
				b.Fatalf("checkpoint at %d: %v %v", i, res, err)
			}
			if i >= marks[0] {
				b.ReportMetric(liveHeapMB(), names[0])
				marks, names = marks[1:], names[1:]
			}
		}
		b.ReportMetric(base, "base_mb")
		b.ReportMetric(time.Since(t0).Seconds(), "fill_and_checkpoint_s")
		nc.Close()
	}
}
