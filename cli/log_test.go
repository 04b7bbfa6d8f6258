package cli_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
	"github.com/jetdag/jetdag/store/translog/logtest"
)

type cpOut struct {
	Size      int64  `json:"size"`
	Root      string `json:"root"`
	Seq       uint64 `json:"seq"`
	State     string `json:"state"`
	Published bool   `json:"published"`
}

// logKey makes a log key with the CLI and returns its file and verifier key.
func logKey(t *testing.T, url, dir, origin string) (string, string) {
	t.Helper()
	path := filepath.Join(dir, strings.ReplaceAll(origin, "/", "_")+".key")
	var k struct{ Vkey string }
	objRunOK(t, url, nil, &k, "log", "keygen", "--origin", origin, "--out", path)
	return path, k.Vkey
}

// appendEvents appends n events over aggs aggregates through the store API.
func appendEvents(t *testing.T, url string, n, aggs int, tag string) []cid.Cid {
	t.Helper()
	ctx := context.Background()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	es, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []cid.Cid
	for i := range n {
		ev, err := es.Append(ctx, fmt.Sprintf("%s-%d", tag, i%aggs), "Tick", []byte(fmt.Sprint(tag, i)))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev.CID)
	}
	return out
}

func decodeProof(t *testing.T, ps []string) []tlog.Hash {
	t.Helper()
	out := make([]tlog.Hash, len(ps))
	for i, p := range ps {
		b, err := base64.StdEncoding.DecodeString(p)
		if err != nil || len(b) != 32 {
			t.Fatalf("proof hash %q", p)
		}
		copy(out[i][:], b)
	}
	return out
}

func rootOf(t *testing.T, s string) tlog.Hash {
	t.Helper()
	return decodeProof(t, []string{s})[0]
}

