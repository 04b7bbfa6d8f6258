package systems

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// The timeline bar: a strip above the status bar across the window, showing the stream
// sequences the window holds; the picture can be shown as of any of them (dragged, stepped
// or played back).
const (
	// TimelineH is the bar's height in pixels.
	TimelineH = 26.0
	// BottomH is the height of the bottom panels (timeline bar and status bar): what the
	// camera's fit, the minimap and the toast keep clear of.
	BottomH = StatusBarH + TimelineH
	// TimelineBins is how many bins the bar's event histogram has.
	TimelineBins = 240
	// timelineLabelW is the width left of the bar's track for its play state and speed.
	timelineLabelW = 150.0
	// timelineMaxIdle is the longest the playback waits for the next event, in wall time: a
	// quiet hour at 60× would otherwise be a minute of nothing.
	timelineMaxIdle = time.Second
	// timelineMaxStep bounds one tick's advance of the playback clock, so a stalled frame does
	// not jump over events.
	timelineMaxStep = 250 * time.Millisecond
	// timelineLoopPause is how long the last picture stays before a loop starts again.
	timelineLoopPause = 2 * time.Second
	// timelineRebuildEvery throttles rebuilding the index of held sequences while events
	// pour in (a catch-up replay), when the timeline is not in use.
	timelineRebuildEvery = 250 * time.Millisecond
)

// timelineEntry is one held node with a stream sequence.
type timelineEntry struct {
	Seq  uint64
	Time int64 // Unix ns, 0: unknown (a rejected message)
}

// timelineState is the timeline system's private singleton: the held sequences in order,
// the newest event time up to each of them, and the bar's histogram.
type timelineState struct {
	entries []timelineEntry
	cutoff  []int64 // cutoff[i]: newest time among entries[0..i]
	bins    []uint32
	binTop  uint32
	key     [3]uint64
	builtAt time.Time
	started bool // --replay has begun
	// gather is the scene gather the index last looked at, and pending says that gather's
	// change is still to be indexed (the rebuild was put off): a frame with no new gather
	// and nothing pending skips the pass over the scene.
	gather  uint64
	looked  bool
	pending bool
}

var timelineStateComponent = donburi.NewComponentType[timelineState]()

func getTimelineState(e *ecs.ECS) *timelineState {
	return getOrCreate(e.World, timelineStateComponent, nil)
}

// GetOrCreateTimeline returns the timeline singleton; a new one plays at Options.Replay
// (when set) or is live at 1×.
func GetOrCreateTimeline(e *ecs.ECS) *components.TimelineData {
	return getOrCreate(e.World, components.Timeline, func(donburi.World) components.TimelineData {
		o := Opts(e)
		t := components.TimelineData{Speed: 1, Loop: o.Loop}
		if o.Replay > 0 {
			t.Speed = min(max(o.Replay, components.MinTimelineSpeed), components.MaxTimelineSpeed)
		}
		return t
	})
}

// UpdateTimeline is the timeline system, run before the scene is gathered (which hides what
// is later than the as-of sequence): it indexes the sequences the last scene held, starts
// --replay once there are events, and moves the playback clock.
func UpdateTimeline(e *ecs.ECS) {
	tl := GetOrCreateTimeline(e)
	st := getTimelineState(e)
	now := Opts(e).Now()
	st.index(SceneOf(e), SceneGathers(e), now, tl.Playing || tl.Dragging || !tl.Live())
	tl.Held = len(st.entries)
	if n := len(st.entries); n > 0 {
		tl.First, tl.Last = st.entries[0].Seq, st.entries[n-1].Seq
		tl.FirstTime, tl.LastTime = st.firstTime(), st.cutoff[n-1]
	} else {
		tl.First, tl.Last, tl.FirstTime, tl.LastTime = 0, 0, 0, 0
	}
	if Opts(e).Replay > 0 && !st.started && len(st.entries) > 0 {
		st.started, tl.Playing = true, true
		tl.Tick = now
	}
	if tl.Playing {
		st.play(tl, now, caughtUp(e) || Opts(e).Until > 0, Opts(e).ReplayLast)
	}
	if !tl.Live() && len(st.entries) > 0 && tl.AsOf < tl.First {
		tl.AsOf = tl.First // the oldest retired under the playback
	}
	tl.AsOfTime = st.timeAsOf(tl.AsOf)
}

