package faults

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"filippo.io/torchwood"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/translog"
)

// Leaders killed while checkpointing: every member of a three-node R3 cluster runs `jetdag
// serve --log-key` (so three checkpointers race, as docs/log.md allows) while a writer appends.
// Each round waits for a tile write (a checkpoint being made), then SIGKILLs the leader of, in
// turn, the checkpoint stream, the tile bucket and the event stream (found through stream
// info), and restarts it once the survivors have gone on. After each kill a checkpoint stored
// after it must follow, with a consistency proof (served from the stored tiles) from the
// checkpoint held just before the kill that checks against both signed roots. At the end:
// every stored checkpoint verifies, grows in size, has a complete state block and is the
// root of the stored tiles; every tile in the bucket has exactly the width of the final
// tree's tile and checks against its root (entry bundles against its leaves); and `jetdag
// verify --vkey --checkpoint NOTE --acked` passes for each note held before a kill.
func TestLeadersKilledWhileCheckpointing(t *testing.T) {
	skipShort(t)
	targets := []struct{ what, stream string }{
		{"checkpoint stream", translog.CheckpointStream},
		{"tile bucket", "KV_" + translog.TileBucket},
		{"event stream", store.StreamName},
	}
	// Before each kill every replica of these is current: the log's stream and bucket, the
	// events, and the object bucket holding the state blocks.
	streams := []string{translog.CheckpointStream, "KV_" + translog.TileBucket, store.StreamName, "OBJ_" + store.ObjectBucket}
	rounds := pick(len(targets), 3*len(targets))
	start := time.Now()
	c := loopbackCluster(t, 3)
	key := filepath.Join(c.dir, "log.key")
	out, errs, code := runJetdag(t, time.Minute, "log", "keygen", "--origin", "faults.jetdag.test/log", "--out", key)
	var k struct{ Vkey string }
	if code != 0 || json.Unmarshal([]byte(out), &k) != nil || k.Vkey == "" {
		t.Fatalf("log keygen: exit %d %s %s", code, out, errs)
	}
	verifier, err := translog.NewVerifier(k.Vkey)
	if err != nil {
		t.Fatal(err)
	}
	c.serveArgs = []string{"--log-key", key, "--checkpoint-every", "300ms"}
	c.start(t)
	urls := c.urls()
	w := startWriter(t, c.dir, "w1", urls, "--aggregates", "6", "--rate", "150", "--parents", "1")
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		// What the checkpointers logged (the servers' route noise left out).
		for _, nd := range c.nodes {
			var ls []string
			for _, l := range strings.Split(nd.p.stderr(), "\n") {
				if strings.Contains(l, "checkpoint") {
					ls = append(ls, l)
				}
			}
			t.Logf("%s's checkpointer:\n%s", nd.name, strings.Join(ls[max(0, len(ls)-20):], "\n"))
		}
	})

	nc, err := nats.Connect(urls, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	// Tile writes are publishes to the bucket's subjects: a plain subscription sees each one
	// as it is made, so a kill sent on one lands while a checkpoint is being made.
	tiles := make(chan *nats.Msg, 1<<16)
	sub, err := nc.ChanSubscribe("$KV."+translog.TileBucket+".>", tiles)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()

	var held []checkpoint
	var gaps []time.Duration
	for round := range rounds {
		tg := targets[round%len(targets)]
		for _, s := range streams {
			c.waitCurrentOf(t, s, 2*time.Minute)
		}
		before := latestCheckpointAfter(t, js, verifier, 1, time.Time{}, time.Minute)
		file := filepath.Join(c.dir, fmt.Sprintf("held-%d.note", round))
		if err := os.WriteFile(file, before.Note, 0o644); err != nil {
			t.Fatal(err)
		}
		held = append(held, checkpoint{vkey: k.Vkey, note: file})
		victim := c.leaderOf(t, tg.stream, time.Minute)
		var also []string
		for _, s := range targets {
			if s != tg {
				if info, err := c.streamInfoOf(s.stream, 3*time.Second); err == nil && info.Cluster != nil && info.Cluster.Leader == victim.name {
					also = append(also, s.what)
				}
			}
		}
		for len(tiles) > 0 {
			<-tiles
		}
		var trigger string
		select {
		case m := <-tiles:
			trigger = strings.TrimPrefix(m.Subject, "$KV."+translog.TileBucket+".")
		case <-time.After(time.Minute):
			t.Fatalf("round %d: no tile written for a minute: the checkpointers are not running", round+1)
		}
		victim.p.kill()
		at := time.Now()
		// A survivor's checkpoint: stored after the kill, beyond the one held before it.
		after := latestCheckpointAfter(t, js, verifier, before.N+1, at, time.Minute)
		gap := after.Time.Sub(at)
		gaps = append(gaps, gap)
		checkConsistency(t, urls, before, after)
		t.Logf("round %d: killed %s, the %s's leader (also leading: %v), at its tile write %s; held checkpoint %d, the next after the kill %d, stored %v after it",
			round+1, victim.name, tg.what, also, trigger, before.N, after.N, gap.Round(time.Millisecond))
		victim.restart(t)
	}

	// The writer stops; the checkpointers (the restarted ones among them) catch up with the
	// whole stream.
	if code := w.stop(time.Minute); code != 0 {
		t.Logf("writer exit %d: %v", code, w.finals())
	}
	for _, s := range streams {
		c.waitCurrentOf(t, s, 2*time.Minute)
	}
	info, err := c.streamInfo(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var final *storedCheckpoint
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		final = latestCheckpointAfter(t, js, verifier, 1, time.Time{}, time.Minute)
		if final.Seq == info.State.LastSeq {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of the whole stream (last seq %d) a minute after the writer stopped: latest size %d seq %d",
				info.State.LastSeq, final.N, final.Seq)
		}
	}
	stored := checkLogStore(t, js, nc, verifier, final)
	rep := verifyAcked(t, urls, []string{w.file}, held...)
	t.Logf("FAULTS checkpoint-leader-kill: rounds=%d acked=%d lost=%d checkpoints=%d final_size=%d next_checkpoint_after_kill_max=%v total=%v",
		rounds, rep.Acked, rep.Lost, stored, final.N, percentile(gaps, 1).Round(time.Millisecond), time.Since(start).Round(time.Second))
}

