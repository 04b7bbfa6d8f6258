package systems

import (
	"strings"
	"testing"
	"time"

	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/worldtest"
)

// timelineWorld is n events of one aggregate, seq i+1 stamped at i+1 s (times[i] instead,
// when given), and one object stamped at 5.5 s.
func timelineWorld(t *testing.T, n int, opts Options, times ...int64) (*ecs.ECS, *fakeClock, []donburi.Entity) {
	t.Helper()
	w := donburi.NewWorld()
	var es []donburi.Entity
	for i := 0; i < n; i++ {
		ent := worldtest.Node(w, i, worldtest.Event(float64(i)*30, 0, "order-1", "Placed"))
		if i < len(times) {
			components.DddElement.Get(w.Entry(ent)).CreatedAt = times[i]
		}
		es = append(es, ent)
	}
	obj := worldtest.Node(w, n, worldtest.Spec{Kind: components.ElementObject, Shape: components.ShapeCircle, X: 0, Y: 40, Type: "value"})
	d := components.DddElement.Get(w.Entry(obj))
	d.Seq, d.CreatedAt = 0, 5_500_000_000
	es = append(es, obj)
	clock := &fakeClock{t: time.Unix(1e6, 0).UnixNano()}
	opts.Now = clock.now
	if opts.Width == 0 {
		opts.Width, opts.Height = 1280, 800
	}
	e := newECS(w)
	Setup(e, opts)
	frame(e)
	frame(e)
	return e, clock, es
}

// frame runs the stages that read and apply the timeline, as the window does each tick.
func frame(e *ecs.ECS) {
	UpdateTimeline(e)
	UpdateScene(e)
}

// hiddenSeqs lists the scene's hidden nodes' sequences (0 for the object).
func hiddenSeqs(e *ecs.ECS) []uint64 {
	var out []uint64
	for _, n := range SceneOf(e).Nodes {
		if n.Flags&FlagHidden != 0 {
			out = append(out, n.Seq)
		}
	}
	return out
}

func setCaughtUp(e *ecs.ECS) {
	w := e.World
	entry, ok := components.GraphStats.First(w)
	if !ok {
		entry = w.Entry(w.Create(components.GraphStats))
	}
	components.GraphStats.Get(entry).CaughtUp = true
}

// TestTimelineDragToSeq: a press on the bar's track shows the store as of the sequence under
// the cursor (later events and the object made after the newest shown event hidden, the
// status bar says so), dragging moves it, and the right end is live again.
func TestTimelineDragToSeq(t *testing.T) {
	e, _, _ := timelineWorld(t, 10, Options{})
	tl := GetOrCreateTimeline(e)
	if tl.First != 1 || tl.Last != 10 || tl.Held != 10 || !tl.Live() {
		t.Fatalf("timeline %+v: want seq 1..10 held, live", *tl)
	}
	tr := TimelineTrack(e)
	y := (tr.MinY + tr.MaxY) / 2
	x := XOfSeq(e, 4)
	HandleInput(e, components.InputData{X: x, Y: y, LeftPressed: true, LeftDown: true})
	if tl.AsOf != 4 || !tl.Dragging {
		t.Fatalf("press on the track at seq 4's x: as of %d, dragging %v", tl.AsOf, tl.Dragging)
	}
	frame(e)
	if got := hiddenSeqs(e); len(got) != 7 || got[0] == 4 || !containsSeq(got, 0) || containsSeq(got, 4) {
		t.Errorf("as of seq 4 hidden %v: want seq 5..10 and the object stamped 5.5 s", got)
	}
	HandleInput(e, components.InputData{X: XOfSeq(e, 7), Y: y - 300, LeftDown: true})
	frame(e)
	if tl.AsOf != 7 {
		t.Fatalf("dragged to seq 7's x (off the bar vertically): as of %d", tl.AsOf)
	}
	if got := hiddenSeqs(e); len(got) != 3 || containsSeq(got, 0) {
		t.Errorf("as of seq 7 hidden %v: want seq 8..10 only (the object, 5.5 s, is older than seq 7's 7 s)", got)
	}
	if cam := GetOrCreateCamera(e); cam.CenterX != 0 && !cam.AutoFit {
		t.Errorf("a drag on the timeline panned the camera")
	}
	status := StatusLine(e)
	if !strings.Contains(status, "8 of 11 nodes") {
		t.Errorf("status %q: want it to count the 8 nodes shown of 11", status)
	}
	if !strings.Contains(status, "as of seq 7 · 1970-01-01T00:00:07Z") {
		t.Errorf("status %q: want it to say as of seq 7 · its time", status)
	}
	HandleInput(e, components.InputData{X: XOfSeq(e, 7), Y: y, LeftReleased: true})
	if tl.Dragging || tl.AsOf != 7 {
		t.Errorf("after the release: dragging %v, as of %d (want 7)", tl.Dragging, tl.AsOf)
	}
	HandleInput(e, components.InputData{X: tr.MaxX + 2, Y: y, LeftPressed: true, LeftDown: true})
	HandleInput(e, components.InputData{X: tr.MaxX + 2, Y: y, LeftReleased: true})
	frame(e)
	if !tl.Live() || len(hiddenSeqs(e)) != 0 {
		t.Errorf("press at the track's right end: as of %d, hidden %v; want live, nothing hidden", tl.AsOf, hiddenSeqs(e))
	}
	if strings.Contains(StatusLine(e), "as of") {
		t.Errorf("live status %q still says as of", StatusLine(e))
	}
	if GetOrCreateSelection(e).Entity != donburi.Null {
		t.Error("a press on the timeline selected a node")
	}
}