// A user's session with the log: keys, checkpoints, show, proofs checked with x/mod/tlog,
// verify against a kept note, and every kind of bad input.
func TestLogCommands(t *testing.T) {
	srv := storetest.Start(t)
	url := srv.ClientURL()
	dir := t.TempDir()
	key, vkey := logKey(t, url, dir, "orders.example.com/jetdag")
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi, err)
	}
	if _, _, code := objRun(t, url, nil, "log", "keygen", "--origin", "x", "--out", key); code != cli.ExitBadInput {
		t.Fatalf("keygen over an existing file: exit %d", code)
	}
	var vk struct{ Vkey string }
	objRunOK(t, url, nil, &vk, "log", "vkey", "--key", key)
	if vk.Vkey != vkey || !strings.HasPrefix(vkey, "orders.example.com/jetdag+") {
		t.Fatalf("vkey %q, keygen said %q", vk.Vkey, vkey)
	}
	evs := appendEvents(t, url, 260, 3, "o")
	var cp1 cpOut
	objRunOK(t, url, nil, &cp1, "log", "checkpoint", "--key", key)
	if cp1.Size != 260 || !cp1.Published || cp1.Seq != 260 {
		t.Fatalf("checkpoint: %+v", cp1)
	}
	held := filepath.Join(dir, "held.note")
	note := objRunOK(t, url, nil, nil, "log", "show", "--vkey", vkey)
	if !strings.HasPrefix(note, "orders.example.com/jetdag\n260\n"+cp1.Root+"\njetdag-state 260 "+cp1.State+"\n\n— orders.example.com/jetdag ") {
		t.Fatalf("note:\n%s", note)
	}
	if err := os.WriteFile(held, []byte(note), 0o644); err != nil {
		t.Fatal(err)
	}
	evs = append(evs, appendEvents(t, url, 40, 5, "p")...)
	var cp2 cpOut
	objRunOK(t, url, nil, &cp2, "log", "checkpoint", "--key", key)
	if cp2.Size != 300 {
		t.Fatalf("second checkpoint %+v", cp2)
	}
	for _, i := range []int{0, 259, 299} {
		var pr struct {
			Index int64
			Size  int64
			Proof []string
		}
		objRunOK(t, url, nil, &pr, "log", "prove", evs[i].String(), "--size", "300")
		if err := tlog.CheckRecord(decodeProof(t, pr.Proof), pr.Size, rootOf(t, cp2.Root), pr.Index, tlog.RecordHash(evs[i].Bytes())); err != nil || pr.Index != int64(i) {
			t.Fatalf("proof of leaf %d (index %d): %v", i, pr.Index, err)
		}
	}
	var cons struct {
		From, To int64
		Proof    []string
	}
	objRunOK(t, url, nil, &cons, "log", "consistency", "--from", "260")
	if err := tlog.CheckTree(decodeProof(t, cons.Proof), 300, rootOf(t, cp2.Root), 260, rootOf(t, cp1.Root)); err != nil || cons.To != 300 {
		t.Fatalf("consistency 260 -> %d: %v", cons.To, err)
	}
	out := objRunOK(t, url, nil, nil, "verify", "--vkey", vkey, "--checkpoint", held)
	var sum map[string]any
	lastJSONLine(t, out, &sum)
	if sum["log_ok"] != true || sum["log_leaves"] != 300.0 || sum["checkpoints"] != 2.0 {
		t.Fatalf("verify summary: %v", sum)
	}
	// Bad input and failed checks.
	otherKey, otherV := logKey(t, url, dir, "other.example/log")
	sameNameKey := filepath.Join(dir, "same-name.key")
	objRunOK(t, url, nil, nil, "log", "keygen", "--origin", "orders.example.com/jetdag", "--out", sameNameKey)
	var wrongV struct{ Vkey string }
	objRunOK(t, url, nil, &wrongV, "log", "vkey", "--key", sameNameKey)
	malformed := filepath.Join(dir, "bad.note")
	_ = os.WriteFile(malformed, []byte("not a note"), 0o644)
	tampered := filepath.Join(dir, "tampered.note")
	_ = os.WriteFile(tampered, []byte(strings.Replace(note, "\n260\n", "\n261\n", 1)), 0o644)
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"log", "prove", "bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"}, cli.ExitFailure, "not a leaf"},
		{[]string{"log", "prove", "nope"}, cli.ExitBadInput, "CID"},
		{[]string{"log", "prove", evs[0].String(), "--size", "123"}, cli.ExitFailure, "no checkpoint of size 123"},
		{[]string{"log", "consistency", "--from", "301"}, cli.ExitBadInput, "beyond"},
		{[]string{"log", "consistency"}, cli.ExitBadInput, "--from"},
		{[]string{"log", "checkpoint", "--key", filepath.Join(dir, "missing.key")}, cli.ExitBadInput, "--key"},
		{[]string{"log", "checkpoint", "--key", held}, cli.ExitBadInput, "signer key"},
		{[]string{"log", "checkpoint", "--key", otherKey}, cli.ExitFailure, "another log"},
		{[]string{"log", "show", "--vkey", "garbage"}, cli.ExitBadInput, "verifier key"},
		{[]string{"verify", "--checkpoint", held}, cli.ExitBadInput, "--vkey"},
		{[]string{"verify", "--vkey", vkey, "--checkpoint", malformed}, cli.ExitBadInput, "malformed"},
		{[]string{"verify", "--vkey", vkey, "--checkpoint", tampered}, cli.ExitFailure, "signature"},
		{[]string{"verify", "--vkey", wrongV.Vkey, "--checkpoint", held}, cli.ExitBadInput, "not signed by the configured log key"},
		{[]string{"verify", "--vkey", otherV, "--checkpoint", held}, cli.ExitBadInput, "another log"},
		{[]string{"verify", "--vkey", otherV}, cli.ExitFailure, "log_problem"},
	} {
		out, errs, code := objRun(t, url, nil, c.args...)
		if code != c.code || !strings.Contains(out+errs, c.msg) {
			t.Errorf("jetdag %v: exit %d, want %d with %q\n%s%s", c.args, code, c.code, c.msg, out, errs)
		}
	}
}