// storedCheckpoint is a checkpoint read from the stream, its signature checked.
type storedCheckpoint struct {
	*translog.Checkpoint
	Time time.Time // when the stream stored it
}

// latestCheckpointAfter waits until the newest stored checkpoint has at least size leaves
// and was stored after since, and returns it. Reads that fail (an election under way) are
// tried again.
func latestCheckpointAfter(t *testing.T, js jetstream.JetStream, v note.Verifier, size int64, since time.Time, timeout time.Duration) *storedCheckpoint {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		var m *jetstream.RawStreamMsg
		s, err := js.Stream(ctx, translog.CheckpointStream)
		if err == nil {
			m, err = s.GetLastMsgForSubject(ctx, translog.CheckpointSubject)
		}
		cancel()
		if err == nil {
			cp, err := translog.OpenCheckpoint(m.Data, v)
			if err != nil {
				t.Fatalf("stored checkpoint (seq %d) does not open: %v\n%s", m.Sequence, err, m.Data)
			}
			if cp.N >= size && m.Time.After(since) {
				return &storedCheckpoint{cp, m.Time}
			}
			last = fmt.Errorf("latest size %d stored %v", cp.N, m.Time.Format(time.StampMilli))
		} else {
			last = err
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of size %d or more stored after %v within %v: %v", size, since.Format(time.StampMilli), timeout, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkConsistency has jetdag prove (from the stored tiles) that from is a prefix of to,
// and checks the proof against the two signed roots.
func checkConsistency(t *testing.T, urls string, from, to *storedCheckpoint) {
	t.Helper()
	// Right after a kill the cluster may still be electing leaders: a command that could not
	// reach the store is asked again for up to a minute (the proof it gives is checked below
	// against both signed roots, so asking again hides no wrong answer).
	var pr struct{ Proof []string }
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Second) {
		out, errs, code := runJetdag(t, time.Minute, "--nats", urls, "log", "consistency",
			"--from", strconv.FormatInt(from.N, 10), "--to", strconv.FormatInt(to.N, 10))
		if code == 0 && json.Unmarshal([]byte(out), &pr) == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log consistency --from %d --to %d: exit %d %s %s", from.N, to.N, code, out, errs)
		}
		t.Logf("log consistency --from %d --to %d: exit %d %s (asking again)", from.N, to.N, code, strings.TrimSpace(errs))
	}
	proof := make(tlog.TreeProof, len(pr.Proof))
	for i, p := range pr.Proof {
		b, err := base64.StdEncoding.DecodeString(p)
		if err != nil || len(b) != tlog.HashSize {
			t.Fatalf("proof hash %q: %v", p, err)
		}
		copy(proof[i][:], b)
	}
	if err := tlog.CheckTree(proof, to.N, to.Hash, from.N, from.Hash); err != nil {
		t.Fatalf("consistency proof from %d to %d does not check against the signed roots: %v", from.N, to.N, err)
	}
}

// bucketTiles is a tlog.TileReader over tiles read from the bucket (key → widest version).
type bucketTiles map[string][]byte

func (b bucketTiles) Height() int { return translog.TileHeight }

