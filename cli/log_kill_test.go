package cli_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// TestHelperJetdag is not a test: the kill test re-runs the test binary as a jetdag process
// (JETDAG_HELPER_ARGS set) so that it can SIGKILL it.
func TestHelperJetdag(t *testing.T) {
	args := os.Getenv("JETDAG_HELPER_ARGS")
	if args == "" {
		t.Skip("helper process only")
	}
	os.Exit(cli.Main(strings.Split(args, "\x1f"), os.Stdin, os.Stdout, os.Stderr))
}

// fillEvents publishes n chained events over aggs aggregates straight to the stream (fast),
// continuing chains named tag from heads.
func fillEvents(t *testing.T, js jetstream.JetStream, n, aggs int, tag string, heads map[string]*block.Event) []cid.Cid {
	t.Helper()
	ctx := context.Background()
	var out []cid.Cid
	for i := range n {
		a := fmt.Sprintf("%s-%d", tag, i%aggs)
		ev := &block.Event{AggregateID: a, EventType: "Fill", Payload: []byte(fmt.Sprint(i)), Timestamp: time.Now().UnixNano()}
		if h := heads[a]; h != nil {
			_, c, err := h.Block()
			if err != nil {
				t.Fatal(err)
			}
			ev.PreviousCID = c
		}
		m, c, err := store.EventMessage(ev)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
		if _, err := js.PublishMsgAsync(m); err != nil {
			t.Fatal(err)
		}
		heads[a] = ev
		if i%5000 == 4999 {
			<-js.PublishAsyncComplete()
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-ctx.Done():
	}
	return out
}

// A checkpointer SIGKILLed at random moments (reading the stream, writing tiles, the state
// block or the note) leaves no partial checkpoint and no tile that disagrees: its successor
// continues, and verify --vkey finds every stored checkpoint consistent with the stream.
func TestCheckpointerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes for a while")
	}
	srv := storetest.Start(t)
	url := srv.ClientURL()
	dir := t.TempDir()
	key, vkey := logKey(t, url, dir, "kill.example/log")
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(10000))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.OpenEvents(context.Background(), nc, store.EventStoreConfig{}); err != nil {
		t.Fatal(err)
	}
	heads := map[string]*block.Event{}
	var leaves []cid.Cid
	killed := 0
	rounds, per := 3, 8000 // JETDAG_FAULTS=long (make faults): 6 rounds of 20000
	if os.Getenv("JETDAG_FAULTS") == "long" {
		rounds, per = 6, 20000
	}
	for round := range rounds {
		leaves = append(leaves, fillEvents(t, js, per, 50, "k", heads)...)
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperJetdag$")
		cmd.Env = append(os.Environ(), "JETDAG_HELPER_ARGS="+strings.Join([]string{"--nats", url, "log", "checkpoint", "--key", key}, "\x1f"))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		delay := time.Duration(30+rand.IntN(per/40)) * time.Millisecond
		select {
		case err := <-exited:
			t.Logf("round %d: the checkpointer finished before the kill at %s (%v)", round, delay, err)
		case <-time.After(delay):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-exited
			killed++
			t.Logf("round %d: killed after %s", round, delay)
		}
	}
	if killed == 0 {
		t.Fatal("no checkpointer was killed mid-way: the rounds are too short")
	}
	var cp cpOut
	objRunOK(t, url, nil, &cp, "log", "checkpoint", "--key", key)
	if cp.Size != int64(len(leaves)) {
		out, errs, code := objRun(t, url, nil, "log", "checkpoint", "--key", key)
		t.Fatalf("the successor's checkpoint: %+v; again: %d %s %s", cp, code, out, errs)
	}
	out := objRunOK(t, url, nil, nil, "verify", "--vkey", vkey, "--objects=false")
	if !strings.Contains(out, `"log_ok":true`) {
		t.Fatalf("verify after the kills:\n%s", out)
	}
	// Leaves prove against the final checkpoint from the stored tiles, and every earlier
	// size is consistent with it, whatever the killed writers left behind.
	for _, i := range []int{0, 255, 256, len(leaves) / 2, len(leaves) - 1} {
		var pr struct {
			Index int64
			Proof []string
		}
		objRunOK(t, url, nil, &pr, "log", "prove", leaves[i].String())
		if err := tlog.CheckRecord(decodeProof(t, pr.Proof), cp.Size, rootOf(t, cp.Root), pr.Index, tlog.RecordHash(leaves[i].Bytes())); err != nil || pr.Index != int64(i) {
			t.Fatalf("leaf %d: index %d, %v", i, pr.Index, err)
		}
	}
	for _, n := range []int{1, per, len(leaves) - 1} {
		objRunOK(t, url, nil, nil, "log", "consistency", "--from", fmt.Sprint(n))
	}
}
