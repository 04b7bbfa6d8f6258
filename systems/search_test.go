package systems

import (
	"strings"
	"testing"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
)

// The query matches anywhere in an aggregate ID or type, the prompt counts the matches as
// you type, and n (or Enter, once the prompt is closed) steps through them, wrapping round.
func TestSearchAnywhereCountsAndSteps(t *testing.T) {
	e, es, _ := inputView(t, false)
	keys(e, components.KeySlash)
	typeText(e, "ORDER")
	if s := GetOrCreateSearch(e); s.Count != 4 {
		t.Fatalf("prompt counts %d matches of ORDER, want 4 (three events and a rejected message of order-1)", s.Count)
	}
	typeText(e, "-1")
	keys(e, components.KeyEnter)
	want := []donburi.Entity{es[2], es[1], es[0], es[5], es[2]} // newest event first, the rejected message last, round again
	for i, w := range want {
		if Selected(e) != w {
			t.Fatalf("step %d selected %v, want %v", i, Selected(e), w)
		}
		if i == 1 && !strings.Contains(GetOrCreateToast(e).Text, "match 2 of 4") {
			t.Errorf("toast %q, want the match count", GetOrCreateToast(e).Text)
		}
		if i%2 == 0 {
			keys(e, components.KeyN)
		} else {
			keys(e, components.KeyEnter)
		}
	}
	for _, tc := range []struct {
		q    string
		want donburi.Entity
	}{
		{"-7", es[3]},   // the middle of an aggregate ID: invoice-7
		{"paid", es[1]}, // the middle of a type: OrderPaid
		{"UNRELATED", es[6]},
	} {
		if !Jump(e, tc.q) || Selected(e) != tc.want {
			t.Errorf("/%s selected %v, want %v", tc.q, Selected(e), tc.want)
		}
	}
	if Jump(e, "zzz") || !strings.Contains(GetOrCreateToast(e).Text, "nothing matches") {
		t.Error("a query matching nothing")
	}
	if NextMatch(e) {
		t.Error("n after a search that found nothing moved")
	}
}

// With --until the status bar says the picture is history, as of which sequence and time.
func TestStatusLineAsOf(t *testing.T) {
	e, _, _ := inputView(t, false)
	Opts(e).Until = 12
	stats := e.World.Create(components.GraphStats)
	components.GraphStats.SetValue(e.World.Entry(stats), components.GraphStatsData{
		Events: 3, LastSeq: 12, Connection: "connected", CaughtUp: true,
	})
	UpdateScene(e)
	status := StatusLine(e)
	for _, want := range []string{"connected · history", "as of seq 12 · 1970-01-01T00:00:0"} {
		if !strings.Contains(status, want) {
			t.Errorf("status line %q lacks %q", status, want)
		}
	}
}
