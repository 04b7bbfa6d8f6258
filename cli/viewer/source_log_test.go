package viewer

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
	"github.com/jetdag/jetdag/store/translog"
	"github.com/jetdag/jetdag/store/translog/logtest"
	"github.com/jetdag/jetdag/systems"
)

// logWorld opens the viewer's source on srv with view options o and runs a world fed by it.
func logWorld(ctx context.Context, t *testing.T, srv *storetest.Server, o cli.ViewOptions) (*ecs.Graph, *storeSource) {
	t.Helper()
	src, closeSrc, err := openSource(ctx, quietRequest(srv, o))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeSrc)
	src.logPoll = 20 * time.Millisecond
	graph := runWorld(ctx, ecs.Config{}, src)
	return graph, src
}

// waitLog updates the world until its log status satisfies ok.
func waitLog(ctx context.Context, t *testing.T, g *ecs.Graph, what string, ok func(components.LogStatusData) bool) components.LogStatusData {
	t.Helper()
	for {
		g.Update()
		if st := g.Stats().Log; ok(st) {
			return st
		}
		if ctx.Err() != nil {
			t.Fatalf("%s: log status %+v", what, g.Stats().Log)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A checkpoint made with translog on a real server reaches the world: its size, verified
// with --log-vkey, unverified without a key, the witnesses that cosigned it counted, and a
// contradicting checkpoint (a second root for a size already held, signed with the log's
// key) turns into a problem.
func TestSourceFollowsLog(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, nc, events, objects := openStores(ctx, t)
	var evs []cid.Cid
	appendN := func(n int) {
		for range n {
			ev, err := events.Append(ctx, "order-1", "Tick", []byte("x"))
			if err != nil {
				t.Fatal(err)
			}
			evs = append(evs, ev.CID)
		}
	}
	appendN(5)

	// No log yet: the world says nothing of one.
	noLog, noKeySrc := logWorld(ctx, t, srv, cli.ViewOptions{})
	for range 40 {
		noLog.Update()
		time.Sleep(5 * time.Millisecond)
	}
	if st := noLog.Stats().Log; st.Present || st.Problem != "" {
		t.Fatalf("a store without a log shows %+v", st)
	}
	if _, err := noKeySrc.Prove(ctx, evs[0]); !errors.Is(err, systems.ErrNoLog) {
		t.Fatalf("proof without a log: %v, want ErrNoLog", err)
	}
	key := logtest.NewLogKey(t, "test.example/log")
	vkey, signer := key.VKey, key.Signer
	l, err := translog.Open(ctx, nc, events, objects, translog.Config{Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	vkeyFile := filepath.Join(t.TempDir(), "log.vkey")
	if err := os.WriteFile(vkeyFile, []byte(vkey+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	keyed, keyedSrc := logWorld(ctx, t, srv, cli.ViewOptions{LogVKey: vkeyFile})
	st := waitLog(ctx, t, keyed, "verified size 5", func(s components.LogStatusData) bool { return s.Present && s.Size == 5 })
	if !st.Verified || st.Problem != "" || time.Since(st.Time) > time.Minute {
		t.Fatalf("with the key: %+v, want size 5 verified, stored just now", st)
	}
	st = waitLog(ctx, t, noLog, "unverified size 5", func(s components.LogStatusData) bool { return s.Present && s.Size == 5 })
	if st.Verified || st.Problem != "" {
		t.Fatalf("without a key: %+v, want size 5 unverified", st)
	}

	// The inspector's proofs: the third of five events is leaf 2, a three-hash proof; an
	// event newer than the checkpoint is not in it.
	p, err := keyedSrc.Prove(ctx, evs[2])
	if err != nil || p != (systems.LogProof{Leaf: 2, Size: 5, Hashes: 3, KeyVerified: true}) {
		t.Fatalf("proof of the third event: %+v, %v", p, err)
	}
	if p, err := noKeySrc.Prove(ctx, evs[4]); err != nil || p.Leaf != 4 || p.KeyVerified {
		t.Fatalf("proof without a key: %+v, %v; want leaf 4, not key-verified", p, err)
	}
	appendN(1)
	if _, err := keyedSrc.Prove(ctx, evs[5]); !errors.Is(err, systems.ErrNotInLog) {
		t.Fatalf("proof of an event newer than the checkpoint: %v, want ErrNotInLog", err)
	}

	// A checkpoint of another key fails the signature check.
	otherV := logtest.NewLogKey(t, "test.example/log").VKey
	wrong, _ := logWorld(ctx, t, srv, cli.ViewOptions{LogVKey: otherV})
	st = waitLog(ctx, t, wrong, "signature problem", func(s components.LogStatusData) bool { return s.Problem != "" })
	if st.Verified || !strings.Contains(st.Problem, "signature") {
		t.Fatalf("with another key: %+v, want a signature problem", st)
	}

	// The log grows: the world follows, consistent.
	appendN(4)
	if _, err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	st = waitLog(ctx, t, keyed, "size 10", func(s components.LogStatusData) bool { return s.Size == 10 && s.Problem == "" })
	// The checkpoint of size 10 added the events at stream sequences 6-10 (k highlights them).
	if st.Seq != 10 || st.PrevSeq != 5 {
		t.Fatalf("size 10: seq %d after %d, want 10 after 5", st.Seq, st.PrevSeq)
	}

	// Two witnesses cosign it: the status bar counts both.
	latest, err := l.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var w1 string
	for _, name := range []string{"w1.example", "w2.example"} {
		wk := logtest.NewWitnessKey(t, name)
		if w1 == "" {
			w1 = wk.VKey
		}
		wit := wk.Witness(t, l, vkey)
		if ok, err := wit.Observe(ctx, latest); err != nil || !ok {
			t.Fatalf("witness %s: cosigned %v, %v", name, ok, err)
		}
	}
	st = waitLog(ctx, t, keyed, "two witnesses", func(s components.LogStatusData) bool { return s.Size == 10 && s.Witnesses == 2 && s.Problem == "" })
	if st.WitnessesVerified {
		t.Fatal("cosignatures counted without witness keys are shown verified")
	}
	// With w1's key (and an unknown witness's) only w1's cosignature counts, verified.
	strangerKey := logtest.NewWitnessKey(t, "w3.example").VKey
	witnessed, _ := logWorld(ctx, t, srv, cli.ViewOptions{LogVKey: vkey, WitnessVKeys: []string{w1, strangerKey}})
	st = waitLog(ctx, t, witnessed, "one verified witness", func(s components.LogStatusData) bool { return s.Size == 10 && s.Witnesses == 1 })
	if !st.WitnessesVerified || st.Problem != "" {
		t.Fatalf("with witness keys: %+v, want 1 verified witness", st)
	}
	if _, _, err := openSource(ctx, cli.ViewRequest{Options: cli.ViewOptions{WitnessVKeys: []string{"not+a+key"}},
		Conn: store.ConnConfig{Servers: []string{srv.ClientURL()}}, NATSGiven: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}); err == nil || !strings.Contains(err.Error(), "--witness-vkey") {
		t.Fatalf("a malformed witness key: %v", err)
	}

	// Another root for size 10, signed with the log's own key: contradicted.
	lines := strings.Split(latest.Text, "\n")
	lines[2] = base64.StdEncoding.EncodeToString(make([]byte, 32))
	forged, err := note.Sign(&note.Note{Text: strings.Join(lines, "\n")}, signer)
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, translog.CheckpointSubject, forged); err != nil {
		t.Fatal(err)
	}
	st = waitLog(ctx, t, keyed, "contradiction", func(s components.LogStatusData) bool { return s.Problem != "" })
	if st.Verified || !strings.Contains(st.Problem, "two checkpoints of size 10") {
		t.Fatalf("after a forged checkpoint: %+v, want the contradiction", st)
	}
}