func caughtUp(e *ecs.ECS) bool {
	entry, ok := components.GraphStats.First(e.World)
	return ok && components.GraphStats.Get(entry).CaughtUp
}

// index rebuilds the sorted sequences from the scene when what it holds changed (at most
// every timelineRebuildEvery unless busy: the timeline is in use). gather is the scene's
// gather count: while it stays the same, the scene's nodes are those already looked at.
func (st *timelineState) index(s *Scene, gather uint64, now time.Time, busy bool) {
	if st.looked && gather == st.gather && !st.pending {
		return
	}
	st.looked, st.gather = true, gather
	var key [3]uint64
	for i := range s.Nodes {
		if q := s.Nodes[i].Seq; q != 0 {
			key[0]++
			key[1] = max(key[1], q)
			key[2] += q
		}
	}
	if key == st.key {
		st.pending = false
		return
	}
	if !busy && now.Sub(st.builtAt) < timelineRebuildEvery && len(st.entries) > 0 {
		st.pending = true
		return
	}
	st.key, st.builtAt, st.pending = key, now, false
	st.entries = st.entries[:0]
	for i := range s.Nodes {
		if n := &s.Nodes[i]; n.Seq != 0 {
			t := n.Time
			if n.Kind != components.ElementEvent {
				t = 0 // a rejected message's time is when it was read, not an event time
			}
			st.entries = append(st.entries, timelineEntry{n.Seq, t})
		}
	}
	byseq := func(a, b timelineEntry) int { return cmp.Compare(a.Seq, b.Seq) }
	if !slices.IsSortedFunc(st.entries, byseq) {
		slices.SortFunc(st.entries, byseq)
	}
	st.cutoff = slices.Grow(st.cutoff[:0], len(st.entries))[:len(st.entries)]
	var c int64
	for i, en := range st.entries {
		c = max(c, en.Time)
		st.cutoff[i] = c
	}
	if len(st.bins) != TimelineBins {
		st.bins = make([]uint32, TimelineBins)
	}
	clear(st.bins)
	st.binTop = 0
	if n := len(st.entries); n > 0 {
		lo, hi := st.entries[0].Seq, st.entries[n-1].Seq
		for _, en := range st.entries {
			b := 0
			if hi > lo {
				b = int(float64(en.Seq-lo) / float64(hi-lo+1) * TimelineBins)
			}
			st.bins[b]++
			st.binTop = max(st.binTop, st.bins[b])
		}
	}
}

// startAt is where a playback starts: the oldest held entry, or with a window (--replay-last)
// the first whose newest time so far is within window of the newest event's time.
func (st *timelineState) startAt(window time.Duration) (seq uint64, t int64) {
	i := 0
	if n := len(st.entries); window > 0 && n > 0 {
		from := st.cutoff[n-1] - int64(window)
		i = sort.Search(n, func(i int) bool { return st.cutoff[i] >= from })
		i = min(i, n-1)
	}
	t = st.entries[i].Time
	if t == 0 && i == 0 {
		t = st.firstTime()
	}
	return st.entries[i].Seq, t
}

func (st *timelineState) firstTime() int64 {
	for _, en := range st.entries {
		if en.Time != 0 {
			return en.Time
		}
	}
	return 0
}

// at returns the index of the newest entry with a sequence at or below seq, or -1.
func (st *timelineState) at(seq uint64) int {
	return sort.Search(len(st.entries), func(i int) bool { return st.entries[i].Seq > seq }) - 1
}

