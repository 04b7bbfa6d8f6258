package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store/storetest"
)

// loadFinal is the last line `jetdag load` prints.
type loadFinal struct {
	Final     bool    `json:"final"`
	Acked     int     `json:"acked"`
	Errors    int     `json:"errors"`
	Conflicts int     `json:"conflicts"`
	EventsS   float64 `json:"events_per_s"`
	P99       float64 `json:"p99_ms"`
}

// ackedLine is verify --acked's count line.
type ackedLine struct {
	OK                bool `json:"acked_ok"`
	Acked             int  `json:"acked"`
	Found             int  `json:"found"`
	Lost              int  `json:"lost"`
	Batches           int  `json:"batches"`
	PartialBatches    int  `json:"partial_batches"`
	DuplicatePayloads int  `json:"duplicate_payloads"`
	LoadEvents        int  `json:"load_events"`
	Torn              int  `json:"torn_lines"`
}

func lastJSONLine(t *testing.T, out string, v any) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), v); err != nil {
		t.Fatalf("last line of %q: %v", out, err)
	}
}

func ackedReport(t *testing.T, out string) ackedLine {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, `"acked_ok"`) {
			var a ackedLine
			if err := json.Unmarshal([]byte(l), &a); err != nil {
				t.Fatal(err)
			}
			return a
		}
	}
	t.Fatalf("no acked_ok line in %q", out)
	return ackedLine{}
}

// load with single appends and with batches, each acknowledgement logged; verify --acked finds
// every one where its ack said, and the batches whole. Then the checker is shown to fail: an
// ack for an event the stream lacks, a load payload stored twice, half a batch.
func TestLoadAndVerifyAcked(t *testing.T) {
	srv := storetest.Start(t)
	url := srv.ClientURL()
	dir := t.TempDir()
	single, batched := filepath.Join(dir, "single.jsonl"), filepath.Join(dir, "batched.jsonl")

	out := objRunOK(t, url, nil, nil, "load", "--aggregates", "8", "--rate", "400", "--duration", "1500ms",
		"--parents", "2", "--acked", single)
	var fin loadFinal
	lastJSONLine(t, out, &fin)
	if !fin.Final || fin.Acked < 300 || fin.Errors != 0 || strings.Count(out, "\n") < 2 {
		t.Fatalf("single load: %+v\n%s", fin, out)
	}
	out = objRunOK(t, url, nil, nil, "load", "--prefix", "b", "--aggregates", "3", "--rate", "600", "--duration", "1s",
		"--batch", "10", "--acked", batched)
	var finB loadFinal
	lastJSONLine(t, out, &finB)
	if finB.Acked == 0 || finB.Acked%10 != 0 || finB.Errors != 0 {
		t.Fatalf("batched load: %+v\n%s", finB, out)
	}
	if n := strings.Count(loadTestRead(t, single), "\n"); n != fin.Acked {
		t.Fatalf("single.jsonl has %d lines for %d acks", n, fin.Acked)
	}

	out = objRunOK(t, url, nil, nil, "verify", "--acked", single, batched)
	a := ackedReport(t, out)
	if !a.OK || a.Acked != fin.Acked+finB.Acked || a.Found != a.Acked || a.Batches != finB.Acked/10 ||
		a.LoadEvents != a.Acked || a.PartialBatches != 0 {
		t.Fatalf("verify --acked: %+v (loads acked %d + %d)\n%s", a, fin.Acked, finB.Acked, out)
	}
	var hist []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(objRunOK(t, url, nil, nil, "history", "load-0")), "\n") {
		var ev map[string]any
		_ = json.Unmarshal([]byte(l), &ev)
		hist = append(hist, ev)
	}
	if len(hist) < 2 || len(hist[len(hist)-1]["parent_cids"].([]any)) != 2 {
		t.Fatalf("load-0's last event has no 2 parents: %v", hist[len(hist)-1])
	}

	// An acknowledgement the stream cannot back, and a torn last line (not counted).
	bogus := filepath.Join(dir, "bogus.jsonl")
	loadTestWrite(t, bogus, `{"cid":"bafyreihreyzeu3cjoktfvmt5eyrw6e7p67zojyah5adbxmtlznpvwrnkkm","seq":3,"aggregate":"load-0"}`+"\n"+`{"cid":"bafy`)
	out, _, code := objRun(t, url, nil, "verify", "--acked", bogus)
	if a := ackedReport(t, out); code != cli.ExitFailure || a.Lost != 1 || a.Torn != 1 || !strings.Contains(out, `"acked_problem":"lost: `) {
		t.Fatalf("verify of a lost ack: exit %d %+v\n%s", code, a, out)
	}
	// A load payload appended twice (an event re-sent with a new timestamp), and a batch of
	// which only one member is stored.
	payload := `{"writer":"w","n":1}`
	objRunOK(t, url, nil, nil, "append", "--aggregate", "dup", "--type", "T", "--data", payload)
	objRunOK(t, url, nil, nil, "append", "--aggregate", "dup", "--type", "T", "--data", payload)
	objRunOK(t, url, nil, nil, "append", "--aggregate", "half", "--type", "T", "--data", `{"writer":"w","n":2,"batch":"w-2","batch_size":2}`)
	out, _, code = objRun(t, url, nil, "verify", "--acked", single)
	if a := ackedReport(t, out); code != cli.ExitFailure || a.DuplicatePayloads != 1 || a.PartialBatches != 1 || a.Lost != 0 {
		t.Fatalf("verify after a duplicate payload and half a batch: exit %d %+v\n%s", code, a, out)
	}

	for _, args := range [][]string{
		{"load", "--batch", "0"},
		{"load", "--rate", "0"},
		{"load", "--aggregates", "0"},
		{"load", "--acked", filepath.Join(dir, "no", "such", "dir.jsonl")},
		{"verify", "--acked", filepath.Join(dir, "missing.jsonl")},
		{"verify", "stray-argument"},
	} {
		if _, errs, code := objRun(t, url, nil, args...); code != cli.ExitBadInput {
			t.Errorf("jetdag %v: exit %d, want 2\n%s", args, code, errs)
		}
	}
	notAcks := filepath.Join(dir, "not-acks.jsonl")
	loadTestWrite(t, notAcks, "hello\n")
	if _, errs, code := objRun(t, url, nil, "verify", "--acked", notAcks); code != cli.ExitBadInput || !strings.Contains(errs, "line 1") {
		t.Errorf("verify --acked of a file that is not acks: exit %d\n%s", code, errs)
	}
}

