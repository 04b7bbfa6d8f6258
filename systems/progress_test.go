package systems

import (
	"testing"

	"github.com/jetdag/jetdag/components"
)

// TestCatchUpText: the progress line counts with thousands separators and estimates the
// time left from the apply rate; it is empty when live, without a target, or past it.
func TestCatchUpText(t *testing.T) {
	tests := []struct {
		st   components.GraphStatsData
		want string
	}{
		{components.GraphStatsData{LastSeq: 340_112, CatchUpTarget: 1_000_000, EventsPerSecond: 55_000}, "replaying 340,112 / 1,000,000 · 12 s left"},
		{components.GraphStatsData{LastSeq: 0, CatchUpTarget: 1_000_000}, "replaying 0 / 1,000,000"},
		{components.GraphStatsData{LastSeq: 10, CatchUpTarget: 1_000_000, EventsPerSecond: 100}, "replaying 10 / 1,000,000 · 2.8 h left"},
		{components.GraphStatsData{LastSeq: 999_990, CatchUpTarget: 1_000_000, EventsPerSecond: 60_000}, "replaying 999,990 / 1,000,000 · under 1 s left"},
		{components.GraphStatsData{LastSeq: 340, CatchUpTarget: 1000, CaughtUp: true}, ""},
		{components.GraphStatsData{LastSeq: 340}, ""},
		{components.GraphStatsData{LastSeq: 1000, CatchUpTarget: 1000}, ""},
	}
	for _, tt := range tests {
		if got := CatchUpText(tt.st); got != tt.want {
			t.Errorf("CatchUpText(%+v) = %q, want %q", tt.st, got, tt.want)
		}
	}
	if got := Thousands(1234567); got != "1,234,567" {
		t.Errorf("Thousands(1234567) = %q", got)
	}
}
