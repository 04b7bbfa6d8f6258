package translog_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
	"github.com/jetdag/jetdag/store/translog"
	"github.com/jetdag/jetdag/store/translog/logtest"
)

// A three-node cluster (every stream and bucket R3) whose checkpoint stream's leader is
// stopped while a checkpointer runs back to back and events keep arriving: checkpoints go
// on after the election, one per size, and the audit finds every one consistent with the
// stream.
func TestClusterLeaderKilledWhileCheckpointing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node cluster")
	}
	ctx := context.Background()
	c := storetest.StartCluster(t, 3)
	nc, err := store.Connect(ctx, store.ConnConfig{Servers: c.URLs(), ReconnectWait: 100 * time.Millisecond, MaxReconnects: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	es, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{Replicas: 3})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := store.OpenObjects(ctx, nc, store.ObjectStoreConfig{Replicas: 3})
	if err != nil {
		t.Fatal(err)
	}
	key := logtest.NewLogKey(t, "cluster.example/log")
	// No replica count given: the log's stream and bucket get the event stream's (3), as
	// `jetdag log checkpoint` opens them.
	l, err := translog.Open(ctx, nc, es, objs, translog.Config{Signer: key.Signer})
	if err != nil {
		t.Fatal(err)
	}
	{
		js, err := jetstream.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{translog.CheckpointStream, "KV_" + translog.TileBucket} {
			s, err := js.Stream(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			if r := s.CachedInfo().Config.Replicas; r != 3 {
				t.Fatalf("%s: %d replicas, want the event stream's 3", name, r)
			}
		}
	}
	appendSome := func(n int, tag string) int {
		ok := 0
		for i := range n {
			actx, cancel := context.WithTimeout(ctx, 20*time.Second)
			_, err := es.AppendEvent(actx, store.NewEvent{AggregateID: fmt.Sprintf("%s-%d", tag, i%5), EventType: "Tick"}, store.WithRetries(20))
			cancel()
			if err == nil {
				ok++
			}
		}
		return ok
	}
	appendSome(500, "before")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var published, failed int
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			res, err := l.Checkpoint(cctx)
			cancel()
			mu.Lock()
			if err != nil {
				failed++
				if errors.Is(err, translog.ErrInconsistent) || errors.Is(err, translog.ErrTileConflict) {
					t.Errorf("checkpoint during the election: %v", err)
				}
			} else if res.Published {
				published++
			}
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	})
	appendSome(300, "during")
	js, _ := jetstream.New(nc)
	s, err := js.Stream(ctx, translog.CheckpointStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil || info.Cluster == nil || info.Cluster.Leader == "" {
		t.Fatalf("checkpoint stream leader: %v %v", info, err)
	}
	leader := info.Cluster.Leader
	mu.Lock()
	before := published
	mu.Unlock()
	c.Node(leader).Stop()
	t.Logf("stopped %s, the checkpoint stream's leader, after %d checkpoints", leader, before)
	appended := appendSome(300, "after")
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		after := published
		mu.Unlock()
		latest, err := l.Latest(ctx)
		if err == nil && after > before {
			last, lerr := es.LastSeq(ctx)
			if lerr == nil && latest.Seq == last {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of the whole stream after the leader stopped (%d published before, %d after, latest %v %v)", before, after, latest, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	t.Logf("%d appended after the stop; %d checkpoints published, %d attempts failed", appended, published, failed)
	reader, err := translog.Open(ctx, nc, es, objs, translog.Config{Verifier: key.Verifier})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := reader.Audit(ctx, translog.AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) > 0 || rep.Checkpoints != published {
		t.Fatalf("audit after the election: %d checkpoints stored, %d published: %v", rep.Checkpoints, published, rep.Problems)
	}
}
