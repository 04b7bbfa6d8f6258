package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store/storetest"
	"github.com/jetdag/jetdag/store/translog"
	"github.com/jetdag/jetdag/store/translog/logtest"
)

// A witness cosigns consistent checkpoints; when the store is rebuilt with another history
// (event stream, tiles and checkpoints all replaced, signed with the same key) it refuses,
// stays halted until reset, and verify --witness-vkey catches the uncosigned checkpoint.
func TestWitness(t *testing.T) {
	srv := storetest.Start(t)
	url := srv.ClientURL()
	dir := t.TempDir()
	key, vkey := logKey(t, url, dir, "w.example/log")
	wkey := filepath.Join(dir, "witness.key")
	var wk struct{ Vkey string }
	objRunOK(t, url, nil, &wk, "log", "keygen", "--witness", "--origin", "witness.example", "--out", wkey)
	if _, err := translog.NewCosignatureVerifier(wk.Vkey); err != nil {
		t.Fatalf("witness vkey %q: %v", wk.Vkey, err)
	}
	state := filepath.Join(dir, "state")
	witness := func() (string, string, int) {
		return objRun(t, url, nil, "witness", "--key", wkey, "--log-vkey", vkey, "--state", state, "--once")
	}
	var w struct {
		Cosigned int
		Refused  bool
		Size     int64
	}
	appendEvents(t, url, 30, 3, "w")
	objRunOK(t, url, nil, nil, "log", "checkpoint", "--key", key)
	objRunOK(t, url, nil, &w, "witness", "--key", wkey, "--log-vkey", vkey, "--state", state, "--once")
	if w.Cosigned != 1 || w.Size != 30 {
		t.Fatalf("first witness run: %+v", w)
	}
	appendEvents(t, url, 30, 3, "w2")
	objRunOK(t, url, nil, nil, "log", "checkpoint", "--key", key)
	objRunOK(t, url, nil, &w, "witness", "--key", wkey, "--log-vkey", vkey, "--state", state, "--once")
	if w.Cosigned != 1 || w.Size != 60 {
		t.Fatalf("second witness run: %+v", w)
	}
	objRunOK(t, url, nil, nil, "verify", "--vkey", vkey, "--witness-vkey", wk.Vkey)

	// The operator rebuilds everything with another history, a little longer.
	ctx := context.Background()
	js, err := jetstream.New(srv.Connect(t))
	if err != nil {
		t.Fatal(err)
	}
	logtest.RestoreStream(t, js, nil)
	for _, s := range []string{translog.CheckpointStream, "KV_" + translog.TileBucket} {
		if err := js.DeleteStream(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	appendEvents(t, url, 70, 2, "other")
	objRunOK(t, url, nil, nil, "log", "checkpoint", "--key", key)
	out, errs, code := witness()
	if code != cli.ExitFailure || !strings.Contains(errs, "does not extend the cosigned one of size 60") || !strings.Contains(out, `"refused":true`) {
		t.Fatalf("witness over the rebuilt store: exit %d\n%s%s", code, out, errs)
	}
	if b, err := os.ReadFile(filepath.Join(state, translog.WitnessRefusedFile)); err != nil || !strings.Contains(string(b), "refused:\nw.example/log\n70\n") {
		t.Fatalf("refusal file: %q %v", b, err)
	}
	if _, errs, code := witness(); code != cli.ExitFailure || !strings.Contains(errs, "halted") {
		t.Fatalf("witness after a refusal: exit %d %s", code, errs)
	}
	out, _, code = objRun(t, url, nil, "verify", "--vkey", vkey, "--witness-vkey", wk.Vkey)
	if code != cli.ExitFailure || !strings.Contains(out, "not cosigned by witness witness.example") {
		t.Fatalf("verify --witness-vkey of the rebuilt store: exit %d\n%s", code, out)
	}
	// Reset: the operator removes the refusal and the held checkpoint.
	_ = os.Remove(filepath.Join(state, translog.WitnessRefusedFile))
	_ = os.Remove(filepath.Join(state, translog.WitnessHeldFile))
	objRunOK(t, url, nil, &w, "witness", "--key", wkey, "--log-vkey", vkey, "--state", state, "--once")
	if w.Cosigned != 1 || w.Size != 70 {
		t.Fatalf("witness after reset: %+v", w)
	}
	for _, args := range [][]string{
		{"witness", "--key", wkey, "--log-vkey", "junk", "--state", state},
		{"witness", "--key", wkey, "--log-vkey", vkey},
		{"verify", "--vkey", vkey, "--witness-vkey", vkey}, // a log key is no cosignature key
	} {
		if _, errs, code := objRun(t, url, nil, args...); code != cli.ExitBadInput {
			t.Errorf("jetdag %v: exit %d %s", args, code, errs)
		}
	}
}
