package cli_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/jetdag/jetdag/cli"
)

// bench append and bench replay run on their own embedded server and print every figure
// with its baselines; the ratios are the quotients of the figures they print.
func TestBenchAppendAndReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers and appends thousands of events")
	}
	for _, args := range [][]string{
		{"append", "--events", "200"},
		{"append", "--aggregates", "20", "--workers", "8", "--events", "400"},
		{"append", "--aggregates", "20", "--events", "400"},
		{"append", "--events", "300", "--batch", "50"},
	} {
		out, errs, code := runBench(t, args...)
		if code != cli.ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var r struct {
			Mode                    string
			API                     string
			Events                  int
			EventsPerS              float64 `json:"events_per_s"`
			BaselineMsgsPerS        float64 `json:"baseline_msgs_per_s"`
			Ratio                   float64
			CheckedBaselineMsgsPerS float64 `json:"checked_baseline_msgs_per_s"`
			CheckedRatio            float64 `json:"checked_ratio"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v printed %q: %v", args, out, err)
		}
		if r.Events == 0 || r.EventsPerS <= 0 || r.BaselineMsgsPerS <= 0 || r.CheckedBaselineMsgsPerS <= 0 {
			t.Fatalf("%v: %+v", args, r)
		}
		if math.Abs(r.Ratio-r.EventsPerS/r.BaselineMsgsPerS) > 0.01 || math.Abs(r.CheckedRatio-r.EventsPerS/r.CheckedBaselineMsgsPerS) > 0.01 {
			t.Errorf("%v: ratios do not match the figures: %+v", args, r)
		}
		want := map[bool]string{true: "sequential", false: "concurrent"}[args[1] != "--aggregates"]
		if r.Mode != want {
			t.Errorf("%v: mode %q, want %q", args, r.Mode, want)
		}
		wantAPI := "Append"
		switch {
		case strings.Contains(strings.Join(args, " "), "--batch"):
			wantAPI = "AppendBatch"
		case want == "concurrent" && !strings.Contains(strings.Join(args, " "), "--workers"):
			wantAPI = "AppendAsync"
		}
		if r.API != wantAPI {
			t.Errorf("%v: api %q, want %q", args, r.API, wantAPI)
		}
	}
	for _, bad := range [][]string{{"append", "--batch", "0"}, {"append", "--batch", "1001"}, {"append", "--aggregates", "5", "--batch", "10"}} {
		if _, errs, code := runBench(t, bad...); code != cli.ExitBadInput || !strings.Contains(errs, "--batch") {
			t.Errorf("%v: exit %d, want %d naming --batch\n%s", bad, code, cli.ExitBadInput, errs)
		}
	}
	// A --size more than the server takes is bad input, as for bench log.
	for _, bad := range [][]string{{"append", "--events", "2", "--size", "2000000"}, {"append", "--events", "2", "--aggregates", "2", "--size", "2000000"}} {
		if _, errs, code := runBench(t, bad...); code != cli.ExitBadInput || !strings.Contains(errs, "--size") {
			t.Errorf("%v: exit %d, want %d naming --size\n%s", bad, code, cli.ExitBadInput, errs)
		}
	}
	out, errs, code := runBench(t, "replay", "--events", "3000", "--aggregates", "30")
	if code != cli.ExitOK {
		t.Fatalf("replay: exit %d: %s", code, errs)
	}
	var r struct {
		Events, Rejected, Aggregates int
		EventsPerS                   float64 `json:"events_per_s"`
		BaselineMsgsPerS             float64 `json:"baseline_msgs_per_s"`
		IndexBytesPerEvent           float64 `json:"index_bytes_per_event"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("replay printed %q: %v", out, err)
	}
	if r.Events != 3000 || r.Rejected != 0 || r.Aggregates != 30 || r.EventsPerS <= 0 || r.BaselineMsgsPerS <= 0 {
		t.Fatalf("replay: %+v", r)
	}
	// The index figure is a heap difference: at 3,000 events other goroutines' garbage can
	// outweigh it (the 1M-event figure is the meaningful one), so only its presence is checked.
	if !strings.Contains(out, `"index_bytes_per_event":`) {
		t.Errorf("replay printed no index_bytes_per_event: %s", out)
	}
}