// timeAsOf is the newest event time among the entries as of seq (0: live or none).
func (st *timelineState) timeAsOf(seq uint64) int64 {
	if seq == 0 {
		return 0
	}
	if i := st.at(seq); i >= 0 {
		return st.cutoff[i]
	}
	return 0
}

// play moves the playback clock by the wall time since the last tick times the speed and
// shows every event, in stream order, up to the first stamped later than the clock. At the
// newest held event, once no more are coming (end), it loops or goes live. A playback
// starts at the oldest held event, or window before the newest when window is set.
func (st *timelineState) play(tl *components.TimelineData, now time.Time, end bool, window time.Duration) {
	n := len(st.entries)
	if n == 0 {
		tl.Tick = now
		return
	}
	if tl.Live() {
		// Playing from live starts at the oldest held event (or --replay-last before the
		// newest).
		tl.AsOf, tl.Cursor = st.startAt(window)
		tl.EndedAt, tl.Tick = time.Time{}, now
		return
	}
	dt := min(max(now.Sub(tl.Tick), 0), timelineMaxStep)
	tl.Tick = now
	i := st.at(tl.AsOf)
	if i == n-1 {
		tl.Cursor = max(tl.Cursor, st.cutoff[n-1])
		if !end {
			return // more events are on their way (a catch-up replay): wait for them
		}
		if !tl.Loop {
			tl.Playing, tl.AsOf = false, 0
			return
		}
		if tl.EndedAt.IsZero() {
			tl.EndedAt = now
		}
		if now.Sub(tl.EndedAt) >= timelineLoopPause {
			tl.AsOf, tl.Cursor = st.startAt(window)
			tl.EndedAt = time.Time{}
		}
		return
	}
	tl.Cursor += int64(float64(dt) * tl.Speed)
	if next := st.entries[i+1].Time; next != 0 {
		if idle := int64(float64(timelineMaxIdle) * tl.Speed); next-tl.Cursor > idle {
			tl.Cursor = next - idle
		}
	}
	for i+1 < n && (st.entries[i+1].Time == 0 || st.entries[i+1].Time <= tl.Cursor) {
		i++
	}
	if i >= 0 {
		tl.AsOf = st.entries[i].Seq
	}
}

// laterThanAsOf reports whether the timeline hides n: it was not in the store as of the
// as-of sequence (search steps over such nodes; clearing a filter would not show them).
func laterThanAsOf(e *ecs.ECS, n *SceneNode) bool {
	tl := GetOrCreateTimeline(e)
	return tl.AsOf != 0 && (n.Seq > tl.AsOf || n.Seq == 0 && n.Time > tl.AsOfTime)
}

// SetAsOf shows the picture as of stream sequence seq: the newest held sequence at or below
// it (the oldest held, if seq is older), or live when seq is at or beyond the newest held.
// It stops the playback.
func SetAsOf(e *ecs.ECS, seq uint64) {
	tl := GetOrCreateTimeline(e)
	st := getTimelineState(e)
	tl.Playing = false
	n := len(st.entries)
	switch {
	case n == 0 || seq == 0 || seq >= st.entries[n-1].Seq:
		tl.AsOf = 0
	default:
		i := max(st.at(seq), 0)
		tl.AsOf = st.entries[i].Seq
		tl.Cursor = st.cutoff[i]
	}
	tl.AsOfTime = st.timeAsOf(tl.AsOf)
}

// StepTimeline shows the picture one held event back (dir < 0) or forward (dir > 0): the
// [ and ] keys. Forward from the newest goes live; back from live shows all but the newest.
func StepTimeline(e *ecs.ECS, dir int) {
	tl := GetOrCreateTimeline(e)
	st := getTimelineState(e)
	n := len(st.entries)
	if n == 0 {
		return
	}
	i := n - 1 // live: as of the newest
	if !tl.Live() {
		i = max(st.at(tl.AsOf), 0)
	}
	i += dir
	switch {
	case i >= n-1:
		SetAsOf(e, 0)
		Toast(e, "timeline: "+timelineEndText(e))
	case i < 0:
		SetAsOf(e, st.entries[0].Seq)
	default:
		SetAsOf(e, st.entries[i].Seq)
	}
}

