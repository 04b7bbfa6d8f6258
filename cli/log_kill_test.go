package cli_test

import (
	"bytes"
	"context"
	"errors"
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
	"github.com/jetdag/jetdag/store/translog"
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

// killPoints are the moments TestCheckpointerKilled stops a checkpointer at, one a round:
// after its note is published but before it hears back (so the later rounds start from a
// stored checkpoint), then in the order a checkpoint passes them, reading the stream (the
// nth pull of its scan), writing tiles (the nth tile write, partial tiles of the stored
// checkpoint extended among them), storing the state block (a block's data stored, its
// metadata not) and before the note is published. Each nth is random within what every
// round has.
func killPoints() []holdPoint {
	prefix := func(p string) func(string) bool { return func(s string) bool { return strings.HasPrefix(s, p) } }
	return []holdPoint{
		{name: "after the note, before its ack", match: func(s string) bool { return s == translog.CheckpointSubject }, nth: 1, after: true},
		{name: "reading the stream", match: prefix("$JS.API.CONSUMER.MSG.NEXT." + store.StreamName + "."), nth: 2 + rand.IntN(4)},
		{name: "writing tiles", match: prefix("$KV." + translog.TileBucket + "."), nth: 1 + rand.IntN(40)},
		{name: "storing the state block", match: prefix("$O." + store.ObjectBucket + ".M."), nth: 1},
		{name: "publishing the note", match: func(s string) bool { return s == translog.CheckpointSubject }, nth: 1},
	}
}

// latestSize is the tree size of the newest stored checkpoint (0 when there is none).
func latestSize(t *testing.T, js jetstream.JetStream) int64 {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, translog.CheckpointStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetLastMsgForSubject(ctx, translog.CheckpointSubject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	cp, err := translog.ParseNote(m.Data)
	if err != nil {
		t.Fatal(err)
	}
	return cp.N
}

// A checkpointer SIGKILLed at each point of its work (reading the stream, writing tiles, the
// state block, before and after publishing the note: killPoints) leaves no partial
// checkpoint and no tile that disagrees: its successor continues, and verify --vkey finds
// every stored checkpoint consistent with the stream. Each round runs `log checkpoint`
// through a proxy that freezes its connection at the round's point (holdProxy), so the kill
// lands there every time: a kill before the note must leave the latest checkpoint as it was,
// one after it must find the note stored.
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
	points := killPoints()
	rounds, per := len(points), 5000 // JETDAG_FAULTS=long (make faults): every point twice, 20000 events a round
	if os.Getenv("JETDAG_FAULTS") == "long" {
		rounds, per = 2*len(points), 20000
	}
	for round := range rounds {
		pt := points[round%len(points)]
		leaves = append(leaves, fillEvents(t, js, per, 50, "k", heads)...)
		before := latestSize(t, js)
		proxy := startHoldProxy(t, url, pt)
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperJetdag$")
		cmd.Env = append(os.Environ(), "JETDAG_HELPER_ARGS="+strings.Join([]string{"--nats", proxy.url, "log", "checkpoint", "--key", key}, "\x1f"))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			t.Fatalf("round %d: the checkpointer ended (%v) without reaching %q (message %d of it): %s", round, err, pt.name, pt.nth, out.String())
		case <-time.After(2 * time.Minute):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-exited
			t.Fatalf("round %d: the checkpointer reached neither %q nor its end in 2 minutes", round, pt.name)
		case <-proxy.held:
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-exited
		}
		proxy.close()
		want := before // killed before its note: nothing new stored
		if pt.after {
			want = int64(len(leaves))
		}
		got := latestSize(t, js)
		for deadline := time.Now().Add(10 * time.Second); got != want && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			got = latestSize(t, js) // the note forwarded just before the kill may still be in flight
		}
		if got != want {
			t.Fatalf("round %d: killed at %q (message %d): latest checkpoint of size %d, want %d", round, pt.name, pt.nth, got, want)
		}
		t.Logf("round %d: killed at %q (message %d); latest checkpoint size %d", round, pt.name, pt.nth, got)
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
