package systems

import (
	"fmt"
	"math"
	"strconv"

	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// CatchUpText is the progress line of a catch-up replay: "replaying 340,112 / 1,000,000 ·
// 12 s left" (the time from the rate events are applied at), or "" when the feed is live or
// its target is unknown. A big store shows it over the window while the nodes come in.
func CatchUpText(st components.GraphStatsData) string {
	if st.CaughtUp || st.CatchUpTarget == 0 || st.LastSeq >= st.CatchUpTarget {
		return ""
	}
	s := "replaying " + Thousands(st.LastSeq) + " / " + Thousands(st.CatchUpTarget)
	if st.EventsPerSecond >= 1 {
		left := float64(st.CatchUpTarget-st.LastSeq) / st.EventsPerSecond
		s += " · " + secondsLeft(left)
	}
	return s
}

// CatchUp is the HUD's progress line for this frame (see CatchUpText).
func CatchUp(e *ecs.ECS) string { return CatchUpText(GetOrCreateHUD(e).Stats) }

func secondsLeft(s float64) string {
	switch {
	case s < 1:
		return "under 1 s left"
	case s < 120:
		return fmt.Sprintf("%.0f s left", math.Ceil(s))
	case s < 7200:
		return fmt.Sprintf("%.0f min left", math.Ceil(s/60))
	}
	return fmt.Sprintf("%.1f h left", s/3600)
}

// Thousands writes n with commas between groups of three digits: 1,000,000.
func Thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