// The adversarial suite: each way of tampering with a checkpointed store is caught by
// verify against the note the user kept, naming what is wrong.
func TestVerifyCatchesTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, url string, js jetstream.JetStream, keep []*jetstream.RawStreamMsg)
		want   string
	}{
		{"restored from a partial backup", func(t *testing.T, _ string, js jetstream.JetStream, keep []*jetstream.RawStreamMsg) {
			var part []*jetstream.RawStreamMsg
			for _, m := range keep {
				if m.Sequence > 30 && m.Header.Get(store.HeaderAggregateID) == "t-1" {
					continue // the aggregate's tail was not in the backup
				}
				part = append(part, m)
			}
			logtest.RestoreStream(t, js, part)
		}, "truncated"},
		{"rebuilt with other history of the same length", func(t *testing.T, url string, js jetstream.JetStream, _ []*jetstream.RawStreamMsg) {
			logtest.RestoreStream(t, js, nil)
			appendEvents(t, url, 40, 4, "t")
		}, "rewritten or forked"},
		{"a message removed, others appended", func(t *testing.T, url string, js jetstream.JetStream, keep []*jetstream.RawStreamMsg) {
			logtest.RestoreStream(t, js, append(keep[:19:19], keep[20:]...)) // seq 20 lost
			appendEvents(t, url, 20, 1, "late")
		}, "rewritten or forked"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := storetest.Start(t)
			url := srv.ClientURL()
			dir := t.TempDir()
			key, vkey := logKey(t, url, dir, "t.example/log")
			appendEvents(t, url, 40, 4, "t")
			objRunOK(t, url, nil, nil, "log", "checkpoint", "--key", key)
			held := filepath.Join(dir, "held.note")
			_ = os.WriteFile(held, []byte(objRunOK(t, url, nil, nil, "log", "show")), 0o644)
			objRunOK(t, url, nil, nil, "verify", "--vkey", vkey, "--checkpoint", held)
			js, err := jetstream.New(srv.Connect(t))
			if err != nil {
				t.Fatal(err)
			}
			c.tamper(t, url, js, logtest.StreamMessages(t, js))
			out, errs, code := objRun(t, url, nil, "verify", "--vkey", vkey, "--checkpoint", held)
			if code != cli.ExitFailure || !strings.Contains(out, c.want) {
				t.Fatalf("verify after tampering: exit %d, want 1 naming %q\n%s%s", code, c.want, out, errs)
			}
			// The checkpointer refuses to extend a log whose stream changed under it.
			if _, errs, code := objRun(t, url, nil, "log", "checkpoint", "--key", key); code != cli.ExitFailure {
				t.Fatalf("checkpoint after tampering: exit %d %s", code, errs)
			}
		})
	}
	// Two checkpoints of one size shown to two readers: the same key signs another history
	// of the same length on a second server; a reader holding the first catches the fork.
	t.Run("two checkpoints of one size", func(t *testing.T) {
		dir := t.TempDir()
		a, b := storetest.Start(t), storetest.Start(t)
		key, vkey := logKey(t, a.ClientURL(), dir, "fork.example/log")
		appendEvents(t, a.ClientURL(), 20, 2, "x")
		appendEvents(t, b.ClientURL(), 20, 2, "y")
		objRunOK(t, a.ClientURL(), nil, nil, "log", "checkpoint", "--key", key)
		objRunOK(t, b.ClientURL(), nil, nil, "log", "checkpoint", "--key", key)
		held := filepath.Join(dir, "a.note")
		_ = os.WriteFile(held, []byte(objRunOK(t, a.ClientURL(), nil, nil, "log", "show")), 0o644)
		out, errs, code := objRun(t, b.ClientURL(), nil, "verify", "--vkey", vkey, "--checkpoint", held)
		if code != cli.ExitFailure || !strings.Contains(out, "fork: stored checkpoint of size 20") {
			t.Fatalf("verify of the other history: exit %d\n%s%s", code, out, errs)
		}
	})
}