func containsSeq(s []uint64, q uint64) bool {
	for _, x := range s {
		if x == q {
			return true
		}
	}
	return false
}

// TestTimelineStepKeys: [ from live shows all but the newest event, [ and ] step one held
// event, Home goes to the oldest, ] past the newest is live again, End is live.
func TestTimelineStepKeys(t *testing.T) {
	e, _, _ := timelineWorld(t, 5, Options{})
	tl := GetOrCreateTimeline(e)
	press := func(k components.Key) uint64 {
		HandleInput(e, components.InputData{Pressed: []components.Key{k}})
		frame(e)
		return tl.AsOf
	}
	steps := []struct {
		key  components.Key
		want uint64
	}{
		{components.KeyBracketLeft, 4}, {components.KeyBracketLeft, 3}, {components.KeyBracketRight, 4},
		{components.KeyHome, 1}, {components.KeyBracketLeft, 1}, {components.KeyBracketRight, 2},
		{components.KeyEnd, 0}, {components.KeyBracketLeft, 4}, {components.KeyBracketRight, 0},
	}
	for i, s := range steps {
		if got := press(s.key); got != s.want {
			t.Fatalf("step %d (key %d): as of %d, want %d", i, s.key, got, s.want)
		}
	}
}

// TestTimelinePlayAtSpeed: p from live starts at the oldest event; with an injected clock the
// as-of sequence follows the events' times at the chosen speed; at the newest, once caught up,
// it goes live (or, looping, starts again after a pause).
func TestTimelinePlayAtSpeed(t *testing.T) {
	e, clock, _ := timelineWorld(t, 10, Options{})
	tl := GetOrCreateTimeline(e)
	HandleInput(e, components.InputData{Pressed: []components.Key{components.KeyPeriod}}) // 1× → 2×
	if tl.Speed != 2 {
		t.Fatalf(". from 1×: speed %v, want 2", tl.Speed)
	}
	HandleInput(e, components.InputData{Pressed: []components.Key{components.KeyP}})
	frame(e)
	if !tl.Playing || tl.AsOf != 1 {
		t.Fatalf("p from live: playing %v as of %d, want playing from seq 1", tl.Playing, tl.AsOf)
	}
	// One wall second at 2× is two seconds of events: 1 s → 3 s.
	for i := 0; i < 10; i++ {
		clock.advance(100 * time.Millisecond)
		frame(e)
	}
	if tl.AsOf != 3 {
		t.Errorf("after 1 s of wall time at 2×: as of %d, want 3", tl.AsOf)
	}
	if got := hiddenSeqs(e); len(got) != 8 {
		t.Errorf("as of seq 3: hidden %v, want seq 4..10 and the object", got)
	}
	// A stalled frame (5 s) advances the clock by at most 250 ms of wall time.
	clock.advance(5 * time.Second)
	frame(e)
	if tl.AsOf != 3 {
		t.Errorf("after a 5 s stall at 2× from 3 s: as of %d, want 3 (0.5 s of events at most)", tl.AsOf)
	}
	// Not caught up: the playback waits at the newest event for more.
	for i := 0; i < 60; i++ {
		clock.advance(100 * time.Millisecond)
		frame(e)
	}
	if !tl.Playing || tl.AsOf != 10 {
		t.Fatalf("6 s later, the source not caught up: playing %v as of %d, want playing at 10", tl.Playing, tl.AsOf)
	}
	setCaughtUp(e)
	clock.advance(100 * time.Millisecond)
	frame(e)
	if tl.Playing || !tl.Live() {
		t.Errorf("at the newest event, caught up, no loop: playing %v as of %d, want live", tl.Playing, tl.AsOf)
	}

	// Looping: after the pause at the end it starts again at the oldest.
	tl.Loop = true
	HandleInput(e, components.InputData{Pressed: []components.Key{components.KeyP}})
	frame(e)
	for i := 0; i < 60; i++ {
		clock.advance(100 * time.Millisecond)
		frame(e)
	}
	if !tl.Playing || tl.AsOf != 10 {
		t.Fatalf("looping, 6 s in: playing %v as of %d, want playing at 10", tl.Playing, tl.AsOf)
	}
	for i := 0; i < 25 && tl.AsOf == 10; i++ {
		clock.advance(100 * time.Millisecond)
		frame(e)
	}
	if !tl.Playing || tl.AsOf > 2 {
		t.Errorf("looping, after the end's pause: playing %v as of %d, want the playback back at the start", tl.Playing, tl.AsOf)
	}
	HandleInput(e, components.InputData{Pressed: []components.Key{components.KeyP}})
	if tl.Playing {
		t.Error("p did not pause the playback")
	}
}

