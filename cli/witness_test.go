package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	rebuildLog(t, srv, key, 70)
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

// A witness running without --once stays up after it refuses, and when it starts halted: it
// logs the refusal with the reset, serves jetdag_witness_refused 1 and the reason on its
// /metrics (scraped over HTTP here), publishes no cosignature for any later checkpoint, and
// exits 1 only when signalled. --once over the halted state exits 1 at once.
func TestWitnessDaemonStaysUpHalted(t *testing.T) {
	srv := storetest.Start(t)
	url := srv.ClientURL()
	dir := t.TempDir()
	key, vkey := logKey(t, url, dir, "daemon.example/log")
	wk := logtest.NewWitnessKey(t, "watcher.example")
	wkey := filepath.Join(dir, "watcher.key")
	if err := os.WriteFile(wkey, []byte(wk.SKey), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	args := []string{"witness", "--key", wkey, "--log-vkey", vkey, "--state", state, "--poll", "50ms"}
	appendEvents(t, url, 20, 2, "d")
	objRunOK(t, url, nil, nil, "log", "checkpoint", "--key", key)

	d := logtest.StartWitness(t, url, args...)
	body := d.WaitMetrics(t, 30*time.Second, "jetdag_witness_size 20", "jetdag_witness_refused 0")
	if strings.Contains(body, "jetdag_witness_refusal_info{") || strings.Contains(body, "jetdag_witness_audit_last_success_timestamp_seconds 0\n") {
		t.Fatalf("a witness that refused nothing and audited at start:\n%s", body)
	}

	// The operator rebuilds everything with another history.
	js := rebuildLog(t, srv, key, 30)
	const reason = `jetdag_witness_refusal_info{reason="the checkpoint of size 30 does not extend the cosigned one of size 20 (root `
	body = d.WaitMetrics(t, 30*time.Second, "jetdag_witness_refused 1", "jetdag_witness_size 20")
	if !strings.Contains(body, reason) {
		t.Fatalf("metrics after the refusal lack the reason:\n%s", body)
	}
	// Still up, and cosigning nothing: another checkpoint, a few polls.
	appendEvents(t, url, 5, 1, "more")
	objRunOK(t, url, nil, nil, "log", "checkpoint", "--key", key)
	time.Sleep(500 * time.Millisecond)
	if !d.Running() {
		t.Fatalf("the witness exited after its refusal:\n%s", d.Stderr())
	}
	if body := d.Scrape(); !strings.Contains(body, "jetdag_witness_refused 1\n") {
		t.Fatalf("metrics 500ms after the refusal:\n%s", body)
	}
	if n := logtest.CosignedCopies(t, js, wk.Verifier); n != 0 {
		t.Fatalf("%d cosignatures on the rebuilt store, want none", n)
	}
	errs := d.Stderr()
	for _, want := range []string{`msg="witness refused a checkpoint" size=30`, `msg="witness halted`, "reset=\"remove " + filepath.Join(state, translog.WitnessRefusedFile)} {
		if !strings.Contains(errs, want) {
			t.Errorf("the witness's log lacks %q:\n%s", want, errs)
		}
	}
	out, errs, code := d.Stop()
	if code != cli.ExitFailure || !strings.Contains(out, `"refused":true`) || !strings.Contains(out, `"size":20`) {
		t.Fatalf("the refusing witness, signalled: exit %d\n%s%s", code, out, errs)
	}

	// Started again over the halted state: up, refused 1 with the recorded reason, nothing
	// cosigned, exit 1 when signalled.
	d = logtest.StartWitness(t, url, args...)
	body = d.WaitMetrics(t, 30*time.Second, "jetdag_witness_refused 1", "jetdag_witness_size 20")
	if !strings.Contains(body, reason) {
		t.Fatalf("metrics of the halted witness lack the reason:\n%s", body)
	}
	appendEvents(t, url, 5, 1, "yet")
	objRunOK(t, url, nil, nil, "log", "checkpoint", "--key", key)
	time.Sleep(500 * time.Millisecond)
	if !d.Running() {
		t.Fatalf("the halted witness exited:\n%s", d.Stderr())
	}
	if n := logtest.CosignedCopies(t, js, wk.Verifier); n != 0 {
		t.Fatalf("the halted witness published %d cosignatures", n)
	}
	if !strings.Contains(d.Stderr(), `msg="witness halted: it cosigns nothing until an operator resets it`) ||
		!strings.Contains(d.Stderr(), `reason="the checkpoint of size 30 does not extend the cosigned one of size 20`) {
		t.Errorf("the halted witness's log lacks the reason:\n%s", d.Stderr())
	}
	if out, errs, code := d.Stop(); code != cli.ExitFailure || !strings.Contains(out, `"refused":true`) {
		t.Fatalf("the halted witness, signalled: exit %d\n%s%s", code, out, errs)
	}
	if out, errs, code := objRun(t, url, nil, append(args, "--once")...); code != cli.ExitFailure || !strings.Contains(out, `"refused":true`) || !strings.Contains(errs, "halted") {
		t.Fatalf("--once over the halted state: exit %d\n%s%s", code, out, errs)
	}
}

// rebuildLog does what an operator who rewrites history does: the event stream emptied, the
// checkpoint stream and tiles deleted, n other events over 2 aggregates appended and a new
// log checkpointed with the same key. It returns the JetStream context it used.
func rebuildLog(t *testing.T, srv *storetest.Server, key string, n int) jetstream.JetStream {
	t.Helper()
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
	url := srv.ClientURL()
	appendEvents(t, url, n, 2, "other")
	objRunOK(t, url, nil, nil, "log", "checkpoint", "--key", key)
	return js
}
