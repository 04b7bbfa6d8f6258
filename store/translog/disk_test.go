package translog_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
	"github.com/jetdag/jetdag/store/translog"
	"github.com/jetdag/jetdag/store/translog/logtest"
)

// removeOnDisk deletes the event stream's message seq from the file store of a stopped
// server, as someone with the server's disk could: the record is cut out of its message
// block and the stream's state file removed, so the server rebuilds the stream from the
// blocks when it starts and finds a gap there. (The record layout is nats-server's file
// store: a 22-byte header of length, sequence, timestamp and subject length, the record
// ending with its own checksum; the checksums of the others are unchanged.)
func removeOnDisk(t *testing.T, dir string, seq uint64) {
	t.Helper()
	var msgs string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == "msgs" && filepath.Base(filepath.Dir(p)) == store.StreamName {
			msgs = p
		}
		return err
	})
	if err != nil || msgs == "" {
		t.Fatalf("no message directory of %s under %s: %v", store.StreamName, dir, err)
	}
	blocks, err := filepath.Glob(filepath.Join(msgs, "*.blk"))
	if err != nil {
		t.Fatal(err)
	}
	const hdrSize, hasHeaders = 22, 1 << 31
	for _, blk := range blocks {
		buf, err := os.ReadFile(blk)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+hdrSize <= len(buf); {
			rl := int(binary.LittleEndian.Uint32(buf[i:]) &^ hasHeaders)
			if rl < hdrSize || i+rl > len(buf) {
				t.Fatalf("%s: bad record at %d", blk, i)
			}
			if binary.LittleEndian.Uint64(buf[i+4:]) == seq {
				out := append(append([]byte(nil), buf[:i]...), buf[i+rl:]...)
				if err := os.WriteFile(blk, out, 0o640); err != nil {
					t.Fatal(err)
				}
				if err := os.Remove(filepath.Join(msgs, "index.db")); err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatal(err)
				}
				return
			}
			i += rl
		}
	}
	t.Fatalf("message %d not found in %v", seq, blocks)
}

