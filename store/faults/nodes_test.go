package faults

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Nodes killed in turn: under load from three writers, each member of a three-node R3
// cluster in turn gets SIGKILL, stays down a few seconds and is restarted on its store,
// starting with n1, the node a live reader (`jetdag tail`, the visualizer's feed) is
// connected to. Nothing acknowledged may be lost, and the reader's feed must hold every
// stored event once, in sequence order, without a gap.
func TestNodesKilledInTurn(t *testing.T) {
	skipShort(t)
	rounds := pick(3, 9)
	down := 3 * time.Second
	c := loopbackCluster(t, 3)
	c.start(t)
	urls := c.urls()
	seedEvents(t, urls)
	cp := takeCheckpoint(t, urls, c.dir)
	ws := []*writer{
		startWriter(t, c.dir, "k1", urls, "--aggregates", "4", "--rate", "80", "--parents", "1"),
		startWriter(t, c.dir, "k2", urls, "--aggregates", "4", "--rate", "80"),
		startWriter(t, c.dir, "k3", urls, "--aggregates", "2", "--rate", "60", "--batch", "3"),
	}
	reader := startProc(t, c.dir, "reader", "", "--nats", "nats://"+c.nodes[0].client, "--max-reconnects", "-1",
		"--reconnect-wait", "250ms", "tail", "--from", "1")
	time.Sleep(2 * time.Second)
	type round struct {
		at   time.Time
		node string
	}
	var done []round
	for i := range rounds {
		nd := c.nodes[i%len(c.nodes)]
		wasLeader := c.leader(t, 60*time.Second) == nd
		at := time.Now()
		nd.p.kill()
		done = append(done, round{at, nd.name})
		time.Sleep(down)
		nd.restart(t)
		c.waitCurrent(t, 2*time.Minute)
		t.Logf("round %d: %s (stream leader: %v) killed, restarted after %v, replicas current %v after the kill",
			i+1, nd.name, wasLeader, down, time.Since(at).Round(time.Millisecond))
		time.Sleep(2 * time.Second)
	}
	var files []string
	for _, w := range ws {
		if code := w.stop(90 * time.Second); code != 0 {
			t.Logf("%s exit %d: %v", w.name, code, w.finals())
		}
		files = append(files, w.file)
	}
	var stalls []time.Duration
	for k, r := range done {
		end := time.Now()
		if k+1 < len(done) {
			end = done[k+1].at
		}
		worst := time.Duration(0)
		for _, w := range ws {
			d := stallIn(ackTimes(t, w.file), r.at, end)
			if d < 0 {
				t.Errorf("%s acknowledged nothing after %s was killed", w.name, r.node)
			}
			worst = max(worst, d)
		}
		stalls = append(stalls, worst)
	}
	rep := verifyAcked(t, urls, files, cp)

	// The reader's feed, once it has caught up: every event once, in order, no gap.
	deadline := time.Now().Add(time.Minute)
	var seqs []uint64
	for {
		seqs = seqs[:0]
		for _, l := range strings.Split(reader.stdout(), "\n") {
			var ev struct {
				Seq uint64 `json:"seq"`
			}
			if json.Unmarshal([]byte(l), &ev) == nil && ev.Seq > 0 {
				seqs = append(seqs, ev.Seq)
			}
		}
		if uint64(len(seqs)) >= rep.Events || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("the reader's feed has seq %d at place %d (a gap or a duplicate)", s, i+1)
		}
	}
	if uint64(len(seqs)) != rep.Events {
		t.Errorf("the reader's feed holds %d events, the stream %d", len(seqs), rep.Events)
	}
	var errs int
	for _, w := range ws {
		for _, f := range w.finals() {
			errs += f.Errors
		}
	}
	t.Logf("FAULTS node-kill: rounds=%d down=%v acked=%d lost=%d forks=%d partial_batches=%d duplicate_payloads=%d append_errors=%d reader_events=%d stall_p50=%v p99=%v max=%v",
		rounds, down, rep.Acked, rep.Lost, rep.Forks, rep.PartialBatches, rep.DuplicatePayloads, errs, len(seqs),
		percentile(stalls, 0.5), percentile(stalls, 0.99), percentile(stalls, 1))
}
