package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// load (and append, import) --checkpoint latest --log-vkey V: a fresh writer starts the aggregates'
// heads from the log's checkpoint and reads only the messages after it, still refusing a
// fork a raw client published there; every event it appends continues the valid chains.
// A key that did not sign the log, or a checkpoint without a key, is refused (exit 2).
func TestLoadFromCheckpoint(t *testing.T) {
	srv := storetest.Start(t)
	url := srv.ClientURL()
	dir := t.TempDir()
	key, vkey := logKey(t, url, dir, "load.example/log")
	first, second, third := filepath.Join(dir, "1.jsonl"), filepath.Join(dir, "2.jsonl"), filepath.Join(dir, "3.jsonl")
	objRunOK(t, url, nil, nil, "load", "--prefix", "cp", "--aggregates", "4", "--rate", "400", "--duration", "1s", "--parents", "1", "--acked", first)
	var cp cpOut
	objRunOK(t, url, nil, &cp, "log", "checkpoint", "--key", key)
	objRunOK(t, url, nil, nil, "load", "--prefix", "cp", "--aggregates", "4", "--rate", "200", "--duration", "200ms", "--acked", second)

	// A raw client forks cp-0 after the checkpoint: a valid block chained on an old event.
	var old struct {
		CID string `json:"cid"`
	}
	hist := strings.Split(strings.TrimSpace(objRunOK(t, url, nil, nil, "history", "cp-0")), "\n")
	if err := json.Unmarshal([]byte(hist[len(hist)/2]), &old); err != nil {
		t.Fatal(err)
	}
	oldCID, err := cid.Decode(old.CID)
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(srv.Connect(t))
	if err != nil {
		t.Fatal(err)
	}
	fork := block.Event{AggregateID: "cp-0", EventType: "LoadEvent", Payload: []byte(`{"writer":"raw","n":1}`), PreviousCID: oldCID, Timestamp: 1}
	m, _, err := store.EventMessage(&fork)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.PublishMsg(context.Background(), m); err != nil {
		t.Fatal(err)
	}

	out, errs, code := objRun(t, url, nil, "--log-level", "debug", "load", "--prefix", "cp", "--aggregates", "4", "--rate", "200", "--duration", "300ms",
		"--acked", third, "--checkpoint", "latest", "--log-vkey", vkey)
	if code != cli.ExitOK {
		t.Fatalf("load --checkpoint latest: exit %d\n%s", code, errs)
	}
	var fin struct {
		loadFinal
		FirstAck float64 `json:"first_ack_ms"`
	}
	lastJSONLine(t, out, &fin)
	if fin.Acked == 0 || fin.Errors != 0 || fin.FirstAck <= 0 {
		t.Fatalf("load --checkpoint latest: %+v\n%s", fin, out)
	}
	// The chain reads (one per gather of aggregates) started after the checkpoint and read
	// only what followed it.
	reads := regexp.MustCompile(`read the chains of aggregates with no cached head.* from_seq=(\d+) messages=(\d+)`).FindAllStringSubmatch(errs, -1)
	if reads == nil {
		t.Fatalf("no chain read logged:\n%s", errs)
	}
	n := 0
	for _, r := range reads {
		if from, _ := strconv.ParseUint(r[1], 10, 64); from != cp.Seq+1 {
			t.Errorf("a chain read started at seq %d, want %d (after the checkpoint)", from, cp.Seq+1)
		}
		k, _ := strconv.Atoi(r[2])
		n += k
	}
	if after := strings.Count(loadTestRead(t, second), "\n") + 1; n != after { // the second load and the fork
		t.Errorf("the chain reads went over %d messages, want the %d after the checkpoint", n, after)
	}
	objRunOK(t, url, nil, nil, "append", "--aggregate", "cp-1", "--type", "T", "--data", "x", "--checkpoint", "latest", "--log-vkey", vkey)
	// import takes the same flags (a CAR of another store's aggregate).
	otherURL := storetest.Start(t).ClientURL()
	objRunOK(t, otherURL, nil, nil, "append", "--aggregate", "imported", "--type", "T", "--data", "i")
	car := filepath.Join(dir, "other.car")
	objRunOK(t, otherURL, nil, nil, "export", "--car", car)
	if _, errs, code := objRun(t, url, nil, "--log-level", "info", "import", "--car", car, "--checkpoint", "latest", "--log-vkey", vkey); code != cli.ExitOK || !strings.Contains(errs, "heads start from a checkpoint") {
		t.Fatalf("import --checkpoint latest: exit %d\n%s", code, errs)
	}

	// Everything the writers acknowledged is there; the fork is the one message refused.
	out, _, code = objRun(t, url, nil, "verify", "--acked", first, second, third)
	var sum struct {
		Rejected int `json:"rejected"`
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		_ = json.Unmarshal([]byte(l), &sum)
	}
	if a := ackedReport(t, out); code != cli.ExitFailure || sum.Rejected != 1 || a.Lost != 0 || a.Found != a.Acked {
		t.Fatalf("verify after the fork: exit %d, %d rejected, %+v\n%s", code, sum.Rejected, a, out)
	}

	_, otherVkey := logKey(t, url, dir, "other.example/log")
	noteFile := filepath.Join(dir, "cp.note")
	if err := os.WriteFile(noteFile, []byte(objRunOK(t, url, nil, nil, "log", "show")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"load", "--duration", "100ms", "--checkpoint", "latest"},
		{"load", "--duration", "100ms", "--log-vkey", vkey},
		{"load", "--duration", "100ms", "--checkpoint", filepath.Join(dir, "missing.note"), "--log-vkey", vkey},
		{"load", "--duration", "100ms", "--checkpoint", "latest", "--log-vkey", "not a key"},
		{"load", "--duration", "100ms", "--checkpoint", "latest", "--log-vkey", otherVkey},
		{"load", "--duration", "100ms", "--checkpoint", noteFile, "--log-vkey", otherVkey},
		{"append", "--aggregate", "cp-1", "--type", "T", "--data", "x", "--checkpoint", "latest"},
		{"append", "--aggregate", "cp-1", "--type", "T", "--data", "x", "--checkpoint", "latest", "--log-vkey", otherVkey},
		{"import", "--car", car, "--log-vkey", vkey},
		{"import", "--car", car, "--checkpoint", noteFile, "--log-vkey", otherVkey},
	} {
		if _, errs, code := objRun(t, url, nil, args...); code != cli.ExitBadInput {
			t.Errorf("jetdag %v: exit %d, want 2\n%s", args, code, errs)
		}
	}
}