// TestTimelineSkipsIdle: an hour without events costs the playback one second of wall time.
func TestTimelineSkipsIdle(t *testing.T) {
	sec := int64(time.Second)
	e, clock, _ := timelineWorld(t, 3, Options{}, 1*sec, 2*sec, 3602*sec)
	tl := GetOrCreateTimeline(e)
	TogglePlay(e)
	frame(e)
	for i := 0; i < 15; i++ {
		clock.advance(100 * time.Millisecond)
		frame(e)
	}
	if tl.AsOf != 2 {
		t.Fatalf("1.5 s in at 1×: as of %d, want 2", tl.AsOf)
	}
	for i := 0; i < 12; i++ {
		clock.advance(100 * time.Millisecond)
		frame(e)
	}
	if tl.AsOf != 3 {
		t.Errorf("2.7 s in at 1×, the next event an hour later: as of %d, want 3 (the quiet hour skipped to 1 s)", tl.AsOf)
	}
}

// TestTimelineReplayOption: Options.Replay (--replay SPEED) plays from the oldest event at
// that speed as soon as there are events; out-of-range speeds are clamped.
func TestTimelineReplayOption(t *testing.T) {
	e, clock, _ := timelineWorld(t, 10, Options{Replay: 4})
	tl := GetOrCreateTimeline(e)
	if !tl.Playing || tl.Speed != 4 || tl.AsOf != 1 {
		t.Fatalf("--replay 4: playing %v speed %v as of %d, want playing at 4× from seq 1", tl.Playing, tl.Speed, tl.AsOf)
	}
	for i := 0; i < 10; i++ {
		clock.advance(100 * time.Millisecond)
		frame(e)
	}
	if tl.AsOf != 5 {
		t.Errorf("1 s at 4× from 1 s: as of %d, want 5", tl.AsOf)
	}
	if !strings.HasPrefix(TimelineText(e), "play 4×") {
		t.Errorf("bar text %q, want play 4×", TimelineText(e))
	}
	e2, _, _ := timelineWorld(t, 2, Options{Replay: 5000})
	if s := GetOrCreateTimeline(e2).Speed; s != components.MaxTimelineSpeed {
		t.Errorf("--replay 5000 in the systems: speed %v, want clamped to %v", s, components.MaxTimelineSpeed)
	}
}