// tail and verify resume from a verified checkpoint: only what follows it is read, with the
// same checks; a checkpoint whose state block is gone cannot be resumed from.
func TestResumeFromCheckpoint(t *testing.T) {
	srv := storetest.Start(t)
	url := srv.ClientURL()
	dir := t.TempDir()
	key, vkey := logKey(t, url, dir, "resume.example/log")
	appendEvents(t, url, 50, 5, "a")
	objRunOK(t, url, nil, nil, "log", "checkpoint", "--key", key)
	held := filepath.Join(dir, "held.note")
	_ = os.WriteFile(held, []byte(objRunOK(t, url, nil, nil, "log", "show")), 0o644)
	after := appendEvents(t, url, 7, 5, "a")
	out := objRunOK(t, url, nil, nil, "tail", "--checkpoint", held, "--vkey", vkey, "--until-caught-up")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 7 || !strings.Contains(lines[0], after[0].String()) || !strings.Contains(lines[6], after[6].String()) {
		t.Fatalf("tail after the checkpoint printed %d lines:\n%s", len(lines), out)
	}
	var sum struct {
		OK       bool
		FromSeq  uint64 `json:"from_seq"`
		Messages int
		Events   int
	}
	objRunOK(t, url, nil, &sum, "verify", "--from", "latest", "--vkey", vkey)
	if !sum.OK || sum.FromSeq != 50 || sum.Messages != 7 || sum.Events != 7 {
		t.Fatalf("verify --from latest: %+v", sum)
	}
	_, otherKey := logKey(t, url, t.TempDir(), "resume.example/log")
	_, foreignKey := logKey(t, url, dir, "other.example/log")
	other := storetest.Start(t)
	appendEvents(t, other.ClientURL(), 50, 5, "o")
	objRunOK(t, other.ClientURL(), nil, nil, "log", "checkpoint", "--key", key)
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"verify", "--from", "latest"}, cli.ExitBadInput},
		{[]string{"tail", "--checkpoint", filepath.Join(dir, "missing.note"), "--vkey", vkey}, cli.ExitBadInput},
		{[]string{"verify", "--from", held, "--vkey", "other.example+00000000+AAAA"}, cli.ExitBadInput},
		// Well-formed keys that signed none of the checkpoint: the same name's other key, another log's.
		{[]string{"tail", "--checkpoint", "latest", "--vkey", otherKey, "--until-caught-up"}, cli.ExitBadInput},
		{[]string{"verify", "--from", held, "--vkey", foreignKey}, cli.ExitBadInput},
		// Held by another store, whose log has another history: contradicted.
		{[]string{"verify", "--from", held, "--vkey", vkey, "--nats", other.ClientURL()}, cli.ExitFailure},
	} {
		if _, errs, code := objRun(t, url, nil, c.args...); code != c.code {
			t.Errorf("jetdag %v: exit %d, want %d: %s", c.args, code, c.code, errs)
		}
	}
}