// The adversarial suite's "message removed on disk", done on disk: after a checkpoint and a
// witness's cosignature, one event's message is cut out of the stopped server's file store.
// The server starts with the gap; verify's replay rejects the aggregate's next events, the
// audit against the kept checkpoint finds the stream no longer gives its root, and a log
// rebuilt over the stream with the same key is refused by the witness. (With the log left as
// it is, the checkpointer goes on from its state block and the witness cosigns: the log is
// right, the stream is not, and verify is what says so.)
func TestMessageRemovedOnDisk(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	f := newFixture(t, srv, "")
	f.appendN(t, 60, 3, "d")
	res, err := f.log.Checkpoint(ctx)
	if err != nil || res.N != 60 {
		t.Fatalf("checkpoint: %v %v", res, err)
	}
	kept := res.Checkpoint
	w := newTestWitness(t, f)
	if ok, err := w.Observe(ctx, kept); !ok || err != nil {
		t.Fatalf("cosign: %v %v", ok, err)
	}

	srv.Server.Shutdown()
	removeOnDisk(t, srv.Dir, 30)
	srv.Restart()
	g := newFixture(t, srv, f.skey)
	js, err := jetstream.New(g.nc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(ctx, store.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetMsg(ctx, 30); !errors.Is(err, jetstream.ErrMsgNotFound) {
		t.Fatalf("message 30 after the edit: %v, want not found", err)
	}
	if info, err := s.Info(ctx); err != nil || info.State.Msgs != 59 || info.State.LastSeq != 60 {
		t.Fatalf("stream after the edit: %+v %v, want 59 messages up to seq 60", info.State, err)
	}

	// verify's replay: the aggregate whose event went missing no longer chains.
	_, st, err := g.es.Replay(ctx, store.ReplayOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Messages != 59 || st.Rejected == 0 {
		t.Fatalf("replay after the removal: %d messages, %d rejected; want 59 with rejections", st.Messages, st.Rejected)
	}
	// verify --vkey --checkpoint: the kept checkpoint is no longer what the stream gives.
	v, err := translog.NewVerifier(g.vkey)
	if err != nil {
		t.Fatal(err)
	}
	reader := g.open(t, false)
	held, err := translog.OpenCheckpoint(kept.Note, v)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := reader.Audit(ctx, translog.AuditOptions{Held: []*translog.Checkpoint{held}, HeldNames: []string{"kept.note"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) == 0 || !strings.Contains(strings.Join(rep.Problems, "\n"), "kept.note") {
		t.Fatalf("audit after the removal: %d leaves, problems %q; want the kept checkpoint named", rep.Leaves, rep.Problems)
	}

	// The same through the command a user runs: jetdag verify --vkey V --checkpoint kept.note.
	keptFile := filepath.Join(t.TempDir(), "kept.note")
	if err := os.WriteFile(keptFile, kept.Note, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := cli.Run(ctx, []string{"--nats", srv.ClientURL(), "verify", "--quiet", "--vkey", g.vkey, "--checkpoint", keptFile}, strings.NewReader(""), &out, &errb)
	if code != cli.ExitFailure || !strings.Contains(out.String(), `"log_problem"`) || !strings.Contains(out.String(), "kept.note") {
		t.Fatalf("jetdag verify after the removal: exit %d\n%s%s", code, out.String(), errb.String())
	}

	// The operator rebuilds the log over what the stream now holds, with the same key: the
	// witness, holding the cosigned size 60, refuses the new history.
	for _, name := range []string{translog.CheckpointStream, "KV_" + translog.TileBucket} {
		if err := js.DeleteStream(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	rebuilt, err := g.open(t, true).Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rebuilt.N >= 60 || rebuilt.Rejected == 0 {
		t.Fatalf("the rebuilt log: size %d, %d rejected; want fewer leaves than 60", rebuilt.N, rebuilt.Rejected)
	}
	if _, err := w.Observe(ctx, rebuilt.Checkpoint); !errors.Is(err, translog.ErrRefused) || !strings.Contains(err.Error(), "smaller than the cosigned one of size 60") {
		t.Fatalf("witness over the rebuilt log: %v, want a refusal", err)
	}
}

// The same removal, with the log left as it is: the checkpointer goes on from its state
// block, so the log stays consistent with itself and a witness that only checks consistency
// proofs cosigns on. A witness that audits the store (jetdag witness, --audit-every, on by
// default) catches it: a running witness whose periodic audit comes round refuses the
// checkpoint it holds, stays up with the refusal on its metrics and cosigns nothing more, and
// --once refuses the extended checkpoint (exit 1) without cosigning it.
func TestWitnessAuditCatchesMessageRemovedOnDisk(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	f := newFixture(t, srv, "")
	f.appendN(t, 60, 3, "d")
	if res, err := f.log.Checkpoint(ctx); err != nil || res.N != 60 {
		t.Fatalf("checkpoint: %v %v", res, err)
	}
	dir := t.TempDir()
	url := srv.ClientURL()
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := cli.Run(ctx, append([]string{"--nats", url}, args...), strings.NewReader(""), &out, &errb)
		return out.String(), errb.String(), code
	}
	type witness struct {
		key   logtest.WitnessKey
		args  []string
		state string
	}
	newWitness := func(name string, extra ...string) witness {
		k := logtest.NewWitnessKey(t, name)
		keyFile := filepath.Join(dir, name+".key")
		if err := os.WriteFile(keyFile, []byte(k.SKey), 0o600); err != nil {
			t.Fatal(err)
		}
		state := filepath.Join(dir, name)
		return witness{k, append([]string{"witness", "--key", keyFile, "--log-vkey", f.vkey, "--state", state}, extra...), state}
	}
	// consistency: no store audit; auditor: --once with the default audit; daemon: running
	// across the removal, auditing every 200ms.
	consistency := newWitness("consistency.example", "--audit-every", "0", "--once")
	auditor := newWitness("auditor.example", "--once")
	daemon := newWitness("daemon.example", "--audit-every", "200ms", "--poll", "50ms")
	for _, w := range []witness{consistency, auditor} {
		if out, errs, code := run(w.args...); code != cli.ExitOK || !strings.Contains(out, `"cosigned":1`) {
			t.Fatalf("jetdag %v before the removal: exit %d\n%s%s", w.args, code, out, errs)
		}
	}
	d := logtest.StartWitness(t, url, daemon.args...)
	d.WaitMetrics(t, 30*time.Second, "jetdag_witness_size 60", "jetdag_witness_refused 0")

	srv.Server.Shutdown()
	removeOnDisk(t, srv.Dir, 30)
	srv.Restart()
	g := newFixture(t, srv, f.skey)
	// The running witness's next audit finds the stream short of the checkpoint it holds. (It
	// is waited for before the log is extended: between two audits a witness cosigns on the
	// consistency proofs alone, so one extension arriving first could be cosigned.)
	body := d.WaitMetrics(t, 30*time.Second, "jetdag_witness_refused 1", "jetdag_witness_size 60")
	if !strings.Contains(body, `jetdag_witness_refusal_info{reason="store audit: truncated: the stream holds `) ||
		!strings.Contains(body, `of size 60 (cosigned) covers 60"} 1`) {
		t.Fatalf("the running witness's metrics name no audit refusal:\n%s", body)
	}
	g.appendN(t, 3, 1, "late")
	res, err := g.log.Checkpoint(ctx)
	if err != nil || res.N != 63 {
		t.Fatalf("the checkpointer over the damaged stream: %v %v; want it to extend the log to 63", res, err)
	}

	// Consistency alone: the log extends itself, so it cosigns.
	if out, errs, code := run(consistency.args...); code != cli.ExitOK || !strings.Contains(out, `"size":63`) {
		t.Fatalf("the witness without an audit: exit %d\n%s%s; want size 63 cosigned", code, out, errs)
	}
	// The audit: the stream no longer gives the checkpoint to cosign.
	out, errs, code := run(auditor.args...)
	if code != cli.ExitFailure || !strings.Contains(out, `"refused":true`) || !strings.Contains(errs, "store audit: truncated: the stream holds") ||
		!strings.Contains(errs, "of size 63 (to cosign) covers 63") {
		t.Fatalf("the auditing witness over the damaged stream: exit %d\n%s%s", code, out, errs)
	}
	if b, err := os.ReadFile(filepath.Join(auditor.state, translog.WitnessRefusedFile)); err != nil || !strings.Contains(string(b), "refused:\ntest.example/log\n63\n") {
		t.Fatalf("refusal file: %q %v", b, err)
	}
	time.Sleep(300 * time.Millisecond) // a few polls and audit periods with size 63 stored
	if !d.Running() {
		t.Fatalf("the running witness exited after its refusal:\n%s", d.Stderr())
	}
	js, err := jetstream.New(g.nc)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []witness{auditor, daemon} {
		if n := logtest.CosignedCopies(t, js, w.key.Verifier); n != 1 {
			t.Errorf("%s: %d cosignatures on the stream, want only the one of size 60", w.key.Verifier.Name(), n)
		}
	}
	if n := logtest.CosignedCopies(t, js, consistency.key.Verifier); n != 2 {
		t.Errorf("the witness without an audit: %d cosignatures, want 2 (sizes 60 and 63)", n)
	}
	if out, errs, code := d.Stop(); code != cli.ExitFailure || !strings.Contains(out, `"refused":true`) || !strings.Contains(errs, "witness halted") {
		t.Fatalf("the running witness, signalled: exit %d\n%s%s", code, out, errs)
	}
}