// TestTimelineHistogram: the bar's bins count the held events along the sequence range.
func TestTimelineHistogram(t *testing.T) {
	e, _, _ := timelineWorld(t, 10, Options{})
	bins, top := TimelineHistogram(e)
	var sum uint32
	for _, b := range bins {
		sum += b
	}
	if len(bins) != TimelineBins || sum != 10 || top != 1 {
		t.Errorf("histogram: %d bins, %d events, top %d; want %d bins holding the 10 events, one a bin", len(bins), sum, top, TimelineBins)
	}
	if s, live := SeqAtX(e, XOfSeq(e, 6)); live || s != 6 {
		t.Errorf("SeqAtX(XOfSeq(6)) = %d %v", s, live)
	}
}

// TestTimelinePlaybackPulses: the nodes a playing timeline reveals pulse as if they had just
// arrived; stepping by hand does not.
func TestTimelinePlaybackPulses(t *testing.T) {
	e, clock, _ := timelineWorld(t, 10, Options{})
	SetPulseClock(e, clock.now)
	StepTimeline(e, -1) // as of 9, by hand
	frame(e)
	if n := len(SceneOf(e).Pulses); n != 0 {
		t.Fatalf("%d pulses after [, want none", n)
	}
	SetAsOf(e, 2)
	frame(e)
	TogglePlay(e)
	for i := 0; i < 10; i++ { // 1 s at 1×: 2 s → 3 s reveals seq 3
		clock.advance(100 * time.Millisecond)
		frame(e)
	}
	tl := GetOrCreateTimeline(e)
	sc := SceneOf(e)
	if tl.AsOf != 3 || len(sc.Pulses) != 1 || sc.Nodes[sc.Pulses[0].Node].Seq != 3 {
		t.Fatalf("as of %d, pulses %v: want seq 3 revealed and pulsing", tl.AsOf, sc.Pulses)
	}
}

// TestTimelineReplayLast: with Options.ReplayLast (--replay-last 3s) the playback, and every
// loop, starts 3 s of event time before the newest event instead of at the oldest.
func TestTimelineReplayLast(t *testing.T) {
	e, clock, _ := timelineWorld(t, 10, Options{Replay: 1, Loop: true, ReplayLast: 3 * time.Second})
	setCaughtUp(e)
	tl := GetOrCreateTimeline(e)
	if !tl.Playing || tl.AsOf != 7 {
		t.Fatalf("--replay 1 --replay-last 3s over events at 1..10 s: playing %v as of %d, want 7", tl.Playing, tl.AsOf)
	}
	for i := 0; i < 80 && tl.AsOf != 10; i++ {
		clock.advance(100 * time.Millisecond)
		frame(e)
	}
	if tl.AsOf != 10 {
		t.Fatalf("never reached seq 10: as of %d", tl.AsOf)
	}
	for i := 0; i < 40 && tl.AsOf == 10; i++ {
		clock.advance(100 * time.Millisecond)
		frame(e)
	}
	if tl.AsOf != 7 {
		t.Errorf("the loop restarted at seq %d, want 7", tl.AsOf)
	}
}

