package viewer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"golang.org/x/mod/sumdb/note"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
	"github.com/jetdag/jetdag/store/translog"
	"github.com/jetdag/jetdag/store/translog/logtest"
	"github.com/jetdag/jetdag/systems"
)

// resumeStore is a real server holding 30 events in three aggregates, a checkpoint of them
// signed with a fresh log key, and 6 events after it (one naming a pre-checkpoint event of
// another aggregate as its parent).
type resumeStore struct {
	srv           *storetest.Server
	events        *store.JetStreamEvents
	signer        note.Signer
	vkey          string
	cp            *translog.Checkpoint
	before, after []cid.Cid
	heads         map[string]cid.Cid // at the checkpoint
	firstOfOrder0 cid.Cid
}

func newResumeStore(ctx context.Context, t *testing.T) *resumeStore {
	t.Helper()
	srv, nc, events, objects := openStores(ctx, t)
	rs := &resumeStore{srv: srv, heads: map[string]cid.Cid{}}
	rs.events = events
	for i := range 30 {
		agg := fmt.Sprintf("order-%d", i%3)
		ev, err := events.Append(ctx, agg, "Tick", []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		rs.before = append(rs.before, ev.CID)
		rs.heads[agg] = ev.CID
	}
	rs.firstOfOrder0 = rs.before[0]
	key := logtest.NewLogKey(t, "resume.example/log")
	rs.signer, rs.vkey = key.Signer, key.VKey
	l, err := translog.Open(ctx, nc, events, objects, translog.Config{Signer: rs.signer})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rs.cp = res.Checkpoint
	for i := range 6 {
		ne := store.NewEvent{AggregateID: fmt.Sprintf("order-%d", i%3), EventType: "After", Payload: []byte("y")}
		if i == 4 {
			ne.Parents = []cid.Cid{rs.firstOfOrder0} // older than the checkpoint: looked up in the index
		}
		ev, err := events.AppendEvent(ctx, ne)
		if err != nil {
			t.Fatal(err)
		}
		rs.after = append(rs.after, ev.CID)
	}
	return rs
}

func (rs *resumeStore) open(ctx context.Context, o cli.ViewOptions) (*storeSource, func(), error) {
	return openSource(ctx, cli.ViewRequest{
		Options: o, Conn: store.ConnConfig{Servers: []string{rs.srv.ClientURL()}}, NATSGiven: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

// view --checkpoint latest --log-vkey V on a real server: the world holds the aggregates'
// heads at the checkpoint and the events after it, nothing older; the status bar says where
// it resumed; the parent from before the checkpoint is accepted (found in the index), and an
// event appended while the window is live arrives verified.
func TestSourceResumesFromCheckpoint(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rs := newResumeStore(ctx, t)
	src, closeSrc, err := rs.open(ctx, cli.ViewOptions{Checkpoint: "latest", LogVKey: rs.vkey})
	if err != nil {
		t.Fatal(err)
	}
	defer closeSrc()
	graph := runWorld(ctx, ecs.Config{Partial: true}, src)
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for !ok() {
			if ctx.Err() != nil {
				t.Fatalf("%s: stats %+v", what, graph.Stats())
			}
			graph.Update()
			for _, s := range ecs.WindowStages() {
				s.Run(graph.ECS())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor("caught up", func() bool { st := graph.Stats(); return st.CaughtUp && st.Events == 3+6 })
	st := graph.Stats()
	if st.ResumedSeq != 30 || st.ResumedSize != 30 || st.Rejected != 0 || st.LastSeq != 36 {
		t.Fatalf("resumed world: %+v, want resumed at seq 30 size 30, 9 events to seq 36, none rejected", st)
	}
	for agg, h := range rs.heads {
		if _, ok := graph.Lookup(h); !ok {
			t.Errorf("the head of %s at the checkpoint is not drawn", agg)
		}
	}
	for _, c := range rs.after {
		if _, ok := graph.Lookup(c); !ok {
			t.Errorf("event %s after the checkpoint is not drawn", c)
		}
	}
	if _, ok := graph.Lookup(rs.firstOfOrder0); ok {
		t.Error("an event older than the heads was drawn")
	}
	graph.Update()
	for _, s := range ecs.WindowStages() {
		s.Run(graph.ECS())
	}
	line := systems.StatusLine(graph.ECS())
	if !strings.Contains(line, "resumed at seq 30 · checkpoint size 30") || !strings.Contains(line, "live") {
		t.Fatalf("status line %q: want live, resumed at seq 30 · checkpoint size 30", line)
	}
	ev, err := rs.events.Append(ctx, "order-1", "Live", nil)
	if err != nil {
		t.Fatal(err)
	}
	waitFor("live event", func() bool { _, ok := graph.Lookup(ev.CID); return ok })
	if st := graph.Stats(); st.Rejected != 0 || st.Events != 10 {
		t.Fatalf("after a live append: %+v", st)
	}
}

// With --max-nodes N only the newest N heads are fetched; a head is read at its sequence
// and must hash to its CID.
func TestSourceResumeBoundsHeads(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rs := newResumeStore(ctx, t)
	src, closeSrc, err := rs.open(ctx, cli.ViewOptions{Checkpoint: "latest", LogVKey: rs.vkey, MaxNodes: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer closeSrc()
	bridge := ecs.NewBridge(64)
	graph := ecs.NewGraph(ecs.Config{Partial: true}, bridge) // unbounded: what was sent stays
	graph.Start(ctx)
	if err := src.sendHeads(ctx, bridge, src.resume); err != nil {
		t.Fatal(err)
	}
	for range 100 {
		graph.Update()
		time.Sleep(2 * time.Millisecond)
	}
	if _, ok := graph.Lookup(rs.heads["order-0"]); ok || graph.Stats().Events != 2 {
		t.Fatalf("max-nodes 2: %d events sent, order-0's head (the oldest, seq 28) drawn %v", graph.Stats().Events, ok)
	}
	// The heads are read by sequence and checked against their CID, not through the index.
	h := rs.heads["order-2"] // seq 30
	if ev, err := rs.events.GetAt(ctx, h, 30); err != nil || ev.CID != h || ev.AggregateID != "order-2" {
		t.Fatalf("GetAt the head's sequence: %v, %v", ev, err)
	}
	if _, err := rs.events.GetAt(ctx, h, 29); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("GetAt another event's sequence: %v, want ErrCorrupt", err)
	}
	if _, err := rs.events.GetAt(ctx, h, 10_000); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetAt past the stream's end: %v, want ErrNotFound", err)
	}
}

// A checkpoint that does not verify stops the view before any window opens: signed by none
// of the configured key (another key of the same name, another log's key) is bad input (2);
// a note signed by the log's key that the store contradicts (its state line names another
// sequence), or a store without a log, is a failure (1).
func TestSourceResumeRefused(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rs := newResumeStore(ctx, t)
	dir := t.TempDir()
	sameName := logtest.NewLogKey(t, "resume.example/log").VKey
	foreign := logtest.NewLogKey(t, "other.example/log").VKey
	forgedText := strings.Replace(rs.cp.Text, "jetdag-state 30 ", "jetdag-state 29 ", 1)
	if forgedText == rs.cp.Text {
		t.Fatalf("checkpoint text has no jetdag-state 30 line:\n%s", rs.cp.Text)
	}
	forged, err := note.Sign(&note.Note{Text: forgedText}, rs.signer)
	if err != nil {
		t.Fatal(err)
	}
	forgedFile := filepath.Join(dir, "forged.note")
	heldFile := filepath.Join(dir, "held.note")
	if err := os.WriteFile(forgedFile, forged, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(heldFile, rs.cp.Note, 0o644); err != nil {
		t.Fatal(err)
	}
	bare := storetest.Start(t)
	for _, c := range []struct {
		name, from, vkey string
		srv              *storetest.Server
		code             int
		msg              string
	}{
		{"another key of the log's name", "latest", sameName, nil, cli.ExitBadInput, "not signed by the configured log key"},
		{"another log's key", heldFile, foreign, nil, cli.ExitBadInput, "another log"},
		{"state line contradicted", forgedFile, rs.vkey, nil, cli.ExitFailure, "bad state block"},
		{"a store without a log", "latest", rs.vkey, bare, cli.ExitFailure, "no transparency log"},
	} {
		t.Run(c.name, func(t *testing.T) {
			url := rs.srv.ClientURL()
			if c.srv != nil {
				url = c.srv.ClientURL()
			}
			_, closeSrc, err := openSource(ctx, cli.ViewRequest{
				Options: cli.ViewOptions{Checkpoint: c.from, LogVKey: c.vkey}, Conn: store.ConnConfig{Servers: []string{url}}, NATSGiven: true,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			if err == nil {
				closeSrc()
				t.Fatal("the view opened")
			}
			var xe *cli.ExitError
			if !errors.As(err, &xe) || xe.Code != c.code || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("%v: want exit %d naming %q", err, c.code, c.msg)
			}
		})
	}
	// The held note itself, with the right key, resumes.
	_, closeSrc, err := rs.open(ctx, cli.ViewOptions{Checkpoint: heldFile, LogVKey: rs.vkey})
	if err != nil {
		t.Fatalf("the held checkpoint: %v", err)
	}
	closeSrc()
}