// bench resume prints both times and a proof that checked, on its own embedded server.
func TestBenchResume(t *testing.T) {
	var out struct {
		Events      int64   `json:"events"`
		ResumeS     float64 `json:"resume_s"`
		FullReplayS float64 `json:"full_replay_s"`
		ProofHashes int     `json:"proof_hashes"`
		ProofBytes  int     `json:"proof_bytes"`
	}
	var stdout, stderr strings.Builder
	if code := cli.Run(context.Background(), []string{"bench", "resume", "--events", "3000", "--tail", "50", "--aggregates", "30"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("bench resume: exit %d %s", code, stderr.String())
	}
	lastJSONLine(t, stdout.String(), &out)
	if out.Events != 3000 || out.ResumeS <= 0 || out.FullReplayS <= 0 || out.ProofHashes < 11 || out.ProofBytes != 32*out.ProofHashes {
		t.Fatalf("bench resume: %+v", out)
	}
}

// bench log prints the checkpointer's rate beside the append rate of the same run, their
// ratio, and a proof from tiles by a fresh reader, cold and warm; bad input is exit 2.
func TestBenchLog(t *testing.T) {
	var out struct {
		Events         int64    `json:"events"`
		Leaves         int64    `json:"leaves"`
		AppendPerS     float64  `json:"append_events_per_s"`
		CheckpointPerS float64  `json:"checkpoint_events_per_s"`
		Ratio          float64  `json:"ratio"`
		ProveColdMS    float64  `json:"prove_cold_ms"`
		ProveMS        float64  `json:"prove_ms"`
		ProofHashes    int      `json:"proof_hashes"`
		CheckpointMS   float64  `json:"checkpoint_ms"`
		LiveAppend     float64  `json:"live_append_events_per_s"`
		LiveCheckpoint float64  `json:"live_checkpoint_events_per_s"`
		LiveLag        float64  `json:"live_lag_s"`
		LiveCount      int      `json:"live_checkpoints"`
		ColdReads      []string `json:"prove_cold_reads"`
		Heap           []struct {
			Leaves int64   `json:"leaves"`
			LiveMB float64 `json:"live_mb"`
		} `json:"heap"`
		InProcess   bool     `json:"server_in_process"`
		WarmedReads []string `json:"prove_warmed_reads"`
	}
	var stdout, stderr strings.Builder
	if code := cli.Run(context.Background(), []string{"bench", "log", "--events", "3000", "--rounds", "3", "--aggregates", "30", "--live"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("bench log: exit %d %s", code, stderr.String())
	}
	lastJSONLine(t, stdout.String(), &out)
	if out.LiveAppend <= 0 || out.LiveCheckpoint <= 0 || out.LiveCheckpoint > out.LiveAppend || out.LiveLag < 0 || out.LiveCount < 1 {
		t.Fatalf("bench log --live: %+v", out)
	}
	if out.Events != 3000 || out.Leaves != 6030 || out.AppendPerS <= 0 || out.CheckpointPerS <= 0 || out.CheckpointMS <= 0 ||
		out.ProveColdMS <= 0 || out.ProveMS <= 0 || out.ProofHashes != 13 {
		t.Fatalf("bench log: %+v", out)
	}
	// 6,030 leaves: the cold proof of leaf 3,015 reads the right edge (level 0 and 1, partial)
	// and its own full level-0 tile, all from the bucket.
	if len(out.ColdReads) != 3 || !strings.Contains(strings.Join(out.ColdReads, ","), "tile/0/011 bucket") {
		t.Errorf("cold proof's reads: %q", out.ColdReads)
	}
	// After Warm, a proof of leaf 2,010 reads only its own level-0 tile from the bucket.
	if n := strings.Count(strings.Join(out.WarmedReads, ","), "bucket"); n != 1 || !strings.Contains(strings.Join(out.WarmedReads, ","), "tile/0/007 bucket") {
		t.Errorf("warmed proof's reads: %q", out.WarmedReads)
	}
	if len(out.Heap) != 2 || out.Heap[0].Leaves != 1030 || out.Heap[1].Leaves != 6030 || out.Heap[1].LiveMB <= 0 || !out.InProcess {
		t.Errorf("heap figures: %+v (server in process %v)", out.Heap, out.InProcess)
	}
	if r := out.CheckpointPerS / out.AppendPerS; r < out.Ratio-0.01 || r > out.Ratio+0.01 {
		t.Errorf("ratio %v, the figures give %v", out.Ratio, r)
	}
	for _, args := range [][]string{{"--events", "0"}, {"--rounds", "0"}, {"--events", "5", "--rounds", "6"}, {"--size", "-1"},
		{"--events", "2", "--rounds", "1", "--aggregates", "2", "--size", "2000000"}} { // more than the server takes
		stdout.Reset()
		stderr.Reset()
		if code := cli.Run(context.Background(), append([]string{"bench", "log"}, args...), strings.NewReader(""), &stdout, &stderr); code != cli.ExitBadInput {
			t.Errorf("bench log %v: exit %d (%s), want 2", args, code, stderr.String())
		}
	}
}

// log prove of an event that is stored but was rejected (a fork a raw client published, a
// valid block chained on an old event) exits 1 saying it was rejected, not logged; the
// accepted events around it are leaves at their places, the fork taking none.
func TestLogProveRejected(t *testing.T) {
	srv := storetest.Start(t)
	url := srv.ClientURL()
	key, vkey := logKey(t, url, t.TempDir(), "prove.example/log")
	before := appendEvents(t, url, 10, 2, "f")
	fork := block.Event{AggregateID: "f-0", EventType: "Tick", Payload: []byte("fork"), PreviousCID: before[0], Timestamp: 1}
	m, forkCID, err := store.EventMessage(&fork)
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(srv.Connect(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.PublishMsg(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	after := appendEvents(t, url, 5, 2, "f")
	var cp cpOut
	objRunOK(t, url, nil, &cp, "log", "checkpoint", "--key", key)
	if cp.Size != 15 || cp.Seq != 16 {
		t.Fatalf("checkpoint %+v: want 15 leaves up to seq 16 (the fork at seq 11 no leaf)", cp)
	}
	out, errs, code := objRun(t, url, nil, "log", "prove", forkCID.String(), "--vkey", vkey)
	if code != cli.ExitFailure || !strings.Contains(errs, "was rejected, not logged") || !strings.Contains(errs, "seq 11") || out != "" {
		t.Fatalf("log prove of the rejected fork: exit %d\nstdout %q\nstderr %s", code, out, errs)
	}
	for i, c := range map[int64]cid.Cid{9: before[9], 10: after[0], 14: after[4]} {
		var pr struct {
			Index int64
			Proof []string
		}
		objRunOK(t, url, nil, &pr, "log", "prove", c.String(), "--vkey", vkey)
		if pr.Index != i || tlog.CheckRecord(decodeProof(t, pr.Proof), 15, rootOf(t, cp.Root), i, tlog.RecordHash(c.Bytes())) != nil {
			t.Fatalf("proof of %s: index %d, want %d, or it does not check", c, pr.Index, i)
		}
	}
}

// Every command that takes a checkpoint note follows one rule (noteErr): a note the key has
// nothing to do with (malformed, another log's, or signed by another key of the log's name)
// is bad input, exit 2; a note carrying the key's signature that fails (its text altered) is
// a failed check, exit 1. No message says "malformed note" twice.
func TestNoteExitCodes(t *testing.T) {
	srv := storetest.Start(t)
	url := srv.ClientURL()
	dir := t.TempDir()
	key, vkey := logKey(t, url, dir, "notes.example/log")
	appendEvents(t, url, 12, 3, "n")
	objRunOK(t, url, nil, nil, "log", "checkpoint", "--key", key)
	held := objRunOK(t, url, nil, nil, "log", "show", "--vkey", vkey)
	text, _, _ := strings.Cut(held, "\n\n")
	text += "\n"
	sign := func(origin, text string) string {
		k := logtest.NewLogKey(t, origin)
		b, err := note.Sign(&note.Note{Text: text}, k.Signer)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	notes := []struct {
		name, data string
		code       int
		msg        string
	}{
		{"malformed", "not a note\n", cli.ExitBadInput, "malformed note: want the signed text, a blank line, then signature lines"},
		{"malformed checkpoint text", sign("notes.example/log", "notes.example/log\nnot a size\n"), cli.ExitBadInput, "not signed by the configured log key"},
		{"another log's", sign("other.example/log", strings.Replace(text, "notes.example/log\n", "other.example/log\n", 1)), cli.ExitBadInput, `checkpoint of another log: the note is "other.example/log"'s`},
		{"another key of the log's name", sign("notes.example/log", text), cli.ExitBadInput, "not signed by the configured log key: signature does not verify: no signature by notes.example/log"},
		{"altered", strings.Replace(held, "\n12\n", "\n11\n", 1), cli.ExitFailure, "signature does not verify: invalid signature for key notes.example/log"},
	}
	for _, n := range notes {
		file := filepath.Join(dir, strings.ReplaceAll(n.name, " ", "-")+".note")
		if err := os.WriteFile(file, []byte(n.data), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"verify", "--vkey", vkey, "--checkpoint", file},
			{"verify", "--vkey", vkey, "--from", file},
			{"tail", "--vkey", vkey, "--checkpoint", file, "--until-caught-up"},
			{"view", "--log-vkey", vkey, "--checkpoint", file},
			{"load", "--aggregates", "1", "--rate", "1", "--duration", "1s", "--checkpoint", file, "--log-vkey", vkey},
		} {
			_, errs, code := objRun(t, url, nil, args...)
			if code != n.code || !strings.Contains(errs, n.msg) || strings.Contains(errs, "malformed note: malformed note") {
				t.Errorf("%s note: jetdag %s: exit %d, want %d with %q\n%s", n.name, args[0]+" "+args[3], code, n.code, n.msg, errs)
			}
		}
	}
}
