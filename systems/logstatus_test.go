package systems

import (
	"strings"
	"testing"
	"time"

	"github.com/jetdag/jetdag/components"
)

func TestLogStatusText(t *testing.T) {
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		st   components.LogStatusData
		want string
	}{
		{components.LogStatusData{}, ""},
		{components.LogStatusData{Present: true, Size: 456, Time: now.Add(-12 * time.Second), Witnesses: 2, Verified: true},
			"log √ size 456 · checkpoint 12s ago · 2 witnesses"},
		{components.LogStatusData{Present: true, Size: 7, Time: now.Add(-90 * time.Second), Witnesses: 1, Verified: true},
			"log √ size 7 · checkpoint 1m ago · 1 witness"},
		{components.LogStatusData{Present: true, Size: 7, Time: now.Add(-3 * time.Hour)},
			"log ? size 7 (no key) · checkpoint 3h ago"},
		{components.LogStatusData{Present: true, Size: 7, Time: now.Add(time.Second), Verified: true},
			"log √ size 7 · checkpoint just now"},
		{components.LogStatusData{Present: true, Size: 9, Verified: true, Problem: "checkpoint of size 9 is inconsistent with the held one of size 5"},
			"log × checkpoint rejected (the red banner says why)"},
	}
	for _, c := range cases {
		if got := LogStatus(c.st, now); got != c.want {
			t.Errorf("LogStatus(%+v) = %q, want %q", c.st, got, c.want)
		}
	}
}

// The status line carries the log's part from the model's stats, and a contradicted
// checkpoint raises the red banner; with no log neither says anything of it.
func TestStatusLineShowsLog(t *testing.T) {
	e, _, clock := inputView(t, false)
	stats := e.World.Create(components.GraphStats)
	UpdateScene(e)
	if s := StatusLine(e); strings.Contains(s, "log ") || LogAlarm(e) != "" {
		t.Fatalf("status %q, alarm %q with no log", s, LogAlarm(e))
	}
	now := time.Unix(0, clock.t)
	components.GraphStats.Get(e.World.Entry(stats)).Log = components.LogStatusData{
		Present: true, Size: 456, Time: now.Add(-12 * time.Second), Witnesses: 2, Verified: true,
	}
	UpdateScene(e)
	if s := StatusLine(e); !strings.Contains(s, "log √ size 456 · checkpoint 12s ago · 2 witnesses") {
		t.Errorf("status line %q lacks the log", s)
	}
	if a := LogAlarm(e); a != "" {
		t.Errorf("alarm %q for a sound log", a)
	}
	components.GraphStats.Get(e.World.Entry(stats)).Log.Problem = "signature does not verify"
	UpdateScene(e)
	if s := StatusLine(e); !strings.Contains(s, "log × checkpoint rejected") {
		t.Errorf("status line %q lacks the rejection", s)
	}
	if a := LogAlarm(e); !strings.Contains(a, "signature does not verify") {
		t.Errorf("alarm %q lacks the problem", a)
	}
}