// TogglePlay starts or pauses the playback (the p key); from live it starts at the oldest
// held event.
func TogglePlay(e *ecs.ECS) {
	tl := GetOrCreateTimeline(e)
	tl.Playing = !tl.Playing
	tl.Tick, tl.EndedAt = Opts(e).Now(), time.Time{}
	if tl.Playing {
		Toast(e, fmt.Sprintf("timeline: play %s", SpeedText(tl.Speed)))
	} else {
		Toast(e, "timeline: paused")
	}
}

// ChangeSpeed moves the playback speed one step through components.TimelineSpeeds (the , and
// . keys); a speed between two steps (--replay 60) moves to the next one that way.
func ChangeSpeed(e *ecs.ECS, dir int) {
	tl := GetOrCreateTimeline(e)
	sp := components.TimelineSpeeds()
	i, _ := slices.BinarySearch(sp, tl.Speed)
	if dir > 0 {
		if i < len(sp) && sp[i] == tl.Speed {
			i++
		}
	} else {
		i--
	}
	tl.Speed = sp[min(max(i, 0), len(sp)-1)]
	Toast(e, "timeline speed "+SpeedText(tl.Speed))
}

// SpeedText is how the bar writes a speed: "60×".
func SpeedText(s float64) string { return fmt.Sprintf("%g×", s) }

// TimelineTrack is the bar's track on the screen (where a press picks a sequence), and
// TimelineBar the whole bar.
func TimelineTrack(e *ecs.ECS) components.Rect {
	b := TimelineBar(e)
	return components.Rect{MinX: b.MinX + timelineLabelW, MinY: b.MinY + 4, MaxX: b.MaxX - 12, MaxY: b.MaxY - 4}
}

// TimelineBar is where the timeline bar goes: across the window above the status bar.
func TimelineBar(e *ecs.ECS) components.Rect {
	cam := GetOrCreateCamera(e)
	w, h := float64(cam.Width), float64(cam.Height)
	return components.Rect{MinX: 0, MinY: h - BottomH, MaxX: w, MaxY: h - StatusBarH}
}

// SeqAtX is the stream sequence a point of the track at screen x stands for (linear between
// the first and last held sequence), and whether it is at the track's right end (live).
func SeqAtX(e *ecs.ECS, x float64) (uint64, bool) {
	tl := GetOrCreateTimeline(e)
	tr := TimelineTrack(e)
	if tl.Held == 0 || tr.Width() <= 0 {
		return 0, true
	}
	f := (x - tr.MinX) / tr.Width()
	if f >= 1 {
		return 0, true
	}
	f = max(f, 0)
	return tl.First + uint64(f*float64(tl.Last-tl.First)+0.5), false
}

// XOfSeq is the screen x of stream sequence seq on the track (0: the right end).
func XOfSeq(e *ecs.ECS, seq uint64) float64 {
	tl := GetOrCreateTimeline(e)
	tr := TimelineTrack(e)
	if seq == 0 || tl.Last <= tl.First {
		return tr.MaxX
	}
	f := float64(min(max(seq, tl.First), tl.Last)-tl.First) / float64(tl.Last-tl.First)
	return tr.MinX + f*tr.Width()
}

// TimelineHistogram returns the counts of held events in TimelineBins bins along the track
// and the largest count.
func TimelineHistogram(e *ecs.ECS) ([]uint32, uint32) {
	st := getTimelineState(e)
	return st.bins, st.binTop
}