// A writer with a clock an hour fast: its events carry that timestamp, the stream orders them
// by sequence only, and every check passes.
func TestLoadClockSkew(t *testing.T) {
	srv := storetest.Start(t)
	url := srv.ClientURL()
	dir := t.TempDir()
	ahead, behind := filepath.Join(dir, "ahead.jsonl"), filepath.Join(dir, "behind.jsonl")
	objRunOK(t, url, nil, nil, "load", "--prefix", "skew", "--aggregates", "2", "--rate", "100", "--duration", "500ms", "--clock-skew", "1h", "--acked", ahead)
	objRunOK(t, url, nil, nil, "load", "--prefix", "skew", "--aggregates", "2", "--rate", "100", "--duration", "500ms", "--clock-skew", "-1h", "--acked", behind)
	a := ackedReport(t, objRunOK(t, url, nil, nil, "verify", "--acked", ahead, behind))
	if !a.OK || a.Found != a.Acked || a.Acked < 50 {
		t.Fatalf("verify after skewed writers: %+v", a)
	}
	hist := strings.Split(strings.TrimSpace(objRunOK(t, url, nil, nil, "history", "skew-0")), "\n")
	var first, last struct {
		Seq       uint64 `json:"seq"`
		Timestamp int64  `json:"timestamp"`
	}
	_ = json.Unmarshal([]byte(hist[0]), &first)
	_ = json.Unmarshal([]byte(hist[len(hist)-1]), &last)
	if first.Seq >= last.Seq || last.Timestamp >= first.Timestamp {
		t.Fatalf("history of skew-0 should run by sequence with timestamps going back an hour: first %+v last %+v", first, last)
	}
}

func loadTestRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func loadTestWrite(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
