package faults

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// jetdagBin is the jetdag binary TestMain builds from this repository.
var jetdagBin string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "jetdag-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	jetdagBin = filepath.Join(dir, "jetdag")
	if out, err := exec.Command("go", "build", "-o", jetdagBin, "github.com/jetdag/jetdag").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build jetdag: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// long reports whether the long form runs (make faults).
func long() bool { return os.Getenv("JETDAG_FAULTS") == "long" }

// pick returns the short or the long form's figure.
func pick[T any](short, lng T) T {
	if long() {
		return lng
	}
	return short
}

func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("fault campaign: separate processes, tens of seconds")
	}
}

// proc is a jetdag process the test started.
type proc struct {
	name   string
	args   []string
	netns  string
	out    string // stdout file (appended to across restarts)
	errOut string
	cmd    *exec.Cmd
	done   chan struct{}
}

// startProc runs jetdag with args (inside netns when not ""), its output in dir/name.out and
// dir/name.err. It is killed when the test ends.
func startProc(t *testing.T, dir, name, netns string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, args: args, netns: netns, out: filepath.Join(dir, name+".out"), errOut: filepath.Join(dir, name+".err")}
	p.start(t)
	t.Cleanup(p.kill)
	return p
}

func (p *proc) start(t *testing.T) {
	t.Helper()
	stdout, err := os.OpenFile(p.out, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := os.OpenFile(p.errOut, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	var cmd *exec.Cmd
	if p.netns != "" {
		// ip netns exec execs the command: the pid is jetdag's own.
		cmd = exec.Command("ip", append([]string{"netns", "exec", p.netns, jetdagBin}, p.args...)...)
	} else {
		cmd = exec.Command(jetdagBin, p.args...)
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// Killed with the test process, should that die before its cleanups run (a timeout).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.name, err)
	}
	stdout.Close()
	stderr.Close()
	p.cmd, p.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(p.done) }()
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and waits up to timeout (then kills); it returns the exit code.
func (p *proc) stop(timeout time.Duration) int {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.kill()
	}
	return p.cmd.ProcessState.ExitCode()
}

func (p *proc) stdout() string {
	b, _ := os.ReadFile(p.out)
	return string(b)
}

func (p *proc) stderr() string {
	b, _ := os.ReadFile(p.errOut)
	return string(b)
}

// waitOutput waits until the process has printed substr.
func (p *proc) waitOutput(t *testing.T, substr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(p.stdout(), substr) {
		select {
		case <-p.done:
			t.Fatalf("%s exited before printing %q\n%s", p.name, substr, p.stderr())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s printed no %q within %v\n%s", p.name, substr, timeout, p.stderr())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runJetdag runs one jetdag command to its end, bounded by timeout.
func runJetdag(t *testing.T, timeout time.Duration, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, jetdagBin, args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		code = -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
	}
	return out.String(), errb.String(), code
}

// node is one `jetdag serve` cluster member.
type node struct {
	name, dir     string
	client, route string // HOST:PORT
	netns         string
	routes        []string
	p             *proc
}

type cluster struct {
	dir   string
	nodes []*node
	// serveArgs are given to every member's jetdag serve (--log-key, say).
	serveArgs []string
}

// loopbackCluster describes n members on 127.0.0.1 (not started).
func loopbackCluster(t *testing.T, n int) *cluster {
	ports := storetest.FreePorts(t, 2*n)
	c := &cluster{dir: t.TempDir()}
	for i := range n {
		c.nodes = append(c.nodes, &node{
			name: "n" + strconv.Itoa(i+1), dir: filepath.Join(c.dir, "n"+strconv.Itoa(i+1)),
			client: "127.0.0.1:" + strconv.Itoa(ports[2*i]), route: "127.0.0.1:" + strconv.Itoa(ports[2*i+1]),
		})
	}
	return c
}

// start starts every member and waits until each accepts clients and the stream is R3.
func (c *cluster) start(t *testing.T) {
	t.Helper()
	for _, nd := range c.nodes {
		nd.routes = nil
		for _, o := range c.nodes {
			if o != nd {
				nd.routes = append(nd.routes, "nats-route://"+o.route)
			}
		}
		args := []string{"serve", "--store", nd.dir, "--listen", nd.client,
			"--cluster", nd.route, "--routes", strings.Join(nd.routes, ","), "--name", nd.name}
		nd.p = startProc(t, c.dir, nd.name, nd.netns, append(args, c.serveArgs...)...)
	}
	for _, nd := range c.nodes {
		nd.p.waitOutput(t, `"url"`, 30*time.Second)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		_, errs, code := runJetdag(t, 30*time.Second, "--nats", c.urls(), "init", "--replicas", strconv.Itoa(len(c.nodes)))
		if code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("init --replicas %d never succeeded: %s", len(c.nodes), errs)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// restart starts a stopped member again on its store.
func (nd *node) restart(t *testing.T) {
	t.Helper()
	before := len(nd.p.stdout())
	nd.p.start(t)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(nd.p.stdout()[before:], `"url"`) {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not come back: %s", nd.name, nd.p.stderr())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *cluster) urls() string {
	var us []string
	for _, nd := range c.nodes {
		us = append(us, "nats://"+nd.client)
	}
	return strings.Join(us, ",")
}

// streamInfo asks the cluster (a fresh connection each time: a cut node must not hold the
// test up) for the event stream's state.
func (c *cluster) streamInfo(timeout time.Duration) (*jetstream.StreamInfo, error) {
	return c.streamInfoOf(store.StreamName, timeout)
}

// streamInfoOf is streamInfo for the stream called name.
func (c *cluster) streamInfoOf(name string, timeout time.Duration) (*jetstream.StreamInfo, error) {
	nc, err := nats.Connect(c.urls(), nats.Timeout(time.Second), nats.MaxReconnects(0))
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	s, err := js.Stream(ctx, name)
	if err != nil {
		return nil, err
	}
	return s.Info(ctx)
}

// leader returns the event stream's leader, waiting for one.
func (c *cluster) leader(t *testing.T, timeout time.Duration) *node {
	t.Helper()
	return c.leaderOf(t, store.StreamName, timeout)
}

// leaderOf returns the leader of the stream called name (as its stream info names it),
// waiting for one.
func (c *cluster) leaderOf(t *testing.T, name string, timeout time.Duration) *node {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		info, err := c.streamInfoOf(name, 3*time.Second)
		if err == nil && info.Cluster != nil && info.Cluster.Leader != "" {
			for _, nd := range c.nodes {
				if nd.name == info.Cluster.Leader {
					return nd
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no leader of %s within %v: %v", name, timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitCurrent waits until every replica of the event stream is current (caught up).
func (c *cluster) waitCurrent(t *testing.T, timeout time.Duration) {
	t.Helper()
	c.waitCurrentOf(t, store.StreamName, timeout)
}

// waitCurrentOf waits until every replica of the stream called name is current.
func (c *cluster) waitCurrentOf(t *testing.T, name string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		info, err := c.streamInfoOf(name, 3*time.Second)
		if err == nil && info.Cluster != nil && info.Cluster.Leader != "" && len(info.Cluster.Replicas) == len(c.nodes)-1 &&
			!slices.ContainsFunc(info.Cluster.Replicas, func(p *jetstream.PeerInfo) bool { return !p.Current || p.Offline }) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("replicas of %s not current within %v: %+v %v", name, timeout, info, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// writer is one `jetdag load` process writing its acknowledgements to file.
type writer struct {
	*proc
	file string
}

func startWriter(t *testing.T, dir, name, urls string, extra ...string) *writer {
	file := filepath.Join(dir, name+".jsonl")
	args := append([]string{"--nats", urls, "load", "--prefix", name, "--duration", "0", "--acked", file}, extra...)
	return &writer{proc: startProc(t, dir, name, "", args...), file: file}
}

// loadFinal is the final line of a load run.
type loadFinal struct {
	Final     bool    `json:"final"`
	Acked     int     `json:"acked"`
	Conflicts int     `json:"conflicts"`
	Errors    int     `json:"errors"`
	P99       float64 `json:"p99_ms"`
	MaxGap    float64 `json:"max_ack_gap_ms"`
	LastError string  `json:"last_error"`
}

// finals reads every final line a writer printed (one per run that ended gracefully).
func (w *writer) finals() []loadFinal {
	var fs []loadFinal
	for _, l := range strings.Split(w.stdout(), "\n") {
		if strings.Contains(l, `"final":true`) {
			var f loadFinal
			if json.Unmarshal([]byte(l), &f) == nil {
				fs = append(fs, f)
			}
		}
	}
	return fs
}

// ackTimes reads the ack times (Unix ms) of a writer's file, in file order.
func ackTimes(t *testing.T, file string) []int64 {
	t.Helper()
	f, err := os.Open(file)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ts []int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var a store.AckedEvent
		if json.Unmarshal(sc.Bytes(), &a) == nil {
			ts = append(ts, a.AtMillis)
		}
	}
	return ts
}

// verifyReport is what `jetdag verify --acked` printed.
type verifyReport struct {
	AckedOK           bool `json:"acked_ok"`
	Acked             int  `json:"acked"`
	Found             int  `json:"found"`
	Lost              int  `json:"lost"`
	Moved             int  `json:"moved"`
	Duplicates        int  `json:"duplicates"`
	Forks             int  `json:"forks"`
	LoadEvents        int  `json:"load_events"`
	DuplicatePayloads int  `json:"duplicate_payloads"`
	Batches           int  `json:"batches"`
	PartialBatches    int  `json:"partial_batches"`
	Torn              int  `json:"torn_lines"`
	// From the summary line.
	OK       bool   `json:"-"`
	Events   uint64 `json:"-"`
	Rejected uint64 `json:"-"`
}

// checkpoint is a transparency-log checkpoint taken before the faults: the verifier key and
// the signed note, kept in a file.
type checkpoint struct{ vkey, note string }

// takeCheckpoint creates a log key, has the store sign a checkpoint of everything stored so
// far and keeps its note, for `verify --vkey --checkpoint` after the faults.
func takeCheckpoint(t *testing.T, urls, dir string) checkpoint {
	t.Helper()
	key := filepath.Join(dir, "log.key")
	out, errs, code := runJetdag(t, time.Minute, "--nats", urls, "log", "keygen", "--origin", "faults.jetdag.test/log", "--out", key)
	var k struct{ Vkey string }
	if code != 0 || json.Unmarshal([]byte(out), &k) != nil || k.Vkey == "" {
		t.Fatalf("log keygen: exit %d %s %s", code, out, errs)
	}
	if out, errs, code := runJetdag(t, time.Minute, "--nats", urls, "log", "checkpoint", "--key", key); code != 0 {
		t.Fatalf("log checkpoint: exit %d %s %s", code, out, errs)
	}
	note, errs, code := runJetdag(t, time.Minute, "--nats", urls, "log", "show", "--vkey", k.Vkey)
	if code != 0 {
		t.Fatalf("log show: exit %d %s", code, errs)
	}
	cp := checkpoint{vkey: k.Vkey, note: filepath.Join(dir, "before.note")}
	if err := os.WriteFile(cp.note, []byte(note), 0o644); err != nil {
		t.Fatal(err)
	}
	return cp
}

// verifyAcked runs `jetdag verify --acked` over the writers' files (with the checkpoint taken
// before the faults, when there is one) and fails the test unless every check holds: nothing
// acknowledged lost or moved, no fork, no duplicate, no partial batch, every stream message
// verified, the store still agreeing with the checkpoint.
func verifyAcked(t *testing.T, urls string, files []string, cps ...checkpoint) verifyReport {
	t.Helper()
	args := []string{"--nats", urls, "verify", "--quiet"}
	for _, cp := range cps {
		args = append(args, "--vkey", cp.vkey, "--checkpoint", cp.note)
	}
	args = append(append(args, "--acked"), files...)
	out, errs, code := runJetdag(t, 5*time.Minute, args...)
	// Right after the faults the cluster may still be electing the leaders of the stream or the
	// bucket: a verify that could not even open the store (no report) is run again, for up to
	// two minutes; one that read the store and found something wrong is never retried.
	for deadline := time.Now().Add(2 * time.Minute); code != 0 && !strings.Contains(out, `"acked_ok"`) &&
		(strings.Contains(errs, "deadline exceeded") || strings.Contains(errs, "no responders")) && time.Now().Before(deadline); {
		t.Logf("verify could not open the store yet (%s); again in 2s", strings.TrimSpace(errs))
		time.Sleep(2 * time.Second)
		out, errs, code = runJetdag(t, 5*time.Minute, args...)
	}
	var r verifyReport
	var sum struct {
		OK       bool   `json:"ok"`
		Events   uint64 `json:"events"`
		Rejected uint64 `json:"rejected"`
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		switch {
		case strings.Contains(l, `"acked_ok"`):
			_ = json.Unmarshal([]byte(l), &r)
		case strings.Contains(l, `"last_seq"`):
			_ = json.Unmarshal([]byte(l), &sum)
		}
	}
	r.OK, r.Events, r.Rejected = sum.OK, sum.Events, sum.Rejected
	problems := out
	if len(problems) > 4000 {
		problems = problems[:4000] + "…"
	}
	if code != 0 || !r.AckedOK || !r.OK || r.Lost != 0 || r.Forks != 0 || r.PartialBatches != 0 || r.DuplicatePayloads != 0 ||
		r.Duplicates != 0 || r.Rejected != 0 || r.Found != r.Acked {
		t.Errorf("verify --acked: exit %d %+v\n%s\n%s", code, r, problems, errs)
	}
	if r.Acked == 0 {
		t.Errorf("nothing was acknowledged: %+v", r)
	}
	return r
}

// percentile of durations (nearest rank); 0 when empty.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(int(q*float64(len(s))), len(s)-1)]
}

// stallIn is, for one writer's ack times (in ack order), how long the fault that began at
// t0 held it up: the longest pause in its acknowledgements counted from t0 that began before
// end, even when it ended after end. It is -1 when the writer acknowledged nothing after t0.
func stallIn(times []int64, t0, end time.Time) time.Duration {
	from, to := t0.UnixMilli(), end.UnixMilli()
	prev := from
	var worst int64 = -1
	for _, a := range times {
		if a <= from {
			continue
		}
		if prev >= to {
			break
		}
		worst = max(worst, a-prev)
		prev = a
	}
	if worst < 0 {
		return -1
	}
	return time.Duration(worst) * time.Millisecond
}

// freePorts returns n free loopback HOST:PORT addresses.
func freePorts(t *testing.T, n int) []string {
	var out []string
	for _, p := range storetest.FreePorts(t, n) {
		out = append(out, "127.0.0.1:"+strconv.Itoa(p))
	}
	return out
}

// seedEvents appends a few events, so that the checkpoint taken before the faults covers
// something.
func seedEvents(t *testing.T, urls string) {
	t.Helper()
	for i := range 3 {
		if out, errs, code := runJetdag(t, time.Minute, "--nats", urls, "append", "--aggregate", "seed", "--type", "Seeded", "--data", strconv.Itoa(i)); code != 0 {
			t.Fatalf("seed append: exit %d %s %s", code, out, errs)
		}
	}
}