// timelinePress starts a drag on the bar when (x, y) is on it, and reports whether it was.
func timelinePress(e *ecs.ECS, x, y float64) bool {
	if !TimelineBar(e).Contains(x, y) {
		return false
	}
	tl := GetOrCreateTimeline(e)
	tl.Dragging = true
	dragTimeline(e, x)
	return true
}

// dragTimeline shows the picture as of the sequence under screen x.
func dragTimeline(e *ecs.ECS, x float64) {
	seq, live := SeqAtX(e, x)
	if live {
		seq = 0
	}
	SetAsOf(e, seq)
}

// timelineInput follows a drag that started on the bar: it reports whether it took the
// tick's pointer (then nothing pans).
func timelineInput(e *ecs.ECS, f *components.InputData) bool {
	tl := GetOrCreateTimeline(e)
	if !tl.Dragging {
		return false
	}
	if f.LeftDown {
		dragTimeline(e, f.X)
	}
	if f.LeftReleased || !f.LeftDown {
		tl.Dragging = false
	}
	return true
}

// TimelineHover is what the bar says of the point under the cursor, while it is over the
// track: the held sequence a press there shows and its time ("seq 212 · 01:43:07"), or
// "live" at the right end (with --until, that end's sequence and time); ok is false when
// the cursor is elsewhere.
func TimelineHover(e *ecs.ECS) (label string, x float64, ok bool) {
	p := GetOrCreatePointer(e)
	tr := TimelineTrack(e)
	bar := TimelineBar(e)
	if !bar.Contains(p.X, p.Y) || p.X < tr.MinX || GetOrCreateTimeline(e).Held == 0 {
		return "", 0, false
	}
	seq, live := SeqAtX(e, p.X)
	if live {
		return timelineEndText(e), p.X, true
	}
	st := getTimelineState(e)
	return st.label(max(st.at(seq), 0)), p.X, true
}

// TimelineText is what the bar writes left of its track: the play state and speed. At the
// track's right end it says "live", or "history" with --until (the status bar's phase: the
// store as of that sequence, no live updates).
func TimelineText(e *ecs.ECS) string {
	tl := GetOrCreateTimeline(e)
	switch {
	case tl.Playing:
		return "play " + SpeedText(tl.Speed)
	case TimelineLive(e):
		return "live · " + SpeedText(tl.Speed)
	case tl.Live():
		return "history · " + SpeedText(tl.Speed)
	}
	return "paused · " + SpeedText(tl.Speed)
}

// TimelineLive reports whether the picture shows everything held and follows the feed: the
// timeline at its right end without --until (with it, the right end is the store as of the
// --until sequence, drawn as a picture as of a sequence, not as live).
func TimelineLive(e *ecs.ECS) bool {
	return GetOrCreateTimeline(e).Live() && Opts(e).Until == 0
}

// timelineEndText is what the bar calls its right end: "live", or with --until the newest
// held sequence and its time.
func timelineEndText(e *ecs.ECS) string {
	st := getTimelineState(e)
	if Opts(e).Until == 0 || len(st.entries) == 0 {
		return "live"
	}
	return st.label(len(st.entries) - 1)
}

// label is what the bar says of held entry i: "seq 212 · 01:43:07" (no time when unknown).
func (st *timelineState) label(i int) string {
	s := fmt.Sprintf("seq %d", st.entries[i].Seq)
	if t := st.cutoff[i]; t != 0 {
		s += " · " + time.Unix(0, t).UTC().Format("15:04:05")
	}
	return s
}

// AsOfText is what the status bar says of a picture shown as of a sequence: "as of seq N ·
// time", or "" when live.
func AsOfText(e *ecs.ECS) string {
	tl := GetOrCreateTimeline(e)
	if tl.Live() {
		return ""
	}
	s := fmt.Sprintf("as of seq %d", tl.AsOf)
	if tl.AsOfTime != 0 {
		s += " · " + time.Unix(0, tl.AsOfTime).UTC().Format(time.RFC3339)
	}
	return s
}
