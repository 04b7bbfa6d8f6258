package faults

import (
	"strconv"
	"testing"
	"time"
)

// A node partitioned: three `jetdag serve` members, each in a network namespace of its own;
// under load from three writers (single appends, batches) the stream leader's link is cut
// for a while and restored, again and again (twice in the short form, 20 times in the long
// one). Nothing acknowledged may be lost; the appends must resume by themselves, and how long
// each writer stalled around each cut is reported.
func TestLeaderPartitioned(t *testing.T) {
	skipShort(t)
	lab := newNetlab(t, 3)
	cuts := pick(2, 20)
	hold := pick(6*time.Second, 10*time.Second)
	c := &cluster{dir: t.TempDir()}
	for i := range 3 {
		c.nodes = append(c.nodes, &node{
			name: "n" + strconv.Itoa(i+1), dir: c.dir + "/n" + strconv.Itoa(i+1), netns: lab.ns[i],
			client: lab.addr(i) + ":4222", route: lab.addr(i) + ":6222",
		})
	}
	c.start(t)
	urls := c.urls()
	seedEvents(t, urls)
	cp := takeCheckpoint(t, urls, c.dir)
	ws := []*writer{
		startWriter(t, c.dir, "p1", urls, "--aggregates", "4", "--rate", "60", "--parents", "1"),
		startWriter(t, c.dir, "p2", urls, "--aggregates", "4", "--rate", "60"),
		startWriter(t, c.dir, "p3", urls, "--aggregates", "2", "--rate", "60", "--batch", "3"),
	}
	time.Sleep(2 * time.Second)
	var stalls []time.Duration
	type cutAt struct {
		at     time.Time
		leader string
	}
	var cutsDone []cutAt
	for i := range cuts {
		ld := c.leader(t, 60*time.Second)
		idx := 0
		for j, nd := range c.nodes {
			if nd == ld {
				idx = j
			}
		}
		at := time.Now()
		if err := lab.cut(idx); err != nil {
			t.Fatal(err)
		}
		cutsDone = append(cutsDone, cutAt{at, ld.name})
		time.Sleep(hold)
		if err := lab.heal(idx); err != nil {
			t.Fatal(err)
		}
		c.waitCurrent(t, 2*time.Minute)
		t.Logf("cut %d: leader %s off for %v, healed, replicas current after %v", i+1, ld.name, hold, time.Since(at)-hold)
		time.Sleep(2 * time.Second)
	}
	time.Sleep(3 * time.Second)
	var files []string
	for _, w := range ws {
		if code := w.stop(90 * time.Second); code != 0 {
			t.Logf("%s exit %d (appends that failed during a cut): %v", w.name, code, w.finals())
		}
		files = append(files, w.file)
	}
	for k, ct := range cutsDone {
		end := time.Now()
		if k+1 < len(cutsDone) {
			end = cutsDone[k+1].at
		}
		worst := time.Duration(0)
		var each []string
		for _, w := range ws {
			d := stallIn(ackTimes(t, w.file), ct.at, end)
			if d < 0 {
				t.Errorf("%s never acknowledged an append after the cut at %v", w.name, ct.at.Format(time.TimeOnly))
				continue
			}
			worst = max(worst, d)
			each = append(each, w.name+"="+d.String())
		}
		stalls = append(stalls, worst)
		t.Logf("cut of %s at %s: writers stalled %v (worst %v)", ct.leader, ct.at.Format("15:04:05.000"), each, worst)
	}
	rep := verifyAcked(t, urls, files, cp)
	var errs int
	for _, w := range ws {
		for _, f := range w.finals() {
			errs += f.Errors
		}
	}
	t.Logf("FAULTS partition: cuts=%d hold=%v acked=%d lost=%d forks=%d partial_batches=%d duplicate_payloads=%d append_errors=%d stall_p50=%v p99=%v max=%v",
		cuts, hold, rep.Acked, rep.Lost, rep.Forks, rep.PartialBatches, rep.DuplicatePayloads, errs,
		percentile(stalls, 0.5), percentile(stalls, 0.99), percentile(stalls, 1))
}
