package faults

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// Writers killed: five `jetdag load` processes append to a three-node R3 cluster (three of
// them single appends with a causal parent, two of those with clocks 90 minutes fast and
// slow, two atomic batches of 4); every ~2 s (~1 s in the
// short form) one of them, at random, gets SIGKILL mid-append and is restarted on its own
// acknowledgement file. At the end `jetdag verify --acked` must find every acknowledged event
// once at its acknowledged sequence, no fork, no partial batch, no payload stored twice.
func TestWritersKilled(t *testing.T) {
	skipShort(t)
	kills := pick(8, 200)
	gap := pick(time.Second, 2*time.Second)
	c := loopbackCluster(t, 3)
	c.start(t)
	urls := c.urls()
	seedEvents(t, urls)
	cp := takeCheckpoint(t, urls, c.dir)
	var ws []*writer
	for i := range 5 {
		extra := []string{"--aggregates", "4", "--rate", "80", "--parents", "1"}
		if i >= 3 {
			extra = []string{"--aggregates", "4", "--rate", "80", "--batch", "4"}
		}
		// Two writers' clocks are wrong by an hour and a half either way: nothing may
		// depend on wall time (chains and checks go by stream sequence).
		switch i {
		case 0:
			extra = append(extra, "--clock-skew", "90m")
		case 1:
			extra = append(extra, "--clock-skew", "-90m")
		}
		ws = append(ws, startWriter(t, c.dir, "w"+strconv.Itoa(i+1), urls, extra...))
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 17))
	t.Logf("seed %d: %d kills, one every %v on average", seed, kills, gap)
	type restart struct {
		w  *writer
		at time.Time
	}
	var restarts []restart
	for range kills {
		time.Sleep(gap/2 + time.Duration(rng.Int64N(int64(gap)))) // uniform in [gap/2, 3gap/2)
		w := ws[rng.IntN(len(ws))]
		w.kill()
		restarts = append(restarts, restart{w, time.Now()})
		w.start(t)
	}
	time.Sleep(gap)
	for _, w := range ws {
		if code := w.stop(60 * time.Second); code != 0 {
			t.Errorf("%s ended with exit %d after SIGTERM:\n%s", w.name, code, tail(w.stderr(), 2000))
		}
	}
	// How long a restarted writer took to its first acknowledged append (process start,
	// connect, head lookups on a cold cache), counted only when it got one before it was
	// killed again.
	var recover []time.Duration
	killedFirst := 0
	times := map[*writer][]int64{}
	for k, r := range restarts {
		if times[r.w] == nil {
			times[r.w] = ackTimes(t, r.w.file)
		}
		end := time.Now()
		for _, later := range restarts[k+1:] {
			if later.w == r.w {
				end = later.at
				break
			}
		}
		d := firstAckAfter(times[r.w], r.at)
		if d <= 0 || r.at.Add(d).After(end) {
			killedFirst++
			continue
		}
		recover = append(recover, d)
		if d > 10*time.Second {
			t.Logf("%s restarted at %s took %v to its first ack", r.w.name, r.at.Format("15:04:05.000"), d)
		}
	}
	var files []string
	for _, w := range ws {
		files = append(files, w.file)
	}
	rep := verifyAcked(t, urls, files, cp)
	t.Logf("FAULTS writer-kill: kills=%d acked=%d lost=%d moved=%d forks=%d partial_batches=%d duplicate_payloads=%d batches=%d stream_events=%d restart_to_first_ack_p50=%v p99=%v max=%v killed_before_first_ack=%d",
		kills, rep.Acked, rep.Lost, rep.Moved, rep.Forks, rep.PartialBatches, rep.DuplicatePayloads, rep.Batches, rep.Events,
		percentile(recover, 0.5), percentile(recover, 0.99), percentile(recover, 1), killedFirst)
}

// firstAckAfter is the time from t0 to the first ack after it (0 when none).
func firstAckAfter(times []int64, t0 time.Time) time.Duration {
	ms := t0.UnixMilli()
	first := int64(-1)
	for _, a := range times {
		if a > ms && (first < 0 || a < first) {
			first = a
		}
	}
	if first < 0 {
		return 0
	}
	return time.Duration(first-ms) * time.Millisecond
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