// TestTimelineHover: over the bar's track the bar names the sequence a press would show and
// its time, "live" at the right end, nothing elsewhere.
func TestTimelineHover(t *testing.T) {
	e, _, _ := timelineWorld(t, 10, Options{})
	tr := TimelineTrack(e)
	y := (tr.MinY + tr.MaxY) / 2
	for _, tt := range []struct {
		x, y float64
		want string
		ok   bool
	}{
		{XOfSeq(e, 4), y, "seq 4 · 00:00:04", true},
		{tr.MaxX + 1, y, "live", true},
		{XOfSeq(e, 4), y - 100, "", false},
		{tr.MinX - 20, y, "", false}, // the play state's label, left of the track
	} {
		HandleInput(e, components.InputData{X: tt.x, Y: tt.y})
		if got, _, ok := TimelineHover(e); got != tt.want || ok != tt.ok {
			t.Errorf("hover at (%v, %v): %q %v, want %q %v", tt.x, tt.y, got, ok, tt.want, tt.ok)
		}
	}
}

// TestTimelineUntilIsHistory: with --until the bar never says live: at its right end it reads
// "history" as the status bar does (the store as of the --until sequence), the right end's
// hover and the toast of ] name that sequence, and a step back is paused as anywhere else;
// without --until the same world's bar is live.
func TestTimelineUntilIsHistory(t *testing.T) {
	live, _, _ := timelineWorld(t, 10, Options{})
	setCaughtUp(live)
	frame(live)
	if got := TimelineText(live); got != "live · 1×" || !TimelineLive(live) {
		t.Fatalf("without --until: bar %q, live %v; want live · 1×", got, TimelineLive(live))
	}
	e, _, _ := timelineWorld(t, 10, Options{Until: 10})
	setCaughtUp(e)
	entry, _ := components.GraphStats.First(e.World)
	components.GraphStats.Get(entry).LastSeq = 10
	frame(e)
	tl := GetOrCreateTimeline(e)
	status := StatusLine(e)
	if got := TimelineText(e); got != "history · 1×" || TimelineLive(e) || !tl.Live() {
		t.Errorf("--until 10: bar %q, live %v, as of %d; want history · 1× at the right end, not live", got, TimelineLive(e), tl.AsOf)
	}
	if !strings.Contains(status, "history") || !strings.Contains(status, "as of seq 10") || strings.Contains(status, "live") {
		t.Errorf("--until 10: status %q, want history as of seq 10", status)
	}
	tr := TimelineTrack(e)
	HandleInput(e, components.InputData{X: tr.MaxX + 1, Y: (tr.MinY + tr.MaxY) / 2})
	if got, _, ok := TimelineHover(e); got != "seq 10 · 00:00:10" || !ok {
		t.Errorf("--until 10: hover at the right end %q %v, want seq 10 · 00:00:10", got, ok)
	}
	StepTimeline(e, -1)
	frame(e)
	if got := TimelineText(e); got != "paused · 1×" || tl.AsOf != 9 {
		t.Errorf("--until 10, [: bar %q as of %d, want paused · 1× as of 9", got, tl.AsOf)
	}
	StepTimeline(e, 1)
	frame(e)
	if got, toast := TimelineText(e), GetOrCreateToast(e).Text; got != "history · 1×" || toast != "timeline: seq 10 · 00:00:10" {
		t.Errorf("--until 10, [ then ]: bar %q, toast %q; want history · 1× and the toast naming seq 10", got, toast)
	}
}

// TestTimelineSpeedSteps: , and . step through 1× … 1000× and stop at the ends; a speed
// between two steps (--replay 60) moves to the neighbouring step that way.
func TestTimelineSpeedSteps(t *testing.T) {
	e, _, _ := timelineWorld(t, 3, Options{Replay: 60})
	tl := GetOrCreateTimeline(e)
	for _, tt := range []struct {
		from float64
		dir  int
		want float64
	}{{60, 1, 100}, {60, -1, 50}, {1000, 1, 1000}, {1, -1, 1}, {1, 1, 2}, {500, 1, 1000}} {
		tl.Speed = tt.from
		ChangeSpeed(e, tt.dir)
		if tl.Speed != tt.want {
			t.Errorf("from %v× %+d: %v×, want %v×", tt.from, tt.dir, tl.Speed, tt.want)
		}
	}
}
