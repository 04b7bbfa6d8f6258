package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
	"github.com/jetdag/jetdag/store/translog"
)

// lockedBuffer is a bytes.Buffer safe for a command writing while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Three `jetdag serve` commands form a cluster exactly as three processes would (each with
// its own store, client port and cluster port, routes to the other two); `jetdag init
// --replicas 3` then creates the R3 stream, and appends and reads go through all three URLs.
func TestServeThreeNodeCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("three-node cluster")
	}
	ports := storetest.FreePorts(t, 6)
	addr := func(i int) string { return "127.0.0.1:" + strconv.Itoa(ports[i]) }
	// n1 keeps the transparency log (serve --log-key): it must wait for init instead of
	// creating the event stream itself, and give the log the events' 3 replicas.
	key := filepath.Join(t.TempDir(), "log.key")
	if code := cli.Run(context.Background(), []string{"log", "keygen", "--origin", "cluster.example/log", "--out", key},
		strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}); code != cli.ExitOK {
		t.Fatalf("log keygen: exit %d", code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	outs := make([]*lockedBuffer, 3)
	codes := make([]int, 3)
	var urls []string
	for i := range 3 {
		var routes []string
		for j := range 3 {
			if j != i {
				routes = append(routes, "nats-route://"+addr(2*j+1))
			}
		}
		args := []string{"serve", "--store", filepath.Join(t.TempDir(), "n"+strconv.Itoa(i+1)),
			"--listen", addr(2 * i), "--cluster", addr(2*i + 1), "--routes", strings.Join(routes, ","),
			"--name", "n" + strconv.Itoa(i+1)}
		if i == 0 {
			args = append(args, "--log-key", key, "--checkpoint-every", "200ms", "--http", "127.0.0.1:0")
		}
		urls = append(urls, "nats://"+addr(2*i))
		outs[i] = &lockedBuffer{}
		errb := &lockedBuffer{}
		wg.Go(func() {
			codes[i] = cli.Run(ctx, args, strings.NewReader(""), outs[i], errb)
			if ctx.Err() == nil {
				t.Errorf("serve n%d ended early: exit %d\n%s", i+1, codes[i], errb.String())
			}
		})
	}
	deadline := time.Now().Add(20 * time.Second)
	var httpURL string // n1's serve --http
	for i, out := range outs {
		for !strings.Contains(out.String(), `"url"`) {
			if time.Now().After(deadline) {
				t.Fatalf("serve n%d printed no url within 20s", i+1)
			}
			time.Sleep(50 * time.Millisecond)
		}
		var line struct{ URL, HTTP string }
		if err := json.Unmarshal([]byte(out.String()), &line); err != nil || line.URL != urls[i] {
			t.Fatalf("serve n%d printed %q, want url %s", i+1, out.String(), urls[i])
		}
		if i == 0 {
			httpURL = line.HTTP
		}
	}
	all := strings.Join(urls, ",")
	nc, err := nats.Connect(all)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	// Once the cluster answers JetStream requests, n1's checkpointer has ticked a few times:
	// it must not have created the event stream (with one replica) before init.
	for {
		if _, err := js.AccountInfo(ctx); err == nil {
			break
		}
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatal("the cluster never answered JetStream requests")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// n1's --http answers 503 for the log before init, and /metrics without the log; neither
	// opens (or creates) the store.
	for _, p := range []struct {
		path string
		code int
	}{{"/log/checkpoint", http.StatusServiceUnavailable}, {"/metrics", http.StatusOK}} {
		resp, err := http.Get(httpURL + p.path)
		if err != nil {
			t.Fatalf("GET %s on n1 before init: %v", p.path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != p.code {
			t.Fatalf("GET %s on n1 before init: %s, want %d", p.path, resp.Status, p.code)
		}
	}
	time.Sleep(time.Second)
	for _, name := range store.StoreStreams() {
		if _, err := js.Stream(ctx, name); !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Fatalf("before init stream %s exists (%v): serve --log-key --http on a cluster created it", name, err)
		}
	}
	// The cluster needs a moment to elect its JetStream meta leader: init is retried, as an
	// operator's script would.
	var initOut struct{ Replicas int }
	var lastErr string
	for {
		out, errs, code := objRun(t, all, nil, "init", "--replicas", "3")
		if code == cli.ExitOK {
			if err := json.Unmarshal([]byte(out), &initOut); err != nil {
				t.Fatalf("init printed %q", out)
			}
			break
		}
		lastErr = errs
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatalf("init --replicas 3 never succeeded: %s", lastErr)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if initOut.Replicas != 3 {
		t.Fatalf("init reported %d replicas", initOut.Replicas)
	}
	st, err := js.Stream(ctx, store.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := st.Info(ctx); err != nil || info.Config.Replicas != 3 || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
		t.Fatalf("stream after init --replicas 3: %+v %v", info, err)
	}
	for _, name := range store.StoreStreams()[1:] { // the index and the object bucket too
		s, err := js.Stream(ctx, name)
		if err != nil || s.CachedInfo().Config.Replicas != 3 {
			t.Fatalf("%s after init --replicas 3: %v", name, err)
		}
	}
	var a, b appended
	objRunOK(t, all, nil, &a, "append", "--aggregate", "acct-1", "--type", "Opened")
	objRunOK(t, urls[2], nil, &b, "append", "--aggregate", "acct-1", "--type", "Credited", "--expect-head", a.CID)
	if b.Previous == nil || *b.Previous != a.CID || b.Seq != 2 {
		t.Fatalf("second append through n3: %+v, want previous %s at seq 2", b, a.CID)
	}
	hist := objRunOK(t, urls[1], nil, nil, "history", "acct-1")
	if n := strings.Count(strings.TrimSpace(hist), "\n") + 1; n != 2 {
		t.Fatalf("history through n2 has %d lines: %q", n, hist)
	}
	// n1's checkpointer creates the log's stream and bucket with the events' 3 replicas
	// (serve's --replicas, for a stream it creates alone, is not theirs).
	for {
		var data []byte
		cs, err := js.Stream(ctx, translog.CheckpointStream)
		if err == nil {
			var m *jetstream.RawStreamMsg
			if m, err = cs.GetLastMsgForSubject(ctx, translog.CheckpointSubject); err == nil {
				data = m.Data
			}
		}
		if strings.HasPrefix(string(data), "cluster.example/log\n2\n") {
			break
		}
		if time.Now().After(deadline.Add(30 * time.Second)) {
			t.Fatalf("serve --log-key published no checkpoint of size 2: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// jetdag log checkpoint on the cluster agrees (nothing new to publish).
	var cp struct {
		Size      int64
		Published bool
	}
	objRunOK(t, all, nil, &cp, "log", "checkpoint", "--key", key)
	if cp.Size != 2 {
		t.Fatalf("log checkpoint on the cluster: %+v", cp)
	}
	for _, name := range []string{"event-checkpoints", "KV_event-log"} {
		s, err := js.Stream(ctx, name)
		if err != nil || s.CachedInfo().Config.Replicas != 3 {
			t.Fatalf("%s after serve --log-key on the cluster: %v, want 3 replicas", name, err)
		}
	}
	cancel()
	wg.Wait()
	for i, c := range codes {
		if c != cli.ExitOK {
			t.Errorf("serve n%d exited %d on interrupt, want 0", i+1, c)
		}
	}
}
