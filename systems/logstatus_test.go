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
		{components.LogStatusData{Present: true, Size: 456, Time: now.Add(-12 * time.Second), Witnesses: 2, Verified: true, WitnessesVerified: true},
			"log √ size 456 · checkpoint 12s ago · 2 witnesses"},
		{components.LogStatusData{Present: true, Size: 456, Time: now.Add(-12 * time.Second), Witnesses: 2, Verified: true},
			"log √ size 456 · checkpoint 12s ago · 2 witnesses (unverified)"},
		{components.LogStatusData{Present: true, Size: 7, Time: now.Add(-90 * time.Second), Witnesses: 1, Verified: true, WitnessesVerified: true},
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
		Present: true, Size: 456, Time: now.Add(-12 * time.Second), Witnesses: 2, Verified: true, WitnessesVerified: true,
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

// The k key highlights the events the newest checkpoint added (stream sequences in
// (PrevSeq, Seq]) and dims the rest, as a selection's cone does: objects, rejected messages
// and events outside the range are not lit. A selection's cone takes over while it is open;
// k again, or Esc, turns it off; with no log, or a rejected checkpoint, it stays off.
func TestHighlightCheckpointEvents(t *testing.T) {
	e, es, _ := inputView(t, false)
	stats := e.World.Create(components.GraphStats)
	keys(e, components.KeyK)
	UpdateScene(e)
	if GetOrCreateSettings(e).LogHighlight || SceneOf(e).Dimmed() {
		t.Fatal("k with no log turned the highlight on")
	}
	// inspectWorld's nodes have sequences 1..7: 2, 3 and 4 are events, 5 an object.
	components.GraphStats.Get(e.World.Entry(stats)).Log = components.LogStatusData{
		Present: true, Size: 4, Seq: 5, PrevSeq: 1, Verified: true,
	}
	UpdateScene(e)
	keys(e, components.KeyK)
	UpdateScene(e)
	s := SceneOf(e)
	if !s.Dimmed() || !s.LogLit || s.LogCount != 3 {
		t.Fatalf("after k: dimmed %v lit %v count %d, want 3 events lit", s.Dimmed(), s.LogLit, s.LogCount)
	}
	for i, ent := range es {
		lit := s.Nodes[s.Index(ent)].Flags&FlagHighlighted != 0
		if want := i >= 1 && i <= 3; lit != want {
			t.Errorf("node %d (seq %d): highlighted %v, want %v", i, i+1, lit, want)
		}
	}
	if line := StatusLine(e); !strings.Contains(line, "highlight: 3 events of the checkpoint") {
		t.Errorf("status line %q does not say what is highlighted", line)
	}
	// A selection shows its cone instead; clearing it brings the checkpoint back.
	Select(e, es[6])
	UpdateScene(e)
	if s := SceneOf(e); s.LogLit || s.Nodes[s.Index(es[2])].Flags&FlagHighlighted != 0 {
		t.Fatal("with a selection the checkpoint's events are still lit")
	}
	keys(e, components.KeyEscape)
	UpdateScene(e)
	if !SceneOf(e).LogLit {
		t.Fatal("Esc cleared the selection but the checkpoint highlight did not come back")
	}
	keys(e, components.KeyEscape)
	UpdateScene(e)
	if SceneOf(e).LogLit || SceneOf(e).Dimmed() {
		t.Fatal("a second Esc left the checkpoint highlighted")
	}
	keys(e, components.KeyK)
	UpdateScene(e)
	if !SceneOf(e).LogLit {
		t.Fatal("k did not turn the highlight back on")
	}
	// A contradicted checkpoint is not highlighted.
	components.GraphStats.Get(e.World.Entry(stats)).Log.Problem = "two checkpoints of size 4"
	UpdateScene(e)
	if SceneOf(e).LogLit {
		t.Fatal("a rejected checkpoint is highlighted")
	}
	keys(e, components.KeyK)
	keys(e, components.KeyK)
	if GetOrCreateSettings(e).LogHighlight {
		t.Fatal("k turned the highlight on for a rejected checkpoint")
	}
}