func (b bucketTiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, tl := range ts {
		full := tl
		full.W = 1 << translog.TileHeight
		d, ok := b[torchwood.TilePath(full)]
		if !ok || len(d) < tl.W*tlog.HashSize {
			return nil, fmt.Errorf("tile %s: stored %d bytes", torchwood.TilePath(tl), len(d))
		}
		out[i] = d[:tl.W*tlog.HashSize]
	}
	return out, nil
}

func (bucketTiles) SaveTiles([]tlog.Tile, [][]byte) {}

// checkLogStore checks what the checkpointers left in the store, independently of the log's
// code: every stored checkpoint verifies, sizes grow, each has a complete state block
// (translog.LoadState) for its size and sequence and is the root of the stored tiles; every
// tile in the bucket is a tile of final (the checkpoint of the whole stream), exactly as wide
// as final's, and checks against its root, every entry bundle against its leaves. It
// returns the number of stored checkpoints.
func checkLogStore(t *testing.T, js jetstream.JetStream, nc *nats.Conn, v note.Verifier, final *storedCheckpoint) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kv, err := js.KeyValue(ctx, translog.TileBucket)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bucket := bucketTiles{}
	for key := range keys.Keys() {
		e, err := kv.Get(ctx, key)
		if err != nil {
			t.Fatalf("tile %s: %v", key, err)
		}
		bucket[key] = e.Value()
	}
	// The tiles of final, at their widths: hash tiles, and an entry bundle beside each
	// level-0 tile.
	want := map[string]tlog.Tile{}
	for _, tl := range tlog.NewTiles(translog.TileHeight, 0, final.N) {
		full := tl
		full.W = 1 << translog.TileHeight
		want[torchwood.TilePath(full)] = tl
		if tl.L == 0 {
			full.L = -1
			e := tl
			e.L = -1
			want[torchwood.TilePath(full)] = e
		}
	}
	for key, d := range bucket {
		tl, ok := want[key]
		if !ok {
			t.Errorf("the bucket holds %s (%d bytes), no tile of the final tree of size %d", key, len(d), final.N)
			continue
		}
		w := len(d) / tlog.HashSize
		if tl.L == -1 {
			w = 0
			for rest := d; len(rest) > 0; w++ {
				if _, rest, err = torchwood.ReadTileEntry(rest); err != nil {
					t.Fatalf("entry bundle %s: %v", key, err)
				}
			}
		}
		if w != tl.W {
			t.Errorf("tile %s holds %d, the final tree's %d", key, w, tl.W)
		}
	}
	for key := range want {
		if _, ok := bucket[key]; !ok {
			t.Errorf("tile %s of the final tree (size %d) is not stored", key, final.N)
		}
	}
	// Every leaf hash, read through tiles checked against final's root.
	idx := make([]int64, final.N)
	for i := range idx {
		idx[i] = tlog.StoredHashIndex(0, int64(i))
	}
	leaves, err := tlog.TileHashReader(final.Tree, bucket).ReadHashes(idx)
	if err != nil {
		t.Fatalf("the stored tiles against the final checkpoint (size %d): %v", final.N, err)
	}
	for key, tl := range want {
		if tl.L != -1 {
			continue
		}
		rest := bucket[key]
		for i := int64(0); len(rest) > 0; i++ {
			var e []byte
			e, rest, _ = torchwood.ReadTileEntry(rest)
			if n := tl.N<<translog.TileHeight + i; n >= final.N || tlog.RecordHash(e) != leaves[n] {
				t.Fatalf("entry %d of %s does not hash to leaf %d", i, key, n)
			}
		}
	}

	objs, err := store.OpenObjects(ctx, nc, store.ObjectStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(ctx, translog.CheckpointStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var prev *translog.Checkpoint
	n := 0
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != translog.CheckpointSubject {
			continue
		}
		n++
		cp, err := translog.OpenCheckpoint(m.Data, v)
		if err != nil {
			t.Fatalf("stored checkpoint (seq %d): %v", seq, err)
		}
		if prev != nil && cp.N <= prev.N {
			t.Errorf("stored checkpoint (seq %d) of size %d after one of size %d", seq, cp.N, prev.N)
		}
		prev = cp
		st, err := translog.LoadState(ctx, objs, cp.State)
		if err != nil || st.Size != cp.N || st.Seq != cp.Seq {
			t.Errorf("checkpoint of size %d: state block %s (size %d, seq %d; want %d, %d): %v", cp.N, cp.State, st.Size, st.Seq, cp.N, cp.Seq, err)
		}
		h, err := tlog.TreeHash(cp.N, tlog.TileHashReader(cp.Tree, bucket))
		if err != nil || h != cp.Hash {
			t.Errorf("checkpoint of size %d: the stored tiles give root %v (%v), the note %v", cp.N, h, err, cp.Hash)
		}
	}
	if prev == nil || prev.N != final.N {
		t.Errorf("the newest stored checkpoint is not the final one (size %d): %v", final.N, prev)
	}
	return n
}
