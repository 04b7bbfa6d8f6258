package systems

import (
	"fmt"
	"time"

	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// LogStatus is the status bar's part about the transparency log, as of now: "log √ size N ·
// checkpoint 12s ago · 2 witnesses" for a checkpoint verified with the log's key, "log ?
// size N (no key) · …" without a key, "log × checkpoint rejected …" when a checkpoint was
// contradicted or failed its signature (LogAlarm, the banner, says how), and "" when the
// store has no log.
func LogStatus(st components.LogStatusData, now time.Time) string {
	switch {
	case st.Problem != "":
		return "log × checkpoint rejected (the red banner says why)"
	case !st.Present:
		return ""
	}
	mark, key := "√", ""
	if !st.Verified {
		mark, key = "?", " (no key)"
	}
	s := fmt.Sprintf("log %s size %d%s · checkpoint %s", mark, st.Size, key, ago(now.Sub(st.Time)))
	switch st.Witnesses {
	case 0:
	case 1:
		s += " · 1 witness"
	default:
		s += fmt.Sprintf(" · %d witnesses", st.Witnesses)
	}
	if st.Witnesses > 0 && !st.WitnessesVerified {
		s += " (unverified)"
	}
	return s
}

// logHighlight is what the scene highlights for the k key: on, and the sequence range
// (from, to] of the events the newest checkpoint added, when the key is on and the window
// holds a checkpoint that is not contradicted.
func logHighlight(e *ecs.ECS) (on bool, from, to uint64) {
	if !GetOrCreateSettings(e).LogHighlight {
		return false, 0, 0
	}
	entry, ok := components.GraphStats.First(e.World)
	if !ok {
		return false, 0, 0
	}
	l := components.GraphStats.Get(entry).Log
	if !l.Present || l.Problem != "" {
		return false, 0, 0
	}
	return true, l.PrevSeq, l.Seq
}

// toggleLogHighlight is the k key: highlight the newest checkpoint's events, or stop.
func toggleLogHighlight(e *ecs.ECS, _ components.Key) {
	s := GetOrCreateSettings(e)
	if s.LogHighlight {
		s.LogHighlight = false
		Toast(e, "checkpoint highlight: off")
		return
	}
	var l components.LogStatusData
	if entry, ok := components.GraphStats.First(e.World); ok {
		l = components.GraphStats.Get(entry).Log
	}
	switch {
	case !l.Present:
		Toast(e, "no log checkpoint to highlight")
	case l.Problem != "":
		Toast(e, "the log's checkpoint was rejected: nothing to highlight")
	default:
		s.LogHighlight = true
		Toast(e, fmt.Sprintf("highlight: checkpoint of size %d, stream seq %d-%d", l.Size, l.PrevSeq+1, l.Seq))
	}
}

// LogAlarm is the red banner's text: the log's problem, or "" when there is none.
func LogAlarm(e *ecs.ECS) string {
	if p := GetOrCreateHUD(e).Stats.Log.Problem; p != "" {
		return "transparency log: " + p
	}
	return ""
}

// ago says how long ago d was, in whole seconds, minutes or hours.
func ago(d time.Duration) string {
	switch {
	case d < 0:
		return "just now" // the server's clock is ahead of ours
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d/time.Minute))
	}
	return fmt.Sprintf("%dh ago", int(d/time.Hour))
}
