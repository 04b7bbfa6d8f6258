package viewer

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// rssKiB reads the process's resident set size.
func rssKiB(t *testing.T) int {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status on this system")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return n
		}
	}
	t.Skip("no VmRSS")
	return 0
}

// A kiosk with --max-nodes keeps its memory flat while events stream through: the full path
// (JetStream → verified feed → bridge → world with retire → layout) takes soakEvents events,
// and the resident size after the last quarter is no more than 32 MiB above the size after
// the first quarter.
func TestKioskMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("streams many events")
	}
	n := soakEvents
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// The server and the producer run in a child process (this test binary again), so the
	// resident size measured here is the window's side alone: feed, bridge, world, layout.
	child := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSoakServer$", "-test.timeout=10m")
	child.Env = append(os.Environ(), "JETDAG_SOAK_SERVER="+strconv.Itoa(n))
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = child.Wait() }()
	url, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("soak server: %v", err)
	}
	url = strings.TrimSpace(strings.TrimPrefix(url, "url="))
	src, closeSrc, err := openSource(ctx, cli.ViewRequest{
		Conn: store.ConnConfig{Servers: []string{url}}, NATSGiven: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer closeSrc()
	const maxNodes = 5000
	bridge := ecs.NewBridge(0)
	graph := ecs.NewGraph(ecs.Config{MaxNodes: maxNodes}, bridge)
	graph.Start(ctx)
	go func() { _ = bridge.Run(ctx, src) }()

	var quarter, last int
	start := time.Now()
	for {
		graph.Update()
		st := graph.Stats()
		if st.Events+st.Objects > maxNodes {
			t.Fatalf("world holds %d nodes, bound %d", st.Events+st.Objects, maxNodes)
		}
		if quarter == 0 && st.LastSeq >= uint64(n/4) {
			runtime.GC()
			quarter = rssKiB(t)
		}
		if st.LastSeq >= uint64(n) {
			runtime.GC()
			last = rssKiB(t)
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("only %d of %d events reached the world", st.LastSeq, n)
		}
		if bridge.Lag() == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	el := time.Since(start)
	t.Logf("%d events through the world in %s (%.0f/s); RSS %d MiB after a quarter, %d MiB at the end",
		n, el.Round(time.Millisecond), float64(n)/el.Seconds(), quarter/1024, last/1024)
	if judgeRSS && last > quarter+32*1024 {
		t.Errorf("RSS grew from %d MiB to %d MiB while %d events streamed through a %d-node world", quarter/1024, last/1024, n, maxNodes)
	}
}

// TestSoakServer is the child process of TestKioskMemoryFlat: an embedded server and a
// producer that streams valid chained events over 1,000 aggregates as fast as the server
// takes them. It does nothing unless JETDAG_SOAK_SERVER is set.
func TestSoakServer(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("JETDAG_SOAK_SERVER"))
	if err != nil {
		t.Skip("the child process of TestKioskMemoryFlat")
	}
	// The parent reads only the first line of this process's output: say why it fails on
	// stderr, which the parent shares.
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "soak server:", err)
		t.Fatal(err)
	}
	ctx := context.Background()
	srv := storetest.Start(t)
	nc := srv.Connect(t)
	js, _ := jetstream.New(nc)
	if _, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{}); err != nil {
		fail(err)
	}
	fmt.Printf("url=%s\n", srv.ClientURL())
	heads := make([]block.Event, 1000)
	has := make([]bool, 1000)
	payload := make([]byte, 64)
	for i := range n {
		a := i % 1000
		ev := block.Event{AggregateID: fmt.Sprintf("kiosk-%d", a), EventType: "Tick", Payload: payload, Timestamp: int64(i + 1)}
		if has[a] {
			_, c, _ := heads[a].Block()
			ev.PreviousCID = c
		}
		m, _, err := store.EventMessage(&ev)
		if err != nil {
			fail(err)
		}
		// At most 1,000 in flight, well under the client's limit of 4,000 pending async
		// publishes: beyond it a publish gives up after a 200 ms stall, which a loaded
		// machine (the window consuming beside the server) reaches.
		if _, err := js.PublishMsgAsync(m); err != nil {
			fail(err)
		}
		heads[a], has[a] = ev, true
		if i%1000 == 999 {
			<-js.PublishAsyncComplete()
		}
	}
	<-js.PublishAsyncComplete()
	// Serve until the parent ends this process.
	select {}
}
