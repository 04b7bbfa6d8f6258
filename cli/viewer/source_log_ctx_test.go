package viewer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/translog"
	"github.com/jetdag/jetdag/store/translog/logtest"
)

// The status bar's log reads (the checkpoint before, the witnesses' copies) end with the
// window's context: with the server gone, closing the window returns at once instead of
// after each read's own timeout.
func TestLogStatusEndsWithContext(t *testing.T) {
	ctx := context.Background()
	srv, nc, es, objs := openStores(ctx, t)
	l, err := translog.Open(ctx, nc, es, objs, translog.Config{Signer: logtest.NewLogKey(t, "ctx.example/log").Signer})
	if err != nil {
		t.Fatal(err)
	}
	var cp *translog.Checkpoint
	for i := range 2 {
		for j := range 5 {
			if _, err := es.Append(ctx, fmt.Sprint("c-", j%2), "Tick", nil); err != nil {
				t.Fatal(err)
			}
		}
		res, err := l.Checkpoint(ctx)
		if err != nil {
			t.Fatalf("checkpoint %d: %v", i, err)
		}
		cp = res.Checkpoint
	}
	js, _ := jetstream.New(nc)
	cps, err := js.Stream(ctx, translog.CheckpointStream)
	if err != nil {
		t.Fatal(err)
	}
	w := &logWatch{l: l, cps: cps}
	if m := w.status(ctx, cp); m.Size != cp.N || m.PrevSeq == 0 {
		t.Fatalf("status with the server up: %+v, want size %d and the previous checkpoint's seq", m, cp.N)
	}
	w.prevFor = 0 // read the previous checkpoint again
	srv.Server.Shutdown()
	wctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	m := w.status(wctx, cp)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("status with the server gone took %v after the window's context ended at 200ms", d)
	}
	if m.Size != cp.N {
		t.Fatalf("status with the server gone: %+v, want size %d", m, cp.N)
	}
}
